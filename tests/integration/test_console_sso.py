"""The console fit for a company, in headless Chromium against a real OpenID Connect provider on loopback
(oidc-provider-mock): single sign-on with PKCE, roles from the provider's groups, team scope (a trainer of group A
cannot open a conversation of group B, by URL either), session expiry, lockout and an admin's unlock, and the
audit page listing what was done."""
from __future__ import annotations

import csv
import io
import json
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
from tests.support.workspace import free_port

pytestmark = pytest.mark.integration
SECRET = "sso-test-secret"
USERS = [
    {"sub": "alice", "preferred_username": "alice", "email": "alice@corp.example", "groups": ["console-trainers", "A"]},
    {"sub": "carol", "preferred_username": "carol", "groups": ["console-admins"]},
    {"sub": "eve", "preferred_username": "eve", "groups": ["sales"]},
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a free loopback port, with its users and their groups."""
    pytest.importorskip("oidc_provider_mock")
    port, logs = free_port(), tmp_path_factory.mktemp("idp")
    args = [sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "--require-nonce"]
    for user in USERS:
        args += ["--user-claims", json.dumps(user)]
    with open(logs / "idp.log", "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=log)
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(issuer + "/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.RequestException:
                assert process.poll() is None, (logs / "idp.log").read_text()
                time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def console(provider, tmp_path_factory):
    work = tmp_path_factory.mktemp("sso-console")
    tutor = console_tutor(work, f"  free_failures: 2\n  lock_after_failures: 3\n  oidc:\n    issuer: {provider}\n"
                                "    client_id: tutor-console\n    admin_groups: [console-admins]\n"
                                "    trainer_groups: [console-trainers]\n")
    seed_teams(tutor)
    tutor.records.close()
    with running_console(work, SECRET, TUTOR_OIDC_CLIENT_SECRET="not-so-secret") as url:
        yield url, work


def sso(page, url: str, who: str, seen: list[str]) -> None:
    """Sign in through the provider's form as `who`; the authorization requests go in `seen`."""
    page.on("request", lambda r: seen.append(r.url) if "/oauth2/authorize" in r.url else None)
    page.goto(url + "/conversations")
    assert "/login" in page.url
    page.click("#sso")
    page.wait_for_url("**/oauth2/authorize**")
    page.get_by_placeholder("sub").fill(who)
    page.get_by_role("button", name="Authorize").click()


def test_single_sign_on_scope_expiry_lockout_and_audit(console, tmp_path):
    from playwright.sync_api import sync_playwright

    url, work = console
    with sync_playwright() as p:
        browser = launch_chromium(p)
        # A trainer signs in with the company account: PKCE (S256) and a nonce on the way out, the role and team
        # from the provider's groups on the way back.
        alice, seen = browser.new_page(), []
        sso(alice, url, "alice", seen)
        alice.wait_for_url(url + "/conversations")
        assert "alice (trainer)" in alice.inner_text("header")
        query = parse_qs(urlsplit(seen[0]).query)
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43 and query["nonce"][0]
        assert query["response_type"] == ["code"] and query["client_id"] == ["tutor-console"]
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
        for expected in ("alice", "carol", "view conversation", "not found", "account locked", "unlock", '"method": "sso"', "refused"):
            assert expected in table, expected
        assert "ana" not in table.replace("carol", "")
        with carol.expect_download() as download:
            carol.click("#audit-csv")
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert {"sign-in", "view conversation", "account locked", "unlock"} <= {r["action"] for r in rows}
        assert {r["actor"] for r in rows if r["action"] == "view conversation"} == {"alice"}
        browser.close()
