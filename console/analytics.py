"""Numbers for the analytics page: usage over time, answer/abstain rates, quiz item statistics (difficulty,
discrimination, distractor choice rates), mastery per skill, recommendation take-up; and small SVG charts."""
from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

import numpy as np


def item_statistics(attempts: list[dict[str, Any]], shared: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Per question, from its attempts (store.Analytics.item_attempts): attempts, difficulty (share correct),
    discrimination (point-biserial correlation of the item with the learner's score on the other items) and, for
    multiple choice, how often each option was picked. With `shared` (the question bank's statistics per
    question id: tutor.QuestionBank.statistics), difficulty and discrimination are the bank's, so the analytics
    page and the question bank agree."""
    by_learner: dict[str, list[int]] = defaultdict(list)
    for a in attempts:
        by_learner[a["learner"]].append(a["correct"])
    items: dict[str, dict[str, Any]] = {}
    for a in attempts:
        item = items.setdefault(a["question_id"], {"question_id": a["question_id"], "prompt": a["prompt"], "kind": a["kind"],
                                                   "results": [], "rest": [], "choices": defaultdict(int), "options": a["options"]})
        scores = by_learner[a["learner"]]
        item["results"].append(a["correct"])
        item["rest"].append((sum(scores) - a["correct"]) / max(1, len(scores) - 1))
        response = str(a["response"]).strip()
        if a["kind"] == "mcq" and response.isdigit() and 0 < int(response) <= len(item["options"]):
            item["choices"][item["options"][int(response) - 1]] += 1
    out = []
    for item in items.values():
        results, rest = np.array(item["results"], float), np.array(item["rest"], float)
        discrimination = float(np.corrcoef(results, rest)[0, 1]) if len(results) > 2 and results.std() > 0 and rest.std() > 0 else None
        picks = sum(item["choices"].values())
        bank = (shared or {}).get(item["question_id"])
        if bank and bank.get("share_correct") is not None:
            difficulty, discrimination = bank["share_correct"], bank["discrimination"]
        else:
            difficulty = float(results.mean())
        out.append({"question_id": item["question_id"], "prompt": item["prompt"], "attempts": len(results),
                    "difficulty": difficulty, "discrimination": discrimination,
                    "option_rates": {o: item["choices"].get(o, 0) / picks for o in item["options"]} if picks else {}})
    return sorted(out, key=lambda i: -i["attempts"])


def mastery_distribution(values: list[tuple[str, float]]) -> dict[str, list[int]]:
    """Per skill, how many learners fall in each mastery band: <40%, 40-70%, 70-90%, >=90%."""
    bands: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for skill, p in values:
        bands[skill][0 if p < 0.4 else 1 if p < 0.7 else 2 if p < 0.9 else 3] += 1
    return dict(sorted(bands.items()))


def recommendation_takeup(enrolments: dict[str, int], shown: int) -> dict[str, Any]:
    """Recommendations shown (from the dialogue events) against enrolments and completions since."""
    enrolled, completed = enrolments.get("enrolled", 0), enrolments.get("completed", 0)
    return {"recommendations shown": shown, "enrolments": enrolled, "completions": completed,
            "take-up (enrolments per recommendation)": enrolled / shown if shown else 0.0}


def statistics(analytics, events, shared: dict[str, dict[str, Any]] | None = None, scope=None) -> dict[str, Any]:
    """Everything the analytics page shows, from the tutor's records (store.Analytics), Rasa's events and the
    question bank's item statistics (`shared`). With a team `scope` (console.scope.Scope) only its learners
    count: the bank's statistics over everyone are not used, and recommendations shown are counted in the
    recent dialogue of the learners in scope."""
    if scope is None or scope.everyone:
        shown = events.count_action("action_recommend_courses") if events is not None else 0
        groups = None
    else:
        shared, groups = None, scope.groups
        shown = sum(u.actions.count("action_recommend_courses") for u in (events.recent_turns() if events is not None else [])
                    if scope.allows(u.learner))
    return {"usage": analytics.usage_by_day(groups=groups), "rates": analytics.rates(groups=groups),
            "items": item_statistics(analytics.item_attempts(groups=groups), shared),
            "mastery": mastery_distribution(analytics.mastery_values(groups=groups)),
            "takeup": recommendation_takeup(analytics.enrolment_counts(groups=groups), shown)}


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
