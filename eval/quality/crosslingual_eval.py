"""Chinese questions over an English handbook: is the gold section found, and is the answer taken from it?

    tutor eval crosslingual [--out eval/reports/crosslingual.md] [--index FOLDER] [--limit N] [--no-answers]

The 18F handbook (../shared/corpora/18f-handbook) is ingested through `retrieval.ingest` with the project's
settings (tutor.yml and TUTOR_* variables), into a temporary folder unless `--index` names one to keep (a kept
folder makes the next run's ingest incremental). Each question of eval/handbook/questions_zh.yaml (Chinese
versions of covered questions, written before tuning) and, for comparison, the English question it mirrors goes
through the real `Retriever.search` (is a passage of the gold page under the gold heading among the top 5, and
first?) and the real `AnswerChain` (answered or declined; is the lead sentence from the gold section; does the
answer state the English question's facts). Goal: the gold section among the top 5 for at least 80% of the
Chinese questions.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..handbook.questions import Covered, Mirrored, corpus_dir, fact_hits, load_handbook_set, load_mirrored_set, normalise
from ..metrics import percentiles
from ..report import table, write_report
from .crosslingual_courses import compare_on_courses, without_dictionary

log = logging.getLogger("eval")
TOP_K = 5
GOAL_TOP5 = 0.80
SECTION_PATH_SEPARATOR = " > "  # a chunk's section is its heading path, e.g. "Sick leave > Civilian"


def same_page(source: str, gold_file: str) -> bool:
    """A passage's source file (relative to the ingested folder) is the gold page."""
    source = (source or "").replace("\\", "/")
    return source == gold_file or source.endswith("/" + gold_file)


def under_heading(section: str, gold_section: str) -> bool:
    """A passage's heading path lies under the gold heading ("" = before the first heading of the page)."""
    if not gold_section:
        return not section
    wanted = normalise(gold_section)
    return any(normalise(part) == wanted for part in (section or "").split(SECTION_PATH_SEPARATOR))


def is_gold(source: str, section: str, gold_file: str, gold_section: str) -> bool:
    return same_page(source, gold_file) and under_heading(section, gold_section)


def gold_rank(hits: Iterable, gold_file: str, gold_section: str) -> int | None:
    """1-based rank of the first hit (retrieval's Hit: `.chunk.source`, `.chunk.section`) in the gold section."""
    for rank, hit in enumerate(hits, 1):
        if is_gold(hit.chunk.source, hit.chunk.section, gold_file, gold_section):
            return rank
    return None


@dataclass
class Judged:
    """One question through search and the answer chain."""

    id: str
    question: str
    rank: int | None = None  # of the gold section in the top TOP_K, None when absent
    page_rank: int | None = None  # of the gold page, any section
    answered: bool | None = None  # None: answers not evaluated
    lead: str = ""
    lead_from_gold: bool = False
    lead_verbatim: bool = False  # the lead occurs word for word in some passage of the index
    first_source_gold: bool = False
    facts: bool = False
    answer_ms: float = 0.0
    mode: str = ""


