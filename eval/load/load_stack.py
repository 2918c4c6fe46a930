"""Run the load generator against a layout this script starts and stops itself, in a temporary workspace:

- embedded: one Rasa process and one action-server process, SQLite tracker store, in-memory lock store
  (the default install);
- company:  `--workers` Rasa processes and as many action-server processes, PostgreSQL tracker store and
  Redis lock store (deploy/endpoints.yml), PostgreSQL and Redis started on loopback from the system packages.

    python -m eval.load.load_stack --layout company --workers 2 [--lrs] -- --channel both --learners 1,10,50,100 --repeats 3

Everything after `--` goes to `python -m eval.load.load_test` (its --rasa-url and --store are filled in).

With `--lrs`, learning records go to a real LRS as in a company: Ralph on loopback (cli/lrs_server.py, from
.venv-ralph), `lrs.endpoint` set in the workspace's tutor.yml, and the background sender of `tutor serve` in this
process. After the load, once the outbox has nothing pending (at most --lrs-settle seconds), it reports the outbox lag
(delivered − created, per statement: p50, p95, max), statements made, delivered and dead, and whether the LRS holds
exactly the statements made (count and ids, none twice, all valid xAPI); into the --json report too.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningLayout:
    rasa_url: str
    store: Path  # the tutor's SQLite file
    postgres: Any = None  # cli.databases.LocalPostgres in the company layout
    redis: Any = None  # cli.databases.LocalRedis in the company layout
    pids: dict[str, int] = field(default_factory=dict)  # "rasa" / "actions": the server processes started
    lrs: Any = None  # cli.lrs_server.LocalRalph with --lrs
    tutor: Any = None  # the Tutor whose background sender delivers the outbox, with --lrs

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each server, its worker processes included: the difference over a run is
        what the run cost each server, whatever else shares the machine."""
        import psutil

        out: dict[str, float] = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(psutil.NoSuchProcess):
                root = psutil.Process(pid)
                total = 0.0
                for process in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        times = process.cpu_times()
                        total += times.user + times.system
                out[name] = total
        return out


@contextlib.contextmanager
def layout(kind: str, workers: int, work: Path, corpus: Path | None = None, index_dir: Path | None = None,
           lrs: bool = False) -> Iterator[RunningLayout]:
    """Start the servers of one layout in `work` over `corpus` (the sample courses by default), indexed into
    `index_dir` (default: inside `work`; a kept folder makes the next run's ingest incremental), with `lrs` also
    Ralph and the outbox's sender; stops them on exit."""
    from cli.databases import LocalPostgres, LocalRedis
    from cli.rasa_servers import ServerGroup, train
    from retrieval import RetrievalSettings, SentenceEmbedder, ingest
    from tutor import load_settings

    from .load_test import free_port

    index_dir = index_dir or work / "index"
    ingest(corpus or ROOT / "data" / "courses", index_dir, SentenceEmbedder(), RetrievalSettings())
    rasa_port, action_port = free_port(), free_port()
    env: dict[str, str] = {"TUTOR_CONFIG": str(work / "tutor.yml")}
    postgres = redis = ralph = None
    with contextlib.ExitStack() as stack:
        if kind == "company":
            postgres = LocalPostgres(work / "pg" / "data", port=free_port()).start()
            stack.callback(postgres.stop)
            redis = LocalRedis(work / "redis", port=free_port()).start()
            stack.callback(redis.stop)
            env.update({**postgres.env(), **redis.env()})
            endpoints = ROOT / "deploy" / "endpoints.yml"
        else:
            workers = 1
            endpoints = work / "endpoints.yml"
            endpoints.write_text(
                f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
                f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n'
                "lock_store:\n  type: in_memory\n")
        config = (f"paths:\n  index_dir: {index_dir}\n  store: {work / 'tutor.db'}\n  cache_dir: {ROOT / 'var' / 'cache'}\n"
                  f"servers:\n  rasa_port: {rasa_port}\n  action_port: {action_port}\n  workers: {workers}\n"
                  f"  endpoints: {endpoints}\n  credentials: {ROOT / 'bot' / 'credentials.yml'}\n  models_dir: {ROOT / 'models'}\n")
        if lrs:
            ralph = stack.enter_context(local_lrs(work / "ralph"))
            config += f"lrs:\n  endpoint: {ralph.endpoint}\n  username: {ralph.username}\n"
        (work / "tutor.yml").write_text(config)
        settings = load_settings(work / "tutor.yml")
        train(settings)
        group = ServerGroup(settings, log_dir=work / "logs", extra_env=env)
        stack.callback(group.stop)
        group.start()
        tutor = None
        if lrs:  # as `tutor serve` does: the sender in the parent process, beside the servers
            from tutor import Tutor

            tutor = Tutor(settings)
            stack.callback(tutor.learning_records.start_sender().stop)
        print(f"{kind} layout ready: {workers} Rasa + {workers} action-server process(es) at {group.rasa_url}"
              + (f", LRS at {ralph.endpoint}" if ralph else ""), file=sys.stderr)
        yield RunningLayout(group.rasa_url, work / "tutor.db", postgres, redis,
                            {name: p.pid for name, p in group.processes.items()}, ralph, tutor)


