"""Scenario questions from a procedure: "… after this step, what do you do next?" on a numbered list of
instructions, with the other steps as distractors."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from assessment import check_question, generate_questions
from assessment.procedures import check_next_step, next_step_question, procedures
from assessment.question_forms import form_of
from eval.quality.question_rubric import rubric_problems

pytestmark = pytest.mark.unit

# As ingest keeps a page: a nested list's items flattened between the outer list's, links kept as Markdown.
LEAVE = """Before taking leave, be sure to:
1. Submit a leave request through [HR Links](https://hrlinks.example.gov/). Discuss the dates with your supervisor.
2. Mark your time off on your calendar (set the invite to "free") and on your team's calendar.
1. Your calendar has an out-of-office setting that can decline meetings for you.
3. Decline, cancel, or reschedule any meetings you will miss.
4. Tell your team in Slack and make sure your work is covered.
"""
STEPS = ["Submit a leave request through HR Links", "Mark your time off on your calendar and on your team's calendar",
         "Decline, cancel, or reschedule any meetings you will miss",
         "Tell your team in Slack and make sure your work is covered"]
DOCUMENTS = """Your request must include:
1. The request form, signed by you.
2. A copy of your timesheet report for this year.
3. A written explanation of the circumstances.
"""
COURSE = {"course_id": "leave", "title": "Leave", "metadata": {}}


def test_a_numbered_list_of_instructions_is_a_procedure_in_order_with_nested_items_left_out():
    [procedure] = procedures(LEAVE, "Going out of office")
    assert list(procedure.steps) == STEPS
    assert procedure.purpose == "Before taking leave, be sure to"


@pytest.mark.parametrize("text", [
    DOCUMENTS,  # things, not steps
    "To start:\n1. Open the portal.\n3. Click Submit.\n4. Wait for the email.\n",  # numbered with a gap
    "To start:\n1. Open the portal.\n2. Click Submit.\n",  # two steps: no order worth asking about
    "To start:\n1. Open `https://portal.example.gov`.\n2. Click Submit.\n3. Wait for the email.\n",  # code
])
def test_other_lists_are_not_procedures(text):
    assert procedures(text, "Requests") == []


@pytest.mark.parametrize("seed", range(6))
def test_the_key_is_the_step_after_the_one_named_and_the_distractors_are_other_steps(seed):
    [procedure] = procedures(LEAVE, "Going out of office")
    prompt, key, options, explanation = next_step_question(procedure, random.Random(seed))
    named = prompt.split("after “")[1].split("”")[0]
    assert STEPS.index(key) == STEPS.index(named) + 1
    assert key in options and set(options) <= set(STEPS) and named not in options and len(options) >= 3
    question = SimpleNamespace(prompt=prompt, answer=key, options=options)
    assert check_next_step(question, LEAVE, "") == []
    wrong = next(o for o in options if o != key)
    assert check_next_step(SimpleNamespace(prompt=prompt, answer=wrong, options=options), LEAVE, "")


def test_three_steps_ask_for_the_first():
    text = "To donate leave:\n1. Log in to the payroll portal.\n2. Click Donate Leave.\n3. Follow the prompts.\n"
    [procedure] = procedures(text, "Donating leave")
    prompt, key, options, _ = next_step_question(procedure, random.Random(1))
    assert prompt == "To donate leave: what is the first step?" and key == "Log in to the payroll portal"
    assert sorted(options) == sorted(procedure.steps)


def test_the_generator_makes_a_checked_next_step_question_that_the_rubric_passes():
    passage = SimpleNamespace(chunk_id="c1", course_id="leave", section="Going out of office", text=LEAVE, url="")
    kept, _ = generate_questions(COURSE, [passage], [], None, per_chunk=3)
    [question] = [q for q in kept if form_of(q) == "next_step"]
    assert question.kind == "mcq" and question.answer in STEPS and check_question(question, LEAVE) == []
    assert rubric_problems(question.as_row(), LEAVE, passage.section) == []
    kept, _ = generate_questions(COURSE, [passage], [], None, per_chunk=3, forms=("cloze",))
    assert not [q for q in kept if form_of(q) == "next_step"]
