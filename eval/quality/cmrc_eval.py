"""Chinese retrieval and reading on CMRC 2018 (Chinese Wikipedia paragraphs, span questions).

    tutor eval cmrc [--sample 0] [--out eval/reports/cmrc.md] [--workdir DIR]

The paragraphs of ../shared/evaldata/cmrc2018_zh/cmrc2018_dev.json (read in place; the run stops cleanly when
it is absent) go through the real `ingest`, questions through the real `Retriever` and `AnswerChain`. Scored on
the 'report' groups (datasets.split_of: a group is a paragraph), which the Chinese reader's fitting script
(eval/reader/zh_scorer.py) never reads; retrieval is also given over all groups.

- Retrieval: recall@1/@5 and MRR of the question's paragraph, for the multilingual embedding alone ("dense")
  and fused with BM25 over jieba's words ("hybrid", the product); the report groups with both, all groups with
  the product's search.
- Reading: the share of questions answered and whether the leading sentence holds a gold answer.
- Leave-gold-out, built as in reading_eval: the question's paragraph is hidden from search and only questions
  whose gold answer occurs in no other paragraph are scored; there the tutor should decline.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

from retrieval import AnswerChain, RetrievalSettings, Retriever, SentenceEmbedder, ingest

from ..metrics import auroc, rank_of, retrieval_scores
from ..report import recall_table, table, write_report
from .datasets import EVALDATA, QAItem, QASet, split_of

log = logging.getLogger("eval")
CMRC = EVALDATA / "cmrc2018_zh" / "cmrc2018_dev.json"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "tutor-eval-cmrc"


def load_cmrc(path: Path = CMRC) -> QASet:
    """Every paragraph is a passage (its id is its group); each question's gold passage is its paragraph."""
    data = json.loads(path.read_text())
    passages: dict[str, str] = {}
    items: list[QAItem] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            pid = paragraph["id"]
            passages[pid] = paragraph["context"]
            for qa in paragraph["qas"]:
                answers = sorted({a["text"].strip() for a in qa.get("answers", []) if a["text"].strip()})
                items.append(QAItem(qa["id"], qa["question"], answers, pid))
    return QASet("CMRC 2018 (dev, development part)", passages, items)


def part(items: list[QAItem], which: str) -> list[QAItem]:
    """The items of the 'train' or 'report' groups (or 'all')."""
    return items if which == "all" else [i for i in items if split_of("cmrc", i.passage_id) == which]


def zh_contains(text: str, golds: list[str]) -> bool:
    """A gold answer occurs in `text` (Chinese has no spaces between words: plain containment, spaces ignored)."""
    squeezed = "".join(text.split()).lower()
    return any("".join(g.split()).lower() in squeezed for g in golds if g.strip())


def unique_answer_items(qa: QASet, items: list[QAItem]) -> list[QAItem]:
    """The questions whose gold answers occur in no paragraph but their own (leave-gold-out is scored on them)."""
    squeezed = {pid: "".join(t.split()).lower() for pid, t in qa.passages.items()}
    out = []
    for item in items:
        golds = ["".join(g.split()).lower() for g in item.answers]
        if not any(g and g in text for pid, text in squeezed.items() if pid != item.passage_id for g in golds):
            out.append(item)
    return out


def cmrc_index(qa: QASet, workdir: Path, embedder, settings: RetrievalSettings) -> tuple[Path, dict]:
    """The paragraphs ingested (kept in `workdir` between runs: an unchanged corpus is not embedded again)."""
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for pid, text in qa.passages.items():
        target = corpus / f"{pid}.txt"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    t0 = time.perf_counter()
    report = ingest(corpus, workdir / "index", embedder, settings)
    seconds = time.perf_counter() - t0
    log.info("%s: %d passages, %d chunks, %d embedded in %.1fs (multilingual %.1fs)", qa.name, len(qa.passages),
             report.total_chunks, report.chunks_embedded, seconds, report.multilingual_seconds)
    return workdir / "index", {"chunks": report.total_chunks, "embedded": report.chunks_embedded, "seconds": seconds,
                               "multilingual_seconds": report.multilingual_seconds}


def passage_ids(hits) -> list[str]:
    return [Path(h.chunk.source).stem for h in hits]


