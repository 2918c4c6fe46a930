"""The question bank in the trainer console, driven in headless Chromium against `tutor console` over the sample
courses' index: a trainer approves a draft, edits a question, retires one and writes a new one; then a tutor in
this process (a fresh sync of the bank, as after a restart) serves the approved and new questions and never the
retired one, with the trainer's wording kept. The console runs on its own database so no other test sees the
changes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from assessment import AssessmentSettings, Grader, QuizService
from tests.support.console import add_user, launch_chromium, logged_in, running_console
from tests.support.workspace import free_port, write_sqlite_endpoints, write_tutor_config
from tutor import Tutor, load_settings

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
EDITED = "Fill in the blank (reworded by a trainer): the _____ is what this question now asks about?"
WRITTEN = "Which form do you fill in to report a lost company laptop?"


@pytest.fixture(scope="module")
def bank_workspace(tmp_path_factory, course_index: Path, model_cache: Path) -> Path:
    """A tutor.yml over the sample courses' index with a database of its own, and a trainer and a learner."""
    work = tmp_path_factory.mktemp("question-bank")
    write_sqlite_endpoints(work / "endpoints.yml", work / "tracker.db")
    write_tutor_config(work / "tutor.yml", index_dir=course_index, store=work / "tutor.db", cache_dir=model_cache,
                       action_port=free_port(), endpoints=work / "endpoints.yml")
    add_user(work, "bank-trainer", "trainer", PASSWORD)
    add_user(work, "bank-learner", "learner", PASSWORD)
    return work


@pytest.fixture(scope="module")
def console(bank_workspace):
    with running_console(bank_workspace) as url:
        yield url


def test_only_trainers_reach_the_bank_and_actions_need_the_csrf_token(console):
    for path in ("/questions", "/api/questions", "/questions/new"):
        assert requests.get(console + path, allow_redirects=False, timeout=10).status_code in (303, 401)
        assert logged_in(console, "bank-learner", PASSWORD).get(console + path, allow_redirects=False, timeout=10).status_code == 403
    trainer = logged_in(console, "bank-trainer", PASSWORD)
    bank = trainer.get(console + "/api/questions", timeout=300).json()  # the first request syncs the bank
    assert not bank["not_synced"] and bank["questions"] and bank["auto_approve_score"] == 0.8
    some = bank["questions"][0]["question_id"]
    assert trainer.post(f"{console}/questions/{some}/retire", timeout=10).status_code == 403
    assert trainer.get(f"{console}/api/questions/{some}", timeout=30).json()["status"] == bank["questions"][0]["status"]


def targets(bank: dict) -> dict[str, dict]:
    """In one course: a generated draft to approve, an approved question to edit and another to retire."""
    questions = bank["questions"]
    draft = next(q for q in questions if q["status"] == "draft" and q["origin"] == "generated")
    approved = [q for q in questions if q["course_id"] == draft["course_id"] and q["status"] == "approved"]
    edit = next((q for q in approved if q["origin"] == "authored"), approved[0])
    retire = next(q for q in approved if q["question_id"] != edit["question_id"])
    return {"approve": draft, "edit": edit, "retire": retire}


def test_a_trainer_reviews_the_bank_in_chromium_and_quizzes_follow(console, bank_workspace, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("TUTOR_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(180_000)  # the first page may sync the bank with the course index
        page.goto(console + "/questions")
        assert "/login" in page.url
        page.fill("input[name=username]", "bank-trainer")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/questions")
        assert page.locator("tr.question").count() > 20 and page.locator("#needs-review").is_visible()
        found = targets(page.request.get(console + "/api/questions").json())
        course = found["approve"]["course_id"]

        # Approve a draft from the list filtered to drafts.
        page.goto(f"{console}/questions?course={course}&status=draft")
        page.locator(f"[id='q-{found['approve']['question_id']}'] button.approve").click()
        page.wait_for_selector("#done")
        assert page.locator(f"[id='q-{found['approve']['question_id']}']").count() == 0  # no longer a draft
        page.screenshot(path=str(shots / "console-questions.png"), full_page=True)

        # Retire one from the course's list.
        page.goto(f"{console}/questions?course={course}")
        page.locator(f"[id='q-{found['retire']['question_id']}'] button.retire").click()
        page.wait_for_selector("#done")
        assert page.locator(f"[id='q-{found['retire']['question_id']}'] .status").inner_text() == "retired"

        # Edit one: an empty prompt is refused with the rest of the form kept, then a real edit is saved.
        page.goto(f"{console}/questions/{found['edit']['question_id']}")
        page.fill("#prompt", "")
        page.fill("#explanation", "Kept while the prompt is fixed.")
        page.click("#save-question")
        page.wait_for_selector("#problems")
        assert "The prompt is empty." in page.inner_text("#problems")
        assert page.input_value("#explanation") == "Kept while the prompt is fixed."
        page.fill("#prompt", EDITED)
        page.click("#save-question")
        page.wait_for_selector("#done")
        assert page.inner_text("h2") == EDITED

        # Write a new one: an answer that is not an option is refused with everything kept, then saved.
        page.goto(f"{console}/questions/new")
        page.select_option("#course_id", course)
        page.fill("#skill", found["approve"]["skill"])
        page.select_option("#kind", "mcq")
        page.fill("#prompt", WRITTEN)
        page.fill("#answer", "Security incident form")
        page.fill("#options", "IT incident form\nExpense claim\nLeave request")
        page.click("#save-question")
        page.wait_for_selector("#problems")
        assert "not among the options" in page.inner_text("#problems") and page.input_value("#prompt") == WRITTEN
        page.fill("#answer", "it incident form")  # named as an option, whatever the case
        page.click("#save-question")
        page.wait_for_selector("#done")
        written = page.url.split("/questions/")[1].split("?")[0]
        assert page.inner_text("#status") == "approved"
        page.screenshot(path=str(shots / "console-question.png"), full_page=True)
        browser.close()

    # A tutor in this process syncs the bank again (as after a restart or re-ingest) and then quizzes from it.
    tutor = Tutor(load_settings(bank_workspace / "tutor.yml"))
    quiz = tutor.parts.quiz()
    kept = tutor.question_bank.question(found["edit"]["question_id"])
    assert kept["prompt"] == EDITED and kept["edited_by"] == "bank-trainer"
    assert tutor.question_bank.question(written)["answer"] == "IT incident form"
    servable = {q["question_id"] for q in quiz.servable({course})}
    assert {found["approve"]["question_id"], found["edit"]["question_id"], written} <= servable
    assert found["retire"]["question_id"] not in servable
    # A quiz long enough to hold the whole course asks every servable question and never the retired one.
    whole = QuizService(tutor.records.learning, Grader(tutor.embedder), AssessmentSettings(quiz_length=20), tutor.embedder)
    turn = whole.start("bank-quiz-learner", "", courses={course})
    asked = set(tutor.records.learning.open_session("bank-quiz-learner")["question_ids"])
    assert turn.total == min(20, len(servable)) and found["retire"]["question_id"] not in asked
    if len(servable) <= 20:
        assert asked == servable
