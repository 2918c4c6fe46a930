"""What the reader reads of a sentence: acronyms a company's pages define, spelled out where the question uses the
words instead; links as their labels."""
import pytest

from retrieval.acronyms import definitions, spell_out, words_of

pytestmark = pytest.mark.unit

PAGES = [
    "Paid Parental Leave (PPL) gives 12 weeks of paid time off. You must use the PPL within a year of the birth.",
    "Ask the Office of the Chief Information Officer (OCIO) for access. Meals and Incidental Expenses (M&IE) are "
    "paid per day. Talk to the subject matter experts (SMEs) first.",
    "Disabled veteran leave (DVL) is 104 hours. A second page calls it Disabled Veteran Leave (DVL) too.",
    "The ratio (AB) is not a definition, nor is the Big Idea (XYZ), nor (Ok).",
]


def test_definitions_come_from_long_forms_whose_initials_spell_the_acronym():
    table = definitions(PAGES)
    assert table["PPL"] == "paid parental leave"
    assert table["OCIO"] == "office of the chief information officer"
    assert table["M&IE"] == "meals and incidental expenses"
    assert table["SME"] == "subject matter experts"
    assert table["DVL"] == "disabled veteran leave"
    assert not {"AB", "XYZ", "Ok"} & set(table)


def test_an_acronym_is_spelled_out_only_where_the_question_uses_its_words():
    table = definitions(PAGES)
    sentence = "You must use the PPL within a year of the birth; the PPL is paid."
    asked_in_words = words_of("How long after my child's birth do I have to use my paid parental leave?")
    assert spell_out(sentence, asked_in_words, table) == \
        "You must use the paid parental leave (PPL) within a year of the birth; the PPL is paid."
    assert spell_out(sentence, words_of("How long do I have to use my PPL?"), table) == sentence  # asked as PPL
    assert spell_out(sentence, words_of("When is the birth registered?"), table) == sentence  # not about it
    defined = "Paid Parental Leave (PPL) gives 12 weeks."
    assert spell_out(defined, asked_in_words, table) == defined  # already in words
    assert spell_out("The SMEPPL team", asked_in_words, table) == "The SMEPPL team"  # not a word of its own
    assert spell_out(sentence, asked_in_words, {}) == sentence


class RecordingReader:
    """Scores every pair 0.5 and keeps what it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[str]]] = []

    def score(self, question, passages, evidence=None):
        import numpy as np

        self.seen.append((question, list(passages)))
        return np.full(len(passages), 0.5)


def test_the_reader_reads_the_spelled_out_sentence_and_the_answer_quotes_the_original():
    from retrieval.chunking import Chunk
    from retrieval.reading import Sentence, read
    from retrieval.search import Hit

    chunk = Chunk("c1", "leave", "Leave", "About PPL", "You must use the PPL within a year.", "leave.md", "", 0)
    sentence = Sentence("You must use the PPL within a year.", Hit(chunk, 0.6, 0.03, 0), 0)
    reader = RecordingReader()
    ranked = read("When must I use my paid parental leave?", [sentence], reader, 8, definitions(PAGES))
    assert reader.seen[0][1] == ["About PPL: You must use the paid parental leave (PPL) within a year."]
    assert ranked[0].text == "You must use the PPL within a year." and ranked[0].probability == 0.5


def test_the_reader_reads_link_labels_not_addresses():
    from retrieval.chunking import Chunk
    from retrieval.reading import Sentence, read
    from retrieval.search import Hit

    url = "https://docs.google.com/document/d/" + "x" * 80 + "/edit"
    text = f"Your [HR Specialist]({url}) will notify you if your request is approved (within 10 business days)."
    chunk = Chunk("c2", "vltp", "VLTP", "Enrolling", text, "vltp.md", "", 0)
    reader = RecordingReader()
    ranked = read("How long until I hear back?", [Sentence(text, Hit(chunk, 0.6, 0.03, 0), 0)], reader, 8)
    assert reader.seen[0][1] == ["Enrolling: Your HR Specialist will notify you if your request is approved (within 10 business days)."]
    assert ranked[0].text == text  # quoted with its link


def test_a_line_that_is_only_a_link_never_leads_when_a_sentence_that_states_something_was_read():
    from retrieval.chunking import Chunk
    from retrieval.reading import Sentence, statement_first
    from retrieval.search import Hit

    chunk = Chunk("c3", "card", "Travel card", "", "", "card.md", "", 0)
    link = Sentence("[Instructions for applying for a GSA Travel Card](https://insite.gsa.gov/card)", Hit(chunk, 0.5, 0.03, 0), 0)
    statement = Sentence("A GSA travel card will help you pay for lodging and taxis on your trip.", Hit(chunk, 0.5, 0.03, 0), 1)
    link.probability, statement.probability = 0.62, 0.55
    assert statement_first([link, statement]) == [statement, link]
    assert statement_first([statement, link]) == [statement, link]
    unread = Sentence("Keep every receipt.", Hit(chunk, 0.5, 0.03, 0), 2)
    assert statement_first([link, unread]) == [link, unread]  # nothing else was read: the link stays
    worded = Sentence("See the [card page](https://insite.gsa.gov/card) for the rules on cash advances.", Hit(chunk, 0.5, 0.03, 0), 3)
    worded.probability = 0.7
    assert statement_first([worded, statement]) == [worded, statement]
