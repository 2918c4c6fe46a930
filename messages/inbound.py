"""The one way incoming text is cleaned, by every channel and by the tutor itself (the CLI and evaluations call
the tutor without a channel in between). Cleaning twice is harmless: the result is already clean."""
from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Valid Unicode in compatibility form (NFKC: full-width "？" is "?", ligatures are letters), no control
    characters or lone surrogates, at most `limit` characters. Line breaks are kept."""
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", text))
    return text[:limit]
