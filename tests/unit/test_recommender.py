"""Catalogue graph, ranking with reasons, diversity, cold start, and prerequisite-ordered paths."""
from pathlib import Path

import pytest

from recommender import (
    Catalogue,
    Course,
    LearnerProfile,
    Recommender,
    RecommenderSettings,
    UnknownTarget,
    plan_path,
    resolve_target,
)
from retrieval import RetrievalSettings, Retriever


def said(rec) -> list[str]:
    """A recommendation's reasons in the words the learner reads."""
    from tutor import Words

    words = Words("en")
    return [words(f"reason.{r.code}", **r.values) for r in rec.reasons]


pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def catalogue(course_index: Path, real_embedder) -> Catalogue:
    courses, _ = Retriever(course_index, real_embedder, RetrievalSettings()).corpus()
    return Catalogue.from_metadata(courses)


def test_catalogue_reads_prerequisites(catalogue):
    assert catalogue.unmet_prerequisites("advanced-sql", set()) == ["sql-for-analysts"]
    assert catalogue.unmet_prerequisites("advanced-sql", {"sql-for-analysts"}) == []
    assert not catalogue.report.problems()


def test_cycles_and_missing_prerequisites_are_reported_not_fatal():
    cat = Catalogue([Course("a", "A", prerequisites=["b"]), Course("b", "B", prerequisites=["a"]), Course("c", "C", prerequisites=["zzz"])])
    problems = cat.report.problems()
    assert any("cycle" in p for p in problems) and any("'zzz'" in p for p in problems)
    assert cat.path_to("c", set()) == ["c"]


def test_path_is_in_prerequisite_order_with_total_duration(catalogue):
    target = resolve_target(catalogue, "Advanced SQL", None, 0.45)
    path = plan_path(catalogue, target, set())
    assert [c.course_id for c in path.steps] == ["sql-for-analysts", "advanced-sql"]
    assert path.total_minutes == sum(c.duration_minutes for c in path.steps) > 0
    done = plan_path(catalogue, target, {"sql-for-analysts"})
    assert [c.course_id for c in done.steps] == ["advanced-sql"] and done.already_done[0].course_id == "sql-for-analysts"


def test_unknown_target_is_answered_honestly(catalogue, real_embedder):
    with pytest.raises(UnknownTarget) as unknown:
        resolve_target(catalogue, "quantum basket weaving", real_embedder, 0.45)
    assert unknown.value.target == "quantum basket weaving" and "SQL for Analysts" in unknown.value.titles
    assert resolve_target(catalogue, "privacy and GDPR", real_embedder, 0.45).course_id == "data-privacy"


@pytest.fixture(scope="module")
def recommender(catalogue, real_embedder):
    return Recommender(catalogue, real_embedder, RecommenderSettings())


def test_cold_start_recommends_beginner_courses_without_unmet_prerequisites(recommender):
    recs = recommender.recommend(LearnerProfile("new"))
    assert 3 <= len(recs) <= 5
    assert all(not r.unmet_prerequisites for r in recs[:3]) and all(r.reasons for r in recs)


def test_goals_and_gaps_shape_the_ranking_with_reasons(recommender):
    analyst = LearnerProfile("ana", role="data analyst", goals="write better SQL queries for reports")
    assert recommender.recommend(analyst)[0].course.course_id == "sql-for-analysts"
    weak = LearnerProfile("ben", mastery={"infosec-phishing": {"p_mastery": 0.2, "attempts": 5, "correct": 2}})
    top = recommender.recommend(weak)[0]
    assert top.course.course_id == "infosec-basics" and any("you scored 40%" in r for r in said(top))


def test_unmet_prerequisites_are_said(recommender):
    sql_fan = LearnerProfile("cy", goals="advanced SQL window functions and query tuning")
    recs = recommender.recommend(sql_fan, count=7)
    advanced = next(r for r in recs if r.course.course_id == "advanced-sql")
    assert advanced.unmet_prerequisites == ["sql-for-analysts"] and any("SQL for Analysts first" in r for r in said(advanced))


