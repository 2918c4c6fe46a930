"""Grading: exact for choices, tolerant but strict enough for short answers; bad replies never grade."""
import pytest

from assessment import Grader, InvalidAnswer

pytestmark = pytest.mark.unit
OPTIONS = ["INNER JOIN", "LEFT JOIN", "FULL OUTER JOIN", "CROSS JOIN"]


@pytest.fixture(scope="module")
def grader(real_embedder):
    return Grader(real_embedder, threshold=0.75)


@pytest.mark.parametrize("reply, correct", [("1", True), ("a", True), ("A)", True), ("option 1", True), ("inner join", True),
                                            ("2", False), ("left join", False)])
def test_choices(grader, reply, correct):
    assert grader.grade_choice(reply, OPTIONS, "INNER JOIN").correct is correct


@pytest.mark.parametrize("reply, message", [("5", "from 1 to 4"), ("", "didn't get an answer"), ("🙂🙂", "emoji"),
                                            ("the one with matching rows", "number"), ("x" * 600, "short phrase")])
def test_bad_choice_replies_are_invalid_not_wrong(grader, reply, message):
    with pytest.raises(InvalidAnswer, match=message):
        grader.grade_choice(reply, OPTIONS, "INNER JOIN")


@pytest.mark.parametrize(
    "reply, correct",
    [
        ("HAVING", True),
        ("the having clause", True),
        ("I think it's HAVING.", True),
        ("havin", True),
        ("WHERE", False),
        ("not HAVING", False),
        ("WHERE or HAVING", False),
        ("no idea at all", False),
    ],
)
def test_short_answers(grader, reply, correct):
    assert grader.grade_text(reply, "HAVING", wrong=["WHERE", "GROUP BY"]).correct is correct


def test_semantic_paraphrase_of_a_longer_reference(grader):
    assert grader.grade_text("within one month", "one month").correct
    assert grader.grade_text("forward it to the security team", "forward it to security").correct
    assert not grader.grade_text("delete it immediately", "forward it to security").correct
