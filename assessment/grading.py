"""Grading: exact for multiple choice; short free text by normalised match, near-spelling and semantic
similarity plus key-term overlap against the reference, with a threshold calibrated on SciQ
(`eval/quality/assessment_eval.py`) for a key that names a term, and a lower one, calibrated on the handbook
answers of `eval/handbook/grading.yaml`, for a key that states something ("report it to the security team
immediately"): a clause can be said in more ways than a term, and its paraphrases score lower. An answer that states something in other words ("it's lost" for "it is
forfeited") is also read with its WordNet synonyms of the reference's words put as the reference says them
(`assessment/synonyms.py`), for the scores and for the negation and amount checks alike; a bare term
("malleability") is asked for as itself, not as a near-synonym.

Chinese answers (or references) take their own path, since Chinese has no spaces to split words on and the
English embedder cannot judge it: both sides are folded (Traditional to Simplified, numerals to digits), matched
on characters and jieba's segments, refused when one is negated and the other not or when they name different
quantities, and scored with the multilingual encoder. Its threshold and weight are calibrated on the
hand-written cases in `tests/data/grading_zh.jsonl` (checked by tests/unit/test_grading_zh.py)."""
from __future__ import annotations

import difflib
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import chinese
from .errors import InvalidAnswer
from .synonyms import FUNCTION_WORDS, WordNet, wordnet

_LETTERS = "abcdefgh"
_OPTION = re.compile(r"^\s*(?:option|answer|choice|number|no\.?)?\s*\(?([1-8a-h])\)?[.):]?\s*$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|isn't|isnt|no|never|neither|nor)\b")
_STOP = frozenset("a an the of to in on for and or is are it its it's i think maybe be by with that this was".split())
MAX_ANSWER_CHARS = 500
# Calibrated on tests/data/grading_zh.jsonl (52 cases): 0.98 of them graded as written; 0.94 on average on a
# held-out half when the pair is chosen on the other half.
ZH_THRESHOLD = 0.53
ZH_SIMILARITY_WEIGHT = 0.8


# A reply in other words chooses an option when it scores at least OPTION_FLOOR against it (options are short:
# lower than the free-text threshold) and OPTION_MARGIN more than against any other option.
OPTION_FLOOR = 0.45
OPTION_MARGIN = 0.15
_NEGATOR = re.compile(r"^(not|never|neither|nor|cannot|can't|don't|doesn't|didn't|isn't|aren't|wasn't|won't|"
                      r"shouldn't|mustn't|no)$")
_UNITS = {"hour": ("h", 1), "day": ("d", 1), "week": ("d", 7), "month": ("mo", 1), "year": ("mo", 12),
          "minute": ("min", 1), "dollar": ("$", 1), "percent": ("%", 1), "%": ("%", 1), "$": ("$", 1)}
_UNIT_MODIFIERS = frozenset("business calendar work working full whole".split())
_ONES = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                    "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}


def _words(text: str) -> list[str]:
    return re.findall(r"\$|%|\d[\d,]*(?:\.\d+)?|[a-z]+(?:'[a-z]+)?", text.lower().replace("’", "'").replace("-", " "))


def quantities(text: str) -> set[tuple[str, float]]:
    """The amounts an English answer names, as (unit, value) in one base unit per kind: "12 months" and "one
    year", "104 hours" and "one hundred and four hours", "$75" and "75 dollars" name the same. A bare number is
    ("", value)."""
    words, out, i = _words(text), set(), 0
    while i < len(words):
        value, j = _number_at(words, i)
        if value is None:
            i += 1
            continue
        before = words[i - 1] if i else ""
        if j + 1 < len(words) and words[j] in _UNIT_MODIFIERS:  # "10 business days", "120 calendar days"
            j += 1
        unit = words[j].rstrip("s") if j < len(words) else ""
        if before == "$":
            out.add(("$", value))
        elif unit in _UNITS:
            base, factor = _UNITS[unit]
            out.add((base, value * factor))
        else:  # a bare number ("6", "six per week")
            out.add(("", value))
        i = max(j, i + 1)
    return out


