"""Security headers on every console response, no inline script or style in any template (the CSP allows none),
redirects after sign-in to local paths only, and forwarded-for headers believed only from a configured proxy."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from console.app import create_app
from console.security import TrustedProxies, safe_path
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in

pytestmark = pytest.mark.unit
TEMPLATES = Path(__file__).resolve().parents[2] / "console" / "templates"


@pytest.mark.parametrize("target", [
    "http://evil.example/", "https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", " /conversations", "", "conversations", "///evil.example",
])
def test_foreign_or_odd_redirects_fall_back_to_the_console(target):
    assert safe_path(target) == "/conversations"


@pytest.mark.parametrize("target", ["/conversations?q=x&since=2024-01-01", "/questions/q1#q-1", "/admin/audit", "/%5Cevil"])
def test_local_paths_are_kept(target):
    assert safe_path(target) == target


def test_sign_in_goes_to_the_local_next_path_only(tmp_path):
    tutor = console_tutor(tmp_path)
    seed_teams(tutor)
    with TestClient(create_app(tutor, "test-secret")) as client:
        for sent, landed in (("/gaps", "/gaps"), ("//evil.example/x", "/conversations"), ("/\\evil.example", "/conversations"),
                             ("https://evil.example", "/conversations")):
            token = csrf_of(client.get("/login", params={"next": sent}).text)
            reply = client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf": token, "next": sent},
                                follow_redirects=False)
            assert reply.status_code == 303 and reply.headers["location"] == landed, sent


def test_sign_in_needs_the_forms_csrf_token(tmp_path):
    tutor = console_tutor(tmp_path)
    seed_teams(tutor)
    with TestClient(create_app(tutor, "test-secret")) as client:
        client.get("/login")
        for form in ({"username": "admin1", "password": PASSWORD},
                     {"username": "admin1", "password": PASSWORD, "csrf": "forged"}):
            reply = client.post("/login", data=form, follow_redirects=False)
            assert reply.status_code == 403 and "tutor_session" not in reply.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", ["/login", "/conversations", "/api/conversations", "/admin/audit", "/static/console.css", "/nowhere"])
def test_every_response_carries_the_security_headers(tmp_path, path):
    tutor = console_tutor(tmp_path)
    seed_teams(tutor)
    with TestClient(create_app(tutor, "test-secret")) as client:
        sign_in(client, "admin1", PASSWORD)
        reply = client.get(path)
    csp = reply.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["referrer-policy"] == "same-origin"
    assert reply.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in reply.headers  # plain HTTP
    if not path.startswith("/static/"):
        assert reply.headers["cache-control"] == "no-store"


def test_hsts_and_secure_cookies_over_https(tmp_path):
    tutor = console_tutor(tmp_path)
    seed_teams(tutor)
    with TestClient(create_app(tutor, "test-secret"), base_url="https://console.example") as client:
        reply = sign_in(client, "admin1", PASSWORD)
        assert reply.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "secure" in reply.headers["set-cookie"].lower() and "httponly" in reply.headers["set-cookie"].lower()


def test_hsts_behind_a_trusted_proxy_only(tmp_path):
    tutor = console_tutor(tmp_path, "  trusted_proxies: [10.0.0.1]\n")
    app = create_app(tutor, "test-secret")
    with TestClient(app, client=("10.0.0.1", 5000)) as proxy, TestClient(app, client=("10.0.0.2", 5000)) as other:
        assert "strict-transport-security" in proxy.get("/login", headers={"x-forwarded-proto": "https"}).headers
        assert "strict-transport-security" not in other.get("/login", headers={"x-forwarded-proto": "https"}).headers


def test_forwarded_for_is_believed_from_trusted_proxies_only():
    proxies = TrustedProxies(["10.0.0.1", "192.168.0.0/24"])
    assert proxies.client("10.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert proxies.client("10.0.0.1", "198.51.100.1, 203.0.113.7, 192.168.0.5") == "203.0.113.7"  # right-most untrusted hop
    assert proxies.client("203.0.113.9", "198.51.100.1") == "203.0.113.9"  # not a proxy: its header is ignored
    assert proxies.client("10.0.0.1", "not-an-address") == "10.0.0.1"
    assert proxies.client("10.0.0.1", "") == "10.0.0.1"
    assert TrustedProxies().client("127.0.0.1", "203.0.113.7") == "127.0.0.1"


def test_the_audit_trail_records_the_forwarded_address_from_a_trusted_proxy(tmp_path):
    tutor = console_tutor(tmp_path, "  trusted_proxies: [127.0.0.1]\n")
    seed_teams(tutor)
    app = create_app(tutor, "test-secret", clock=Clock())
    with TestClient(app, client=("127.0.0.1", 5000), headers={"x-forwarded-for": "203.0.113.7"}) as client:
        sign_in(client, "admin1", PASSWORD)
        entry = client.get("/api/admin/audit").json()["entries"][0]
    assert entry["action"] == "sign-in" and entry["address"] == "203.0.113.7"


def test_templates_hold_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert "<style" not in text and not re.search(r"\sstyle\s*=", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text) and "javascript:" not in text, template.name
