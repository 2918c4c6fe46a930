"""The trainer console: a small server-rendered Starlette app with a JSON API behind each view. The question
bank's pages are in console/questions.py.

Login required; trainers and admins only (learner accounts are refused); CSRF tokens on every action;
learners appear under stable aliases unless the viewer is an admin; PII is redacted in views and exports.
"""
from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from messages.language import has_han
from tutor import Tutor

from . import analytics, dialogue, exports, gaps, questions
from .auth import CONSOLE_ROLES, authenticate
from .presenting import Presenter

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""
# The language of a learner's text, for its element's lang attribute: browsers pick Chinese glyphs (not Japanese
# ones for the shared characters) and line breaking by it.
TEMPLATES.env.filters["lang"] = lambda text: "zh" if has_han(str(text or "")) else "en"


def create_app(tutor: Tutor, secret: str) -> Starlette:
    """The console over `tutor`'s records; `secret` keys sessions, CSRF tokens and learner aliases."""
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

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "login.html", error="")
        form = await request.form()
        role = authenticate(records.accounts, str(form.get("username", "")), str(form.get("password", "")))
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
        return guard(request) or page(request, "conversations.html", **present.conversations(request.query_params, real_identity(request)),
                                      query=request.url.query)

    async def conversations_api(request: Request) -> Response:
        refused = guard(request, api=True)
        if refused:
            return refused
        return JSONResponse({"conversations": present.conversations(request.query_params, real_identity(request))["conversations"]})

    def detail(request: Request) -> dict | None:
        return present.conversation(request.path_params["key"], real_identity(request))

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
        ok = records.transcripts.annotate(request.path_params["turn_id"], str(form.get("kind", "")), str(form.get("text", "")),
                                          user(request)["name"])
        back = str(form.get("back") or "/conversations")
        return RedirectResponse(back if back.startswith("/") else "/conversations", status_code=303) if ok else PlainTextResponse("Unknown turn.", status_code=404)

    async def review(request: Request) -> Response:
        refused = await refuse_action(request)
        if refused:
            return refused
        cid = present.find_conversation(request.path_params["key"])
        if not cid:
            return PlainTextResponse("No such conversation.", status_code=404)
        records.transcripts.mark_reviewed(cid, user(request)["name"])
        return RedirectResponse(f"/conversations/{request.path_params['key']}", status_code=303)

    def gap_clusters() -> list[dict]:
        reached = events()
        unanswered = dialogue.gap_rows(reached.recent_turns()) if reached is not None else []
        return gaps.cluster_gaps(records.transcripts.gap_questions() + unanswered, tutor.embedder)

    async def gaps_page(request: Request) -> Response:
        return guard(request) or page(request, "gaps.html", clusters=gap_clusters())

    async def gaps_api(request: Request) -> Response:
        return guard(request, api=True) or JSONResponse({"clusters": gap_clusters()})

    def stats() -> dict[str, Any]:
        return analytics.statistics(records.analytics, events(), tutor.question_bank.statistics())

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
        rows = present.export_rows(request.query_params, real_identity(request))
        if request.path_params["fmt"] == "json":
            return Response(exports.json_text(rows, records.analytics.rates()), media_type=exports.JSON_TYPE,
                            headers=exports.attachment("transcripts.json"))
        return Response(exports.csv_text(rows), media_type=exports.CSV_TYPE, headers=exports.attachment("transcripts.csv"))

    routes = [
        Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]), Route("/", home),
        Route("/conversations", conversations_page), Route("/api/conversations", conversations_api),
        Route("/conversations/{key}", conversation_page), Route("/api/conversations/{key}", conversation_api),
        Route("/conversations/{key}/review", review, methods=["POST"]), Route("/turns/{turn_id}/annotate", annotate, methods=["POST"]),
        Route("/gaps", gaps_page), Route("/api/gaps", gaps_api), Route("/analytics", analytics_page), Route("/api/analytics", analytics_api),
        Route("/export.{fmt:str}", export),
        *questions.routes(tutor, questions.Kit(guard=guard, refuse_action=refuse_action, page=page, user=user)),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=secret, session_cookie="tutor_console", same_site="strict",
                             https_only=settings.https_only, max_age=8 * 3600)]
    return Starlette(routes=routes, middleware=middleware)
