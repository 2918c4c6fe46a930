"""The content-gap queue: questions the courses did not answer, answered with a 👎, or that never reached the
tutor (refused or answered with help by the dialogue engine: console/dialogue.py), clustered by topic (embeddings
+ agglomerative clustering), largest cluster first, each with examples."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from .privacy import redact

_STOP = set("a an and are as at be by can do does for from how i in is it me my of on or should the to what when where which who why with you your".split())


def cluster_gaps(rows: list[dict[str, Any]], embedder, distance: float = 0.6, examples: int = 5) -> list[dict[str, Any]]:
    """Group similar questions (cosine distance below `distance`, average linkage), largest first."""
    texts = [redact(r["question"]) for r in rows if (r["question"] or "").strip()]
    if not texts:
        return []
    if len(texts) == 1:
        labels = np.array([0])
    else:
        from sklearn.cluster import AgglomerativeClustering

        vectors = embedder.embed(texts)
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance).fit_predict(vectors)
    clusters: dict[int, list[str]] = {}
    for label, text in zip(labels, texts):
        clusters.setdefault(int(label), []).append(text)
    out = []
    for members in clusters.values():
        words = Counter(w for t in members for w in set(re.findall(r"[a-z][a-z-]{2,}", t.lower())) if w not in _STOP)
        topic = ", ".join(w for w, _ in words.most_common(3)) or members[0][:40]
        out.append({"topic": topic, "size": len(members), "examples": members[:examples]})
    return sorted(out, key=lambda c: (-c["size"], c["topic"]))
