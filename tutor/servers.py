"""Start, watch and stop the two servers the tutor runs on: Rasa (dialogue) and the action server.

Rasa lives in its own Python 3.10 environment (`.venv-rasa`); the action server runs in this environment.
Both listen on loopback by default. `ServerGroup` is used by `tutor serve`, `tutor demo` and the tests.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .settings import Settings

log = logging.getLogger(__name__)

RASA_BIN_ENV = "TUTOR_RASA_BIN"
ENV_REFERENCE = re.compile(r"\$\{([^}]+)\}")
# The code (domain, NLU data, actions, channels) lives beside this package; settings may live elsewhere.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class ServerError(Exception):
    """A server did not start, or stopped unexpectedly; the message names its log file."""


def rasa_bin(settings: Settings) -> Path:
    explicit = os.environ.get(RASA_BIN_ENV)
    path = Path(explicit) if explicit else PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
    if not path.exists():
        raise ServerError(f"Rasa is not installed at {path}: run `make setup` (or set {RASA_BIN_ENV})")
    return path


def _rasa_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def train(settings: Settings, force: bool = False) -> Path:
    """Train the Rasa model; Rasa's own fingerprinting skips the work when nothing changed."""
    models = settings.path(settings.servers.models_dir)
    cmd = [
        str(rasa_bin(settings)), "train",
        "--domain", "bot/domain.yml",
        "--config", "config.yml",
        "--data", "data/nlu", "data/rules", "data/stories",
        "--out", str(models),
        "--fixed-model-name", "tutor",
    ]
    if force:
        cmd.append("--force")
    log.info("training the dialogue model (skipped by Rasa when nothing changed)")
    result = subprocess.run(cmd, cwd=PROJECT_ROOT, env=_rasa_env(settings), capture_output=True, text=True)
    if result.returncode != 0:
        raise ServerError(f"rasa train failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    model = models / "tutor.tar.gz"
    if not model.exists():
        raise ServerError(f"rasa train finished but {model} is missing")
    return model


def read_endpoints(settings: Settings, env: dict[str, str] | None = None, sections: tuple[str, ...] = ()) -> dict:
    """endpoints.yml as Rasa will read it: ${VAR} references in values replaced from the environment Rasa gets.
    With `sections`, only those are read, so only their variables need to be set."""
    import yaml

    path = settings.path(settings.servers.endpoints)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ServerError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ServerError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ServerError(f"{path} must be a mapping (action_endpoint, tracker_store, lock_store)")
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
        raise ServerError(f"{path} reads {', '.join(sorted(missing))} from the environment; set them (see deploy/README.md)")
    return data


def check_endpoints(settings: Settings, env: dict[str, str] | None = None) -> None:
    """The endpoints file must send Rasa to the action server this group starts, and several workers need
    stores that several processes can share."""
    endpoints = read_endpoints(settings, env)
    url = str((endpoints.get("action_endpoint") or {}).get("url", ""))
    path = settings.path(settings.servers.endpoints)
    if f":{settings.servers.action_port}/" not in url:
        raise ServerError(f"{path} sends actions to {url!r} but servers.action_port is {settings.servers.action_port}")
    if settings.servers.workers > 1:
        lock_type = str((endpoints.get("lock_store") or {}).get("type", "in_memory")).lower()
        tracker_type = str((endpoints.get("tracker_store") or {}).get("type", "in_memory")).lower()
        if tracker_type == "in_memory":
            raise ServerError(
                f"servers.workers is {settings.servers.workers} but {path} keeps conversations in memory, where the "
                "other processes cannot see them: use a SQL tracker store (PostgreSQL, deploy/endpoints.yml)"
            )
        if lock_type == "in_memory":
            raise ServerError(
                f"servers.workers is {settings.servers.workers} but {path} keeps conversation locks in memory, which "
                "one process cannot share with another: use a Redis lock store (deploy/endpoints.yml)"
            )


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
    except ServerError as exc:
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


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) != 0


@dataclass
class ServerGroup:
    """The Rasa server and the action server as child processes, stopped together."""

    settings: Settings
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.settings.servers.host}:{self.settings.servers.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.settings.servers.host}:{self.settings.servers.action_port}"

    @property
    def rasa_env(self) -> dict[str, str]:
        """What Rasa's process gets besides our environment: its workers and where its actions are."""
        return {**self.extra_env, "SANIC_WORKERS": str(self.settings.servers.workers),
                "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook"}

    def start_action_server(self) -> None:
        env = {**os.environ, **self.extra_env, "SANIC_HOST": self.settings.servers.host, "PYTHONPATH": str(PROJECT_ROOT),
               "ACTION_SERVER_SANIC_WORKERS": str(self.settings.servers.workers)}
        cmd = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.settings.servers.action_port)]
        self._spawn("actions", cmd, env)

    def start_rasa(self) -> None:
        s = self.settings.servers
        cmd = [
            str(rasa_bin(self.settings)), "run",
            "--enable-api",
            "--model", str(self.settings.path(s.models_dir) / "tutor.tar.gz"),
            "--endpoints", str(self.settings.path(s.endpoints)),
            "--credentials", str(self.settings.path(s.credentials)),
            "--interface", s.host,
            "--port", str(s.rasa_port),
        ]
        self._spawn("rasa", cmd, {**_rasa_env(self.settings), **self.rasa_env})

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_dir / f"{name}.log", "ab")
        log.info("starting %s: %s", name, " ".join(cmd[:3]))
        self.processes[name] = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        log_file.close()

    def start(self) -> "ServerGroup":
        for port in (self.settings.servers.action_port, self.settings.servers.rasa_port):
            if not port_is_free(self.settings.servers.host, port):
                raise ServerError(f"port {port} on {self.settings.servers.host} is already in use (another tutor running?)")
        check_endpoints(self.settings, self.rasa_env)
        credentials = self.settings.path(self.settings.servers.credentials)
        if not credentials.is_file():
            # Rasa would silently fall back to its default channels, without the tutor's input checks.
            raise ServerError(f"the channel credentials file {credentials} does not exist (servers.credentials)")
        self.start_action_server()
        self.start_rasa()
        self.wait_until_ready()
        return self

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.settings.servers.startup_timeout_s
        pending = {"actions": f"{self.action_url}/health", "rasa": f"{self.rasa_url}/status"}
        while pending:
            for name, url in list(pending.items()):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise ServerError(f"the {name} server exited with code {process.returncode}; see {self.log_dir / (name + '.log')}")
                try:
                    reply = requests.get(url, timeout=2)
                    if reply.ok and (name != "rasa" or reply.json().get("model_file")):
                        pending.pop(name)
                except (requests.RequestException, ValueError):
                    pass
            if pending and time.monotonic() > deadline:
                raise ServerError(f"{', '.join(pending)} not ready after {self.settings.servers.startup_timeout_s:.0f}s; see {self.log_dir}")
            if pending:
                time.sleep(1.0)

    def stop(self, name: str | None = None, timeout: float = 20.0) -> None:
        for key in [name] if name else list(self.processes):
            process = self.processes.pop(key, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def __enter__(self) -> "ServerGroup":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
