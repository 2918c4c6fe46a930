"""What a load run recorded, and the checks that the conversations survived it intact.

A load test only means something if nothing was silently lost on the way: under concurrency the failure that
matters most is a learner message that vanished, was applied twice, or landed in the wrong order. So every
learner's sent texts are compared with what Rasa's tracker store holds (through the HTTP API the server runs
with `--enable-api`), and optionally with the tutor's own transcript (table `turns`).
"""
from __future__ import annotations

import itertools
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

from bot.channels.inbound import SLOW_DOWN, SORRY
from bot.slack.app import SORRY as SLACK_SORRY
from messages import AnswerReply, QuizQuestion, clean_message, parse_reply

OK = "ok"
TRY_AGAIN = {SORRY: "sorry", SLOW_DOWN: "slow_down", SLACK_SORRY: "rasa_unreachable"}


@dataclass
class TurnRecord:
    """One learner message and what came of it; `outcome` is "ok" or the kind of failure."""

    text: str
    outcome: str
    latency_ms: float
    reply_texts: list[str] = field(default_factory=list)
    answered: bool = False  # the reply answered a course question (so the tutor must have recorded it)
    turn_id: str | None = None  # the turn id that answer carried, when it was recorded
    sent_at: float = 0.0  # wall-clock time the message was sent (Unix seconds), to line turns up with faults

    @property
    def ok(self) -> bool:
        return self.outcome == OK


@dataclass
class LearnerTranscript:
    """One simulated learner: the Rasa conversation it used (`sender`) and the person id (`learner`)."""

    sender: str
    learner: str
    turns: list[TurnRecord] = field(default_factory=list)

    @property
    def sent(self) -> list[str]:
        return [t.text for t in self.turns]


@dataclass
class LoadReport:
    """Outcome of one load run. Latency percentiles are over successful turns only: a fast "try again" or a
    timeout says nothing about how long a real answer takes, and is counted under `failures` instead."""

    channel: str
    scenario: str
    learners: int
    turns_per_learner: int
    wall_s: float
    transcripts: list[LearnerTranscript]

    @property
    def turns_sent(self) -> int:
        return sum(len(t.turns) for t in self.transcripts)

    @property
    def turns_ok(self) -> int:
        return sum(turn.ok for t in self.transcripts for turn in t.turns)

    @property
    def failures(self) -> dict[str, int]:
        return dict(Counter(turn.outcome for t in self.transcripts for turn in t.turns if not turn.ok))

    @property
    def throughput(self) -> float:
        return self.turns_ok / self.wall_s if self.wall_s > 0 else 0.0

    def latency_ms(self, percentile: float) -> float:
        values = [turn.latency_ms for t in self.transcripts for turn in t.turns if turn.ok]
        return float(np.percentile(values, percentile)) if values else float("nan")

    p50_ms = property(lambda self: self.latency_ms(50))
    p95_ms = property(lambda self: self.latency_ms(95))
    p99_ms = property(lambda self: self.latency_ms(99))

    @property
    def sent(self) -> list[tuple[str, list[str]]]:
        """(Rasa sender id, texts in the order sent) per learner."""
        return [(t.sender, t.sent) for t in self.transcripts]

    def summary(self) -> dict:
        return {"channel": self.channel, "scenario": self.scenario, "learners": self.learners,
                "turns_per_learner": self.turns_per_learner, "turns_sent": self.turns_sent, "turns_ok": self.turns_ok,
                "failures": self.failures, "wall_s": round(self.wall_s, 3), "turns_per_s": round(self.throughput, 3),
                "p50_ms": round(self.latency_ms(50), 1), "p95_ms": round(self.latency_ms(95), 1),
                "p99_ms": round(self.latency_ms(99), 1)}


@dataclass
class ReplyView:
    """What a learner can see in one reply, whichever channel it came through."""

    texts: list[str] = field(default_factory=list)
    quiz_kind: str | None = None  # "mcq" or "short" while a quiz question waits for an answer
    options: int = 0
    answered: bool = False
    turn_id: str | None = None

    def outcome(self) -> str:
        if not any(t.strip() for t in self.texts):
            return "empty"
        for text in self.texts:
            if text in TRY_AGAIN:
                return TRY_AGAIN[text]
            if "try again" in text.lower():
                return "try_again"
        return OK


def view_rest(messages: list[dict[str, Any]]) -> ReplyView:
    replies = [r for r in map(parse_reply, messages) if r is not None]
    quiz = next((r for r in replies if isinstance(r, QuizQuestion)), None)
    answer = next((r for r in replies if isinstance(r, AnswerReply)), None)
    return ReplyView([r.text for r in replies if r.text], quiz.kind if quiz else None, len(quiz.options) if quiz else 0,
                     answer is not None, answer.turn_id if answer else None)


