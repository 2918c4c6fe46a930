"""Signing in and out with the console's own accounts, in the browser (/login) and for scripts (/api/login).

No guessing: every try is throttled per account name and per client address (store.LoginThrottle) before the
password is checked — growing delays, then a temporary lock that an admin can lift (`tutor users unlock`, or the
console's Users page). A refused try is counted and answered with when to try again (HTTP 429, Retry-After),
whether or not the account exists. The sign-in form carries a CSRF token (the API takes JSON only, which no
other site's form can send), and after sign-in the browser goes only to a path on this site.
"""
from __future__ import annotations

import logging
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from store import LoginThrottle, ThrottlePolicy

from .auth import authenticate
from .security import safe_path

log = logging.getLogger(__name__)
WRONG = "Wrong user name or password."


def policies(settings) -> tuple[ThrottlePolicy, ThrottlePolicy]:
    """(per account, per address) from console settings."""
    lock_s = settings.lock_minutes * 60
    account = ThrottlePolicy(free=settings.free_failures, lock_after=settings.lock_after_failures, lock_s=lock_s)
    address = ThrottlePolicy(free=max(settings.free_failures, settings.address_lock_after_failures // 3),
                             lock_after=settings.address_lock_after_failures, lock_s=lock_s)
    return account, address


def account_key(username: str) -> str:
    return "account:" + username.strip().lower()


def address_key(address: str) -> str:
    return "address:" + address


def in_words(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def refusal(wait: float, by: str) -> str:
    what = "from your address" if by.startswith("address:") else "for this account"
    return (f"Too many failed sign-ins {what}. Try again in {in_words(wait)}, or ask an admin to unlock it "
            "(or use single sign-on, where offered).")


class PasswordSignIn:
    """One password check through the throttle; the browser and API routes differ only in how they answer."""

    def __init__(self, accounts, throttle: LoginThrottle, settings, gate, audit) -> None:
        self.accounts, self.throttle, self.gate, self.audit = accounts, throttle, gate, audit
        self.account_policy, self.address_policy = policies(settings)

    def check(self, request: Request, username: str, password: str) -> tuple[str | None, float, str]:
        """(role when signed in, seconds to wait when refused, the refusal or failure message)."""
        address = self.gate.address(request)
        keys = {account_key(username): self.account_policy, address_key(address): self.address_policy}
        verdict = self.throttle.attempt(keys)
        known = self.accounts.get(username) is not None
        if not verdict.allowed:
            return None, verdict.wait, refusal(verdict.wait, verdict.refused_by)
        role = authenticate(self.accounts, username, password)
        if role is None:
            self.audit(request, "sign-in", actor=username if known else "", role="", outcome="failed",
                       detail=None if known else {"reason": "unknown user name"})
            for key in verdict.locked:
                kind = "address" if key.startswith("address:") else "account"
                self.audit(request, f"{kind} locked", actor="", role="", outcome="locked",
                           target=key.split(":", 1)[1] if kind == "address" or known else "(unknown account)")
            locked = any(k.startswith("account:") for k in verdict.locked)
            return None, 0.0, WRONG + (f" Sign-in for this account is now locked for {in_words(self.account_policy.lock_s)}."
                                       if locked else "")
        self.throttle.succeeded(account_key(username), {address_key(address): self.address_policy})
        self.throttle.prune()  # names typed once and never again
        return role, 0.0, ""


def routes(gate, sign_in: PasswordSignIn, audit, local_accounts: bool, sign_out_url=None) -> list[Route]:
    """/login, /api/login, /logout and /api/logout. `sign_out_url(request, id_token)`, with single sign-on: the
    identity provider's end-session URL to send the browser to after signing out here (None: the sign-in page)."""

    async def login(request: Request) -> Response:
        if request.method == "GET":
            if gate.user(request) and request.query_params.get("next"):
                return RedirectResponse(safe_path(request.query_params.get("next")), status_code=303)
            notice = "Your session has ended; please sign in again." if request.query_params.get("expired") else ""
            return gate.page(request, "login.html", error="", notice=notice, local=local_accounts,
                             next=safe_path(request.query_params.get("next")))
        form = await request.form()
        target = safe_path(form.get("next"))
        if not local_accounts:
            return PlainTextResponse("Sign-in with a password is switched off here: use single sign-on.", status_code=403)
        if not await gate.csrf_ok(request):
            response = gate.page(request, "login.html", error="The sign-in form had expired; please try again.", notice="",
                                 local=True, next=target)
            response.status_code = 403
            return response
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        role, wait, message = sign_in.check(request, username, password)
        if role is None:
            response = gate.page(request, "login.html", error=message, notice="", local=True, next=target)
            if wait:
                response.status_code = 429
                response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        session = gate.start(request, username, role)
        audit(request, "sign-in", detail={"method": "password"})
        if role == "manager" and not target.startswith("/reports"):  # the only pages a manager may open
            target = "/reports"
        return gate.set_cookie(request, RedirectResponse(target, status_code=303), session)

    async def api_login(request: Request) -> Response:
        if not local_accounts:
            return JSONResponse({"error": "password sign-in is switched off; use single sign-on"}, status_code=403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "send JSON: {\"username\": ..., \"password\": ...}"}, status_code=415)
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) or not isinstance(body.get("password"), str):
            return JSONResponse({"error": "send JSON: {\"username\": ..., \"password\": ...}"}, status_code=400)
        role, wait, message = sign_in.check(request, body["username"], body["password"])
        if role is None:
            if wait:
                return JSONResponse({"error": message, "retry_after": math.ceil(wait)}, status_code=429,
                                    headers={"Retry-After": str(math.ceil(wait))})
            return JSONResponse({"error": message}, status_code=401)
        session = gate.start(request, body["username"], role)
        audit(request, "sign-in", detail={"method": "password", "api": True})
        return gate.set_cookie(request, JSONResponse({"user": body["username"], "role": role, "csrf": session["csrf"]}), session)

    async def logout(request: Request) -> Response:
        if gate.user(request) and not await gate.csrf_ok(request):
            return PlainTextResponse("Invalid or missing CSRF token.", status_code=403)
        api = request.url.path.startswith("/api/")
        id_token = gate.id_token(request)
        provider = await sign_out_url(request, id_token) if (sign_out_url and id_token and not api) else None
        response: Response = JSONResponse({"signed_out": True}) if api else RedirectResponse(provider or "/login", status_code=303)
        if gate.user(request):
            audit(request, "sign-out", detail={"at_provider": True} if provider else None)
        gate.end(request, response)
        return response

    return [Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]),
            Route("/api/login", api_login, methods=["POST"]), Route("/api/logout", logout, methods=["POST"])]
