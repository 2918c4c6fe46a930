"""A quiz on an ordinary company document (no front matter) through the REST channel, the real Rasa server and
action server: it asks about the document's facts, on the topic asked for, and never teaches a prohibited
practice as allowed."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from retrieval import RetrievalSettings, ingest
from tests.support.rest_learner import Learner
from tests.support.workspace import serving_tutor

pytestmark = pytest.mark.integration
HANDBOOK = Path(__file__).resolve().parents[1] / "data" / "handbook"
PROHIBITED = ("aggressive in marketing", "company laptop for side work")


@pytest.fixture(scope="module")
def handbook_tutor(tmp_path_factory, real_embedder, model_cache: Path):
    work = tmp_path_factory.mktemp("handbook-quiz")
    report = ingest(HANDBOOK, work / "index", real_embedder, RetrievalSettings())
    assert not report.failed
    with serving_tutor(work, index_dir=work / "index", store=work / "tutor.db", cache_dir=model_cache) as group:
        yield group, work / "tutor.db"


def quiz_question(messages: list[dict]) -> dict | None:
    return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == "quiz_question"), None)


def stored(db: Path, question_id: str) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("select * from questions where question_id = ?", [question_id]).fetchone())


def states_an_amount(row: dict) -> bool:
    asked_about = row["prompt"] if json.loads(row["options"]) == ["True", "False"] else row["answer"]
    return any(ch.isdigit() for ch in asked_about)


def test_a_quiz_on_a_topic_asks_that_sections_facts(handbook_tutor):
    group, db = handbook_tutor
    learner = Learner(group.rasa_url, "handbook-quiz-learner")
    asked = []
    first = learner.say("quiz me on parental leave")
    question = quiz_question(first)
    while question is not None:
        row = stored(db, question["question_id"])
        asked.append(row)
        options = json.loads(row["options"])
        reply = str(options.index(row["answer"]) + 1) if options else row["answer"]
        answered = learner.say(reply)
        assert any("Correct" in (m.get("text") or "") for m in answered), answered
        question = quiz_question(answered)
    assert asked, first
    assert all(row["section"] == "Parental leave" and row["skill"] == "parental-leave" for row in asked)
    # Facts, not everyday words: each key is an amount or duration the section states (a true-or-false question
    # states its amount in the statement judged).
    assert all(states_an_amount(row) for row in asked), [(row["prompt"], row["answer"]) for row in asked]
    with sqlite3.connect(db) as conn:
        prompts = [p for (p,) in conn.execute("select prompt from questions")]
    assert prompts and not any(bad in p.lower() for p in prompts for bad in PROHIBITED)


def test_a_topic_the_document_does_not_cover_is_said_so(handbook_tutor):
    group, _ = handbook_tutor
    reply = Learner(group.rasa_url, "handbook-quiz-other").say("quiz me on kubernetes networking")
    assert quiz_question(reply) is None
    text = " ".join(m.get("text") or "" for m in reply).lower()
    assert "kubernetes" in text or "people policies" in text, text
