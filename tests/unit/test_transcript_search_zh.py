"""The console's transcript search finds Chinese: any part of a run of Han characters (钓鱼 inside 如何举报钓鱼邮件),
one- and two-character terms, either script, mixed with English words; databases made before the trigram index
get it for the turns they already hold."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlite_utils

from store import Records, TranscriptFilter
from store.migrations import MIGRATIONS, TRIGRAM_INDEX

pytestmark = pytest.mark.unit


@pytest.fixture()
def records(tmp_path: Path) -> Records:
    records = Records(tmp_path / "tutor.db")
    records.turns.record("ana", "如何举报钓鱼邮件？", "点击 Outlook 里的“举报钓鱼”按钮。", conversation_id="c-ana")
    records.turns.record("ben", "VPN连不上怎么办", "先重启电脑，再联系服务台。", conversation_id="c-ben")
    records.turns.record("cy", "how do I report a phishing email?", "Use the Report Phishing button.", conversation_id="c-cy")
    records.turns.record("dee", "密碼至少要幾個字元？", "至少 14 个字符。", conversation_id="c-dee")
    return records


def found(records: Records, q: str) -> list[str]:
    return sorted(c["conversation_id"] for c in records.transcripts.conversations(TranscriptFilter(q=q)))


@pytest.mark.parametrize("q, conversations", [
    ("钓鱼", ["c-ana"]),                 # two characters inside a longer run: LIKE
    ("举报钓鱼邮件", ["c-ana"]),          # three or more: the trigram index
    ("钓", ["c-ana"]),
    ("釣魚", ["c-ana"]),                 # Traditional query, Simplified text
    ("密码", ["c-dee"]),                 # Simplified query, Traditional text
    ("VPN连不上", ["c-ben"]),             # mixed scripts in one word
    ("VPN 服务台", ["c-ben"]),            # an English word and a Chinese one: both must match
    ("Outlook", ["c-ana"]),
    ("钓鱼 服务台", []),
    ("phishing", ["c-cy"]),               # English keeps the porter index: stems still match
    ("reported", ["c-cy"]),
    ("100%", []),
])
def test_chinese_and_english_search(records, q, conversations):
    assert found(records, q) == conversations


def test_english_words_inside_chinese_text_only(records):
    records.turns.record("fay", "education budget", "see the finance course", conversation_id="c-fay")
    assert found(records, "cat") == []  # no substring matches in English text: the porter index decides there
    assert found(records, "VPN") == ["c-ben"]  # inside Chinese text, no space delimits it


def test_without_the_trigram_index_like_does_it_all(records):
    records.transcripts.trigram = False
    assert found(records, "举报钓鱼邮件") == ["c-ana"] and found(records, "钓鱼") == ["c-ana"]


def test_the_index_follows_updates_and_deletes(records):
    turn = records.turns.record("eve", "多因素认证怎么开启", "在账号设置里开启。", conversation_id="c-eve")
    assert found(records, "因素认证") == ["c-eve"]
    records.db["turns"].update(turn, {"question": "密码管理器是什么"})
    assert found(records, "因素认证") == [] and found(records, "密码管理器") == ["c-eve"]
    records.forget("eve")
    assert found(records, "密码管理器") == []
    assert records.db.execute(f"select count(*) from {TRIGRAM_INDEX} where {TRIGRAM_INDEX} match '\"密码管理器\"'").fetchone()[0] == 0


def test_existing_turns_are_indexed_by_the_migration(tmp_path: Path):
    db = sqlite_utils.Database(tmp_path / "old.db")
    db.execute("create table _migrations (version integer primary key, applied real)")
    for version, step in enumerate(MIGRATIONS[:7], 1):
        step(db)
        db.execute("insert into _migrations values (?, ?)", [version, time.time()])
    db["turns"].insert({"turn_id": "t1", "learner": "ana", "created": time.time(), "question": "如何举报钓鱼邮件",
                        "answer": "用举报按钮", "conversation_id": "c1", "sources": "[]"})
    db.close()
    records = Records(tmp_path / "old.db")
    assert found(records, "举报钓鱼") == ["c1"]
