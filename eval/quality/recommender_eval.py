"""Recommender evaluation: prerequisite prediction and path validity on real course catalogues
(CPR-Recover, 654 CS courses), and a simulated-learner study against popularity and random baselines.

    python -m eval.quality.recommender_eval [--out eval/reports/recommender.md]
"""
from __future__ import annotations

import argparse
import csv
import logging
import random
import re
from pathlib import Path

import numpy as np

from assessment import BKTParams, update_mastery
from recommender import Catalogue, Course, LearnerProfile, Recommender, RecommenderSettings
from retrieval import RetrievalSettings, Retriever, SentenceEmbedder, ingest

from ..metrics import auroc
from ..report import table, write_report
from .datasets import EVALDATA

log = logging.getLogger("eval")
ROOT = Path(__file__).resolve().parents[2]


def load_cpr(root: Path = EVALDATA) -> tuple[dict[str, str], list[tuple[str, str]]]:
    folder = root / "cs_course_prereqs"
    with open(folder / "cs_courses.csv", newline="") as handle:
        courses = {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2}
    with open(folder / "cs_edges_dev.csv", newline="") as handle:
        edges = [(row[0], row[1]) for row in csv.reader(handle) if len(row) >= 2 and row[0] in courses and row[1] in courses]
    return courses, edges


def university(course_id: str) -> str:
    return course_id.split("_", 1)[0]


