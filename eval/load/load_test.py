"""Many learners at once: a bounded asyncio client over the REST channel or the Slack app, then checks that no
conversation lost, doubled or reordered a turn.

    python -m eval.load.load_test --rasa-url http://127.0.0.1:5005 [--channel rest|slack|both] [--learners 1,10,50,100]
        [--turns 4] [--scenario mixed] [--repeats 3] [--store var/tutor.db] [--json out.json]

Each learner is one coroutine with its own conversation that waits for every reply before it speaks again, as a
person does; all learners run concurrently, and a semaphore bounds the HTTP requests in flight. Scenarios:
"question" (questions drawn from the sample courses' headings and key terms, so repeated runs are not answered
from a cache), "quiz" (start a quiz and answer what it asks), "recommend" (recommendations, learning paths,
profile), "mixed" (each learner draws its own mix). For Slack the CLI starts a local Web API mock and
`tutor slack` pointed at --rasa-url; a turn's latency runs from sending the signed event until the chat.update
that replaces the "Thinking…" placeholder reaches the mock.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import yaml

from bot.slack.app import conversation_id, learner_of

from .load_checks import (
    OK,
    LearnerTranscript,
    LoadReport,
    ReplyView,
    TurnRecord,
    check_transcripts,
    print_rows,
    summarize_runs,
    view_rest,
    view_slack,
)

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "data" / "courses"
SCENARIOS = ("question", "quiz", "recommend", "mixed")
ROLES = ["data analyst", "sales manager", "software engineer", "HR business partner", "project coordinator"]
GOALS = ["team lead", "senior analyst", "project manager", "get better at SQL", "people manager"]
QUESTION_TEMPLATES = ["what does the {course} course say about {topic}?", "can you explain {topic}?",
                      "how does {topic} work in practice?", "what should I know about {topic}?",
                      "what are the key points of {topic}?", "why does {topic} matter at work?"]
TERM_TEMPLATES = ["what is {term}?", "what does {term} mean in {course}?", "explain {term} to me"]
QUIZ_STARTS = ["quiz me on {course}", "test me on {topic}", "can you quiz me on {topic}", "quiz me"]
RECOMMEND = ["what should I learn next?", "recommend a course", "which course should I take next",
             "what are my next steps in learning", "plan my path to {course}", "plan my learning path to {course}",
             "I'm a {role} aiming for {goal}"]


def _lower_first(text: str) -> str:
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


@dataclass
class TextBank:
    """Course titles, section headings and bolded key terms of the sample courses, to vary what is asked."""

    titles: list[str]
    topics: list[tuple[str, str]]  # (course title, heading)
    terms: list[tuple[str, str]]  # (course title, key term)

    @classmethod
    def from_courses(cls, folder: Path = COURSES) -> TextBank:
        titles, topics, terms = [], [], []
        for path in sorted(folder.glob("*.md")):
            text = path.read_text()
            _, front, body = text.split("---", 2) if text.startswith("---") else ("", "", text)
            title = (yaml.safe_load(front) or {}).get("title") or path.stem.replace("-", " ")
            titles.append(title)
            topics += [(title, _lower_first(h.strip())) for h in re.findall(r"^#{2,3}\s+(.+)$", body, re.MULTILINE)]
            terms += [(title, _lower_first(t.strip())) for t in re.findall(r"\*\*([^*\n]{3,40})\*\*", body) if not t.strip().endswith((".", ":"))]
        return cls(titles, topics, terms)

    def question(self, rng: random.Random) -> str:
        if rng.random() < 0.6:
            course, topic = rng.choice(self.topics)
            return rng.choice(QUESTION_TEMPLATES).format(course=course, topic=topic)
        course, term = rng.choice(self.terms)
        return rng.choice(TERM_TEMPLATES).format(course=course, term=term)

    def quiz_start(self, rng: random.Random) -> str:
        course, topic = rng.choice(self.topics)
        return rng.choice(QUIZ_STARTS).format(course=course, topic=topic)

    def recommend(self, rng: random.Random) -> str:
        return rng.choice(RECOMMEND).format(course=rng.choice(self.titles), role=rng.choice(ROLES), goal=rng.choice(GOALS))


class LearnerScript:
    """What one simulated learner says next, given the last reply it saw (so quizzes get real answers)."""

    def __init__(self, scenario: str, rng: random.Random, bank: TextBank) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}")
        self.scenario, self.rng, self.bank = scenario, rng, bank

    def next_text(self, last: ReplyView | None) -> str:
        rng, texts = self.rng, (last.texts if last else [])
        if any("What's your role?" in t for t in texts):
            return rng.choice(ROLES)
        if any("what are you aiming for" in t.lower() for t in texts):
            return rng.choice(GOALS)
        kind = self.scenario
        if kind == "mixed":
            kind = "quiz" if last and last.quiz_kind and rng.random() < 0.75 else rng.choice(["question", "question", "quiz", "recommend"])
        if kind == "quiz" and last and last.quiz_kind:
            roll = rng.random()
            if roll < 0.1:
                return "hint"
            if last.quiz_kind == "mcq" and last.options:
                return str(rng.randint(1, last.options))
            return "skip" if roll < 0.25 else rng.choice(self.bank.terms)[1].lower()
        return {"quiz": self.bank.quiz_start, "recommend": self.bank.recommend}.get(kind, self.bank.question)(rng)


def _record(text: str, outcome: str, started: float, view: ReplyView | None) -> TurnRecord:
    view = view or ReplyView()
    elapsed = time.perf_counter() - started
    return TurnRecord(text, outcome, elapsed * 1000, view.texts, view.answered, view.turn_id, time.time() - elapsed)


async def _rest_learner(client: httpx.AsyncClient, url: str, sender: str, script: LearnerScript, turns: int,
                        sem: asyncio.Semaphore, think_s: float) -> LearnerTranscript:
    transcript, last = LearnerTranscript(sender, sender), None
    for _ in range(turns):
        text, view = script.next_text(last), None
        async with sem:
            started = time.perf_counter()
            try:
                reply = await client.post(url, json={"sender": sender, "message": text, "metadata": {"learner": sender}})
                if reply.status_code == 429:
                    outcome = "slow_down"
                elif reply.status_code != 200:
                    outcome = f"http_{reply.status_code}"
                else:
                    view = view_rest(reply.json())
                    outcome = view.outcome()
            except httpx.TimeoutException:
                outcome = "timeout"
            except (httpx.HTTPError, ValueError):
                outcome = "connection_error"
            transcript.turns.append(_record(text, outcome, started, view))
        last = view if outcome == OK else None
        if think_s:
            await asyncio.sleep(think_s)
    return transcript


async def rest_load(rasa_url: str, learners: int, turns: int, scenario: str = "mixed", seed: int = 0, *,
                    timeout_s: float = 180.0, concurrency: int | None = None, think_s: float = 0.0) -> LoadReport:
    """The REST load as a coroutine; `think_s` paces each learner (the channel allows 30 turns a minute per sender)."""
    run_id, bank = uuid.uuid4().hex[:8], TextBank.from_courses()
    sem = asyncio.Semaphore(concurrency or max(1, learners))
    limits = httpx.Limits(max_connections=(concurrency or learners) + 4, max_keepalive_connections=(concurrency or learners) + 4)
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits) as client:
        started = time.perf_counter()
        transcripts = await asyncio.gather(*[
            _rest_learner(client, rasa_url.rstrip("/") + "/webhooks/rest/webhook", f"load-{run_id}-{i}",
                          LearnerScript(scenario, random.Random(f"rest-{seed}-{i}"), bank), turns, sem, think_s)
            for i in range(learners)])
        wall = time.perf_counter() - started
    return LoadReport("rest", scenario, learners, turns, wall, list(transcripts))


def run_rest_load(rasa_url: str, learners: int, turns: int, scenario: str = "mixed", seed: int = 0, **options: Any) -> LoadReport:
    """Blocking form of `rest_load`, for tests and the CLI."""
    return asyncio.run(rest_load(rasa_url, learners, turns, scenario, seed, **options))


def slack_headers(secret: str, body: str) -> dict[str, str]:
    """Slack's request signature (v0 HMAC-SHA256 over timestamp and body), which the app verifies."""
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


