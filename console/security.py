"""What every console response carries and every request is judged by: security headers (a Content-Security-Policy
that allows no inline script or style, no framing, no MIME sniffing, no referrer to other sites, HSTS over
HTTPS, no caching of pages that hold transcripts), the client's address (a forwarded-for header is believed only
from a configured proxy) and the same-site paths a redirect may go to."""
from __future__ import annotations

import ipaddress
from typing import Iterable
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'{forms}; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP.format(forms=""),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


class TrustedProxies:
    """The reverse proxies whose forwarded-for and forwarded-proto headers are believed (console.trusted_proxies)."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries]

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client's address: the peer's, unless the peer is a trusted proxy; then the right-most address in
        X-Forwarded-For that is not itself a trusted proxy (what the proxy saw; entries to its left are the
        client's word)."""
        if not self.trusts(peer) or not forwarded_for.strip():
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer  # a malformed header: believe nothing in it
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    def scheme(self, peer: str, scheme: str, forwarded_proto: str) -> str:
        if self.trusts(peer) and forwarded_proto.strip():
            return forwarded_proto.split(",")[0].strip().lower()
        return scheme


def client_address(conn: HTTPConnection, proxies: TrustedProxies) -> str:
    peer = conn.client.host if conn.client else ""
    return proxies.client(peer, conn.headers.get("x-forwarded-for", ""))


def is_https(conn: HTTPConnection, proxies: TrustedProxies) -> bool:
    peer = conn.client.host if conn.client else ""
    return proxies.scheme(peer, conn.url.scheme, conn.headers.get("x-forwarded-proto", "")) == "https"


def safe_path(value: object, default: str = "/conversations") -> str:
    """`value` when it is a path on this site, else `default`. Refused: anything with a scheme or host
    (http://x, //x), backslashes (browsers read /\\x as //x), and control characters or spaces (browsers drop
    tabs and newlines, so /\\t/x becomes //x)."""
    text = str(value or "")
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return default
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in text):
        return default
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return default
    return text


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every response (HSTS on HTTPS requests, or always with `hsts`), and
    Cache-Control: no-store to every response that is not a static file. `form_origins`: other origins a form may
    submit to, redirects included (the identity provider's, where signing out continues)."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies, hsts: bool = False, form_origins: Iterable[str] = ()) -> None:
        self.app, self.proxies, self.hsts = app, proxies, hsts
        forms = "".join(f" {o}" for o in form_origins)
        self.headers = {**HEADERS, "content-security-policy": CSP.format(forms=forms)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        https = self.hsts or is_https(conn, self.proxies)
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in self.headers.items() if k.encode() not in present]
                if https:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)
