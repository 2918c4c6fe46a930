"""A Learning Record Store on loopback: Ralph (ralph-malph 5.1.0, from its own environment .venv-ralph, made by
scripts/setup.sh) with its statements in a file under `data_dir`.

`tutor services start` runs it beside PostgreSQL and Redis when lrs.endpoint points at this host; the tests and the
LRS drill start and stop it through this class. A company with its own LRS sets lrs.endpoint to it instead.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tutor import PROJECT_ROOT

from .databases import ServiceError

log = logging.getLogger(__name__)

RALPH_PYTHON = PROJECT_ROOT / ".venv-ralph" / "bin" / "python"
LAUNCHER = Path(__file__).with_name("ralph_fs_server.py")


def ralph_available(python: Path = RALPH_PYTHON) -> bool:
    return python.exists() and (python.parent / "ralph").exists()


@dataclass
class LocalRalph:
    """Ralph's LRS on host:port with its filesystem backend; one user (`username`, `password`) with every scope."""

    data_dir: Path
    port: int = 8100
    host: str = "127.0.0.1"
    username: str = "tutor"
    password: str = "tutor-lrs"
    python: Path = RALPH_PYTHON
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/xAPI/"

    @property
    def statements_file(self) -> Path:
        return self.data_dir / "statements" / "fs_lrs.jsonl"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "ralph.pid"

    def environment(self) -> dict[str, str]:
        store = str(self.data_dir / "statements")
        return {**os.environ, "RALPH_APP_DIR": str(self.data_dir / "app"), "RALPH_AUTH_FILE": str(self.data_dir / "app" / "auth.json"),
                "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": store,
                "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": store}

    def _write_credentials(self) -> None:
        """Ralph's own `ralph auth` writes the user (bcrypt-hashed) to its auth file, replacing an older one. The
        user's agent (an account at this server) is the `authority` Ralph records on each statement it stores."""
        auth, stamp = self.data_dir / "app" / "auth.json", self.data_dir / "app" / "auth.for"
        wanted = hashlib.sha256(f"{self.username}\0{self.password}\0{self.host}:{self.port}".encode()).hexdigest()
        if auth.exists() and stamp.exists() and stamp.read_text() == wanted:
            return  # written for this user and password already (a restart need not hash again)
        auth.parent.mkdir(parents=True, exist_ok=True)
        auth.unlink(missing_ok=True)
        result = subprocess.run([str(self.python.parent / "ralph"), "auth", "-u", self.username, "-p", self.password,
                                 "-s", "all", "-A", self.username, f"http://{self.host}:{self.port}", "-w"], env=self.environment(), capture_output=True, text=True)
        if result.returncode != 0:
            raise ServiceError(f"ralph auth failed: {(result.stderr or result.stdout).strip()[-1000:]}")
        auth.chmod(0o600)
        stamp.write_text(wanted)

    def start(self, timeout: float = 60.0) -> "LocalRalph":
        if not ralph_available(self.python):
            raise ServiceError(f"Ralph is not installed in {self.python.parent.parent}: run scripts/setup.sh (make setup)")
        (self.data_dir / "statements").mkdir(parents=True, exist_ok=True)
        self._write_credentials()
        log_file = (self.data_dir / "ralph.log").open("ab")
        self._process = subprocess.Popen([str(self.python), str(LAUNCHER), "--host", self.host, "--port", str(self.port)],
                                         cwd=self.data_dir, env=self.environment(), stdout=log_file, stderr=log_file,
                                         start_new_session=True)
        log_file.close()
        self.pid_file.write_text(str(self._process.pid))
        self._wait_until_ready(timeout)
        log.info("Ralph LRS ready on %s", self.endpoint)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return
            if self._process is not None and self._process.poll() is not None:
                raise ServiceError(f"Ralph exited with code {self._process.returncode}; see {self.data_dir / 'ralph.log'}")
            time.sleep(0.2)
        self.stop()
        raise ServiceError(f"Ralph did not answer on {self.host}:{self.port} within {timeout:.0f}s; see {self.data_dir / 'ralph.log'}")

    def ready(self) -> bool:
        try:
            return requests.get(f"http://{self.host}:{self.port}/__heartbeat__", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """Stop the server: SIGTERM (clean) or SIGKILL (like a crash, for drills)."""
        pid = self._process.pid if self._process is not None else self._pid_from_file()
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid, self._process):
            time.sleep(0.1)
        if _alive(pid, self._process):
            os.killpg(pid, signal.SIGKILL)
            if self._process is not None:
                self._process.wait(5)
        self._process = None
        self.pid_file.unlink(missing_ok=True)

    def _pid_from_file(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def stored_ids(self) -> list[str]:
        """The ids in Ralph's statements file, one per stored statement (a duplicate would show twice)."""
        if not self.statements_file.exists():
            return []
        return [json.loads(line)["id"] for line in self.statements_file.read_text().splitlines() if line.strip()]


def _alive(pid: int, process: subprocess.Popen | None) -> bool:
    if process is not None:
        return process.poll() is None
    return Path(f"/proc/{pid}").exists()
