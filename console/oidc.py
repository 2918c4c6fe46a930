"""Single sign-on with the company's identity provider: OpenID Connect, authorization code flow with PKCE (S256)
and a nonce, through Authlib's Starlette client. The provider is found by discovery (console.oidc.issuer); its
ID token is checked by Authlib (signature from the provider's JWKS, issuer, audience, expiry, nonce).

The console role comes from the user's groups (console.oidc.groups_claim): a member of an admin group signs in
as admin, of a trainer group as trainer, anyone else is refused. A trainer's other groups are the learner groups
they see (team scope). The browser's state before sign-in (state, nonce, PKCE verifier) lives in the short-lived
signed cookie (`request.session`) and is gone once the session starts.

The provider stays in charge after sign-in: someone it no longer puts in a console group is refused at their next
sign-in and their other sessions end; its back-channel logout ends their sessions at once (console/backchannel.py);
and signing out of the console signs out at the provider too, where it offers an end_session_endpoint
(RP-initiated logout, with the ID token kept on the server-side session as id_token_hint).
"""
from __future__ import annotations

import importlib
import logging
import os
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .backchannel import LogoutTokens, handler
from .security import safe_path

log = logging.getLogger(__name__)


def _failures() -> tuple[type[BaseException], ...]:
    """What a talk with the provider may fail with: Authlib's errors, bad responses, and the network errors of
    whichever HTTP client Authlib uses (httpx2 where installed, else httpx)."""
    found: list[type[BaseException]] = [OAuthError, ValueError, KeyError]
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).HTTPError)
        except ImportError:
            continue
    return tuple(found)


FAILURES = _failures()


def role_for(groups: list[str], oidc) -> str | None:
    """admin, trainer, manager, or None (not allowed), from the identity provider's groups; the widest wins."""
    if set(groups) & set(oidc.admin_groups):
        return "admin"
    if set(groups) & set(oidc.trainer_groups):
        return "trainer"
    if set(groups) & set(oidc.manager_groups):
        return "manager"
    return None


def claims_groups(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups claim as a list of names (a single string counts as one group)."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


def username_of(claims: dict[str, Any], claim: str) -> str:
    for key in (claim, "email", "sub"):
        if isinstance(claims.get(key), str) and claims[key].strip():
            return claims[key].strip()
    return ""


def client_for(oidc) -> Any:
    """Authlib's OAuth client for the provider in `oidc` (console.oidc settings)."""
    oauth = OAuth()
    oauth.register(name="idp", client_id=oidc.client_id, client_secret=os.environ.get(oidc.client_secret_env, ""),
                   server_metadata_url=oidc.issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": oidc.scopes, "code_challenge_method": "S256", "timeout": 15})
    return oauth.create_client("idp")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SingleSignOn:
    """The console's client of the identity provider in `oidc` (console.oidc settings): the sign-in routes, the
    back-channel logout route, and where signing out sends the browser."""

    def __init__(self, gate, audit, oidc, clock: Callable[[], float] = time.time) -> None:
        self.gate, self.audit, self.oidc = gate, audit, oidc
        self.client = client_for(oidc)
        self.logout_tokens = LogoutTokens(self.client, oidc.client_id, clock)

    @property
    def origin(self) -> str:
        """The provider's origin: the pages' Content-Security-Policy lets the sign-out form go there."""
        return origin(self.oidc.issuer)

    async def sign_out_url(self, request: Request, id_token: str) -> str | None:
        """The provider's end-session URL (id_token_hint, post_logout_redirect_uri, client_id) for a single sign-on
        session; None (sign out here only) without an ID token, an end_session_endpoint, or a reachable provider."""
        if not id_token:
            return None
        try:
            endpoint = (await self.client.load_server_metadata()).get("end_session_endpoint")
        except FAILURES as exc:
            log.warning("the identity provider could not be reached to sign out there: %s", exc)
            return None
        if not endpoint:
            return None
        if origin(endpoint) != self.origin:
            log.warning("the identity provider's end_session_endpoint is not on its issuer's origin: signing out here only")
            return None
        back = self.oidc.post_logout_redirect_url or str(request.url_for("login"))
        found = await self.client.create_logout_url(post_logout_redirect_uri=back, id_token_hint=id_token, client_id=self.oidc.client_id)
        return found["url"]

    def failed(self, request: Request, message: str, status: int) -> Response:
        response = self.gate.page(request, "login.html", error=message, notice="", local=self.gate.settings.local_accounts,
                                  next=safe_path(request.session.get("sso_next")))
        response.status_code = status
        return response

    async def start(self, request: Request) -> Response:
        request.session["sso_next"] = safe_path(request.query_params.get("next"))
        redirect = self.oidc.redirect_url or str(request.url_for("sso_callback"))
        try:
            return await self.client.authorize_redirect(request, redirect)
        except FAILURES as exc:
            log.warning("the identity provider could not be reached: %s", exc)
            return self.failed(request, "The identity provider could not be reached; try again later.", 502)

    async def callback(self, request: Request) -> Response:
        oidc, audit = self.oidc, self.audit
        if request.query_params.get("error"):
            audit(request, "sign-in", outcome="failed", detail={"method": "sso", "reason": request.query_params["error"][:100]})
            return self.failed(request, "The identity provider did not sign you in.", 401)
        try:
            token = await self.client.authorize_access_token(request)
            id_claims = dict(token.get("userinfo") or {})
            claims = dict(id_claims)
            if oidc.groups_claim not in claims:
                claims.update(await self.client.userinfo(token=token))
        except FAILURES as exc:
            log.warning("single sign-on failed: %s", exc)
            audit(request, "sign-in", outcome="failed", detail={"method": "sso", "reason": str(exc)[:200]})
            return self.failed(request, "Single sign-on failed; please try again.", 401)
        name, groups = username_of(claims, oidc.username_claim), claims_groups(claims, oidc.groups_claim)
        sub = str(id_claims.get("sub") or "")
        role = role_for(groups, oidc)
        if not name or role is None:
            # Removed from the console's groups at the provider: no sign-in now, and no session left from before.
            ended = self.gate.sessions.end_single_sign_on(name, sub) if (name or sub) else []
            audit(request, "sign-in", actor=name, outcome="refused",
                  detail={"method": "sso", "reason": "in no console group", **({"sessions_ended": len(ended)} if ended else {})})
            return self.failed(request, "Your account is in no group that may use the trainer console; ask an admin.", 403)
        teams = sorted(set(groups) - set(oidc.admin_groups) - set(oidc.trainer_groups) - set(oidc.manager_groups))
        target = safe_path(request.session.get("sso_next"))
        if role == "manager" and not target.startswith("/reports"):  # the only pages a manager may open
            target = "/reports"
        idp = {"idp_sub": sub, "idp_sid": str(id_claims.get("sid") or ""), "id_token": str(token.get("id_token") or "")}
        session = self.gate.start(request, name, role, groups=teams, method="sso", idp=idp)
        audit(request, "sign-in", detail={"method": "sso", "groups": teams})
        return self.gate.set_cookie(request, RedirectResponse(target, status_code=303), session)

    def routes(self) -> list[Route]:
        """/login/sso (to the provider), /login/sso/callback (back from it) and /login/sso/backchannel-logout (the
        provider's back-channel logout)."""
        logout = handler(self.logout_tokens, self.gate.sessions, self.audit, FAILURES)
        return [Route("/login/sso", self.start), Route("/login/sso/callback", self.callback, name="sso_callback"),
                Route("/login/sso/backchannel-logout", logout, methods=["POST"])]
