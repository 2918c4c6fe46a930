"""Conversations through the REST channel: follow-ups read against the previous answer, operations on it
("simpler", "tell me more"), and near-topic questions the courses do not answer."""
import pytest

pytestmark = pytest.mark.integration

SAR = "How long do we have to respond to a subject access request?"
SAR_SECTION = "Data subject rights and requests"


def test_answer_leads_with_the_sentence_that_answers(learner):
    payload = learner.answer_payload(learner.say(SAR))
    assert payload and not payload["abstained"]
    assert "one month" in payload["lead"].lower()
    assert payload["text"].startswith(payload["lead"])
    assert len(payload["quotes"]) <= 2
    assert {c["section"] for c in payload["citations"]} == {SAR_SECTION}


def test_a_follow_up_that_needs_the_first_turn_gets_its_section(learner):
    learner.answer_payload(learner.say(SAR))
    payload = learner.answer_payload(learner.say("who should I forward it to?"))
    assert payload and not payload["abstained"], payload
    assert payload["citations"][0]["section"] == SAR_SECTION
    assert "privacy@example.com" in payload["text"]


def test_the_same_words_without_the_first_turn_are_a_new_question(learner):
    payload = learner.answer_payload(learner.say("who should I forward it to?"))
    assert payload is None or payload["abstained"] or payload["citations"][0]["section"] != SAR_SECTION


def test_simpler_and_more_work_on_the_last_answer(learner):
    first = learner.answer_payload(learner.say(SAR))
    simpler = learner.answer_payload(learner.say("can you say that in simpler words?"))
    assert simpler and not simpler["abstained"] and simpler["operation"] == "simpler"
    assert simpler["citations"][0]["section"] == SAR_SECTION
    assert simpler["text"].startswith("In short:")
    more = learner.answer_payload(learner.say("tell me more"))
    assert more and more["operation"] == "more" and more["citations"][0]["section"] == SAR_SECTION
    shown = {first["lead"], *first["quotes"], simpler["lead"], *simpler["quotes"]}
    assert more["lead"] not in shown


def test_a_near_topic_question_the_courses_do_not_answer_is_declined(learner):
    payload = learner.answer_payload(learner.say("How many vacation days do I get per year?"))
    assert payload and payload["abstained"], payload
    assert not payload["citations"]


def test_a_new_question_after_a_follow_up_is_answered_on_its_own(learner):
    learner.say(SAR)
    learner.say("who should I forward it to?")
    payload = learner.answer_payload(learner.say("What does SBI stand for?"))
    assert payload and not payload["abstained"]
    assert payload["citations"][0]["course_id"] == "giving-feedback"
