"""Project settings: one YAML file (`tutor.yml`), typed, with defaults, help and validation.

The file is found at $TUTOR_CONFIG, else `tutor.yml` in the working directory. Relative paths in it are
relative to the file. `tutor config` prints every setting with its help text.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessment import AssessmentSettings
from recommender import RecommenderSettings
from retrieval import RetrievalSettings

CONFIG_ENV = "TUTOR_CONFIG"
DEFAULT_FILE = "tutor.yml"


class SettingsError(Exception):
    """The settings file is missing, unreadable or invalid; the message says which key and why."""


class PathSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    courses: Path = Field(Path("data/courses"), description="Course files ingested by `tutor demo`.")
    index_dir: Path = Field(Path("var/index"), description="Where the search index versions live.")
    cache_dir: Path = Field(Path("var/cache"), description="Converted models and other derived files.")
    store: Path = Field(Path("var/tutor.db"), description="The tutor's own SQLite database (turns, feedback).")


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field("127.0.0.1", description="Interface both servers listen on.")
    rasa_port: int = Field(5005, ge=1, le=65535, description="Rasa server port (REST channel at /webhooks/rest/webhook).")
    action_port: int = Field(5055, ge=1, le=65535, description="Action server port; must match endpoints.yml.")
    endpoints: Path = Field(Path("endpoints.yml"), description="Rasa endpoints file (action server, tracker store).")
    credentials: Path = Field(Path("bot/credentials.yml"), description="Rasa channel credentials file.")
    models_dir: Path = Field(Path("models"), description="Where trained Rasa models are written.")
    startup_timeout_s: float = Field(240.0, gt=0, description="How long `tutor serve` waits for both servers.")
    workers: int = Field(
        1, ge=1, le=64,
        description="Processes each of Rasa and the action server runs; above 1 the endpoints file needs a Redis lock store "
        "and a shared tracker store (deploy/endpoints.yml).",
    )


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field("127.0.0.1", description="Interface the trainer console listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Trainer console port.")
    retention_days: int = Field(365, ge=1, description="Transcripts older than this are deleted by `tutor retention` (run it daily).")
    low_confidence: float = Field(0.5, ge=0.0, le=1.0, description="Answers below this confidence match the console's 'low confidence' filter.")
    secret_env: str = Field("TUTOR_CONSOLE_SECRET", description="Environment variable with the key for sessions and learner aliases (else a generated key in var/).")
    https_only: bool = Field(False, description="Send the session cookie over HTTPS only (set when served behind TLS).")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: PathSettings = PathSettings()
    servers: ServerSettings = ServerSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    assessment: AssessmentSettings = AssessmentSettings()
    recommender: RecommenderSettings = RecommenderSettings()
    console: ConsoleSettings = ConsoleSettings()
    root: Path = Field(Path("."), exclude=True, description="Directory relative paths are resolved against.")

    def path(self, value: Path) -> Path:
        return value if value.is_absolute() else (self.root / value).resolve()


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_FILE)


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the settings file; a missing default file means all defaults."""
    path = path or config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"{path} must be a mapping of sections (paths, servers, retrieval)")
    elif os.environ.get(CONFIG_ENV):
        raise SettingsError(f"{CONFIG_ENV} points at {path}, which does not exist")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"{path}: {problems}") from exc
    settings.root = path.resolve().parent
    return settings


def describe(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted key, default, help) for every setting, for `tutor config` and the docs test."""
    rows: list[tuple[str, Any, str]] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        key = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(describe(annotation, key + "."))
        else:
            rows.append((key, field.default, field.description or ""))
    return rows