def test_colleagues_signal_from_enrolments(catalogue, real_embedder):
    enrolments = [{"learner": f"u{i}", "course_id": c, "role": "data analyst"}
                  for i in range(8) for c in ("sql-for-analysts", "advanced-sql")]
    enrolments += [{"learner": "u9", "course_id": "effective-meetings", "role": "sales"}]
    rec = Recommender(catalogue, real_embedder, RecommenderSettings(min_enrolments_for_cf=5), enrolments)
    top = rec.recommend(LearnerProfile("new", completed={"sql-for-analysts"}))
    assert top[0].course.course_id == "advanced-sql" and any("colleagues" in r for r in said(top[0]))


def test_required_training_comes_first():
    cat = Catalogue([Course("x", "Anti-bribery", required_for=["sales manager"]), Course("y", "Negotiation", level="beginner")])
    from tests.support.fakes import HashingEmbedder

    rec = Recommender(cat, HashingEmbedder(), RecommenderSettings())
    top = rec.recommend(LearnerProfile("s", role="Sales Managers"))[0]
    assert top.course.course_id == "x" and "required for" in said(top)[0]


def test_near_duplicates_are_not_listed_together():
    from tests.support.fakes import HashingEmbedder

    cat = Catalogue([Course("a", "Excel basics", summary="spreadsheets formulas"), Course("b", "Excel basics", summary="spreadsheets formulas"),
                     Course("c", "Negotiation", summary="deals")])
    recs = Recommender(cat, HashingEmbedder(), RecommenderSettings()).recommend(LearnerProfile("z"), count=3)
    assert {r.course.course_id for r in recs} in ({"a", "c"}, {"b", "c"})


def test_overdue_required_training_is_flagged():
    import time

    from tests.support.fakes import HashingEmbedder

    cat = Catalogue([Course("x", "Security awareness", required_for=["engineers"], due_days=30), Course("y", "Negotiation")])
    rec = Recommender(cat, HashingEmbedder(), RecommenderSettings())
    fresh = rec.recommend(LearnerProfile("n", role="engineer"))[0]
    late = rec.recommend(LearnerProfile("o", role="engineer", since=time.time() - 40 * 86400))[0]
    assert fresh.course.course_id == late.course.course_id == "x"
    assert "overdue" not in said(fresh)[0] and said(late)[0] == "required for engineer — overdue"


def test_required_training_has_a_due_date_from_the_profile():
    import time

    from tests.support.fakes import HashingEmbedder

    cat = Catalogue([Course("x", "Feedback for managers", required_for=["managers"], due_days=90), Course("y", "Negotiation")])
    rec = Recommender(cat, HashingEmbedder(), RecommenderSettings())
    reasons = said(rec.recommend(LearnerProfile("m", role="sales manager", since=time.time()))[0])
    assert reasons[0].startswith("required for sales manager (due in 89 days)") or reasons[0].startswith("required for sales manager (due in 90 days)")
    assert not said(rec.recommend(LearnerProfile("d", role="developer"))[0])[0].startswith("required")


def test_a_course_in_the_learners_language_comes_first_among_equals():
    from tests.support.fakes import HashingEmbedder

    cat = Catalogue([Course("en", "Information security basics", summary="phishing passwords"),
                     Course("zh", "信息安全基础", summary="钓鱼邮件 密码", language="zh"),
                     Course("sql", "SQL for analysts", summary="queries", level="intermediate")])
    rec = Recommender(cat, HashingEmbedder(), RecommenderSettings())
    plain = rec.recommend(LearnerProfile("li"), count=3)
    assert all(r.code != "own_language" for p in plain for r in p.reasons)
    chinese = rec.recommend(LearnerProfile("li"), count=3, own_language={"zh"})
    assert chinese[0].course.course_id == "zh" and [r.code for r in chinese[0].reasons][0] == "own_language"
    assert any(r.code == "starting_point" for r in chinese[0].reasons)  # its other reason is still given


def test_recommendations_are_worded_in_the_learners_language(tutor_zh):
    reply = tutor_zh.recommend("li").replies[0]
    assert "入门" in reply.text and "beginner" not in reply.text
    assert reply.items[0]["title"] == "信息安全基础" and "中文课程" in reply.items[0]["reasons"]


@pytest.fixture()
def tutor_zh(tmp_path: Path, course_index: Path, real_embedder):
    from tutor import Tutor, load_settings

    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {course_index}\n  store: {tmp_path / 'tutor.db'}\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=real_embedder)
    tutor.note_language("li", "你好，给我推荐一门课")
    return tutor
