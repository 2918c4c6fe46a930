"""Reading a message against the last answer, and choosing the sentences an answer is made of."""
from __future__ import annotations

import numpy as np
import pytest

from retrieval import AnswerContext
from retrieval.chunking import Chunk
from retrieval.followup import resolve
from retrieval.operations import further, plainer, section_operation
from retrieval.reading import Sentence, lead_and_support
from retrieval.search import Hit

CONTEXT = AnswerContext("How many weeks of parental leave do employees get?", "benefits/leave", "Parental leave",
                        ["Employees get 12 weeks of paid parental leave."])


@pytest.mark.parametrize("message", [
    "What is the per diem for a trip to Canada?",
    "How do I report a phishing email?",
    "Can I expense a $40 lunch when travelling for work?",
    "give me an example of a phishing email",
    "Explain the difference between WHERE and HAVING",
])
def test_a_standalone_question_is_not_disturbed_by_history(message):
    resolved = resolve(message, CONTEXT)
    assert resolved.kind == "question" and not resolved.contextual
    assert resolved.question == message and resolved.query == message


@pytest.mark.parametrize("message, own", [
    ("how long does it last?", "last"), ("and for contractors?", "contractors"),
    ("what about part-time staff?", "part-time staff"), ("who approves it?", "approves"),
    ("Does that apply to interns?", "interns"), ("And during the probation period?", "probation period"),
    ("is it paid?", "paid"),
])
def test_a_question_that_leans_on_the_last_one_is_read_with_it(message, own):
    resolved = resolve(message, CONTEXT)
    assert resolved.kind == "question" and resolved.contextual
    assert "parental" in resolved.query.lower() and own in resolved.query
    assert "parental" in resolved.question.lower() and own in resolved.question
    assert resolved.prefer == ("benefits/leave", "Parental leave")


_KIN = {"mexico": "country", "canada": "country", "phone": "device", "laptop": "device", "work laptop": "device"}


def _nearest_by_kind(phrase, candidates):
    """A stand-in for the embedding's cosines that a reader can check: 1 for phrases of the same kind."""
    kind = _KIN.get(phrase.lower())
    return [1.0 if kind and _KIN.get(c.lower()) == kind else 0.0 for c in candidates]


@pytest.mark.parametrize("previous, message, query", [
    ("How much annual leave do I earn per pay period?", "And sick leave?", "How much sick leave do I earn per pay period?"),
    ("What is the per diem for a trip to Canada?", "And for Mexico?", "What is the per diem for a trip to Mexico?"),
    ("When should my work laptop arrive?", "What about my phone?", "When should my work phone arrive?"),
    ("What is the deadline for the travel voucher?", "And for the local voucher?",
     "What is the deadline for the local voucher?"),
])
def test_what_about_x_searches_the_previous_question_with_x_in_place(previous, message, query):
    resolved = resolve(message, AnswerContext(previous, "c", "s"), _nearest_by_kind)
    assert resolved.query == query
    assert resolved.question == query  # read as asked about the new thing, not with the first question's words
    assert not resolved.stay  # the new thing may be in another section than the last answer's
    assert resolved.thing and resolved.thing.lower() in query.lower()  # what names that section


def test_a_condition_names_no_new_thing():
    context = AnswerContext("How many hours of advanced sick leave can I request?", "c", "s")
    assert resolve("And if I'm a term employee?", context, _nearest_by_kind).thing == ""


def test_a_condition_keeps_the_last_answers_section_first():
    context = AnswerContext("How many hours of advanced sick leave can I request?", "c", "s")
    assert resolve("What if I'm a term employee?", context, _nearest_by_kind).stay
    assert resolve("How long does it last?", context, _nearest_by_kind).stay


def test_a_condition_is_added_to_the_previous_question():
    context = AnswerContext("How many hours of advanced sick leave can I request?", "c", "s")
    resolved = resolve("What about if I'm a term employee?", context, _nearest_by_kind)
    assert resolved.question == resolved.query == "How many hours of advanced sick leave can I request if I'm a term employee?"
    resolved = resolve("What if I work part-time?", context)
    assert resolved.question == "How many hours of advanced sick leave can I request if I work part-time?"


