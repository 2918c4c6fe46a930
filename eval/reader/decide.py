"""Fit the reader's "answers or not" decision: how the best sentence's probability, the best passage's cosine and
how much of the question's rare words the answer and the passages hold are weighed (retrieval.answer_signals).

    python -m eval.reader.decide [--out retrieval/reader_model] [--per-class 250]

The decision is fitted for the reader in --out (the bundled one by default) and written into its reader.json.

The reader alone tells a sentence on the question's topic from one that states the answer; it is much weaker at
telling that nothing retrieved answers, because search always returns the nearest passages and one of their
sentences always looks best. The decision is fitted on questions of the 'train' groups only (never a reported
one), through the real answer chain over the whole corpus: answerable questions (positive), SQuAD's unanswerable
ones and "leave-gold-out" questions, asked with their own paragraph hidden and whose answer occurs nowhere else
(negative). Each kind counts equally. The threshold (retrieval.answer.min_answer_score) is the highest at which
every data set still answers 90 % of its answerable training questions; it is printed and stored in reader.json
beside the weights.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
from pathlib import Path

import numpy as np

from retrieval import AnswerChain, RetrievalSettings, SentenceEmbedder

from ..metrics import auroc
from ..quality.datasets import QAItem, QASet, load_sciq, load_squad
from ..quality.rag_eval import build_index
from ..quality.reading_eval import HidingRetriever, answered_only_there, sciq_items, squad_items
from .train import DEFAULT_OUT

log = logging.getLogger("eval.reader")
# The signals weighed. `rarest_missing` (the weight of the rarest question word no passage holds) is computed
# with the others but left out: fitted, it took a positive weight (a word the courses lack made answering more
# likely) and added nothing on the training questions (AUROC 0.8989 with it, 0.8985 without); with it, "how many
# vacation days do I get?" over courses that never mention vacation was answered from a project-estimation example.
SIGNALS = ("lead_logit", "cosine", "lead_coverage", "passage_coverage")


def collect(chain: AnswerChain, retriever: HidingRetriever, qa: QASet, items: list[tuple[QAItem, str]],
            held_back: set[str]) -> list[dict]:
    """The chain's signals for each (item, kind); kind 'answerable', 'unanswerable' or 'hidden' (its paragraph
    hidden from search). Questions the cosine gate already declines carry no signals and are left out."""
    rows = []
    for item, kind in items:
        retriever.hidden = {item.passage_id} if kind == "hidden" else set()
        answer = chain.answer(item.question)
        if answer.signals:
            rows.append({"kind": kind, "data": qa.name, "held_back": item.qid in held_back, **answer.signals})
    retriever.hidden = set()
    return rows


def questions(qa: QASet, answerable: list[QAItem], unanswerable: list[QAItem], per_class: int,
              rng: random.Random) -> list[tuple[QAItem, str]]:
    pick = lambda items: rng.sample(items, min(per_class, len(items)))  # noqa: E731
    hidden = answered_only_there(qa, rng.sample(answerable, min(4 * per_class, len(answerable))))
    return ([(i, "answerable") for i in pick(answerable)] + [(i, "unanswerable") for i in pick(unanswerable)]
            + [(i, "hidden") for i in pick(hidden)])


def gather(per_class: int, seed: int, reader: Path = DEFAULT_OUT) -> list[dict]:
    """The signals of training questions read by the reader in `reader` (its directory)."""
    settings = RetrievalSettings()
    settings.answer.reader = "bundled" if reader.resolve() == DEFAULT_OUT.resolve() else str(reader)
    settings.multilingual.model = "none"  # English data: the multilingual index would never be searched
    embedder = SentenceEmbedder(settings.embedding)
    rng = random.Random(seed)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, loader in (("squad", load_squad), ("sciq", load_sciq)):
            qa = loader()
            index, _ = build_index(qa, Path(tmp) / name, embedder, settings)
            retriever = HidingRetriever(index, embedder, settings)
            chain = AnswerChain(retriever, embedder, settings)
            if name == "squad":
                answerable, unanswerable = squad_items(qa, "train")
                held_back = {i.qid for part in squad_items(qa, "held-back") for i in part}
            else:
                answerable, unanswerable = sciq_items(qa, "train"), []
                held_back = {i.qid for i in sciq_items(qa, "held-back")}
            rows += collect(chain, retriever, qa, questions(qa, answerable, unanswerable, per_class, rng), held_back)
            log.info("%s: %d questions read", name, len(rows))
    return rows


def fit(rows: list[dict]) -> dict:
    """Logistic regression with every kind of question (per data set) weighing the same in total."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r[s] for s in SIGNALS] for r in rows])
    y = np.array([int(r["kind"] == "answerable") for r in rows])
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(r["data"], r["kind"])] = counts.get((r["data"], r["kind"]), 0) + 1
    weight = np.array([1.0 / counts[(r["data"], r["kind"])] for r in rows]) * len(rows)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=weight)
    z = model.decision_function(x)
    p = 1.0 / (1.0 + np.exp(-z))
    datasets = sorted({r["data"] for r in rows})
    threshold = min(_threshold(p[[i for i, r in enumerate(rows) if r["data"] == d and r["kind"] == "answerable"]], 0.90)
                    for d in datasets)
    shares = {f"{data} {kind}": round(float(np.mean(p[[i for i, r in enumerate(rows) if (r['data'], r['kind']) == (data, kind)]] >= threshold)), 3)
              for data, kind in sorted(counts)}
    return {"weights": dict(zip(SIGNALS, (round(float(w), 4) for w in model.coef_[0]))),
            "bias": round(float(model.intercept_[0]), 4), "threshold": round(threshold, 3),
            "fitted_on": {"questions": {f"{d} {k}": n for (d, k), n in sorted(counts.items())},
                          "answered at the threshold": shares,
                          "auroc answerable vs the rest": round(auroc(z[y == 1].tolist(), z[y == 0].tolist()), 4),
                          "auroc of the lead's probability alone": round(auroc(x[y == 1, 0].tolist(), x[y == 0, 0].tolist()), 4)}}


def _threshold(positive: np.ndarray, keep: float) -> float:
    """The highest threshold, on a 0.01 grid, that still keeps `keep` of the positives."""
    for t in np.arange(0.99, 0.0, -0.01):
        if np.mean(positive >= t) >= keep:
            return float(t)
    return 0.01


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--per-class", type=int, default=250, help="Questions of each kind per data set.")
    parser.add_argument("--signals", type=Path, default=None, help="Reuse signals gathered before (JSON lines).")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.signals and args.signals.exists():
        rows = [json.loads(line) for line in args.signals.read_text().splitlines() if line.strip()]
    else:
        rows = gather(args.per_class, args.seed, args.out)
        if args.signals:
            args.signals.parent.mkdir(parents=True, exist_ok=True)
            args.signals.write_text("".join(json.dumps(r) + "\n" for r in rows))
    decision = fit(rows)
    meta = json.loads((args.out / "reader.json").read_text())
    meta["decision"] = {**decision, "command": f"python -m eval.reader.decide --per-class {args.per_class} --seed {args.seed}"}
    (args.out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    log.info("decision %s", json.dumps(decision, indent=1))
    return decision


if __name__ == "__main__":
    main()
