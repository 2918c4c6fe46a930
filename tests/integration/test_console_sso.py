"""The console fit for a company, in headless Chromium against a real OpenID Connect provider on loopback
(oidc-provider-mock, behind a recording proxy that shows what the console sends it): single sign-on with PKCE (the
token request's code_verifier matches the authorize request's S256 code_challenge; the provider itself does not
check), roles from the provider's groups, someone removed from the console's groups at the provider refused and
their sessions ended, team scope (a trainer of group A cannot open a conversation of group B, by URL either),
session expiry, lockout and an admin's unlock, the audit page listing what was done, and signing out at the
provider too (RP-initiated logout). Screenshots go to $TUTOR_SCREENSHOTS (docs/screenshots when refreshing the
README's)."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from console.presenting import conversation_key
from tests.support.console import (PASSWORD, console_tutor, launch_chromium, running_console, seed_teams)
from tests.support.recording_proxy import RecordingProxy
from tests.support.workspace import free_port

pytestmark = pytest.mark.integration
SECRET = "sso-test-secret"
USERS = [
    {"sub": "alice", "preferred_username": "alice", "email": "alice@corp.example", "groups": ["console-trainers", "A"]},
    {"sub": "carol", "preferred_username": "carol", "groups": ["console-admins"]},
    {"sub": "eve", "preferred_username": "eve", "groups": ["sales"]},
    {"sub": "dave", "preferred_username": "dave", "groups": ["console-trainers", "A"]},
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free loopback port, with its users and their groups, behind a recording proxy: the
    provider's URL and the proxy."""
    pytest.importorskip("oidc_provider_mock")
    port, logs = free_port(), tmp_path_factory.mktemp("idp")
    args = [sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "--require-nonce"]
    for user in USERS:
        args += ["--user-claims", json.dumps(user)]
    with open(logs / "idp.log", "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=log)
    proxy = RecordingProxy(port)
    try:
        for _ in range(200):
            try:
                if requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.RequestException:
                assert process.poll() is None, (logs / "idp.log").read_text()
                time.sleep(0.2)
        yield proxy.url, proxy
    finally:
        proxy.stop()
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def console(provider, tmp_path_factory):
    work = tmp_path_factory.mktemp("sso-console")
    tutor = console_tutor(work, f"  free_failures: 2\n  lock_after_failures: 3\n  oidc:\n    issuer: {provider[0]}\n"
                                "    client_id: tutor-console\n    admin_groups: [console-admins]\n"
                                "    trainer_groups: [console-trainers]\n")
    seed_teams(tutor)
    tutor.records.close()
    with running_console(work, SECRET, TUTOR_OIDC_CLIENT_SECRET="not-so-secret") as url:
        yield url, work


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def sso(page, url: str, who: str, seen: list[str]) -> None:
    """Sign in through the provider's form as `who`; the authorization requests go in `seen`."""
    page.on("request", lambda r: seen.append(r.url) if "/oauth2/authorize" in r.url else None)
    page.goto(url + "/conversations")
    assert "/login" in page.url
    page.click("#sso")
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(who)
    page.get_by_role("button", name="Authorize").click()


def test_single_sign_on_scope_expiry_lockout_and_audit(console, provider, tmp_path):
    from playwright.sync_api import sync_playwright

    url, work = console
    issuer, proxy = provider
    shots = Path(os.environ.get("TUTOR_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        front = browser.new_page(viewport={"width": 1100, "height": 560})
        front.goto(url + "/login")
        front.screenshot(path=str(shots / "console-sign-in.png"), full_page=True)
        front.close()
        # A trainer signs in with the company account: PKCE (S256) and a nonce on the way out, the role and team
        # from the provider's groups on the way back.
        alice, seen = browser.new_page(), []
        sso(alice, url, "alice", seen)
        alice.wait_for_url(url + "/conversations")
        assert "alice (trainer)" in alice.inner_text("header")
        query = parse_qs(urlsplit(seen[0]).query)
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43 and query["nonce"][0]
        assert query["response_type"] == ["code"] and query["client_id"] == ["tutor-console"]
        # PKCE as the provider saw it: the token request's code_verifier is the one behind the S256 challenge.
        (authorize,), (exchange,) = proxy.sent("GET", "/oauth2/authorize"), proxy.sent("POST", "/oauth2/token")
        assert authorize["code_challenge_method"] == ["S256"] and exchange["grant_type"] == ["authorization_code"]
        verifier = exchange["code_verifier"][0]
        assert 43 <= len(verifier) <= 128 and s256(verifier) == authorize["code_challenge"][0] != verifier
        # The session keeps the provider's subject (for its back-channel logout) and the ID token, on the server.
        with sqlite3.connect(work / "tutor.db") as db:
            assert db.execute("select idp_sub, length(id_token) > 100 from console_sessions where username = 'alice'").fetchall() == [("alice", 1)]
        assert alice.locator("tbody tr").count() == 1  # ana (group A) only
        alice.click("text=Open")
        assert "Use the report button." in alice.content()
        # Group B's conversation is not there for her, by URL or API either.
        other = conversation_key("c-ben", SECRET)
        alice.goto(f"{url}/conversations/{other}")
        assert "No such conversation." in alice.content()
        assert alice.request.get(f"{url}/api/conversations/{other}").status == 404
        # An admin from the provider's admin group; someone in neither group is refused.
        carol = browser.new_page()
        sso(carol, url, "carol", [])
        carol.wait_for_url(url + "/conversations")
        assert "carol (admin)" in carol.inner_text("header") and carol.locator("tbody tr").count() == 2
        eve = browser.new_page()
        sso(eve, url, "eve", [])
        eve.wait_for_selector("#sign-in-error")
        assert "in no group that may use the trainer console" in eve.inner_text("#sign-in-error")
        # Dave is taken out of the console's groups at the provider: his next sign-in is refused and the session
        # he still had (in another browser) ends with it.
        dave_before, dave_after = browser.new_page(), browser.new_page()
        sso(dave_before, url, "dave", [])
        dave_before.wait_for_url(url + "/conversations")
        assert requests.put(f"{issuer}/users/dave", json={"preferred_username": "dave", "groups": ["sales"]}, timeout=10).ok
        sso(dave_after, url, "dave", [])
        dave_after.wait_for_selector("#sign-in-error")
        dave_before.goto(url + "/conversations")
        assert "/login" in dave_before.url
        # Alice's session idles past its limit (its last use set back 31 minutes): the next page asks her to sign in.
        with sqlite3.connect(work / "tutor.db") as db:
            db.execute("update console_sessions set last_seen = last_seen - 31 * 60 where username = 'alice'")
        alice.goto(url + "/gaps")
        assert "/login?next=/gaps&expired=1" in alice.url and "Your session has ended" in alice.content()
        # Guessing a local account's password locks it; the real password waits; an admin unlocks it.
        guesser = browser.new_page()
        guesser.goto(url + "/login")
        for attempt in ("guess-1", "guess-2"):
            guesser.fill("input[name=username]", "trainer-a")
            guesser.fill("input[name=password]", attempt)
            guesser.click("button[type=submit]")
            assert "Wrong user name or password" in guesser.inner_text("#sign-in-error")
        time.sleep(1.5)  # past the 1 s delay after the second failure (waiting longer changes nothing)
        guesser.fill("input[name=username]", "trainer-a")
        guesser.fill("input[name=password]", "guess-3")
        guesser.click("button[type=submit]")
        assert "now locked for 15 minutes" in guesser.inner_text("#sign-in-error")
        guesser.fill("input[name=username]", "trainer-a")
        guesser.fill("input[name=password]", PASSWORD)
        guesser.click("button[type=submit]")
        assert "ask an admin to unlock it" in guesser.inner_text("#sign-in-error")
        carol.goto(url + "/admin/users")
        assert "locked, 15 min left" in carol.inner_text("#user-trainer-a")
        carol.screenshot(path=str(shots / "console-users.png"), full_page=True)
        carol.click("#user-trainer-a button.unlock")
        carol.wait_for_selector("text=Unlocked.")
        guesser.fill("input[name=username]", "trainer-a")
        guesser.fill("input[name=password]", PASSWORD)
        guesser.click("button[type=submit]")
        guesser.wait_for_url(url + "/conversations")
        assert "trainer-a (trainer)" in guesser.inner_text("header")
        # The audit page lists what happened, learners by pseudonym only.
        carol.goto(url + "/admin/audit")
        table = carol.inner_text("#audit")
        for expected in ("alice", "carol", "view conversation", "not found", "account locked", "unlock", '"method": "sso"', "refused",
                         '"sessions_ended": 1'):
            assert expected in table, expected
        carol.screenshot(path=str(shots / "console-audit.png"), full_page=True)
        assert "ana" not in table.replace("carol", "")
        with carol.expect_download() as download:
            carol.click("#audit-csv")
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert {"sign-in", "view conversation", "account locked", "unlock"} <= {r["action"] for r in rows}
        assert {r["actor"] for r in rows if r["action"] == "view conversation"} == {"alice"}
        # Signing out of a single sign-on session signs out at the provider too, and comes back to the sign-in page.
        carol.click("header button:has-text('Log out')")
        carol.wait_for_url("**/oauth2/end_session**")
        ended = proxy.sent("GET", "/oauth2/end_session")[-1]
        assert ended["post_logout_redirect_uri"] == [url + "/login"] and ended["id_token_hint"][0].count(".") == 2
        carol.get_by_role("button", name="End session").click()
        carol.wait_for_url(url + "/login?**")
        carol.goto(url + "/admin/audit")
        assert "/login?next=/admin/audit" in carol.url
        browser.close()
