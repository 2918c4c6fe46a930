"""xAPI statements: each kind the tutor makes is valid xAPI 1.0.3 and names the learner as configured, never by
what they typed; the validator refuses what the specification forbids; bad `lrs` settings are refused with words."""
import re
import uuid

import pytest

from store import pseudonym
from tutor import SettingsError, load_settings
from xapi import LrsSettings, StatementBuilder, VERBS, backoff, problems

pytestmark = pytest.mark.unit

QUESTION = {"question_id": "infosec-q1", "kind": "mcq", "options": ["Click it", "Report it"], "answer": "Report it",
            "prompt": "A strange e-mail asks you to log in. What first?", "course_id": "infosec-basics",
            "course_title": "Information Security Basics", "skill": "infosec-phishing"}
SESSION = uuid.uuid4().hex


def every_kind(builder: StatementBuilder, learner: str = "slack:T1:U1") -> list[dict]:
    course = {"course_id": "infosec-basics", "title": "Information Security Basics", "section": "Phishing > Reporting"}
    return [
        builder.asked(learner, "turn1", answered=True, text="how do I report phishing?", course=course, lang="en",
                      channel="slack", mode="extractive", confidence=0.71),
        builder.asked(learner, "turn2", answered=False, text="sourdough?", lang="zh"),
        builder.quiz_item(learner, question=QUESTION, session_id=SESSION, correct=True, skipped=False, score=1.0,
                          latency_ms=12500, hinted=True, response="1", lang="en"),
        builder.quiz_item(learner, question={**QUESTION, "kind": "short", "options": []}, session_id=SESSION, correct=False,
                          skipped=False, score=-0.2, latency_ms=3000, hinted=False, response="no idea"),
        builder.quiz_item(learner, question=QUESTION, session_id=SESSION, correct=False, skipped=True, score=0.0,
                          latency_ms=0, hinted=False),
        builder.progressed(learner, skill="infosec-phishing", before=None, after=0.52, session_id=SESSION, question=QUESTION),
        builder.progressed(learner, skill="infosec-phishing", before=0.52, after=0.71, session_id=SESSION, question=QUESTION),
        builder.quiz_result(learner, session_id=SESSION, correct=3, total=3, seconds=95.5, course=QUESTION),
        builder.quiz_result(learner, session_id=SESSION, correct=1, total=3, seconds=40),
        builder.course_event("registered", learner, course_id="infosec-basics", title="Information Security Basics"),
        builder.course_event("experienced", learner, course_id="infosec-basics", recommendation={"rank": 1, "reasons": ["gap"]}),
        builder.course_event("completed", learner, course_id="sql/advanced"),
        builder.rated(learner, turn_id="turn1", value="up"), builder.rated(learner, turn_id="turn1", value="down"),
        builder.rated(learner, turn_id="turn1", value="human"),
    ]


def test_every_statement_the_tutor_makes_is_valid_xapi_with_a_fixed_id_and_a_known_verb():
    made = every_kind(StatementBuilder(LrsSettings()))
    assert len({s["id"] for s in made}) == len(made)
    for statement in made:
        assert problems(statement) == [], statement
        assert statement["verb"]["id"] in VERBS.values()
        uuid.UUID(statement["id"])
    verbs = [s["verb"]["display"]["en-US"] for s in made]
    assert verbs == ["asked", "asked", "answered", "answered", "attempted", "progressed", "progressed", "passed", "failed",
                     "registered", "experienced", "completed", "rated", "rated", "rated"]


def test_the_learner_is_a_pseudonymous_account_by_default_and_their_words_stay_out():
    made = every_kind(StatementBuilder(LrsSettings()), learner="ana@example.com")
    text = str(made)
    assert "ana@example.com" not in text and "how do I report phishing" not in text and "no idea" not in text
    assert made[0]["actor"] == {"objectType": "Agent", "account": {"homePage": "https://tutor.invalid",
                                                                    "name": pseudonym("ana@example.com")}}
    assert made[2]["result"]["response"] == "1"  # a choice's index is no free text
    assert "response" not in made[3]["result"]


def test_the_company_identity_and_the_learners_words_when_configured():
    mbox = StatementBuilder(LrsSettings(actor="mbox", send_text=True))
    asked = mbox.asked("ana@example.com", "t", answered=True, text="how do I report phishing?")
    assert asked["actor"] == {"objectType": "Agent", "mbox": "mailto:ana@example.com"}
    assert asked["object"]["definition"]["name"] == {"en": "how do I report phishing?"}
    account = StatementBuilder(LrsSettings(actor="account", account_home_page="https://login.example.com"))
    assert account.actor("slack:T1:U1") == {"objectType": "Agent", "account": {"homePage": "https://login.example.com",
                                                                                "name": "slack:T1:U1"}}
    assert problems(mbox.asked("slack:T1:U1", "t", answered=True)) == ["actor.mbox: not a mailto: e-mail address"]