def view_slack(update: dict[str, Any]) -> ReplyView:
    """What the learner sees in Slack, read from the blocks: each reply's first block names its type in its
    block_id ("answer.0", "quiz_question.mcq.1"; bot/slack/blocks.py)."""
    blocks = update.get("blocks") or []
    texts = [b["text"]["text"] for b in blocks if b.get("type") == "section" and isinstance(b.get("text"), dict)]
    kinds = [str(b.get("block_id", "")).split(".") for b in blocks]
    question = next((k for k in kinds if k[0] == QuizQuestion.TYPE), None)
    turn_id = next((e.get("value") for b in blocks if b.get("type") == "actions" for e in b.get("elements", [])
                    if e.get("action_id") == "feedback_up"), None)
    options = 0
    if question is not None:  # the options are the question's buttons that send a number
        at = next(i for i, k in enumerate(kinds) if k[0] == QuizQuestion.TYPE)
        buttons = next((b["elements"] for b in blocks[at:] if b.get("type") == "actions"), [])
        options = sum(1 for e in buttons if str(e.get("value", "")).isdigit())
    answered = any(k[0] == AnswerReply.TYPE for k in kinds)
    return ReplyView(texts, question[1] if question else None, options, answered, turn_id)


@dataclass
class CheckResult:
    """Counts over all learners. `absent_after_failure` (a failed turn Rasa never saw) and
    `store_after_failure` (a failed turn whose answer was recorded anyway) are reported, not faults."""

    learners_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    interleaved: int = 0
    absent_after_failure: int = 0
    store_checked: bool = False
    store_lost: int = 0
    store_duplicated: int = 0
    store_after_failure: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.out_of_order or self.interleaved
                    or self.store_lost or self.store_duplicated)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "problems"} | {"ok": self.ok, "problems": self.problems[:50]}


