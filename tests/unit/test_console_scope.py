"""Team scope: a trainer sees learners, conversations, gaps, analytics and exports only for the groups assigned to
them (by an admin, or the identity provider at sign-in); admins see all; group membership comes from an admin's
import, never from what a learner says in chat."""
from __future__ import annotations

import csv
import io

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from console.app import create_app
from console.privacy import alias
from console.scope import Scope, scope_of
from store import Groups
from tests.support.console import PASSWORD, Clock, console_tutor, seed_teams, sign_in

pytestmark = pytest.mark.unit
SECRET = "test-secret"


@pytest.fixture()
def world(tmp_path):
    tutor = console_tutor(tmp_path)
    turns = seed_teams(tutor)
    # ana also abstained once and got a quiz attempt; ben says in chat that he is in group A (a hint, not membership).
    tutor.records.turns.record("ana", "how do I bake sourdough?", "", channel="rest", abstained=True, conversation_id="c-ana")
    tutor.records.profiles.save_profile("ben", role="analyst", group_name="A")
    return tutor, turns, create_app(tutor, SECRET, clock=Clock())


def client_for(app, user: str) -> TestClient:
    client = TestClient(app)
    assert sign_in(client, user, PASSWORD).status_code == 303
    return client


def learners(client, **params) -> set[str]:
    return {c["learner"] for c in client.get("/api/conversations", params=params).json()["conversations"]}


def test_trainers_see_only_their_groups_and_admins_see_all(world):
    tutor, turns, app = world
    a, b, none, admin = (client_for(app, u) for u in ("trainer-a", "trainer-b", "trainer-none", "admin1"))
    assert learners(a) == {alias("ana", SECRET)}
    assert learners(b) == {alias("ben", SECRET)}  # ben's own word that he is in group A counts for nothing
    assert learners(none) == set()
    assert learners(admin) == {"ana", "ben"}
    assert learners(b, learner=alias("ana", SECRET)) == set()  # another team's alias finds nothing either
    assert learners(a, q="expense") == set() and learners(b, q="expense") == {alias("ben", SECRET)}


def test_exports_analytics_and_gaps_follow_the_scope(world):
    tutor, turns, app = world
    a, b, admin = (client_for(app, u) for u in ("trainer-a", "trainer-b", "admin1"))
    rows = list(csv.DictReader(io.StringIO(b.get("/export.csv").content.decode("utf-8-sig"))))
    assert [r["question"] for r in rows] == ["how do I file an expense claim?"]
    assert len(a.get("/export.json").json()["turns"]) == 2 and len(admin.get("/export.json").json()["turns"]) == 3
    assert b.get("/export.json").json()["stats"]["turns"] == 1
    assert a.get("/api/analytics").json()["rates"]["turns"] == 2 and b.get("/api/analytics").json()["rates"]["abstain rate"] == 0
    assert admin.get("/api/analytics").json()["rates"]["turns"] == 3
    assert b.get("/api/gaps").json()["clusters"] == []  # the only gap is ana's (group A)
    assert [c["examples"] for c in a.get("/api/gaps").json()["clusters"]] == [["how do I bake sourdough?"]]


def test_an_identity_provider_group_widens_a_trainers_scope(world):
    tutor, turns, app = world
    groups = Groups(tutor.records.db)
    assert scope_of({"role": "trainer", "groups": ["A", "B"]}, True, groups).learners() == {"ana", "ben"}
    assert scope_of({"role": "trainer", "groups": ["A"]}, False, groups).everyone  # team scope switched off
    assert scope_of({"role": "admin", "groups": []}, True, groups).everyone
    assert not Scope((), groups).allows("ana") and scope_of(None, True, groups).learners() == set()


def test_an_admin_moves_a_learner_and_a_trainer_by_import_and_mapping(world, tmp_path, monkeypatch):
    tutor, turns, app = world
    monkeypatch.setenv("TUTOR_CONFIG", str(tmp_path / "tutor.yml"))
    from cli.main import app as cli

    (tmp_path / "groups.csv").write_text("learner,group\nben,A\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["groups", "import", str(tmp_path / "groups.csv"), "--replace"]).exit_code == 0
    assert learners(client_for(app, "trainer-a")) == {alias("ana", SECRET), alias("ben", SECRET)}
    assert learners(client_for(app, "trainer-b")) == set()
    assert runner.invoke(cli, ["groups", "assign", "trainer-none", "A", "B"]).exit_code == 0
    assert len(learners(client_for(app, "trainer-none"))) == 2
    (tmp_path / "bad.csv").write_text("learner,group\nben\n")
    bad = runner.invoke(cli, ["groups", "import", str(tmp_path / "bad.csv")])
    assert bad.exit_code == 2 and "line 2: expected learner,group" in bad.output
    listed = runner.invoke(cli, ["groups", "list"]).output
    assert "A\t2 learners" in listed and "trainer-none sees\tA, B" in listed
