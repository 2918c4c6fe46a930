"""Start, watch and stop the two servers the tutor runs on: Rasa (dialogue) and the action server.

Rasa lives in its own Python 3.10 environment (`.venv-rasa`); the action server runs in this environment.
Both listen on loopback by default. `ServerGroup` is used by `tutor serve`, `tutor demo` and the tests.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tutor import PROJECT_ROOT, EndpointsError, Settings, read_endpoints

log = logging.getLogger(__name__)

RASA_BIN_ENV = "TUTOR_RASA_BIN"
DOMAIN = Path("bot/domain")  # domain.yml, and responses.yml written from messages/ before each training


class ServerError(Exception):
    """A server did not start, or stopped unexpectedly; the message names its log file."""


def rasa_bin(settings: Settings) -> Path:
    explicit = os.environ.get(RASA_BIN_ENV)
    path = Path(explicit) if explicit else PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
    if not path.exists():
        raise ServerError(f"Rasa is not installed at {path}: run `make setup` (or set {RASA_BIN_ENV})")
    return path


def rasa_server_command(settings: Settings) -> list[str]:
    """How the Rasa server is started: Rasa's command line through bot/rasa_main.py (without the modules the
    server never uses) with the Python beside the `rasa` executable, else that executable itself."""
    path = rasa_bin(settings)
    python = path.parent / "python"
    return [str(python), "-m", "bot.rasa_main"] if python.exists() else [str(path)]


def _rasa_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def train(settings: Settings, force: bool = False) -> Path:
    """Train the Rasa model; Rasa's own fingerprinting skips the work when nothing changed."""
    from messages.rasa_responses import write as write_responses

    models = settings.path(settings.servers.models_dir)
    write_responses(PROJECT_ROOT / DOMAIN / "responses.yml")
    cmd = [
        str(rasa_bin(settings)), "train",
        "--domain", str(DOMAIN),
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


def check_endpoints(settings: Settings, env: dict[str, str] | None = None) -> None:
    """The endpoints file must send Rasa to the action server this group starts, and several workers need
    stores that several processes can share."""
    try:
        endpoints = read_endpoints(settings, env)
    except EndpointsError as exc:
        raise ServerError(str(exc)) from exc
    url = str((endpoints.get("action_endpoint") or {}).get("url", ""))
    path = settings.path(settings.servers.endpoints)
    if f":{settings.servers.action_port}/" not in url:
        raise ServerError(f"{path} sends actions to {url!r} but servers.action_port is {settings.servers.action_port}: "
                          "write `url: ${ACTION_ENDPOINT_URL}` there (tutor serve sets it), so the port is set in one place")
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
        return self.settings.rasa_url

    @property
    def action_url(self) -> str:
        return self.settings.action_url

    @property
    def rasa_env(self) -> dict[str, str]:
        """What Rasa's process gets besides our environment: its workers and where its actions are."""
        return {**self.extra_env, "SANIC_WORKERS": str(self.settings.servers.workers),
                "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook"}

    def start_action_server(self) -> None:
        env = {**os.environ, **self.extra_env, "SANIC_HOST": self.settings.servers.host, "PYTHONPATH": str(PROJECT_ROOT),
               "ACTION_SERVER_SANIC_WORKERS": str(self.settings.servers.workers)}
        # rasa_sdk's server, in one process when it has one worker (cli/action_server.py)
        cmd = [sys.executable, "-m", "cli.action_server", "--actions", "actions", "--port", str(self.settings.servers.action_port)]
        self._spawn("actions", cmd, env)

    def start_rasa(self) -> None:
        s = self.settings.servers
        cmd = [
            *rasa_server_command(self.settings), "run",
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


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived: stop the servers and leave, as on Ctrl-C."""


def stop_on_signals() -> None:
    """Make SIGTERM and SIGHUP end `tutor serve`/`tutor demo` the way Ctrl-C does, so the `finally` that stops
    the servers runs (by default Python would die at once, leaving Rasa and the action server running). After the
    first signal the others are ignored, so stopping is not interrupted."""
    def handler(signum: int, frame) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        log.info("signal %s: stopping the servers", signal.Signals(signum).name)
        raise Stopped(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
