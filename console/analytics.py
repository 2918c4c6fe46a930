"""Numbers for the analytics page: usage over time, answer/abstain rates, quiz item statistics (difficulty,
discrimination, distractor choice rates), mastery per skill, recommendation take-up; and small SVG charts."""
from __future__ import annotations

import html
import json
import time
from collections import defaultdict
from typing import Any

import numpy as np


def usage_by_day(db, days: int = 30) -> list[tuple[str, int, int]]:
    """(day, answered, abstained) for the last `days` days that had turns."""
    since = time.time() - days * 86400
    rows = db.execute("select date(created, 'unixepoch') as day, sum(abstained = 0), sum(abstained) from turns "
                      "where created >= ? group by day order by day", [since]).fetchall()
    return [(r[0], int(r[1] or 0), int(r[2] or 0)) for r in rows]


def rates(db) -> dict[str, float]:
    total, abstained, down, up = db.execute(
        "select count(*), coalesce(sum(abstained), 0), coalesce(sum(feedback = 'down'), 0), coalesce(sum(feedback = 'up'), 0) from turns").fetchone()
    return {"turns": total, "answer rate": (total - abstained) / total if total else 0.0,
            "abstain rate": abstained / total if total else 0.0, "thumbs up": up, "thumbs down": down}


def item_statistics(db) -> list[dict[str, Any]]:
    """Per question: attempts, difficulty (share correct), discrimination (point-biserial correlation of the
    item with the learner's score on the other items) and, for multiple choice, how often each option was picked."""
    attempts = db.execute("select a.learner, a.question_id, a.correct, a.answer, q.prompt, q.options, q.answer, q.kind "
                          "from attempts a join questions q using (question_id) where a.skipped = 0").fetchall()
    by_learner: dict[str, list[int]] = defaultdict(list)
    for learner, _, correct, *_ in attempts:
        by_learner[learner].append(correct)
    items: dict[str, dict[str, Any]] = {}
    for learner, qid, correct, answer, prompt, options, right, kind in attempts:
        item = items.setdefault(qid, {"question_id": qid, "prompt": prompt, "kind": kind, "results": [], "rest": [], "choices": defaultdict(int),
                                      "options": json.loads(options or "[]"), "answer": right})
        scores = by_learner[learner]
        item["results"].append(correct)
        item["rest"].append((sum(scores) - correct) / max(1, len(scores) - 1))
        if kind == "mcq" and str(answer).strip().isdigit():
            index = int(str(answer).strip()) - 1
            if 0 <= index < len(item["options"]):
                item["choices"][item["options"][index]] += 1
    out = []
    for item in items.values():
        results, rest = np.array(item["results"], float), np.array(item["rest"], float)
        discrimination = float(np.corrcoef(results, rest)[0, 1]) if len(results) > 2 and results.std() > 0 and rest.std() > 0 else None
        picks = sum(item["choices"].values())
        out.append({"question_id": item["question_id"], "prompt": item["prompt"], "attempts": len(results),
                    "difficulty": float(results.mean()), "discrimination": discrimination,
                    "option_rates": {o: item["choices"].get(o, 0) / picks for o in item["options"]} if picks else {}})
    return sorted(out, key=lambda i: -i["attempts"])


def mastery_distribution(db) -> dict[str, list[int]]:
    """Per skill, how many learners fall in each mastery band: <40%, 40-70%, 70-90%, >=90%."""
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for skill, p in db.execute("select skill, p_mastery from mastery"):
        bands[skill][0 if p < 0.4 else 1 if p < 0.7 else 2 if p < 0.9 else 3] += 1
    return dict(sorted(bands.items()))


def recommendation_takeup(db, tracker) -> dict[str, Any]:
    """Recommendation requests (from the dialogue events, a TrackerEvents) against enrolments and completions since."""
    shown = tracker.count_action("action_recommend_courses") if tracker else 0
    enrolled = db.execute("select count(*) from enrolments where status = 'enrolled'").fetchone()[0]
    completed = db.execute("select count(*) from enrolments where status = 'completed'").fetchone()[0]
    return {"recommendations shown": shown, "enrolments": enrolled, "completions": completed,
            "take-up (enrolments per recommendation)": enrolled / shown if shown else 0.0}


def bar_chart(series: list[tuple[str, list[float]]], labels: list[str], colours=("#2e86de", "#e17055"), height: int = 160) -> str:
    """A stacked bar chart as inline SVG (no scripts, no network)."""
    if not labels:
        return "<p class='muted'>No data yet.</p>"
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = max(totals) or 1
    bar = min(48.0, max(14.0, 900 / len(labels)))
    width = max(300.0, bar * len(labels))
    parts = [f"<svg class='chart' viewBox='0 0 {width} {height + 30}' role='img'>"]
    for i, label in enumerate(labels):
        y = height
        for (name, values), colour in zip(series, colours):
            h = values[i] / top * height
            y -= h
            parts.append(f"<rect x='{i * bar + 3:.1f}' y='{y:.1f}' width='{bar - 6:.1f}' height='{h:.1f}' fill='{colour}'>"
                         f"<title>{html.escape(label)}: {html.escape(name)} {values[i]:g}</title></rect>")
        parts.append(f"<text x='{i * bar + bar / 2:.1f}' y='{height + 14}' font-size='9' text-anchor='middle'>{html.escape(label[-5:])}</text>")
    legend = " ".join(f"<tspan fill='{c}'>■ {html.escape(n)}</tspan>" for (n, _), c in zip(series, colours))
    parts.append(f"<text x='0' y='{height + 28}' font-size='10'>{legend}</text></svg>")
    return "".join(parts)
