"""Trainers' review of the question bank over a real SQLite store: generated questions start as drafts below the
auto-approve score, a re-sync never undoes a trainer's decision or edit, and quizzes ask approved questions only."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
import sqlite_utils

from assessment import (AssessmentSettings, Grader, NoQuestions, Question, QuizService, check_trainer_question,
                        initial_status, sync_question_bank, trainer_question)
from store import Records
from store.migrations import MIGRATIONS, migrate
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit


@dataclass
class Chunk:
    chunk_id: str
    text: str
    section: str = "Claims"
    url: str = "https://learn.example.com/expenses"
    course_id: str = "expenses"


PASSAGES = [
    "Every claim needs an itemised **receipt** from the supplier, attached to the claim before you submit it for approval.",
    "Claims above five hundred euros are checked by the finance controller before anyone can pay them out to you.",
    "Travel must be booked through the **travel portal** so that the company can track every trip and its total costs.",
    "Submit each claim within **thirty days** of the expense, or the finance team may refuse to reimburse it at all.",
    "Client dinners need the names of every guest and the business purpose written on the claim itself.",
    "Mileage is paid per kilometre at the standard rate that the finance team publishes at the start of each year.",
]
COURSE = {"course_id": "expenses", "title": "Expense Claims", "metadata": {
    "skills": ["expense-claims"],
    "questions": [{"id": "exp-q1", "question": "Who approves claims above 500 euros?", "answer": "the finance controller",
                   "skill": "expense-claims"}],
}}
CHUNKS = [Chunk(f"c{i}", text) for i, text in enumerate(PASSAGES)]

# A bank made by hand, so these tests hold whatever the generator makes of passages: one authored question and six
# generated ones, three above the default auto-approve score (0.8) and three below.
AUTHORED = Question("exp-q1", "expenses", "Expense Claims", "expense-claims", "short", "Who approves claims above 500 euros?",
                    "the finance controller")
GENERATED = [
    Question(f"gen-{i}", "expenses", "Expense Claims", "expense-claims", "mcq",
             f"Fill in the blank: rule {i} of the expense policy says that every claim needs a _____.", f"term {i}",
             [f"term {i}", "invoice", "voucher", "ticket"], explanation=f"Rule {i} of the expense policy.", section="Claims",
             source_chunk=f"c{i}", origin="generated", quality=quality, quality_parts={"term": quality})
    for i, quality in enumerate([0.95, 0.9, 0.85, 0.7, 0.6, 0.5])
]


def sync(records: Records, present: set[str] | None = None, score: float = 0.8) -> int:
    """What assessment.sync_question_bank does with the questions the courses give (all, or the generated ones
    `present`): each with the status its quality gives it, then the generated ones not given are dropped."""
    made = [q for q in GENERATED if present is None or q.question_id in present]
    rows = [{**q.as_row(), "status": initial_status(q.origin, q.quality, score)} for q in [AUTHORED, *made]]
    records.learning.upsert_questions(rows)
    return records.learning.remove_generated_except({q.question_id for q in made})


@pytest.fixture()
def records(tmp_path) -> Records:
    records = Records(tmp_path / "tutor.db")
    sync(records)
    return records


def by_id(records: Records) -> dict[str, dict]:
    return {q["question_id"]: q for q in records.learning.questions()}


def generated(records: Records, status: str) -> list[dict]:
    return [q for q in records.learning.questions(status=status) if q["origin"] == "generated"]


def test_the_migration_turns_generated_questions_into_drafts_and_keeps_the_rest_approved():
    db = sqlite_utils.Database(memory=True)
    db.execute("create table _migrations (version integer primary key, applied real)")
    for version, step in enumerate(MIGRATIONS[:8], 1):
        step(db)
        db.execute("insert into _migrations values (?, ?)", [version, time.time()])
    base = {"course_id": "c", "course_title": "C", "skill": "s", "kind": "short", "prompt": "P?", "answer": "a",
            "options": "[]", "explanation": "", "section": "", "url": "", "source_chunk": "", "difficulty": 0.5, "created": 0.0}
    db["questions"].insert_all([{**base, "question_id": "a1", "origin": "authored"},
                                {**base, "question_id": "g1", "origin": "generated"}])
    migrate(db)
    rows = {r["question_id"]: r for r in db["questions"].rows}
    assert (rows["a1"]["status"], rows["g1"]["status"]) == ("approved", "draft")
    assert rows["g1"]["edited"] == 0 and rows["g1"]["reviewed_by"] == "" and rows["g1"]["quality"] is None


def test_generated_questions_start_as_drafts_below_the_auto_approve_score(records):
    questions = by_id(records)
    assert questions["exp-q1"]["status"] == "approved" and questions["exp-q1"]["quality"] is None
    assert {q["question_id"] for q in generated(records, "approved")} == {"gen-0", "gen-1", "gen-2"}
    assert {q["question_id"] for q in generated(records, "draft")} == {"gen-3", "gen-4", "gen-5"}
    assert initial_status("generated", 1.0, 1.0) == "draft"  # 1 turns auto-approval off
    assert initial_status("trainer", None, 1.0) == initial_status("authored", None, 1.0) == "approved"


def test_a_sync_from_course_passages_scores_every_question_and_keeps_a_trainers_decisions(tmp_path):
    records = Records(tmp_path / "tutor.db")
    report = sync_question_bank(records.learning, [COURSE], CHUNKS, None)  # the default auto-approve score, 0.8
    made = [q for q in records.learning.questions() if q["origin"] == "generated"]
    assert report.generated == len(made) >= 2 and report.drafts == sum(q["status"] == "draft" for q in made)
    for q in made:
        assert 0 <= q["quality"] <= 1 and set(q["quality_parts"]) == {"term", "options", "length", "answer"}
        assert q["status"] == ("approved" if q["quality"] >= 0.8 else "draft")
    retired, edited = made[0]["question_id"], made[1]["question_id"]
    records.question_reviews.set_status(retired, "retired", "tina")
    records.question_reviews.edit(edited, {"prompt": "Fill in the blank: reworded by a trainer, _____."}, "tina")
    for score, undecided in ((0.0, "approved"), (1.0, "draft")):
        sync_question_bank(records.learning, [COURSE], CHUNKS, None, auto_approve_score=score)
        after = by_id(records)
        assert after[retired]["status"] == "retired" and after["exp-q1"]["status"] == "approved"
        assert after[edited]["prompt"] == "Fill in the blank: reworded by a trainer, _____." and after[edited]["status"] == made[1]["status"]
        assert all(after[q["question_id"]]["status"] == undecided for q in made[2:])


def test_a_resync_keeps_every_decision_and_edit_of_a_trainer(records):
    draft, other_draft = (q["question_id"] for q in generated(records, "draft")[:2])
    retired, edited = (q["question_id"] for q in generated(records, "approved")[:2])
    reviews = records.question_reviews
    reviews.set_status(draft, "approved", "tina")
    reviews.set_status(retired, "retired", "tina")
    reviews.edit(edited, {"prompt": "Fill in the blank: a clearer prompt written by a trainer _____.", "explanation": "Why."}, "tina")
    reviews.set_status("exp-q1", "retired", "tina")  # an authored one, too
    mine = trainer_question("expenses", "Expense Claims", "expense-claims", "mcq", "Which form do you claim on?",
                            "expense form", ["expense form", "leave form"])
    reviews.add(mine.as_row(), "tina")

    sync(records, score=1.0)  # auto-approval off: every undecided generated question becomes a draft
    after = by_id(records)
    assert after[draft]["status"] == "approved" and after[draft]["reviewed_by"] == "tina"
    assert after[retired]["status"] == "retired" and after["exp-q1"]["status"] == "retired"
    assert after[edited]["prompt"] == "Fill in the blank: a clearer prompt written by a trainer _____."
    assert after[edited]["explanation"] == "Why." and after[edited]["edited_by"] == "tina"
    assert after[other_draft]["status"] == "draft"
    assert after[mine.question_id]["status"] == "approved" and after[mine.question_id]["origin"] == "trainer"
    # An edited question keeps its status too; nothing else stays auto-approved once auto-approval is off.
    assert {q["question_id"] for q in generated(records, "approved")} == {draft, edited}


def test_questions_whose_passage_is_gone_go_unless_a_trainer_decided_on_them(records):
    approved_draft, untouched = (q["question_id"] for q in generated(records, "draft")[:2])
    retired = generated(records, "approved")[0]["question_id"]
    records.question_reviews.set_status(approved_draft, "approved", "tina")
    records.question_reviews.set_status(retired, "retired", "tina")

    removed = sync(records, present=set())
    after = by_id(records)
    assert removed == 4 and untouched not in after
    assert after[approved_draft]["source_missing"] == 1 and after[approved_draft]["status"] == "approved"
    assert after[retired]["source_missing"] == 1 and after[retired]["status"] == "retired"  # so it never returns as new

    sync(records)  # the passages are back
    after = by_id(records)
    assert after[retired]["status"] == "retired" and after[retired]["source_missing"] == 0
    assert after[untouched]["status"] == "draft"


def quiz_over(records: Records, length: int = 20) -> QuizService:
    return QuizService(records.learning, Grader(HashingEmbedder()), AssessmentSettings(quiz_length=length))


def test_quizzes_ask_approved_questions_only(records):
    retired = generated(records, "approved")[0]["question_id"]
    records.question_reviews.set_status(retired, "retired", "tina")
    quiz = quiz_over(records)
    servable = {q["question_id"] for q in quiz.servable()}
    assert servable == {q["question_id"] for q in records.learning.questions(status="approved")}
    assert retired not in servable and not servable & {q["question_id"] for q in generated(records, "draft")}
    turn = quiz.start("ana", "")
    assert set(records.learning.open_session("ana")["question_ids"]) == servable and turn.total == len(servable)


def test_a_bank_of_drafts_only_has_nothing_to_ask(tmp_path):
    records = Records(tmp_path / "tutor.db")
    sync_question_bank(records.learning, [{**COURSE, "metadata": {"skills": ["expense-claims"]}}], CHUNKS, None,
                       auto_approve_score=1.0)
    assert records.learning.questions() and not records.learning.has_questions("expenses")
    with pytest.raises(NoQuestions):
        quiz_over(records).start("ana", "")


def test_retiring_takes_a_question_out_of_quizzes_in_progress_but_not_the_one_being_asked(records):
    quiz = quiz_over(records, length=4)
    quiz.start("ben", "")
    ids = records.learning.open_session("ben")["question_ids"]
    records.question_reviews.set_status(ids[0], "retired", "tina")  # being asked now: the answer still counts
    records.question_reviews.set_status(ids[2], "retired", "tina")
    assert records.learning.open_session("ben")["question_ids"] == [ids[0], ids[1], ids[3]]
    assert quiz.current("ben").question["question_id"] == ids[0] and quiz.current("ben").total == 3


def test_retired_questions_are_not_reviewed_even_when_due(records):
    quiz = quiz_over(records, length=1)
    quiz.start("cy", "")
    asked = quiz.current("cy").question["question_id"]
    quiz.skip("cy")
    records.db["review_cards"].update(("cy", asked), {"due": time.time() - 60})  # its review is due now
    assert quiz.standing("cy").due_count == 1
    records.question_reviews.set_status(asked, "retired", "tina")
    assert quiz.standing("cy").due_count == 0
    with pytest.raises(NoQuestions):
        quiz.start("cy", review=True)


@pytest.mark.parametrize("kind, prompt, answer, options, problem", [
    ("mcq", "  ", "a", ["a", "b"], "The prompt is empty."),
    ("mcq", "Which one?", "c", ["a", "b"], "The answer is not among the options"),
    ("mcq", "Which one?", "a", ["a"], "at least two options"),
    ("mcq", "Which one?", "a", ["a", "A "], "Two options are the same."),
    ("short", "Which one?", "a", ["a", "b"], "Options are for multiple-choice questions"),
    ("short", "x" * 1001, "a", [], "The prompt is 1001 characters long; at most 1000."),
    ("essay", "Which one?", "a", [], "Choose multiple choice or short answer."),
])
def test_a_trainers_question_is_checked_with_clear_words(kind, prompt, answer, options, problem):
    assert any(problem in p for p in check_trainer_question(kind, prompt, answer, options, skill="s"))


def test_a_well_formed_trainer_question_passes_and_names_its_option():
    assert check_trainer_question("mcq", "Which form?", "expense FORM", ["Expense form", "Leave form"], skill="s") == []
    assert check_trainer_question("short", "Which form?", "the expense form", [], skill="") == ["The skill is empty."]
    q = trainer_question("c", "C", "s", "mcq", " Which form? ", "expense FORM", ["Expense form", "Leave form"])
    assert (q.origin, q.answer, q.prompt) == ("trainer", "Expense form", "Which form?") and q.question_id.startswith("trainer-")
