"""OpenID Connect Back-Channel Logout 1.0: the identity provider tells the console, server to server, that a user's
session there has ended (signed out, disabled, removed from the company), and the console ends that user's
sessions at once instead of at their next idle or absolute expiry.

The provider POSTs a `logout_token` (a JWT it signed) to /login/sso/backchannel-logout, the
`backchannel_logout_uri` registered with it. There is no browser and no session, so no CSRF token: the token's
signature is the proof. It is checked with the provider's keys from discovery (jwks_uri, fetched again once when
the token names a key not seen yet, after a key rotation), then its claims: iss is the provider, aud holds the
console's client id, iat is recent, `events` holds the back-channel logout event, there is no `nonce` (that would
make it an ID token), and `sub` and/or `sid` say whose session ended.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Public-key algorithms only: a token "signed" with none, or with an HMAC keyed by something public, proves nothing.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
MAX_AGE_S = 600  # a logout token is sent when the session ends; an older one is a replay
LEEWAY_S = 120  # clock skew between the provider and the console


class LogoutTokenError(ValueError):
    """The logout token is not one the console may act on; the message says why (for the provider's log)."""


class LogoutTokens:
    """Checks logout tokens against the provider of `client` (Authlib's OpenID Connect client)."""

    def __init__(self, client, client_id: str, clock: Callable[[], float] = time.time) -> None:
        self.client, self.client_id, self.clock = client, client_id, clock

    async def verify(self, value: str) -> dict[str, Any]:
        """The token's claims when it is a valid logout token for this console; else LogoutTokenError. The
        provider's discovery and keys may fail to load (the caller handles oidc.FAILURES)."""
        metadata = await self.client.load_server_metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in ALGORITHMS] or ["RS256"]
        try:
            try:
                token = jwt.decode(value, KeySet.import_key_set(await self.client.fetch_jwk_set()), algorithms=algorithms)
            except InvalidKeyIdError:
                token = jwt.decode(value, KeySet.import_key_set(await self.client.fetch_jwk_set(force=True)), algorithms=algorithms)
            issuer = metadata.get("issuer") or ""
            jwt.JWTClaimsRegistry(now=lambda: int(self.clock()), leeway=LEEWAY_S, iss={"essential": True, "value": issuer},
                                  aud={"essential": True, "value": self.client_id}, iat={"essential": True},
                                  ).validate(token.claims)
        except JoseError as exc:
            raise LogoutTokenError(f"not a valid token from the identity provider: {exc}") from None
        return self._logout_claims(token.claims)

    def _logout_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        if self.clock() - claims["iat"] > MAX_AGE_S + LEEWAY_S:
            raise LogoutTokenError("the token was issued too long ago")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
            raise LogoutTokenError(f"the token's events claim does not hold {EVENT}")
        if "nonce" in claims:
            raise LogoutTokenError("a logout token must not carry a nonce")
        sub, sid = claims.get("sub"), claims.get("sid")
        if not any(isinstance(v, str) and v for v in (sub, sid)):
            raise LogoutTokenError("the token names neither sub nor sid")
        for name, v in (("sub", sub), ("sid", sid)):
            if v is not None and not isinstance(v, str):
                raise LogoutTokenError(f"the token's {name} is not a string")
        return claims


def handler(tokens: LogoutTokens, sessions, audit, failures: tuple[type[BaseException], ...]):
    """The route's endpoint: 200 when the sessions are ended (or there were none), 400 with the reason when the
    token is refused or cannot be checked (then nothing is ended). Both are recorded in the audit trail."""

    def refused(request: Request, reason: str) -> Response:
        audit(request, "back-channel logout", actor="identity provider", role="", outcome="refused", detail={"reason": reason[:200]})
        return JSONResponse({"error": "invalid_request", "error_description": reason}, status_code=400)

    async def logout(request: Request) -> Response:
        form = await request.form()
        value = form.get("logout_token")
        if not isinstance(value, str) or not value:
            return refused(request, "logout_token is missing")
        try:
            claims = await tokens.verify(value)
        except LogoutTokenError as exc:
            return refused(request, str(exc))
        except failures as exc:
            log.warning("a back-channel logout could not be checked: the provider's keys did not load: %s", exc)
            return refused(request, "the identity provider's keys could not be loaded")
        ended = sessions.end_at_provider(sub=claims.get("sub") or "", sid=claims.get("sid") or "")
        audit(request, "back-channel logout", actor="identity provider", role="", target=", ".join(sorted(set(ended))),
              detail={"sessions": len(ended), "by": "sid" if claims.get("sid") else "sub"})
        return Response(status_code=200)

    return logout
