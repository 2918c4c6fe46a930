"""WordNet synonyms in free-text grading: words said in other words count, negations and other amounts of them
still do not, bare terms are not swapped for near-synonyms, and missing data only turns synonyms off."""
import logging

import pytest

from assessment import Grader
from assessment.synonyms import WordNet, wordnet

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def grader(real_embedder):
    return Grader(real_embedder, threshold=0.75)


def test_the_installed_wordnet_is_found():
    assert wordnet().available


@pytest.mark.parametrize("word, synonym", [
    ("immediately", ("r", ("right", "away"))), ("immediately", ("r", ("at", "once"))),
    ("right away", ("r", ("immediately",))),
    # WordNet 3.0 does not list "lose" with the verb "forfeit"; "forfeited" is a satellite of the adjective "lost"
    ("forfeited", ("a", ("lost",))), ("forfeit", ("a", ("lost",))),
])
def test_synonyms_from_wordnet(word, synonym):
    assert synonym in wordnet().synonyms(word)


def test_inflections_come_back_to_their_lemma():
    net = wordnet()
    assert net.base_forms("lost", "v") == ("lose",)
    assert "forfeit" in net.base_forms("forfeited", "v")
    assert net.base_forms("paid", "v") == ("pay",)


def test_very_polysemous_and_function_words_have_no_synonyms():
    net = wordnet()
    assert net.synonyms("get", "v") == frozenset() and net.synonyms("take", "v") == frozenset()  # dozens of senses
    assert net.synonyms("can") == frozenset() and net.synonyms("in") == frozenset()  # "fire", "inch"


def test_a_phrase_in_other_words_is_put_as_the_reference_says_it(grader):
    assert grader.reworded("tell the security team right away", "report it to the security team immediately") == \
        "tell the security team immediately"
    assert grader.reworded("it's lost", "it is forfeited") == "it's forfeited"
    assert grader.reworded("report it later", "report it immediately") == ""


@pytest.mark.parametrize("reply, reference", [
    ("it's lost", "it is forfeited"),
    ("report it to security at once", "report it to the security team immediately"),
])
def test_a_paraphrase_with_synonyms_is_accepted_and_was_not_without(grader, reply, reference):
    assert grader.grade_text(reply, reference).correct
    assert not Grader(grader.embedder, synonyms=False).grade_text(reply, reference).correct


@pytest.mark.parametrize("reply, reference, reason", [
    ("it is not lost", "it is forfeited", "the reference is negated"),
    ("it isn't lost", "it is forfeited", "the reference is negated"),
    ("it's lost after two years", "it is forfeited after one year", "a different amount"),
])
def test_a_synonym_negated_or_with_another_amount_is_still_wrong(grader, reply, reference, reason):
    grade = grader.grade_text(reply, reference)
    assert not grade.correct and grade.reason == reason


@pytest.mark.parametrize("reply, reference", [("plasticity", "malleability"), ("caloric energy", "thermal energy")])
def test_a_bare_term_is_not_swapped_for_a_near_synonym(grader, reply, reference):
    """SciQ's distractors include WordNet synonyms of the key term; a question asking for a term wants it."""
    assert grader.reworded(reply, reference) == ""
    assert not grader.grade_text(reply, reference).correct


def test_missing_wordnet_data_turns_synonyms_off_with_a_warning(tmp_path, real_embedder, caplog):
    net = WordNet(root=tmp_path / "no-wordnet")
    with caplog.at_level(logging.WARNING, logger="assessment.synonyms"):
        assert not net.available
    assert "without synonyms" in caplog.text
    assert net.synonyms("immediately") == frozenset() and net.base_forms("lost", "v") == ()
    without = Grader(real_embedder, synonyms=net)
    assert without.reworded("it's lost", "it is forfeited") == ""
    assert not without.grade_text("it's lost", "it is forfeited").correct
    assert without.grade_text("it is forfeited", "it is forfeited").correct