def _lcs_pairs(a: list[str], b: list[str], weights: list[int] | None = None) -> list[tuple[int, int]]:
    """Index pairs of a heaviest common subsequence: the largest part of the tracker that is in sent order.
    `weights` per item of `b` decide ties: a learner who repeats a message after a "try again" has the stored
    copy matched to the answered turn, not to the refused one."""
    weights = weights or [1] * len(b)
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            skip = max(table[i + 1][j], table[i][j + 1])
            table[i][j] = max(skip, table[i + 1][j + 1] + weights[j]) if a[i] == b[j] else skip
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j] and table[i][j] == table[i + 1][j + 1] + weights[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _check_learner(transcript: LearnerTranscript, events: list[dict], channel: str, result: CheckResult) -> None:
    who = transcript.sender
    stamps = [e.get("timestamp") or 0.0 for e in events]
    backwards = sum(1 for x, y in itertools.pairwise(stamps) if y < x)
    if backwards:
        result.interleaved += backwards
        result.problems.append(f"{who}: event timestamps go backwards {backwards} time(s)")
    # Each user event with the bot texts that follow it up to the next user event.
    users: list[tuple[str, list[str], int]] = []
    for event in events:
        if event.get("event") == "user":
            users.append((event.get("text") or "", [], 0))
        elif event.get("event") == "bot" and users:
            text, texts, count = users[-1]
            users[-1] = (text, texts + ([event["text"]] if event.get("text") else []), count + 1)
    got = [u[0] for u in users]
    sent = as_kept(transcript.turns)
    pairs = _lcs_pairs(got, [t.text for t in sent], [2 if t.ok else 1 for t in sent])
    matched_got, matched_sent = {i for i, _ in pairs}, {j for _, j in pairs}
    got_count, sent_count = Counter(got), Counter(t.text for t in sent)
    dup = {text: max(0, got_count[text] - sent_count[text]) for text in got_count}
    spare = Counter(got[i] for i in range(len(got)) if i not in matched_got)  # present but not in sent order
    for text in spare:
        spare[text] -= dup[text]
    missing_ok = Counter(t.text for j, t in enumerate(sent) if j not in matched_sent and t.ok)
    missing_failed = Counter(t.text for j, t in enumerate(sent) if j not in matched_sent and not t.ok)
    lost = {text: max(0, n - spare[text]) for text, n in missing_ok.items()}
    result.duplicated += sum(dup.values())
    result.out_of_order += sum(max(0, n) for n in spare.values())
    result.lost += sum(lost.values())
    result.absent_after_failure += sum(max(0, n - max(0, spare[text] - missing_ok[text])) for text, n in missing_failed.items())
    for label, counts in (("lost", lost), ("duplicated", dup), ("out of order", spare)):
        for text, n in counts.items():
            if n > 0:
                result.problems.append(f"{who}: {n} {label}: {text!r}")
    for i, j in pairs:
        turn, (_, bot_texts, bot_count) = sent[j], users[i]
        if not turn.ok:
            continue
        if bot_count == 0:
            result.interleaved += 1
            result.problems.append(f"{who}: no bot reply after {turn.text!r} before the next user message")
        elif channel == "rest" and turn.reply_texts and bot_texts != turn.reply_texts:
            result.interleaved += 1
            result.problems.append(f"{who}: bot events after {turn.text!r} are not the reply it got")


def as_kept(turns: list[TurnRecord]) -> list[TurnRecord]:
    """The turns with their texts as the channels keep them (messages.inbound.clean_message: NFKC, so a full-width
    "？" or "（" a learner typed is stored as "?" or "(")."""
    return [replace(t, text=clean_message(t.text)) for t in turns]


def _check_store(db: sqlite3.Connection, transcript: LearnerTranscript, result: CheckResult) -> None:
    """Every answered question is in `turns` exactly once (matched by the turn id its answer carried)."""
    who = transcript.sender
    rows = db.execute("select turn_id, question from turns where conversation_id = ?", [who]).fetchall()
    by_id = {turn_id: question for turn_id, question in rows}
    per_question = Counter(question for _, question in rows)
    turns = as_kept(transcript.turns)
    for turn in turns:
        if turn.ok and turn.answered and (not turn.turn_id or by_id.get(turn.turn_id) != turn.text[:10_000]):
            result.store_lost += 1
            result.problems.append(f"{who}: answered question not recorded: {turn.text!r}")
    answered = Counter(t.text[:10_000] for t in turns if t.ok and t.answered)
    failed = Counter(t.text[:10_000] for t in turns if not t.ok)
    for question, n in per_question.items():
        extra = n - answered[question]
        if extra > 0:
            after_failure = min(extra, failed[question])
            result.store_after_failure += after_failure
            if extra > after_failure:
                result.store_duplicated += extra - after_failure
                result.problems.append(f"{who}: {question!r} recorded {n} time(s), answered {answered[question]}")


def check_transcripts(rasa_url: str, report: LoadReport, turn_store_path: Path | str | None = None,
                      timeout_s: float = 30.0) -> CheckResult:
    """Compare every learner's sent texts with Rasa's tracker (and the tutor's `turns` table when given).

    Run it after the load has finished: a conversation still being answered would look like a lost turn.
    """
    result = CheckResult()
    base = rasa_url.rstrip("/")
    with httpx.Client(timeout=timeout_s) as client:
        for transcript in report.transcripts:
            reply = client.get(f"{base}/conversations/{quote(transcript.sender, safe=':')}/tracker")
            if reply.status_code != 200:
                result.problems.append(f"{transcript.sender}: tracker HTTP {reply.status_code}")
                result.lost += sum(t.ok for t in transcript.turns)
                continue
            _check_learner(transcript, reply.json().get("events") or [], report.channel, result)
            result.learners_checked += 1
    if turn_store_path:
        db = sqlite3.connect(f"file:{Path(turn_store_path)}?mode=ro", uri=True, timeout=30)
        try:
            for transcript in report.transcripts:
                _check_store(db, transcript, result)
        finally:
            db.close()
        result.store_checked = True
    return result


def summarize_runs(channel: str, learners: int, runs: list[tuple[LoadReport, CheckResult]]) -> dict[str, Any]:
    """Median of the measurements over repeats; check counts summed, so a single lost turn always shows."""
    med = statistics.median
    reports, checks = [r for r, _ in runs], [c for _, c in runs]
    return {"channel": channel, "learners": learners, "turns": med([r.turns_sent for r in reports]),
            "ok": med([r.turns_ok for r in reports]), "failed": med([r.turns_sent - r.turns_ok for r in reports]),
            "turns_per_s": med([r.throughput for r in reports]), "p50_ms": med([r.latency_ms(50) for r in reports]),
            "p95_ms": med([r.latency_ms(95) for r in reports]), "p99_ms": med([r.latency_ms(99) for r in reports]),
            "lost": sum(c.lost for c in checks), "duplicated": sum(c.duplicated for c in checks),
            "out_of_order": sum(c.out_of_order + c.interleaved for c in checks),
            "store": "/".join(str(sum(getattr(c, k) for c in checks)) for k in ("store_lost", "store_duplicated"))
                     if any(c.store_checked for c in checks) else "-",
            "failures": dict(sum((Counter(r.failures) for r in reports), Counter()))}


def print_rows(rows: list[dict[str, Any]]) -> None:
    head = f"{'channel':<8}{'learners':>9}{'turns':>7}{'ok':>6}{'failed':>7}{'turns/s':>9}{'p50':>9}{'p95':>9}{'p99':>9}  lost/dup/ooo  store lost/dup"
    print(head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['channel']:<8}{r['learners']:>9}{r['turns']:>7g}{r['ok']:>6g}{r['failed']:>7g}{r['turns_per_s']:>9.2f}"
              f"{r['p50_ms']:>9.0f}{r['p95_ms']:>9.0f}{r['p99_ms']:>9.0f}  {r['lost']}/{r['duplicated']}/{r['out_of_order']:<9}  {r['store']}"
              + (f"   failures: {r['failures']}" if r["failures"] else ""))
