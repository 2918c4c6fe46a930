"""Cloze questions from Chinese passages: which term to blank, in which sentence, and distractors of its kind.

English finds terms between spaces; Chinese has none, so terms come from jieba's segments: authored bold
phrases first, then numbers with a unit (durations, amounts, counts: the facts workplace courses test), then
noun compounds rare in the corpus. Particles, function words, single characters and generic nouns are never
blanked, nor is anything inside a link, inline code, an HTML tag or a URL. Sentences end at 。！？； (and line
breaks), not at English full stops. Distractors are of the blank's kind: other durations for a duration (the
course's own, else the same unit with other numbers), other nouns of similar length for a noun, ranked by the
multilingual encoder so they are related but not synonyms.
"""
from __future__ import annotations

import random
import re
from typing import Sequence

from .chinese import HAN, STOPWORDS, chinese_number, quantities, tagged
from .distractors import nearest_unlike

BLANK = "_____"
PROMPT_PREFIX = "填空："
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
# Markup whose inside is never blanked: links and images, inline code, HTML tags, bare URLs and e-mail addresses.
_PROTECTED = re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)|`[^`\n]*`|<[^>\n]+>|https?://\S+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_BOLD = re.compile(r"\*\*([^*\n]{2,20})\*\*")
_NUMERAL = r"(?:\d+(?:[.,]\d+)?|[一二两三四五六七八九十百千万]+)"
DURATION_UNITS = ("个工作日", "工作日", "个小时", "小时", "分钟", "个月", "天", "周", "年", "秒")
AMOUNT_UNITS = ("万元", "美元", "欧元", "元", "%")
COUNT_UNITS = ("个字符", "字符", "次", "人", "名", "位", "页", "岁", "台", "张", "项", "条")
_RANGE = r"(?:以内|之内|内|以上|以下|左右)?"
# Digits with any unit; Chinese numerals only with a duration or an amount (一次, 三条 are words, not facts).
_QUANTITY = re.compile(r"(?:[¥￥$]\s*)?(?:\d+(?:[.,]\d+)?\s*(?:" + "|".join(DURATION_UNITS + AMOUNT_UNITS + COUNT_UNITS)
                       + r")|[一二两三四五六七八九十百千万]+(?:" + "|".join(DURATION_UNITS + AMOUNT_UNITS) + r"))" + _RANGE)
# Parts of speech that make up a term: nouns (of several kinds) and an adjective-noun's first part (安全+团队).
_NOUNS = ("n", "nz", "nt", "nl")
_HEAD = _NOUNS + ("an",)
# Nouns too general to test anyone on.
GENERIC = frozenset("""公司 员工 时间 问题 情况 方式 内容 工作 人员 部门 信息 要求 规定 系统 时候 事情 东西 方面 地方 过程 结果
原因 方法 作用 能力 需要 数据 文件 课程 大多数 任何人 同事 领导 别人 所有人 全部 一切 部分""".split())
MAX_TERM_CHARS = 6
_CN_DIGITS = "零一二三四五六七八九"


def split_sentences(text: str) -> list[str]:
    """Sentences of a Chinese passage, each with its closing mark; list items and headings come out alone."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _protected(sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PROTECTED.finditer(sentence)]


def _free(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return all(end <= a or start >= b for a, b in spans)


def term_kind(term: str) -> str:
    """duration, amount, count, acronym, action (a verb phrase: 断开网络) or term: distractors are drawn from
    the same kind."""
    match = _QUANTITY.fullmatch(term.strip())
    if match:
        unit = re.sub(r"^[¥￥$\s]*" + _NUMERAL + r"\s*", "", term.strip())
        unit = re.sub(_RANGE + "$", "", unit)
        return "duration" if unit in DURATION_UNITS else "amount" if unit in AMOUNT_UNITS or term[0] in "¥￥$" else "count"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{1,9}", term):
        return "acronym"
    words = tagged(term)
    return "action" if words and words[0][1].startswith("v") and words[0][1] != "vn" else "term"


def _unprotected(text: str) -> str:
    """The passage with its markup spans blanked out (same length), for finding candidate terms."""
    return _PROTECTED.sub(lambda m: " " * len(m.group(0)), text)


def noun_terms(text: str) -> list[str]:
    """Noun compounds (adjacent nouns of two characters or more, joined up to a few characters: 安全+团队) and
    upper-case acronyms. A one-character noun ends a compound: jieba tags 时 in 工位时 and 问 in 同事问 as nouns."""
    found: list[str] = []
    current = ""
    for word, flag in tagged(_unprotected(text).replace("**", " ")) + [("", "x")]:
        nouny = len(word) >= 2 and bool(HAN.search(word)) and flag in (_HEAD if not current else _NOUNS)
        if nouny and len(current + word) <= MAX_TERM_CHARS:
            current += word
            continue
        if current:
            found.append(current)
        current = word if nouny else ""
        if flag == "eng" and re.fullmatch(r"[A-Z]{2,6}", word):
            found.append(word)
    return [t for t in dict.fromkeys(found) if usable_zh_term(t) and tagged(t)[-1][1] != "an"]


def usable_zh_term(term: str) -> bool:
    """Worth blanking: two characters or more, not a particle, function word or generic noun."""
    term = term.strip()
    if term_kind(term) != "term":
        return True
    return 2 <= len(term) <= MAX_TERM_CHARS and term not in STOPWORDS and term not in GENERIC and bool(HAN.search(term))


def _names_a_thing(phrase: str) -> bool:
    """A bold phrase worth blanking names something: a quantity, an acronym, or words ending in a noun (a
    Chinese phrase ends in its head); not an adverb (立即) or a clause (发件人对不上)."""
    if term_kind(phrase) not in ("term", "action"):
        return True
    words = [(w, f) for w, f in tagged(phrase) if w.strip()]
    return (bool(words) and words[-1][1].startswith(("n", "vn", "eng")) and words[0][0] not in ("不要", "不", "别", "请")
            and words[0][1][0] not in "dpcru")  # not led by an adverb, preposition, conjunction, pronoun or particle


def zh_key_terms(text: str, idf: dict[str, float] | None = None, salient: int = 3) -> list[str]:
    """Terms of a Chinese passage in the order they are worth asking: bold phrases, numbers with units, then
    its rarest noun compounds by corpus IDF."""
    free = _unprotected(text)
    found = [m.group(1).strip() for m in _BOLD.finditer(free)]
    found = [t for t in found if usable_zh_term(t) and len(t) <= 12 and not re.search(r"[，。；：、]", t) and _names_a_thing(t)]
    found += [m.group(0).strip() for m in _QUANTITY.finditer(free.replace("**", ""))]
    units = DURATION_UNITS + AMOUNT_UNITS + COUNT_UNITS
    nouns = [t for t in noun_terms(text) if t not in found and t not in units]
    if idf:
        nouns.sort(key=lambda t: -idf.get(t, 0.0))
    return list(dict.fromkeys(found + nouns[:salient]))


def cloze(text: str, term: str) -> tuple[str, str] | None:
    """(the plain sentence, the prompt with its blank) for the first clean sentence holding `term` outside any
    markup; None when no sentence fits (too short or long, a list item ending in a colon, a table row)."""
    for sentence in split_sentences(text):
        if sentence.startswith(("|", "#", "```")) or sentence.endswith(("：", ":")):
            continue
        body = re.sub(r"^(?:[-*+]|\d+[.)、])\s+", "", sentence)
        spans = _protected(body)
        start = body.find(term)
        while start >= 0 and not _free(start, start + len(term), spans):
            start = body.find(term, start + 1)
        if start < 0:
            continue
        plain, prompt = _plain(body), _plain(body[:start] + "\x00" + body[start + len(term):]).replace("\x00", BLANK)
        han = len(HAN.findall(plain))
        if 8 <= han <= 80 and BLANK in prompt and term.replace("**", "") not in prompt:
            return plain, prompt
    return None


