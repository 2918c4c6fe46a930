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


@pytest.mark.parametrize("message", [
    "how long does it last?", "and for contractors?", "what about part-time staff?", "who approves it?",
    "Does that apply to interns?", "And during the probation period?", "is it paid?",
])
def test_a_question_that_leans_on_the_last_one_is_read_with_it(message):
    resolved = resolve(message, CONTEXT)
    assert resolved.kind == "question" and resolved.contextual
    assert "parental" in resolved.query.lower() and message in resolved.query
    assert resolved.prefer == ("benefits/leave", "Parental leave")


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


def test_an_acronym_is_not_a_pronoun():
    assert not resolve("What are the IT Service Desk's hours?", CONTEXT).contextual
    assert not resolve("Is there an on-site daycare at headquarters?", CONTEXT).contextual
    assert resolve("Is it paid?", CONTEXT).contextual
