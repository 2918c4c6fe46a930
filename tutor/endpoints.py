"""Rasa's endpoints file as Rasa will read it, and where it keeps conversations: the tutor reaches Rasa's events
there to forget a learner, apply retention and count recommendations shown."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from .settings import Settings

log = logging.getLogger(__name__)

ENV_REFERENCE = re.compile(r"\$\{([^}]+)\}")
# The code (domain, NLU data, actions, channels) lives beside this package; settings may live elsewhere.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class EndpointsError(Exception):
    """The endpoints file is unreadable, or reads variables that are not set; the message says which."""


def read_endpoints(settings: Settings, env: dict[str, str] | None = None, sections: tuple[str, ...] = ()) -> dict:
    """endpoints.yml as Rasa will read it: ${VAR} references in values replaced from the environment Rasa gets.
    With `sections`, only those are read, so only their variables need to be set."""
    import yaml

    path = settings.path(settings.servers.endpoints)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise EndpointsError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise EndpointsError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise EndpointsError(f"{path} must be a mapping (action_endpoint, tracker_store, lock_store)")
    if sections:
        data = {key: value for key, value in data.items() if key in sections}
    env = {**os.environ, **(env or {})}
    missing: set[str] = set()

    def expand(value):
        if isinstance(value, dict):
            return {key: expand(item) for key, item in value.items()}
        if isinstance(value, str):
            missing.update(name for name in ENV_REFERENCE.findall(value) if name not in env)
            return ENV_REFERENCE.sub(lambda m: env.get(m.group(1), ""), value)
        return value

    data = expand(data)
    if missing:
        raise EndpointsError(f"{path} reads {', '.join(sorted(missing))} from the environment; set them (see deploy/README.md)")
    return data


def tracker_db_path(settings: Settings) -> Path | None:
    """The SQLite file of Rasa's tracker store, when endpoints.yml configures one."""
    import yaml

    try:
        store = (yaml.safe_load(settings.path(settings.servers.endpoints).read_text()) or {}).get("tracker_store") or {}
    except (OSError, yaml.YAMLError):
        return None
    if str(store.get("type", "")).upper() != "SQL" or store.get("dialect") != "sqlite" or not store.get("db"):
        return None
    path = Path(str(store["db"]))
    return path if path.is_absolute() else PROJECT_ROOT / path


def tracker_store_url(settings: Settings) -> str | None:
    """Where Rasa keeps conversations, as a SQLAlchemy URL (SQLite file or PostgreSQL), for the console and the
    privacy commands; None for stores they cannot reach (in-memory, or variables not set in this shell)."""
    from sqlalchemy.engine import URL

    try:
        store = read_endpoints(settings, sections=("tracker_store",)).get("tracker_store") or {}
    except EndpointsError as exc:
        log.warning("tracker store not reachable from here: %s", exc)
        return None
    if str(store.get("type", "")).upper() != "SQL":
        return None
    dialect = str(store.get("dialect") or "sqlite")
    if dialect == "sqlite":
        path = tracker_db_path(settings)
        return f"sqlite:///{path}" if path else None
    driver = "postgresql+psycopg2" if dialect.startswith("postgres") else dialect
    port = store.get("port")
    return URL.create(driver, username=store.get("username") or None, password=store.get("password") or None,
                      host=store.get("url") or None, port=int(port) if port else None,
                      database=store.get("db") or None).render_as_string(hide_password=False)


