"""The trainer console: a small server-rendered Starlette app with a JSON API behind each view.

Login required; trainers and admins only (learner accounts are refused); CSRF tokens on every action;
learners appear under stable aliases unless the viewer is an admin; PII is redacted in views and exports.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
import time
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from store import open_database

from . import analytics, gaps, queries
from .auth import CONSOLE_ROLES, authenticate
from .tracker_events import TrackerEvents, tracker_events

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""


def conversation_key(conversation_id: str, secret: str) -> str:
    """An opaque handle for URLs, so raw conversation ids (which may name people) never appear in them."""
    return "c-" + hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()[:16]


def create_app(db_path: Path, tracker: "TrackerEvents | Path | str | None", secret: str, embedder_factory: Callable[[], Any],
               low_confidence: float = 0.5, https_only: bool = False) -> Starlette:
    db = open_database(db_path)
    state: dict[str, Any] = {}

    events = tracker_events(tracker)

    def user(request: Request) -> dict | None:
        return request.session.get("user")

    def guard(request: Request, api: bool = False) -> Response | None:
        who = user(request)
        if who is None:
            if api:
                return JSONResponse({"error": "login required"}, status_code=401)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if who["role"] not in CONSOLE_ROLES:
            return (JSONResponse if api else PlainTextResponse)(
                {"error": "the console is for trainers and admins"} if api else "The console is for trainers and admins.", status_code=403)
        return None

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return token

    async def csrf_ok(request: Request) -> bool:
        form = await request.form()
        sent = form.get("csrf") or request.headers.get("x-csrf-token", "")
        return bool(sent) and hmac.compare_digest(str(sent), request.session.get("csrf", ""))

    async def refuse_action(request: Request) -> Response | None:
        """A form action needs a trainer's session and the session's CSRF token."""
        refused = guard(request)
        if refused:
            return refused
        if not await csrf_ok(request):
            return PlainTextResponse("Invalid or missing CSRF token.", status_code=403)
        return None

    def page(request: Request, name: str, **context: Any) -> Response:
        return TEMPLATES.TemplateResponse(request, name, {"user": user(request), "csrf": csrf_token(request), **context})

    def real_identity(request: Request) -> bool:
        return (user(request) or {}).get("role") == "admin"

    def find_conversation(key: str) -> str | None:
        for (cid,) in db.execute("select distinct conversation_id from turns"):
            if cid and conversation_key(cid, secret) == key:
                return cid
        return None

    def listing(request: Request) -> dict[str, Any]:
        filters = queries.Filters.from_params(request.query_params)
        if filters.learner and not real_identity(request):
            # Trainers filter by alias; translate it back.
            matches = [s for (s,) in db.execute("select distinct sender_id from turns") if queries.alias(s, secret) == filters.learner]
            filters.learner = matches[0] if matches else "\x00"
        items = queries.conversations(db, filters, secret, real_identity(request), low_confidence)
        for item in items:
            item["key"] = conversation_key(item["conversation_id"], secret)
            del item["conversation_id"]
        return {"filters": filters, "conversations": items}

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html", error="")
        form = await request.form()
        role = authenticate(db, str(form.get("username", "")), str(form.get("password", "")))
        if role is None:
            return page(request, "login.html", error="Wrong user name or password.")
        request.session.clear()
        request.session["user"] = {"name": str(form["username"]), "role": role}
        target = str(form.get("next") or "/conversations")
        return RedirectResponse(target if target.startswith("/") and not target.startswith("//") else "/conversations", status_code=303)

    async def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def home(request: Request) -> Response:
        return guard(request) or RedirectResponse("/conversations", status_code=303)

    async def conversations_page(request: Request) -> Response:
        return guard(request) or page(request, "conversations.html", **listing(request), query=request.url.query)

    async def conversations_api(request: Request) -> Response:
        refused = guard(request, api=True)
        if refused:
            return refused
        data = listing(request)
        return JSONResponse({"conversations": data["conversations"]})

    def detail(request: Request) -> dict | None:
        cid = find_conversation(request.path_params["key"])
        found = queries.conversation(db, cid, secret, real_identity(request)) if cid else None
        if found:
            found["key"] = request.path_params["key"]
            del found["conversation_id"]
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
        refused = await refuse_action(request)
        if refused:
            return refused
        form = await request.form()
        ok = queries.annotate(db, request.path_params["turn_id"], str(form.get("kind", "")), str(form.get("text", "")), user(request)["name"])
        back = str(form.get("back") or "/conversations")
        return RedirectResponse(back if back.startswith("/") else "/conversations", status_code=303) if ok else PlainTextResponse("Unknown turn.", status_code=404)

    async def review(request: Request) -> Response:
        refused = await refuse_action(request)
        if refused:
            return refused
        cid = find_conversation(request.path_params["key"])
        if not cid:
            return PlainTextResponse("No such conversation.", status_code=404)
        queries.mark_reviewed(db, cid, user(request)["name"])
        return RedirectResponse(f"/conversations/{request.path_params['key']}", status_code=303)

    def gap_clusters() -> list[dict]:
        if "embedder" not in state:
            state["embedder"] = embedder_factory()
        return gaps.cluster_gaps(gaps.gap_questions(db), state["embedder"])

    async def gaps_page(request: Request) -> Response:
        return guard(request) or page(request, "gaps.html", clusters=gap_clusters())

    async def gaps_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse({"clusters": gap_clusters()})

    def stats() -> dict[str, Any]:
        return {"usage": analytics.usage_by_day(db), "rates": analytics.rates(db), "items": analytics.item_statistics(db),
                "mastery": analytics.mastery_distribution(db), "takeup": analytics.recommendation_takeup(db, events)}

    async def analytics_page(request: Request) -> Response:
        refused = guard(request)
        if refused:
            return refused
        data = stats()
        usage = data["usage"]
        chart = analytics.bar_chart([("answered", [u[1] for u in usage]), ("abstained", [u[2] for u in usage])], [u[0] for u in usage])
        mastery_chart = analytics.bar_chart([(band, [v[i] for v in data["mastery"].values()]) for i, band in enumerate(["<40%", "40-70%", "70-90%", "≥90%"])],
                                            list(data["mastery"]), colours=("#d63031", "#fdcb6e", "#74b9ff", "#00b894"))
        return page(request, "analytics.html", data=data, usage_chart=chart, mastery_chart=mastery_chart)

    async def analytics_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse(stats())

    async def export(request: Request) -> Response:
        refused = guard(request)
        if refused:
            return refused
        rows = queries.export_rows(db, queries.Filters.from_params(request.query_params), secret, real_identity(request), low_confidence)
        if request.path_params["fmt"] == "json":
            return Response(json.dumps({"turns": rows, "stats": analytics.rates(db)}, ensure_ascii=False, indent=1),
                            media_type="application/json", headers={"Content-Disposition": "attachment; filename=transcripts.json"})
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["turn_id"])
        writer.writeheader()
        writer.writerows(rows)
        return Response(buffer.getvalue(), media_type="text/csv", headers={"Content-Disposition": "attachment; filename=transcripts.csv"})

    routes = [
        Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]), Route("/", home),
        Route("/conversations", conversations_page), Route("/api/conversations", conversations_api),
        Route("/conversations/{key}", conversation_page), Route("/api/conversations/{key}", conversation_api),
        Route("/conversations/{key}/review", review, methods=["POST"]), Route("/turns/{turn_id}/annotate", annotate, methods=["POST"]),
        Route("/gaps", gaps_page), Route("/api/gaps", gaps_api), Route("/analytics", analytics_page), Route("/api/analytics", analytics_api),
        Route("/export.{fmt:str}", export),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=secret, session_cookie="tutor_console", same_site="strict",
                             https_only=https_only, max_age=8 * 3600)]
    return Starlette(routes=routes, middleware=middleware)


PROTECTED_PATHS = ["/", "/conversations", "/api/conversations", "/gaps", "/api/gaps", "/analytics", "/api/analytics",
                   "/export.csv", "/export.json"]
