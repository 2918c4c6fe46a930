"""Settings files for a tutor started by a test: free loopback ports, an endpoints file, a tutor.yml."""
from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_sqlite_endpoints(path: Path, tracker_db: Path) -> Path:
    """The embedded layout's endpoints, as shipped: the action server's address from ACTION_ENDPOINT_URL (which
    `tutor serve` sets from tutor.yml), conversations in a SQLite file."""
    path.write_text(
        'action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\nlock_store:\n  type: in_memory\n'
    )
    return path


def write_tutor_config(path: Path, *, index_dir: Path, store: Path, cache_dir: Path, action_port: int, endpoints: Path,
                       credentials: Path = ROOT / "bot" / "credentials.yml", workers: int = 1) -> Path:
    """A tutor.yml on its own Rasa port, sharing the project's trained model."""
    path.write_text(
        f"paths:\n  index_dir: {index_dir}\n  store: {store}\n  cache_dir: {cache_dir}\n"
        f"servers:\n  rasa_port: {free_port()}\n  action_port: {action_port}\n  workers: {workers}\n"
        f"  endpoints: {endpoints}\n  credentials: {credentials}\n  models_dir: {ROOT / 'models'}\n"
    )
    return path


@contextmanager
def serving_tutor(work: Path, *, index_dir: Path, store: Path, cache_dir: Path) -> Iterator:
    """The real Rasa and action servers of a tutor over `index_dir` and `store`, in workspace `work` (its own
    ports, tracker database and logs), sharing the project's trained model; stopped on exit."""
    from cli.rasa_servers import ServerGroup, train
    from tutor import load_settings

    endpoints = write_sqlite_endpoints(work / "endpoints.yml", work / "tracker.db")
    write_tutor_config(work / "tutor.yml", index_dir=index_dir, store=store, cache_dir=cache_dir,
                       action_port=free_port(), endpoints=endpoints)
    settings = load_settings(work / "tutor.yml")
    train(settings)
    group = ServerGroup(settings, log_dir=work / "logs", extra_env={"TUTOR_CONFIG": str(work / "tutor.yml")})
    group.start()
    try:
        yield group
    finally:
        group.stop()
