"""Question forms beyond the cloze: "Which of these is NOT allowed?" from a not-allowed list and the allowed list
it pairs with, and true/false on a rule sentence whose false version changes one amount and nothing else."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessment import Question, check_question, generate_questions
from assessment.key_facts import Fact
from assessment.question_forms import FALSE, TRUE, false_statement, form_of, swapped_amount, true_false_question
from assessment.rule_lists import classify_lead, rule_lists

pytestmark = pytest.mark.unit

LAPTOP = """Using your government laptop for personal things is fine within limits.

OK:
- Reading the news on your lunch break
- Joining a video call with a vendor from your desk
- Printing your own benefits forms

Not OK:
- Installing **personal** file-sharing software
- Running a side business from your work email
- Streaming video games during [work hours](https://intranet.example.com/hours)
"""
ALLOWED_ON_LAPTOP = {"Reading the news on your lunch break", "Joining a video call with a vendor from your desk",
                     "Printing your own benefits forms"}
NOT_OK_ON_LAPTOP = {"Installing personal file-sharing software", "Running a side business from your work email"}

GIFTS = """Federal employees must be careful with gifts from people who do business with the agency.

Not OK:
- Accepting tickets to a sporting event from a vendor
- Accepting a gift card of any value from a contractor
"""

BILLABLE = """You must bill all time that is a direct cost to a project. This includes:
- Client meetings
- Project team stand-ups
- Travel to client meetings
- Time reading emails about a project
- Conferences that are in service of project work
"""
NONBILLABLE = """You must not bill for the following activities because these are indirect costs:
- Performance reviews
- New hire onboarding
- Internal town halls
- Conferences that are not in service of project work
- Business development for new projects (developing a continuation plan is okay to bill)
"""
BILLABLE_ITEMS = {"Client meetings", "Project team stand-ups", "Travel to client meetings",
                  "Time reading emails about a project", "Conferences that are in service of project work"}

COURSE = {"course_id": "policy", "title": "Policy", "metadata": {}}


def chunk(chunk_id: str, text: str, section: str) -> SimpleNamespace:
    return SimpleNamespace(chunk_id=chunk_id, course_id="policy", section=section, text=text, url="")


def not_allowed(questions) -> list:
    return [q for q in questions if form_of(q) == "not_allowed"]


def test_an_ok_and_not_ok_pair_asks_which_is_not_ok_with_the_key_from_the_not_ok_list():
    kept, _ = generate_questions(COURSE, [chunk("c1", LAPTOP, "Using your government laptop")], [], None, per_chunk=2)
    [q] = not_allowed(kept)
    assert q.prompt == "Using your government laptop: which of these is NOT OK?"
    assert q.answer in NOT_OK_ON_LAPTOP and q.kind == "mcq"
    assert set(q.options) - {q.answer} <= ALLOWED_ON_LAPTOP and len(q.options) == 4
    assert not any("**" in o or "](" in o or "http" in o for o in q.options)  # the item with a link is never an option
    assert check_question(q, LAPTOP) == []


def test_a_not_ok_list_with_no_allowed_list_gives_no_question_from_it():
    kept, _ = generate_questions(COURSE, [chunk("g1", GIFTS, "Gifts")], [], None, per_chunk=2)
    assert not_allowed(kept) == []
    assert not any("ticket" in q.prompt.lower() or "gift card" in q.prompt.lower() for q in kept)


def test_an_allowed_list_in_a_sibling_section_pairs_by_its_rule_and_is_worded_from_its_lead():
    chunks = [chunk("b1", BILLABLE, "Billing > Billable time"), chunk("b2", NONBILLABLE, "Billing > Nonbillable time")]
    kept, _ = generate_questions(COURSE, chunks, [], None, per_chunk=2)
    [q] = not_allowed(kept)
    assert q.prompt == "Which of these must you NOT bill for?" and q.source_chunk == "b2"
    assert q.answer in {"Performance reviews", "New hire onboarding", "Internal town halls"}
    assert set(q.options) - {q.answer} <= BILLABLE_ITEMS


def test_headings_that_mirror_each_other_pair_and_the_prompt_names_what_they_are_about():
    chunks = [chunk("d", "- Checking personal email on a break\n- Printing your own benefits forms\n"
                         "- Joining a video call with family at lunch\n", "Laptops > Acceptable use"),
              chunk("e", "- Installing unapproved software\n- Mining cryptocurrency\n- Posting in #random all day\n",
                    "Laptops > Unacceptable use")]
    [q] = not_allowed(generate_questions(COURSE, chunks, [], None, per_chunk=2)[0])
    assert q.prompt == "Laptops: which of these is NOT allowed?" and q.source_chunk == "e"
    assert q.answer in {"Installing unapproved software", "Mining cryptocurrency"}  # a channel name is markup


@pytest.mark.parametrize("seed", range(12))
def test_nothing_allowed_is_ever_keyed_as_not_allowed(seed):
    chunks = [chunk("b1", BILLABLE, "Billing > Billable time"), chunk("b2", NONBILLABLE, "Billing > Nonbillable time")]
    for q in not_allowed(generate_questions(COURSE, chunks, [], None, per_chunk=2, seed=seed)[0]):
        assert q.answer not in BILLABLE_ITEMS
        # Near twins across the lists ("... in service" / "... not in service") and an item carrying its own
        # exception ("... is okay to bill") are never offered at all.
        assert not any("Conferences" in o or "Business development" in o for o in q.options)


@pytest.mark.parametrize("lead", ["To avoid delays, you should:", "You do not need a meeting when:",
                                  "Responsibilities may include but are not limited to:"])
def test_a_lead_that_only_mentions_a_prohibition_is_not_a_not_allowed_list(lead):
    rule = classify_lead(lead)
    assert rule is None or not rule.negative


def test_this_includes_after_a_prohibition_does_not_make_its_list_prohibited():
    text = ("Don't say something on Slack that you wouldn't want to see on the news. This includes:\n"
            "- File uploads to Slack\n- Channel names\n- Custom emoji\n")
    assert rule_lists(text, "Records") == []


def test_a_flattened_nested_list_is_left_alone():
    text = ("Do not post the following:\n- Personal information such as:\n- home addresses,\n- phone numbers,\n"
            "- Photos of the office\n")
    assert rule_lists(text, "Posting") == []


RULES = [
    ("You can carry over up to 240 hours of annual leave into the next leave year.", "240 hours", "480 hours"),
    ("Employees must submit expense claims within 30 days of the end of their trip.", "30 days", "15 days"),
    ("Employees must give at least 2 weeks of notice before they leave the agency.", "2 weeks", "4 weeks"),
    ("You can take up to 6 weeks of paid parental leave after the birth or adoption of a child.", "6 weeks", "12 weeks"),
]


@pytest.mark.parametrize("sentence, term, swapped", RULES)
def test_a_false_statement_differs_only_by_the_amount_swapped_to_the_falsifying_side(sentence, term, swapped):
    false = false_statement(sentence, term, [])
    assert false == sentence.replace(term, swapped)
    assert swapped_amount(sentence, false) and not swapped_amount(sentence, sentence)


@pytest.mark.parametrize("sentence, term", [
    ("You must not work more than 40 hours in a week without approval from your supervisor.", "40 hours"),
    ("If you travel more than 50 miles, you must file a travel authorization first.", "50 miles"),
    ("Claims above $3,000 need the approval of the finance controller before payment.", "$3,000"),
    ("You may apply for telework once you have worked at least 3 months in the role.", "3 months"),
    ("Term appointments need to be renewed every two years or 3 years depending on the appointment.", "3 years"),
    ("If you need to purchase more expensive software, see procurements over $10,000.", "$10,000"),
])
def test_no_statement_where_a_swapped_amount_might_still_be_true(sentence, term):
    assert false_statement(sentence, term, []) is None


def test_true_and_false_statements_are_both_made_and_checked():
    sentence, term, _ = RULES[0]
    fact = Fact(term, sentence, "quantity", 1.0)
    made = [true_false_question(fact, [], seed) for seed in "abcdefgh"]
    assert {d.answer for d in made} == {TRUE, FALSE}
    for draft in made:
        statement = draft.prompt.removeprefix("True or false: ")
        assert draft.options == [TRUE, FALSE] and draft.explanation == sentence
        assert statement == sentence if draft.answer == TRUE else swapped_amount(sentence, statement)


def test_a_passage_gets_a_cloze_first_and_a_true_false_second():
    text = ("You can carry over up to 240 hours of annual leave into the next leave year. "
            "Employees must submit expense claims within 30 days of the end of their trip.")
    kept, _ = generate_questions(COURSE, [chunk("l1", text, "Leave")], [], None, per_chunk=2)
    assert [form_of(q) for q in kept] == ["cloze", "true_false"]
    cloze, statement = kept
    assert cloze.explanation != statement.explanation  # never the sentence the cloze already quotes
    assert check_question(statement, text) == [] and statement.quality is not None


def test_overlapping_passages_make_a_sentence_into_a_statement_once():
    text = ("You can carry over up to 240 hours of annual leave into the next leave year. "
            "Employees must submit expense claims within 30 days of the end of their trip.")
    kept, _ = generate_questions(COURSE, [chunk("o1", text, "Leave"), chunk("o2", text, "Leave")], [], None, per_chunk=2)
    statements = [q.explanation for q in kept if form_of(q) == "true_false"]
    assert len(statements) == len(set(statements)) == 1


def test_check_question_rejects_a_statement_with_more_than_the_amount_changed():
    sentence = RULES[1][0]
    q = Question("q", "policy", "Policy", "s", "mcq", "True or false: " + sentence.replace("30 days", "15 days"), FALSE,
                 [TRUE, FALSE], explanation=sentence, origin="generated")
    assert check_question(q, sentence) == []
    q.prompt = q.prompt.replace("trip", "visit")
    assert "a false statement differs from its source by more than one amount" in check_question(q, sentence)
    q.answer, q.prompt = TRUE, "True or false: " + sentence.replace("30 days", "15 days")
    assert "a true statement differs from its source" in check_question(q, sentence)
