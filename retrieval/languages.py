"""Text handling that depends on the language: search tokens, the language of a passage or question.

BM25 needs words. English words are runs of letters and digits, as they always were (so English search does not
change). Chinese is written without spaces: its words come from jieba's search-mode segmentation (which also
yields the shorter words inside long ones, so "共和国" in a question meets "中华人民共和国" in a passage), after
folding Traditional characters to Simplified (opencc t2s) so a question in either script finds a passage in the
other. Particles and question words ("的", "了", "什么", "哪") are dropped as English stopwords are: a passage
never contains the question's "哪个", and they would only add noise.

jieba and opencc are loaded on first use of Chinese text; English-only installs never pay for them.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Literal

Language = Literal["en", "zh"]

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it its me my of on or our should so that the their "
    "them then there these this to was we what when where which who why will with you your".split()
)
# Function words, particles and question words: frequent everywhere, or found only in questions.
ZH_STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 而 之 于 被 把 对 从 向 为 以 由 等 着 过 地 得 所 其 该 此 这 那 这个 那个 这些 那些 "
    "吗 呢 吧 啊 呀 嘛 么 哪 哪个 哪些 哪里 哪儿 什么 怎么 怎样 怎么样 如何 为什么 为何 谁 几 多少 是否 是不是 有没有 "
    "我 你 您 他 她 它 我们 你们 他们 她们 它们 请问 请 一个 个 还 又 会 能 可以 要 需要 应该 将 并 则 但 "
    "如果 因为 所以 以及 或者 还是 没有 有 哪一 哪一个 多久 多长 几个 哪两个 两个".split()
)

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _segmenter():
    """jieba's own default tokenizer, which the quizzes' Chinese (assessment.chinese) also cuts with: one copy of
    its dictionary (about 50 MB) in a process, not one per caller."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()
    return jieba.dt


@functools.lru_cache(maxsize=1)
def _folder():
    import opencc

    return opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    """Whether `text` holds Chinese characters."""
    return bool(HAN.search(text or ""))


def to_simplified(text: str) -> str:
    """Traditional characters folded to Simplified; text without Han characters is returned as it is."""
    if not has_han(text):
        return text
    with _lock:
        return _folder().convert(text)


def zh_words(text: str) -> list[str]:
    """Chinese search tokens: jieba search-mode words of every run of Han characters, stopwords dropped."""
    runs = _HAN_RUN.findall(to_simplified(text))
    if not runs:
        return []
    segmenter = _segmenter()
    with _lock:  # jieba's tokenizer keeps state while it segments
        words = [w for run in runs for w in segmenter.cut_for_search(run)]
    return [w for w in words if w not in ZH_STOPWORDS]


def zh_segments(text: str) -> list[str]:
    """Chinese words as written: jieba's precise segmentation of every run of Han characters (Simplified), each
    character once, stopwords kept (callers that look words up need to see them to join neighbours)."""
    runs = _HAN_RUN.findall(to_simplified(text))
    if not runs:
        return []
    segmenter = _segmenter()
    with _lock:
        return [w for run in runs for w in segmenter.lcut(run)]


def zh_word_frequency(word: str) -> int:
    """How often jieba's dictionary (a large general corpus) saw `word`: 0 when it never did."""
    return int(_segmenter().FREQ.get(to_simplified(word), 0) or 0)


def tokenize(text: str) -> list[str]:
    """BM25 tokens: English words (lower-cased, stopwords dropped) and, for Chinese text, jieba's words."""
    english = [t for t in map(_uncontracted, _TOKEN.findall(text.lower().replace("’", "'"))) if t not in STOPWORDS]
    return english + zh_words(text) if has_han(text) else english


def _uncontracted(token: str) -> str:
    """"employee's" is "employee", "what's" is "what" (a stopword), and any "…n't" is "not": a contraction is the
    word a passage writes, not a word of its own that no passage holds."""
    if "'" not in token:
        return token
    return "not" if token.endswith("n't") else token.split("'", 1)[0]


def detect_language(text: str) -> Language:
    """"zh" when a text is mainly Chinese, else "en". Text without Han characters is English without asking a
    detector; mixed text ("我的 VPN 连不上") is weighed by the `lingua` detector where installed, else by the
    share of Han characters (a Chinese word is about 1.5 characters)."""
    if not has_han(text):
        return "en"
    words = len(re.findall(r"[A-Za-z]{2,}", text))
    if not words:
        return "zh"
    detector = _detector()
    if detector is not None:
        found = detector.detect_language_of(text)
        if found is not None:
            return "zh" if found.name == "CHINESE" else "en"
    return "zh" if len(HAN.findall(text)) / 1.5 >= words else "en"


@functools.lru_cache(maxsize=1)
def _detector():
    try:
        from lingua import Language as Lingua, LanguageDetectorBuilder
    except ImportError:
        return None
    return LanguageDetectorBuilder.from_languages(Lingua.ENGLISH, Lingua.CHINESE).build()


def declared_language(value: object) -> Language | None:
    """A document's front matter `language:` ("zh", "zh-CN", "Chinese", "en"…) as "zh"/"en"; None if absent or
    another language."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if text.startswith(("zh", "chinese", "cn")) or text in {"中文", "汉语", "漢語", "简体中文", "繁體中文"}:
        return "zh"
    if text.startswith(("en", "english")):
        return "en"
    return None
