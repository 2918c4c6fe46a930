"""The access matrix: every console URL and API route, for every role — anonymous, learner, the trainer of group A,
the trainer of group B, a trainer without groups, the manager of group A, admin — including team scope (a
conversation of group A is not there for the trainer of group B, by URL or API) and the manager's reports-only
access (every transcript, learner, question-bank and gaps route refuses a manager). A route missing from the matrix
fails the test."""
from __future__ import annotations

import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from console.app import create_app
from console.auth import add_user
from console.presenting import conversation_key
from store import Groups
from tests.support.console import PASSWORD, Clock, console_tutor, csrf_of, seed_teams, sign_in

pytestmark = pytest.mark.unit
SECRET = "test-secret"
ROLES = ("anonymous", "learner1", "trainer-a", "trainer-b", "trainer-none", "manager-a", "admin1")
TRAINERS = ("trainer-a", "trainer-b", "trainer-none")

STAFF = {"anonymous": "login", "learner1": "forbidden", **dict.fromkeys(TRAINERS, "ok"), "manager-a": "forbidden", "admin1": "ok"}
ADMIN = {"anonymous": "login", "learner1": "forbidden", **dict.fromkeys(TRAINERS + ("manager-a",), "forbidden"), "admin1": "ok"}
REPORTS = {**STAFF, "manager-a": "ok"}
TEAM_A = {**STAFF, "trainer-b": "hidden", "trainer-none": "hidden"}
PUBLIC = dict.fromkeys(ROLES, "ok")

# (method, route path as the app declares it) -> (URL to request, form or JSON to send, expected per role).
MATRIX = {
    ("GET", "/"): ("/", None, REPORTS),  # a manager is sent to the reports
    ("GET", "/login"): ("/login", None, PUBLIC),
    ("POST", "/login"): ("/login", {}, dict.fromkeys(ROLES, "forbidden")),  # without the form's CSRF token
    ("POST", "/api/login"): ("/api/login", {}, dict.fromkeys(ROLES, "unsupported")),  # JSON only
    ("GET", "/conversations"): ("/conversations", None, STAFF),
    ("GET", "/api/conversations"): ("/api/conversations", None, STAFF),
    ("GET", "/conversations/{key}"): ("/conversations/{ana}", None, TEAM_A),
    ("GET", "/api/conversations/{key}"): ("/api/conversations/{ana}", None, TEAM_A),
    ("POST", "/conversations/{key}/review"): ("/conversations/{ana}/review", {}, TEAM_A),
    ("POST", "/turns/{turn_id}/annotate"): ("/turns/{ana_turn}/annotate", {"kind": "note", "text": "seen"}, TEAM_A),
    ("GET", "/gaps"): ("/gaps", None, STAFF),
    ("GET", "/api/gaps"): ("/api/gaps", None, STAFF),
    ("GET", "/analytics"): ("/analytics", None, STAFF),
    ("GET", "/api/analytics"): ("/api/analytics", None, STAFF),
    ("GET", "/export.{fmt:str}"): ("/export.csv", None, STAFF),
    ("GET", "/questions"): ("/questions", None, STAFF),
    ("GET", "/api/questions"): ("/api/questions", None, STAFF),
    ("GET", "/questions/new"): ("/questions/new", None, STAFF),
    ("POST", "/questions/new"): ("/questions/new", {"kind": "short"}, STAFF),  # (refused as incomplete: 400)
    ("GET", "/questions/{question_id}"): ("/questions/q1", None, STAFF),
    ("GET", "/api/questions/{question_id}"): ("/api/questions/q1", None, STAFF),
    ("POST", "/questions/{question_id}/approve"): ("/questions/q1/approve", {}, STAFF),
    ("POST", "/questions/{question_id}/retire"): ("/questions/q1/retire", {}, STAFF),
    ("POST", "/questions/{question_id}/edit"): ("/questions/q1/edit", {"kind": "short"}, STAFF),
    ("GET", "/reports"): ("/reports", None, REPORTS),
    ("GET", "/api/reports"): ("/api/reports", None, REPORTS),
    ("GET", "/reports/{name}.csv"): ("/reports/quiz.csv", None, REPORTS),
    ("GET", "/reports/charts/{name}.svg"): ("/reports/charts/mastery.svg", None, REPORTS),
    ("GET", "/admin/users"): ("/admin/users", None, ADMIN),
    ("GET", "/api/admin/users"): ("/api/admin/users", None, ADMIN),
    ("POST", "/admin/users/{name}/unlock"): ("/admin/users/nobody/unlock", {}, ADMIN),
    ("POST", "/admin/users/{name}/signout"): ("/admin/users/nobody/signout", {}, ADMIN),
    ("POST", "/admin/users/{name}/groups"): ("/admin/users/trainer-none/groups", {"groups": ""}, ADMIN),
    ("POST", "/admin/addresses/unlock"): ("/admin/addresses/unlock", {"address": "192.0.2.1"}, ADMIN),
    ("POST", "/admin/groups/import"): ("/admin/groups/import", {"file": "learner,group\nnew-learner,C\n"}, ADMIN),
    ("GET", "/admin/audit"): ("/admin/audit", None, ADMIN),
    ("GET", "/api/admin/audit"): ("/api/admin/audit", None, ADMIN),
    ("GET", "/admin/audit.csv"): ("/admin/audit.csv", None, ADMIN),
    ("GET", "/admin/learning-records"): ("/admin/learning-records", None, ADMIN),
    ("GET", "/api/admin/learning-records"): ("/api/admin/learning-records", None, ADMIN),
    ("POST", "/admin/learning-records/requeue"): ("/admin/learning-records/requeue", {"statement_id": "none"}, ADMIN),
    # Single sign-on is open to all; here the provider is down (nothing listens on its port) and the callback
    # comes without the state the console sent.
    ("GET", "/login/sso"): ("/login/sso", None, dict.fromkeys(ROLES, "unavailable")),
    ("GET", "/login/sso/callback"): ("/login/sso/callback?code=x&state=y", None, dict.fromkeys(ROLES, "login")),
    # The provider's back-channel logout comes without a session or CSRF token, whoever's cookie is sent: open to
    # all, and answered by the token alone (here not one: 400, which ends nothing).
    ("POST", "/login/sso/backchannel-logout"): ("/login/sso/backchannel-logout", {"logout_token": "x"}, PUBLIC),
    ("GET", "/static"): ("/static/console.css", None, PUBLIC),
    # Last: signing out.
    ("POST", "/api/logout"): ("/api/logout", {}, PUBLIC),
    ("POST", "/logout"): ("/logout", {}, dict.fromkeys(ROLES, "login")),  # everyone ends on the sign-in page
}


