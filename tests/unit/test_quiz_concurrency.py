"""Two conversations of one learner (two Slack threads, served by two action-server processes) answering quiz
questions at the same time: every answer is one transaction, so no attempt, mastery update, review or quiz
position is lost or counted twice."""
import multiprocessing as mp
from collections import Counter
from pathlib import Path

import pytest

from assessment import AssessmentSettings, Grader, NoActiveQuiz, QuizMoved, QuizService, update_mastery
from store import LearningStore

pytestmark = pytest.mark.unit
LEARNER = "slack:T1:U1"
ANSWERS_PER_PROCESS = 40


def bank(store: LearningStore) -> None:
    store.upsert_questions([
        {"question_id": f"q{i}", "course_id": "c", "course_title": "C", "skill": f"skill-{i % 2}", "kind": "mcq",
         "prompt": f"Question {i}?", "answer": "right", "options": ["right", "wrong"], "explanation": "", "section": "",
         "url": "", "source_chunk": "", "difficulty": 0.5, "origin": "authored"}
        for i in range(6)])


def answer_many(path: str, seed: int, done) -> None:
    from tests.support.fakes import HashingEmbedder

    quiz = QuizService(LearningStore(Path(path)), Grader(HashingEmbedder()), AssessmentSettings(quiz_length=3))
    answered = 0
    for n in range(ANSWERS_PER_PROCESS * 3):
        try:
            turn = quiz.answer(LEARNER, "1" if (n + seed) % 3 else "2")
            answered += 1
            if turn.finished:
                quiz.start(LEARNER)
        except NoActiveQuiz:
            quiz.start(LEARNER)
        except QuizMoved:
            continue  # the other conversation answered this question first: nothing was recorded
        if answered >= ANSWERS_PER_PROCESS:
            break
    done.put(answered)


def test_concurrent_answers_of_one_learner_lose_nothing(tmp_path: Path):
    path = tmp_path / "tutor.db"
    store = LearningStore(path)
    bank(store)
    done = mp.get_context("fork").Queue()
    workers = [mp.get_context("fork").Process(target=answer_many, args=(str(path), seed, done)) for seed in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    answered = done.get(timeout=5) + done.get(timeout=5)

    attempts = store.db.execute("select session_id, question_id, skill, correct from attempts order by rowid").fetchall()
    assert len(attempts) == answered
    assert max(Counter((s, q) for s, q, _, _ in attempts).values()) == 1, "a question was answered twice in one quiz"
    settings = AssessmentSettings()
    from assessment import BKTParams

    params = BKTParams(settings.bkt_p_init, settings.bkt_p_learn, settings.bkt_p_slip, settings.bkt_p_guess)
    for skill, row in store.mastery(LEARNER).items():
        mine = [c for _, _, s, c in attempts if s == skill]
        p = params.p_init
        for correct in mine:  # replayed in commit order: each update saw the one before
            p = update_mastery(p, bool(correct), params)
        assert (row["attempts"], row["correct"]) == (len(mine), sum(mine))
        assert row["p_mastery"] == pytest.approx(p)
    reviews = Counter(q for _, q, _, _ in attempts)
    for card in store.db["review_cards"].rows:
        assert card["reviews"] == reviews[card["question_id"]]
    for session in store.db["quiz_sessions"].rows:
        count = sum(1 for s, *_ in attempts if s == session["session_id"])
        assert session["answered"] == session["position"] == count
