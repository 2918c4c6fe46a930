"""Learners flagging quiz questions, over a real SQLite store: which question a flag lands on, one flag per learner,
the reason cleaned and kept without the learner's identity for trainers, flags made before an edit no longer
counting, the "often flagged" rule of the needs-review list, and the words and button that make a flag."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from actions.parsing import asks_something, flag_reason, is_flag_request, refers_to_previous
from assessment import (MAX_REASON_CHARS, AssessmentSettings, ItemStats, NothingToFlag, clean_reason, flag_question,
                        item_statistics, review_reasons)
from assessment.flags import RECENT_SECONDS, flag_target
from messages import LANGUAGES, QuizQuestion, say
from store import Records
from tutor import SettingsError, Tutor, load_settings

pytestmark = pytest.mark.unit


def question(qid: str, prompt: str = "How many days do you have to submit an expense claim?") -> dict:
    return {"question_id": qid, "course_id": "expenses", "course_title": "Expense Claims", "skill": "claims",
            "kind": "short", "prompt": prompt, "answer": "thirty days", "options": [], "explanation": "", "section": "",
            "url": "", "source_chunk": "", "difficulty": 0.5, "origin": "authored"}


@pytest.fixture()
def records(tmp_path: Path) -> Records:
    records = Records(tmp_path / "tutor.db")
    records.learning.upsert_questions([question(f"q{i}", f"Question {i} about expense claims?") for i in range(1, 5)])
    return records


def answer(records: Records, learner: str, session: dict, position: int) -> None:
    """Record an answer to the quiz's question at `position`, as the quiz service does."""
    attempt = {"learner": learner, "question_id": session["question_ids"][position], "skill": "claims", "answer": "x",
               "correct": 0, "skipped": 0, "hinted": 0, "score": 0.0, "latency_ms": 1.0}
    records.learning.record_answer(session["session_id"], position, attempt, lambda p: 0.3, lambda card: ({}, 0.0))


def stored(records: Records) -> list[tuple]:
    return records.db.execute("select learner, question_id, reason from question_flags order by learner, question_id").fetchall()


def test_a_flag_lands_on_the_question_waiting_for_an_answer_and_the_quiz_stays_there(records):
    session = records.learning.create_session("ana", "claims", ["q1", "q2", "q3"])
    answer(records, "ana", session, 0)
    flagged = flag_question(records.learning, "ana", "  the answer\tis   outdated \x00")
    assert flagged.question["question_id"] == "q2" and flagged.pending and flagged.first
    assert stored(records) == [("ana", "q2", "the answer is outdated")]
    assert records.learning.open_session("ana")["position"] == 1  # still asking q2
    assert flag_question(records.learning, "ana", "", previous=True).question["question_id"] == "q1"


def test_after_a_quiz_or_while_it_is_paused_the_question_seen_last_is_flagged(records):
    session = records.learning.create_session("ben", "claims", ["q1", "q2"])
    answer(records, "ben", session, 0)
    records.learning.update_session(session["session_id"], status="paused")
    paused = flag_question(records.learning, "ben", "")
    assert paused.question["question_id"] == "q2" and not paused.pending  # the quiz waits for "resume", not an answer
    answer(records, "ben", session, 1)
    assert records.learning.open_session("ben") is None
    finished = flag_question(records.learning, "ben", "two options are both right")
    assert finished.question["question_id"] == "q2" and not finished.pending and not finished.first


def test_there_is_nothing_to_flag_without_a_quiz_or_a_recent_answer(records):
    with pytest.raises(NothingToFlag):
        flag_question(records.learning, "cy", "this question is wrong")
    session = records.learning.create_session("cy", "claims", ["q1"])
    answer(records, "cy", session, 0)
    answered = records.learning.latest_attempt("cy")["created"]
    assert flag_target(records.learning, "cy", now=answered + RECENT_SECONDS - 1)[0]["question_id"] == "q1"
    with pytest.raises(NothingToFlag):
        flag_target(records.learning, "cy", now=answered + RECENT_SECONDS + 1)
    assert stored(records) == []