def test_the_context_ties_a_quiz_answer_to_its_quiz_course_and_registration():
    builder = StatementBuilder(LrsSettings(activity_base="https://tutor.example.com/"))
    item = builder.quiz_item("ana", question=QUESTION, session_id=SESSION, correct=True, skipped=False, score=0.9,
                             latency_ms=12500, hinted=False, response="1")
    assert item["object"]["id"] == "https://tutor.example.com/questions/infosec-q1"
    assert item["object"]["definition"]["correctResponsesPattern"] == ["1"]
    assert item["result"] == {"completion": True, "success": True, "duration": "PT12.5S", "response": "1",
                              "score": {"scaled": 0.9, "raw": 0.9, "min": 0, "max": 1},
                              "extensions": {"https://tutor.example.com/xapi/extensions/hinted": False}}
    context = item["context"]
    assert context["registration"] == str(uuid.UUID(SESSION))
    assert context["contextActivities"]["parent"][0]["id"] == f"https://tutor.example.com/quizzes/{SESSION}"
    assert context["contextActivities"]["grouping"][0]["id"] == "https://tutor.example.com/courses/infosec-basics"


@pytest.mark.parametrize("change, problem", [
    (lambda s: s.update(id="42"), "id: not a UUID"),
    (lambda s: s.pop("verb"), "verb: missing"),
    (lambda s: s["verb"].update(id="answered"), "verb.id: not an IRI"),
    (lambda s: s["object"].update(id="questions/q1"), "object.id: not an IRI"),
    (lambda s: s["actor"].update(mbox="mailto:ana@example.com"), "actor: needs exactly one of mbox, mbox_sha1sum, openid, account (has 2)"),
    (lambda s: s["actor"].pop("account"), "actor: needs exactly one of mbox, mbox_sha1sum, openid, account (has 0)"),
    (lambda s: s["actor"]["account"].update(homePage="tutor"), "actor.account.homePage: not an http(s) URL"),
    (lambda s: s["result"]["score"].update(scaled=1.5), "result.score.scaled: outside -1..1"),
    (lambda s: s["result"]["score"].update(raw=2), "result.score.raw: outside min..max"),
    (lambda s: s["result"]["score"].update(min=1), "result.score: min must be below max"),
    (lambda s: s["result"].update(duration="12 seconds"), "result.duration: not an ISO 8601 duration"),
    (lambda s: s["result"].update(success="yes"), "result.success: not true or false"),
    (lambda s: s.update(timestamp="2026-01-01 10:00"), "timestamp: not an ISO 8601 date and time with a time zone"),
    (lambda s: s.update(timestamp="2026-02-30T10:00:00Z"), "timestamp: not an ISO 8601 date and time with a time zone"),
    (lambda s: s["context"].update(registration="quiz-1"), "context.registration: not a UUID"),
    (lambda s: s["context"].update(language="English!"), "context.language: not a language tag"),
    (lambda s: s["context"].update(extensions={"hinted": True}), "context.extensions: key 'hinted' is not an IRI"),
    (lambda s: s["object"]["definition"].update(interactionType="multiple"), "object.definition.interactionType: not an xAPI interaction type"),
    (lambda s: s.update(mood="good"), "mood: not a statement property"),
])
def test_the_validator_names_what_xapi_forbids(change, problem):
    statement = StatementBuilder(LrsSettings()).quiz_item(
        "ana", question=QUESTION, session_id=SESSION, correct=True, skipped=False, score=1.0, latency_ms=100, hinted=False)
    assert problems(statement) == []
    change(statement)
    assert problems(statement) == [problem]


def test_statements_as_an_lrs_returns_them_pass_too():
    stored = {**StatementBuilder(LrsSettings()).rated("ana", turn_id="t", value="up"), "stored": "2026-12-02T07:33:29.861000+00:00",
              "authority": {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1:8100", "name": "tutor"}}}
    assert problems(stored) == []
    voiding = {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:admin@example.com"},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": {"objectType": "StatementRef", "id": stored["id"]}}
    assert problems(voiding) == []


def test_backoff_doubles_up_to_its_bound_with_a_little_jitter():
    assert [backoff(n, 1.0, 10.0, jitter=lambda: 0.0) for n in (1, 2, 3, 4, 5, 9)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff(3, 1.0, 10.0, jitter=lambda: 1.0) == 3.0


@pytest.mark.parametrize("lines, words", [
    ("lrs:\n  endpoint: 127.0.0.1:8100\n", "lrs.endpoint must be an http(s) URL"),
    ("lrs:\n  actor: email\n", "lrs.actor"),
    ("lrs:\n  actor: account\n", "needs lrs.account_home_page"),
    ("lrs:\n  backoff_min_s: 60\n  backoff_max_s: 5\n", "backoff_min_s must not exceed"),
    ("lrs:\n  batch_size: 0\n", "lrs.batch_size"),
    ("lrs:\n  activity_base: tutor\n", "lrs.activity_base must be an http(s) URL"),
])
def test_bad_lrs_settings_are_refused_with_the_key_and_why(tmp_path, lines, words):
    (tmp_path / "tutor.yml").write_text(lines)
    with pytest.raises(SettingsError, match=re.escape(words)):
        load_settings(tmp_path / "tutor.yml", environ={})
