"""The team reports: the numbers from the store, groups and rows below the minimum left out (page, JSON, CSV), no
total that would give a left-out row away by subtraction, managers held to their groups, charts as SVG images
without inline style or script, required trainings overdue."""
from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from console import report_data as data
from console.app import create_app
from console.scope import EVERYONE, Scope
from recommender import Catalogue, Course
from store import Groups, Reports
from tutor import mastery_step
from tests.support.console import PASSWORD, Clock, console_tutor, sign_in
from tests.support.reports import DAY, TEAMS, profile, seed_company

pytestmark = pytest.mark.unit
SECRET = "test-secret"


@pytest.fixture()
def tutor(tmp_path):
    tutor = console_tutor(tmp_path, "  report_min_group: 5\n")
    seed_company(tutor)
    return tutor


def test_small_groups_and_the_totals_that_would_give_them_away_are_left_out(tutor):
    store = Reports(tutor.records.db)
    team = data.team_of(store, EVERYONE, 5)
    # B's three learners are in no group big enough: counting them in the team would let the team's figures minus
    # A's and C's give B's away.
    assert team.learners == set(TEAMS["A"]) | set(TEAMS["C"])
    report = data.group_rows(team, store.completions(None), store.attempts(None), lambda _: 0)
    rows = {r["group"]: r for r in report["rows"]}
    assert rows["B"] == {"group": "B", "suppressed": True}
    assert rows["A"]["learners"] == 6 and rows["A"]["completions"] == 4 and rows["C"]["learners"] == 5
    assert report["total"]["learners"] == 11 and report["total"]["completions"] == 4
    Groups(tutor.records.db).import_memberships([("d0", "D"), ("d1", "D"), ("d2", "D")])
    team = data.team_of(store, EVERYONE, 5)  # B and D left out together are six learners: enough to count
    assert len(team.learners) == 17 and data.group_rows(team, [], [], lambda _: 0)["total"]["learners"] == 17
    assert data.total_safe(team, [{"b0", "b1"}], team.learners) is False and data.total_safe(team, [], team.learners)


def test_quiz_outcomes_leave_out_small_skills_and_the_course_total_above_them(tutor):
    store = Reports(tutor.records.db)
    rows = data.quiz_outcomes(data.team_of(store, EVERYONE, 5), store.attempts(None))
    by_skill = {r["skill"]: r for r in rows}
    assert by_skill["phishing"]["learners"] == 11 and by_skill["phishing"]["answers"] == 11
    assert by_skill["phishing"]["right"] == 7 and by_skill["passwords"]["suppressed"]
    # The course's row minus phishing's would be the passwords row of two learners.
    assert by_skill[""] == {"course": "Information Security Basics", "skill": "", "suppressed": True}


def test_a_team_below_the_minimum_shows_nothing(tutor):
    report = data.team_of(Reports(tutor.records.db), Scope(("B",), Groups(tutor.records.db)), 5)
    assert not report.shown and report.learners == set() and report.groups == {"B": {"b0", "b1", "b2"}}


def test_mastery_points_need_enough_learners_each_week(tutor):
    store = Reports(tutor.records.db)
    report = data.mastery_by_week(data.team_of(store, EVERYONE, 5), store.attempts(None), mastery_step(tutor.settings), 4)
    assert list(report["series"]) == ["phishing"]
    assert {p["skill"] for p in report["points"]} == {"phishing"} and all(p["learners"] == 11 for p in report["points"])
    assert next(r for r in report["rows"] if r["skill"] == "passwords")["suppressed"]


