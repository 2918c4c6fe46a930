"""A small OpenID Connect provider on loopback for what oidc-provider-mock cannot do: send back-channel logout
tokens. It serves discovery (issuer, jwks_uri, end_session_endpoint; the sign-in endpoints are named but never
called) and its JWKS, and signs logout tokens with its key, or with another key for a forged one. It can rotate
its key, as providers do."""
from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from joserfc import jwt
from joserfc.jwk import RSAKey

EVENT = "http://schemas.openid.net/event/backchannel-logout"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


class LogoutProvider:
    def __init__(self, clock: Callable[[], float], client_id: str = "tutor-console", end_session: bool = True) -> None:
        self.clock, self.client_id, self.end_session = clock, client_id, end_session
        self.key = new_key("idp-1")
        self.jwks_requests = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = provider.discovery()
                elif self.path == "/jwks":
                    provider.jwks_requests += 1
                    body = {"keys": [provider.key.as_dict(private=False)]}
                else:
                    self.send_error(404)
                    return
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def discovery(self) -> dict[str, Any]:
        found = {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                 "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                 "id_token_signing_alg_values_supported": ["RS256"], "backchannel_logout_supported": True,
                 "backchannel_logout_session_supported": True}
        if self.end_session:
            found["end_session_endpoint"] = self.issuer + "/end_session"
        return found

    def rotate(self) -> None:
        """A new signing key under a new key id (the old one is gone from the JWKS)."""
        self.key = new_key(f"idp-{uuid.uuid4().hex[:8]}")

    def logout_token(self, sub: str = "", sid: str = "", *, key: RSAKey | None = None, drop: tuple[str, ...] = (),
                     alg: str = "RS256", **claims: Any) -> str:
        """A logout token for `sub` and/or `sid`, valid unless changed: `claims` replace or add claims (aud, iss,
        iat, events, nonce…), `drop` leaves claims out, `key` signs with another key."""
        body: dict[str, Any] = {"iss": self.issuer, "aud": self.client_id, "iat": int(self.clock()), "jti": uuid.uuid4().hex,
                                "events": {EVENT: {}}}
        body.update({k: v for k, v in (("sub", sub), ("sid", sid)) if v})
        body.update(claims)
        for name in drop:
            body.pop(name, None)
        signer = key or self.key
        return jwt.encode({"alg": alg, "kid": signer.kid, "typ": "logout+jwt"}, body, signer, algorithms=[alg])

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
