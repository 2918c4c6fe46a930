"""Fit the Chinese / cross-language reader (retrieval/feature_reader.py) on CMRC 2018's training groups.

    python -m eval.reader.zh_scorer [--out retrieval/zh_scorer.json] [--workdir DIR]

Only questions of the 'train' groups (eval.quality.datasets.split_of; a group is a paragraph) are read; the
'report' groups stay for `tutor eval cmrc`. Each question is searched through the real Retriever over the whole
ingested corpus, twice: as it is, and with its own paragraph hidden (leave-gold-out). Every sentence of the
passages found becomes an example: its features (multilingual cosine, word overlap, character-pair overlap) and
whether it holds a gold answer. A logistic regression on them gives the weights; the threshold written beside
them is the one that best separates, per question, the best sentence's probability with the paragraph visible
(should answer) from the one with the paragraph hidden on questions whose answer occurs nowhere else (should
decline), while still answering at least `--min-answered` of the former.
"""
from __future__ import annotations

import argparse
import json
import logging
import platform
import time
from pathlib import Path

import numpy as np

from retrieval import RetrievalSettings, SentenceEmbedder
from retrieval.feature_reader import BUNDLED_SCORER, FEATURES, features
from retrieval.reading import SentenceVectors, sentences_of

from ..metrics import auroc
from ..quality.cmrc_eval import CMRC, DEFAULT_WORKDIR, cmrc_index, load_cmrc, part, unique_answer_items, zh_contains
from ..quality.reading_eval import HidingRetriever

log = logging.getLogger("eval.reader")


def examples(retriever: HidingRetriever, vectors: SentenceVectors, items, hide: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per question: the features of every sentence search returns, and their labels."""
    feats, labels = [], []
    for item in items:
        retriever.hidden = {item.passage_id} if hide else set()
        hits = retriever.search(item.question).hits
        sentences = [s.text for s in sentences_of(hits)]
        if not sentences:
            feats.append(np.zeros((0, len(FEATURES)), "float32"))
            labels.append(np.zeros(0))
            continue
        vecs = vectors([item.question, *sentences])
        feats.append(features(item.question, sentences, vecs[0], vecs[1:]))
        labels.append(np.array([zh_contains(s, item.answers) for s in sentences], dtype=float))
    retriever.hidden = set()
    return feats, labels


def best_probability(model, feats: list[np.ndarray]) -> list[float]:
    return [float(model.predict_proba(f)[:, 1].max()) if len(f) else 0.0 for f in feats]


def choose_threshold(pos: list[float], neg: list[float], min_answered: float) -> float:
    """The threshold with the largest gap between answered shares (answerable minus leave-gold-out) among those
    that answer at least `min_answered` of the answerable questions."""
    best, best_gap = 0.0, -1.0
    for t in np.arange(0.05, 0.95, 0.01):
        answered = np.mean(np.array(pos) >= t)
        gap = answered - np.mean(np.array(neg) >= t)
        if answered >= min_answered and gap > best_gap:
            best, best_gap = float(t), gap
    return round(best, 2)


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUNDLED_SCORER)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--min-answered", type=float, default=0.85)
    parser.add_argument("--sample", type=int, default=600, help="Training questions read (0: all); a few hundred "
                        "fit three weights well.")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not CMRC.exists():
        print(f"CMRC 2018 not found at {CMRC}: nothing to fit")
        return 0
    started = time.perf_counter()
    settings = RetrievalSettings()
    embedder = SentenceEmbedder(settings.embedding)
    qa = load_cmrc()
    index_dir, _ = cmrc_index(qa, args.workdir, embedder, settings)
    retriever = HidingRetriever(index_dir, embedder, settings)
    vectors = SentenceVectors(retriever.multilingual)
    train = part(qa.items, "train")
    if args.sample:
        import random

        train = random.Random(args.seed).sample(train, min(args.sample, len(train)))
    lonely = unique_answer_items(qa, train)
    feats, labels = examples(retriever, vectors, train, hide=False)
    hidden_feats, hidden_labels = examples(retriever, vectors, lonely, hide=True)
    x = np.concatenate([*feats, *hidden_feats])
    y = np.concatenate([*labels, *hidden_labels])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    pos = best_probability(model, feats)
    neg = best_probability(model, hidden_feats)
    threshold = choose_threshold(pos, neg, args.min_answered)
    figures = {"train questions": len(train), "leave-gold-out questions": len(lonely), "sentences": int(len(y)),
               "positive sentences": int(y.sum()), "AUROC answerable vs leave-gold-out (best sentence)": round(auroc(pos, neg), 4),
               "answered at threshold: answerable": round(float(np.mean(np.array(pos) >= threshold)), 4),
               "answered at threshold: leave-gold-out": round(float(np.mean(np.array(neg) >= threshold)), 4)}
    # Across languages only the cosine carries over: the same examples fitted on it alone (feature_reader.py).
    cross = LogisticRegression(C=1.0, max_iter=1000).fit(x[:, :1], y)
    cross_pos = [float(cross.predict_proba(f[:, :1])[:, 1].max()) if len(f) else 0.0 for f in feats]
    cross_neg = [float(cross.predict_proba(f[:, :1])[:, 1].max()) if len(f) else 0.0 for f in hidden_feats]
    figures["cosine only: AUROC answerable vs leave-gold-out"] = round(auroc(cross_pos, cross_neg), 4)
    figures["cosine only: answered at threshold: answerable / leave-gold-out"] = [
        round(float(np.mean(np.array(cross_pos) >= threshold)), 4), round(float(np.mean(np.array(cross_neg) >= threshold)), 4)]
    meta = {"name": "zh-features-cmrc2018", "features": list(FEATURES),
            "weights": {f: round(float(w), 5) for f, w in zip(FEATURES, model.coef_[0])},
            "bias": round(float(model.intercept_[0]), 5), "threshold": threshold,
            "cross_language": {"weights": {"cosine": round(float(cross.coef_[0][0]), 5)},
                               "bias": round(float(cross.intercept_[0]), 5)},
            "figures": figures,
            "made": f"python -m eval.reader.zh_scorer on the 'train' groups of CMRC 2018 dev; "
                    f"{platform.python_version()}, {time.perf_counter() - started:.0f} s"}
    args.out.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(meta, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    main()
