"""Server-side console sessions: a new session id at every sign-in, idle and absolute expiry (configurable),
sign-out ending the session on the server, and sign-out everywhere for a user (admin action and CLI)."""
from __future__ import annotations

import sqlite3

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from console.app import create_app
from store import ConsoleSessions
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in

pytestmark = pytest.mark.unit


@pytest.fixture()
def world(tmp_path):
    tutor = console_tutor(tmp_path, "  session_idle_minutes: 30\n  session_max_hours: 8\n")
    seed_teams(tutor)
    clock = Clock()
    return tutor, clock, create_app(tutor, "test-secret", clock=clock)


def test_a_session_ends_when_idle_and_the_user_is_told(world):
    tutor, clock, app = world
    with TestClient(app) as client:
        sign_in(client, "trainer-a", PASSWORD)
        clock.advance(29 * 60)
        assert client.get("/api/conversations").status_code == 200  # used: the idle time starts again
        clock.advance(29 * 60)
        assert client.get("/api/conversations").status_code == 200
        clock.advance(31 * 60)
        assert client.get("/api/conversations").json() == {"error": "session expired"}
        sign_in(client, "trainer-a", PASSWORD)
        clock.advance(31 * 60)
        reply = client.get("/conversations?q=phishing", follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"] == "/login?next=/conversations%3Fq%3Dphishing&expired=1"
        assert "Your session has ended" in client.get(reply.headers["location"]).text


def test_a_busy_session_still_ends_after_the_absolute_limit(world):
    tutor, clock, app = world
    with TestClient(app) as client:
        sign_in(client, "trainer-a", PASSWORD)
        for _ in range(16):
            clock.advance(29 * 60)
            assert client.get("/api/conversations").status_code == 200
        clock.advance(29 * 60)  # 8 h 13 min after sign-in
        assert client.get("/api/conversations").status_code == 401


def test_signing_in_gives_a_new_session_id_and_signing_out_ends_it_on_the_server(world):
    tutor, clock, app = world
    with TestClient(app) as client:
        sign_in(client, "trainer-a", PASSWORD)
        first = client.cookies.get("tutor_session")
        sign_in(client, "trainer-a", PASSWORD)
        second = client.cookies.get("tutor_session")
        assert first and second and first != second
        with TestClient(app, cookies={"tutor_session": first}) as replay:
            assert replay.get("/api/conversations").status_code == 401  # the old id is gone, not just replaced
        page = client.get("/conversations").text
        assert client.post("/logout", follow_redirects=False).status_code == 403  # sign-out needs the CSRF token too
        assert client.post("/logout", data={"csrf": csrf_of(page)}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies={"tutor_session": second}) as replay:
        assert replay.get("/api/conversations").status_code == 401
    rows = sqlite3.connect(tutor.settings.path(tutor.settings.paths.store)).execute("select session_id from console_sessions").fetchall()
    assert all(first not in r[0] and second not in r[0] for r in rows)  # only hashes are stored


def test_an_admin_signs_a_user_out_everywhere(world):
    tutor, clock, app = world
    with TestClient(app) as laptop, TestClient(app) as phone, TestClient(app) as admin:
        sign_in(laptop, "trainer-b", PASSWORD)
        sign_in(phone, "trainer-b", PASSWORD)
        sign_in(admin, "admin1", PASSWORD)
        users = admin.get("/admin/users").text
        sessions = {u["username"]: u["sessions"] for u in admin.get("/api/admin/users").json()["users"]}
        assert sessions["trainer-b"] == 2 and sessions["trainer-a"] == 0
        assert admin.post("/admin/users/trainer-b/signout", data={"csrf": csrf_of(users)}, follow_redirects=False).status_code == 303
        assert laptop.get("/api/conversations").status_code == 401 and phone.get("/api/conversations").status_code == 401
        assert admin.get("/api/conversations").status_code == 200
        ended = [e for e in admin.get("/api/admin/audit").json()["entries"] if e["action"] == "sign-out everywhere"]
        assert ended[0]["target"] == "trainer-b" and '"sessions": 2' in ended[0]["detail"]


def test_the_cli_signs_a_user_out_everywhere(world, tmp_path, monkeypatch):
    tutor, clock, app = world
    with TestClient(app) as client:
        sign_in(client, "trainer-a", PASSWORD)
        monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
        from cli.main import app as cli

        result = CliRunner().invoke(cli, ["users", "signout", "trainer-a"])
        assert result.exit_code == 0 and "1 session(s) of trainer-a ended" in result.output
        assert client.get("/api/conversations").status_code == 401


def test_expired_sessions_are_purged(tmp_path):
    clock = Clock()
    sessions = ConsoleSessions(tmp_path / "s.db", clock)
    sessions.create("ana", "trainer")
    clock.advance(3600)
    sessions.create("ben", "trainer")
    assert sessions.purge(idle_s=1800, absolute_s=8 * 3600) == 1
    assert list(sessions.active(1800, 8 * 3600)) == ["ben"]
