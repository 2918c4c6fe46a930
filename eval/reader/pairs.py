"""Training pairs for the reader: (question, sentence) labelled 1 when the sentence states the answer.

Built only from the 'train' groups of the development parts (datasets.split_of): SQuAD 2.0 articles and SciQ
support paragraphs. Sentences are split by the product's own splitter, and each is shown with its heading the
way the answer step shows it (`retrieval.reader_input`), so the reader is trained on what it will read.

Negatives are the hard ones the product meets: the other sentences of the gold paragraph, every sentence of the
paragraph an unanswerable SQuAD question was written against (including the one holding its plausible but wrong
answer), sentences from other paragraphs of the same article (what search returns when the answer is absent), and
SciQ sentences that name a distractor but not the answer.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from retrieval import reader_input, split_sentences

from ..quality.datasets import EVALDATA, split_of


@dataclass
class Pair:
    question: str
    passage: str
    label: int
    group: str
    sentence: str = ""  # the sentence alone, without its heading


def _sentence_starts(context: str, sentences: list[str]) -> list[int]:
    """Where each split sentence starts in the raw paragraph (approximate: first words located in order)."""
    starts, cursor = [], 0
    for sentence in sentences:
        head = sentence[:25]
        found = context.find(head, cursor)
        if found < 0:
            found = cursor
        starts.append(found)
        cursor = found
    return starts


def _sentence_at(starts: list[int], offset: int) -> int:
    index = 0
    for i, start in enumerate(starts):
        if start <= offset:
            index = i
    return index


def squad_pairs(split: str, rng: random.Random, same_paragraph: int = 3, other_paragraphs: int = 1,
                root: Path = EVALDATA) -> list[Pair]:
    data = json.loads((root / "squad_v2" / "cs224n_dev-v2.0.json").read_text())
    pairs: list[Pair] = []
    for article in data["data"]:
        title = article["title"]
        if split_of("squad", title) != split:
            continue
        heading = title.replace("_", " ")
        paragraphs = [p["context"] for p in article["paragraphs"]]
        split_paragraphs = [split_sentences(p) for p in paragraphs]
        for index, paragraph in enumerate(article["paragraphs"]):
            sentences = split_paragraphs[index]
            if not sentences:
                continue
            starts = _sentence_starts(paragraph["context"], sentences)
            others = [i for i in range(len(paragraphs)) if i != index]
            for qa in paragraph["qas"]:
                question = qa["question"].strip()
                positives: set[int] = set()
                if not qa.get("is_impossible"):
                    for answer in qa["answers"]:
                        at = _sentence_at(starts, answer["answer_start"])
                        if answer["text"].lower() in sentences[at].lower():
                            positives.add(at)
                    if not positives:
                        continue
                negatives = [i for i in range(len(sentences)) if i not in positives]
                if qa.get("is_impossible"):  # the sentence holding the plausible wrong answer is always kept
                    plausible = {_sentence_at(starts, a["answer_start"]) for a in qa.get("plausible_answers", [])}
                    negatives = sorted(plausible & set(negatives)) + [i for i in negatives if i not in plausible]
                    keep = negatives[:1] + rng.sample(negatives[1:], min(same_paragraph - 1, len(negatives) - 1))
                else:
                    keep = rng.sample(negatives, min(same_paragraph, len(negatives)))
                for i in sorted(positives) + keep:
                    pairs.append(Pair(question, reader_input(heading, sentences[i]), int(i in positives), title,
                                      sentences[i]))
                for other in rng.sample(others, min(other_paragraphs, len(others))):
                    if split_paragraphs[other]:
                        sentence = rng.choice(split_paragraphs[other])
                        pairs.append(Pair(question, reader_input(heading, sentence), 0, title, sentence))
    return pairs


def sciq_pairs(split: str, rng: random.Random, root: Path = EVALDATA) -> list[Pair]:
    rows = [json.loads(line) for line in (root / "sciq" / "sciq_dev.jsonl").read_text().splitlines() if line.strip()]
    supports = sorted({(r.get("support") or "").strip() for r in rows} - {""})
    pairs: list[Pair] = []
    for row in rows:
        support = (row.get("support") or "").strip()
        if not support:
            continue
        group = _sciq_group(support)
        if split_of("sciq", group) != split:
            continue
        answer = row["correct_answer"].lower()
        distractors = [row[f"distractor{i}"].lower() for i in (1, 2, 3)]
        sentences = split_sentences(support)
        labelled = [(s, int(answer in s.lower())) for s in sentences]
        if not any(label for _, label in labelled):
            continue
        for sentence, label in labelled:
            if label and any(d in sentence.lower() for d in distractors if d not in answer):
                continue  # names both: neither a clean positive nor a negative
            pairs.append(Pair(row["question"].strip(), reader_input("", sentence), label, group, sentence))
        other = rng.choice(supports)
        if other != support:
            for sentence in rng.sample(split_sentences(other), min(2, len(split_sentences(other)))):
                if answer not in sentence.lower():
                    pairs.append(Pair(row["question"].strip(), reader_input("", sentence), 0, group, sentence))
    return pairs


def _sciq_group(support: str) -> str:
    import hashlib

    return hashlib.sha1(support.encode()).hexdigest()[:12]


def training_pairs(split: str = "train", seed: int = 7) -> list[Pair]:
    rng = random.Random(seed)
    pairs = squad_pairs(split, rng) + sciq_pairs(split, rng)
    rng.shuffle(pairs)
    return pairs
