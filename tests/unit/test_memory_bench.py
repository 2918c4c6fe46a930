"""The memory benchmark's arithmetic (eval/load/memory.py): processes summed by role, medians over runs, the table;
and a real process measured with its children."""
import os

import pytest

from eval.load.memory import by_role, format_table, measure, medians

pytestmark = pytest.mark.unit


def row(role: str, rss: float) -> dict:
    return {"role": role, "pid": 1, "command": "", "rss_mb": rss, "uss_mb": rss / 2, "pss_mb": rss * 0.75, "largest_maps": []}


def run(rasa: float, worker: float) -> dict:
    rows = [row("parent (tutor serve)", 70), row("rasa", rasa), row("actions", 100), row("actions child", worker)]
    return {"after_start": rows, "after_warm_up": rows}


def test_roles_are_summed_and_the_stack_leaves_the_parent_out():
    roles = by_role(run(700, 500)["after_warm_up"])
    assert roles["stack (Rasa + actions)"]["rss_mb"] == 1300 and roles["stack (Rasa + actions)"]["processes"] == 3
    assert roles["parent (tutor serve)"]["rss_mb"] == 70


def test_medians_over_runs_and_the_table():
    runs = [run(700, 500), run(720, 400), run(900, 450)]
    warm = medians(runs, "after_warm_up")
    assert warm["rasa"]["rss_mb"] == 720 and warm["actions child"]["rss_mb"] == 450
    assert "| stack (Rasa + actions) | 3 |" in format_table(runs)


def test_a_real_process_is_measured():
    rows = measure(os.getpid(), "rasa")
    assert rows[0]["role"] == "rasa" and rows[0]["rss_mb"] > 10 and rows[0]["uss_mb"] <= rows[0]["rss_mb"]