class UpdateWatcher:
    """Follows the mock's recorded Web API calls and hands each DM channel its chat.updates in order, with
    the moment the mock received each (one poller for all learners, not one per learner)."""

    def __init__(self, mock: Any, interval_s: float = 0.02) -> None:
        self.mock, self.interval_s = mock, interval_s
        self.position = len(mock.calls_since(0))
        self.updates: dict[str, list[tuple[float, dict]]] = defaultdict(list)
        self.changed = asyncio.Condition()

    async def run(self) -> None:
        while True:
            new = self.mock.calls_since(self.position)
            if new:
                self.position += len(new)
                async with self.changed:
                    for method, body, at in new:
                        if method == "chat.update" and body.get("_status") == 200:
                            self.updates[body.get("channel", "")].append((at, body))
                    self.changed.notify_all()
            await asyncio.sleep(self.interval_s)

    async def wait(self, channel: str, count: int, timeout_s: float) -> tuple[float, dict] | None:
        try:
            async with self.changed:
                await asyncio.wait_for(self.changed.wait_for(lambda: len(self.updates[channel]) >= count), timeout_s)
        except TimeoutError:
            return None
        return self.updates[channel][count - 1]


async def _slack_learner(client: httpx.AsyncClient, url: str, secret: str, team: str, ids: tuple[str, str, str],
                         script: LearnerScript, turns: int, sem: asyncio.Semaphore, watcher: UpdateWatcher,
                         timeout_s: float, think_s: float) -> LearnerTranscript:
    user, channel, event_prefix = ids
    transcript, last, expected = LearnerTranscript(conversation_id(team, channel, None), learner_of(team, user)), None, 0
    for k in range(turns):
        text, view, outcome, got = script.next_text(last), None, OK, None
        event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
                 "ts": f"{int(time.time())}.{k:06d}"}
        body = json.dumps({"token": "t", "team_id": team, "api_app_id": "ALOAD", "type": "event_callback",
                           "event_id": f"{event_prefix}T{k}", "event_time": int(time.time()), "event": event})
        sent_at, started = time.monotonic(), time.perf_counter()
        try:
            async with sem:
                reply = await client.post(url, content=body.encode(), headers=slack_headers(secret, body))
            if reply.status_code != 200:
                outcome = f"http_{reply.status_code}"
        except httpx.TimeoutException:
            outcome = "timeout"
        except httpx.HTTPError:
            outcome = "connection_error"
        if outcome == OK:
            expected += 1  # a late answer to a timed-out turn still counts as that turn's, not the next one's
            got = await watcher.wait(channel, expected, timeout_s)
            if got is None:
                outcome = "timeout"
            else:
                view = view_slack(got[1])
                outcome = view.outcome()
        record = _record(text, outcome, started, view)
        if got is not None:  # when the mock received the answer, not when the poller noticed it
            record.latency_ms = (got[0] - sent_at) * 1000
        transcript.turns.append(record)
        last = view if outcome == OK else None
        if think_s:
            await asyncio.sleep(think_s)
    return transcript


