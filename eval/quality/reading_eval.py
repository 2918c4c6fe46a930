"""Does the tutor read? Abstention, the answer's leading sentence, and "leave-gold-out" on SQuAD 2.0 and SciQ.

    tutor eval reading [--squad-sample 0] [--sciq-sample 0] [--out eval/reports/reading.md]

Only the 'report' groups (datasets.split_of) are scored: the reader was trained on the other groups, never on
these articles or paragraphs. The whole corpus is indexed, as the product would index it.

- SQuAD 2.0: abstention AUROC (the answer's confidence, answerable vs unanswerable), the share answered at the
  configured thresholds, and whether the leading sentence holds a gold answer.
- SciQ: the leading sentence holds the correct option and no distractor.
- Leave-gold-out: each question's own paragraph is hidden from search (the rest of its article stays); scored on
  the questions whose gold answer occurs nowhere else in the corpus, where the tutor must decline.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
from pathlib import Path

from retrieval import AnswerChain, RetrievalSettings, Retriever, SentenceEmbedder

from ..metrics import auroc, contains_answer, normalise, percentiles
from ..report import table, write_report
from .datasets import EVALDATA, QAItem, QASet, load_sciq, load_squad, prepare_run, split_of
from .rag_eval import build_index

log = logging.getLogger("eval")


class HidingRetriever(Retriever):
    """Search that never returns the passages in `hidden` (set per question): the index without them."""

    hidden: set[str] = set()

    def search(self, query, top_k=None, groups=None):
        top_k = top_k or self.settings.search.top_k
        result = super().search(query, top_k=top_k + 6, groups=groups)
        result.hits = [h for h in result.hits if Path(h.chunk.source).stem not in self.hidden][:top_k]
        for rank, hit in enumerate(result.hits):
            hit.rank = rank
        result.best_dense = max((h.dense_score for h in result.hits), default=-1.0)
        return result


def in_groups(dataset: str, group: str, which: str) -> bool:
    """'report': the groups the reader never saw; 'train': the others; 'held-back': the training groups it was
    calibrated on but not trained on (where thresholds are chosen, so the report part stays unseen)."""
    if which in ("report", "train"):
        return split_of(dataset, group) == which
    from ..reader.train import calibration_groups

    return group in calibration_groups()


def squad_items(squad: QASet, which: str = "report") -> tuple[list[QAItem], list[QAItem]]:
    """Answerable and unanswerable questions of the chosen articles."""
    data = json.loads((EVALDATA / "squad_v2" / "cs224n_dev-v2.0.json").read_text())
    article_of = {qa["id"]: a["title"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]}
    chosen = [i for i in squad.items if in_groups("squad", article_of.get(i.qid, ""), which)]
    return [i for i in chosen if i.passage_id], [i for i in chosen if not i.passage_id]


def sciq_items(sciq: QASet, which: str = "report") -> list[QAItem]:
    import hashlib

    return [i for i in sciq.items
            if in_groups("sciq", hashlib.sha1(sciq.passages[i.passage_id].encode()).hexdigest()[:12], which)]


def squad_measures(chain: AnswerChain, answerable: list[QAItem], unanswerable: list[QAItem]) -> tuple[dict, list[float]]:
    pos, neg, lead_hits, latencies, abstained = [], [], 0, [], []
    for item in answerable:
        answer = chain.answer(item.question)
        abstained.append(answer.abstained)
        pos.append(_score(chain, answer))
        lead_hits += (not answer.abstained) and contains_answer(answer.lead, item.answers)
        latencies.append(answer.timings_ms.get("total_ms", 0.0))
    neg_answered = 0
    for item in unanswerable:
        answer = chain.answer(item.question)
        neg.append(_score(chain, answer))
        neg_answered += not answer.abstained
        latencies.append(answer.timings_ms.get("total_ms", 0.0))
    pos_answered = sum(not a for a in abstained)
    sweep = {f"answered if the confidence threshold were {t:.2f}: answerable / unanswerable":
             f"{_share(pos, t):.3f} / {_share(neg, t):.3f}" for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)}
    return {**sweep,
        "questions: answerable / unanswerable": f"{len(answerable)} / {len(unanswerable)}",
        "abstention AUROC (answerable vs unanswerable)": auroc(pos, neg),
        "answered at the configured thresholds: answerable": pos_answered / max(1, len(pos)),
        "answered at the configured thresholds: unanswerable": neg_answered / max(1, len(neg)),
        "leading sentence holds a gold answer (answerable)": lead_hits / max(1, len(answerable)),
    }, latencies


def _share(scores: list[float], threshold: float) -> float:
    return sum(s >= threshold for s in scores) / max(1, len(scores))


def _score(chain: AnswerChain, answer) -> float:
    """The answer's confidence; 0 when a reading chain declined at the cosine gate (that confidence is a cosine,
    not a probability)."""
    if chain.reader is not None and answer.abstained and "read_ms" not in answer.timings_ms:
        return 0.0
    return answer.confidence


def sciq_measures(chain: AnswerChain, items: list[QAItem], distractors: dict[str, list[str]]) -> dict:
    clean, answered = 0, 0
    for item in items:
        answer = chain.answer(item.question)
        answered += not answer.abstained
        lead = answer.lead if not answer.abstained else ""
        clean += contains_answer(lead, item.answers) and not contains_answer(lead, distractors[item.qid])
    return {"questions": len(items),
            "answered": answered / max(1, len(items)),
            "leading sentence holds the correct option and no distractor": clean / max(1, len(items))}


def answered_only_there(qa: QASet, items: list[QAItem]) -> list[QAItem]:
    """The items whose gold answer occurs in no paragraph but their own (then hiding that paragraph leaves
    nothing that answers them)."""
    texts = {pid: f" {normalise(t)} " for pid, t in qa.passages.items()}
    out = []
    for item in items:
        golds = [f" {normalise(g)} " for g in item.answers if normalise(g)]
        if not any(g in text for pid, text in texts.items() if pid != item.passage_id for g in golds):
            out.append(item)
    return out


def leave_gold_out(chain: AnswerChain, retriever: HidingRetriever, qa: QASet, items: list[QAItem]) -> dict:
    """Answered share when the gold paragraph is hidden, on questions whose answer occurs nowhere else."""
    scored = answered_only_there(qa, items)
    answered = 0
    for item in scored:
        retriever.hidden = {item.passage_id}
        answered += not chain.answer(item.question).abstained
    retriever.hidden = set()
    return {"questions whose answer occurs only in the hidden paragraph": len(scored),
            "answered (should decline)": answered / max(1, len(scored))}


def sciq_distractors() -> dict[str, list[str]]:
    rows = [json.loads(line) for line in (EVALDATA / "sciq" / "sciq_dev.jsonl").read_text().splitlines() if line.strip()]
    return {r["id"]: [r[f"distractor{i}"] for i in (1, 2, 3)] for r in rows}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad-sample", type=int, default=0, help="Questions per SQuAD class (0: all of the report part).")
    parser.add_argument("--sciq-sample", type=int, default=0)
    parser.add_argument("--reader", default="", help="Override retrieval.answer.reader ('none' for cosine only).")
    parser.add_argument("--min-relevance", type=float, default=None, help="Override retrieval.answer.min_relevance.")
    parser.add_argument("--min-answer-score", type=float, default=None, help="Override retrieval.answer.min_answer_score.")
    parser.add_argument("--groups", choices=["report", "held-back"], default="report",
                        help="Score the report groups (never trained on) or the reader's held-back training groups.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path("eval/reports/reading.md"))
    args = parser.parse_args(argv)
    rng = prepare_run("squad_v2", args.seed)
    settings = RetrievalSettings()
    if args.reader:
        settings.answer.reader = args.reader
    if args.min_relevance is not None:
        settings.answer.min_relevance = args.min_relevance
    if args.min_answer_score is not None:
        settings.answer.min_answer_score = args.min_answer_score
    embedder = SentenceEmbedder(settings.embedding)
    sections = [f"# Reading: abstention, leading sentence, leave-gold-out ({args.groups} groups)\n\nMachine: {platform.machine()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}; reader `{settings.answer.reader}`, "
                f"min_relevance {settings.answer.min_relevance}, min_answer_score {settings.answer.min_answer_score}, "
                f"top_k {settings.search.top_k}, reader_candidates {settings.answer.reader_candidates}.\n"]
    with tempfile.TemporaryDirectory() as tmp:
        squad = load_squad()
        index, _ = build_index(squad, Path(tmp) / "squad", embedder, settings)
        retriever = HidingRetriever(index, embedder, settings)
        chain = AnswerChain(retriever, embedder, settings)
        answerable, unanswerable = squad_items(squad, args.groups)
        if args.squad_sample:
            answerable = rng.sample(answerable, min(args.squad_sample, len(answerable)))
            unanswerable = rng.sample(unanswerable, min(args.squad_sample, len(unanswerable)))
        measures, latencies = squad_measures(chain, answerable, unanswerable)
        sections.append("## SQuAD 2.0\n\n" + table(measures))
        sections.append("### Leave-gold-out (SQuAD)\n\n" + table(leave_gold_out(chain, retriever, squad, answerable)))
        stage_lines = _latency(latencies)

        sciq = load_sciq()
        index, _ = build_index(sciq, Path(tmp) / "sciq", embedder, settings)
        retriever = HidingRetriever(index, embedder, settings)
        chain = AnswerChain(retriever, embedder, settings)
        items = sciq_items(sciq, args.groups)
        if args.sciq_sample:
            items = rng.sample(items, min(args.sciq_sample, len(items)))
        sections.append("## SciQ\n\n" + table(sciq_measures(chain, items, sciq_distractors())))
        sections.append("### Leave-gold-out (SciQ)\n\n" + table(leave_gold_out(chain, retriever, sciq, items)))
    sections.append("## Answer latency in the chain (SQuAD questions, ms)\n\n" + stage_lines)
    return write_report(sections, args.out)


def _latency(values: list[float]) -> str:
    p = percentiles(values)
    return f"p50 {p['p50']:.1f}, p95 {p['p95']:.1f} (n={len(values)}; REST turn timings are in the handbook report)"


if __name__ == "__main__":
    main()
