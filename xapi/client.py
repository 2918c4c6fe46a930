"""One request to the LRS: POST a batch of statements to <endpoint>/statements, and what the answer means for
the statements in it.

xAPI (Communication 2.1.2) lets an LRS answer a statement id it already holds with 204/200 when the statement is
the same, and 409 when it differs. Ralph 5.1 drops the ids it already holds from a batch and stores the rest (200
with the ids it stored, 204 when it held them all), so a batch sent again after a lost reply is delivered, not
duplicated. Its answers, measured: 401 for wrong credentials, 409 for an id it holds with other content, 422 for
what its models refuse, 500 when its backend fails to store.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import urljoin
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)

# What an answer means for the statements of the batch.
STORED = "stored"  # the LRS holds every statement of the batch (new or already there)
REJECTED = "rejected"  # the LRS refused the content: one of the statements will never be stored as it is
UNAVAILABLE = "unavailable"  # try again later: unreachable, timed out, busy or failing (5xx)
REFUSED = "refused"  # the LRS refused us, not the statements: credentials, permissions or a wrong endpoint

# 4xx answers that are about the request's content; the other 4xx are about the client's setup or the server's state.
CONTENT_STATUSES = {400, 409, 413, 422}
SETUP_STATUSES = {401, 403, 404, 405}
MAX_DETAIL_CHARS = 1000


@dataclass
class Answer:
    kind: str
    status: int | None = None  # HTTP status; None when no answer came
    detail: str = ""  # what the LRS said (or the connection error), for the dead-letter list and status


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
        text = json.dumps(body.get("detail", body) if isinstance(body, dict) else body, ensure_ascii=False)
    except ValueError:
        text = response.text
    return text[:MAX_DETAIL_CHARS]


class LrsClient:
    """Posts statements with HTTP basic authentication and the xAPI version header; one keep-alive session."""

    def __init__(self, statements_url: str, username: str, password: str, timeout_s: float = 10.0) -> None:
        self.url = statements_url
        self.timeout_s = timeout_s
        self.session = requests.Session()
        if username or password:
            self.session.auth = (username, password)
        self.session.headers.update({"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"})

    def post(self, statements: list[dict]) -> Answer:
        body = json.dumps(statements, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            response = self.session.post(self.url, data=body, timeout=self.timeout_s)
        except requests.Timeout:
            return Answer(UNAVAILABLE, None, f"no answer within {self.timeout_s:g} s")
        except requests.RequestException as exc:
            return Answer(UNAVAILABLE, None, f"could not reach the LRS: {type(exc).__name__}")
        status = response.status_code
        if status in (200, 204):
            return Answer(STORED, status)
        if status in CONTENT_STATUSES:
            return Answer(REJECTED, status, _detail(response))
        if status in SETUP_STATUSES:
            return Answer(REFUSED, status, _detail(response))
        return Answer(UNAVAILABLE, status, _detail(response))  # 408, 429, 5xx and anything unexpected

    def read_all(self, page_size: int = 1000) -> list[dict]:
        """Every statement the LRS returns to GET <endpoint>/statements, following its `more` links (for checks and
        the drill); raises requests.HTTPError on an error answer."""
        found: list[dict] = []
        url, params = self.url, {"limit": page_size}
        while url:
            response = self.session.get(url, params=params, timeout=self.timeout_s)
            response.raise_for_status()
            body = response.json()
            found.extend(body.get("statements", []))
            more = body.get("more") or ""
            url, params = (urljoin(self.url, more), None) if more else ("", None)
        return found

    def close(self) -> None:
        self.session.close()