async def slack_load(slack_app_url: str, mock: Any, signing_secret: str, learners: int, turns: int,
                     scenario: str = "mixed", seed: int = 0, *, timeout_s: float = 180.0, team: str = "TLOAD",
                     concurrency: int | None = None, think_s: float = 0.0) -> LoadReport:
    """Each learner DMs the app from its own user and DM channel; answers are read back from the mock."""
    run_id, bank = uuid.uuid4().hex[:8].upper(), TextBank.from_courses()
    sem = asyncio.Semaphore(concurrency or max(1, learners))
    watcher = UpdateWatcher(mock)
    poller = asyncio.create_task(watcher.run())
    limits = httpx.Limits(max_connections=(concurrency or learners) + 4)
    try:
        async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
            started = time.perf_counter()
            transcripts = await asyncio.gather(*[
                _slack_learner(client, slack_app_url.rstrip("/") + "/slack/events", signing_secret, team,
                               (f"UL{run_id}{i}", f"DL{run_id}{i}", f"EvL{run_id}{i}"),
                               LearnerScript(scenario, random.Random(f"slack-{seed}-{i}"), bank), turns, sem, watcher, timeout_s, think_s)
                for i in range(learners)])
            wall = time.perf_counter() - started
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
    return LoadReport("slack", scenario, learners, turns, wall, list(transcripts))


