"""The sender's ways out of trouble, against a small LRS on loopback that fails on demand: a statement the LRS keeps
failing on (HTTP 500) is sent alone after a few tries so the others get through; a refused statement is found by
halving the batch and dead-lettered alone; wrong credentials keep every statement waiting, none dead-lettered."""
import pytest

from store import Outbox
from tests.support.fake_lrs import FakeLrs
from xapi import LrsClient, LrsSettings, Sender, StatementBuilder
from xapi.sender import ISOLATE_AFTER

pytestmark = pytest.mark.unit


@pytest.fixture()
def lrs():
    fake = FakeLrs()
    yield fake
    fake.stop()


def sender_over(tmp_path, lrs: FakeLrs, count: int, batch_size: int = 10) -> tuple[Sender, Outbox, list[dict]]:
    outbox = Outbox(tmp_path / "tutor.db")
    builder = StatementBuilder(LrsSettings())
    statements = [builder.rated("ana", turn_id=f"t{i}", value="up") for i in range(count)]
    outbox.add("ana", statements)
    # A long backoff, cut short by the test (due_now) when it wants the next try: no test waits on the clock.
    settings = LrsSettings(endpoint=lrs.url, batch_size=batch_size, backoff_min_s=60, backoff_max_s=60)
    return Sender(outbox, LrsClient(settings.statements_url, "tutor", "secret", 5.0), settings), outbox, statements


def wait_out_backoff(outbox: Outbox) -> None:
    assert outbox.due_now() >= 1


def test_a_statement_the_lrs_keeps_failing_on_is_sent_alone_and_holds_back_no_other(tmp_path, lrs):
    sender, outbox, statements = sender_over(tmp_path, lrs, 6)
    lrs.fail_on = {statements[0]["id"]}
    for _ in range(ISOLATE_AFTER):
        report = sender.flush()
        assert report.stalled and report.delivered == 0
        wait_out_backoff(outbox)
    report = sender.flush()
    assert report.delivered == 5 and report.dead == 0 and lrs.requests[-2:] == [1, 5]
    assert set(lrs.stored) == {s["id"] for s in statements[1:]}
    [waiting] = outbox.pending()
    assert waiting.statement_id == statements[0]["id"] and waiting.attempts == ISOLATE_AFTER + 1
    assert outbox.status().last_error == 'the LRS is unavailable: HTTP 500: "Statements bulk indexation failed"'
    lrs.fail_on = set()
    wait_out_backoff(outbox)
    assert sender.flush().delivered == 1 and len(lrs.stored) == 6


def test_a_refused_statement_is_found_by_halving_and_the_rest_delivered(tmp_path, lrs):
    sender, outbox, statements = sender_over(tmp_path, lrs, 8)
    lrs.refuse = {statements[5]["id"]}
    report = sender.flush()
    assert (report.delivered, report.dead) == (7, 1)
    assert lrs.requests == [8, 4, 4, 2, 1, 1, 2]
    [dead] = outbox.dead_letters()
    assert dead.statement_id == statements[5]["id"] and dead.last_error.startswith("the LRS refused it (HTTP 422)")


def test_wrong_credentials_keep_every_statement_waiting(tmp_path, lrs):
    sender, outbox, statements = sender_over(tmp_path, lrs, 3)
    lrs.status = 401
    report = sender.flush()
    assert report.stalled and report.dead == 0 and report.requests == 1
    assert outbox.status().pending == 3 and outbox.status().last_error.startswith("the LRS refused the tutor: HTTP 401")
    lrs.status = None
    wait_out_backoff(outbox)
    assert sender.flush().delivered == 3 and len(lrs.stored) == 3
