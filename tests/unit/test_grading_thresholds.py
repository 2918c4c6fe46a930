"""A key that states something is graded against its own threshold; a key that names a term keeps SciQ's."""
import pytest

from assessment import AssessmentSettings, Grader
from assessment.grading import names_a_term

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("key, term", [("malleability", True), ("the nuclear fusion", True), ("Special Act Award", True),
                                       ("within one year", False), ("report it to the security team immediately", False),
                                       ("your supervisor", False)])
def test_which_keys_name_a_term(key, term):
    assert names_a_term(key) is term


def test_each_kind_of_key_meets_its_own_threshold(real_embedder):
    # Thresholds at the extremes: whatever the exact scores, only the statement's paraphrase can pass.
    grader = Grader(real_embedder, threshold=0.99, statement_threshold=0.0, synonyms=False)
    assert grader.grade_text("tell my boss about it", "inform your supervisor").correct
    assert not grader.grade_text("how plants make food from light", "photosynthesis").correct
    strict = Grader(real_embedder, threshold=0.0, statement_threshold=0.99, synonyms=False)
    assert not strict.grade_text("tell my boss about it", "inform your supervisor").correct
    assert strict.grade_text("how plants make food from light", "photosynthesis").correct


def test_checks_still_refuse_below_the_statement_threshold(real_embedder):
    grader = Grader(real_embedder, threshold=0.99, statement_threshold=0.0, synonyms=False)
    assert not grader.grade_text("it is not paid out", "it is paid out").correct  # negation
    assert not grader.grade_text("within two years", "within one year").correct  # another amount


def test_settings_build_the_grader_the_quiz_uses(real_embedder):
    settings = AssessmentSettings(grading_threshold=0.8, statement_grading_threshold=0.6, grading_synonyms=False)
    grader = Grader.from_settings(real_embedder, settings)
    assert (grader.threshold, grader.statement_threshold, grader.reworded("right away", "immediately")) == (0.8, 0.6, "")
    assert Grader(real_embedder).statement_threshold == Grader(real_embedder).threshold  # none given: one threshold
