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


@pytest.mark.parametrize("reply, code, values", [("5", "out_of_range", {"count": 4}), ("", "empty", {}), ("🙂🙂", "symbols", {}),
                                                  ("the one with matching rows", "not_an_option", {"count": 4}),
                                                  ("x" * 600, "too_long", {"length": 600, "limit": 500})])
def test_bad_choice_replies_are_invalid_not_wrong(grader, reply, code, values):
    with pytest.raises(InvalidAnswer) as invalid:
        grader.grade_choice(reply, OPTIONS, "INNER JOIN")
    assert (invalid.value.code, invalid.value.values) == (code, values)


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


POLICY = ["Report it to the security team immediately", "Delete the email and carry on",
          "Forward it to your colleagues as a warning", "Reply to the sender to ask who they are"]


@pytest.mark.parametrize("reply", ["tell the security team right away", "report it to security straight away"])
def test_a_clear_paraphrase_of_an_option_chooses_it(grader, reply):
    grade = grader.grade_choice(reply, POLICY, POLICY[0])
    assert grade.correct and grade.reason == "chose option 1"


def test_a_paraphrase_that_fits_no_option_clearly_is_asked_again_not_graded(grader):
    with pytest.raises(InvalidAnswer) as invalid:
        grader.grade_choice("I would do something about it", POLICY, POLICY[0])
    assert invalid.value.code == "not_an_option"


@pytest.mark.parametrize("reply, reference", [
    ("don't report it to the security team", "report it to the security team immediately"),
    ("8 weeks", "6 weeks"), ("twelve weeks of paid leave", "six weeks of paid leave"),
])
def test_a_negated_answer_or_a_different_number_is_wrong(grader, reply, reference):
    assert not grader.grade_text(reply, reference).correct


def test_the_same_number_in_words_still_passes(grader):
    assert grader.grade_text("six weeks", "6 weeks").correct


@pytest.mark.parametrize("reply, correct", [
    ("up to seven days", True), ("7 days a year", True), ("seven days each calendar year", True),
    ("7 days per pay period", False),  # another period
    ("7 days every two years", False),  # another amount beside it
    ("7 weeks", False),
])
def test_the_amount_alone_passes_unless_the_reply_adds_another_period_or_amount(grader, reply, correct):
    assert grader.grade_text(reply, "up to 7 days during a calendar year").correct is correct


def test_words_repeated_from_the_question_do_not_count_against_the_answer(grader):
    question = "What must you do with the GSA travel card?"
    reply, reference = "use the card for official travel costs", "use it for official travel expenses"
    assert not grader.grade_text(reply, reference).correct  # "card" is not in the reference
    assert grader.grade_text(reply, reference, question=question).correct
    assert not grader.grade_text("use the card for personal travel", reference, question=question).correct
