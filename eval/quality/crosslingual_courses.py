"""Chinese questions about the English sample courses, searched and answered with and without the dictionary.

Part of `tutor eval crosslingual`: eval/reader/crosslingual_dev.yaml (28 covered Chinese questions with their gold
course and section, 12 near-topic ones no sample course answers; written before anything was fitted on them, and
the set the cross-language cut was chosen on) over data/courses, ingested into a temporary folder. Each question
goes through the real `Retriever.search` and `AnswerChain.answer`, once with `multilingual.dictionary` as
configured and once with 'none', so the report shows what rendering the question in English words adds.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "eval" / "reader" / "crosslingual_dev.yaml"
TOP_K = 5


@dataclass
class CourseQuestion:
    question: str
    course: str = ""  # "" for an uncovered question
    section: str = ""


def load_dev_set(path: Path = DEV_SET) -> tuple[list[CourseQuestion], list[CourseQuestion]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    covered = [CourseQuestion(q["question"], q["course"], q["section"]) for q in data["covered"]]
    uncovered = [CourseQuestion(q if isinstance(q, str) else q["question"]) for q in data["uncovered"]]
    return covered, uncovered


def in_gold(course_id: str, section: str, q: CourseQuestion) -> bool:
    """A passage or citation of the gold course under the gold `##` heading."""
    return course_id == q.course and (section or "").split(" > ")[0].strip().lower() == q.section.lower()


def measure(chain, covered: Sequence[CourseQuestion], uncovered: Sequence[CourseQuestion]) -> dict[str, float]:
    """Search and answer figures for one chain."""
    first = top = answered = cited = 0
    for q in covered:
        hits = chain.retriever.search(q.question, top_k=TOP_K).hits
        gold = [in_gold(h.chunk.course_id, h.chunk.section, q) for h in hits]
        first += bool(gold and gold[0])
        top += any(gold)
        answer = chain.answer(q.question)
        if not answer.abstained:
            answered += 1
            lead = answer.citations[0] if answer.citations else None
            cited += bool(lead and in_gold(lead.course_id, lead.section, q))
    declined = sum(chain.answer(q.question).abstained for q in uncovered)
    n, u = max(1, len(covered)), max(1, len(uncovered))
    return {"gold section first": first / n, f"gold section in the top {TOP_K}": top / n,
            "covered answered": answered / n, "covered answered, first source the gold section": cited / n,
            "uncovered answered": (len(uncovered) - declined) / u}


def without_dictionary(settings):
    """A copy of the retrieval settings with the dictionary turned off."""
    plain = settings.model_copy(deep=True)
    plain.multilingual.dictionary = "none"
    return plain


def compare_on_courses(settings, cache_dir: Path) -> str:
    """The sample courses' table: the configured dictionary against none (a Markdown table)."""
    from retrieval import SentenceEmbedder, build_answer_chain, ingest

    covered, uncovered = load_dev_set()
    with tempfile.TemporaryDirectory(prefix="crosslingual-courses-") as work:
        index = Path(work) / "index"
        ingest(ROOT / "data" / "courses", index, SentenceEmbedder(settings.embedding), settings)
        rows = {}
        for label, cfg in (("without the dictionary", without_dictionary(settings)),
                           (f"dictionary `{settings.multilingual.dictionary}`", settings)):
            rows[label] = measure(build_answer_chain(index, cache_dir, cfg), covered, uncovered)
    labels = list(rows)
    lines = [f"| measure ({len(covered)} covered, {len(uncovered)} uncovered) | " + " | ".join(labels) + " |",
             "|---|" + "---|" * len(labels)]
    for key in rows[labels[0]]:
        lines.append(f"| {key} | " + " | ".join(f"{rows[label][key]:.3f}" for label in labels) + " |")
    return "\n".join(lines)
