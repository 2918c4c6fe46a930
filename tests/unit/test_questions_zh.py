"""Quiz questions generated from Chinese passages: the blank is a key term or a number with its unit found by
segmentation (never a particle, a single character, or anything inside a link or code), sentences end at
Chinese marks, and the options are of the blank's kind."""
from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from assessment import check_question, generate_questions
from assessment.cloze_zh import BLANK, PROMPT_PREFIX, cloze, quantity_variants, split_sentences, term_kind, zh_distractors, zh_key_terms
from assessment.chinese import STOPWORDS
from assessment.questions import document_frequencies, key_terms

pytestmark = pytest.mark.unit


@dataclass
class Chunk:
    chunk_id: str
    text: str
    section: str = "报告安全事件"
    url: str = "https://learn.example.com/zh"
    course_id: str = "zh"


PASSAGES = [
    "发现疑似安全事件后，请**立即报告**，最迟不超过 1 小时。拨打服务台电话（分机 8000），或发邮件到 security@example.com。",
    "系统提示更新后，请在 7 天内完成安装并重启；大多数更新修复的正是攻击者正在利用的漏洞。",
    "差旅报销须在出差结束后 30 天内提交，单笔超过 5000 元需要部门经理审批！",
    "**密码短语**是把几个随机的词连在一起，它足够长、难以猜中，又容易记住。密码短语至少需要 14 个字符。",
    "专门针对某个人、内容量身定制的钓鱼叫作**鱼叉式钓鱼**。可疑邮件请用 `举报钓鱼` 按钮举报给安全团队。",
    "公共 Wi-Fi 可能被人监听，处理工作之前先连接公司的 **VPN**，它会加密你的全部网络流量。",
    "**多因素认证**要求你在密码之外，再提供你拥有的东西，例如手机或者硬件安全密钥。",
]
COURSE = {"course_id": "zh", "title": "信息安全基础", "metadata": {"skills": ["infosec-zh"]}}


def test_sentences_end_at_chinese_marks():
    assert split_sentences("第一句。第二句！第三句？第四句；\n- 列表项") == ["第一句。", "第二句！", "第三句？", "第四句；", "- 列表项"]


def test_key_terms_are_terms_and_quantities_never_particles():
    terms = zh_key_terms(PASSAGES[2], document_frequencies(PASSAGES))
    assert "30 天内" in terms and "5000 元" in terms
    assert all(len(t) >= 2 and t not in STOPWORDS for t in terms)
    assert key_terms(PASSAGES[3]) == zh_key_terms(PASSAGES[3])  # the shared entry point sends Chinese here
    assert "立即报告" not in zh_key_terms(PASSAGES[0])  # an instruction, not a thing to name


@pytest.mark.parametrize("term, kind", [("24 小时", "duration"), ("三十天", "duration"), ("7 天内", "duration"),
                                        ("5000 元", "amount"), ("14 个字符", "count"), ("VPN", "acronym"), ("钓鱼邮件", "term")])
def test_kinds(term, kind):
    assert term_kind(term) == kind


def test_never_blanks_inside_links_or_code():
    text = "请打开 [登记页面](https://example.com/安全门户)，在安全门户里登记设备。"
    assert cloze(text, "安全门户") == ("请打开 登记页面，在安全门户里登记设备。", f"请打开 登记页面，在{BLANK}里登记设备。")
    assert cloze("只在链接和代码里：[钓鱼邮件](https://example.com/a)，`钓鱼邮件` 命令也一样。", "钓鱼邮件") is None
    assert cloze("运行 `安全门户` 命令之后，再去安全门户里登记你的设备。", "安全门户") is None  # the code would give it away


def test_quantity_distractors_keep_the_unit_and_differ_in_value():
    assert quantity_variants("24 小时") == ["12 小时", "48 小时", "72 小时"]
    assert quantity_variants("三十天") == ["十五天", "六十天", "九十天"]
    options = zh_distractors("30 天内", ["一个月内", "7 天", "1 小时"], None, random.Random(1))
    assert len(options) == 3 and "一个月内" not in options  # the same duration in other words is not wrong


def test_generated_questions_from_chinese_passages_pass_their_checks():
    chunks = [Chunk(f"c{i}", text) for i, text in enumerate(PASSAGES)]
    idf = document_frequencies(PASSAGES)
    pool = [t for c in chunks for t in key_terms(c.text, idf)]
    kept, _ = generate_questions(COURSE, chunks, pool, None, idf=idf)
    assert len(kept) >= 5
    by_answer = {q.answer: q for q in kept}
    assert {"1 小时", "7 天内", "30 天内", "密码短语", "鱼叉式钓鱼"} <= set(by_answer)
    for q in kept:
        assert q.prompt.startswith(PROMPT_PREFIX) and q.prompt.count(BLANK) == 1 and q.answer not in q.prompt
        assert not check_question(q, next(c.text for c in chunks if c.chunk_id == q.source_chunk))
        if q.kind == "mcq":
            assert len({term_kind(o) for o in q.options}) == 1, q.options
    assert by_answer["7 天内"].prompt == f"{PROMPT_PREFIX}系统提示更新后，请在 {BLANK}完成安装并重启；"


def test_multilingual_encoder_judges_chinese_distractors():
    chunks = [Chunk(f"c{i}", text) for i, text in enumerate(PASSAGES)]
    pool = ["钓鱼邮件", "垃圾邮件", "鱼叉式钓鱼", "密码短语", "密码管理器", "硬件安全密钥", "社会工程学", "多因素认证", "短信验证码"]

    class Refusing:
        dimension = 8

        def embed(self, texts, batch_size=64, progress=False):
            assert not any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t), texts  # no Chinese for MiniLM
            import numpy as np
            return np.ones((len(texts), 8), dtype="float32") / 8 ** 0.5

    kept, _ = generate_questions(COURSE, chunks, pool, Refusing(), idf=document_frequencies(PASSAGES))
    assert any(q.kind == "mcq" and term_kind(q.answer) == "term" for q in kept)
