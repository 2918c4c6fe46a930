"""Set where the cross-language reader answers: Chinese questions read against English sentences (and the reverse).

    python -m eval.reader.cross_language [--scorer retrieval/zh_scorer.json] [--min-answered 0.85]

The Chinese reader's weights come from CMRC 2018 (eval/reader/zh_scorer.py), Chinese questions on Chinese
paragraphs. Across languages only the multilingual cosine carries over, and it runs lower there than within one
language (a question and its answer in two languages are further apart than in one), so the cosine-only
weights fitted on Chinese pairs decline nearly every cross-language question. This script keeps their slope and
moves their bias so that the scorer's threshold falls on the cosine that best separates, on the development set
`crosslingual_dev.yaml` (Chinese questions about the English sample courses, written before fitting), the
covered questions (answered from their gold section) from the uncovered ones (declined), while answering at least
`--min-answered` of the covered. The handbook set (`tutor eval crosslingual`) reports it on another corpus.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = Path(__file__).with_name("crosslingual_dev.yaml")
BUNDLED = ROOT / "retrieval" / "zh_scorer.json"
log = logging.getLogger("eval.reader")


def question_evidence(chain, question: str) -> tuple[float, float, str, str]:
    """For one question: the best same-language probability, the best cross-language cosine, and the course and
    section of the best cross-language sentence."""
    from retrieval.feature_reader import features
    from retrieval.languages import has_han
    from retrieval.reading import sentences_of

    reader = chain.feature_reader
    result = chain.retriever.search(question)
    sentences = sentences_of(result.hits)
    if not sentences:
        return 0.0, -1.0, "", ""
    texts = [s.text for s in sentences]
    vectors = reader.vectors_of([question, *texts])
    evidence = features(question, texts, vectors[0], vectors[1:])
    crossed = np.array([has_han(t) != has_han(question) for t in texts])
    probabilities = reader.score(question, texts, evidence)
    same = float(probabilities[~crossed].max()) if (~crossed).any() else 0.0
    if not crossed.any():
        return same, -1.0, "", ""
    best = int(np.argmax(np.where(crossed, evidence[:, 0], -9.0)))
    chunk = sentences[best].hit.chunk
    return same, float(evidence[best, 0]), chunk.course_id, chunk.section.split(" > ")[0]


def choose_cut(covered: list[tuple[float, float, bool]], uncovered: list[tuple[float, float]], threshold: float,
               min_answered: float) -> tuple[float, dict]:
    """The cosine cut with the widest gap between covered questions answered from their gold section and
    uncovered ones answered, among cuts answering at least `min_answered` of the covered (else the widest gap)."""
    best, best_key, figures = 0.5, (-1, -9.0), {}
    for cut in (round(float(c), 2) for c in np.arange(0.20, 0.70, 0.01)):
        right = np.mean([(c >= cut and gold) or s >= threshold for s, c, gold in covered])
        wrong = np.mean([c >= cut or s >= threshold for s, c in uncovered])
        key = (int(right >= min_answered), right - wrong)
        if key > best_key:
            best, best_key = cut, key
            figures = {"covered answered from the gold section": round(float(right), 3),
                       "uncovered answered": round(float(wrong), 3)}
    return best, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorer", type=Path, default=BUNDLED)
    parser.add_argument("--min-answered", type=float, default=0.85)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="tutor-cross-"))
    os.environ["TUTOR_PATHS__INDEX_DIR"] = str(work / "index")
    os.environ["TUTOR_PATHS__STORE"] = str(work / "tutor.db")
    from tutor import Tutor

    tutor = Tutor.from_settings_file(ROOT / "tutor.yml")
    tutor.ingest(ROOT / "data" / "courses")
    chain = tutor.parts.chain
    dev = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
    threshold = chain.multilingual_threshold
    covered = []
    for item in dev["covered"]:
        same, cosine, course, section = question_evidence(chain, item["question"])
        covered.append((same, cosine, course == item["course"] and section == item["section"]))
    uncovered = [question_evidence(chain, q)[:2] for q in dev["uncovered"]]
    cut, figures = choose_cut(covered, uncovered, threshold, args.min_answered)
    meta = json.loads(args.scorer.read_text())
    weight = float(meta["cross_language"]["weights"]["cosine"])
    meta["cross_language"]["bias"] = round(math.log(threshold / (1 - threshold)) - weight * cut, 5)
    meta["cross_language"]["cosine_cut"] = cut
    meta["cross_language"]["figures"] = {"development set": DEV_SET.name, "covered": len(covered),
                                         "uncovered": len(uncovered), **figures}
    args.scorer.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(meta["cross_language"], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    main()