def _plain(text: str) -> str:
    """Markdown turned to what a reader sees: link text for links, code without backticks, no bold markers."""
    text = re.sub(r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    return " ".join(text.replace("**", "").replace("`", "").split())


def _split_quantity(term: str) -> tuple[str, str, str] | None:
    match = re.fullmatch(r"([¥￥$]?\s*)(" + _NUMERAL + r")(\s*)(\D*)", term.strip())
    return (match.group(1), match.group(2), match.group(3) + match.group(4)) if match else None


def to_chinese(n: int) -> str:
    """A small integer written in Chinese numerals (for distractors of 三十天 written as the course writes it)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest]) if rest < 10 else ("一" + to_chinese(rest)) if rest < 20 else to_chinese(rest)
        return _CN_DIGITS[hundreds] + "百" + tail
    return str(n)


def quantity_variants(term: str) -> list[str]:
    """The same unit with other plausible numbers: 24 小时 → 12 小时, 48 小时, 72 小时."""
    parts = _split_quantity(term)
    if parts is None:
        return []
    prefix, number, unit = parts
    chinese = not number[0].isdigit()
    value = chinese_number(number) if chinese else float(number.replace(",", ""))
    if not value:
        return []
    ladder = [value / 2, value * 2, value * 3, value * 4] if value >= 2 else [value * 2, value * 3, value * 5]
    out = []
    for v in ladder:
        if v != int(v) or v == value:
            continue
        shown = to_chinese(int(v)) if chinese else f"{int(v)}"
        out.append(f"{prefix}{shown}{unit}")
    return list(dict.fromkeys(out))[:3]


def zh_distractors(term: str, pool: Sequence[str], embedder, rng: random.Random, synonym_cosine: float = 0.75) -> list[str]:
    """Three wrong options of the blank's kind: the course's other quantities of that kind (never one equal
    to the answer: 一个月 for 30 天) topped up with the same unit's other numbers; for a noun, related nouns of
    similar length that are not near-synonyms; [] when there are not three."""
    kind = term_kind(term)
    others = [t for t in dict.fromkeys(pool) if t != term and term_kind(t) == kind and t not in term and term not in t]
    if kind in ("duration", "amount", "count"):
        same = [t for t in others if not quantities(t) & quantities(term) and quantities(t)]
        unit = (_split_quantity(term) or ("", "", ""))[2].strip()
        same = [t for t in same if (_split_quantity(t) or ("", "", ""))[2].strip() == unit or kind == "duration"]
        rng.shuffle(same)
        chosen: list[str] = []
        seen = set(quantities(term))
        for t in same[:2] + quantity_variants(term):  # each option a different amount: 一个小时 and 1 小时 are one
            if quantities(t) and not quantities(t) & seen:
                chosen.append(t)
                seen |= quantities(t)
        return chosen[:3] if len(chosen) >= 3 else []
    if kind == "term":
        others = [t for t in others if abs(len(t) - len(term)) <= 2 and HAN.search(t)]
    return nearest_unlike(term, others, embedder, rng, synonym_cosine)
