"""PostgreSQL and Redis on loopback for the multi-process layout on one host.

`tutor services start` runs both from the operating system's packages (Debian: `postgresql`, `redis-server`)
with their data under `var/services/`, and prints the environment that `deploy/endpoints.yml` reads. A
company that already runs PostgreSQL and Redis skips this and sets the same variables itself. The tests and
the load benchmark start the same servers through these classes.

PostgreSQL refuses to run as root; when this process is root, its commands run as the `postgres` user.
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A database or lock server could not be started or stopped; the message says what to install or check."""


def _postgres_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise ServiceError(f"PostgreSQL's {name} was not found: install PostgreSQL (Debian: apt-get install postgresql)")
    return found


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        raise ServiceError(f"{what} failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result.stdout


@dataclass
class LocalPostgres:
    """A PostgreSQL cluster in `data_dir`, listening on host:port only, with one database and password login."""

    data_dir: Path
    port: int = 5432
    host: str = "127.0.0.1"
    user: str = "tutor"
    password: str = "tutor"
    database: str = "tutor"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def env(self) -> dict[str, str]:
        """The variables deploy/endpoints.yml reads for the tracker store."""
        return {"POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port), "POSTGRES_DB": self.database,
                "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password}

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def _let_owner_reach(self) -> None:
        """As root, the `postgres` user must be able to pass through the folders above its data directory."""
        if os.geteuid() != 0:
            return
        for parent in self.data_dir.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)

    def initialise(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._let_owner_reach()
        self._own(self.data_dir)
        self.data_dir.chmod(0o700)
        pwfile = self.data_dir.parent / ".pgpass-init"
        pwfile.write_text(self.password + "\n")
        self._own(pwfile)
        try:
            _run(_as_owner([_postgres_bin("initdb"), "-D", str(self.data_dir), "-U", self.user, f"--pwfile={pwfile}",
                            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"]), "initdb")
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self) -> "LocalPostgres":
        self.initialise()
        self._let_owner_reach()
        self.log_file.touch()
        self._own(self.log_file)
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses={self.host} -c fsync=on"
        _run(_as_owner([_postgres_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
                        "-w", "-t", "60", "start"]), f"starting PostgreSQL (log: {self.log_file})")
        self._create_database()
        log.info("PostgreSQL ready on %s:%s", self.host, self.port)
        return self

    def _create_database(self) -> None:
        psql = [_postgres_bin("psql"), "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", "postgres", "-tAc"]
        env = {"PGPASSWORD": self.password}
        exists = _run(psql + [f"select 1 from pg_database where datname = '{self.database}'"], "psql", env).strip()
        if not exists:
            _run(psql + [f'create database "{self.database}"'], "creating the database", env)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: 'fast' (clean, clients disconnected) or 'immediate' (like a crash)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        self._let_owner_reach()
        _run(_as_owner([_postgres_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"]), "stopping PostgreSQL")

    def psql(self, sql: str) -> str:
        """Run one statement and return its rows as text (one per line, fields separated by '|')."""
        cmd = [_postgres_bin("psql"), "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.database, "-tAc", sql]
        return _run(cmd, "psql", {"PGPASSWORD": self.password})


@dataclass
class LocalRedis:
    """A Redis server on host:port without persistence: it only holds conversation locks, which may be lost."""

    data_dir: Path
    port: int = 6379
    host: str = "127.0.0.1"
    database: int = 1
    _process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {"REDIS_HOST": self.host, "REDIS_PORT": str(self.port), "REDIS_DB": str(self.database),
                "REDIS_PASSWORD": ""}

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "redis.pid"

    def start(self) -> "LocalRedis":
        binary = shutil.which("redis-server")
        if not binary:
            raise ServiceError("redis-server was not found: install Redis (Debian: apt-get install redis-server)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
               "--dir", str(self.data_dir), "--pidfile", str(self.pid_file), "--logfile", str(self.data_dir / "redis.log")]
        self._process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait_until_ready()
        log.info("Redis ready on %s:%s", self.host, self.port)
        return self

    def _wait_until_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self._process is not None and self._process.poll() is not None:
                raise ServiceError(f"redis-server exited with code {self._process.returncode}; see {self.data_dir / 'redis.log'}")
            time.sleep(0.2)
        raise ServiceError(f"Redis did not answer on {self.host}:{self.port} within {timeout:.0f}s")

    def ping(self) -> bool:
        import socket

        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        pid = None
        if self._process is not None:
            pid = self._process.pid
        elif self.pid_file.exists():
            pid = int(self.pid_file.read_text().strip() or 0) or None
        if pid is None:
            return
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        for _ in range(100):
            if self._process is not None and self._process.poll() is not None:
                break
            if self._process is None and not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        self._process = None
