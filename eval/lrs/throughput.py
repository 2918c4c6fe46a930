"""Delivery throughput to an LRS: statements of every kind the tutor makes, queued in an outbox of their own and sent
by the sender as `tutor serve` runs it (validation, batches, marking), timed from the first claim to the last mark.

    python -m eval.lrs.throughput [--statements 5000] [--batch-size 500]   (starts its own Ralph from .venv-ralph)

Ralph's filesystem backend reads its whole statements file on every POST (to drop ids it already holds), so the
rate falls as the LRS grows: the report says how many statements the LRS held before.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from store import Outbox
from xapi import LrsClient, LrsSettings, Sender, StatementBuilder

QUESTION = {"question_id": "infosec-q1", "kind": "mcq", "options": ["Click the link", "Report it", "Reply", "Delete it"],
            "answer": "Report it", "prompt": "You receive an unexpected e-mail asking you to log in. What first?",
            "course_id": "infosec-basics", "course_title": "Information Security Basics", "skill": "infosec-phishing"}


def statements_of(builder: StatementBuilder, learner: str, n: int) -> list[dict]:
    """A learner's share of the traffic, in the mix a quiz-heavy day has."""
    session = uuid.uuid4().hex
    kinds = [
        lambda: builder.asked(learner, uuid.uuid4().hex, answered=True, lang="en", channel="slack", mode="extractive",
                              course={"course_id": "infosec-basics", "title": "Information Security Basics", "section": "Phishing"}),
        lambda: builder.quiz_item(learner, question=QUESTION, session_id=session, correct=True, skipped=False, score=1.0,
                                  latency_ms=8200, hinted=False, response="1", lang="en"),
        lambda: builder.progressed(learner, skill="infosec-phishing", before=0.4, after=0.55, session_id=session, question=QUESTION),
        lambda: builder.rated(learner, turn_id=uuid.uuid4().hex, value="up"),
    ]
    return [kinds[i % len(kinds)]() for i in range(n)]


def fill(outbox: Outbox, count: int, learners: int = 100) -> None:
    builder = StatementBuilder(LrsSettings())
    per = max(1, count // learners)
    made = 0
    for i in range(learners):
        n = min(per, count - made) if i < learners - 1 else count - made
        if n <= 0:
            break
        outbox.add(f"learner-{i}", statements_of(builder, f"learner-{i}", n))
        made += n


def measure(endpoint: str, username: str, password: str, statements: int, batch_size: int, work: Path) -> dict:
    """Queue `statements` in a fresh outbox under `work` and send them all; the figures."""
    outbox = Outbox(work / f"throughput-{batch_size}.db")
    fill(outbox, statements)
    settings = LrsSettings(endpoint=endpoint, username=username, batch_size=batch_size, backoff_min_s=0.1, backoff_max_s=1.0)
    client = LrsClient(settings.statements_url, username, password, settings.timeout_s)
    sender = Sender(outbox, client, settings)
    started = time.perf_counter()
    report = sender.flush()
    seconds = time.perf_counter() - started
    client.close()
    status = outbox.status()
    return {"statements": statements, "batch_size": batch_size, "delivered": report.delivered, "dead": report.dead,
            "requests": report.requests, "seconds": round(seconds, 2),
            "statements_per_s": round(report.delivered / seconds, 1) if seconds else 0.0,
            "left_pending": status.pending}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Delivery throughput to a local Ralph LRS.")
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[500])
    args = parser.parse_args(argv)
    from cli.lrs_server import LocalRalph

    with tempfile.TemporaryDirectory(prefix="lrs-throughput-") as folder:
        work = Path(folder)
        server = LocalRalph(work / "ralph", port=free_port(), password="throughput").start()
        try:
            for size in args.batch_size:
                held = len(server.stored_ids())
                result = measure(server.endpoint, server.username, "throughput", args.statements, size, work)
                print({**result, "lrs_held_before": held})
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
