"""The multi-process layout: PostgreSQL tracker store, Redis lock store, two Rasa worker processes and two
action-server worker processes behind one address, against real PostgreSQL and Redis servers on loopback.

Checks that conversations keep their state whichever process answers, and that a PostgreSQL or Redis restart
in the middle of traffic makes turns fail with a clear reply and then recover, with no event lost or duplicated.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from cli.databases import LocalPostgres, LocalRedis
from cli.rasa_servers import ServerGroup, train
from tests.support.workspace import ROOT, free_port, write_tutor_config
from tutor import load_settings

pytestmark = pytest.mark.integration

SORRY_START = "Sorry — something went wrong"
TOPICS = ["primary keys", "inner joins", "phishing emails", "giving feedback", "GROUP BY", "password managers",
          "active listening", "data privacy"]


def _require(binary: str) -> None:
    import glob

    if shutil.which(binary) or glob.glob(f"/usr/lib/postgresql/*/bin/{binary}"):
        return
    message = f"{binary} is not installed (scripts/setup.sh installs PostgreSQL and Redis from Debian's packages)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def company(tmp_path_factory, course_index: Path, model_cache: Path):
    _require("pg_ctl")
    _require("redis-server")
    work = tmp_path_factory.mktemp("company")
    postgres = LocalPostgres(work / "pg" / "data", port=free_port()).start()
    redis = LocalRedis(work / "redis", port=free_port()).start()
    write_tutor_config(work / "tutor.yml", index_dir=course_index, store=work / "tutor.db", cache_dir=model_cache,
                       action_port=free_port(), endpoints=ROOT / "deploy" / "endpoints.yml", workers=2)
    settings = load_settings(work / "tutor.yml")
    train(settings)
    env = {"TUTOR_CONFIG": str(work / "tutor.yml"), **postgres.env(), **redis.env()}
    group = ServerGroup(settings, log_dir=work / "logs", extra_env=env)
    try:
        group.start()
        yield group, postgres, redis
    finally:
        group.stop()
        redis.stop()
        postgres.stop()


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    reply = requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.json()


def user_texts(postgres: LocalPostgres, sender: str) -> list[str]:
    """The user messages of one conversation as PostgreSQL holds them, in stored order."""
    rows = postgres.psql(
        "select data::json->>'text' from events where sender_id = '" + sender.replace("'", "''") + "' "
        "and type_name = 'user' order by id"
    )
    return [line for line in rows.splitlines() if line]


@dataclass
class Chatter:
    """A learner who keeps asking numbered questions until told to stop, noting how each turn ended and when it
    was sent and answered."""

    rasa_url: str
    sender: str
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (text, "ok" | "sorry" | "error")
    spans: list[tuple[float, float]] = field(default_factory=list)  # (sent, answered) per turn, time.monotonic()

    def run(self, stop: threading.Event) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            text = f"what should I know about {TOPICS[n % len(TOPICS)]}? (turn {n})"
            sent = time.monotonic()
            try:
                reply = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                      json={"sender": self.sender, "message": text}, timeout=60)
                texts = [m.get("text", "") for m in reply.json()] if reply.status_code == 200 else []
                kind = "sorry" if any(t.startswith(SORRY_START) for t in texts) else ("ok" if texts else "error")
                kind = "rate limited" if reply.status_code == 429 else kind
            except (requests.RequestException, ValueError):
                kind = "error"
            self.spans.append((sent, time.monotonic()))
            self.outcomes.append((text, kind))
            time.sleep(0.8)  # stays under the 30 messages a minute each sender may send

    def turns_within(self, start: float, end: float = float("inf"), kind: str | None = None) -> int:
        """Turns sent after `start` and answered before `end` (of one `kind`, if given)."""
        return sum(1 for (sent, answered), (_, k) in zip(list(self.spans), list(self.outcomes))
                   if sent > start and answered < end and kind in (None, k))


def wait_until(condition, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.2)


def traffic_through(rasa_url: str, fault, recover, learners: int = 4) -> list[Chatter]:
    """Learners chat while `fault()` is applied, then `recover()`ed. The outage lasts until every learner has had a
    whole turn inside it (sent after the fault, answered before recovery), and the traffic until every learner has
    was answered twice after recovery: each learner's turns provably overlap the outage and the recovery, however
    busy the machine."""
    stamp = int(time.time() * 1000)
    chatters = [Chatter(rasa_url, f"fault-{stamp}-{i}") for i in range(learners)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in chatters]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: all(c.turns_within(0) >= 2 for c in chatters), "every learner was answered before the fault")
        fault()
        faulted = time.monotonic()
        wait_until(lambda: all(c.turns_within(faulted) >= 1 for c in chatters), "every learner had a turn inside the outage")
        recover()
        recovered = time.monotonic()
        wait_until(lambda: all(c.turns_within(recovered, kind="ok") >= 2 for c in chatters),
                   "every learner was answered twice after recovery")
    finally:
        stop.set()
        for thread in threads:
            thread.join(90)
    return chatters


def assert_failed_cleanly_and_recovered(chatters: list[Chatter], postgres: LocalPostgres) -> None:
    for chatter in chatters:
        kinds = [kind for _, kind in chatter.outcomes]
        assert not {"error", "rate limited"} & set(kinds), f"a turn got no clear reply: {chatter.outcomes}"
        assert "sorry" in kinds, "the outage was not noticed by this learner"
        last_sorry = max(i for i, kind in enumerate(kinds) if kind == "sorry")
        assert kinds[last_sorry + 1:] and set(kinds[last_sorry + 1:]) == {"ok"}, f"no recovery: {kinds}"
        stored = user_texts(postgres, chatter.sender)
        answered = [text for text, kind in chatter.outcomes if kind == "ok"]
        assert len(stored) == len(set(stored)), "an event was stored twice"
        assert [t for t in stored if t in answered] == answered, "an answered turn is missing or out of order"
        sent = [text for text, _ in chatter.outcomes]
        assert stored == [t for t in sent if t in stored], "stored turns are not in the order they were sent"


def test_quiz_state_is_shared_by_every_worker(company):
    group, postgres, _ = company
    sender = f"company-quiz-{time.time_ns()}"
    replies = say(group.rasa_url, sender, "quiz me on sql")
    assert any("Question 1 of" in m.get("text", "") for m in replies), replies
    for number in (2, 3):
        replies = say(group.rasa_url, sender, "1")
        assert any(f"Question {number} of" in m.get("text", "") for m in replies), replies
    replies = say(group.rasa_url, sender, "1")
    assert any("of 3" in m.get("text", "") or "score" in m.get("text", "").lower() for m in replies), replies
    assert user_texts(postgres, sender) == ["quiz me on sql", "1", "1", "1"]


def test_parallel_conversations_stay_separate_and_complete(company):
    group, postgres, _ = company
    stamp = time.time_ns()
    senders = [f"company-par-{stamp}-{i}" for i in range(6)]
    sent = {s: [f"what should I know about {TOPICS[(i + k) % len(TOPICS)]}? ({k})" for k in range(3)]
            for i, s in enumerate(senders)}
    failures: list[str] = []

    def converse(sender: str) -> None:
        for text in sent[sender]:
            texts = [m.get("text", "") for m in say(group.rasa_url, sender, text)]
            if not texts or any(t.startswith(SORRY_START) for t in texts):
                failures.append(f"{sender}: {texts}")

    threads = [threading.Thread(target=converse, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not failures
    for sender in senders:
        assert user_texts(postgres, sender) == sent[sender]


def test_postgres_restart_under_load(company):
    group, postgres, _ = company
    chatters = traffic_through(group.rasa_url, lambda: postgres.stop("immediate"), postgres.start)
    assert_failed_cleanly_and_recovered(chatters, postgres)


def test_redis_restart_under_load(company):
    group, postgres, redis = company
    chatters = traffic_through(group.rasa_url, redis.stop, redis.start)
    assert_failed_cleanly_and_recovered(chatters, postgres)


def test_forget_reaches_the_conversations_in_postgres(company):
    import subprocess
    import sys

    group, postgres, redis = company
    sender = f"company-forget-{time.time_ns()}"
    say(group.rasa_url, sender, "what should I know about phishing emails?")
    assert user_texts(postgres, sender)
    env = {**os.environ, **group.extra_env}
    result = subprocess.run([sys.executable, "-m", "cli", "forget", sender], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tracker events" in result.stdout + result.stderr
    assert user_texts(postgres, sender) == []
    assert postgres.psql(f"select count(*) from events where sender_id = '{sender}'").strip() == "0"


def test_rate_limit_holds_across_rasa_processes(company):
    """30 messages a minute per sender (bot/credentials.yml), counted in Redis by whichever process answers."""
    group, _, _ = company
    sender = f"company-rate-{time.time_ns()}"
    if time.time() % 60 > 35:  # the shared window is the clock minute: start early in one
        time.sleep(61 - time.time() % 60)
    statuses = []
    for n in range(34):
        reply = requests.post(f"{group.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "hi"}, timeout=60)
        statuses.append(reply.status_code)
    assert statuses == [200] * 30 + [429] * 4, statuses
    assert "wait" in requests.post(f"{group.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": "hi"}, timeout=60).text