def _number_at(words: list[str], i: int) -> tuple[float | None, int]:
    """A number written in digits or words starting at words[i] ("one hundred and twenty", "seventy five"),
    and the index after it; "a year" counts as one year."""
    word = words[i]
    if word[0].isdigit():
        return float(word.replace(",", "")), i + 1
    if word in ("a", "an") and i + 1 < len(words):  # "a year", "a calendar year", "a business day"
        k = i + 2 if words[i + 1] in _UNIT_MODIFIERS and i + 2 < len(words) else i + 1
        if words[k].rstrip("s") in _UNITS and words[k] not in ("$", "%"):
            return 1.0, k
    total, current, j, seen = 0.0, 0.0, i, False
    while j < len(words):
        w = words[j]
        if w in _ONES:
            current += _ONES[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred" and seen:
            current *= 100
        elif w == "thousand" and seen:
            total, current = total + current * 1000, 0.0
        elif w == "and" and seen and j + 1 < len(words) and (words[j + 1] in _ONES or words[j + 1] in _TENS):
            pass
        else:
            break
        seen = True
        j += 1
    return (total + current, j) if seen else (None, i)


def negated_words(text: str) -> set[str]:
    """Content words an answer negates: those within three words after "not", "never", "don't", "no" ... ("it
    is not paid out" negates "paid")."""
    words = _words(text)
    out: set[str] = set()
    for i, word in enumerate(words):
        if _NEGATOR.match(word) or word.endswith("n't"):
            out |= {_stem(w) for w in words[i + 1:i + 4] if w not in _STOP and not _NEGATOR.match(w)}
    return out


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _same_amount(said: set[tuple[str, float]], ref: set[tuple[str, float]]) -> bool:
    """Whether one amount of the response is one of the reference's (a bare number matches any unit)."""
    return any(v == rv and (u == ru or not u or not ru) for u, v in said for ru, rv in ref)


def same_amount_and_terms(response: str, reference: str) -> bool:
    """The response names the reference's amount and at least half of its other content words ("6 hours each pay
    period" for "6 hours per pay period"; not "4 hours per pay period" for "4 hours per leave year")."""
    ref_q = quantities(reference)
    if not ref_q or not _same_amount(quantities(response), ref_q):
        return False
    numberish = set(_ONES) | set(_TENS) | {"hundred", "thousand", "and"} | {u + "s" for u in _UNITS} | set(_UNITS)
    rest = {_stem(w) for w in _words(reference) if w not in _STOP and w not in numberish and not w[0].isdigit()
            and w not in ("up", "maximum", "most", "least", "per", "each", "every", "$", "%")}
    said = {_stem(w) for w in _words(response)}
    if not rest or len(rest & said) >= len(rest) / 2:
        return True
    # Or the amount alone, with nothing the reference does not say ("up to seven days", "7 days a year" for "up to
    # 7 days during a calendar year"): shorter, but not another period or condition ("4 hours per pay period" for
    # "4 hours per leave year" adds "pay period", "4 hours every week" another amount).
    extra = {_stem(w) for w in _words(response) if w not in _STOP and w not in numberish and not w[0].isdigit()
             and w not in ("up", "maximum", "most", "least", "per", "each", "every", "$", "%", "about", "only", "just")}
    return not extra - {_stem(w) for w in _words(reference)} and quantities(response) <= ref_q


def contradicts(response: str, reference: str) -> str | None:
    """Why the response states the opposite of the reference or another amount; None when it does not."""
    said_q, ref_q = quantities(response), quantities(reference)
    if ref_q and said_q and not _same_amount(said_q, ref_q):
        units = {u for u, _ in ref_q}
        if {u for u, _ in said_q} & units or not any(u for u, _ in said_q):
            return "a different amount"
        return "a different unit"
    said = {_stem(w) for w in _words(response) if w not in _STOP}
    ref = {_stem(w) for w in _words(reference) if w not in _STOP}
    if (negated_words(response) - negated_words(reference)) & ref:
        return "the reference is negated"
    if (negated_words(reference) - negated_words(response)) & said:
        return "the reference is negated"
    return None


def _without_question(response: str, question: str, reference: str) -> str:
    """The reply without the words it repeats from the question (those of the reference kept); "" when that
    leaves nothing or changes nothing."""
    if not question:
        return ""
    asked = {_stem(w) for w in _words(question) if w not in _STOP} - {_stem(w) for w in _words(reference)}
    kept = [w for w in _words(response) if _stem(w) not in asked]
    own = " ".join(kept)
    return own if kept and len(kept) < len(_words(response)) and content_words(own) else ""


@dataclass
class Grade:
    correct: bool
    score: float
    reason: str


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’" else ch for ch in text)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def content_words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in _STOP]


def check_answer_text(response: str) -> str:
    """Refuse replies that cannot be an answer (InvalidAnswer says which way, for the shells to word)."""
    text = (response or "").strip()
    if not text:
        raise InvalidAnswer("empty")
    if not any(ch.isalnum() for ch in text):
        raise InvalidAnswer("symbols")
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidAnswer("too_long", length=len(text), limit=MAX_ANSWER_CHARS)
    return text


def parse_choice(response: str, options: Sequence[str]) -> int:
    """Index of the chosen option from '2', 'b', 'B)', 'option 2' or the option's text."""
    text = check_answer_text(response)
    match = _OPTION.match(text)
    if match:
        token = match.group(1).lower()
        index = int(token) - 1 if token.isdigit() else _LETTERS.index(token)
        if 0 <= index < len(options):
            return index
        raise InvalidAnswer("out_of_range", count=len(options))
    wanted = normalise(text)
    for i, option in enumerate(options):
        if normalise(option) == wanted:
            return i
    raise InvalidAnswer("not_an_option", count=len(options))


def names_a_term(reference: str) -> bool:
    """Whether a key is a bare term ("malleability", "the nuclear fusion"), with no function word of a clause
    ("report it to the security team immediately", "within one year")."""
    return all(w in ("a", "an", "the") or w not in FUNCTION_WORDS for w in _words(reference))


class Grader:
    """Grades short free-text answers; `embedder` is any retrieval.Embedder."""

    def __init__(self, embedder, threshold: float = 0.75, similarity_weight: float = 0.6, zh_threshold: float = ZH_THRESHOLD,
                 zh_similarity_weight: float = ZH_SIMILARITY_WEIGHT, multilingual=None,
                 synonyms: WordNet | bool = True, statement_threshold: float | None = None) -> None:
        """`synonyms`: WordNet synonyms count as the reference's words (True: the process's shared WordNet,
        opened on the first free-text grade that needs it; False: none; or a WordNet of one's own).
        `statement_threshold`: the threshold for a reference that states something rather than naming a term
        (None: `threshold` for every reference)."""
        self.embedder = embedder
        self._synonyms = synonyms
        self.threshold = threshold
        self.statement_threshold = threshold if statement_threshold is None else statement_threshold
        self.similarity_weight = similarity_weight
        self.zh_threshold = zh_threshold
        self.zh_similarity_weight = zh_similarity_weight
        self._multilingual = multilingual  # judges Chinese; the shared USE encoder unless one is given

    @classmethod
    def from_settings(cls, embedder, settings, multilingual=None) -> "Grader":
        """The grader `settings` (AssessmentSettings) describe: what the quiz uses and the evaluation measures."""
        return cls(embedder, settings.grading_threshold, settings.similarity_weight, multilingual=multilingual,
                   synonyms=settings.grading_synonyms, statement_threshold=settings.statement_grading_threshold)

    @property
    def multilingual(self):
        if self._multilingual is None:
            self._multilingual = chinese.multilingual_embedder()
        return self._multilingual

    def grade_choice(self, response: str, options: Sequence[str], answer: str) -> Grade:
        try:
            chosen = parse_choice(response, options)
        except InvalidAnswer as exc:
            chosen = self.paraphrased_option(response, options) if exc.code == "not_an_option" else None
            if chosen is None:
                raise
        correct = normalise(options[chosen]) == normalise(answer)
        return Grade(correct, 1.0 if correct else 0.0, f"chose option {chosen + 1}")

    def paraphrased_option(self, response: str, options: Sequence[str]) -> int | None:
        """The option a learner wrote in other words ("report it right away" for "Report it immediately"):
        the one nearest in meaning, when it is near enough and clearly nearer than the others; None otherwise,
        so the learner is asked to pick rather than being graded on a guess."""
        if self.embedder is None or len(options) < 2 or chinese.has_han(response):
            return None
        if negated_words(response) and not any(negated_words(o) for o in options):
            return None
        scores = [self.score(response, option) for option in options]
        order = sorted(range(len(options)), key=lambda i: -scores[i])
        best, second = scores[order[0]], scores[order[1]]
        if best >= OPTION_FLOOR and best - second >= OPTION_MARGIN:
            return order[0]
        return None

    def grade_text(self, response: str, reference: str, wrong: Sequence[str] = (), question: str = "") -> Grade:
        """`question`, the prompt answered: words a reply repeats from it ("the supervisor approves it" for "Who
        approves …?") say nothing about the answer, so they do not count against its meaning."""
        text = check_answer_text(response)
        if chinese.has_han(text) or chinese.has_han(reference):
            return self._grade_chinese(text, reference, wrong)
        said, ref = normalise(text), normalise(reference)
        if not ref:
            return Grade(False, 0.0, "no reference answer")
        padded = f" {said} "
        names_wrong = [w for w in wrong if normalise(w) and f" {normalise(w)} " in padded and normalise(w) not in ref]
        if f" {ref} " in padded:
            before = said.split(ref, 1)[0]
            if _NEGATION.search(before.split()[-1] if before.split() else ""):
                return Grade(False, 0.0, "the reference is negated")
            if names_wrong:
                return Grade(False, 0.2, "also names a wrong option")
            return Grade(True, 1.0, "matches the reference")
        reworded = self.reworded(text, reference)
        contradiction = contradicts(text, reference) or (reworded and contradicts(reworded, reference))
        if contradiction:
            return Grade(False, 0.0, contradiction)
        if same_amount_and_terms(text, reference) and not names_wrong:
            return Grade(True, 0.95, "names the same amount")
        if self._near_spelling(said, ref) and not names_wrong:
            return Grade(True, 0.95, "matches the reference, allowing for spelling")
        readings = [text, _without_question(text, question, reference)]
        if reworded:
            readings += [reworded, _without_question(reworded, question, reference)]
        score = max(self.scores([r for r in dict.fromkeys(readings) if r], reference))
        threshold = self.threshold if names_a_term(reference) else self.statement_threshold
        return Grade(score >= threshold and not names_wrong, score, "semantic match" if score >= threshold else "does not match")

    def reworded(self, response: str, reference: str) -> str:
        """The response with the words it says in other words put as the reference says them ("tell the security
        team immediately" for "tell the security team right away", against "report it to the security team
        immediately"), so that key-term overlap and the embedding both see them; "" when it has no such words."""
        if self._synonyms is False:
            return ""
        if names_a_term(reference):
            return ""  # a bare term ("malleability", "nuclear fusion") asks for that term, not a near-synonym
        said, ref = _words(response), _words(reference)
        net = wordnet() if self._synonyms is True else self._synonyms
        spans = net.spans(said, ref)
        if not spans:
            return ""
        out, at = [], 0
        for start, end, ref_start, ref_end in spans:
            out += said[at:start] + ref[ref_start:ref_end]
            at = end
        return " ".join(out + said[at:])

    def score(self, response: str, reference: str) -> float:
        """Blend of embedding cosine and the share of the reference's content words present."""
        return self.scores([response], reference)[0]

    def scores(self, responses: Sequence[str], reference: str) -> list[float]:
        """`score` of several readings of one reply against the reference, embedded together."""
        vectors = self.embedder.embed([*responses, reference])
        ref_words = {_stem(w) for w in content_words(reference)}
        out = []
        for response, vector in zip(responses, vectors):
            cosine = float(np.dot(vector, vectors[-1]))
            overlap = len(ref_words & {_stem(w) for w in content_words(response)}) / len(ref_words) if ref_words else 0.0
            out.append(self.similarity_weight * cosine + (1 - self.similarity_weight) * overlap)
        return out

    def _grade_chinese(self, text: str, reference: str, wrong: Sequence[str]) -> Grade:
        """Chinese (or mixed) text: containment on folded characters, then the rules that embeddings miss
        (negation, quantities), then a near-spelling match and the multilingual score."""
        said, ref = chinese.compact(text), chinese.compact(reference)
        if not ref:
            return Grade(False, 0.0, "no reference answer")
        names_wrong = [w for w in wrong if chinese.compact(w) and chinese.compact(w) in said and chinese.compact(w) not in ref]
        flipped = chinese.negated(text) != chinese.negated(reference)
        if ref in said and not flipped:
            if names_wrong:
                return Grade(False, 0.2, "also names a wrong option")
            return Grade(True, 1.0, "matches the reference")
        if flipped:
            return Grade(False, 0.0, "the reference is negated")
        said_quantities, ref_quantities = chinese.quantities(text), chinese.quantities(reference)
        if not said_quantities & ref_quantities:  # 一天 for 24 小时 is the same amount; 两小时 is not, nor 12 for 14
            if {d for d, _ in said_quantities} & {d for d, _ in ref_quantities}:
                return Grade(False, 0.0, "a different quantity")
            said_numbers, ref_numbers = chinese.numbers(text), chinese.numbers(reference)
            if said_numbers and ref_numbers and not said_numbers & ref_numbers:
                return Grade(False, 0.0, "a different number")
        if self._near_spelling(said, ref) and not any(ch.isdigit() for ch in said + ref) and not names_wrong:
            return Grade(True, 0.95, "matches the reference, allowing for spelling")
        score = self.score_chinese(text, reference)
        correct = score >= self.zh_threshold and not names_wrong
        return Grade(correct, score, "semantic match" if score >= self.zh_threshold else "does not match")

    def score_chinese(self, response: str, reference: str) -> float:
        """Multilingual cosine blended with the share of the reference's words and quantities found in the
        response; cosine alone when only one side is Chinese (no words to share)."""
        vectors = self.multilingual.embed([response, reference])
        cosine = float(np.dot(vectors[0], vectors[1]))
        if not (chinese.has_han(response) and chinese.has_han(reference)):
            return cosine
        said = chinese.compact(response)
        found = [w in said for w in chinese.content_tokens(chinese.without_quantities(reference))]
        found += [q in chinese.quantities(response) for q in chinese.quantities(reference)]
        overlap = sum(found) / len(found) if found else 0.0
        return self.zh_similarity_weight * cosine + (1 - self.zh_similarity_weight) * overlap

    @staticmethod
    def _near_spelling(said: str, ref: str) -> bool:
        if len(ref) < 5 or abs(len(said) - len(ref)) > max(2, len(ref) // 4):
            return False
        return difflib.SequenceMatcher(None, said, ref).ratio() >= 0.85