def test_one_learner_joining_a_skill_cannot_be_read_from_two_weeks_means():
    """Six learners at mastery 1.0 one week, a seventh at 0.0 the next: the two means times their counts would give
    the seventh's mastery away (7 × 6/7 − 6 × 1.0 = 0.0). That week is left out until enough learners practised."""
    team = data.Team({f"l{i}" for i in range(12)}, {}, 5, now=10 * data.WEEK_S)
    start = data.week_starts(team, 4)[0]
    week = lambda w, learners, right: [{"learner": l, "skill": "sql", "correct": right, "skipped": False,  # noqa: E731
                                        "at": start + w * data.WEEK_S + 60} for l in learners]
    attempts = (week(0, [f"l{i}" for i in range(6)], True) + week(1, ["l6"], False) + week(2, ["l0"], False)
                + week(3, [f"l{i}" for i in range(7, 12)], True))
    step = lambda previous, right: 1.0 if right else 0.0  # noqa: E731
    report = data.mastery_by_week(team, attempts, step, 4)
    assert report["series"]["sql"] == [1.0, None, None, pytest.approx(10 / 12)]
    assert [(p["week"], p["learners"]) for p in report["points"]] == [(report["weeks"][0], 6), (report["weeks"][3], 12)]
    # Without the rule a week's change by one learner shows: the same learners, one of them practising again.
    same = week(0, [f"l{i}" for i in range(6)], True) + week(1, ["l0"], False)
    assert data.mastery_by_week(team, same, step, 4)["series"]["sql"] == [1.0, None, None, None]
    quiet = week(0, [f"l{i}" for i in range(6)], True)  # nobody practised since: the same value each week
    assert data.mastery_by_week(team, quiet, step, 4)["series"]["sql"] == [1.0, 1.0, 1.0, 1.0]


def test_required_trainings_overdue(tutor):
    now = time.time()
    for learner in TEAMS["A"]:
        profile(tutor, learner, role="sales manager", created=now - 100 * DAY)
    profile(tutor, "c0", role="engineer", created=now - 100 * DAY)
    catalogue = Catalogue([Course("feedback", "Giving Feedback", required_for=["managers"], due_days=90),
                           Course("infosec", "Information Security Basics", required_for=["A"], due_days=30)])
    store = Reports(tutor.records.db)
    team = data.team_of(store, EVERYONE, 5)
    found = data.requirements(team, catalogue, store.profiles(None), store.active_learners(None), store.completions(None))
    rows = {r["course"]: r for r in data.overdue(team, found)}
    assert rows["Giving Feedback"]["learners"] == 6 and rows["Giving Feedback"]["overdue"] == 6
    infosec = rows["Information Security Basics"]  # required for group A: four of six completed it
    assert infosec["learners"] == 6 and infosec["completed"] == 4 and infosec["overdue"] == 2


def test_managers_see_their_groups_aggregates_only(tutor):
    app = create_app(tutor, SECRET, clock=Clock())
    with TestClient(app) as client:
        assert sign_in(client, "manager-a", PASSWORD).status_code == 303
        assert client.get("/", follow_redirects=False).headers["location"] == "/reports"
        report = client.get("/api/reports").json()
        assert report["learners"] == 6 and report["groups"] == ["A"]
        assert client.get("/api/reports?group=B").status_code == 404
        page = client.get("/reports").text
        assert "fewer than 5 learners" in page and "/conversations" not in page and 'href="/gaps"' not in page
        for name in ("groups", "completions", "mastery", "overdue", "gaps", "quiz"):
            csv = client.get(f"/reports/{name}.csv")
            assert csv.status_code == 200 and csv.text.startswith("\ufeff")
            assert not any(f"a{i}" in csv.text.split(",") for i in range(6)), "no learner id in a CSV"
        quiz = client.get("/reports/quiz.csv").text
        assert "phishing" in quiz and "passwords" not in quiz  # the left-out row is not in the file
        assert client.get("/conversations").status_code == 403 and client.get("/api/gaps").status_code == 403
        chart = client.get("/reports/charts/quiz.svg")
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in chart.text and "style=" not in chart.text and "<style" not in chart.text and "<script" not in chart.text
        assert client.get("/reports/charts/nothing.svg").status_code == 404


def test_admins_see_every_group_and_trainers_theirs(tutor):
    app = create_app(tutor, SECRET, clock=Clock())
    with TestClient(app) as client:
        assert sign_in(client, "admin1", PASSWORD).status_code == 303
        report = client.get("/api/reports").json()
        assert report["learners"] == 11 and report["by_group"]["total"]["learners"] == 11
        assert [r["group"] for r in report["by_group"]["rows"] if r["suppressed"]] == ["B"]
        small = client.get("/api/reports?group=B").json()
        assert not small["shown"] and "quiz" not in small
    with TestClient(app) as client:
        assert sign_in(client, "trainer-a", PASSWORD).status_code == 303
        assert client.get("/api/reports").json()["learners"] == 6
        assert client.get("/conversations").status_code == 200