def test_a_second_sentence_with_a_pronoun_is_asked_about_the_new_thing():
    context = AnswerContext("When will the performance awards be issued?", "c", "s")
    resolved = resolve("What about the mid-year self-assessment? When is that due?", context)
    assert resolved.question == "When is the mid-year self-assessment due?"


@pytest.mark.parametrize("message, kind", [
    ("tell me more", "more"), ("More please", "more"), ("can you elaborate?", "more"), ("go on", "more"),
    ("simpler please", "simpler"), ("say that in simpler words", "simpler"), ("I don't understand", "simpler"),
    ("explain it like I'm five", "simpler"), ("give me an example", "example"), ("for instance?", "example"),
    ("Can you show me an example?", "example"),
])
def test_operations_on_the_last_answer(message, kind):
    resolved = resolve(message, CONTEXT)
    assert resolved.kind == kind and resolved.question == CONTEXT.question


def test_without_a_conversation_every_message_is_a_plain_question():
    for message in ("tell me more", "how long does it last?", "and for contractors?"):
        resolved = resolve(message, None)
        assert resolved.kind == "question" and not resolved.contextual and resolved.query == message


@pytest.mark.parametrize("data", [None, "text", 3, {}, {"question": ""}, {"question": 5}, ["question"]])
def test_a_context_the_tutor_did_not_write_is_ignored(data):
    assert AnswerContext.from_dict(data) is None


def test_a_context_round_trips_and_is_bounded():
    data = {**CONTEXT.to_dict(), "shown": ["x" * 5000] * 50}
    back = AnswerContext.from_dict(data)
    assert back.question == CONTEXT.question and len(back.shown) == 20 and len(back.shown[0]) == 2000


def _sentences(section: str, texts: list[str], course: str = "c", position: int = 0) -> list[Sentence]:
    chunk = Chunk("id-" + section + str(position), course, "Course", section, " ".join(texts), "c.md", "", position)
    hit = Hit(chunk, 0.5, 0.01, 0)
    return [Sentence(t, hit, i) for i, t in enumerate(texts)]


def test_supporting_sentences_come_only_from_the_leading_sentences_section():
    a = _sentences("Premiums > Weekends", ["Weekend work earns a 25 % premium.", "It is paid monthly."])
    b = _sentences("Premiums > Nights", ["Night work earns a 15 % premium."], position=1)
    for s, p in zip([a[0], b[0], a[1]], [0.9, 0.85, 0.6]):
        s.probability = p
    chosen = lead_and_support([a[0], b[0], a[1]], 3, reader_used=True)
    assert [s.text for s in chosen] == ["Weekend work earns a 25 % premium.", "It is paid monthly."]


def test_a_supporting_sentence_must_itself_be_read_as_relevant():
    a = _sentences("S", ["The answer is 6 weeks.", "Unrelated remark about parking."])
    a[0].probability, a[1].probability = 0.9, 0.05
    assert [s.text for s in lead_and_support(a, 3, reader_used=True)] == ["The answer is 6 weeks."]


def test_more_continues_after_what_was_shown():
    s = _sentences("S", ["First.", "Second one.", "Third one.", "Fourth one."])
    assert [x.text for x in further(s, ["Second one."], 2)] == ["Third one.", "Fourth one."]
    assert [x.text for x in further(s, ["Third one.", "Fourth one."], 3)] == ["First.", "Second one."]
    assert further(s, [x.text for x in s], 3) == []


class ShortIsBetter:
    """A stand-in reader: every sentence that mentions leave is relevant."""

    def score(self, question, passages):
        return np.array([0.9 if "leave" in p.lower() else 0.01 for p in passages])


def test_simpler_picks_short_relevant_sentences():
    long = ("Parental leave, which under the policy adopted after the consultation with staff representatives "
            "applies to every employee regardless of grade, lasts twelve weeks and must be requested in advance.")
    s = _sentences("S", [long, "Parental leave lasts 12 weeks.", "The canteen opens at noon."])
    chosen = plainer(s, CONTEXT, ShortIsBetter())
    assert [x.text for x in chosen] == ["Parental leave lasts 12 weeks."]


def test_an_example_is_only_given_when_the_section_has_one():
    s = _sentences("S", ["Leave lasts 12 weeks.", "For example, a parent of twins gets the same 12 weeks."])
    got = section_operation("example", CONTEXT, s, None, 3)
    assert [x.text for x in got] == ["For example, a parent of twins gets the same 12 weeks."]
    assert section_operation("example", CONTEXT, s[:1], None, 3) == []


