"""Ingest throughput: the product's `ingest` against plain sentence-transformers on the same chunks, in one run.

    .venv/bin/python -m eval.scale.ingest [--chunks 10000] [--repeats 3] [--precision fp32|int8] [--out eval/reports/ingest_scale.md]

N real passages of about 128 tokens (windows of whole sentences, 300-800 characters, from the SciQ support
paragraphs, the SQuAD 2.0 contexts and the 18F handbook pages in ../shared; up to about 14,000 distinct ones)
are written one a file into a temporary folder. Each repeat then times, in this process and after every model
was loaded and warmed on other texts (process start and model loading are not counted):

- `product`: `retrieval.ingest` of the folder into a new index with the settings as shipped (the English chunk
  vectors, every English sentence embedded for the answer step, the multilingual embedding of every chunk, the
  index written); the parts it reports are given apart;
- `product, chunks only`: the same with the sentence vectors and the multilingual embedding off, i.e. the work
  a plain encoder does plus reading, chunking and writing;
- `ingest encoder`: the encoder ingest uses (`embeddings.ingest_embedder`) on the chunk texts alone;
- `plain sentence-transformers`: `SentenceTransformer(model_path).encode(texts)` with its defaults (batch 32,
  torch's default threads).

Rates are chunks per second of wall-clock time; the report gives each one's median over the repeats and the
ratios of the medians, and beside them chunks per second of this process's CPU time (both threads counted),
which other processes on the machine disturb less (torch's idle threads may spin, which counts against it).
The windows overlap (one starts at every sentence), so a sentence belongs to about four chunks and the
sentence table embeds about a quarter of what a corpus of separate pages would: the report says how many
sentences were embedded. Run it on an idle machine: other processes on the cores lower every rate, not
necessarily alike.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger("eval")

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TUTOR_SHARED", ROOT.parent / "shared"))
MIN_CHARS, TARGET_CHARS, MAX_CHARS = 300, 450, 800
WARM_CHUNKS = 48


def _source_texts(shared: Path = SHARED) -> list[str]:
    """SciQ support paragraphs, SQuAD contexts and the handbook pages (clean text, headings dropped)."""
    from retrieval.loaders import find_documents, load_document

    texts: list[str] = []
    sciq = shared / "evaldata" / "sciq" / "sciq_dev.jsonl"
    if sciq.exists():
        for line in sciq.read_text().splitlines():
            support = (json.loads(line).get("support") or "").strip()
            if support:
                texts.append(support)
    squad = shared / "evaldata" / "squad_v2" / "cs224n_dev-v2.0.json"
    if squad.exists():
        data = json.loads(squad.read_text())
        texts += [p["context"] for article in data["data"] for p in article["paragraphs"]]
    handbook = shared / "corpora" / "18f-handbook"
    if handbook.exists():
        for path in find_documents(handbook):
            try:
                doc = load_document(path, handbook)
            except Exception:  # noqa: BLE001 - a page the loader refuses is simply not a source here
                continue
            texts.append("\n\n".join(p for p in doc.text.split("\n\n") if not p.lstrip().startswith("#")))
    return list(dict.fromkeys(t for t in texts if t.strip()))


def benchmark_chunks(count: int, shared: Path = SHARED, seed: int = 7) -> list[str]:
    """`count` distinct passages of about 128 tokens: windows of whole sentences (300-800 characters, starting at
    every sentence) from the shared texts, shuffled with `seed`. Fails when the texts hold fewer."""
    from retrieval.extractive import split_sentences

    windows: dict[str, None] = {}
    for text in _source_texts(shared):
        sentences = split_sentences(text)
        for start in range(len(sentences)):
            taken, length = [], 0
            for sentence in sentences[start:]:
                taken.append(sentence)
                length += len(sentence) + 1
                if length >= TARGET_CHARS:
                    break
            if MIN_CHARS <= length <= MAX_CHARS:
                windows[" ".join(taken)] = None
    chunks = list(windows)
    random.Random(seed).shuffle(chunks)
    if len(chunks) < count:
        raise ValueError(f"the shared texts hold {len(chunks)} passages, fewer than the {count} asked for")
    return chunks[:count]


def machine() -> dict:
    """Cores this process may use, the CPU's model, and the load before the run."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        flags = []
    from retrieval.onnx_embedder import available_cores

    return {"cores": available_cores(), "cpu": model, "avx512": "avx512f" in flags,
            "int8_dot_products": "avx512_vnni" in flags or "avx_vnni" in flags,
            "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "python": platform.python_version()}


def _write_files(folder: Path, texts: list[str]) -> None:
    folder.mkdir(parents=True)
    for i, text in enumerate(texts):
        (folder / f"passage-{i:05d}.txt").write_text(text + "\n")


def _settings(precision: str | None, full: bool):
    from retrieval import RetrievalSettings

    settings = RetrievalSettings()
    if precision:
        settings.embedding.precision = precision
    if not full:
        settings.index.sentence_vectors = False
        settings.multilingual.model = "none"
    return settings


def _timed_ingest(folder: Path, index_dir: Path, embedder, settings, cache_dir: Path) -> dict:
    from retrieval import ingest

    started, cpu = time.perf_counter(), time.process_time()
    report = ingest(folder, index_dir, embedder, settings, cache_dir=cache_dir)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if report.failed:
        raise RuntimeError(f"ingest failed for {len(report.failed)} files, e.g. {next(iter(report.failed.items()))}")
    return {"chunks": report.total_chunks, "seconds": seconds, "chunks_per_s": report.total_chunks / seconds,
            "chunks_per_cpu_s": report.total_chunks / cpu,
            "sentences_embedded": report.sentences_embedded,
            "parts_s": {"reading and chunking": report.read_seconds, "chunk vectors": report.chunk_seconds,
                        "sentence vectors": report.sentence_seconds, "multilingual vectors": report.multilingual_seconds,
                        "writing the index": report.write_seconds,
                        "other (fingerprints, lock, bookkeeping)": max(0.0, seconds - report.read_seconds
                                                                       - report.chunk_seconds - report.sentence_seconds
                                                                       - report.multilingual_seconds - report.write_seconds)}}


def run_ingest_benchmark(chunks: int = 10_000, repeats: int = 3, *, precision: str | None = None,
                         plain: bool = True, cache_dir: Path | None = None,
                         say: Callable[[str], None] | None = None) -> dict:
    """Time the product's ingest and plain sentence-transformers on the same `chunks` passages, `repeats` times
    (models loaded and warmed first); return the rates, their medians and ratios, and the machine.

    `precision` overrides `retrieval.embedding.precision` (None: the shipped default); `plain` False leaves
    sentence-transformers out (no ratio then); `cache_dir` is where the ONNX models are made once (default
    var/cache); `say` receives a line per timed step."""
    from retrieval import SentenceEmbedder
    from retrieval.embeddings import ingest_embedder
    from retrieval.multilingual import multilingual_embedder
    from retrieval.onnx_embedder import model_dir

    say = say or log.info
    cache_dir = Path(cache_dir or ROOT / "var" / "cache")
    texts = benchmark_chunks(chunks)
    full, lean = _settings(precision, True), _settings(precision, False)
    given = SentenceEmbedder(full.embedding)  # what `tutor ingest` hands to ingest
    encoder = ingest_embedder(given, full.embedding, cache_dir)
    counts = encoder.token_counts(texts) if hasattr(encoder, "token_counts") else []
    result: dict = {
        "machine": machine(), "chunks": len(texts), "repeats": repeats,
        "mean_tokens": round(statistics.fmean(counts), 1) if counts else None,
        "settings": {"backend": full.embedding.backend, "precision": full.embedding.precision,
                     "encoder": type(encoder).__name__ + (f" ({Path(encoder.path).name})" if hasattr(encoder, "path") else ""),
                     "threads": getattr(encoder, "threads", None), "batch_size": full.embedding.batch_size,
                     "multilingual": full.multilingual.model, "sentence_vectors": full.index.sentence_vectors},
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        work = Path(tmp)
        _write_files(work / "passages", texts)
        warm = benchmark_chunks(len(texts) + WARM_CHUNKS)[len(texts):]  # other passages: nothing is reused
        _write_files(work / "warm", warm)
        # Load and warm every model: the English encoder, the multilingual one, sentence-transformers.
        _timed_ingest(work / "warm", work / "warm-index", given, full, cache_dir)
        multilingual_embedder(full.multilingual)
        model = None
        if plain:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(model_dir(full.embedding)))
            model.encode(warm)
        for repeat in range(repeats):
            run: dict = {}
            index_dir = work / f"index-{repeat}"
            run["product"] = _timed_ingest(work / "passages", index_dir, given, full, cache_dir)
            say(f"repeat {repeat + 1}: product ingest {run['product']['chunks_per_s']:.1f} chunks/s")
            shutil.rmtree(index_dir)
            run["product_chunks_only"] = _timed_ingest(work / "passages", index_dir, given, lean, cache_dir)
            say(f"repeat {repeat + 1}: product ingest, chunks only {run['product_chunks_only']['chunks_per_s']:.1f} chunks/s")
            shutil.rmtree(index_dir)
            started, cpu = time.perf_counter(), time.process_time()
            encoder.embed(texts, batch_size=full.embedding.batch_size)
            run["encoder"] = {"chunks_per_s": len(texts) / (time.perf_counter() - started),
                              "chunks_per_cpu_s": len(texts) / (time.process_time() - cpu)}
            say(f"repeat {repeat + 1}: ingest encoder alone {run['encoder']['chunks_per_s']:.1f} chunks/s")
            if model is not None:
                started, cpu = time.perf_counter(), time.process_time()
                model.encode(texts)
                run["plain"] = {"chunks_per_s": len(texts) / (time.perf_counter() - started),
                                "chunks_per_cpu_s": len(texts) / (time.process_time() - cpu)}
                say(f"repeat {repeat + 1}: plain sentence-transformers {run['plain']['chunks_per_s']:.1f} chunks/s")
            result["runs"].append(run)
    result["machine"]["load_average_after"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    for name in ("product", "product_chunks_only", "encoder", "plain"):
        rates = [run[name]["chunks_per_s"] for run in result["runs"] if name in run]
        if not rates:
            continue
        summary: dict = {"chunks_per_s": statistics.median(rates), "runs": rates,
                         "chunks_per_cpu_s": statistics.median(run[name]["chunks_per_cpu_s"] for run in result["runs"])}
        if "parts_s" in result["runs"][0][name]:
            parts = result["runs"][0][name]["parts_s"]
            summary["parts_s"] = {part: statistics.median(run[name]["parts_s"][part] for run in result["runs"])
                                  for part in parts}
            summary["seconds"] = statistics.median(run[name]["seconds"] for run in result["runs"])
            summary["sentences_embedded"] = result["runs"][0][name]["sentences_embedded"]
        result[name] = summary
    if "plain" in result:
        base = result["plain"]["chunks_per_s"]
        result["ratio"] = result["product"]["chunks_per_s"] / base
        result["ratio_chunks_only"] = result["product_chunks_only"]["chunks_per_s"] / base
        result["ratio_encoder"] = result["encoder"]["chunks_per_s"] / base
        cpu_base = result["plain"]["chunks_per_cpu_s"]
        result["cpu_ratio"] = {name: result[name]["chunks_per_cpu_s"] / cpu_base
                               for name in ("product", "product_chunks_only", "encoder")}
    return result


def format_ingest(result: dict) -> str:
    """The benchmark's result as Markdown."""
    m, s = result["machine"], result["settings"]
    lines = [f"### Ingest throughput ({result['chunks']} passages, mean {result['mean_tokens']} tokens; median of "
             f"{result['repeats']} runs)", "",
             f"Machine: {m['cores']} cores, {m['cpu']} (AVX-512 {'yes' if m['avx512'] else 'no'}, int8 dot products "
             f"{'yes' if m['int8_dot_products'] else 'no'}), load average {m['load_average']} before and "
             f"{m.get('load_average_after')} after; Python {m['python']}.",
             f"Ingest encoder: {s['encoder']}, precision {s['precision']}, {s['threads']} threads, batch "
             f"{s['batch_size']}; multilingual {s['multilingual']}, sentence vectors {'on' if s['sentence_vectors'] else 'off'}.",
             "", "| what | chunks/s (median) | runs | × plain sentence-transformers | chunks per CPU-second | × plain, by CPU time |",
             "|---|---|---|---|---|---|"]
    labels = {"product": "`tutor ingest` as shipped (chunks, sentences, multilingual, index)",
              "product_chunks_only": "`tutor ingest`, sentence vectors and multilingual off",
              "encoder": "ingest's encoder alone (same texts)", "plain": "plain sentence-transformers (defaults)"}
    base = result.get("plain", {}).get("chunks_per_s")
    cpu_base = result.get("plain", {}).get("chunks_per_cpu_s")
    for name, label in labels.items():
        if name in result:
            rate, cpu = result[name]["chunks_per_s"], result[name].get("chunks_per_cpu_s")
            runs = ", ".join(f"{r:.1f}" for r in result[name]["runs"])
            ratio = f"{rate / base:.2f}" if base else "–"
            cpu_shown = f"{cpu:.1f}" if cpu else "–"
            cpu_ratio = f"{cpu / cpu_base:.2f}" if cpu and cpu_base else "–"
            lines.append(f"| {label} | {rate:.1f} | {runs} | {ratio} | {cpu_shown} | {cpu_ratio} |")
    for name in ("product", "product_chunks_only"):
        if name in result:
            parts = result[name]["parts_s"]
            shown = "; ".join(f"{part} {sec:.1f} s" for part, sec in parts.items() if sec >= 0.05)
            lines += ["", f"{labels[name]}: {result[name]['seconds']:.1f} s, of which {shown}; "
                      f"{result[name]['sentences_embedded']} sentences embedded."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    from ..report import write_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000, help="Passages ingested (10000 or more for the goal).")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", choices=("fp32", "int8"), default=None, help="Default: the shipped setting.")
    parser.add_argument("--no-plain", action="store_true", help="Leave plain sentence-transformers out.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the result as JSON here.")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/ingest_scale.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("retrieval", "sentence_transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    result = run_ingest_benchmark(args.chunks, args.repeats, precision=args.precision, plain=not args.no_plain)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return write_report(["# Ingest at scale", format_ingest(result)], args.out)


if __name__ == "__main__":
    main()
