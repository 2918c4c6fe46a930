"""Records Web API calls (method, parsed body) and answers like Slack; can answer 429 with Retry-After or
500 for the next N calls to a method, to test the client's retries."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class MockSlackServer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.call_times: list[float] = []  # time.monotonic() when each call in `calls` was recorded
        self.failures: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._counter = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                for key in ("blocks", "view"):
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
                method = self.path.strip("/").split("/")[-1]
                status = server._failure_for(method)
                answer = server._answer(method, body) if status == 200 else {}
                server._record(method, {**body, "_ts": answer.get("ts")}, status)
                if status == 429:
                    self._reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                elif status == 500:
                    self._reply(500, {"ok": False, "error": "internal_error"})
                else:
                    self._reply(200, answer)

            def _reply(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _failure_for(self, method: str) -> int:
        with self._lock:
            pending = self.failures.get(method)
            return pending.pop(0) if pending else 200

    def _record(self, method: str, body: dict, status: int) -> None:
        with self._lock:
            self.calls.append((method, {**body, "_status": status}))
            self.call_times.append(time.monotonic())

    def _answer(self, method: str, body: dict) -> dict:
        with self._lock:
            self._counter += 1
            ts = f"{int(time.time())}.{self._counter:06d}"
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
        return {"ok": True, "ts": body.get("ts") or ts, "channel": body.get("channel", "")}

    def received(self, method: str, ok_only: bool = True) -> list[dict]:
        with self._lock:
            return [b for m, b in self.calls if m == method and (not ok_only or b["_status"] == 200)]

    def calls_since(self, start: int) -> list[tuple[str, dict, float]]:
        """(method, body, monotonic time received) of the calls from index `start` on, taken under the lock, so
        a poller in another thread can keep its place and time answers without rescanning every call."""
        with self._lock:
            return [(m, b, t) for (m, b), t in zip(self.calls[start:], self.call_times[start:])]

    def wait_for(self, method: str, count: int = 1, timeout: float = 90.0) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.received(method)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} {method} call(s), got {len(self.received(method))}: {self.calls[-5:]}")

    def start(self) -> "MockSlackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
