"""The tutor's records on a file system that fills up (a small tmpfs mounted for this test): learners keep
getting answers, are told what could not be saved, and saving resumes once space is freed."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
import requests

from cli.rasa_servers import ServerGroup
from tests.support.workspace import serving_tutor

pytestmark = pytest.mark.integration

QUESTION = "What does an inner join return when two tables are joined on a key?"


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory):
    mount = tmp_path_factory.mktemp("small-disk")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({result.stderr.strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def tutor_on_small_disk(tmp_path_factory, small_disk: Path, course_index: Path, model_cache: Path):
    work = tmp_path_factory.mktemp("disk-full")
    with serving_tutor(work, index_dir=course_index, store=small_disk / "tutor.db", cache_dir=model_cache) as group:
        yield group, small_disk / "tutor.db"


def ask(group: ServerGroup, sender: str, text: str) -> str:
    reply = requests.post(f"{group.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def stored_questions(db: Path, sender: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("select question from turns where learner = ? order by created", [sender])]


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_answers_continue_and_unsaved_turns_are_reported(tutor_on_small_disk):
    group, db = tutor_on_small_disk
    sender = "disk-full-learner"
    first = ask(group, sender, QUESTION)
    assert "inner join" in first.lower() and "couldn't save" not in first
    assert stored_questions(db, sender) == [QUESTION]

    filler = fill(db.parent)
    try:
        # Each question carries several kB so the database must grow; space it had already reserved may take a
        # turn or two before the first write fails.
        outcomes = []
        for n in range(6):
            text = f"({n}) " + " ".join([QUESTION] * 110)
            reply = ask(group, sender, text)
            assert "inner join" in reply.lower(), reply[:300]  # still answered from the course
            outcomes.append((text, "couldn't save this question and answer" in reply and "disk is full" in reply))
        assert any(unsaved for _, unsaved in outcomes), "no turn was reported as unsaved on a full disk"
    finally:
        os.unlink(filler)

    stored = stored_questions(db, sender)
    for text, unsaved in outcomes:
        assert stored.count(text[:10_000]) == (0 if unsaved else 1), "a turn's record does not match what the learner was told"
    after = ask(group, sender, "(after) " + QUESTION)
    assert "couldn't save" not in after
    assert stored_questions(db, sender)[-1].startswith("(after)")
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
