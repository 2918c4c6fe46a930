"""Does a learner's message read as a content question? A score from its form, shared by the NLU (which sends
question-like messages to the tutor when a command intent was predicted without much confidence), the
fallback action and the console's content gaps. Standard library only.

The score combines signals of form, not topics: a question mark (also the full-width "？" of Chinese and
Japanese), an interrogative opening of the message or of one of its clauses ("I'm a designer, what training do
I need…?"), numbers and amounts ("$40", "30 days"), how much it says, and — when the caller knows the words a
command is made of — how much of it lies beyond that command's vocabulary. Chinese, Japanese and Korean text
has no spaces, so each of its characters counts as half a word and its question particles as an interrogative;
novelty is measured on its characters, or on its words when the caller segments it (the NLU's router does).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import AbstractSet, Callable, Iterable, Optional

# Function words that open English questions: the closed class of interrogatives and the auxiliaries that start
# yes/no questions. Not a topic list: the same few words open every question.
INTERROGATIVES = frozenset(
    "what whats what's how hows how's why when whens when's where wheres where's which who whos who's whom whose "
    "can could should would will shall may might must is isn't are aren't am was wasn't were weren't "
    "do don't does doesn't did didn't have has hasn't haven't had can't cannot won't wouldn't shouldn't couldn't".split()
)
# Verbs that ask for an explanation in the imperative ("explain how bonuses are calculated").
INQUIRIES = frozenset("explain describe define clarify compare".split())
# Question particles and words of Chinese, Japanese and Korean: the CJK counterpart of INTERROGATIVES.
CJK_INTERROGATIVES = ("吗", "嗎", "呢", "什么", "什麼", "甚麼", "啥", "怎么", "怎麼", "怎样", "怎樣", "咋", "如何", "多少", "多长",
                      "多長", "多久", "几", "幾", "哪", "谁", "誰", "为什么", "為什麼", "为何", "為何", "是否", "是不是",
                      "有没有", "有沒有", "能不能", "可不可以", "会不会", "會不會", "能否", "可否",
                      "か", "何", "どう", "なぜ", "いつ", "どこ", "까", "무엇", "어떻게", "왜", "언제")

QUESTION_MARKS = "?？¿؟"
_CJK_CHARACTER = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"  # kana, CJK ideographs, Hangul
_CJK = re.compile(_CJK_CHARACTER)
_CJK_RUN = re.compile(f"({_CJK_CHARACTER}+)")
_LETTERS = r"[^\W\d_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+"  # a word of other scripts
_TOKEN = re.compile(_CJK_CHARACTER + rf"|{_LETTERS}(?:['’]{_LETTERS})?|\d+(?:[.,]\d+)*")
_CLAUSE = re.compile(r"[,;:—–(]|\s-\s|\b(?:and|but|so|then)\b", re.IGNORECASE)
_AMOUNT = re.compile(r"\d|[$€£¥₹]")

# Weights of the logistic score; set by hand on the routing development set (tests/rasa/routing_dev.yml).
BIAS = -3.6
W_QUESTION_MARK = 1.8
W_INTERROGATIVE_START = 1.4
W_INTERROGATIVE_CLAUSE = 1.2
W_INQUIRY = 1.4
W_AMOUNT = 0.8
W_LENGTH = 2.4      # times min(words, 12) / 12
W_NOVELTY = 4.0     # times the share of the content words new to the command
NEUTRAL_NOVELTY = 0.5  # when no vocabulary is given
THRESHOLD = 0.5


def tokens(text: str, segment: Optional[Callable[[str], Iterable[str]]] = None) -> list[str]:
    """Lower-case words; each CJK character is a token of its own, or, given `segment` (a word segmenter for a run
    of CJK characters, such as the NLU's), each CJK word."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("’", "'")
    if segment is None:
        return _TOKEN.findall(text)
    words: list[str] = []
    for piece in _CJK_RUN.split(text):
        words += [w for w in segment(piece) if w.strip()] if _CJK_RUN.fullmatch(piece) else _TOKEN.findall(piece)
    return words


def word_key(word: str) -> str:
    """The form a word is compared in when measuring novelty: plural -s dropped ("things" ~ "thing")."""
    if len(word) > 4 and word.isalpha() and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class QuestionSignals:
    """What the score is made of, for logs and the console."""

    question_mark: bool
    interrogative_start: bool
    interrogative_clause: bool
    inquiry: bool
    amount: bool
    words: float
    novelty: float
    cjk: bool

    def score(self) -> float:
        z = (BIAS + W_QUESTION_MARK * self.question_mark + W_INTERROGATIVE_START * self.interrogative_start
             + W_INTERROGATIVE_CLAUSE * (self.interrogative_clause and not self.interrogative_start)
             + W_INQUIRY * self.inquiry + W_AMOUNT * self.amount + W_LENGTH * min(self.words, 12.0) / 12.0
             + W_NOVELTY * self.novelty)
        return 1.0 / (1.0 + math.exp(-z))


def signals(text: str, vocabulary: Optional[AbstractSet[str]] = None, common: AbstractSet[str] = frozenset(),
            segment: Optional[Callable[[str], Iterable[str]]] = None) -> QuestionSignals:
    """The signals of `text`. `vocabulary`: the words of the command it was taken for, if known; `common`: words
    every kind of message uses (left out when measuring how much of the message is new to the command);
    `segment`: the word segmenter of CJK text the vocabulary was made with (else it holds single characters)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    words = tokens(text)
    cjk_chars = sum(1 for w in words if _CJK.fullmatch(w))
    count = (len(words) - cjk_chars) + cjk_chars / 2.0
    clauses = [tokens(c) for c in _CLAUSE.split(text)]
    openers = [c[0] for c in clauses if c]
    cjk = cjk_chars > 0
    interrogative_start = bool(words) and words[0] in INTERROGATIVES
    interrogative_clause = any(o in INTERROGATIVES for o in openers[1:]) or (cjk and any(q in text for q in CJK_INTERROGATIVES))
    content = [word_key(w) for w in (tokens(text, segment) if segment and cjk else words) if word_key(w) not in common]
    if vocabulary is None or not content:
        novelty = NEUTRAL_NOVELTY if vocabulary is None and content else 0.0
    else:
        novelty = sum(1 for w in content if w not in vocabulary) / len(content)
    return QuestionSignals(
        question_mark=any(m in text for m in QUESTION_MARKS), interrogative_start=interrogative_start,
        interrogative_clause=interrogative_clause, inquiry=bool(words) and words[0] in INQUIRIES,
        amount=bool(_AMOUNT.search(text)), words=count, novelty=novelty, cjk=cjk,
    )


def question_likeness(text: str, vocabulary: Optional[AbstractSet[str]] = None, common: AbstractSet[str] = frozenset()) -> float:
    """0–1: how much `text` reads as a content question (see the module's description and `signals`)."""
    return signals(text, vocabulary, common).score()


def looks_like_question(text: str) -> bool:
    """Whether `text` reads as a question, with nothing known about what else it might be."""
    return question_likeness(text) >= THRESHOLD
