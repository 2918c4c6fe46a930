"""Learner-facing wording by key, one module per language (`en.py`, …), looked up with `say`.

A text is a `str.format` template; one that depends on a count is a dict of forms ("one", "other") chosen by the
`count` value. A language module holds the same keys as English; a key it lacks falls back to English.
"""
from __future__ import annotations

from typing import Any, Dict, Union

from . import en, zh

Text = Union[str, Dict[str, str]]

DEFAULT_LANGUAGE = "en"
LANGUAGES: Dict[str, Dict[str, Text]] = {"en": en.TEXTS, "zh": zh.TEXTS}


def say(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text for `key` in `lang`, filled with `values`. An unknown key is a programming error (KeyError)."""
    texts = LANGUAGES.get(lang) or LANGUAGES[DEFAULT_LANGUAGE]
    template = texts.get(key)
    if template is None:
        template = LANGUAGES[DEFAULT_LANGUAGE][key]
    if isinstance(template, dict):
        template = template["one"] if values.get("count") == 1 and "one" in template else template["other"]
    return template.format(**values)


def has_text(key: str) -> bool:
    """Whether the wording has `key` (in English, which every language falls back to)."""
    return key in LANGUAGES[DEFAULT_LANGUAGE]
