"""Records for the report tests, written straight into the tutor's store: questions with cited courses, quiz
attempts at given times, review cards, completions and group memberships."""
from __future__ import annotations

import time
import uuid

DAY = 86400.0


def ask(tutor, learner: str, course_id: str = "", title: str = "", *, abstained: bool = False, feedback: str = "") -> str:
    sources = [{"course_id": course_id, "title": title, "section": "", "url": "", "source": "", "score": 1.0}] if course_id else []
    turn = tutor.records.turns.record(learner, "a question", "an answer", channel="rest", abstained=abstained, sources=sources)
    if feedback:
        tutor.records.db.execute("update turns set feedback = ? where turn_id = ?", [feedback, turn])
        tutor.records.db.conn.commit()
    return turn


def attempt(tutor, learner: str, skill: str, correct: bool, at: float, *, question_id: str = "", skipped: bool = False) -> None:
    tutor.records.db["attempts"].insert({
        "attempt_id": uuid.uuid4().hex, "learner": learner, "question_id": question_id or f"q-{skill}", "session_id": "s",
        "skill": skill, "answer": "x", "correct": int(correct and not skipped), "skipped": int(skipped), "hinted": 0,
        "score": 1.0 if correct else 0.0, "created": at, "latency_ms": 0.0})


def question(tutor, question_id: str, course_id: str, course_title: str, skill: str) -> None:
    tutor.records.learning.upsert_questions([{
        "question_id": question_id, "course_id": course_id, "course_title": course_title, "skill": skill, "kind": "short",
        "prompt": f"About {skill}?", "answer": "yes", "options": [], "explanation": "", "section": "", "url": "",
        "source_chunk": "", "difficulty": 0.5, "origin": "authored"}])


def card(tutor, learner: str, question_id: str, due: float) -> None:
    tutor.records.db["review_cards"].upsert({"learner": learner, "question_id": question_id, "card": "{}", "due": due, "reviews": 1},
                                            pk=("learner", "question_id"))


def complete(tutor, learner: str, course_id: str, at: float | None = None) -> None:
    tutor.records.db["enrolments"].upsert({"learner": learner, "course_id": course_id, "status": "completed", "role": "",
                                           "updated": at or time.time()}, pk=("learner", "course_id"))


def profile(tutor, learner: str, role: str = "", group: str = "", created: float | None = None) -> None:
    tutor.records.db["profiles"].upsert({"learner": learner, "role": role, "goals": "", "group_name": group, "language": "",
                                         "created": created or time.time(), "updated": time.time()}, pk="learner")


# A company of three groups: A (six learners), B (three: below the reports' minimum of five), C (five).
TEAMS = {"A": [f"a{i}" for i in range(6)], "B": ["b0", "b1", "b2"], "C": [f"c{i}" for i in range(5)]}


def seed_company(tutor, password: str = "correct horse battery") -> None:
    """TEAMS' memberships; accounts admin1, manager-a and trainer-a (both looking after A); a phishing answer and
    a question from every learner of A and C, a passwords answer from two of A, the infosec course completed by
    four of A and all of B."""
    from console.auth import add_user
    from store import Groups

    groups = Groups(tutor.records.db)
    groups.import_memberships([(learner, g) for g, members in TEAMS.items() for learner in members])
    for name, role in (("admin1", "admin"), ("manager-a", "manager"), ("trainer-a", "trainer")):
        add_user(tutor.records.accounts, name, password, role)
    groups.set_trainer_groups("manager-a", ["A"])
    groups.set_trainer_groups("trainer-a", ["A"])
    question(tutor, "q-phishing", "infosec", "Information Security Basics", "phishing")
    question(tutor, "q-passwords", "infosec", "Information Security Basics", "passwords")
    now = time.time()
    for i, learner in enumerate(TEAMS["A"] + TEAMS["C"]):
        attempt(tutor, learner, "phishing", i % 3 != 0, now - 3 * DAY, question_id="q-phishing")
        ask(tutor, learner, "infosec", "Information Security Basics", abstained=i % 2 == 0)
    for learner in TEAMS["A"][:2]:  # two learners only: the skill's row is left out
        attempt(tutor, learner, "passwords", True, now - 2 * DAY, question_id="q-passwords")
    for learner in TEAMS["A"][:4] + TEAMS["B"]:
        complete(tutor, learner, "infosec")
