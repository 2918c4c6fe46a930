"""A recording HTTP proxy on loopback, put in front of a server to see what its clients send it: every request is
forwarded unchanged (its Host header too, so the server names the proxy in the URLs it makes, and its clients keep
coming through the proxy) and kept in `requests` as (method, path with query, body)."""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class RecordingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests.append((self.command, self.path, body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=headers)
                    reply = upstream.getresponse()
                    payload = reply.read()
                finally:
                    upstream.close()
                self.send_response(reply.status)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent(self, method: str, path: str) -> list[dict[str, list[str]]]:
        """The parameters of each request to `path` (query string, and form body for POST), in order."""
        found = []
        for m, full, body in self.requests:
            parts = urlsplit(full)
            if m == method and parts.path == path:
                found.append(parse_qs(body.decode() if method == "POST" else parts.query))
        return found

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