def _lines(section: str, lines: list[list[str]], position: int = 0) -> list[Sentence]:
    """Sentences of one passage written as lines (paragraphs, list items, table rows) of sentences."""
    chunk = Chunk("id-" + section + str(position), "c", "Course", section, "  \n".join(" ".join(l) for l in lines),
                  "c.md", "", position)
    hit = Hit(chunk, 0.5, 0.01, 0)
    return [Sentence(t, hit, i) for i, t in enumerate(t for line in lines for t in line)]


def test_an_example_that_opens_a_worked_example_goes_on_with_it():
    s = _lines("S", [["Leave is earned back by the end of the year."],
                     ["For example: it is June and 14 pay periods are left.", "You earn 4 hours per pay period.",
                      "You will earn 56 more hours.", "So you can take up to 56 hours in advance."],
                     ["Other leave follows other rules."]])
    got = section_operation("example", CONTEXT, s, None, 3)
    assert [x.text for x in got] == [s[1].text, s[2].text, s[3].text, s[4].text]  # the whole paragraph, to its result
    listed = _sentences("S", ["Here are some examples of sensitive information:", "passwords", "API keys"])
    assert [x.text for x in section_operation("example", CONTEXT, listed, None, 3)] == [
        "Here are some examples of sensitive information:", "passwords", "API keys"]


def test_the_example_after_what_was_shown_is_the_one_for_it():
    s = _lines("Schedules", [["Variable day: you choose when each day starts."],
                             ["For example: you begin between 7 and 10 every day."],
                             ["Variable week: days and weeks may be longer or shorter."],
                             ["For example: Monday — Hours: 5; Day: Monday; Hours: 10."],
                             ["Tuesday — Hours: 9; Day: Tuesday; Hours: 10."],
                             ["Week 1 Total — Hours: 37; Day: Week 2 Total; Hours: 43."],
                             ["Maxiflex: fewer than 10 days a pay period."]])
    context = AnswerContext("What is a variable week?", "c", "Schedules", [s[2].text])
    got = [x.text for x in section_operation("example", context, s, None, 3)]
    assert got == [s[3].text, s[4].text, s[5].text]  # the table's rows to its total, not the next section's text
    context.shown = [s[0].text]
    assert [x.text for x in section_operation("example", context, s, None, 3)] == [s[1].text]


def test_an_acronym_is_not_a_pronoun():
    assert not resolve("What are the IT Service Desk's hours?", CONTEXT).contextual
    assert not resolve("Is there an on-site daycare at headquarters?", CONTEXT).contextual
    assert resolve("Is it paid?", CONTEXT).contextual


def test_a_condition_is_kept_as_asked():
    context = AnswerContext("What should I do if I get a phishing email?", "c", "s")
    assert resolve("And what if I already clicked the link?", context).condition == "And what if I already clicked the link?"
    assert resolve("And sick leave?", AnswerContext("How much annual leave do I earn?", "c", "s")).condition == ""


class _KeywordReader:
    """Reads a passage as answering when it holds the question's last word (a stand-in for the cross-encoder)."""

    def score(self, question, passages, evidence=None):
        word = question.rstrip("?").split()[-1].lower()
        return np.array([0.9 if word in p.lower() else 0.1 for p in passages])


def test_a_condition_decides_between_sentences_read_about_as_well():
    from retrieval.reading import condition_first

    s = _sentences("How to report", ["Do not open attachments or reply.", "If you already clicked the link, change your password."])
    s[0].probability, s[1].probability = 0.48, 0.47
    led = condition_first("what if I already clicked the link?", s, _KeywordReader(), margin=0.05)
    assert led[0].text.startswith("If you already clicked") and [x.probability for x in led] == [0.47, 0.48]


def test_a_condition_does_not_overturn_a_clear_reading():
    from retrieval.reading import condition_first

    s = _sentences("How to report", ["Do not open attachments or reply.", "If you already clicked the link, change your password."])
    s[0].probability, s[1].probability = 0.8, 0.4
    assert condition_first("what if I already clicked the link?", s, _KeywordReader(), margin=0.05) == s
    assert condition_first("", s, _KeywordReader(), margin=1.0) == s
