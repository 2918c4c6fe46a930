"""The team reports (/reports) for managers, trainers and admins: completions, mastery by skill over the weeks,
required trainings overdue, questions the courses did not answer, quiz outcomes and a row per group; as charts
(SVG images, console/charts.py) and CSV files. Aggregates only, over the viewer's groups (admins: everyone), with
groups and rows below console.report_min_group learners left out (console/report_data.py says how). Managers
reach nothing else in the console: no transcript, learner, question or gap detail."""
from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from store import Reports
from tutor import mastery_step

from . import charts, exports
from . import report_data as data

log = logging.getLogger(__name__)

CHARTS = ("completions", "mastery", "gaps", "quiz", "overdue")


def build(tutor, scope, group: str = "") -> dict[str, Any]:
    """Every report for the team in `scope` (or its `group`), suppression applied."""
    settings, store = tutor.settings, Reports(tutor.records.db)
    team = data.team_of(store, scope, settings.console.report_min_group, group)
    out: dict[str, Any] = {"min_n": team.min_n, "learners": len(team.learners), "shown": team.shown, "group": group,
                           "groups": sorted(team.groups) if not group else [group]}
    if not team.shown:
        return out
    groups = None if scope.everyone else list(scope.groups)
    catalogue = _catalogue(tutor)
    titles = {c.course_id: c.title for c in catalogue.courses.values()} if catalogue else {}
    done, attempts = store.completions(groups), store.attempts(groups)
    found = data.requirements(team, catalogue, store.profiles(groups), store.active_learners(groups), done)
    weeks = settings.console.report_weeks
    out.update(completions=data.completions(team, done, titles, weeks),
               mastery=data.mastery_by_week(team, attempts, mastery_step(settings), weeks),
               overdue=data.overdue(team, found), gaps=data.gaps_by_week(team, store.question_outcomes(groups), weeks),
               quiz=data.quiz_outcomes(team, attempts),
               by_group=data.group_rows(team, [d for d in done if d["learner"] in team.learners], attempts,
                                        lambda learners: sum(len(late & learners) for *_, late in found)))
    return out


def _catalogue(tutor):
    try:
        return tutor.parts.catalogue()
    except Exception as exc:  # no index yet: the reports stand without required courses and course titles
        log.info("team reports without the catalogue: %s", exc)
        return None


