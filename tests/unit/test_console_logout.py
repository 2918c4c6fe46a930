"""Signing out with the identity provider: its back-channel logout (a logout token it signed, checked with its
JWKS) ends the user's sessions or the one session it names, and a token that is forged, meant for another
client, not a logout token, or carrying a nonce is refused with 400 and ends nothing; signing out of a single
sign-on session goes on to the provider's end_session_endpoint with the ID token kept on the server; a user the
provider no longer puts in a console group loses their sessions."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from console.app import create_app
from store import AuditQuery, AuditTrail, ConsoleSessions
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in
from tests.support.logout_provider import EVENT, LogoutProvider, new_key

pytestmark = pytest.mark.unit
LOGOUT = "/login/sso/backchannel-logout"


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def provider(clock):
    found = LogoutProvider(clock)
    yield found
    found.stop()


def world_for(tmp_path, provider, clock):
    tutor = console_tutor(tmp_path, f"  oidc:\n    issuer: {provider.issuer}\n    client_id: tutor-console\n"
                                    "    admin_groups: [console-admins]\n    trainer_groups: [console-trainers]\n")
    seed_teams(tutor)
    return tutor, create_app(tutor, "test-secret", clock=clock)


@pytest.fixture()
def world(tmp_path, provider, clock):
    return world_for(tmp_path, provider, clock)


def signed_in(app, tutor, clock, name: str, sub: str, sid: str, id_token: str = "an.id.token") -> TestClient:
    """A browser holding a single sign-on session of `name` (as the sign-in callback makes it)."""
    token, _ = ConsoleSessions(tutor.records.db, clock).create(name, "trainer", groups=["A"], method="sso", idp_sub=sub,
                                                               idp_sid=sid, id_token=id_token)
    client = TestClient(app)
    client.cookies.set("tutor_session", token)
    assert client.get("/api/conversations").status_code == 200
    return client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hmac_token(header: dict, claims: dict, secret: bytes) -> str:
    """A JWT "signed" with HMAC-SHA256 keyed by `secret` (joserfc will not make one keyed by a public key)."""
    signed = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return signed + "." + b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())


def still_in(client: TestClient) -> bool:
    reply = client.get("/conversations", follow_redirects=False)
    assert reply.status_code in (200, 303)
    return reply.status_code == 200


def test_a_logout_token_ends_every_session_of_the_user_and_is_recorded(world, provider, clock):
    tutor, app = world
    laptop, phone = (signed_in(app, tutor, clock, "alice", "sub-alice", sid) for sid in ("sid-1", "sid-2"))
    bob = signed_in(app, tutor, clock, "bob", "sub-bob", "sid-3")
    reply = TestClient(app).post(LOGOUT, data={"logout_token": provider.logout_token(sub="sub-alice")})
    assert reply.status_code == 200 and reply.headers["cache-control"] == "no-store"
    assert not still_in(laptop) and not still_in(phone) and still_in(bob)
    assert laptop.get("/gaps", follow_redirects=False).headers["location"].startswith("/login?next=/gaps")
    entry = AuditTrail(tutor.records.db).entries(AuditQuery(action="back-channel logout"))[0]
    assert (entry["actor"], entry["target"], entry["outcome"]) == ("identity provider", "alice", "ok")
    assert '"sessions": 2' in entry["detail"] and "sub-alice" not in str(entry)


def test_a_logout_token_with_a_session_id_ends_that_session_only(world, provider, clock):
    tutor, app = world
    laptop, phone = (signed_in(app, tutor, clock, "alice", "sub-alice", sid) for sid in ("sid-1", "sid-2"))
    token = provider.logout_token(sub="sub-alice", sid="sid-2")
    assert TestClient(app).post(LOGOUT, data={"logout_token": token}).status_code == 200
    assert still_in(laptop) and not still_in(phone)
    assert TestClient(app).post(LOGOUT, data={"logout_token": provider.logout_token(sid="sid-1")}).status_code == 200
    assert not still_in(laptop)


@pytest.mark.parametrize("change", [
    pytest.param({"key": new_key("idp-1")}, id="wrong signature"),
    pytest.param({"key": new_key("unknown-key")}, id="unknown key"),
    pytest.param({"aud": "another-client"}, id="wrong audience"),
    pytest.param({"iss": "http://127.0.0.1:9"}, id="wrong issuer"),
    pytest.param({"events": {"http://schemas.openid.net/event/other": {}}}, id="another event"),
    pytest.param({"drop": ("events",)}, id="no events"),
    pytest.param({"nonce": "n-1"}, id="nonce"),
    pytest.param({"drop": ("iat",)}, id="no iat"),
    pytest.param({"iat": 1_800_000_000 - 3600}, id="an hour old"),
    pytest.param({"iat": 1_800_000_000 + 3600}, id="issued in the future"),
    pytest.param({"exp": 1_800_000_000 - 600}, id="expired"),
    pytest.param({"drop": ("sub",)}, id="neither sub nor sid"),
    pytest.param({"alg": "HS256", "key": None}, id="hmac"),
])
def test_a_bad_logout_token_is_refused_and_ends_nothing(world, provider, clock, change):
    tutor, app = world
    alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1")
    if change.get("alg") == "HS256":  # an HMAC keyed with the provider's public key: an old trick
        token = hmac_token({"alg": "HS256", "kid": provider.key.kid}, {"iss": provider.issuer, "aud": "tutor-console",
                           "iat": int(clock()), "sub": "sub-alice", "events": {EVENT: {}}}, provider.key.as_pem(private=False))
    else:
        token = provider.logout_token(sub="sub-alice", **change)
    reply = TestClient(app).post(LOGOUT, data={"logout_token": token})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_request", reply.text
    assert still_in(alice)
    entry = AuditTrail(tutor.records.db).entries(AuditQuery(action="back-channel logout"))[0]
    assert entry["outcome"] == "refused" and entry["target"] == ""


@pytest.mark.parametrize("form", [{}, {"logout_token": ""}, {"logout_token": "not.a.jwt"}])
def test_a_request_without_a_logout_token_is_refused(world, provider, clock, form):
    tutor, app = world
    alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1")
    assert TestClient(app).post(LOGOUT, data=form).status_code == 400
    assert still_in(alice)


def test_a_new_signing_key_is_fetched_once_when_a_token_names_it(world, provider, clock):
    tutor, app = world
    alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1")
    bob = signed_in(app, tutor, clock, "bob", "sub-bob", "sid-2")
    assert TestClient(app).post(LOGOUT, data={"logout_token": provider.logout_token(sub="sub-alice")}).status_code == 200
    fetched = provider.jwks_requests
    provider.rotate()
    assert TestClient(app).post(LOGOUT, data={"logout_token": provider.logout_token(sub="sub-bob")}).status_code == 200
    assert provider.jwks_requests == fetched + 1 and not still_in(alice) and not still_in(bob)


def test_signing_out_of_a_single_sign_on_session_signs_out_at_the_provider(world, provider, clock):
    tutor, app = world
    alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1", id_token="header.claims.signature")
    reply = alice.post("/logout", data={"csrf": csrf_of(alice.get("/conversations").text)}, follow_redirects=False)
    assert reply.status_code == 303 and 'tutor_session=""' in reply.headers["set-cookie"]
    target = urlsplit(reply.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.issuer + "/end_session"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == ["header.claims.signature"] and query["client_id"] == ["tutor-console"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/login"]
    assert not still_in(alice)
    # The pages let the sign-out form continue to the provider (and nowhere else).
    assert f"form-action 'self' {provider.issuer};" in reply.headers["content-security-policy"]
    # A password session, and the API, sign out here only.
    with TestClient(app) as local:
        sign_in(local, "trainer-a", PASSWORD)
        reply = local.post("/logout", data={"csrf": csrf_of(local.get("/conversations").text)}, follow_redirects=False)
        assert reply.headers["location"] == "/login"
    bob = signed_in(app, tutor, clock, "bob", "sub-bob", "sid-2")
    token = csrf_of(bob.get("/conversations").text)
    assert bob.post("/api/logout", headers={"x-csrf-token": token}).json() == {"signed_out": True}


def test_without_an_end_session_endpoint_signing_out_stays_here(tmp_path, clock):
    provider = LogoutProvider(clock, end_session=False)
    try:
        tutor, app = world_for(tmp_path, provider, clock)
        alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1")
        reply = alice.post("/logout", data={"csrf": csrf_of(alice.get("/conversations").text)}, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"] == "/login" and not still_in(alice)
    finally:
        provider.stop()


def test_a_user_the_provider_no_longer_lets_in_loses_every_single_sign_on_session(world, clock):
    tutor, app = world
    alice = signed_in(app, tutor, clock, "alice", "sub-alice", "sid-1")
    renamed = signed_in(app, tutor, clock, "alice.old", "sub-alice", "sid-2")  # the same person, named otherwise before
    bob = signed_in(app, tutor, clock, "bob", "sub-bob", "sid-3")
    with TestClient(app) as local:
        sign_in(local, "trainer-a", PASSWORD)
        ended = ConsoleSessions(tutor.records.db, clock).end_single_sign_on("alice", "sub-alice")
        assert sorted(ended) == ["alice", "alice.old"]
        assert not still_in(alice) and not still_in(renamed) and still_in(bob) and still_in(local)
        assert ConsoleSessions(tutor.records.db, clock).end_single_sign_on("trainer-a", "") == []  # a password session stays
        assert still_in(local)
