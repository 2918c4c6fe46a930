"""Who is signed in, and the checks every console page and action makes (`Gate`).

A session lives server-side (store.ConsoleSessions): the `tutor_session` cookie holds a random token, new at
every sign-in; the session ends when idle for console.session_idle_minutes, after console.session_max_hours,
at sign-out, or everywhere at once for a user. The cookie is HttpOnly, SameSite=Lax (the identity provider's
redirect back must carry it) and Secure over HTTPS. Before sign-in, a short-lived signed cookie (Starlette's
SessionMiddleware, `request.session`) holds the sign-in form's CSRF token and the single sign-on state.
"""
from __future__ import annotations

import hmac
import secrets
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from messages.language import has_han
from store import ConsoleSessions, Groups

from .auth import CONSOLE_ROLES, REPORT_ROLES
from .scope import Scope, scope_of
from .security import TrustedProxies, client_address, is_https

COOKIE = "tutor_session"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""
# The language of a learner's text, for its element's lang attribute: browsers pick Chinese glyphs (not Japanese
# ones for the shared characters) and line breaking by it.
TEMPLATES.env.filters["lang"] = lambda text: "zh" if has_han(str(text or "")) else "en"


class Gate:
    """Sessions, CSRF tokens, access checks and page rendering for the console's routes."""

    def __init__(self, db, settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings  # tutor.settings.ConsoleSettings
        self.sessions = ConsoleSessions(db, clock)
        self.groups = Groups(db)
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.idle_s = settings.session_idle_minutes * 60
        self.absolute_s = settings.session_max_hours * 3600

    def address(self, request: Request) -> str:
        return client_address(request, self.proxies)

    def user(self, request: Request) -> dict[str, Any] | None:
        """The signed-in user ({name, role, groups, method, csrf}), or None; looked up once per request."""
        if hasattr(request.state, "user"):
            return request.state.user
        session, expired = self.sessions.find(request.cookies.get(COOKIE, ""), self.idle_s, self.absolute_s)
        request.state.expired = expired
        found = None
        if session:
            groups = set(session["groups"]) | set(self.groups.trainer_groups(session["username"]))
            found = {"name": session["username"], "role": session["role"], "groups": sorted(groups),
                     "method": session["method"], "csrf": session["csrf"]}
        request.state.user = found
        request.state.id_token = (session or {}).get("id_token") or ""
        return found

    def id_token(self, request: Request) -> str:
        """The identity provider's ID token of this single sign-on session ("" for others): kept on the server,
        never in the cookie, and sent back to the provider only as the id_token_hint of signing out there."""
        self.user(request)
        return getattr(request.state, "id_token", "")

    def scope(self, request: Request) -> Scope:
        return scope_of(self.user(request), self.settings.team_scope, self.groups)

    def guard(self, request: Request, api: bool = False, admin: bool = False, reports: bool = False) -> Response | None:
        """None when the request may go on; else the refusal (sign in first, or not for your role). Managers pass
        only where `reports` is set (the team reports): every other page refuses them."""
        who = self.user(request)
        if who is None:
            expired = getattr(request.state, "expired", False)
            if api:
                return JSONResponse({"error": "session expired" if expired else "login required"}, status_code=401)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='/')}" + ("&expired=1" if expired else ""), status_code=303)
        if who["role"] not in (REPORT_ROLES if reports else CONSOLE_ROLES):
            return (JSONResponse({"error": "the console is for trainers and admins"}, status_code=403) if api
                    else PlainTextResponse("The console is for trainers and admins.", status_code=403))
        if admin and who["role"] != "admin":
            return (JSONResponse({"error": "for admins only"}, status_code=403) if api
                    else PlainTextResponse("This page is for admins only.", status_code=403))
        return None

    def csrf_token(self, request: Request) -> str:
        """The signed-in session's token, or before sign-in the sign-in form's (kept in the signed cookie)."""
        who = self.user(request)
        if who:
            return who["csrf"]
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return token

    async def csrf_ok(self, request: Request) -> bool:
        form = await request.form()
        sent = str(form.get("csrf") or request.headers.get("x-csrf-token", ""))
        expected = self.csrf_token(request) if (self.user(request) or request.session.get("csrf")) else ""
        return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)

    async def refuse_action(self, request: Request, admin: bool = False) -> Response | None:
        """A form action needs a trainer's (or admin's) session and the session's CSRF token."""
        refused = self.guard(request, admin=admin)
        if refused:
            return refused
        if not await self.csrf_ok(request):
            return PlainTextResponse("Invalid or missing CSRF token.", status_code=403)
        return None

    def page(self, request: Request, name: str, **context: Any) -> Response:
        return TEMPLATES.TemplateResponse(request, name, {"user": self.user(request), "csrf": self.csrf_token(request),
                                                          "sso": self.settings.oidc.label if self.settings.oidc.issuer else "", **context})

    def start(self, request: Request, username: str, role: str, *, groups=(), method: str = "password",
              idp: dict[str, str] | None = None) -> dict:
        """Sign in: end the session the browser had (if any), start a new one with a new token, forget the
        pre-sign-in state. `idp`: the identity provider's idp_sub, idp_sid and id_token for a single sign-on
        session. The session, with its `token` for `set_cookie`."""
        old = request.cookies.get(COOKIE)
        if old:
            self.sessions.end(old)
        self.sessions.purge(self.idle_s, self.absolute_s)  # sessions nobody came back to
        token, session = self.sessions.create(username, role, groups=list(groups), method=method, address=self.address(request),
                                              **(idp or {}))
        request.session.clear()
        request.state.user = {"name": username, "role": role, "groups": sorted(groups), "method": method, "csrf": session["csrf"]}
        return {**session, "token": token}

    def set_cookie(self, request: Request, response: Response, session: dict) -> Response:
        response.set_cookie(COOKIE, session["token"], httponly=True, samesite="lax", path="/",
                            secure=self.settings.https_only or is_https(request, self.proxies))
        return response

    def end(self, request: Request, response: Response) -> None:
        token = request.cookies.get(COOKIE)
        if token:
            self.sessions.end(token)
        request.session.clear()
        response.delete_cookie(COOKIE, path="/")
