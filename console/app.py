"""The trainer console: a small server-rendered Starlette app with a JSON API behind each view. Signing in is in
console/login.py (own accounts) and console/oidc.py (single sign-on); sessions and access checks in
console/sessions.py; the admins' pages in console/admin.py and console/audit.py; the question bank's pages in
console/questions.py.

Sign-in required; trainers and admins only (learner accounts are refused); CSRF tokens on every action;
trainers see only the learners of their groups (console/scope.py), under stable aliases (admins see real
identities); PII is redacted in views and exports; every view of a conversation, search, export and action is
recorded in the audit trail; every response carries the security headers of console/security.py.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from store import AuditTrail, LoginThrottle
from tutor import Tutor

from . import admin, analytics, audit, dialogue, exports, gaps, login, oidc, questions, reports
from . import learning_records as learning_records_page
from .presenting import Presenter
from .security import SecurityHeaders, safe_path
from .sessions import Gate

STATIC = Path(__file__).parent / "static"


def create_app(tutor: Tutor, secret: str, clock: Callable[[], float] = time.time) -> Starlette:
    """The console over `tutor`'s records; `secret` keys the sign-in cookie, CSRF tokens and learner aliases;
    `clock` times sessions, sign-in throttling and the audit trail (a drill or test may play time faster)."""
    records = tutor.records
    settings = tutor.settings.console
    found_events: list = []

    def events():
        """Rasa's events (store.TrackerEvents), once its store exists: the console may start before Rasa does."""
        if not found_events:
            reached = tutor.tracker_events()
            if reached is not None:
                found_events.append(reached)
        return found_events[0] if found_events else None

    present = Presenter(records.transcripts, secret, settings.low_confidence, events)
    gate = Gate(records.db, settings, clock)
    trail = AuditTrail(records.db, clock)
    record = audit.Auditor(trail, gate)
    throttle = LoginThrottle(records.db, clock)
    user, guard, page = gate.user, gate.guard, gate.page

    def real_identity(request: Request) -> bool:
        return (user(request) or {}).get("role") == "admin"

    async def home(request: Request) -> Response:
        if (user(request) or {}).get("role") == "manager":  # managers see the team reports only
            return RedirectResponse("/reports", status_code=303)
        return guard(request) or RedirectResponse("/conversations", status_code=303)

    def listing(request: Request) -> dict[str, Any]:
        """The conversations the query asks for, in the viewer's scope; a search or filter is recorded."""
        params, scope = request.query_params, gate.scope(request)
        found = present.conversations(params, real_identity(request), scope)
        searched = audit.filters_detail(params)
        learner = present.real_learner(params, real_identity(request), scope) if params.get("learner") else None
        if searched or params.get("learner"):
            record(request, "search", learner=learner,
                   detail={**searched, "results": len(found["conversations"]), **({"learner": True} if params.get("learner") else {})})
        return found

    async def conversations_page(request: Request) -> Response:
        return guard(request) or page(request, "conversations.html", **listing(request), query=request.url.query)

    async def conversations_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse({"conversations": listing(request)["conversations"]})

    def detail(request: Request) -> dict | None:
        """The conversation in the viewer's scope (None: no such conversation for them); the view is recorded."""
        key = request.path_params["key"]
        found, learner = present.find(key, real_identity(request), gate.scope(request))
        record(request, "view conversation", target=key, learner=learner, outcome="ok" if found else "not found")
        return found

    async def conversation_page(request: Request) -> Response:
        refused = guard(request)
        if refused:
            return refused
        found = detail(request)
        return page(request, "conversation.html", c=found) if found else PlainTextResponse("No such conversation.", status_code=404)

    async def conversation_api(request: Request) -> Response:
        refused = guard(request, api=True)
        if refused:
            return refused
        found = detail(request)
        return JSONResponse(found) if found else JSONResponse({"error": "no such conversation"}, status_code=404)

    async def annotate(request: Request) -> Response:
        refused = await gate.refuse_action(request)
        if refused:
            return refused
        form = await request.form()
        turn = records.turns.turn(request.path_params["turn_id"])
        if turn is None or not gate.scope(request).allows(turn["learner"]):
            return PlainTextResponse("Unknown turn.", status_code=404)
        kind = str(form.get("kind", ""))
        if not records.transcripts.annotate(turn["turn_id"], kind, str(form.get("text", "")), user(request)["name"]):
            return PlainTextResponse("Unknown turn.", status_code=404)
        record(request, "flag" if kind == "flag" else "note", target=turn["turn_id"], learner=turn["learner"])
        return RedirectResponse(safe_path(form.get("back")), status_code=303)

    async def review(request: Request) -> Response:
        refused = await gate.refuse_action(request)
        if refused:
            return refused
        key = request.path_params["key"]
        cid = present.find_conversation(key)
        found, learner = present.find(key, True, gate.scope(request)) if cid else (None, None)
        if not found:
            return PlainTextResponse("No such conversation.", status_code=404)
        records.transcripts.mark_reviewed(cid, user(request)["name"])
        record(request, "review", target=key, learner=learner)
        return RedirectResponse(f"/conversations/{key}", status_code=303)

    def gap_clusters(request: Request) -> list[dict]:
        scope = gate.scope(request)
        reached = events()
        turns = [u for u in reached.recent_turns() if scope.allows(u.learner)] if reached is not None else []
        rows = records.transcripts.gap_questions(groups=None if scope.everyone else scope.groups)
        return gaps.cluster_gaps(rows + dialogue.gap_rows(turns), tutor.embedder)

    async def gaps_page(request: Request) -> Response:
        return guard(request) or page(request, "gaps.html", clusters=gap_clusters(request))

    async def gaps_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse({"clusters": gap_clusters(request)})

    def stats(request: Request) -> dict[str, Any]:
        return analytics.statistics(records.analytics, events(), tutor.question_bank.statistics(), gate.scope(request))

    async def analytics_page(request: Request) -> Response:
        refused = guard(request)
        if refused:
            return refused
        data = stats(request)
        usage = data["usage"]
        chart = analytics.bar_chart([("answered", [u[1] for u in usage]), ("abstained", [u[2] for u in usage])], [u[0] for u in usage])
        mastery_chart = analytics.bar_chart([(band, [v[i] for v in data["mastery"].values()]) for i, band in enumerate(["<40%", "40-70%", "70-90%", "≥90%"])],
                                            list(data["mastery"]), colours=("#d63031", "#fdcb6e", "#74b9ff", "#00b894"))
        return page(request, "analytics.html", data=data, usage_chart=chart, mastery_chart=mastery_chart)

    async def analytics_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse(stats(request))

    async def export(request: Request) -> Response:
        refused = guard(request)
        if refused:
            return refused
        scope, fmt = gate.scope(request), request.path_params["fmt"]
        if fmt not in ("csv", "json"):
            return PlainTextResponse("Export as .csv or .json.", status_code=404)
        rows = present.export_rows(request.query_params, real_identity(request), scope)
        learner = present.real_learner(request.query_params, real_identity(request), scope) if request.query_params.get("learner") else None
        record(request, "export", target=fmt, learner=learner, detail={**audit.filters_detail(request.query_params), "turns": len(rows)})
        if fmt == "json":
            rates = records.analytics.rates(groups=None if scope.everyone else scope.groups)
            return Response(exports.json_text(rows, rates), media_type=exports.JSON_TYPE, headers=exports.attachment("transcripts.json"))
        return Response(exports.csv_text(rows), media_type=exports.CSV_TYPE, headers=exports.attachment("transcripts.csv"))

    sign_in = login.PasswordSignIn(records.accounts, throttle, settings, gate, record)
    sso = oidc.SingleSignOn(gate, record, settings.oidc, clock) if settings.oidc.issuer else None
    routes = [
        Route("/", home), *login.routes(gate, sign_in, record, settings.local_accounts, sso.sign_out_url if sso else None),
        Route("/conversations", conversations_page), Route("/api/conversations", conversations_api),
        Route("/conversations/{key}", conversation_page), Route("/api/conversations/{key}", conversation_api),
        Route("/conversations/{key}/review", review, methods=["POST"]), Route("/turns/{turn_id}/annotate", annotate, methods=["POST"]),
        Route("/gaps", gaps_page), Route("/api/gaps", gaps_api), Route("/analytics", analytics_page), Route("/api/analytics", analytics_api),
        Route("/export.{fmt:str}", export),
        *questions.routes(tutor, questions.Kit(guard=guard, refuse_action=gate.refuse_action, page=page, user=user, audit=record)),
        *admin.routes(gate, record, records.accounts, throttle, gate.idle_s, gate.absolute_s),
        *audit.routes(gate, trail, record),
        *learning_records_page.routes(gate, tutor.learning_records, tutor.settings.lrs.endpoint, record),
        *reports.routes(gate, tutor, record),
        *(sso.routes() if sso else []),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    middleware = [
        # Signing out of a single sign-on session goes on to the identity provider: the sign-out form may go there.
        Middleware(SecurityHeaders, proxies=gate.proxies, hsts=settings.hsts, form_origins=[sso.origin] if sso else []),
        # Before sign-in only: the sign-in form's CSRF token and the single sign-on state (Lax: the identity
        # provider's redirect back must carry it). The session itself is server-side (console/sessions.py).
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="tutor_signin", same_site="lax",
                   https_only=settings.https_only, max_age=30 * 60),
    ]
    return Starlette(routes=routes, middleware=middleware)
