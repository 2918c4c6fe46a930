"""Several learners at once through the REST channel and the Slack app, against the real servers: every turn
is answered, and no conversation loses, doubles or reorders a turn (Rasa's tracker and the `turns` table)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from eval.load.load_checks import TurnRecord, check_transcripts
from eval.load.load_test import run_rest_load, run_slack_load, slack_app
from tests.support.mock_slack import MockSlackServer
from tutor import load_settings

pytestmark = pytest.mark.integration
SECRET = "load-test-secret"


def store_of(workspace: Path) -> Path:
    settings = load_settings(workspace / "tutor.yml")
    return settings.path(settings.paths.store)


def failed_turns(report) -> list[tuple[str, str, str]]:
    return [(t.sender, turn.text, turn.outcome) for t in report.transcripts for turn in t.turns if not turn.ok or not turn.reply_texts]


def assert_intact(check) -> None:
    counts = {k: getattr(check, k) for k in ("lost", "duplicated", "out_of_order", "interleaved", "store_lost", "store_duplicated")}
    assert not any(counts.values()), (counts, check.problems)


@pytest.fixture(scope="module")
def slack_for_load(servers, workspace):
    """A Web API mock and `tutor slack` relaying to the session's Rasa server; stopped after this module."""
    mock = MockSlackServer().start()
    try:
        with slack_app(workspace / "tutor.yml", mock.url, SECRET, workspace / "logs" / "slack-load.log") as url:
            yield url, mock
    finally:
        mock.stop()


@pytest.fixture(scope="module")
def rest_run(servers):
    return run_rest_load(servers.rasa_url, learners=8, turns=3, scenario="mixed", seed=11)


def test_rest_learners_at_once_get_answers_and_lose_nothing(servers, workspace, rest_run):
    report = rest_run
    assert report.learners == 8 and report.turns_sent == 24
    assert not failed_turns(report)
    assert len({t.sender for t in report.transcripts}) == 8
    assert report.throughput > 0 and report.latency_ms(50) <= report.latency_ms(95) <= report.latency_ms(99)
    check = check_transcripts(servers.rasa_url, report, store_of(workspace))
    assert check.learners_checked == 8 and check.store_checked
    assert_intact(check)
    assert any(turn.answered and turn.turn_id for t in report.transcripts for turn in t.turns)  # the store check had work


def test_the_checks_notice_a_lost_a_doubled_and_a_reordered_turn(servers, rest_run):
    """The same run, with what the client believes it sent altered: the tracker no longer agrees."""
    tampered = copy.deepcopy(rest_run)
    first, second = tampered.transcripts[:2]
    third = next(t for t in tampered.transcripts[2:] if len(set(t.sent)) == len(t.sent) > 1)  # reversal must show
    first.turns.append(TurnRecord("a message that never reached the tutor", "ok", 1.0))
    second.turns.pop()  # the tracker now holds one more user message than was "sent"
    third.turns.reverse()
    check = check_transcripts(servers.rasa_url, tampered)
    assert check.lost >= 1 and check.duplicated >= 1 and check.out_of_order >= 1, check.problems
    failed = copy.deepcopy(rest_run)
    failed.transcripts[0].turns.append(TurnRecord("this one got a sorry", "sorry", 1.0))
    result = check_transcripts(servers.rasa_url, failed)
    assert result.absent_after_failure == 1 and result.lost == 0


def test_slack_learners_at_once_get_answers_and_lose_nothing(servers, workspace, slack_for_load):
    url, mock = slack_for_load
    report = run_slack_load(url, mock, SECRET, learners=4, turns=2, scenario="mixed", seed=5)
    assert report.turns_sent == 8
    assert not failed_turns(report)
    assert all(t.sender.startswith("slack:TLOAD:") and t.learner.startswith("slack:TLOAD:U") for t in report.transcripts)
    assert all(turn.latency_ms > 0 for t in report.transcripts for turn in t.turns)
    check = check_transcripts(servers.rasa_url, report, store_of(workspace))
    assert check.learners_checked == 4
    assert_intact(check)
