"""Single sign-on with the company's identity provider: OpenID Connect, authorization code flow with PKCE (S256)
and a nonce, through Authlib's Starlette client. The provider is found by discovery (console.oidc.issuer); its
ID token is checked by Authlib (signature from the provider's JWKS, issuer, audience, expiry, nonce).

The console role comes from the user's groups (console.oidc.groups_claim): a member of an admin group signs in
as admin, of a trainer group as trainer, anyone else is refused. A trainer's other groups are the learner groups
they see (team scope). The browser's state before sign-in (state, nonce, PKCE verifier) lives in the short-lived
signed cookie (`request.session`) and is gone once the session starts.
"""
from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

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


def routes(gate, audit, oidc) -> list[Route]:
    """/login/sso (to the provider) and /login/sso/callback (back from it)."""
    client = client_for(oidc)

    def failed(request: Request, message: str, status: int) -> Response:
        response = gate.page(request, "login.html", error=message, notice="", local=gate.settings.local_accounts,
                             next=safe_path(request.session.get("sso_next")))
        response.status_code = status
        return response

    async def start(request: Request) -> Response:
        request.session["sso_next"] = safe_path(request.query_params.get("next"))
        redirect = oidc.redirect_url or str(request.url_for("sso_callback"))
        try:
            return await client.authorize_redirect(request, redirect)
        except FAILURES as exc:
            log.warning("the identity provider could not be reached: %s", exc)
            return failed(request, "The identity provider could not be reached; try again later.", 502)

    async def callback(request: Request) -> Response:
        if request.query_params.get("error"):
            audit(request, "sign-in", outcome="failed", detail={"method": "sso", "reason": request.query_params["error"][:100]})
            return failed(request, "The identity provider did not sign you in.", 401)
        try:
            token = await client.authorize_access_token(request)
            claims = dict(token.get("userinfo") or {})
            if oidc.groups_claim not in claims:
                claims.update(await client.userinfo(token=token))
        except FAILURES as exc:
            log.warning("single sign-on failed: %s", exc)
            audit(request, "sign-in", outcome="failed", detail={"method": "sso", "reason": str(exc)[:200]})
            return failed(request, "Single sign-on failed; please try again.", 401)
        name, groups = username_of(claims, oidc.username_claim), claims_groups(claims, oidc.groups_claim)
        role = role_for(groups, oidc)
        if not name or role is None:
            audit(request, "sign-in", actor=name, outcome="refused", detail={"method": "sso", "reason": "in no console group"})
            return failed(request, "Your account is in no group that may use the trainer console; ask an admin.", 403)
        teams = sorted(set(groups) - set(oidc.admin_groups) - set(oidc.trainer_groups) - set(oidc.manager_groups))
        target = safe_path(request.session.get("sso_next"))
        if role == "manager" and not target.startswith("/reports"):  # the only pages a manager may open
            target = "/reports"
        session = gate.start(request, name, role, groups=teams, method="sso")
        audit(request, "sign-in", detail={"method": "sso", "groups": teams})
        return gate.set_cookie(request, RedirectResponse(target, status_code=303), session)

    return [Route("/login/sso", start), Route("/login/sso/callback", callback, name="sso_callback")]
