"""Project settings: one YAML file (`tutor.yml`), typed, with defaults, help and validation, and any of them
overridden from the environment.

The file is found at $TUTOR_CONFIG, else `tutor.yml` in the working directory. Relative paths in it are
relative to the file. A variable `TUTOR_<SECTION>__<KEY>` (sections and keys joined by two underscores, e.g.
`TUTOR_SERVERS__RASA_PORT=5006` or `TUTOR_RETRIEVAL__ANSWER__MODE=guarded`) overrides the file; its value is
read as YAML (numbers, true/false, lists). `tutor config` prints every setting in effect and where it came from.
"""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from assessment import AssessmentSettings
from recommender import RecommenderSettings
from retrieval import RetrievalSettings
from xapi import LrsSettings

CONFIG_ENV = "TUTOR_CONFIG"
DEFAULT_FILE = "tutor.yml"
ENV_PREFIX = "TUTOR_"
ENV_NESTING = "__"


class SettingsError(Exception):
    """The settings file is missing, unreadable or invalid; the message says which key and why."""


class PathSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    courses: Path = Field(Path("data/courses"), description="Course files ingested by `tutor demo`.")
    index_dir: Path = Field(Path("var/index"), description="Where the search index versions live.")
    cache_dir: Path = Field(Path("var/cache"), description="Converted models and other derived files.")
    store: Path = Field(Path("var/tutor.db"), description="The tutor's own SQLite database (turns, quizzes, profiles, console).")


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field("127.0.0.1", description="Interface both servers listen on.")
    rasa_port: int = Field(5005, ge=1, le=65535, description="Rasa server port (REST channel at /webhooks/rest/webhook).")
    action_port: int = Field(5055, ge=1, le=65535, description="Action server port (Rasa is told it through ACTION_ENDPOINT_URL).")
    endpoints: Path = Field(Path("endpoints.yml"), description="Rasa endpoints file (action server, tracker store).")
    credentials: Path = Field(Path("bot/credentials.yml"), description="Rasa channel credentials file.")
    models_dir: Path = Field(Path("models"), description="Where trained Rasa models are written.")
    startup_timeout_s: float = Field(240.0, gt=0, description="How long `tutor serve` waits for both servers.")
    workers: int = Field(
        1, ge=1, le=64,
        description="Processes each of Rasa and the action server runs; above 1 the endpoints file needs a Redis lock store "
        "and a shared tracker store (deploy/endpoints.yml).",
    )


class OidcSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str = Field("", description="Your identity provider's issuer URL (README: 'Sign in with your identity provider'); empty: no single sign-on.")
    client_id: str = Field("", description="The console's client id, registered with the identity provider.")
    client_secret_env: str = Field("TUTOR_OIDC_CLIENT_SECRET", description="Environment variable holding the client secret.")
    scopes: str = Field("openid profile email", description="Scopes asked for (add the one that releases groups, if your provider needs one).")
    username_claim: str = Field("preferred_username", description="Claim that names the user in the console and the audit trail (falls back to email, then sub).")
    groups_claim: str = Field("groups", description="Claim that lists the user's groups (Keycloak/Okta: groups; Entra ID: groups or roles).")
    admin_groups: list[str] = Field([], description="Groups whose members sign in as admins.")
    trainer_groups: list[str] = Field([], description="Groups whose members sign in as trainers; their other groups are the learner groups they see.")
    manager_groups: list[str] = Field([], description="Groups whose members sign in as managers (team reports only); their other groups are the teams they see.")
    redirect_url: str = Field("", description="The callback registered with the provider; empty: this console's /login/sso/callback as the browser reached it.")
    post_logout_redirect_url: str = Field("", description="Where the provider sends the browser after signing out there (register it with the provider); empty: this console's /login as the browser reached it.")
    label: str = Field("Sign in with your company account", description="The single sign-on button's text.")

    @model_validator(mode="after")
    def _complete(self) -> "OidcSettings":
        if not self.issuer:
            return self
        parsed = urlsplit(self.issuer)
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
            raise ValueError(f"issuer {self.issuer!r} must be an https:// URL")
        if not self.client_id:
            raise ValueError("client_id is required when an issuer is set")
        if not (self.admin_groups or self.trainer_groups or self.manager_groups):
            raise ValueError("set admin_groups, trainer_groups and/or manager_groups: nobody could sign in otherwise")
        return self


class ConsoleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field("127.0.0.1", description="Interface the trainer console listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Trainer console port.")
    retention_days: int = Field(365, ge=1, description="Transcripts older than this are deleted by `tutor retention` (run it daily).")
    audit_retention_days: int = Field(400, ge=0, description="Audit trail entries older than this are deleted by `tutor retention`; 0 keeps them forever.")
    low_confidence: float = Field(0.5, ge=0.0, le=1.0, description="Answers below this confidence match the console's 'low confidence' filter.")
    secret_env: str = Field("TUTOR_CONSOLE_SECRET", description="Environment variable with the key for sessions and learner aliases (else a generated key in var/).")
    https_only: bool = Field(False, description="Send the session cookie over HTTPS only (set when served behind TLS).")
    local_accounts: bool = Field(True, description="Sign-in with the console's own accounts (`tutor users add`); false leaves single sign-on alone.")
    session_idle_minutes: float = Field(30.0, gt=0, description="A console session unused this long ends (sign in again).")
    session_max_hours: float = Field(8.0, gt=0, description="A console session ends this long after sign-in, however busy.")
    free_failures: int = Field(3, ge=1, description="Wrong passwords for one account before each further try must wait (1 s, doubling up to a minute).")
    lock_after_failures: int = Field(10, ge=2, description="Wrong passwords that lock an account for console.lock_minutes (an admin can unlock it: `tutor users unlock`).")
    lock_minutes: float = Field(15.0, gt=0, description="How long a locked account or address stays locked; each wrong try after the lock locks it again.")
    address_lock_after_failures: int = Field(30, ge=2, description="Wrong passwords from one address, whatever the account, that lock the address.")
    trusted_proxies: list[str] = Field([], description="Addresses or networks of your reverse proxies: only their X-Forwarded-For and X-Forwarded-Proto headers are believed.")
    hsts: bool = Field(False, description="Always send Strict-Transport-Security (it is sent on every request that arrived over HTTPS anyway).")
    team_scope: bool = Field(True, description="Trainers see only the learners of their groups (`tutor groups`); false: every trainer sees every learner.")
    report_min_group: int = Field(5, ge=2, le=1000, description="The team reports show no group, row or chart point over fewer learners than this (\"fewer than N learners\"; left out of CSVs), so nothing about one learner can be read from them.")
    report_weeks: int = Field(12, ge=2, le=104, description="Weeks the team reports' charts over time go back (completions, mastery by skill, questions not answered).")
    oidc: OidcSettings = OidcSettings()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return value

    @model_validator(mode="after")
    def _some_sign_in(self) -> "ConsoleSettings":
        if not self.local_accounts and not self.oidc.issuer:
            raise ValueError("local_accounts is false and no oidc.issuer is set: nobody could sign in")
        if self.free_failures >= self.lock_after_failures:
            raise ValueError("free_failures must be below lock_after_failures")
        return self


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: PathSettings = PathSettings()
    servers: ServerSettings = ServerSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    assessment: AssessmentSettings = AssessmentSettings()
    recommender: RecommenderSettings = RecommenderSettings()
    console: ConsoleSettings = ConsoleSettings()
    lrs: LrsSettings = LrsSettings()
    root: Path = Field(Path("."), exclude=True, description="Directory relative paths are resolved against.")
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    def path(self, value: Path) -> Path:
        return value if value.is_absolute() else (self.root / value).resolve()

    def source_of(self, key: str) -> str:
        """Where a setting's value came from: 'file PATH', 'environment VAR' or 'default'."""
        return self._sources.get(key, "default")

    @property
    def rasa_url(self) -> str:
        return f"http://{self.servers.host}:{self.servers.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.servers.host}:{self.servers.action_port}"


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_FILE)


def environment_overrides(environ: Mapping[str, str]) -> dict[tuple[str, ...], tuple[Any, str]]:
    """{(section, …, key): (value, variable)} from TUTOR_<SECTION>__<KEY> variables."""
    found: dict[tuple[str, ...], tuple[Any, str]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or ENV_NESTING not in name:
            continue
        keys = tuple(part.lower() for part in name[len(ENV_PREFIX):].split(ENV_NESTING))
        if not all(keys):
            raise SettingsError(f"{name}: empty section or key name")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise SettingsError(f"{name} is not a valid value: {exc}") from exc
        found[keys] = (value, name)
    return found


def _flatten(data: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(data, dict):
        return [prefix]
    return [key for name, value in data.items() for key in _flatten(value, (*prefix, str(name)))]


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings file, then the environment's overrides; a missing default file means all
    defaults. Each setting remembers its source (`Settings.source_of`)."""
    environ = os.environ if environ is None else environ
    path = path or config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"{path} must be a mapping of sections (paths, servers, retrieval)")
    elif environ.get(CONFIG_ENV):
        raise SettingsError(f"{CONFIG_ENV} points at {path}, which does not exist")
    sources = {".".join(key): f"file {path}" for key in _flatten(data) if key}
    overrides = environment_overrides(environ)
    for keys, (value, variable) in overrides.items():
        node = data
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value
        sources[".".join(keys)] = f"environment {variable}"
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{path}: {_problems(exc, overrides)}") from exc
    settings.root = path.resolve().parent
    settings._sources = sources
    return settings


def _problems(exc: ValidationError, overrides: dict[tuple[str, ...], tuple[Any, str]]) -> str:
    problems = []
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"])
        variable = next((var for keys, (_, var) in overrides.items() if loc[:len(keys)] == keys), None)
        problems.append(f"{'.'.join(loc)}: {error['msg']}" + (f" (from {variable})" if variable else ""))
    return "; ".join(problems)


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


def effective(settings: Settings) -> list[tuple[str, Any, str, str]]:
    """(dotted key, value in effect, where it came from, help) for every setting, for `tutor config`."""
    rows = []
    for key, _, help_text in describe():
        value: Any = settings
        for part in key.split("."):
            value = getattr(value, part)
        rows.append((key, value, settings.source_of(key), help_text))
    return rows
