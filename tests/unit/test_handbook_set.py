"""The 18F handbook question set and its Chinese versions: schema and counts always; gold pages, facts and absent
patterns against the corpus when ../shared/corpora/18f-handbook (or $TUTOR_CORPORA/18f-handbook) is present."""
import pytest

from eval.handbook.questions import (
    KINDS, MINIMUMS, MIRRORED_MINIMUMS, corpus_dir, corpus_problems, fact_hits, load_handbook_set, load_mirrored_set,
    main, mirrored_corpus_problems, mirrored_schema_problems, normalise, schema_problems, section_texts,
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
    assert "all checks passed" in out and "covered:" in out and "zh: " in out


# The Chinese versions (questions_zh.yaml): each mirrors a covered English question and keeps its gold.

@pytest.fixture(scope="module")
def zh():
    return load_mirrored_set()


def test_chinese_set_schema_and_counts(zh, hset):
    assert mirrored_schema_problems(zh, hset) == []
    assert zh.language == "zh" and len(zh.questions) >= MIRRORED_MINIMUMS["questions"]
    pairs = zh.pairs(hset)
    assert len(pairs) == len(zh.questions)
    assert all((q.gold_file, q.gold_section) == (c.gold_file, c.gold_section) for q, c in pairs)
    assert {c.style for _, c in pairs} == {"literal", "paraphrased"}


def test_chinese_set_problems_are_reported(hset):
    broken = load_mirrored_set()
    broken.questions[0].mirrors = "cov-999"
    broken.questions[1].gold_section = "Somewhere else"
    broken.questions[2].question = hset.covered[0].question
    broken.questions[3].id = broken.questions[4].id
    broken.questions[5].mirrors = broken.questions[6].mirrors
    broken.language = "en"
    problems = mirrored_schema_problems(broken, hset)
    assert any("'cov-999', which is not a covered question" in p for p in problems)
    assert any(p.startswith(f"{broken.questions[1].id}: gold ") for p in problems)
    assert any(p.startswith(f"{broken.questions[2].id}: fewer than") for p in problems)
    assert any(p.startswith("duplicate id") for p in problems)
    assert any("mirrored by 2 questions" in p for p in problems)
    assert any(p.startswith("language is 'en'") for p in problems)
    broken.questions = broken.questions[:5]
    assert any(p.startswith("en questions: 5 <") for p in mirrored_schema_problems(broken, hset))


def test_chinese_gold_pages_and_headings_against_the_corpus(zh, tmp_path):
    root = corpus_dir()
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    assert mirrored_corpus_problems(zh, root) == []
    page = tmp_path / zh.questions[0].gold_file
    page.parent.mkdir(parents=True)
    page.write_text("# A page without the gold heading\n", encoding="utf-8")
    problems = mirrored_corpus_problems(zh, tmp_path)
    assert f"{zh.questions[0].id}: no heading {zh.questions[0].gold_section!r} in {zh.questions[0].gold_file}" in problems
    assert any("not in the corpus" in p for p in problems)
