"""Password guessing against the trainer console: 1,000 wrong passwords against one account, from one address,
from many, through a trusted proxy, and by a patient guesser who waits out every delay; then the real user signs in.

The real console runs on loopback (uvicorn, in this process) over a fresh database. Its clock — sessions, the
sign-in throttle — is the drill's own, moved on by each guesser, so hours of guessing take seconds. Source
addresses are real: Linux routes all of 127/8 to loopback, so each client binds its own 127.0.x.y. Through the
proxy, the address comes from X-Forwarded-For and the console trusts it only because 127.0.0.1 is configured as
its proxy.

Passes when no guess succeeds, no 60 s of drill time after the first 10 checked guesses has more than 10 checked,
and the real user signs in once the lock has ended. `tutor eval guessing [--tries N] [--out FILE]`.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import platform
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from console import add_user, create_app
from store import LoginThrottle
from tutor import Tutor, load_settings

from ..report import write_report

PASSWORD = "the real password, 2024"
PROXY = "127.0.0.1"


class DrillClock:
    """The console's clock during the drill: guessers move it on."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Outcome:
    tries: int = 0
    checked: list[float] = field(default_factory=list)  # drill times of the guesses whose password was checked
    refused: int = 0
    succeeded: int = 0
    other: int = 0
    drill_seconds: float = 0.0
    server_refused: int = 0
    real_user_while_locked: int = 0
    real_user_after_lock: int = 0
    waited_for_real_user_s: float = 0.0

    def busiest_minute_after_first_10(self) -> int:
        later = self.checked[10:]
        return max((sum(1 for t in later if start <= t < start + 60) for start in later), default=0)

    def row(self) -> dict:
        return {"tries": self.tries, "succeeded": self.succeeded, "checked": len(self.checked), "refused (429)": self.refused,
                "refused, counted by the console": self.server_refused, "other answers": self.other,
                "checked in the busiest minute after the first 10": self.busiest_minute_after_first_10(),
                "drill time": f"{self.drill_seconds / 3600:.1f} h",
                "real user during the lock": self.real_user_while_locked,
                "real user after the lock": self.real_user_after_lock,
                "real user waited": f"{self.waited_for_real_user_s / 60:.0f} min"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign_in(port: int, username: str, password: str, source: str = "127.0.0.1", forwarded: str = "") -> tuple[int, float]:
    """(status, Retry-After seconds) of one JSON sign-in from `source` (bound as the client's address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    headers = {"content-type": "application/json", **({"x-forwarded-for": forwarded} if forwarded else {})}
    try:
        conn.request("POST", "/api/login", body=json.dumps({"username": username, "password": password}), headers=headers)
        reply = conn.getresponse()
        reply.read()
        return reply.status, float(reply.getheader("retry-after") or 0)
    finally:
        conn.close()


def address(n: int) -> str:
    """The n-th guesser's source address: 127.0.0.2 … 127.0.0.254, then 127.0.1.2 …"""
    return f"127.0.{n // 253}.{n % 253 + 2}"


def guess(port: int, clock: DrillClock, account: str, tries: int, source, pace_s: float, patient: bool, forwarded=None) -> Outcome:
    """`tries` wrong passwords, one every `pace_s` drill seconds (a patient guesser waits out each Retry-After)."""
    out, start = Outcome(), clock.now
    for n in range(tries):
        status, retry_after = sign_in(port, account, f"guess-{n:04d}", source(n), forwarded(n) if forwarded else "")
        out.tries += 1
        if status == 401:
            out.checked.append(clock.now - start)
        elif status == 429:
            out.refused += 1
        elif status == 200:
            out.succeeded += 1
        else:
            out.other += 1
        clock.now += max(pace_s, retry_after) if patient else pace_s
    out.drill_seconds = clock.now - start
    return out


def real_user(port: int, clock: DrillClock, account: str, out: Outcome, source: str, forwarded: str = "") -> None:
    """The account's owner tries right after the guessing, then every minute of drill time until signed in."""
    status, _ = sign_in(port, account, PASSWORD, source, forwarded)
    out.real_user_while_locked = status
    waited = 0.0
    while status != 200 and waited < 24 * 3600:
        clock.now += 60
        waited += 60
        status, _ = sign_in(port, account, PASSWORD, source, forwarded)
    out.real_user_after_lock, out.waited_for_real_user_s = status, waited


def start_console(tutor: Tutor, clock: DrillClock) -> tuple[uvicorn.Server, int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(tutor, "drill-secret", clock=clock), host="127.0.0.1", port=port,
                                           log_level="warning", proxy_headers=False))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(300):
        if server.started:
            return server, port
        time.sleep(0.05)
    raise RuntimeError("the console did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=1000, help="wrong passwords per scenario")
    parser.add_argument("--pace", type=float, default=1.0, help="drill seconds between an impatient guesser's tries")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/guessing_drill.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    clock = DrillClock()
    with tempfile.TemporaryDirectory(prefix="guessing-drill-") as tmp:
        config = Path(tmp) / "tutor.yml"
        config.write_text(f"paths:\n  store: {Path(tmp) / 'tutor.db'}\n  index_dir: {Path(tmp) / 'no-index'}\n"
                          f"servers:\n  endpoints: {Path(tmp) / 'none.yml'}\nconsole:\n  trusted_proxies: [{PROXY}]\n")
        tutor = Tutor(load_settings(config, environ={}))
        scenarios = {
            "one address": dict(source=lambda n: "127.0.0.2", patient=False),
            "many addresses (127.0.x.y)": dict(source=address, patient=False),
            "through the trusted proxy (X-Forwarded-For)": dict(source=lambda n: PROXY, patient=False,
                                                                forwarded=lambda n: f"198.51.{n // 250}.{n % 250 + 1}"),
            "patient, waits out every delay": dict(source=lambda n: "127.0.0.3", patient=True),
        }
        server, port = start_console(tutor, clock)
        results: dict[str, Outcome] = {}
        started = time.monotonic()
        try:
            for n, (name, how) in enumerate(scenarios.items()):
                account = f"drill-user-{n}"
                add_user(tutor.records.accounts, account, PASSWORD, "trainer")
                out = guess(port, clock, account, args.tries, how["source"], args.pace, how["patient"], how.get("forwarded"))
                out.server_refused = LoginThrottle(tutor.records.db, clock).state(f"account:{account}")["refused"]
                behind_proxy = "forwarded" in how
                real_user(port, clock, account, out, PROXY if behind_proxy else "127.0.0.1", "192.0.2.10" if behind_proxy else "")
                results[name] = out
        finally:
            server.should_exit = True
        wall = time.monotonic() - started
    passed = all(o.succeeded == 0 and o.busiest_minute_after_first_10() <= 10 and o.real_user_after_lock == 200
                 for o in results.values())
    keys = list(next(iter(results.values())).row())
    lines = ["| | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    lines += [f"| {k} | " + " | ".join(str(o.row()[k]) for o in results.values()) + " |" for k in keys]
    header = (f"# Password guessing drill\n\nThe console with its default throttle (3 free tries, delays doubling from 1 s to 60 s, "
              f"a 15-minute lock from 10 failures, every failure after it locking again; per address: lock from 30). "
              f"{args.tries} wrong passwords per scenario, one every {args.pace:g} s of drill time (the patient guesser waits "
              f"out each Retry-After). Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{wall:.0f} s wall time for all scenarios. Result: {'PASS' if passed else 'FAIL'}.\n")
    write_report([header, "\n".join(lines)], args.out)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