def test_one_flag_per_learner_a_repeat_updates_the_reason_and_keeps_it_when_none_is_given(records):
    learning = records.learning
    assert learning.flag_question("ana", "q1", "the limit changed") is True
    assert learning.flag_question("ana", "q1", "") is False
    assert stored(records) == [("ana", "q1", "the limit changed")]
    assert learning.flag_question("ana", "q1", "it is 30 days now") is False
    learning.flag_question("ben", "q1", "")
    assert stored(records) == [("ana", "q1", "it is 30 days now"), ("ben", "q1", "")]
    flags = records.question_reviews.flags()["q1"]
    assert [f["reason"] for f in flags] == ["", "it is 30 days now"]  # newest first
    assert all(set(f) == {"reason", "updated", "open"} for f in flags)  # never who flagged


def test_reasons_are_cleaned_and_capped():
    assert clean_reason(" the\u202e answer\n\nis   wrong\x07 ") == "the answer is wrong"
    assert clean_reason("ＡＢＣ") == "ABC" and clean_reason(None) == ""
    long = clean_reason("outdated " * 200)
    assert len(long) <= MAX_REASON_CHARS and long.endswith("…") and not long.endswith(" …")


def test_flags_made_before_an_edit_no_longer_count(records):
    for learner in ("ana", "ben", "cy"):
        records.learning.flag_question(learner, "q1", f"wrong, says {learner}")
    stats = item_statistics(records.question_reviews.responses(), records.question_reviews.flags())
    assert (stats["q1"].flags, stats["q1"].flags_before, stats["q1"].learners) == (3, 0, 0)
    time.sleep(0.01)
    records.question_reviews.edit("q1", {"prompt": "Within how many days must a claim be submitted?"}, "tina")
    time.sleep(0.01)
    records.learning.flag_question("dee", "q1", "still unclear")
    flags = records.question_reviews.flags()["q1"]
    assert [(f["reason"], f["open"]) for f in flags][0] == ("still unclear", True)
    stats = item_statistics([], flags={"q1": flags})
    assert (stats["q1"].flags, stats["q1"].flags_before) == (1, 3)


def test_often_flagged_questions_need_review_however_few_answered_them():
    flagged = ItemStats(learners=2, share_correct=0.5, flags=3)
    assert review_reasons(flagged, min_learners=10, min_flags=3) == ["often_flagged"]
    assert review_reasons(flagged, min_learners=10, min_flags=4) == []
    assert review_reasons(flagged, min_learners=10) == []  # flags not considered
    both = ItemStats(learners=12, share_correct=1.0, flags=5)
    assert review_reasons(both, 10, 3) == ["everyone_right", "often_flagged"]
    assert flagged.reason_text("often_flagged").startswith("often flagged: 3 learners flagged it")


def test_the_review_flag_count_is_a_checked_setting(tmp_path: Path):
    assert AssessmentSettings().review_flag_count == 3
    path = tmp_path / "tutor.yml"
    path.write_text("assessment:\n  review_flag_count: 0\n")
    with pytest.raises(SettingsError, match="assessment.review_flag_count"):
        load_settings(path, environ={})


