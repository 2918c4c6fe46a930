"""The 18F handbook question set: schema and counts always; gold pages, facts and absent patterns against the
corpus when ../shared/corpora/18f-handbook (or $TUTOR_CORPORA/18f-handbook) is present."""
import pytest

from eval.handbook.questions import (
    KINDS, MINIMUMS, corpus_dir, corpus_problems, fact_hits, load_handbook_set, main, normalise, schema_problems,
    section_texts,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def hset():
    return load_handbook_set()


def test_schema_and_counts(hset):
    assert schema_problems(hset) == []
    assert hset.corpus == "18f-handbook" and hset.version == 1
    assert len(hset.covered) >= MINIMUMS["covered"] and len(hset.covered_pages()) >= MINIMUMS["covered_pages"]
    styles = [c.style for c in hset.covered]
    assert styles.count("literal") == styles.count("paraphrased")
    assert len(hset.conversations) >= MINIMUMS["conversations"] and len(hset.uncovered) >= MINIMUMS["uncovered"]
    kinds = [conv.turns[1].kind for conv in hset.conversations]
    assert set(kinds) == set(KINDS)
    assert kinds.count("more") >= 4 and kinds.count("simpler") >= 3 and kinds.count("example") >= 3
    assert all(u.checked_absent for u in hset.uncovered)


def test_schema_problems_are_reported(hset):
    broken = load_handbook_set()
    broken.covered[0].style = "casual"
    broken.conversations[0].turns[1].kind = "sideways"
    broken.uncovered = broken.uncovered[:3]
    problems = schema_problems(broken)
    assert any("style 'casual'" in p for p in problems)
    assert any("kind 'sideways'" in p for p in problems)
    assert any(p.startswith("uncovered: 3 <") for p in problems)


def test_fact_hits_normalises_both_sides():
    facts = [["$3,000", "three thousand"], ["Six free sessions"], ["don't"], ["absent"]]
    answer = "The cap is $3000.\nYou get  **six   FREE sessions**; you don\u2019t pay."
    assert fact_hits(answer, facts) == (3, 4)
    assert fact_hits("", []) == (0, 0)
    assert normalise("\u201cA\u201d  1,234,567 \n B") == '"a" 1234567 b'


def test_section_texts():
    page = "---\ntitle: T\n---\nintro\n## One\na\n### Sub\nb\n```\n# not a heading\n```\n## Two\nc\n## One\nd\n"
    assert section_texts(page, "") == ["intro"]
    assert section_texts(page, "One") == ["## One\na\n### Sub\nb\n```\n# not a heading\n```", "## One\nd"]
    assert section_texts(page, "Sub") == ["### Sub\nb\n```\n# not a heading\n```"]
    assert section_texts(page, "Missing") == []


def test_gold_pages_facts_and_absent_patterns_against_the_corpus(hset):
    root = corpus_dir()
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    assert corpus_problems(hset, root) == []


def test_check_command(capsys):
    if not corpus_dir().is_dir():
        pytest.skip(f"{corpus_dir()} not present")
    assert main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "all checks passed" in out and "covered:" in out
