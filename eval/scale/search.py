"""Search at company scale: index build, load, memory, latency and recall from 100k to 1M passages.

    tutor eval scale [--part search|ingest|all] [--sizes 100000,1000000] [--kinds flat,hnsw,ivf] [--repeats 3]
                     [--queries 200] [--passages 12000] [--synthetic] [--no-langchain] [--out eval/reports/scale.md]

For each size the corpus (search_data.py: real passages and questions embedded by the product's embedder, then
noisy copies) is written as an index version by the product (`write_version`: chunks, BM25, vectors), and for
each kind the dense index is rebuilt (`reindex`). Each kind is then measured in a fresh process (search_run.py):
load time and memory, the whole search path (`Retriever.search`: dense + BM25 + reciprocal-rank fusion) for one
question at a time, the bare dense index alone and in one batch, recall@10 of both against the flat (exact) run,
and LangChain's FAISS vector store over the same FAISS index. GPU variants run where the host has a GPU.
"""
from __future__ import annotations

import argparse
import gc
import inspect
import json
import logging
import multiprocessing
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ..report import write_report
from .search_data import Base, real_base, scaled, shared_data_present, synthetic_base
from .search_run import machine, measure

log = logging.getLogger("eval")
KINDS = ("flat", "hnsw", "ivf")
WARM_UP_MIN = 10


def run_search_benchmark(sizes: list[int], kinds: list[str] = list(KINDS), repeats: int = 3, queries: int = 200,
                         passages: int = 12_000, synthetic: bool = False, langchain: bool = True,
                         workdir: Path | None = None) -> dict:
    """Measure every kind at every size; returns the figures (format_search prints them)."""
    started = machine()
    base = synthetic_base(min(passages, max(sizes)), queries) if synthetic else real_base(passages, queries)
    result = {"machine": started, "origin": base.origin, "repeats": repeats, "questions": len(base.questions),
              "rows": [], "gpu": _gpu_note(), "embed": _question_embedding(base, synthetic)}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        folder = Path(tmp)
        (folder / "questions.json").write_text(json.dumps(base.questions))
        np.save(folder / "questions.npy", base.question_vectors)
        for size in sizes:
            result["rows"] += _measure_size(base, size, kinds, repeats, langchain, folder, result["gpu"])
    return result


def _measure_size(base: Base, size: int, kinds: list[str], repeats: int, langchain: bool, folder: Path,
                  gpu: dict) -> list[dict]:
    from retrieval.index_store import reindex
    from retrieval.settings import IndexSettings

    index_dir = folder / f"n{size}"
    t0 = time.perf_counter()
    _write_corpus(base, size, index_dir)
    write_s = time.perf_counter() - t0
    rows, exact = [], None
    wanted = ["flat"] + [k for k in kinds if k != "flat"]  # flat first: the exact reference
    for kind in wanted:
        if kind != "flat":
            reindex(index_dir, IndexSettings(kind=kind))
        row = _child(dict(index_dir=str(index_dir), kind=kind, use_gpu="never", gpu_engine="auto", exact=exact,
                          repeats=repeats, langchain=langchain, questions=str(folder / "questions.json"),
                          question_vectors=str(folder / "questions.npy")))
        exact = exact or row["exact"]
        row.update(size=size, label=kind, write_s=write_s)
        log.info("%d %s: path p50 %.2f ms, recall %.3f", size, kind, row["path_p50_ms"], row["path_recall"])
        if kind in kinds:
            rows.append(row)
    if gpu["engines"]:
        reindex(index_dir, IndexSettings(kind="flat"))
    for engine in gpu["engines"]:
        row = _child(dict(index_dir=str(index_dir), kind="flat", use_gpu="auto", gpu_engine=engine, exact=exact,
                          repeats=repeats, langchain=False, questions=str(folder / "questions.json"),
                          question_vectors=str(folder / "questions.npy")))
        row.update(size=size, label=f"GPU ({engine})", write_s=write_s)
        rows.append(row)
    shutil.rmtree(index_dir, ignore_errors=True)
    return rows