@dataclass
class Passages:
    """The index's passage texts, normalised, with where they come from: to tell where a lead sentence is from."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (source, section, normalised text)

    @classmethod
    def of(cls, chunks: Sequence) -> "Passages":
        return cls([(c.source, c.section, normalise(c.text)) for c in chunks])

    def holding(self, sentence: str) -> list[tuple[str, str]]:
        needle = normalise(sentence)
        if not needle:
            return []
        return [(source, section) for source, section, text in self.rows if needle in text]


def judge_answer(judged: Judged, answer, gold_file: str, gold_section: str, facts, passages: Passages) -> None:
    """Fill in the answer measures from a retrieval.Answer."""
    judged.answered = not answer.abstained
    judged.mode = answer.mode
    if answer.abstained:
        return
    judged.lead = (answer.lead or answer.text or "").strip()
    places = passages.holding(judged.lead)
    judged.lead_verbatim = bool(places)
    first = answer.citations[0] if answer.citations else None
    judged.first_source_gold = first is not None and is_gold(first.source, first.section, gold_file, gold_section)
    # A lead found word for word is judged by where it occurs; a reworded one (generated, translated) by its source.
    judged.lead_from_gold = (any(is_gold(s, sec, gold_file, gold_section) for s, sec in places) if places
                             else judged.first_source_gold)
    found, total = fact_hits(answer.text, facts)
    judged.facts = total == 0 or found == total


def search_all(retriever, items: Sequence[tuple[str, str, str, str]], top_k: int = TOP_K) -> list[Judged]:
    """items: (id, question, gold_file, gold_section); each searched once, unrestricted (groups=None)."""
    out = []
    for qid, question, gold_file, gold_section in items:
        hits = retriever.search(question, top_k=top_k).hits[:top_k]
        page = next((r for r, h in enumerate(hits, 1) if same_page(h.chunk.source, gold_file)), None)
        out.append(Judged(qid, question, rank=gold_rank(hits, gold_file, gold_section), page_rank=page))
    return out


def answer_all(chain, judged: Sequence[Judged], golds: Sequence[tuple[str, str, list]], passages: Passages) -> None:
    for j, (gold_file, gold_section, facts) in zip(judged, golds):
        t0 = time.perf_counter()
        answer = chain.answer(j.question)
        j.answer_ms = (time.perf_counter() - t0) * 1000
        judge_answer(j, answer, gold_file, gold_section, facts, passages)


def rate(values: Iterable[bool]) -> float:
    values = list(values)
    return sum(1 for v in values if v) / max(1, len(values))


def measures(rows: Sequence[Judged]) -> dict[str, float | str]:
    out: dict[str, float | str] = {
        f"gold section in the top {TOP_K}": rate(r.rank is not None for r in rows),
        "gold section first (top-1)": rate(r.rank == 1 for r in rows),
        "MRR (gold section, top 5)": sum(1 / r.rank for r in rows if r.rank) / max(1, len(rows)),
        f"gold page in the top {TOP_K}": rate(r.page_rank is not None for r in rows),
    }
    if rows and rows[0].answered is not None:
        answered = [r for r in rows if r.answered]
        out.update({
            "answered (not declined)": rate(r.answered for r in rows),
            "lead sentence from the gold section (of all)": rate(r.lead_from_gold for r in rows),
            "lead sentence from the gold section (of answered)": rate(r.lead_from_gold for r in answered),
            "first source is the gold section (of answered)": rate(r.first_source_gold for r in answered),
            "every fact of the English question stated (of all)": rate(r.answered and r.facts for r in rows),
            "answers whose lead is not word for word in a passage": f"{sum(not r.lead_verbatim for r in answered)} of {len(answered)}",
        })
        p = percentiles([r.answer_ms for r in rows])
        out["answer time p50 / p95 ms"] = f"{p['p50']:.0f} / {p['p95']:.0f}"
    return out


def comparison(zh: Sequence[Judged], en: Sequence[Judged]) -> str:
    left, right = measures(zh), measures(en)
    lines = ["| measure | Chinese | English original |", "|---|---|---|"]
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines += [f"| {k} | {fmt(v)} | {fmt(right.get(k, ''))} |" for k, v in left.items()]
    return "\n".join(lines)


def misses(pairs: Sequence[tuple[Mirrored, Covered]], zh: Sequence[Judged], en: Sequence[Judged]) -> str:
    """Questions whose Chinese version misses the gold section in the top 5 or answers from elsewhere."""
    lines = ["| id | mirrors | question | gold | zh rank | en rank | zh answered | zh lead from gold | zh lead |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (q, _), z, e in zip(pairs, zh, en):
        if z.rank is not None and (z.answered is None or z.lead_from_gold):
            continue
        lead = z.lead.replace("|", "\\|").replace("\n", " ")[:90]
        gold = f"{q.gold_file} › {q.gold_section or '(top)'}"
        lines.append(f"| {q.id} | {q.mirrors} | {q.question} | {gold} | {z.rank or '–'} | {e.rank or '–'} | "
                     f"{'' if z.answered is None else z.answered} | {z.lead_from_gold} | {lead} |")
    return "\n".join(lines) if len(lines) > 2 else "none"


def _setting(obj, dotted: str, default="–"):
    for name in dotted.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return default
    return obj


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None,
                        help="index folder to keep between runs (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/crosslingual.md"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N Chinese questions (a quick slice)")
    parser.add_argument("--no-answers", action="store_true", help="search only; skip the answer chain")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    corpus = corpus_dir()
    if not corpus.is_dir():
        raise SystemExit(f"handbook not found at {corpus} (set TUTOR_CORPORA)")
    from retrieval import Retriever, SentenceEmbedder, build_answer_chain, ingest
    from tutor import load_settings

    settings = load_settings()
    cfg = settings.retrieval
    hset, mset = load_handbook_set(), load_mirrored_set()
    pairs = mset.pairs(hset)[: args.limit or None]
    with contextlib.ExitStack() as stack:
        index_dir = args.index or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crosslingual-"))) / "index"
        t0 = time.perf_counter()
        report = ingest(corpus, index_dir, SentenceEmbedder(cfg.embedding), cfg)
        ingest_s = time.perf_counter() - t0
        log.info("handbook indexed: %d passages (%d embedded) in %.0fs", report.total_chunks, report.chunks_embedded, ingest_s)
        chain = build_answer_chain(index_dir, settings.path(settings.paths.cache_dir), cfg)
        retriever = chain.retriever
        zh_items = [(q.id, q.question, q.gold_file, q.gold_section) for q, _ in pairs]
        en_items = [(c.id, c.question, c.gold_file, c.gold_section) for _, c in pairs]
        t0 = time.perf_counter()
        zh, en = search_all(retriever, zh_items), search_all(retriever, en_items)
        search_s = time.perf_counter() - t0
        plain = Retriever(index_dir, retriever.embedder, without_dictionary(cfg), multilingual=retriever.multilingual)
        zh_plain = search_all(plain, zh_items)
        if not args.no_answers:
            passages = Passages.of(retriever.corpus()[1])
            golds = [(c.gold_file, c.gold_section, c.facts) for _, c in pairs]
            chain.answer(zh_items[0][1])  # warm-up: models load on first use
            answer_all(chain, zh, golds, passages)
            answer_all(chain, en, golds, passages)
    top5 = measures(zh)[f"gold section in the top {TOP_K}"]
    verdict = "met" if top5 >= GOAL_TOP5 else "not met"
    sections = [
        "# Chinese questions over the English 18F handbook\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Question set: eval/handbook/questions_zh.yaml ({len(pairs)} Chinese questions, each beside the English "
        f"question it mirrors in questions.yaml). Settings: embedding `{_setting(cfg, 'embedding.model')}`, "
        f"multilingual `{_setting(cfg, 'multilingual.model')}`, answer mode `{_setting(cfg, 'answer.mode')}`, "
        f"reader `{_setting(cfg, 'answer.reader')}`. Index: {report.total_chunks} passages "
        f"({report.chunks_embedded} embedded in this run, {ingest_s:.0f}s); {len(zh) + len(en)} searches in "
        f"{search_s:.1f}s.\n",
        f"## Results\n\nGoal: gold section in the top {TOP_K} for at least {GOAL_TOP5:.0%} of the Chinese questions "
        f"— {verdict} ({top5:.1%}).\n\n" + comparison(zh, en),
        "## What the dictionary adds\n\nThe same Chinese questions searched with `multilingual.dictionary: none` "
        "(the multilingual embedding and jieba's BM25 alone) against the configured dictionary, which also renders "
        "each question in English words and searches them as English is.\n\n" + table({
            f"gold section in the top {TOP_K}: without / with": f"{rate(z.rank is not None for z in zh_plain):.3f} / "
                                                              f"{rate(z.rank is not None for z in zh):.3f}",
            "gold section first: without / with": f"{rate(z.rank == 1 for z in zh_plain):.3f} / {rate(z.rank == 1 for z in zh):.3f}",
        }) + "\n\nChinese questions about the English sample courses (eval/reader/crosslingual_dev.yaml, the "
        "development set of the cross-language cut), searched and answered:\n\n"
        + compare_on_courses(cfg, settings.path(settings.paths.cache_dir)),
        "## By the style of the English question\n\n" + table({
            f"{style} (n={sum(1 for _, c in pairs if c.style == style)}): zh / en top {TOP_K}":
                f"{rate(z.rank is not None for (_, c), z in zip(pairs, zh) if c.style == style):.3f} / "
                f"{rate(e.rank is not None for (_, c), e in zip(pairs, en) if c.style == style):.3f}"
            for style in ("literal", "paraphrased")}),
        "## Chinese questions missed\n\nGold section not in the top 5, or the lead sentence not from it.\n\n"
        + misses(pairs, zh, en),
    ]
    return write_report(sections, args.out)


if __name__ == "__main__":
    main()
