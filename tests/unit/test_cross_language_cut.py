"""The cross-language reader's cut is chosen where covered questions are answered and uncovered ones declined."""
import pytest
import yaml

from eval.reader.cross_language import DEV_SET, choose_cut

pytestmark = pytest.mark.unit


def test_the_cut_separates_covered_from_uncovered():
    covered = [(0.0, 0.45, True), (0.0, 0.50, True), (0.0, 0.42, True), (0.0, 0.47, False)]
    uncovered = [(0.0, 0.30), (0.0, 0.35), (0.0, 0.38)]
    cut, figures = choose_cut(covered, uncovered, threshold=0.07, min_answered=0.7)
    assert 0.38 < cut <= 0.42
    assert figures == {"covered answered from the gold section": 0.75, "uncovered answered": 0.0}


def test_a_same_language_answer_counts_whatever_the_cut():
    cut, figures = choose_cut([(0.9, -1.0, False)], [(0.0, 0.2)], threshold=0.07, min_answered=0.5)
    assert figures["covered answered from the gold section"] == 1.0


def test_the_development_set_is_chinese_about_the_sample_courses():
    dev = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
    assert len(dev["covered"]) >= 20 and len(dev["uncovered"]) >= 10
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in item["question"]) for item in dev["covered"])
