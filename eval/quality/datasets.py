"""Readers for the public evaluation sets: SciQ (science MCQs with support paragraphs) and SQuAD 2.0."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

EVALDATA = Path(os.environ.get("TUTOR_EVALDATA", Path(__file__).resolve().parents[3] / "shared" / "evaldata"))


@dataclass
class QAItem:
    qid: str
    question: str
    answers: list[str]
    passage_id: str | None  # None: the corpus does not answer it


@dataclass
class QASet:
    name: str
    passages: dict[str, str]
    items: list[QAItem]


def load_sciq(root: Path = EVALDATA) -> QASet:
    """Support paragraphs are the corpus; each question's gold passage is its own support paragraph."""
    passages: dict[str, str] = {}
    by_text: dict[str, str] = {}
    items: list[QAItem] = []
    with open(root / "sciq" / "sciq_dev.jsonl") as handle:
        for line in handle:
            row = json.loads(line)
            support = (row.get("support") or "").strip()
            if not support:
                continue
            pid = by_text.setdefault(support, f"sciq-p{len(by_text):04d}")
            passages[pid] = support
            items.append(QAItem(row["id"], row["question"], [row["correct_answer"]], pid))
    return QASet("SciQ (dev part)", passages, items)


def load_squad(root: Path = EVALDATA) -> QASet:
    """Every paragraph is in the corpus; unanswerable questions have no gold passage."""
    data = json.loads((root / "squad_v2" / "cs224n_dev-v2.0.json").read_text())
    passages: dict[str, str] = {}
    items: list[QAItem] = []
    for article in data["data"]:
        for i, paragraph in enumerate(article["paragraphs"]):
            pid = f"{article['title']}-{i:03d}"
            passages[pid] = paragraph["context"]
            for qa in paragraph["qas"]:
                answers = sorted({a["text"] for a in qa.get("answers", [])})
                impossible = qa.get("is_impossible", False)
                items.append(QAItem(qa["id"], qa["question"], answers, None if impossible else pid))
    return QASet("SQuAD 2.0 (CS224N dev, development part)", passages, items)


def split_of(dataset: str, group: str, report_share: int = 30) -> str:
    """'train' or 'report' for a group of questions (a SQuAD article, a SciQ support paragraph).

    The reader's training script reads only 'train' groups; every figure the evaluation reports on the reader
    comes from 'report' groups, so no reported question, nor any question on the same article, was trained on.
    """
    digest = hashlib.sha256(f"tutor-reader:{dataset}:{group}".encode()).hexdigest()
    return "report" if int(digest, 16) % 100 < report_share else "train"


def prepare_run(dataset: str, seed: int) -> "random.Random":
    """Logging for an evaluation run, a clear stop when its data set is absent, and the run's random source."""
    import logging
    import random

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not (EVALDATA / dataset).exists():
        raise SystemExit(f"evaluation data not found at {EVALDATA} (set TUTOR_EVALDATA)")
    return random.Random(seed)
