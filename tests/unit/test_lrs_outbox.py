"""The outbox of learning records: a statement is written in the transaction of its event, so it exists exactly
when the event does; senders' claims keep them apart and expire; `tutor forget` clears a learner's rows and says
what the LRS keeps; `tutor lrs` shows and sends the outbox."""
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from store import pseudonym
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit


@pytest.fixture()
def tutor(tmp_path: Path, fake_embedder, monkeypatch) -> Tutor:
    """A tutor before any ingest, with no LRS: statements are made and kept."""
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {tmp_path / 'none'}\n  store: {tmp_path / 'tutor.db'}\n")
    monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=fake_embedder)


def record_turn(tutor: Tutor, learner: str, statements=None) -> str:
    """A turn through the Tutor core's recording path, with its 'asked' statement (or `statements` of the turn id)."""
    records = tutor.learning_records
    make = statements or (lambda turn_id: [records.statements.asked(learner, turn_id, answered=True, lang="en")])
    return records.record(learner, lambda: tutor.records.turns.record(learner, "how do I report phishing?", "Use the button."),
                          make, "record turn")


def test_a_statement_is_written_with_its_event_or_not_at_all(tutor: Tutor):
    outbox, turns = tutor.records.outbox, tutor.records.turns
    turn_id = record_turn(tutor, "ana")
    [row] = outbox.pending()
    assert turns.count() == 1 and row.verb == "asked" and row.statement["object"]["id"].endswith(f"/inquiries/{turn_id}")

    # The statement's row cannot be written (its id is taken): the turn is not recorded either.
    taken = dict(row.statement)
    with pytest.raises(Exception, match="UNIQUE"):
        record_turn(tutor, "ana", statements=lambda turn_id: [taken])
    assert turns.count() == 1 and len(outbox.pending()) == 1

    # The event fails: no statement.
    def failing() -> str:
        turns.record("ana", "q", "a")
        raise OSError("disk full")

    with pytest.raises(OSError):
        tutor.learning_records.record("ana", failing, lambda _: [tutor.learning_records.statements.rated("ana", turn_id="t", value="up")], "x")
    assert turns.count() == 1 and len(outbox.pending()) == 1

    # A statement that cannot be made never costs the event: it shows on the dead-letter list instead.
    record_turn(tutor, "ana", statements=lambda turn_id: [{}["missing"]])
    assert turns.count() == 2
    [dead] = outbox.dead_letters()
    assert dead.verb == "record turn" and dead.last_error == "could not make the statement: KeyError: 'missing'"


def test_feedback_through_the_tutor_queues_a_rated_statement(tutor: Tutor):
    turn_id = tutor.records.turns.record("ana", "what is MFA?", "A second factor.")
    assert tutor.feedback("ana", turn_id, "down").replies[0].stored
    [row] = tutor.records.outbox.pending()
    assert row.verb == "rated" and row.learner == "ana"
    assert row.statement["result"] == {"response": "down", "score": {"scaled": -1, "raw": -1, "min": -1, "max": 1}}
    assert row.statement["object"]["id"] == f"https://tutor.invalid/inquiries/{turn_id}"
    assert not tutor.feedback("ana", "no-such-turn", "up").replies[0].stored
    assert len(tutor.records.outbox.pending()) == 1  # nothing recorded, nothing to say to the LRS


def test_claims_keep_senders_apart_until_they_expire_and_failures_wait_their_backoff(tutor: Tutor):
    outbox = tutor.records.outbox
    for _ in range(5):
        record_turn(tutor, "ana")
    now = time.time()
    first = outbox.claim(3, lease_s=60, now=now)
    second = outbox.claim(3, lease_s=60, now=now)
    assert len(first) == 3 and len(second) == 2 and not {r.seq for r in first} & {r.seq for r in second}
    assert outbox.claim(3, lease_s=60, now=now + 1) == []
    assert len(outbox.claim(5, lease_s=60, now=now + 61)) == 5  # a sender that died leaves its claim to expire

    outbox.retry_later(first, "the LRS is unavailable: HTTP 503", lambda attempts: 30.0 * attempts, now=now + 100)
    outbox.mark_delivered(second, now=now + 100)
    status = outbox.status()
    assert (status.pending, status.delivered, status.dead) == (3, 2, 0)
    assert status.last_error == "the LRS is unavailable: HTTP 503" and status.next_attempt == pytest.approx(now + 130)
    assert outbox.claim(5, lease_s=60, now=now + 129) == []
    assert [r.attempts for r in outbox.claim(5, lease_s=60, now=now + 131)] == [1, 1, 1]
    assert outbox.statement_ids("delivered") == [r.statement_id for r in second]