def run_slack_load(slack_app_url: str, mock: Any, signing_secret: str, learners: int, turns: int,
                   scenario: str = "mixed", seed: int = 0, **options: Any) -> LoadReport:
    """Blocking form of `slack_load`; `mock` is a started tests/mock_slack MockSlackServer."""
    return asyncio.run(slack_load(slack_app_url, mock, signing_secret, learners, turns, scenario, seed, **options))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def slack_app(tutor_config: Path, api_url: str, signing_secret: str, log_path: Path | None = None) -> Iterator[str]:
    """`tutor slack` in its own process group (stopped with it), talking to `api_url`; yields its base URL."""
    port = free_port()
    env = {**os.environ, "TUTOR_CONFIG": str(tutor_config), "SLACK_BOT_TOKEN": "xoxb-load",
           "SLACK_SIGNING_SECRET": signing_secret, "SLACK_API_URL": api_url}
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "cli", "slack", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tutor slack exited with code {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if time.time() > deadline:
                raise RuntimeError("tutor slack did not answer /health within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if log_path:
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", required=True)
    parser.add_argument("--channel", choices=["rest", "slack", "both"], default="rest")
    parser.add_argument("--learners", default="1,10,50,100", help="comma-separated concurrency levels")
    parser.add_argument("--turns", type=int, default=4, help="messages per learner")
    parser.add_argument("--scenario", choices=SCENARIOS, default="mixed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", type=Path, help="the tutor's SQLite store (paths.store) to check the `turns` table")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for one answer")
    parser.add_argument("--think", type=float, help="seconds a learner waits between turns (default: none, or "
                                                    "enough to stay under 30 turns/minute when --turns > 25)")
    parser.add_argument("--json", type=Path, help="write every run (each turn's text, outcome, latency) and the table rows here")
    parser.add_argument("--no-warmup", action="store_true", help="measure from a cold start (the first answers load models)")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.learners.split(",") if x.strip()]
    think = args.think if args.think is not None else (2.1 if args.turns > 25 else 0.0)
    channels = ["rest", "slack"] if args.channel == "both" else [args.channel]
    rows, raw = [], []
    if not args.no_warmup:  # every worker process loads models, the question bank and the recommender on first use
        for n, scenario in enumerate(("question", "quiz", "recommend")):
            warm = run_rest_load(args.rasa_url, 4, 3, scenario, -1 - n, timeout_s=args.timeout)
            print(f"  warm-up ({scenario}): {warm.turns_ok}/{warm.turns_sent} ok in {warm.wall_s:.1f} s", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        slack_url = mock = None
        if "slack" in channels:
            from tests.support.mock_slack import MockSlackServer

            mock = MockSlackServer().start()
            stack.callback(mock.stop)
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-slack-")))
            rasa = urlparse(args.rasa_url)
            (work / "tutor.yml").write_text(yaml.safe_dump({
                "paths": {"store": str((args.store or work / "tutor.db").resolve())},
                "servers": {"host": rasa.hostname or "127.0.0.1", "rasa_port": rasa.port or 80}}))
            slack_url = stack.enter_context(slack_app(work / "tutor.yml", mock.url, "load-secret", work / "slack.log"))
        for channel in channels:
            for learners in levels:
                runs = []
                for repeat in range(args.repeats):
                    seed = args.seed + 1000 * repeat + learners
                    if channel == "rest":
                        report = run_rest_load(args.rasa_url, learners, args.turns, args.scenario, seed, timeout_s=args.timeout, think_s=think)
                    else:
                        report = run_slack_load(slack_url, mock, "load-secret", learners, args.turns, args.scenario, seed,
                                                timeout_s=args.timeout, think_s=think)
                    check = check_transcripts(args.rasa_url, report, args.store)
                    runs.append((report, check))
                    raw.append({**report.summary(), "checks": check.as_dict(), "transcripts": [
                        {"sender": t.sender, "learner": t.learner, "turns": [
                            {"text": r.text, "outcome": r.outcome, "latency_ms": round(r.latency_ms, 1), "answered": r.answered}
                            for r in t.turns]} for t in report.transcripts]})
                    print(f"  {channel} {learners} learners, run {repeat + 1}: {report.turns_ok}/{report.turns_sent} ok, "
                          f"{report.throughput:.2f} turns/s, checks {'ok' if check.ok else 'FAILED'}", file=sys.stderr)
                rows.append(summarize_runs(channel, learners, runs))
    print_rows(rows)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "runs": raw}, indent=2, default=str))
    return 0 if all(r["lost"] == r["duplicated"] == r["out_of_order"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