def csv_rows(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of one report for its CSV: left-out rows are not in it."""
    if not report.get("shown"):
        return []
    if name == "completions":
        c = report["completions"]
        return [{"course": r["course"], "week": "", "completed": r["completed"], "share_of_team": round(r["share"], 3)} for r in c["courses"]] + \
               [{"course": "(all courses)", "week": w, "completed": n, "share_of_team": ""} for w, n in zip(c["weeks"], c["per_week"])]
    if name == "mastery":
        return [{**p, "mastery": round(p["mastery"], 3)} for p in report["mastery"]["points"]]
    if name == "gaps":
        return [{k: v for k, v in p.items() if k != "suppressed"} for p in report["gaps"]["points"] if not p["suppressed"] and "asked" in p]
    if name == "groups":
        rows = report["by_group"]["rows"] + ([report["by_group"]["total"]] if report["by_group"]["total"] else [])
        return [{k: v for k, v in r.items() if k != "suppressed"} for r in rows if not r["suppressed"]]
    return [{k: v for k, v in r.items() if k != "suppressed"} for r in report[name] if not r["suppressed"]]


def chart(report: dict[str, Any], name: str) -> bytes:
    n = report["min_n"]
    if not report.get("shown"):
        return charts.message(f"Fewer than {n} learners in this team: nothing is shown.", name.title())
    if name == "completions":
        c = report["completions"]
        return charts.bars("Courses completed per week", c["weeks"], {"completions": c["per_week"]}, "week starting (UTC)", "courses completed")
    if name == "mastery":
        m = report["mastery"]
        if not m["series"]:
            return charts.message(f"No skill practised by at least {n} learners yet.", "Mastery by skill")
        return charts.lines("Mean mastery by skill (end of each week)", m["weeks"], m["series"], "mean mastery (%)", percent=True)
    if name == "gaps":
        points = [p for p in report["gaps"]["points"] if "asked" in p]
        if not points:
            return charts.message(f"No week with questions from at least {n} learners yet.", "Questions not answered")
        return charts.bars("Questions asked and not answered from the courses", [p["week"] for p in points],
                           {"asked": [p["asked"] for p in points], "not answered": [p["unanswered"] for p in points],
                            "rated thumbs down": [p["thumbs_down"] for p in points]}, "week starting (UTC)", "questions")
    if name == "quiz":
        rows = [r for r in report["quiz"] if not r["suppressed"] and r["skill"]]
        if not rows:
            return charts.message(f"No skill answered by at least {n} learners yet.", "Quiz outcomes")
        return charts.bars("Quiz answers right, by skill", [r["skill"] for r in rows], {"share right": [r["share_right"] for r in rows]},
                           "skill", "answers right (%)", percent=True)
    rows = [r for r in report["overdue"] if not r["suppressed"]]
    if not rows:
        return charts.message("No required course with enough learners to show.", "Required trainings")
    return charts.bars("Required trainings", [r["course"] for r in rows],
                       {"completed": [r["completed"] for r in rows], "overdue": [r["overdue"] for r in rows]}, "course", "learners")


def routes(gate, tutor, audit) -> list[Route]:
    """/reports (page), /api/reports (JSON), /reports/{name}.csv and /reports/charts/{name}.svg."""

    def chosen(request: Request) -> tuple[Any, str, Response | None]:
        scope, group = gate.scope(request), request.query_params.get("group", "").strip()
        if group and not scope.everyone and group not in scope.groups:
            return scope, group, PlainTextResponse("No such group in your teams.", status_code=404)
        return scope, group, None

    async def page(request: Request) -> Response:
        refused = gate.guard(request, reports=True)
        if refused:
            return refused
        scope, group, missing = chosen(request)
        if missing:
            return missing
        report = build(tutor, scope, group)
        audit(request, "view reports", target=group or "all")
        choices = sorted(scope.groups) if not scope.everyone else sorted(gate.groups.sizes())
        return gate.page(request, "reports.html", r=report, choices=choices, query=f"?group={group}" if group else "")

    async def api(request: Request) -> Response:
        refused = gate.guard(request, api=True, reports=True)
        if refused:
            return refused
        scope, group, missing = chosen(request)
        return missing or JSONResponse(build(tutor, scope, group))

    async def download(request: Request) -> Response:
        refused = gate.guard(request, reports=True)
        if refused:
            return refused
        name = request.path_params["name"]
        if name not in (*CHARTS, "groups"):
            return PlainTextResponse("No such report.", status_code=404)
        scope, group, missing = chosen(request)
        if missing:
            return missing
        rows = csv_rows(build(tutor, scope, group), name)
        audit(request, "export report", target=name, detail={"group": group or "all", "rows": len(rows)})
        return Response(exports.csv_text(rows, ("report",)), media_type=exports.CSV_TYPE, headers=exports.attachment(f"{name}.csv"))

    async def image(request: Request) -> Response:
        refused = gate.guard(request, reports=True)
        if refused:
            return refused
        name = request.path_params["name"]
        if name not in CHARTS:
            return PlainTextResponse("No such chart.", status_code=404)
        scope, group, missing = chosen(request)
        return missing or Response(chart(build(tutor, scope, group), name), media_type=charts.SVG_TYPE,
                                   headers={"Cache-Control": "private, no-store"})

    return [Route("/reports", page), Route("/api/reports", api), Route("/reports/{name}.csv", download),
            Route("/reports/charts/{name}.svg", image)]
