"""No guessing: sign-in tries are throttled per account and per address with growing delays and a temporary lock,
refused tries are counted and answered with when to try again (form and API alike), and an admin unlocks (console
page and `tutor users unlock`). The throttle's clock is injected: no test waits."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from console.app import create_app
from store import LoginThrottle, ThrottlePolicy
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in

pytestmark = pytest.mark.unit
POLICY = ThrottlePolicy(free=3, lock_after=10, lock_s=900, first_delay_s=1, max_delay_s=60)


def test_delays_grow_then_the_key_locks_and_each_try_after_the_lock_locks_again(tmp_path):
    clock = Clock()
    throttle = LoginThrottle(tmp_path / "t.db", clock)
    keys = {"account:ana": POLICY}
    for _ in range(3):  # the free tries
        assert throttle.attempt(keys).allowed
    waits = []
    for _ in range(6):  # then 1, 2, 4, 8, 16, 32 s between tries
        refused = throttle.attempt(keys)
        waits.append(refused.wait)
        clock.advance(refused.wait)
        assert throttle.attempt(keys).allowed
    assert waits == [1, 2, 4, 8, 16, 32]
    clock.advance(60)
    tenth = throttle.attempt(keys)
    assert tenth.allowed and tenth.locked == ("account:ana",)
    assert throttle.attempt(keys).wait == pytest.approx(900)
    clock.advance(899)
    assert not throttle.attempt(keys).allowed
    clock.advance(1)
    assert throttle.attempt(keys).locked == ("account:ana",)  # one try, and locked again
    assert throttle.state("account:ana")["refused"] == 8  # the six early tries, and two during the locks


def test_a_right_password_clears_the_account_but_not_the_address(tmp_path):
    clock = Clock()
    throttle = LoginThrottle(tmp_path / "t.db", clock)
    keys = {"account:ana": POLICY, "address:10.0.0.9": POLICY}
    for _ in range(3):
        throttle.attempt(keys)
    throttle.succeeded("account:ana", {"address:10.0.0.9": POLICY})
    assert throttle.state("account:ana")["failures"] == 0
    assert throttle.state("address:10.0.0.9")["failures"] == 2  # the right try is forgiven, the earlier ones are not


def test_old_failures_are_forgotten_and_unlock_clears_a_lock(tmp_path):
    clock = Clock()
    throttle = LoginThrottle(tmp_path / "t.db", clock)
    keys = {"account:ana": ThrottlePolicy(free=1, lock_after=2, lock_s=900, forget_after_s=3600)}
    throttle.attempt(keys)
    clock.advance(5)
    assert throttle.attempt(keys).locked
    assert not throttle.attempt(keys).allowed
    assert throttle.unlock("account:ana") and throttle.attempt(keys).allowed
    clock.advance(3600)
    assert throttle.attempt(keys).allowed and throttle.state("account:ana")["failures"] == 1


@pytest.fixture()
def world(tmp_path):
    tutor = console_tutor(tmp_path, "  free_failures: 2\n  lock_after_failures: 4\n  lock_minutes: 10\n")
    seed_teams(tutor)
    clock = Clock()
    return tutor, clock, create_app(tutor, "test-secret", clock=clock)


def test_the_form_refuses_with_a_clear_message_and_an_admin_unlocks_on_the_users_page(world):
    tutor, clock, app = world
    with TestClient(app) as guesser:
        assert sign_in(guesser, "trainer-a", "wrong").status_code == 200
        assert sign_in(guesser, "trainer-a", "wrong").status_code == 200
        early = sign_in(guesser, "trainer-a", "wrong")  # third try within the first delay
        assert early.status_code == 429 and early.headers["retry-after"] == "1" and "Try again in 1 seconds" in early.text
        clock.advance(1)
        sign_in(guesser, "trainer-a", "wrong")
        clock.advance(2)
        locking = sign_in(guesser, "trainer-a", "wrong")
        assert "Wrong user name or password" in locking.text and "locked for 10 minutes" in locking.text
        refused = sign_in(guesser, "trainer-a", PASSWORD)  # even the right password waits for the lock to end
        assert refused.status_code == 429 and "ask an admin to unlock it" in refused.text
        assert int(refused.headers["retry-after"]) == 600
    with TestClient(app) as admin:
        assert sign_in(admin, "admin1", PASSWORD).status_code == 303
        users = admin.get("/admin/users").text
        assert "locked, 10 min left" in users
        assert admin.post("/admin/users/trainer-a/unlock").status_code == 403  # no CSRF token
        assert admin.post("/admin/users/trainer-a/unlock", data={"csrf": csrf_of(users)}, follow_redirects=False).status_code == 303
        entries = admin.get("/api/admin/audit").json()["entries"]
        assert [e["action"] for e in entries if e["action"] in ("unlock", "account locked")] == ["unlock", "account locked"]
    with TestClient(app) as trainer:
        assert sign_in(trainer, "trainer-a", PASSWORD).status_code == 303


def test_the_api_answers_429_with_retry_after_and_takes_json_only(world):
    tutor, clock, app = world
    with TestClient(app) as client:
        assert client.post("/api/login", data={"username": "trainer-a", "password": PASSWORD}).status_code == 415
        replies = [client.post("/api/login", json={"username": "trainer-a", "password": "nope"}) for _ in range(3)]
        assert [r.status_code for r in replies] == [401, 401, 429]
        assert replies[2].json()["retry_after"] == 1 and replies[2].headers["retry-after"] == "1"
        clock.advance(3600)
        ok = client.post("/api/login", json={"username": "trainer-a", "password": PASSWORD})
        assert ok.status_code == 200 and ok.json()["role"] == "trainer" and ok.json()["csrf"]
        assert client.get("/api/conversations").status_code == 200


def test_unknown_names_are_throttled_alike_and_the_cli_unlocks(world, tmp_path, monkeypatch):
    tutor, clock, app = world
    with TestClient(app) as client:
        statuses = []
        for _ in range(6):
            reply = client.post("/api/login", json={"username": "nobody", "password": "x"})
            statuses.append(reply.status_code)
            clock.advance(float(reply.headers.get("retry-after", 0)))
        assert statuses == [401, 401, 429, 401, 429, 401]  # the same answers as for a real account
        assert client.post("/api/login", json={"username": "nobody", "password": "x"}).status_code == 429
    monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
    from cli.main import app as cli

    result = CliRunner().invoke(cli, ["users", "unlock", "nobody"])
    assert result.exit_code == 0 and "nobody unlocked" in result.output
    assert LoginThrottle(tutor.records.db, clock).state("account:nobody")["failures"] == 0


def test_many_addresses_do_not_get_past_the_account_lock(world):
    tutor, clock, app = world
    checked = 0
    for n in range(40):
        with TestClient(app, client=(f"127.0.0.{n + 2}", 40000)) as client:
            reply = client.post("/api/login", json={"username": "trainer-a", "password": f"guess-{n}"})
            checked += reply.status_code == 401
            clock.advance(30)
    assert checked <= 5  # four before the lock, then one every ten minutes (40 tries x 30 s = 20 minutes)