def prerequisite_prediction(courses, edges, embedder, seed: int = 5) -> dict[str, float]:
    """Existence: is b a prerequisite of a? Direction: which of a linked pair comes first? From descriptions
    only, with models trained on some universities and tested on the others (no shared courses)."""
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(seed)
    ids = list(courses)
    vectors = dict(zip(ids, embedder.embed([courses[c][:2000] for c in ids])))
    universities = sorted({university(c) for c in ids})
    rng.shuffle(universities)
    test_unis = set(universities[: len(universities) // 2])
    linked = set(edges) | {(b, a) for a, b in edges}
    by_uni: dict[str, list[str]] = {}
    for c in ids:
        by_uni.setdefault(university(c), []).append(c)
    negatives = []
    for a, _ in edges:
        for _ in range(20):
            b = rng.choice(by_uni[university(a)])
            if b != a and (a, b) not in linked:
                negatives.append((a, b))
                break

    def pair_features(a, b):
        va, vb = vectors[a], vectors[b]
        return np.concatenate([va * vb, np.abs(va - vb), [float(va @ vb)]])

    def split(pairs):
        return [p for p in pairs if university(p[0]) not in test_unis], [p for p in pairs if university(p[0]) in test_unis]

    pos_train, pos_test = split(edges)
    neg_train, neg_test = split(negatives)
    cosine_auc = auroc([float(vectors[a] @ vectors[b]) for a, b in pos_test], [float(vectors[a] @ vectors[b]) for a, b in neg_test])
    x = np.array([pair_features(a, b) for a, b in pos_train + neg_train])
    y = [1] * len(pos_train) + [0] * len(neg_train)
    model = LogisticRegression(max_iter=3000, C=0.5).fit(x, y)
    test_scores = model.predict_proba(np.array([pair_features(a, b) for a, b in pos_test + neg_test]))[:, 1]
    learned_auc = auroc(list(test_scores[: len(pos_test)]), list(test_scores[len(pos_test):]))

    # Direction: features of (prerequisite, course) minus swapped; label 1 when the first is the prerequisite.
    def direction_features(first, second):
        return vectors[first] - vectors[second]

    xd = np.array([direction_features(b, a) for a, b in pos_train] + [direction_features(a, b) for a, b in pos_train])
    yd = [1] * len(pos_train) + [0] * len(pos_train)
    direction = LogisticRegression(max_iter=3000, C=0.5).fit(xd, yd)
    correct = sum(direction.predict_proba(direction_features(b, a)[None])[0, 1] > 0.5 for a, b in pos_test)
    number_correct, number_total = 0, 0
    for a, b in pos_test:
        na, nb = _number(a), _number(b)
        if na is not None and nb is not None and na != nb:
            number_total += 1
            number_correct += nb < na
    return {
        "test universities": ", ".join(sorted(test_unis)),
        "existence AUC, description cosine": cosine_auc,
        "existence AUC, learned (trained on other universities)": learned_auc,
        "direction accuracy, learned from descriptions": correct / max(1, len(pos_test)),
        "direction accuracy, lower course number first (reference)": number_correct / max(1, number_total),
        "test edges / negatives": f"{len(pos_test)} / {len(neg_test)}",
    }


def _number(course_id: str) -> int | None:
    match = re.search(r"(\d{2,5})", course_id.split("_", 1)[-1])
    return int(match.group(1)[:3]) if match else None


def path_validity(courses, edges, seed: int = 3) -> dict[str, float]:
    catalogue = Catalogue(Course(c, c, prerequisites=[b for a, b in edges if a == c]) for c in courses)
    rng = random.Random(seed)
    targets = [c for c in courses if catalogue.graph.in_degree(c) > 0]
    valid, lengths = 0, []
    for target in rng.sample(targets, min(200, len(targets))):
        path = catalogue.path_to(target, set())
        position = {c: i for i, c in enumerate(path)}
        ancestors_in = all(a in position for a in __import__("networkx").ancestors(catalogue.graph, target))
        ordered = all(position[p] < position[c] for c in path for p in catalogue.graph.predecessors(c) if p in position)
        valid += ancestors_in and ordered and path[-1] == target
        lengths.append(len(path))
    return {"targets": len(lengths), "valid paths (complete and ordered)": valid / max(1, len(lengths)),
            "median path length": float(np.median(lengths)), "cycles reported": len(catalogue.report.cycles),
            "missing prerequisites reported": len(catalogue.report.missing_prerequisites)}


def simulated_learners(catalogue: Catalogue, embedder, n: int = 300, seed: int = 11) -> dict[str, float]:
    """Learners with one hidden skill gap answer a short diagnostic quiz (gap skill: 30% right, others 85%);
    the recommender sees only the resulting BKT mastery, a noisy role, and popularity. Hit: a course teaching
    the gap skill is in the top 3."""
    rng = random.Random(seed)
    skills = sorted({s for c in catalogue.courses.values() for s in c.skills})
    popular = ["effective-meetings", "giving-feedback", "project-management"]
    enrolments = [{"learner": f"p{i}", "course_id": rng.choice(popular + list(catalogue.courses)), "role": "staff"} for i in range(60)]
    ours = Recommender(catalogue, embedder, RecommenderSettings(), enrolments)
    params = BKTParams()
    hits = {"hybrid recommender": 0, "popularity": 0, "random": 0}
    pop_counts: dict[str, int] = {}
    for e in enrolments:
        pop_counts[e["course_id"]] = pop_counts.get(e["course_id"], 0) + 1
    pop_rank = sorted(catalogue.courses, key=lambda c: -pop_counts.get(c, 0))
    for _ in range(n):
        gap = rng.choice(skills)
        fixes = set(catalogue.courses_teaching(gap))
        mastery = {}
        for skill in rng.sample(skills, 6) + [gap]:
            p, right = params.p_init, 0
            for _ in range(3):
                ok = rng.random() < (0.3 if skill == gap else 0.85)
                right += ok
                p = update_mastery(p, ok, params)
            mastery[skill] = {"p_mastery": p, "attempts": 3, "correct": right}
        profile = LearnerProfile("sim", role=rng.choice(["analyst", "manager", "engineer", ""]), mastery=mastery)
        top = [r.course.course_id for r in ours.recommend(profile, count=3)]
        hits["hybrid recommender"] += bool(fixes & set(top))
        hits["popularity"] += bool(fixes & set(pop_rank[:3]))
        hits["random"] += bool(fixes & set(rng.sample(list(catalogue.courses), 3)))
    return {f"hit@3, {k}": v / n for k, v in hits.items()} | {"learners": n, "catalogue courses": len(catalogue.courses)}



def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("eval/reports/recommender.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    embedder = SentenceEmbedder()
    courses, edges = load_cpr()
    sections = ["# Recommender evaluation",
                f"## Prerequisites on CPR-Recover ({len(courses)} courses, {len(edges)} development edges)\n\n" + table(prerequisite_prediction(courses, edges, embedder)),
                "## Path validity on the CPR-Recover graph\n\n" + table(path_validity(courses, edges))]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ingest(ROOT / "data" / "courses", Path(tmp), embedder, RetrievalSettings())
        catalogue = Catalogue.from_metadata(Retriever(Path(tmp), embedder, RetrievalSettings()).corpus()[0])
    sections.append("## Simulated learners with a hidden skill gap (sample catalogue)\n\n" + table(simulated_learners(catalogue, embedder)))
    return write_report(sections, args.out)


if __name__ == "__main__":
    main()