def test_the_question_bank_lists_often_flagged_questions_with_the_reasons(tmp_path: Path):
    (tmp_path / "tutor.yml").write_text(f"paths:\n  store: {tmp_path / 'tutor.db'}\nassessment:\n  review_flag_count: 2\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}))
    tutor.records.learning.upsert_questions([question("q1"), question("q2", "Who approves claims?")])
    tutor.records.learning.flag_question("slack:T1:U-ana", "q1", "the limit is 30 days now")
    tutor.records.learning.flag_question("slack:T1:U-ben", "q1", "")
    tutor.records.learning.flag_question("slack:T1:U-ana", "q2", "typo")
    overview = tutor.question_bank.overview()
    assert [q["question_id"] for q in overview["needs_review"]] == ["q1"] and overview["min_flags"] == 2
    listed = overview["needs_review"][0]
    assert listed["reasons"] == ["often flagged: 2 learners flagged it since its last edit or review (their reasons below)"]
    assert listed["stats"]["flags"] == 2 and sorted(f["reason"] for f in listed["flags"]) == ["", "the limit is 30 days now"]
    assert "U-ana" not in str(overview) and "U-ben" not in str(overview)
    assert tutor.question_bank.question("q2")["stats"]["flags"] == 1 and tutor.question_bank.question("q2")["reasons"] == []
    tutor.question_bank.retire("q1", "tina")
    assert tutor.question_bank.overview()["needs_review"] == []


@pytest.mark.parametrize("text, reason, previous", [
    ("flag this question", "", False),
    ("report this question: the answer is outdated", "the answer is outdated", False),
    ("Flag this question because two options are the same", "two options are the same", False),
    ("I'd like to report this question as outdated - it changed in 2024", "outdated: it changed in 2024", False),
    ("this question is wrong", "this question is wrong", False),
    ("that question makes no sense", "that question makes no sense", False),
    ("the previous question was wrong, the limit is 30 days now", "the previous question was wrong, the limit is 30 days now", True),
    ("这道题有问题", "", False),
    ("举报这道题：答案过时了", "答案过时了", False),
    ("上一题的答案不对", "上一题的答案不对", True),
])
def test_flag_phrasings_give_their_reason(text, reason, previous):
    assert is_flag_request(text) and flag_reason(text) == reason and refers_to_previous(text) == previous


@pytest.mark.parametrize("text", ["report it", "flag it", "report", "what is wrong with my laptop setup?",
                                  "how do I report a security incident?", "is this policy still valid?", "我有个问题",
                                  "这个问题怎么回答？", "report a phishing email to the security team"])
def test_answers_and_questions_are_not_taken_for_flags(text):
    assert not is_flag_request(text)


@pytest.mark.parametrize("text, asks", [
    ("the answer is outdated, it's 30 days now", False), ("two of the options look right to me", False),
    ("这道题答案不对", False), ("what is wrong with my laptop setup", True), ("is this policy still valid?", True),
    ("I set it up, but how do I check it works", True), ("这题为什么选B", True),
])
def test_a_complaint_about_a_question_is_not_read_as_a_question_of_its_own(text, asks):
    assert asks_something(text) == asks


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_slack_flag_button_sends_a_bare_flag(lang):
    from bot.slack.blocks import render

    reply = QuizQuestion("Question 1 of 3", question_id="q", kind="short", prompt="p", position=1, total=3, lang=lang)
    _, blocks = render([reply.message()])
    buttons = {e["text"]["text"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    sent = buttons[say("quiz.button_flag", lang)]
    assert is_flag_request(sent) and flag_reason(sent) == ""


def test_the_console_shows_flag_counts_and_reasons_escaped_redacted_and_without_learners(tmp_path: Path):
    from starlette.testclient import TestClient

    from console.app import create_app
    from console.auth import add_user
    from tests.support.console import sign_in

    (tmp_path / "tutor.yml").write_text(f"paths:\n  store: {tmp_path / 'tutor.db'}\n  index_dir: {tmp_path / 'no-index'}\n"
                                        f"servers:\n  endpoints: {tmp_path / 'none.yml'}\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}))
    tutor.records.learning.upsert_questions([question("q1")])
    reasons = ["<script>alert(1)</script> the answer is outdated", "mail me at ana.k@corp.example", ""]
    for n, reason in enumerate(reasons):
        tutor.records.learning.flag_question(f"slack:T1:U-learner-{n}", "q1", reason)
    add_user(tutor.records.accounts, "trainer1", "correct horse battery", "trainer")
    with TestClient(create_app(tutor, "test-secret")) as client:
        assert sign_in(client, "trainer1", "correct horse battery").status_code == 303
        listing, detail = client.get("/questions").text, client.get("/questions/q1").text
        api = client.get("/api/questions/q1").json()
    assert "often flagged: 3 learners flagged it" in listing and "3 flags" in listing
    for page in (listing, detail):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; the answer is outdated" in page and "<script>alert" not in page
        assert "ana.k@corp.example" not in page and "U-learner" not in page
    assert "[email]" in detail and "no reason given" in detail and 'id="flags"' in detail
    assert sorted(f["reason"] for f in api["flags"]) == sorted(["", "mail me at [email]", reasons[0]])