def test_dead_letters_go_back_to_the_outbox_when_asked(tutor: Tutor):
    outbox = tutor.records.outbox
    for _ in range(3):
        record_turn(tutor, "ana")
    rows = outbox.claim(3, lease_s=60)
    outbox.mark_dead({rows[0].seq: "the LRS refused it (HTTP 409): conflict", rows[1].seq: "invalid xAPI statement: x"})
    assert [r.statement_id for r in outbox.dead_letters()] == [rows[1].statement_id, rows[0].statement_id]
    assert tutor.learning_records.requeue([rows[0].statement_id, "unknown"]) == 1
    assert tutor.learning_records.requeue() == 1
    assert outbox.status().dead == 0 and outbox.status().pending == 3


def test_forget_clears_the_learners_outbox_and_says_what_the_lrs_keeps(tutor: Tutor):
    for learner in ("ana", "ana", "ana", "ben"):
        record_turn(tutor, learner)
    outbox = tutor.records.outbox
    delivered = [r for r in outbox.claim(10, lease_s=60) if r.learner == "ana"][:2]
    outbox.mark_delivered(delivered)
    note = tutor.learning_records.left_in_lrs("ana")
    assert note.startswith("2 learning records about this learner were already delivered to the LRS")
    assert f"account '{pseudonym('ana')}' at https://tutor.invalid" in note and "no way to delete" in note

    result = CliRunner().invoke(app, ["forget", "ana"])
    assert result.exit_code == 0, result.output
    assert "3 lrs_outbox" in result.output and "2 learning records about this learner were already delivered" in result.output
    assert {r.learner for r in outbox.pending()} == {"ben"} and outbox.status().delivered == 0
    assert tutor.learning_records.left_in_lrs("ana") == ""


def test_lrs_commands_show_the_outbox_and_need_an_endpoint_to_send(tutor: Tutor):
    record_turn(tutor, "ana")
    record_turn(tutor, "ana", statements=lambda turn_id: [{}["missing"]])
    runner = CliRunner()
    status = runner.invoke(app, ["lrs", "status"])
    assert status.exit_code == 0, status.output
    assert "none configured" in status.output and "Waiting: 1 (oldest 0 s old); delivered: 0; dead letters: 1" in status.output
    assert "could not make the statement: KeyError" in status.output
    sent = runner.invoke(app, ["lrs", "send"])
    assert sent.exit_code == 1 and "lrs.endpoint is not set: 1 statements wait in the outbox." in sent.output
    assert runner.invoke(app, ["lrs", "requeue"]).exit_code == 2


def test_services_start_an_lrs_only_for_an_endpoint_on_this_host(tmp_path: Path, monkeypatch):
    from cli.running import local_lrs

    def settings(endpoint: str):
        (tmp_path / "tutor.yml").write_text(f"lrs:\n  endpoint: '{endpoint}'\n")
        return load_settings(tmp_path / "tutor.yml", environ={})

    monkeypatch.delenv("TUTOR_LRS_PASSWORD", raising=False)
    assert local_lrs(settings("")) is None and local_lrs(settings("https://lrs.example.com/xAPI/")) is None
    lrs = local_lrs(settings("http://127.0.0.1:18555/xAPI/"))
    assert lrs.endpoint == "http://127.0.0.1:18555/xAPI/" and lrs.data_dir == tmp_path / "var" / "services" / "ralph"
    assert len(lrs.password) >= 20 and local_lrs(settings("http://127.0.0.1:18555/xAPI/")).password == lrs.password
    monkeypatch.setenv("TUTOR_LRS_PASSWORD", "from-the-environment")
    assert local_lrs(settings("http://localhost:18555/xAPI")).password == "from-the-environment"
