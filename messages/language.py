"""Which language a message is written in, so the tutor can answer in it.

The tutor speaks the languages that have a wording module (`catalog.LANGUAGES`); a message in one of them sets
the learner's language, and a message that shows no language ("ok", "2", "👍", a button's payload) leaves it as
it was. Chinese and English are told apart by their scripts; when a message mixes them ("我的 VPN 连不上"), the
`lingua` language detector (where installed: both environments install it) weighs the whole message, and
without it the share of Han characters decides. Traditional and Simplified Chinese are both "zh".

Standard library only, apart from the optional detector.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Optional

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_PAYLOAD = re.compile(r"^\s*/[a-z_]+")
_URL = re.compile(r"https?://\S+|<[^>\s]+>|`[^`]*`")
# A title in 《》 names a course in whatever language the course is written: "考考我《Information Security
# Basics》" is Chinese (the tutor's own Chinese buttons send titles that way).
_MARKED_TITLE = re.compile(r"《[^》]*》")
# One or two Latin letters alone answer a quiz ("b"), and a few Latin words are used in Chinese writing too
# (VPN, IT, HR): a message needs this many Latin words, and no Han, to count as English.
MIN_ENGLISH_WORDS = 1
SHORT_REPLIES = frozenset("ok okay k y n yes no yep nope sure thx ty lol".split())


def has_han(text: str) -> bool:
    """Whether `text` contains Chinese characters."""
    return bool(HAN.search(text or ""))


def detect_language(text: str) -> Optional[str]:
    """"zh", "en", or None when the message shows no language (numbers, emoji, a payload, "ok")."""
    text = unicodedata.normalize("NFKC", text or "")
    if _PAYLOAD.match(text):
        return None
    text = _MARKED_TITLE.sub(" ", _URL.sub(" ", text))
    han = len(HAN.findall(text))
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if han and words:
        return _mixed(text, han, words)
    if han:
        return "zh"
    if len(words) >= MIN_ENGLISH_WORDS and not set(words) <= SHORT_REPLIES:
        return "en"
    return None


def _mixed(text: str, han: int, words: list[str]) -> str:
    """A message with both scripts: the detector's choice between the two, else the share of Han (a Chinese
    word is about 1.5 characters)."""
    detector = _detector()
    if detector is not None:
        found = detector.detect_language_of(text)
        if found is not None:
            return "zh" if found.name == "CHINESE" else "en"
    return "zh" if han / 1.5 >= len(words) else "en"


@functools.lru_cache(maxsize=1)
def _detector():
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.CHINESE).build()


def language_of(text: str, known: Optional[str] = None, default: str = "en") -> str:
    """The language to answer `text` in: its own, else the learner's `known` one, else `default`."""
    return detect_language(text) or known or default
