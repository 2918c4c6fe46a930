"""The trainer console with Chinese conversations: searched by any part of a Chinese phrase, shown as UTF-8 with
the text marked as Chinese, and exported as CSV that Excel opens as UTF-8 (byte-order mark) and JSON without
\\u escapes."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from console.app import create_app
from console.auth import add_user
from store import Groups
from tests.support.console import sign_in
from tutor import Tutor, load_settings

pytestmark = pytest.mark.unit
QUESTION, ANSWER = "如何举报钓鱼邮件？", "点击 Outlook 里的“举报钓鱼”按钮，或者打电话到分机 8000。"


@pytest.fixture()
def client(tmp_path: Path):
    (tmp_path / "tutor.yml").write_text(f"paths:\n  store: {tmp_path / 'tutor.db'}\nservers:\n  endpoints: {tmp_path / 'none.yml'}\n")
    tutor = Tutor(load_settings(tmp_path / "tutor.yml", environ={}))
    tutor.records.turns.record("ana", QUESTION, ANSWER, channel="rest", conversation_id="c-ana")
    tutor.records.turns.record("ben", "how do I file an expense claim?", "Use the expenses app.", channel="rest", conversation_id="c-ben")
    add_user(tutor.records.accounts, "trainer1", "correct horse battery", "trainer")
    Groups(tutor.records.db).import_memberships([("ana", "support"), ("ben", "support")])
    Groups(tutor.records.db).set_trainer_groups("trainer1", ["support"])
    with TestClient(create_app(tutor, "test-secret")) as client:
        reply = sign_in(client, "trainer1", "correct horse battery")
        assert reply.status_code == 303
        yield client


def test_search_finds_part_of_a_chinese_phrase(client):
    found = client.get("/api/conversations", params={"q": "钓鱼"}).json()["conversations"]
    assert len(found) == 1 and found[0]["turns"] == 1
    assert client.get("/api/conversations", params={"q": "举报钓鱼邮件"}).json()["conversations"] == found
    page = client.get("/conversations", params={"q": "钓鱼"})
    assert page.headers["content-type"] == "text/html; charset=utf-8" and 'value="钓鱼"' in page.text
    assert "/conversations/" + found[0]["key"] in page.text


def test_a_chinese_conversation_displays_as_chinese(client):
    key = client.get("/api/conversations", params={"q": "钓鱼"}).json()["conversations"][0]["key"]
    page = client.get(f"/conversations/{key}")
    assert page.status_code == 200 and '<meta charset="utf-8">' in page.text
    assert f'<p class="q" lang="zh">{QUESTION}</p>' in page.text
    assert client.get(f"/api/conversations/{key}").json()["turns"][0]["question"] == QUESTION


def test_csv_export_opens_in_excel_as_utf8(client):
    reply = client.get("/export.csv", params={"q": "钓鱼"})
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    assert reply.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel looks for
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert [(r["question"], r["answer"]) for r in rows] == [(QUESTION, ANSWER)]


def test_json_export_keeps_chinese_readable(client):
    reply = client.get("/export.json")
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert not reply.content.startswith(b"\xef\xbb\xbf") and QUESTION.encode() in reply.content
    assert {t["question"] for t in json.loads(reply.content)["turns"]} == {QUESTION, "how do I file an expense claim?"}
