"""An OpenAI-compatible chat endpoint on loopback that answers well, slowly, or with garbage."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self) -> None:
        self.mode = "ok"
        self.reply = "Use the Report Phish button in the Outlook toolbar."
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests += 1
                if fake.mode == "slow":
                    time.sleep(5)
                if fake.mode == "garbage":
                    data, status = b"<html>502 upstream</html>", 502
                elif fake.mode == "nonsense":
                    data, status = b'{"choices": "not a list"}', 200
                else:
                    data, status = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                                               "choices": [{"index": 0, "finish_reason": "stop",
                                                            "message": {"role": "assistant", "content": fake.reply}}]}).encode(), 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
