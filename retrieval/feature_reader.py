"""The reader for Chinese and cross-language passages: a calibrated logistic score over a few features.

The bundled reader is an English MiniLM cross-encoder, and the answer step's cosine gate is a MiniLM cosine: on
Chinese text both say nothing. This reader scores (question, sentence) pairs from what does carry over:

- the multilingual (USE) cosine of question and sentence, meaningful in either language and across them;
- the share of the question's words (jieba words for Chinese, English words) found in the sentence;
- the share of the question's Chinese character pairs found in the sentence, which survives a word segmentation
  that cut the question and the passage differently.

Its weights and bias come from `python -m eval.reader.zh_scorer`, a logistic regression on the CMRC 2018
questions of the 'train' groups (never the 'report' ones the evaluation scores), and turn the features into the
probability that a sentence states the answer, the same quantity the English reader gives, so the answer step
can abstain on it (`multilingual.min_answer_score`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .languages import has_han, tokenize, to_simplified

BUNDLED_SCORER = Path(__file__).resolve().parent / "zh_scorer.json"
FEATURES = ("cosine", "word_overlap", "pair_overlap")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Characters of question words: pairs holding them are never in the answering sentence.
_QUESTION_CHARS = frozenset("什么哪谁吗呢几多少怎如何是否为啥")

VectorsOf = Callable[[list[str]], np.ndarray]


def char_pairs(text: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Adjacent Chinese character pairs of `text` (Simplified), leaving out pairs with a character in `skip`."""
    pairs: set[str] = set()
    for run in _HAN_RUN.findall(to_simplified(text)):
        pairs.update(run[i:i + 2] for i in range(len(run) - 1) if not (skip & set(run[i:i + 2])))
    return pairs


def features(question: str, sentences: Sequence[str], question_vector: np.ndarray,
             sentence_vectors: np.ndarray) -> np.ndarray:
    """One row per sentence: the FEATURES in order."""
    q_words = set(tokenize(question))
    q_pairs = char_pairs(question, _QUESTION_CHARS)
    rows = []
    for text, vector in zip(sentences, sentence_vectors):
        words = len(q_words & set(tokenize(text))) / max(1, len(q_words))
        pairs = len(q_pairs & char_pairs(text)) / len(q_pairs) if q_pairs else words
        rows.append([float(vector @ question_vector), words, pairs])
    return np.array(rows, dtype="float32").reshape(-1, len(FEATURES))


class FeatureScorer:
    """Probabilities from the features by fitted logistic weights; satisfies the Reader protocol.

    A sentence in another language than the question shares no words or characters with it, so the overlaps
    say nothing there: such pairs are scored by `cross_language`, weights fitted on the cosine alone (the
    same training examples, the overlaps left out), which keep the probability on the same scale.
    """

    def __init__(self, weights: dict[str, float], bias: float, vectors_of: VectorsOf, name: str = "zh-features",
                 threshold: float = 0.5, cross_language: dict | None = None) -> None:
        self.weights = np.array([float(weights[f]) for f in FEATURES], dtype="float32")
        self.bias = float(bias)
        cross = cross_language or {"weights": {"cosine": float(weights["cosine"])}, "bias": self.bias}
        self.cross_weight = float(cross["weights"]["cosine"])
        self.cross_bias = float(cross["bias"])
        self.threshold = float(threshold)  # fitted with the weights; multilingual.min_answer_score overrides it
        self.vectors_of = vectors_of
        self.name = name

    def score(self, question: str, passages: Sequence[str], evidence: np.ndarray | None = None) -> np.ndarray:
        """`evidence`, when given, is the features array already computed (see `features`)."""
        if not len(passages):
            return np.zeros(0, dtype="float32")
        if evidence is None:
            vectors = self.vectors_of([question, *passages])
            evidence = features(question, passages, vectors[0], vectors[1:])
        z = evidence @ self.weights + self.bias
        question_zh = has_han(question)
        crossed = np.array([has_han(p) != question_zh for p in passages])
        if crossed.any():
            z = np.where(crossed, evidence[:, 0] * self.cross_weight + self.cross_bias, z)
        return 1.0 / (1.0 + np.exp(-z))


def load_scorer(spec: str, vectors_of: VectorsOf) -> FeatureScorer:
    """The scorer `multilingual.scorer` names: 'bundled' or the path of a JSON file written by the fitting script."""
    path = BUNDLED_SCORER if spec == "bundled" else Path(spec)
    if not path.exists():
        from .errors import ConfigError

        raise ConfigError(f"retrieval.multilingual.scorer: {path} does not exist (fit it: python -m eval.reader.zh_scorer)")
    meta = json.loads(path.read_text())
    return FeatureScorer(meta["weights"], meta["bias"], vectors_of, meta.get("name", path.stem), meta.get("threshold", 0.5),
                         meta.get("cross_language"))
