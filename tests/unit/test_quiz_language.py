"""A quiz comes in the learner's language: an English topic gets English questions even where a Chinese course
covers it too (its skill names are English words), a Chinese topic is matched by the multilingual encoder to
Chinese questions, and a bank without questions in that language still gives a quiz."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assessment import AssessmentSettings, Grader, NoQuestions, QuizService
from assessment.chinese import has_han
from assessment.questions import authored_questions
from store import LearningStore

pytestmark = pytest.mark.unit
COURSES = Path(__file__).resolve().parents[2] / "data" / "courses"


def course(name: str) -> dict:
    meta = yaml.safe_load((COURSES / f"{name}.md").read_text("utf-8").split("---", 2)[1])
    return {"course_id": meta["id"], "title": meta["title"], "metadata": meta}


@pytest.fixture(scope="module")
def quiz(tmp_path_factory, real_embedder) -> QuizService:
    store = LearningStore(tmp_path_factory.mktemp("quiz") / "tutor.db")
    store.upsert_questions(q.as_row() for name in ("infosec-basics", "infosec-basics-zh", "sql-for-analysts")
                           for q in authored_questions(course(name)))
    return QuizService(store, Grader(real_embedder), AssessmentSettings(quiz_length=3), real_embedder)


def prompts(quiz: QuizService, learner: str, topic: str, language: str | None = None) -> list[str]:
    turn = quiz.start(learner, topic, language=language)
    session = quiz.store.open_session(learner)
    return [quiz.store.question(qid)["prompt"] for qid in session["question_ids"]] if turn.total else []


def test_an_english_topic_gets_english_questions(quiz):
    assert not any(has_han(p) for p in prompts(quiz, "ana", "phishing"))


def test_a_chinese_topic_gets_chinese_questions_on_it(quiz):
    found = prompts(quiz, "ben", "钓鱼邮件")
    assert all(has_han(p) for p in found) and any("邮件" in p for p in found)


def test_the_learners_language_without_a_topic(quiz):
    assert all(has_han(p) for p in prompts(quiz, "cy", "", language="zh"))


def test_a_chinese_topic_nothing_covers_is_refused(quiz):
    with pytest.raises(NoQuestions):
        quiz.start("dee", "篮球比赛规则")


@pytest.mark.parametrize("topic", ["多因素认证", "锁屏", "机密文件"])
def test_chinese_topics_the_course_covers_are_found(quiz, topic):
    assert all(has_han(p) for p in prompts(quiz, f"learner-{topic}", topic))


def test_a_chinese_topic_only_english_courses_cover_gets_english_questions(quiz):
    found = prompts(quiz, "eve", "SQL 连接查询")
    assert found and not any(has_han(p) for p in found)