def _write_corpus(base: Base, size: int, index_dir: Path) -> None:
    """The corpus as the product writes an index version (one document per 1,000 passages)."""
    from retrieval.chunking import Chunk
    from retrieval.index_store import IndexedDocument, write_version
    from retrieval.settings import IndexSettings

    vectors, texts = scaled(base, size)
    chunks = [Chunk(f"c{i}", f"course-{i // 1000}", f"Course {i // 1000}", "", text, f"course-{i // 1000}.md", "", i)
              for i, text in enumerate(texts)]
    documents = [IndexedDocument(f"course-{d}.md", "-", f"course-{d}", f"Course {d}", min(1000, size - d * 1000), {})
                 for d in range((size + 999) // 1000)]
    write_version(index_dir, documents, chunks, vectors, IndexSettings(kind="flat"),
                  {"embedding_model": "scale-benchmark", "dimension": int(vectors.shape[1])})
    del vectors, texts, chunks
    gc.collect()


def _child(job: dict) -> dict:
    """`measure` in a fresh interpreter (spawned: nothing inherited but the job)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measure, (job,))


def _gpu_note() -> dict:
    from retrieval.vector_index import Host

    host = Host.detect()
    engines = (["torch"] if host.cuda else []) + (["faiss"] if host.faiss_gpus else [])
    note = ("GPU variants: " + ", ".join(engines)) if engines else \
        "GPU variants skipped: this host has no GPU (torch sees no CUDA device and FAISS is the CPU build)."
    return {"engines": engines, "note": note}


def _question_embedding(base: Base, synthetic: bool) -> str:
    """One question's embedding with the product's query embedder (not part of the search figures)."""
    if synthetic:
        return "Question embedding not measured (synthetic vectors)."
    from retrieval import QueryEmbedder, RetrievalSettings

    from .search_data import ROOT

    embedder = QueryEmbedder(RetrievalSettings().embedding, ROOT / "var" / "cache")
    embedder.embed(base.questions[:3])
    times = []
    for question in base.questions[:50]:
        t0 = time.perf_counter()
        embedder.embed([question])
        times.append((time.perf_counter() - t0) * 1000)
    return (f"Embedding one question (the product's query embedder, {type(embedder.backend).__name__}) took "
            f"{statistics.median(times):.1f} ms p50 on this machine; it is the same at every size and not in the "
            "search figures below.")


def format_search(result: dict) -> str:
    rows = result["rows"]
    lines = ["# Search at scale", "",
             f"Machine: {result['machine']}. Corpus: {result['origin']}; medians of {result['repeats']} repeated "
             f"runs over {result['questions']} questions, one question at a time unless it says batch. Sizes run: "
             f"{', '.join(f'{s:,}' for s in dict.fromkeys(r['size'] for r in rows))}.", "", result["embed"], "",
             result["gpu"]["note"], "",
             "## Whole search path (`Retriever.search`: dense + BM25 + fusion, top 10)", "",
             "| passages | index | p50 ms | p95 ms | QPS | recall@10 vs flat | LangChain FAISS p50 ms | product speed-up |"
             " LangChain, FAISS on 1 thread, p50 ms |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lc, lc1 = r.get("langchain_p50_ms"), r.get("langchain_1t_p50_ms")
        speedup = f"{lc / r['path_p50_ms']:.1f}x" if lc else "–"
        lines.append(f"| {r['size']:,} | {r['label']} | {r['path_p50_ms']:.2f} | {r['path_p95_ms']:.2f} | "
                     f"{r['path_qps']:.0f} | {r['path_recall']:.3f} | {_ms(lc)} | {speedup} | {_ms(lc1)} |")
    lines += _defaults_table(rows)
    lines += ["", "## Bare dense index and BM25 (the parts of the path)", "",
              "| passages | index | engine | dense p50 ms | dense p95 ms | dense batch QPS | dense recall@10 | "
              "BM25 p50 ms | in the path: dense / BM25 p50 ms |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        stage = r["stage_p50_ms"]
        lines.append(f"| {r['size']:,} | {r['label']} | {r['engine']} | {r['dense_p50_ms']:.2f} | {r['dense_p95_ms']:.2f} | "
                     f"{r['dense_batch_qps']:.0f} | {r['dense_recall']:.3f} | {r['bm25_p50_ms']:.2f} | "
                     f"{stage['dense_ms']:.2f} / {stage['bm25_ms']:.2f} |")
    sweeps = [r for r in rows if r.get("sweep")]
    if sweeps:
        lines += ["", "## Search breadth: bare dense index, one question", "",
                  "| passages | index | setting | p50 ms | recall@10 |", "|---|---|---|---|---|"]
        lines += [f"| {r['size']:,} | {r['label']} | {s['setting']} | {s['p50_ms']:.2f} | {s['recall']:.3f} |"
                  for r in sweeps for s in r["sweep"]]
    lines += ["", "## Build, load and memory", "",
              "| passages | index | dense build s | chunks.db written s | BM25 built s | load s | "
              "version on disk MB | dense index MB | RSS after load MB | RSS after searches MB |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        built = r["build_seconds"]
        lines.append(f"| {r['size']:,} | {r['label']} | {built.get('dense', 0):.1f} | {built.get('chunks', 0):.1f} | "
                     f"{built.get('bm25', 0):.1f} | {r['load_s']:.2f} | {r['disk_mb']:.0f} | {r['dense_disk_mb']:.0f} | "
                     f"{r['rss_load_mb']:.0f} | {r['rss_search_mb']:.0f} |")
    lines += ["", "RSS is the measuring process's growth over its state before loading (vectors and BM25 postings are "
              "mapped files: counted once touched). The LangChain store shares the product's FAISS index object "
              "(same vectors, kind and parameters) and runs FAISS with its default threads; the last column holds it "
              "to one thread per question, as the product does."]
    return "\n".join(lines)


def _defaults_table(rows: list[dict]) -> list[str]:
    """Each side as it comes: LangChain's FAISS store as `FAISS.from_embeddings` builds it (flat) against the
    product with the kind its settings choose for that size."""
    from retrieval.settings import IndexSettings
    from retrieval.vector_index import choose_kind

    lines = []
    for size in dict.fromkeys(r["size"] for r in rows):
        by_label = {r["label"]: r for r in rows if r["size"] == size}
        chosen = choose_kind(size, IndexSettings())
        lc = by_label.get("flat", {}).get("langchain_p50_ms")
        if chosen in by_label and lc:
            ours = by_label[chosen]["path_p50_ms"]
            lines.append(f"| {size:,} | {chosen} | {ours:.2f} | {by_label[chosen]['path_recall']:.3f} | {lc:.2f} | "
                         f"{lc / ours:.1f}x |")
    if not lines:
        return []
    return ["", "Each as it comes: the product with the index kind its settings choose for the size, against "
            "LangChain's FAISS store as `FAISS.from_embeddings` builds it (flat):", "",
            "| passages | product's kind | product path p50 ms | recall@10 | LangChain (flat) p50 ms | speed-up |",
            "|---|---|---|---|---|---|", *lines]


def _ms(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


def _ingest_part(args: argparse.Namespace) -> str:
    """The ingest benchmark (eval/scale/ingest.py), given the options it takes."""
    try:
        from . import ingest as bench
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.ingest":
            raise
        raise SystemExit("the ingest part of `tutor eval scale` (eval/scale/ingest.py) is not installed in this "
                         "checkout; run `--part search`")
    offered = {"sizes": args.sizes, "repeats": args.repeats, "synthetic": args.synthetic}
    accepted = inspect.signature(bench.run_ingest_benchmark).parameters
    return bench.format_ingest(bench.run_ingest_benchmark(**{k: v for k, v in offered.items() if k in accepted}))


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(s)) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be numbers separated by commas, not {text!r}")
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("each size must be at least 100 passages")
    return sizes


def _kinds(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"kinds are {', '.join(KINDS)}; not {', '.join(unknown) or 'none'}")
    return kinds


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["search", "ingest", "all"], default="search")
    parser.add_argument("--sizes", type=_sizes, default=[100_000], help="Passages per corpus, e.g. 100000,1000000.")
    parser.add_argument("--kinds", type=_kinds, default=list(KINDS), help="Dense index kinds (flat always runs: it is the reference).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed passes over the questions (medians are reported).")
    parser.add_argument("--queries", type=int, default=200, help="Questions asked per pass.")
    parser.add_argument("--passages", type=int, default=12_000, help="Distinct real passages embedded (cached).")
    parser.add_argument("--synthetic", action="store_true", help="Synthetic vectors and texts instead of ../shared data.")
    parser.add_argument("--no-langchain", dest="langchain", action="store_false", help="Skip LangChain's FAISS store.")
    parser.add_argument("--workdir", type=Path, default=None, help="Where the index versions are written (a temporary folder inside).")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/scale.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.repeats < 1 or args.queries < WARM_UP_MIN:
        parser.error(f"--repeats must be at least 1 and --queries at least {WARM_UP_MIN}")
    if not args.synthetic and args.part != "ingest" and not shared_data_present():
        raise SystemExit("evaluation data not found (../shared/evaldata, ../shared/corpora; set TUTOR_EVALDATA and "
                         "TUTOR_CORPORA) — or run with --synthetic")
    sections = []
    if args.part in ("search", "all"):
        result = run_search_benchmark(args.sizes, args.kinds, args.repeats, args.queries, args.passages,
                                      args.synthetic, args.langchain, args.workdir)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".search.json").write_text(json.dumps(result, indent=1))
        sections.append(format_search(result))
    if args.part in ("ingest", "all"):
        sections.append(_ingest_part(args))
    return write_report(sections, args.out)
