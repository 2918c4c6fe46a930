"""A small LRS on loopback for the sender's failure paths that a real one does not show on demand: it stores
statements by id like an LRS (200 with the new ids, 204 when it held them all), and can answer 500 whenever a batch
holds a given id (a statement the LRS's backend fails on), answer every request with one status (down, wrong
password), or refuse a given id with 422."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLrs:
    def __init__(self) -> None:
        self.stored: dict[str, dict] = {}
        self.requests: list[int] = []  # batch sizes, in order
        self.fail_on: set[str] = set()  # ids whose batch gets HTTP 500
        self.refuse: set[str] = set()  # ids whose batch gets HTTP 422
        self.status: int | None = None  # answer every request with this status
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                batch = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"[]")
                code, body = fake._answer(batch)
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/xAPI/"

    def _answer(self, batch: list[dict]) -> tuple[int, object]:
        with self._lock:
            self.requests.append(len(batch))
            ids = [s["id"] for s in batch]
            if self.status is not None:
                return self.status, {"detail": "set by the test"}
            if self.fail_on & set(ids):
                return 500, {"detail": "Statements bulk indexation failed"}
            if self.refuse & set(ids):
                return 422, {"detail": [{"msg": "refused by the test"}]}
            new = [s for s in batch if s["id"] not in self.stored]
            for statement in new:
                self.stored[statement["id"]] = statement
            return (200, [s["id"] for s in new]) if new else (204, None)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
