"""Run the load generator against a layout this script starts and stops itself, in a temporary workspace:

- embedded: one Rasa process and one action-server process, SQLite tracker store, in-memory lock store
  (the default install);
- company:  `--workers` Rasa processes and as many action-server processes, PostgreSQL tracker store and
  Redis lock store (deploy/endpoints.yml), PostgreSQL and Redis started on loopback from the system packages.

    python -m eval.load.load_stack --layout company --workers 2 -- --channel both --learners 1,10,50,100 --repeats 3

Everything after `--` goes to `python -m eval.load.load_test` (its --rasa-url and --store are filled in).
"""
from __future__ import annotations

import argparse
import contextlib
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
def layout(kind: str, workers: int, work: Path, corpus: Path | None = None, index_dir: Path | None = None
           ) -> Iterator[RunningLayout]:
    """Start the servers of one layout in `work` over `corpus` (the sample courses by default), indexed into
    `index_dir` (default: inside `work`; a kept folder makes the next run's ingest incremental); stops them on exit."""
    from cli.databases import LocalPostgres, LocalRedis
    from cli.rasa_servers import ServerGroup, train
    from retrieval import RetrievalSettings, SentenceEmbedder, ingest
    from tutor import load_settings

    from .load_test import free_port

    index_dir = index_dir or work / "index"
    ingest(corpus or ROOT / "data" / "courses", index_dir, SentenceEmbedder(), RetrievalSettings())
    rasa_port, action_port = free_port(), free_port()
    env: dict[str, str] = {"TUTOR_CONFIG": str(work / "tutor.yml")}
    postgres = redis = None
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
        (work / "tutor.yml").write_text(
            f"paths:\n  index_dir: {index_dir}\n  store: {work / 'tutor.db'}\n  cache_dir: {ROOT / 'var' / 'cache'}\n"
            f"servers:\n  rasa_port: {rasa_port}\n  action_port: {action_port}\n  workers: {workers}\n"
            f"  endpoints: {endpoints}\n  credentials: {ROOT / 'bot' / 'credentials.yml'}\n  models_dir: {ROOT / 'models'}\n")
        settings = load_settings(work / "tutor.yml")
        train(settings)
        group = ServerGroup(settings, log_dir=work / "logs", extra_env=env)
        stack.callback(group.stop)
        group.start()
        print(f"{kind} layout ready: {workers} Rasa + {workers} action-server process(es) at {group.rasa_url}", file=sys.stderr)
        yield RunningLayout(group.rasa_url, work / "tutor.db", postgres, redis,
                            {name: p.pid for name, p in group.processes.items()})


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=["embedded", "company"], default="embedded")
    parser.add_argument("--workers", type=int, default=2, help="processes each for Rasa and the action server (company)")
    args = parser.parse_args(own)
    from .load_test import main as load_main

    with tempfile.TemporaryDirectory(prefix=f"load-{args.layout}-") as tmp, layout(args.layout, args.workers, Path(tmp)) as running:
        return load_main(["--rasa-url", running.rasa_url, "--store", str(running.store), *rest])


if __name__ == "__main__":
    sys.exit(main())
