"""The quality score of generated questions: deterministic, in 0..1, made of named parts, and higher for what a
trainer would keep (a defined term or an amount, plausible distractors, a prompt of a readable length)."""
from __future__ import annotations

import numpy as np
import pytest

from assessment import Question, question_quality
from assessment.cloze_zh import PROMPT_PREFIX
from assessment.quality import WEIGHTS
from assessment.questions import document_frequencies

pytestmark = pytest.mark.unit

SOURCE = ("Every claim needs an itemised **receipt** from the supplier, attached to the claim before you submit it. "
          "Submit each claim within 30 days of the expense, or the finance team may refuse to reimburse it.")
IDF = document_frequencies([SOURCE, "The finance team reviews claims every week.", "Claims need approval."])


def cloze(answer: str, prompt: str = "Every claim needs an itemised _____ from the supplier, attached to the claim.",
          options: list[str] | None = None) -> Question:
    return Question("q", "c", "C", "s", "mcq" if options else "short", f"Fill in the blank: {prompt}", answer,
                    options or [], origin="generated")


class Table:
    """An embedder whose cosines are set by hand: the answer's vector against each distractor's."""

    dimension = 2

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines

    def embed(self, texts, batch_size=64, progress=False):
        return np.array([[1.0, 0.0]] + [[c, float(np.sqrt(1 - c * c))] for c in (self.cosines[t] for t in texts[1:])])


def test_the_score_is_the_weighted_mean_of_its_parts_and_the_same_every_time():
    first = question_quality(cloze("receipt"), SOURCE, IDF)
    assert first == question_quality(cloze("receipt"), SOURCE, IDF)
    assert set(first.parts) == set(WEIGHTS) and all(0 <= v <= 1 for v in first.parts.values())
    assert first.score == pytest.approx(sum(WEIGHTS[k] * v for k, v in first.parts.items()), abs=1e-3)


def test_a_defined_term_or_an_amount_beats_a_plain_word():
    defined = question_quality(cloze("receipt"), SOURCE, IDF)
    amount = question_quality(cloze("30 days", "Submit each claim within _____ of the expense, or the team may refuse it."), SOURCE, IDF)
    plain = question_quality(cloze("supplier", "Every claim needs an itemised receipt from the _____, attached to the claim."), SOURCE, IDF)
    assert defined.parts["term"] == 1.0 and amount.parts["answer"] == 1.0
    assert plain.parts["term"] <= 0.6 and plain.parts["answer"] == 0.5
    assert plain.score < amount.score and plain.score < defined.score


def test_plausible_distractors_score_higher_than_unrelated_ones():
    options = ["receipt", "invoice", "voucher", "ticket"]
    plausible = question_quality(cloze("receipt", options=options), SOURCE, IDF, Table({"invoice": 0.5, "voucher": 0.45, "ticket": 0.4}))
    unrelated = question_quality(cloze("receipt", options=options), SOURCE, IDF, Table({"invoice": 0.0, "voucher": 0.05, "ticket": 0.02}))
    assert plausible.parts["options"] > 0.9 and unrelated.parts["options"] == 0.0
    assert plausible.score - unrelated.score == pytest.approx(WEIGHTS["options"] * (plausible.parts["options"] - unrelated.parts["options"]), abs=1e-3)
    assert question_quality(cloze("receipt", options=options), SOURCE, IDF).parts["options"] == 0.5  # no embedder: nothing to judge


@pytest.mark.parametrize("words, expected", [(12, 1.0), (7, 0.5), (40, 0.7), (3, 0.3), (60, 0.3)])
def test_the_prompt_length_part(words, expected):
    prompt = " ".join(["word"] * (words - 1)) + " _____."
    assert question_quality(cloze("receipt", prompt), SOURCE, IDF).parts["length"] == expected


def test_chinese_prompts_are_measured_in_characters():
    def zh(prompt: str) -> Question:
        return Question("q", "c", "C", "s", "short", PROMPT_PREFIX + prompt, "1 小时", origin="generated")

    source = "发现疑似安全事件后，请立即报告，最迟不超过 1 小时。"
    full = question_quality(zh("发现疑似安全事件后，请立即报告，最迟不超过 _____。"), source, None)  # 19 characters
    assert full.parts["length"] == 1.0 and full.parts["answer"] == 1.0 and 0 < full.score < 1
    assert question_quality(zh("请立即报告，最迟不超过 _____。"), source, None).parts["length"] == 0.5  # 10
