"""Acronyms the courses define, spelled out for the reader where the question uses the words instead.

Company documents define an acronym once ("Paid Parental Leave (PPL)") and use it afterwards ("You must use the
PPL within a year of the child's birth"); employees ask in words ("… use my paid parental leave?"). The reader
then sees a sentence that shares none of the question's words for the thing asked about, and scores it below a
sentence that names the thing but does not answer. The definitions are read from the indexed passages
themselves, so nothing is configured and each company's own acronyms count.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

# "Long Form Words (LFW)": an acronym in parentheses, 2-10 characters, at least two capitals ("M&IE", "SMEs").
_IN_PARENTHESES = re.compile(r"\(([A-Z][A-Za-z0-9&]{1,9}?)s?\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Words an acronym's letters skip ("Office of the Chief Information Officer" is OCIO).
_SKIPPED = frozenset({"of", "and", "the", "for", "to", "in", "on", "a", "an", "at", "by", "with"})
_LOOK_BACK = 12  # words before the parenthesis the long form may span


def definitions(texts: Iterable[str]) -> dict[str, str]:
    """Acronym -> its long form (lower case), from every "Long Form (LF)" in `texts` whose words' initials spell
    the acronym; an acronym defined in several ways keeps its most frequent long form."""
    found: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        for match in _IN_PARENTHESES.finditer(text):
            acronym = match.group(1)
            if sum(c.isupper() for c in acronym) < 2:
                continue
            words = _WORD.findall(text[max(0, match.start() - 160):match.start()])[-_LOOK_BACK:]
            long_form = _long_form(words, acronym)
            if long_form:
                found[acronym][long_form] += 1
    return {acronym: forms.most_common(1)[0][0] for acronym, forms in found.items()}


def _long_form(words: list[str], acronym: str) -> str | None:
    """The shortest run of words ending just before the parenthesis whose initials (skipping short function
    words inside it) are the acronym's letters."""
    letters = [c for c in acronym.lower() if c.isalpha()]
    for start in range(len(words) - 1, -1, -1):
        run = words[start:]
        if run[0].lower() in _SKIPPED:
            continue
        initials = [w[0].lower() for w in run if w.lower() not in _SKIPPED]
        if initials == letters:
            return " ".join(run).lower()
        if len(initials) > len(letters):
            return None
    return None


def _pattern(acronym: str) -> re.Pattern:
    return re.compile(rf"(?<![\w&]){re.escape(acronym)}(?![\w&])")


def spell_out(text: str, question_words: set[str], table: dict[str, str]) -> str:
    """`text` with each acronym whose long form shares a word with the question (and that the question does not
    use itself) spelled out at its first use: "use the PPL within a year" -> "use the paid parental leave (PPL)
    within a year". `question_words`: the question's words in lower case."""
    if not table or not text:
        return text
    for acronym in [a for a in table if a in text]:
        long_form = table[acronym]
        if acronym.lower() in question_words or long_form in text.lower():
            continue
        if not question_words & (set(long_form.split()) - _SKIPPED):
            continue
        text = _pattern(acronym).sub(f"{long_form} ({acronym})", text, count=1)
    return text


def words_of(question: str) -> set[str]:
    """The question's words in lower case, as `spell_out` compares them."""
    return {w.lower().strip("'’") for w in _WORD.findall(question)}