@contextlib.contextmanager
def local_lrs(folder: Path) -> Iterator[Any]:
    """Ralph on loopback with a fresh password, which the sender reads from lrs.password_env (TUTOR_LRS_PASSWORD)."""
    from cli.lrs_server import LocalRalph

    from .load_test import free_port

    ralph = LocalRalph(folder, port=free_port(), password=secrets.token_urlsafe(16))
    os.environ["TUTOR_LRS_PASSWORD"] = ralph.password
    ralph.start()
    try:
        yield ralph
    finally:
        ralph.stop()


def lrs_figures(running: RunningLayout, settle_s: float) -> dict[str, Any]:
    """After the load: wait until the outbox has nothing pending (at most `settle_s`), then the outbox lag and the
    LRS's holdings against the statements made."""
    from eval.lrs.delivery import delivery_checks, lag_summary, wait_until_sent
    from xapi import LrsClient

    records, ralph = running.tutor.learning_records, running.lrs
    waited = wait_until_sent(lambda: records.status().pending, settle_s)
    status, outbox = records.status(), records.outbox
    client = LrsClient(records.settings.statements_url, ralph.username, ralph.password)
    try:
        in_lrs = client.read_all()
    finally:
        client.close()
    checks = delivery_checks(outbox.statement_ids(), in_lrs, ralph.stored_ids())
    lag = lag_summary(outbox.delivery_lags())
    sound = (checks["missing"] == checks["unexpected"] == checks["duplicated"] == checks["invalid"] == 0
             and status.pending == status.dead == 0)
    return {"lag": lag, **checks, "delivered": status.delivered, "dead": status.dead, "pending": status.pending,
            "waited_after_load_s": round(waited, 1), "sender_poll_s": records.settings.poll_s,
            "batch_size": records.settings.batch_size, "sound": sound,
            "lag_p95_within_5_s": lag["p95_s"] is not None and lag["p95_s"] <= 5.0}


def report_lrs(figures: dict[str, Any], json_path: Path | None) -> None:
    """Print the LRS figures and add them to the load test's JSON report (key "lrs")."""
    lag = figures["lag"]
    print(f"\nLearning records: {figures['statements_made']} made, {figures['delivered']} delivered, {figures['dead']} dead, "
          f"{figures['pending']} pending; outbox lag p50 {lag['p50_s']} s, p95 {lag['p95_s']} s, max {lag['max_s']} s; "
          f"LRS holds {figures['statements_in_lrs']} (missing {figures['missing']}, unexpected {figures['unexpected']}, "
          f"twice {figures['duplicated']}, invalid {figures['invalid']}): {'sound' if figures['sound'] else 'NOT SOUND'}")
    if json_path is not None and json_path.exists():
        report = json.loads(json_path.read_text())
        json_path.write_text(json.dumps({**report, "lrs": figures}, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=["embedded", "company"], default="embedded")
    parser.add_argument("--workers", type=int, default=2, help="processes each for Rasa and the action server (company)")
    parser.add_argument("--lrs", action="store_true", help="also Ralph on loopback and the outbox's sender; report the outbox lag")
    parser.add_argument("--lrs-settle", type=float, default=120.0, help="seconds to wait for the last statements after the load")
    args = parser.parse_args(own)
    json_path = argparse.ArgumentParser(add_help=False)
    json_path.add_argument("--json", type=Path)
    from .load_test import main as load_main

    with tempfile.TemporaryDirectory(prefix=f"load-{args.layout}-") as tmp, \
            layout(args.layout, args.workers, Path(tmp), lrs=args.lrs) as running:
        code = load_main(["--rasa-url", running.rasa_url, "--store", str(running.store), *rest])
        if not args.lrs:
            return code
        figures = lrs_figures(running, args.lrs_settle)
        report_lrs(figures, json_path.parse_known_args(rest)[0].json)
        return code or int(not figures["sound"])


if __name__ == "__main__":
    sys.exit(main())
