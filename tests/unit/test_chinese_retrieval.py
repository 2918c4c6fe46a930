"""Chinese content and questions: tokens, sentences, even chunks, routing by language, the Chinese reader."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import AnswerChain, RetrievalSettings, Retriever, ingest, split_sentences
from retrieval.chunking import even_pieces, split_document
from retrieval.languages import detect_language, tokenize
from retrieval.loaders import SourceDocument
from retrieval.multilingual import MultilingualEmbedder
from retrieval.settings import ChunkSettings
from tests.support.fakes import HashingEmbedder

pytestmark = pytest.mark.unit

ZH_COURSE = """---
title: 远程办公
language: zh
---
## 连接公司网络

在家办公时，必须先连接公司的VPN，才能访问内部系统。VPN客户端可以在IT门户下载。如果连接失败，请联系IT服务台。

## 差旅报销

差旅费用需要在出差结束后三十天内提交报销申请。报销申请必须附上发票原件。
"""
EN_COURSE = """---
title: Remote work
---
## Connecting to the company network

When working from home you must connect to the company VPN before you can reach internal systems. Download the
VPN client from the IT portal.

## Meetings

Keep meetings short and always share an agenda beforehand. Invite only the people who must decide.
"""


@pytest.fixture(scope="module")
def use_embedder() -> MultilingualEmbedder:
    return MultilingualEmbedder()


def _index(tmp: Path, files: dict[str, str], multilingual) -> Path:
    root = tmp / "courses"
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    report = ingest(root, tmp / "index", HashingEmbedder(), RetrievalSettings(), multilingual=multilingual)
    assert not report.failed
    return tmp / "index"


def test_chinese_tokens_are_jieba_words_without_particles_and_english_is_unchanged():
    tokens = tokenize("战国史模式主打哪两个模式？")
    assert {"战国", "模式", "主打"} <= set(tokens)
    assert not {"哪", "？", "的"} & set(tokens)
    assert tokenize("資訊安全的規定") == tokenize("资讯安全的规定")  # Traditional folded to Simplified
    assert tokenize("How do I report a phishing email?") == ["report", "phishing", "email"]
    assert {"vpn", "连接"} <= set(tokenize("我的VPN连接不上"))


def test_language_of_text():
    assert detect_language("报销要多久内提交？") == "zh"
    assert detect_language("How long do I have to submit expenses?") == "en"


def test_chinese_sentences_end_at_full_width_punctuation():
    text = "差旅费用需要在三十天内提交。报销申请必须附上发票原件！他问：“可以晚交吗？”然后离开了；最后结束。"
    assert split_sentences(text) == ["差旅费用需要在三十天内提交。", "报销申请必须附上发票原件！", "他问：“可以晚交吗？”",
                                     "然后离开了；", "最后结束。"]
    english = "Report phishing at once. Then delete the email! Never click links in it."
    assert split_sentences(english) == ["Report phishing at once.", "Then delete the email!", "Never click links in it."]


def test_a_long_section_is_cut_evenly_without_a_short_tail():
    settings = ChunkSettings(chunk_size=300, chunk_overlap=40, min_tail=0.5)
    text = " ".join(f"Sentence number {i} says something about passwords." for i in range(7))  # ~370 characters
    pieces = even_pieces(text, settings)
    assert len(pieces) == 2 and all(len(p) <= 300 for p in pieces)
    assert min(len(p) for p in pieces) >= 0.5 * 300 * 0.8
    zh = "。".join(["公司的信息安全制度要求员工定期更换密码并开启双重认证"] * 16) + "。"  # ~450 characters
    zh_pieces = even_pieces(zh, settings)
    assert all(len(p) <= 300 for p in zh_pieces) and min(len(p) for p in zh_pieces) > 120
    assert all(p.endswith("。") for p in zh_pieces)  # cut after a sentence, the full stop kept with it


def test_chunks_know_their_language():
    zh = split_document(SourceDocument("a.md", "远程办公", "## 网络\n\n在家办公时，必须先连接公司的VPN才能访问内部系统。", {}),
                        ChunkSettings())
    en = split_document(SourceDocument("b.md", "Remote", "## Net\n\nConnect to the VPN before reaching internal systems.", {}),
                        ChunkSettings())
    declared = split_document(SourceDocument("c.md", "Remote", "## Net\n\nConnect to the VPN before reaching internal systems.",
                                             {"language": "zh-CN"}), ChunkSettings())
    assert [c.language for c in zh + en + declared] == ["zh", "en", "zh"]


def test_a_chinese_question_finds_the_chinese_and_the_english_passage(tmp_path, use_embedder):
    index = _index(tmp_path, {"zh.md": ZH_COURSE, "en.md": EN_COURSE}, use_embedder)
    retriever = Retriever(index, HashingEmbedder(), RetrievalSettings(), multilingual=use_embedder)
    result = retriever.search("在家办公怎么连接公司网络？", top_k=3)
    assert result.language == "zh"
    found = [(h.chunk.title, h.chunk.section) for h in result.hits]
    # The English rendering adds rankings for English passages; the passage in the learner's own language that the
    # multilingual embedding puts nearest still comes first.
    assert found[0] == ("远程办公", "连接公司网络")
    assert ("Remote work", "Connecting to the company network") in found[:3]
    chain = AnswerChain(retriever, HashingEmbedder(), RetrievalSettings())
    answer = chain.answer("在家办公怎么连接公司网络？")  # read from the passage in the learner's own language
    assert not answer.abstained and answer.lead in ZH_COURSE and "VPN" in answer.lead
    english = retriever.search("how do I connect to the company VPN from home?", top_k=4)
    assert ("远程办公", "连接公司网络") in [(h.chunk.title, h.chunk.section) for h in english.hits]


def test_an_english_question_over_english_content_is_searched_as_before(tmp_path, use_embedder):
    index = _index(tmp_path, {"en.md": EN_COURSE}, use_embedder)
    embedder = HashingEmbedder()
    settings = RetrievalSettings()
    with_multi = Retriever(index, embedder, settings, multilingual=use_embedder)
    without = Retriever(index, embedder, settings, multilingual=None)
    for question in ("how do I connect to the VPN?", "what should a meeting agenda say", "who is invited to meetings"):
        a, b = with_multi.search(question), without.search(question)
        assert [(h.chunk.chunk_id, h.dense_score, h.fused_score) for h in a.hits] == \
               [(h.chunk.chunk_id, h.dense_score, h.fused_score) for h in b.hits]
        assert a.best_dense == b.best_dense and a.multi_vector is None


def test_the_chinese_reader_quotes_a_chinese_sentence_and_declines_unrelated_questions(tmp_path, use_embedder):
    index = _index(tmp_path, {"zh.md": ZH_COURSE, "en.md": EN_COURSE}, use_embedder)
    settings = RetrievalSettings()
    embedder = HashingEmbedder()
    chain = AnswerChain(Retriever(index, embedder, settings, multilingual=use_embedder), embedder, settings)
    answer = chain.answer("差旅费用需要在多少天内提交报销申请？")
    assert not answer.abstained and "三十天" in answer.lead
    assert answer.lead in ZH_COURSE and answer.citations[0].title == "远程办公"
    for unrelated in ("公司食堂今天中午有什么菜？", "长城有多长？"):
        declined = chain.answer(unrelated)
        assert declined.abstained and declined.confidence < chain.multilingual_threshold


def test_an_index_written_before_languages_still_serves(tmp_path, use_embedder):
    import sqlite_utils

    index = _index(tmp_path, {"en.md": EN_COURSE}, use_embedder)
    version = next(p for p in index.iterdir() if p.name.startswith("v-"))
    (version / "multi_vectors.npy").unlink()
    (version / "multi.faiss").unlink()
    db = sqlite_utils.Database(version / "chunks.db")
    db["chunks"].transform(drop={"language"})
    db.close()
    retriever = Retriever(index, HashingEmbedder(), RetrievalSettings(), multilingual=use_embedder)
    assert {c.language for c in retriever.version().chunks} == {"en"}
    assert retriever.search("how do I connect to the VPN?").hits
    assert retriever.search("怎么连接VPN？").language == "zh"


def test_the_cmrc_evaluation_skips_cleanly_without_its_data(monkeypatch, tmp_path):
    from eval.quality import cmrc_eval

    monkeypatch.setattr(cmrc_eval, "CMRC", tmp_path / "absent.json")
    assert cmrc_eval.main(["--out", str(tmp_path / "cmrc.md")]) == 0
    assert not (tmp_path / "cmrc.md").exists()


def test_a_sentence_in_the_other_language_is_scored_by_the_cosine_alone():
    from retrieval.feature_reader import FeatureScorer

    scorer = FeatureScorer({"cosine": 3.0, "word_overlap": 3.0, "pair_overlap": 3.0}, -6.0, vectors_of=None,
                           threshold=0.1, cross_language={"weights": {"cosine": 10.0}, "bias": -4.0})
    evidence = np.array([[0.5, 0.0, 0.0], [0.5, 0.0, 0.0]], dtype="float32")
    same, crossed = scorer.score("会议议程要提前多久发？", ["会议议程应提前一天发出。", "Send the agenda a day ahead."], evidence)
    assert crossed == pytest.approx(1 / (1 + np.exp(-(10.0 * 0.5 - 4.0))))
    assert same == pytest.approx(1 / (1 + np.exp(-(3.0 * 0.5 - 6.0))))
    assert crossed > scorer.threshold > same
