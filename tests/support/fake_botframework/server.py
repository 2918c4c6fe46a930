from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class FakeBotFramework:
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.activities: list[dict] = []
        self.created_conversations: list[dict] = []
        self.token_requests: list[str] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        self._jwks = {"keys": [{**jwk, "kid": "test-key", "use": "sig"}]}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, payload: dict, status: int = 200) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/openid":
                    self._json({"jwks_uri": fake.url + "/keys"})
                elif self.path == "/keys":
                    self._json(fake._jwks)
                else:
                    self._json({}, 404)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.path == "/token":
                    fake.token_requests.append(body)
                    self._json({"access_token": "connector-token", "expires_in": 3600, "token_type": "Bearer"})
                elif self.path.rstrip("/").endswith("/v3/conversations"):
                    # A proactive message that starts a new thread (a conversation) in a Teams channel.
                    created = json.loads(body)
                    created["_auth"] = self.headers.get("Authorization")
                    with fake._lock:
                        fake.created_conversations.append(created)
                    self._json({"id": f"19:thread-{uuid.uuid4().hex[:8]}", "activityId": uuid.uuid4().hex})
                elif "/activities" in self.path:
                    activity = json.loads(body)
                    activity["_auth"] = self.headers.get("Authorization")
                    with fake._lock:
                        fake.activities.append(activity)
                    self._json({"id": uuid.uuid4().hex})
                else:
                    self._json({}, 404)

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def bearer(self, audience: str | None = None) -> str:
        now = int(time.time())
        token = jwt.encode({"aud": audience or self.app_id, "iss": "https://api.botframework.com", "iat": now, "exp": now + 600},
                           self._key, algorithm="RS256", headers={"kid": "test-key"})
        return f"Bearer {token}"

    def activity(self, conversation: str, text: str = "", value: dict | None = None, user: str = "29:user") -> dict:
        activity = {"type": "message", "id": uuid.uuid4().hex, "serviceUrl": self.url, "channelId": "msteams",
                    "from": {"id": user, "name": "Learner", "aadObjectId": "aad-" + user},
                    "conversation": {"id": conversation}, "recipient": {"id": "28:bot", "name": "Tutor"}, "text": text}
        if value is not None:
            activity["value"] = value
        return activity

    def posted_to(self, conversation: str) -> list[dict]:
        with self._lock:
            return [a for a in self.activities if a.get("_conversation") == conversation or conversation in json.dumps(a.get("conversation", ""))]

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                if len(self.activities) >= count:
                    return list(self.activities)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} activities, got {len(self.activities)}")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
