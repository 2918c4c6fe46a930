"""Help and the greeting name the topics of the courses a company actually ingested (from the Tutor's
catalogue), never the sample courses'."""
from pathlib import Path

import pytest

from retrieval import RetrievalSettings, ingest
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit

COURSE = """---
id: {id}
title: {title}
summary: {title} for every employee.
skills: [{id}-basics]
audience: [{audience}]
duration_minutes: 20
---
# {title}

## Basics

{body}
"""
SAMPLE_TOPICS = ("phishing", "SBI", "SQL", "Information Security", "Feedback", "Meetings")


def tutor_over(tmp_path: Path, courses: dict[str, tuple[str, str, str]], embedder) -> Tutor:
    folder = tmp_path / "courses"
    folder.mkdir()
    for course_id, (title, audience, body) in courses.items():
        (folder / f"{course_id}.md").write_text(COURSE.format(id=course_id, title=title, audience=audience, body=body * 20))
    ingest(folder, tmp_path / "index", embedder, RetrievalSettings())
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {tmp_path / 'index'}\n  store: {tmp_path / 'tutor.db'}\n"
                                        f"  cache_dir: {tmp_path / 'cache'}\n")
    return Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=embedder)


def test_help_and_greeting_name_the_ingested_courses(tmp_path, fake_embedder):
    tutor = tutor_over(tmp_path, {
        "travel": ("Travel and Expenses", "all", "Book trains for trips under four hours. Keep every receipt. "),
        "leave": ("Parental Leave", "all", "Parents get twenty weeks of paid leave. Tell HR eight weeks ahead. "),
        "payroll": ("Payroll for Finance Staff", "finance", "Payroll closes on the 20th. Corrections go to the payroll desk. "),
    }, fake_embedder)
    help_text = tutor.help("ana").replies[0].text
    greeting = tutor.greet("ana").replies[0].text
    for text in (help_text, greeting):
        assert "Travel and Expenses" in text and "Parental Leave" in text
        assert "Payroll for Finance Staff" not in text  # a course for another audience is not named to her
        assert not any(sample in text for sample in SAMPLE_TOPICS), text
    assert "quiz me on Parental Leave" in help_text or "quiz me on Travel and Expenses" in help_text
    tutor.set_profile("fin", role="controller", group="finance")
    assert "Payroll for Finance Staff" in tutor.help("fin").replies[0].text


def test_many_courses_are_named_in_part(tmp_path, fake_embedder):
    courses = {f"c{i}": (f"Course Number {i}", "all", f"Topic {i} explained in plain words. ") for i in range(10)}
    help_text = tutor_over(tmp_path, courses, fake_embedder).help("ana").replies[0].text
    assert help_text.count("Course Number") == 8 + 1 and "and 2 more" in help_text  # eight named, one in the quiz example


def test_before_any_ingest_help_and_greeting_say_there_are_no_courses_yet(tmp_path, fake_embedder):
    (tmp_path / "tutor.yml").write_text(f"paths:\n  index_dir: {tmp_path / 'none'}\n  store: {tmp_path / 'tutor.db'}\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}), embedder=fake_embedder)
    assert "no courses have been added yet" in tutor.help("ana").replies[0].text
    assert "once they have been added" in tutor.greet("ana").replies[0].text


def test_courses_are_listed_in_the_learners_language_and_english(tmp_path, fake_embedder):
    tutor = tutor_over(tmp_path, {
        "travel": ("Travel and Expenses", "all", "Book trains for trips under four hours. Keep every receipt. "),
        "leave-zh": ("差旅与报销", "all", "出差结束后三十天内提交报销申请，并附上发票原件。"),
    }, fake_embedder)
    english = tutor.help("ana", lang="en").replies[0].text
    chinese = tutor.help("li", lang="zh").replies[0].text
    assert "Travel and Expenses" in english and "差旅与报销" not in english
    assert "差旅与报销" in chinese and "Travel and Expenses" in chinese
    assert chinese.index("差旅与报销") < chinese.index("Travel and Expenses")  # their own language first
