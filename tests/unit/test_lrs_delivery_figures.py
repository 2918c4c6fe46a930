"""The figures of the LRS drill and of the load test with an LRS: the outbox lag of each delivered statement (from
its making to the LRS taking it) and its percentiles, and the LRS's holdings checked against the statements made."""
from pathlib import Path

import pytest

from eval.lrs.delivery import delivery_checks, lag_summary
from store import Outbox
from xapi import LrsSettings, StatementBuilder

pytestmark = pytest.mark.unit


def asked(builder: StatementBuilder, n: int) -> list[dict]:
    return [builder.asked("ana", f"turn-{i}", answered=True, lang="en") for i in range(n)]


def test_the_lag_of_each_delivered_statement_runs_from_its_making_to_its_delivery(tmp_path: Path):
    outbox = Outbox(tmp_path / "tutor.db")
    outbox.add("ana", asked(StatementBuilder(LrsSettings()), 3), now=1000.0)
    first, second, third = outbox.claim(10, 60, now=1000.0)
    outbox.mark_delivered([first], now=1001.5)
    outbox.mark_delivered([second], now=1004.0)
    assert outbox.delivery_lags() == [1.5, 4.0]  # the third is still pending: no lag yet
    outbox.mark_delivered([third], now=1010.0)
    assert lag_summary(outbox.delivery_lags()) == {"delivered": 3, "p50_s": 4.0, "p95_s": 9.4, "max_s": 10.0}
    assert lag_summary([]) == {"delivered": 0, "p50_s": None, "p95_s": None, "max_s": None}


def test_the_lrs_must_hold_every_statement_made_once_and_nothing_else():
    made = asked(StatementBuilder(LrsSettings()), 4)
    ids = [s["id"] for s in made]
    assert delivery_checks(ids, made, ids) == {"statements_made": 4, "statements_in_lrs": 4, "missing": 0,
                                               "unexpected": 0, "duplicated": 0, "invalid": 0}
    stranger = {**made[0], "id": "00000000-0000-4000-8000-000000000000", "verb": {"id": "not an IRI"}}
    found = delivery_checks(ids, [*made[1:], stranger], [*ids[1:], ids[1], stranger["id"]])
    assert found == {"statements_made": 4, "statements_in_lrs": 4, "missing": 1, "unexpected": 1, "duplicated": 1,
                     "invalid": 1}