def retrieval_rows(index_dir: Path, embedder, settings: RetrievalSettings, items: list[QAItem],
                   ways: tuple[bool, ...] = (False, True)) -> dict[str, dict]:
    """Recall@1/5 and MRR, dense alone (False) and hybrid (True)."""
    rows = {}
    for hybrid in ways:
        label = "multilingual dense + BM25 (hybrid, the product)" if hybrid else "multilingual dense"
        cfg = settings.model_copy(deep=True)
        cfg.search.hybrid = hybrid
        retriever = Retriever(index_dir, embedder, cfg)
        ranks = [rank_of(i.passage_id, passage_ids(retriever.search(i.question, top_k=10).hits)) for i in items]
        rows[label] = retrieval_scores(ranks)
    return rows


def reading_measures(chain: AnswerChain, items: list[QAItem]) -> tuple[dict, list[float]]:
    answered = lead_hits = 0
    scores: list[float] = []
    for item in items:
        answer = chain.answer(item.question)
        scores.append(answer.confidence)
        answered += not answer.abstained
        lead_hits += (not answer.abstained) and zh_contains(answer.lead, item.answers)
    n = max(1, len(items))
    return {"questions (answerable)": len(items), "answered": answered / n,
            "leading sentence holds a gold answer": lead_hits / n,
            "leading sentence holds a gold answer, of those answered": lead_hits / max(1, answered)}, scores


def leave_gold_out(chain: AnswerChain, retriever, items: list[QAItem]) -> tuple[dict, list[float]]:
    scores: list[float] = []
    answered = 0
    for item in items:
        retriever.hidden = {item.passage_id}
        answer = chain.answer(item.question)
        scores.append(answer.confidence)
        answered += not answer.abstained
    retriever.hidden = set()
    return {"questions whose answer occurs only in the hidden paragraph": len(items),
            "answered (should decline)": answered / max(1, len(items))}, scores


def main(argv: list[str] | None = None) -> str | int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=0, help="Report-group questions read by the answer chain (0: all).")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="Where the corpus and index are kept between runs.")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/cmrc.md"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not CMRC.exists():
        print(f"CMRC 2018 not found at {CMRC}: skipped (set TUTOR_EVALDATA)")
        return 0
    import random

    from .reading_eval import HidingRetriever

    settings = RetrievalSettings()
    embedder = SentenceEmbedder(settings.embedding)
    qa = load_cmrc()
    index_dir, cost = cmrc_index(qa, args.workdir, embedder, settings)
    report_items = part(qa.items, "report")
    sections = [f"# Chinese: CMRC 2018\n\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}; embeddings {settings.embedding.model} + {settings.multilingual.model}; "
                f"top_k {settings.search.top_k}; scorer `{settings.multilingual.scorer}`, min_answer_score "
                f"{settings.multilingual.min_answer_score or 'fitted'}.\n\n{len(qa.passages)} paragraphs ({cost['chunks']} chunks), "
                f"{len(qa.items)} questions, {len(report_items)} of them in report groups. " + _cost(cost, args.workdir)]
    for which, items, ways in (("report groups", report_items, (False, True)), ("all groups", qa.items, (True,))):
        rows = retrieval_rows(index_dir, embedder, settings, items, ways)
        sections.append(f"## Retrieval ({which}, n={len(items)})\n\n" + recall_table(rows))
    items = report_items
    if args.sample:
        items = random.Random(args.seed).sample(items, min(args.sample, len(items)))
    retriever = HidingRetriever(index_dir, embedder, settings)
    chain = AnswerChain(retriever, embedder, settings)
    measures, pos = reading_measures(chain, items)
    lgo, neg = leave_gold_out(chain, retriever, unique_answer_items(qa, items))
    sweep = {f"answered at {t:.2f}: answerable / leave-gold-out": f"{_share(pos, t):.3f} / {_share(neg, t):.3f}"
             for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)}
    sections.append("## Reading (report groups)\n\n" + table(measures))
    sections.append("### Leave-gold-out\n\n" + table({**lgo, **sweep, "AUROC answerable vs leave-gold-out": auroc(pos, neg)}))
    return write_report(sections, args.out)


def _cost(cost: dict, workdir: Path) -> str:
    if not cost["embedded"]:
        return f"Ingest: the index in {workdir} was up to date (delete it to measure ingest again)."
    return (f"Ingest: {cost['seconds']:.1f} s for {cost['embedded']} chunks embedded, of which the multilingual "
            f"embedding {cost['multilingual_seconds']:.1f} s.")


def _share(scores: list[float], threshold: float) -> float:
    return sum(s >= threshold for s in scores) / max(1, len(scores))


if __name__ == "__main__":
    main()
