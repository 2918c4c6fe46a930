"""Retrieval and answer evaluation on SciQ and SQuAD 2.0, with LangChain's FAISS path timed side by side.

    python -m eval.quality.rag_eval [--gen-sample 40] [--squad-sample 600] [--out eval/reports/rag.md]

Corpora are written as text files to a temporary folder and go through the real `ingest`; questions go
through the real `AnswerChain`. Prints a Markdown report and writes it to --out.
"""
from __future__ import annotations

import argparse
import logging
import platform
import statistics
import tempfile
import time
from pathlib import Path

from retrieval import AnswerChain, RetrievalSettings, Retriever, SentenceEmbedder, ingest, make_generator

from ..metrics import auroc, contains_answer, percentiles, rank_of, retrieval_scores
from ..report import recall_table, table, write_report
from .datasets import QASet, load_sciq, load_squad, prepare_run

log = logging.getLogger("eval")


class CachingGenerator:
    """Generate once per prompt so the generative and guarded modes are judged on the same generation."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.cache: dict[tuple[str, str], str] = {}
        self.seconds: list[float] = []

    def generate(self, system: str, user: str, max_new_tokens: int) -> str:
        key = (system, user)
        if key not in self.cache:
            t0 = time.perf_counter()
            self.cache[key] = self.inner.generate(system, user, max_new_tokens)
            self.seconds.append(time.perf_counter() - t0)
        return self.cache[key]


def build_index(qa: QASet, workdir: Path, embedder, settings: RetrievalSettings) -> tuple[Path, float]:
    corpus = workdir / "corpus"
    corpus.mkdir(parents=True)
    for pid, text in qa.passages.items():
        (corpus / f"{pid}.txt").write_text(text)
    t0 = time.perf_counter()
    report = ingest(corpus, workdir / "index", embedder, settings)
    seconds = time.perf_counter() - t0
    log.info("%s: %d passages, %d chunks in %.1fs", qa.name, len(qa.passages), report.total_chunks, seconds)
    return workdir / "index", len(qa.passages) / seconds


def passage_ids(hits) -> list[str]:
    return [Path(h.chunk.source).stem for h in hits]


def retrieval_table(qa: QASet, items, index_dir: Path, embedder, settings: RetrievalSettings) -> dict[str, dict]:
    """Recall@1/5 and MRR, dense-only and hybrid (BM25 + dense, reciprocal-rank fusion)."""
    out = {}
    for label, hybrid in (("dense", False), ("hybrid", True)):
        cfg = settings.model_copy(deep=True)
        cfg.search.hybrid = hybrid
        retriever = Retriever(index_dir, embedder, cfg)
        ranks = [rank_of(item.passage_id, passage_ids(retriever.search(item.question, top_k=10).hits)) for item in items]
        out[label] = retrieval_scores(ranks)
    return out


def answer_modes(qa: QASet, items, gen_items, chain: AnswerChain) -> tuple[dict[str, float], dict[str, list[float]]]:
    accuracy: dict[str, float] = {}
    stages: dict[str, list[float]] = {}
    correct = 0
    for item in items:
        answer = chain.answer(item.question, mode="extractive")
        correct += contains_answer(answer.text, item.answers) and not answer.abstained
        for stage, ms in answer.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    accuracy[f"extractive (n={len(items)})"] = correct / len(items)
    accuracy[f"extractive, same {len(gen_items)}"] = sum(
        contains_answer(chain.answer(i.question, mode="extractive").text, i.answers) for i in gen_items) / max(1, len(gen_items))
    if chain.generator is not None and gen_items:
        for mode in ("generative", "guarded"):
            hits = 0
            for item in gen_items:
                answer = chain.answer(item.question, mode=mode)
                hits += contains_answer(answer.text, item.answers) and not answer.abstained
                if mode == "generative":
                    stages.setdefault("generate_ms", []).append(answer.timings_ms.get("generate_ms", 0.0))
            accuracy[f"{mode} (n={len(gen_items)})"] = hits / len(gen_items)
    return accuracy, stages


def abstention(chain: AnswerChain, answerable, unanswerable, out_of_corpus) -> dict[str, float]:
    def scores(items):
        return [chain.answer(i.question, mode="extractive").confidence for i in items]

    pos, neg, ooc = scores(answerable), scores(unanswerable), scores(out_of_corpus)
    reading = chain.reader is not None
    threshold = chain.settings.answer.min_answer_score if reading else chain.settings.answer.min_relevance
    name = "min_answer_score" if reading else "min_relevance"
    steps = (0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70) if reading else (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)
    sweep = {
        f"answered at {t:.2f}: answerable / SQuAD-unanswerable / out-of-corpus":
            f"{_share(pos, t):.3f} / {_share(neg, t):.3f} / {_share(ooc, t):.3f}"
        for t in steps
    }
    return {**sweep,
        "AUROC answerable vs SQuAD-unanswerable": auroc(pos, neg),
        "AUROC answerable vs out-of-corpus (SciQ questions)": auroc(pos, ooc),
        f"answered at {name}={threshold}: answerable": sum(s >= threshold for s in pos) / len(pos),
        f"answered at {name}={threshold}: SQuAD-unanswerable": sum(s >= threshold for s in neg) / len(neg),
        f"answered at {name}={threshold}: out-of-corpus": sum(s >= threshold for s in ooc) / len(ooc),
    }


def _share(scores: list[float], threshold: float) -> float:
    return sum(s >= threshold for s in scores) / max(1, len(scores))


def langchain_side_by_side(index_dir: Path, items, embedder, settings: RetrievalSettings) -> dict[str, float]:
    """The same questions through LangChain's FAISS vector store (same model, same vectors) and ours."""
    from langchain_community.vectorstores import FAISS

    ours = Retriever(index_dir, embedder, settings)
    version = ours.version()
    store = FAISS.from_embeddings(
        list(zip([c.embedding_text() for c in version.chunks], version.vectors.tolist())), embedder,
        metadatas=[{"source": c.source} for c in version.chunks],
    )
    dense_cfg = settings.model_copy(deep=True)
    dense_cfg.search.hybrid = False
    dense = Retriever(index_dir, embedder, dense_cfg)
    timings: dict[str, list[float]] = {"langchain": [], "ours-dense": [], "ours-hybrid": []}
    for item in items:
        for name, run in (
            ("langchain", lambda q: store.similarity_search_with_score(q, k=settings.search.top_k)),
            ("ours-dense", dense.search),
            ("ours-hybrid", ours.search),
        ):
            t0 = time.perf_counter()
            run(item.question)
            timings[name].append((time.perf_counter() - t0) * 1000)
    med = {k: statistics.median(v) for k, v in timings.items()}
    return {
        "LangChain FAISS similarity_search median ms": med["langchain"],
        "ours dense median ms": med["ours-dense"],
        "ours hybrid median ms": med["ours-hybrid"],
        "ratio ours-dense / LangChain": med["ours-dense"] / med["langchain"],
        "ratio ours-hybrid / LangChain": med["ours-hybrid"] / med["langchain"],
    }



