"""The team reports' numbers: completions, mastery by skill week by week, required trainings overdue, questions
the courses did not answer, quiz outcomes, and a row per group; with small groups left out.

Suppression (console.report_min_group, N): every number shown is an aggregate over the learners it is computed
from (its row's learners: a group's members, the learners a course is required for, those who practised a skill
by that week, those who answered a course's or skill's questions, those who asked that week). A row or chart
point over fewer than N learners is shown as "fewer than N learners" and left out of CSVs; a team below N shows
nothing. Against differencing: a team's figures (all of a viewer's groups) count the learners who are only in
groups below N (or in no group) only when there are at least N of them, so the team's figures minus one shown
group's never describe fewer than N learners; and a total beside its breakdown (a course over its skills) is shown
only when the rows left out of it, together, cover no learner or at least N learners; and a skill's mean mastery
of a week is shown only when no learner or at least N learners practised the skill since its previous shown week.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

WEEK_S = 7 * 86400


@dataclass
class Team:
    """The learners a report is about and the groups they are in (`groups` None: an admin's everyone)."""

    learners: set[str]
    groups: dict[str, set[str]]
    min_n: int
    now: float = field(default_factory=time.time)

    @property
    def shown(self) -> bool:
        return len(self.learners) >= self.min_n

    def ok(self, learners: Iterable[str]) -> bool:
        return len(set(learners)) >= self.min_n


def team_of(reports, scope, min_n: int, group: str = "", now: float | None = None) -> Team:
    """The team in `scope` (console.scope.Scope), or one of its groups."""
    groups = None if scope.everyone else list(scope.groups)
    members: dict[str, set[str]] = defaultdict(set)
    for learner, name in reports.members(groups):
        members[name].add(learner)
    learners = set(reports.active_learners(None).keys()) | {l for m in members.values() for l in m} if groups is None \
        else {l for m in members.values() for l in m}
    if group:
        learners = set(members.get(group, set()))
        return Team(learners, {group: learners} if group in members else {}, min_n, now or time.time())
    shown = {l for m in members.values() if len(m) >= min_n for l in m}
    hidden = learners - shown  # in small groups only, or in none: counted only when there are enough of them
    return Team(shown | (hidden if len(hidden) >= min_n else set()), dict(members), min_n, now or time.time())


def total_safe(team: Team, rows_left_out: list[set[str]], population: set[str]) -> bool:
    """Whether a total over `population` may be shown beside its breakdown rows, when `rows_left_out` were left out."""
    hidden = set().union(*rows_left_out) & population if rows_left_out else set()
    return not hidden or len(hidden) >= team.min_n


def week_starts(team: Team, weeks: int) -> list[float]:
    """The starts of the last `weeks` weeks (Mondays, 00:00 UTC), oldest first."""
    day = team.now // 86400
    monday = (day - (day + 3) % 7) * 86400  # 1970-01-01 was a Thursday
    return [monday - i * WEEK_S for i in range(weeks - 1, -1, -1)]


def label(start: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(start))


def completions(team: Team, rows: list[dict[str, Any]], titles: dict[str, str], weeks: int) -> dict[str, Any]:
    """Courses completed: per course (share of the team) and per week."""
    mine = [r for r in rows if r["learner"] in team.learners]
    by_course: dict[str, set[str]] = defaultdict(set)
    for r in mine:
        by_course[r["course_id"]].add(r["learner"])
    starts = week_starts(team, weeks)
    per_week = [sum(1 for r in mine if s <= r["at"] < s + WEEK_S) for s in starts]
    return {"courses": [{"course": titles.get(c, c), "completed": len(l), "share": len(l) / len(team.learners)}
                        for c, l in sorted(by_course.items(), key=lambda kv: -len(kv[1]))],
            "weeks": [label(s) for s in starts], "per_week": per_week}


def mastery_by_week(team: Team, attempts: list[dict[str, Any]], step, weeks: int, top: int = 6) -> dict[str, Any]:
    """Mean mastery per skill at the end of each week, over the learners who had practised it by then, replayed from
    the attempts with `step` (tutor.mastery_step: the quiz's own update).

    Against week-to-week differencing: two shown means of a skill, times their learner counts, differ by the
    mastery of exactly the learners who practised it in between (the newcomers and those whose mastery moved). So
    a week is shown only when, since the skill's previous shown week, no learner or at least N learners practised
    it; else it is left out (None) and its learners count towards the next week."""
    starts = week_starts(team, weeks)
    ends = [s + WEEK_S for s in starts]
    state: dict[tuple[str, str], float] = {}
    moved: dict[str, set[str]] = defaultdict(set)  # per skill: who practised it since its last shown week
    series: dict[str, list[tuple[float, int] | None]] = defaultdict(lambda: [None] * len(ends))
    mine = [a for a in attempts if a["learner"] in team.learners]
    i = 0
    for w, end in enumerate(ends):
        while i < len(mine) and mine[i]["at"] < end:
            a = mine[i]
            key = (a["learner"], a["skill"])
            state[key] = step(state.get(key), bool(a["correct"]) and not a["skipped"])
            moved[a["skill"]].add(a["learner"])
            i += 1
        per_skill: dict[str, list[float]] = defaultdict(list)
        for (_, skill), p in state.items():
            per_skill[skill].append(p)
        for skill, values in per_skill.items():
            points = series[skill]
            if len(values) >= team.min_n and (not moved[skill] or team.ok(moved[skill])):
                points[w] = (sum(values) / len(values), len(values))
                moved[skill] = set()
    rows = []
    for skill, points in series.items():
        shown = [p for p in points if p is not None]
        if not shown:
            rows.append({"skill": skill, "suppressed": True})
            continue
        first = next(p for p in points if p is not None)
        rows.append({"skill": skill, "learners": shown[-1][1], "mastery": shown[-1][0], "change": shown[-1][0] - first[0],
                     "suppressed": False})
    rows.sort(key=lambda r: (r["suppressed"], -r.get("learners", 0), r["skill"]))
    charted = [r["skill"] for r in rows if not r["suppressed"]][:top]
    return {"weeks": [label(s) for s in starts], "rows": rows,
            "series": {s: [p[0] if p else None for p in series[s]] for s in charted},
            "points": [{"week": label(starts[w]), "skill": s, "mastery": p[0], "learners": p[1]}
                       for s, pts in sorted(series.items()) for w, p in enumerate(pts) if p is not None]}


def requirements(team: Team, catalogue, profiles: list[dict[str, Any]], first_activity: dict[str, float],
                 done: list[dict[str, Any]]) -> list[tuple[Any, set[str], set[str], set[str]]]:
    """Required courses (front matter `required_for`; `due_days` counted from the learner's profile, else their first
    activity): (course, learners it is required for, those who completed it, those overdue)."""
    if catalogue is None:
        return []
    profile = {p["learner"]: p for p in profiles}
    groups_of: dict[str, set[str]] = defaultdict(set)
    for name, members in team.groups.items():
        for learner in members:
            groups_of[learner].add(name)
    completed = {(r["learner"], r["course_id"]) for r in done}
    found = []
    for course in catalogue.courses.values():
        wanted = {_norm(r) for r in course.required_for}
        required = {l for l in team.learners if wanted and _required(wanted, profile.get(l, {}), groups_of[l])}
        if not required:
            continue
        finished = {l for l in required if (l, course.course_id) in completed}
        start = {l: (profile.get(l, {}).get("created") or first_activity.get(l) or team.now) for l in required}
        late = {l for l in required - finished if course.due_days and team.now > start[l] + course.due_days * 86400}
        found.append((course, required, finished, late))
    return found


def overdue(team: Team, found: list[tuple[Any, set[str], set[str], set[str]]]) -> list[dict[str, Any]]:
    """Per required course: the learners it is required for, how many completed it, how many are overdue."""
    rows = []
    for course, required, finished, late in found:
        rows.append({"course": course.title, "required_for": ", ".join(course.required_for), "due_days": course.due_days,
                     "learners": len(required), "completed": len(finished), "overdue": len(late), "suppressed": False}
                    if team.ok(required) else {"course": course.title, "suppressed": True})
    return sorted(rows, key=lambda r: (r["suppressed"], -r.get("overdue", 0), r["course"]))


def _norm(text: str) -> str:
    """As the recommender compares roles: lower case, a trailing "s" dropped ("managers" ~ "manager")."""
    return " ".join(str(text or "").lower().replace("-", " ").split()).rstrip("s")


def _required(wanted: set[str], profile: dict[str, Any], groups: set[str]) -> bool:
    """The recommender's rule (recommender/ranking.py): every word of a requirement appears in the learner's role
    or group ("managers" covers "sales managers"); here the groups an admin put the learner in count too."""
    mine = {_norm(profile.get("role", "")), _norm(profile.get("group_name", ""))} | {_norm(g) for g in groups}
    mine.discard("")
    if not mine:
        return False
    words = set(" ".join(mine).split())
    return "all" in wanted or any(set(w.split()) <= words for w in wanted)


def gaps_by_week(team: Team, questions: list[dict[str, Any]], weeks: int) -> dict[str, Any]:
    """Per week: questions asked, not answered from the courses, answers rated 👎, over the learners asking."""
    starts = week_starts(team, weeks)
    points = []
    for s in starts:
        rows = [q for q in questions if q["learner"] in team.learners and s <= q["at"] < s + WEEK_S]
        askers = {q["learner"] for q in rows}
        if not team.ok(askers):
            points.append({"week": label(s), "suppressed": bool(askers)})
            continue
        points.append({"week": label(s), "learners": len(askers), "asked": len(rows), "unanswered": sum(q["abstained"] for q in rows),
                       "thumbs_down": sum(q["feedback"] == "down" for q in rows), "suppressed": False})
    return {"points": points}


def quiz_outcomes(team: Team, attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Share right per course and, under it, per skill; skipped questions are not answers."""
    answered = [a for a in attempts if a["learner"] in team.learners and not a["skipped"]]
    by_course: dict[str, list[dict]] = defaultdict(list)
    for a in answered:
        by_course[a["course_title"] or a["course_id"] or "(no course)"].append(a)
    rows = []
    for course, items in sorted(by_course.items()):
        by_skill: dict[str, list[dict]] = defaultdict(list)
        for a in items:
            by_skill[a["skill"]].append(a)
        skills, left_out = [], []
        for skill, mine in sorted(by_skill.items()):
            who = {a["learner"] for a in mine}
            if team.ok(who):
                skills.append(_outcome(course, skill, mine, who))
            else:
                skills.append({"course": course, "skill": skill, "suppressed": True})
                left_out.append(who)
        who = {a["learner"] for a in items}
        head = _outcome(course, "", items, who) if team.ok(who) and total_safe(team, left_out, who) \
            else {"course": course, "skill": "", "suppressed": True}
        rows += [head, *skills]
    return rows


def _outcome(course: str, skill: str, items: list[dict], who: set[str]) -> dict[str, Any]:
    right = sum(1 for a in items if a["correct"])
    return {"course": course, "skill": skill, "learners": len(who), "answers": len(items), "right": right,
            "share_right": right / len(items), "suppressed": False}


def group_rows(team: Team, done: list[dict[str, Any]], attempts: list[dict[str, Any]], overdue_of) -> dict[str, Any]:
    """A row per group (learners, completions, share right, overdue), and the team's total when it is safe."""
    def row(name: str, learners: set[str]) -> dict[str, Any]:
        answers = [a for a in attempts if a["learner"] in learners and not a["skipped"]]
        return {"group": name, "learners": len(learners), "completions": sum(1 for r in done if r["learner"] in learners),
                "share_right": (sum(a["correct"] for a in answers) / len(answers)) if answers else None,
                "overdue": overdue_of(learners), "suppressed": False}

    rows, covered = [], set()
    for name, members in sorted(team.groups.items()):
        members = members & team.learners
        if team.ok(members):
            rows.append(row(name, members))
            covered |= members
        else:
            rows.append({"group": name, "suppressed": True})
    total = row("All", team.learners) if total_safe(team, [team.learners - covered], team.learners) else None
    return {"rows": rows, "total": total}
