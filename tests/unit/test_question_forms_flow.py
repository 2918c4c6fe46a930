"""The new question forms end to end: their quality score, the rubric that judges them by what they are, and a
quiz over a real store that asks, hints and grades them like any multiple choice."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessment import AssessmentSettings, Grader, Question, QuizService, question_quality, sync_question_bank
from assessment.question_forms import FALSE, TRUE, form_of
from assessment.quality import WEIGHTS
from eval.quality.question_rubric import question_form, rubric_problems
from store import Records

pytestmark = pytest.mark.unit

LAPTOP = """OK:
- Reading the news on your lunch break
- Joining a video call with a vendor from your desk
- Printing your own benefits forms

Not OK:
- Installing personal file-sharing software
- Running a side business from your work email
"""
LEAVE = ("You can carry over up to 240 hours of annual leave into the next leave year. "
         "Employees must submit expense claims within 30 days of the end of their trip.")
SENTENCE = "You can carry over up to 240 hours of annual leave into the next leave year."


def question(prompt: str, answer: str, options: list[str], explanation: str = "") -> Question:
    return Question("q", "policy", "Policy", "s", "mcq", prompt, answer, options, explanation, origin="generated")


def which_is_not_ok(answer: str = "Running a side business from your work email", distractors=None) -> Question:
    distractors = distractors or ["Reading the news on your lunch break", "Printing your own benefits forms"]
    return question("Laptop use: which of these is NOT OK?", answer, [*distractors, answer])


def true_false(answer: str, statement: str) -> Question:
    return question("True or false: " + statement, answer, [TRUE, FALSE], SENTENCE)


def test_the_forms_are_told_apart_alike_by_the_generator_and_the_rubric():
    for q, form in ((which_is_not_ok(), "not_allowed"), (true_false(TRUE, SENTENCE), "true_false"),
                    (question("Fill in the blank: You can carry over up to _____ of leave.", "240 hours", []), "cloze")):
        assert form_of(q) == question_form(vars(q)) == form


def test_a_true_false_question_is_scored_on_its_statement_with_nothing_to_judge_in_its_options():
    found = question_quality(true_false(FALSE, SENTENCE.replace("240", "480")), LEAVE)
    assert found.parts == {"term": 1.0, "options": 0.5, "length": 1.0, "answer": 1.0}
    assert found.score == pytest.approx(sum(WEIGHTS[k] * v for k, v in found.parts.items()), abs=1e-3)


def test_a_not_allowed_question_scores_higher_when_both_lists_are_in_its_passage():
    here = question_quality(which_is_not_ok(), LAPTOP)
    elsewhere = question_quality(which_is_not_ok(), LAPTOP.split("Not OK:")[1])
    assert here.parts["term"] == 1.0 and here.parts["length"] == 1.0
    assert (here.parts["answer"], elsewhere.parts["answer"]) == (1.0, 0.8) and here.score > elsewhere.score


def test_the_rubric_accepts_a_not_ok_list_only_as_the_key_of_the_not_allowed_form():
    assert rubric_problems(vars(which_is_not_ok()), LAPTOP, "Laptop use") == []
    keyed_allowed = which_is_not_ok("Printing your own benefits forms", ["Reading the news on your lunch break",
                                                                        "Running a side business from your work email"])
    assert "not-allowed answer not from a prohibiting list" in rubric_problems(vars(keyed_allowed), LAPTOP, "Laptop use")
    offered_as_allowed = which_is_not_ok(distractors=["Installing personal file-sharing software",
                                                      "Printing your own benefits forms"])
    assert "not-allowed distractor not from an allowed list" in rubric_problems(vars(offered_as_allowed), LAPTOP, "Laptop use")
    cloze = question("Fill in the blank: Running a side business from your _____.", "work email", [],
                     "Running a side business from your work email")
    assert "source under a prohibiting heading or list" in rubric_problems(vars(cloze), LAPTOP, "Laptop use")


def test_the_rubric_accepts_a_false_statement_only_when_one_amount_changed():
    assert rubric_problems(vars(true_false(TRUE, SENTENCE)), LEAVE, "Leave") == []
    assert rubric_problems(vars(true_false(FALSE, SENTENCE.replace("240", "480"))), LEAVE, "Leave") == []
    changed_more = SENTENCE.replace("240", "480").replace("annual", "sick")
    assert rubric_problems(vars(true_false(FALSE, changed_more)), LEAVE, "Leave") == ["false statement not one amount changed"]
    assert rubric_problems(vars(true_false(TRUE, changed_more)), LEAVE, "Leave") == ["true statement differs from its source"]


def test_a_quiz_asks_hints_and_grades_the_new_forms(tmp_path):
    chunks = [SimpleNamespace(chunk_id=f"c{i}", course_id="policy", section=section, text=text, url="")
              for i, (section, text) in enumerate([("Laptop use", LAPTOP), ("Leave", LEAVE)])]
    records = Records(tmp_path / "tutor.db")
    sync_question_bank(records.learning, [{"course_id": "policy", "title": "Policy", "metadata": {}}], chunks, None,
                       auto_approve_score=0.0)
    assert {form_of(q) for q in records.learning.questions()} == {"cloze", "not_allowed", "true_false"}
    quiz = QuizService(records.learning, Grader(None), AssessmentSettings(quiz_length=3, success_model="bkt"))
    turn, asked = quiz.start("ana"), set()
    while not turn.finished:
        q = turn.question
        asked.add(form_of(q))
        if form_of(q) == "true_false":
            hint = quiz.hint("ana")
            assert (hint.wrong_option, hint.start) == ("", "")  # ruling out one option would give it away
        reply = q["answer"].lower() if q["kind"] == "mcq" else q["answer"]
        turn = quiz.answer("ana", reply)
        assert turn.graded.correct, q
    assert turn.correct == turn.total == 3 and asked == {"cloze", "not_allowed", "true_false"}
