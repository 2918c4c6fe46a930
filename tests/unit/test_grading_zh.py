"""Grading Chinese short answers: paraphrases, Traditional characters and numerals are accepted, negations, other
quantities and wrong answers are not, on the hand-written cases the Chinese threshold is calibrated on; English
grading takes none of this path."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assessment import Grader
from assessment.chinese import chinese_number, compact, quantities

pytestmark = pytest.mark.unit
CASES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "grading_zh.jsonl").read_text("utf-8").splitlines() if line.strip()]


class RefusingEmbedder:
    """The English embedder must not be asked about Chinese."""

    dimension = 4

    def embed(self, texts, batch_size=64, progress=False):
        raise AssertionError(f"English embedder asked to judge {texts!r}")


@pytest.fixture(scope="module")
def grader() -> Grader:
    return Grader(RefusingEmbedder())


def test_the_calibration_set_is_large_and_balanced():
    assert len(CASES) >= 30
    assert 0.35 <= sum(c["accept"] for c in CASES) / len(CASES) <= 0.65


def test_accuracy_on_the_calibration_set(grader):
    wrong = [c for c in CASES if grader.grade_text(c["answer"], c["key"]).correct is not c["accept"]]
    assert len(wrong) / len(CASES) <= 0.05, wrong


@pytest.mark.parametrize("answer, correct", [
    ("立即向安全团队报告", True), ("馬上報告安全團隊", True), ("我觉得应该马上报告给安全团队", True),
    ("不要报告安全团队", False), ("直接删除邮件", False), ("不知道", False),
])
def test_the_brief_example_and_its_foils(grader, answer, correct):
    assert grader.grade_text(answer, "马上报告安全团队").correct is correct


def test_a_named_wrong_option_is_not_accepted(grader):
    assert not grader.grade_text("钓鱼邮件或者垃圾邮件", "钓鱼邮件", wrong=["垃圾邮件", "广告邮件"]).correct


def test_quantities_compare_by_value_and_unit():
    assert quantities("二十四小时") == quantities("一天") == {("hours", 24.0)}
    assert quantities("三十天内") == quantities("1个月内")
    assert quantities("12个字符") != quantities("8个字符")
    assert chinese_number("三千五百") == 3500 and chinese_number("两万") == 20000 and chinese_number("二十四") == 24


def test_folding_joins_scripts_and_widths():
    assert compact("釣魚郵件！") == compact("钓鱼邮件") and compact("ＶＰＮ 连接") == "vpn连接"


def test_english_grading_never_touches_the_multilingual_encoder(real_embedder):
    english = Grader(real_embedder, threshold=0.75, multilingual=RefusingEmbedder())
    assert english.grade_text("forward it to the security team", "forward it to security").correct
    assert not english.grade_text("delete it immediately", "forward it to security").correct


@pytest.mark.parametrize("answer, key, correct", [
    ("一个小时", "1 小时", True), ("60分钟", "1 小时", True), ("两小时", "1 小时", False),
    ("至少十四个字符", "14", True), ("12个", "14", False),
    ("以附件形式转发", "作为附件转发", True), ("直接转发", "作为附件转发", False),
])
def test_the_chinese_courses_own_short_answers(grader, answer, key, correct):
    assert grader.grade_text(answer, key).correct is correct
