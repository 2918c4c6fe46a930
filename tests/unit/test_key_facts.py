"""What generated questions ask about: the facts of a passage, from clean sentences, never from a prohibition list."""
import pytest

from assessment import generate_questions
from assessment.key_facts import key_facts, plain_sentences, quantity_distractors, quantity_of

pytestmark = pytest.mark.unit

HANDBOOK = """You can take up to **6 weeks** of paid parental leave after the birth or adoption of a child.
Claims above $3,000 need the approval of the [finance controller](https://intranet.example.com/finance) before payment.
Every employee must renew their security clearance every three years with the security office.

Not OK:
- Be aggressive in marketing your availability for side work to other agencies.
- Use your government email address for any political campaign activity.

| Level | Salary |
|---|---|
| Junior | 50,000 |
"""


def test_amounts_durations_and_frequencies_come_first():
    facts = key_facts(HANDBOOK)
    assert {f.term for f in facts if f.kind == "quantity"} >= {"6 weeks", "$3,000", "every three years"}
    assert facts[0].kind == "quantity"


def test_no_sentence_from_a_prohibition_list_a_table_or_a_link_address():
    sentences = list(plain_sentences(HANDBOOK))
    assert not any("aggressive" in s or "campaign" in s for s in sentences)  # "Not OK:" items state the opposite
    assert not any("Junior" in s or "|" in s for s in sentences)
    assert any("finance controller before payment" in s for s in sentences)  # a link keeps its words
    assert not any("http" in s or "**" in s for s in sentences)
    assert list(plain_sentences("You must never share your password with anyone at all.", "Don't")) == []


def test_hard_wrapped_paragraphs_are_read_as_whole_sentences():
    text = "Weather and Safety Leave does not count against\nany of your other leave balances at all.\n"
    assert list(plain_sentences(text)) == ["Weather and Safety Leave does not count against any of your other leave balances at all."]


def test_a_defined_term_is_a_fact():
    facts = key_facts("A wetland is an area of land that is wet for all or part of the year and holds water plants.")
    assert facts[0].term == "wetland" and facts[0].kind == "defined"


def test_quantity_distractors_keep_the_unit_and_the_way_it_is_written():
    assert quantity_of("$3,000") == (3000.0, "$") and quantity_of("6 weeks") == (6.0, "weeks")
    assert quantity_distractors("6 weeks", ["2 weeks", "10 weeks", "$40", "4 days"]) == ["2 weeks", "10 weeks", "12 weeks"]
    money = quantity_distractors("$3,000", [])
    assert len(money) == 3 and all(m.startswith("$") and m != "$3,000" for m in money)
    assert quantity_distractors("the finance controller", ["2 weeks"]) == []


def test_generated_questions_blank_the_fact_and_never_teach_a_prohibited_practice():
    from types import SimpleNamespace

    chunk = SimpleNamespace(chunk_id="c1", course_id="policy", section="Leave and claims", text=HANDBOOK, url="")
    kept, _ = generate_questions({"course_id": "policy", "title": "Policy", "metadata": {}}, [chunk], [], None, per_chunk=3)
    answers = {q.answer for q in kept}
    assert answers & {"6 weeks", "$3,000", "every three years"}
    for q in kept:
        assert "aggressive" not in q.prompt.lower() and "http" not in q.prompt and "**" not in q.prompt
        if q.answer == "6 weeks" and q.kind == "mcq":
            assert all(o.endswith("weeks") for o in q.options)