def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gen-sample", type=int, default=40, help="SciQ questions answered by the generator (slow on CPU).")
    parser.add_argument("--squad-sample", type=int, default=600, help="SQuAD questions (half answerable); 0 for all.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=Path("eval/reports/rag.md"))
    args = parser.parse_args(argv)
    rng = prepare_run("sciq", args.seed)
    settings = RetrievalSettings()
    embedder = SentenceEmbedder(settings.embedding)
    sections = [f"# Retrieval and answer evaluation\n\nMachine: {platform.machine()}, {__import__('os').cpu_count()} cores, "
                f"Python {platform.python_version()}; embeddings {settings.embedding.model}; top_k {settings.search.top_k}.\n"]
    with tempfile.TemporaryDirectory() as tmp:
        sciq = load_sciq()
        sciq_index, sciq_rate = build_index(sciq, Path(tmp) / "sciq", embedder, settings)
        sections.append(f"## SciQ\n\n{len(sciq.passages)} support paragraphs, {len(sciq.items)} questions; "
                        f"ingest {sciq_rate:.1f} passages/s.\n\n### Retrieval\n\n" + recall_table(retrieval_table(sciq, sciq.items, sciq_index, embedder, settings)))
        generator = CachingGenerator(make_generator(settings.generator, Path("var/cache"))) if args.gen_sample else None
        chain = AnswerChain(Retriever(sciq_index, embedder, settings), embedder, settings, generator)
        gen_items = rng.sample(sciq.items, min(args.gen_sample, len(sciq.items)))
        accuracy, stages = answer_modes(sciq, sciq.items, gen_items, chain)
        sections.append("### Answer accuracy (answer states the correct option)\n\n" + table(accuracy, ("mode", "accuracy")))
        sections.append("### Latency per stage (SciQ, ms)\n\n" + "| stage | p50 | p95 |\n|---|---|---|\n" + "\n".join(
            f"| {k} | {percentiles(v)['p50']:.1f} | {percentiles(v)['p95']:.1f} |" for k, v in stages.items()))
        sections.append("### LangChain FAISS vector store vs ours (same model, same questions)\n\n" +
                        table(langchain_side_by_side(sciq_index, sciq.items[:300], embedder, settings)))

        squad = load_squad()
        squad_index, squad_rate = build_index(squad, Path(tmp) / "squad", embedder, settings)
        answerable = [i for i in squad.items if i.passage_id]
        unanswerable = [i for i in squad.items if not i.passage_id]
        if args.squad_sample:
            answerable = rng.sample(answerable, min(len(answerable), args.squad_sample // 2))
            unanswerable = rng.sample(unanswerable, min(len(unanswerable), args.squad_sample // 2))
        squad_chain = AnswerChain(Retriever(squad_index, embedder, settings), embedder, settings)
        out_of_corpus = rng.sample(sciq.items, min(len(sciq.items), len(unanswerable)))
        sections.append(f"## SQuAD 2.0\n\n{len(squad.passages)} paragraphs; {len(answerable)} answerable and "
                        f"{len(unanswerable)} unanswerable questions sampled; ingest {squad_rate:.1f} passages/s.\n\n### Retrieval (answerable)\n\n"
                        + recall_table(retrieval_table(squad, answerable, squad_index, embedder, settings)))
        squad_acc = sum(contains_answer(squad_chain.answer(i.question).text, i.answers) for i in answerable) / len(answerable)
        sections.append("### Abstention\n\nScore: the answer's confidence (the reader's probability for its leading "
                        "sentence; with `reader: none`, the best passage or sentence cosine). The reader was trained on "
                        "part of these articles: `tutor eval reading` scores only the articles it never saw.\n\n" +
                        table({**abstention(squad_chain, answerable, unanswerable, out_of_corpus), "extractive answer contains a gold span (answerable)": squad_acc}))
    return write_report(sections, args.out)


if __name__ == "__main__":
    main()
