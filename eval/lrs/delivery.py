"""What the LRS ended up holding against what the tutor made, and how long statements waited in the outbox: the
checks shared by the no-loss drill (eval/lrs/drill.py) and the load test with an LRS (eval/load/load_stack.py --lrs).
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from xapi import problems


def lag_summary(lags: list[float]) -> dict[str, Any]:
    """Outbox lag (seconds from a statement's making to the LRS taking it) over the delivered statements: count,
    p50, p95 and max, rounded to milliseconds; None figures when nothing was delivered."""
    if not lags:
        return {"delivered": 0, "p50_s": None, "p95_s": None, "max_s": None}
    values = np.asarray(lags, dtype=float)
    return {"delivered": len(lags), "p50_s": round(float(np.percentile(values, 50)), 3),
            "p95_s": round(float(np.percentile(values, 95)), 3), "max_s": round(float(values.max()), 3)}


def delivery_checks(made: list[str], in_lrs: list[dict], in_file: list[str]) -> dict[str, int]:
    """`made`: every statement id of the outbox; `in_lrs`: the statements read back from the LRS's API; `in_file`:
    the ids in its store, one per stored statement (a statement stored twice shows twice)."""
    made_ids, lrs_ids = set(made), {s["id"] for s in in_lrs}
    return {"statements_made": len(made), "statements_in_lrs": len(in_lrs), "missing": len(made_ids - lrs_ids),
            "unexpected": len(lrs_ids - made_ids), "duplicated": len(in_file) - len(set(in_file)),
            "invalid": sum(1 for s in in_lrs if problems(s))}


def wait_until_sent(pending: Callable[[], int], timeout_s: float, poll_s: float = 0.5) -> float:
    """Wait until nothing is pending (the sender delivered or dead-lettered everything), at most `timeout_s`;
    the seconds waited."""
    started = time.monotonic()
    while pending() and time.monotonic() - started < timeout_s:
        time.sleep(poll_s)
    return time.monotonic() - started