def category(reply) -> str:
    if reply.status_code == 401 or (reply.status_code == 303 and reply.headers["location"].startswith("/login")):
        return "login"
    named = {403: "forbidden", 404: "hidden", 415: "unsupported", 502: "unavailable"}
    if reply.status_code in named:
        return named[reply.status_code]
    assert reply.status_code < 500, reply.text
    return "ok"


def declared(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Mount):
            found.add(("GET", route.path))
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


@pytest.fixture()
def world(tmp_path, monkeypatch):
    tutor = console_tutor(tmp_path, "  oidc:\n    issuer: http://127.0.0.1:9\n    client_id: tutor-console\n"
                                    "    trainer_groups: [console-trainers]\n")
    turns = seed_teams(tutor)
    add_user(tutor.records.accounts, "manager-a", PASSWORD, "manager")
    Groups(tutor.records.db).set_trainer_groups("manager-a", ["A"])
    tutor.records.learning.upsert_questions([{"question_id": "q1", "course_id": "c", "course_title": "C", "skill": "s", "kind": "short",
                                              "prompt": "What is SBI?", "answer": "Situation, behaviour, impact", "options": [],
                                              "explanation": "", "section": "", "url": "", "source_chunk": "", "difficulty": 0.5,
                                              "origin": "authored"}])
    monkeypatch.setattr(tutor.question_bank, "refresh", lambda: False)
    return tutor, turns, create_app(tutor, SECRET, clock=Clock())


def test_every_route_for_every_role(world):
    tutor, turns, app = world
    assert declared(app) == set(MATRIX), "add the new routes to MATRIX, with who may reach them"
    values = {"ana": conversation_key("c-ana", SECRET), "ana_turn": turns["ana"]}
    failures = []
    for role in ROLES:
        with TestClient(app) as client:
            token = ""
            if role != "anonymous":
                assert sign_in(client, role, PASSWORD).status_code == 303
                token = csrf_of(client.get("/login").text)
            for (method, _), (url, body, expected) in MATRIX.items():
                url = url.format(**values)
                if method == "GET":
                    reply = client.get(url, follow_redirects=False)
                elif url == "/admin/groups/import":
                    reply = client.post(url, data={"csrf": token}, files={"file": ("groups.csv", body["file"].encode())},
                                        follow_redirects=False)
                elif url in ("/login", "/api/login"):
                    reply = client.post(url, data=body, follow_redirects=False)
                else:
                    reply = client.post(url, data={**body, "csrf": token}, headers={"x-csrf-token": token}, follow_redirects=False)
                if category(reply) != expected[role]:
                    failures.append(f"{role} {method} {url}: {reply.status_code} ({category(reply)}), expected {expected[role]}")
    assert failures == []
