"""Question forms beyond the cloze, where the text supports them.

- "Which of these is NOT allowed?": from a passage with a not-allowed list ("Not OK:", "You must not bill for
  the following:") and an allowed list it pairs with (assessment.rule_lists) in the same or a neighbouring
  section. The key is an item of the not-allowed list, the distractors are items of the allowed list, so no
  allowed item is ever the answer and the key is never offered as allowed. The question is worded from the
  list's own lead-in ("Which of these must you NOT bill for?").
- True or false on a rule: a sentence with a modal ("must", "can", "may") governing an amount, as written (true)
  or with the amount swapped for another of the same unit (false). The amount is swapped only in the direction
  that makes the statement false whatever the reading: a larger amount for what one may do ("can carry over up
  to 480 hours"), a smaller deadline for what one must do within a time ("must submit within 5 days"), a larger
  one for other obligations. A sentence with a negation, or with the amount in a condition ("if you travel more
  than 50 miles"), is never made into a statement: swapping its amount may leave it true.

- What do you do next: from a numbered list of instructions (assessment.procedures).

The forms are multiple choice (kind "mcq"): the quiz grades them by option, as any other. The form is read back
from the prompt (`form_of`), as the question bank stores no form of its own.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .distractors import nearest_below
from .grading import normalise
from .key_facts import Fact, QUANTITY, plain_sentences, quantity_distractors, quantity_of
from .procedures import NEXT_STEP
from .rule_lists import RuleList, classify_lead, near_sections, option_text, overlaps, paired, rule_lists

TRUE, FALSE = "True", "False"
TRUE_FALSE_PREFIX = "True or false: "
NOT_ALLOWED = re.compile(r"(?:^|: )[Ww]hich of these\b[^?]*\bNOT\b[^?]*\?$")
FORMS = ("cloze", "not_allowed", "true_false", "next_step")
MIN_DISTRACTORS = 2  # three options at least: with fewer, the not-allowed item is a coin toss


@dataclass
class Draft:
    """A question in one of the forms, before it is tied to its course and passage (assessment.Question)."""

    key: str  # what makes it unique within its passage
    prompt: str
    answer: str
    options: list[str] = field(default_factory=list)
    explanation: str = ""
    difficulty: float = 0.45


def _field(question: Any, name: str) -> Any:
    return question[name] if isinstance(question, dict) else getattr(question, name)


def form_of(question: Any) -> str:
    """"true_false", "not_allowed", "next_step" or "cloze" (anything else) for a Question or a stored question row."""
    prompt, options = _field(question, "prompt"), list(_field(question, "options") or [])
    if prompt.startswith(TRUE_FALSE_PREFIX) and options == [TRUE, FALSE]:
        return "true_false"
    if NEXT_STEP.search(prompt) and len(options) > MIN_DISTRACTORS:
        return "next_step"
    if NOT_ALLOWED.search(prompt) and len(options) > MIN_DISTRACTORS:
        return "not_allowed"
    return "cloze"


# Which of these is NOT allowed?

def passage_lists(chunks: Sequence[Any]) -> dict[str, list[RuleList]]:
    """Each passage's rule lists, by chunk id, read once for a whole course."""
    return {c.chunk_id: rule_lists(c.text, c.section) for c in chunks}


def not_allowed_question(chunk: Any, chunks: Sequence[Any], lists: dict[str, list[RuleList]], embedder,
                         rng: random.Random, max_option_words: int) -> Draft | None:
    """A "Which of these is NOT allowed?" question on the first not-allowed list of `chunk` that has an allowed
    list paired with it in a neighbouring section of the same page; None when there is none."""
    near = [c for c in chunks if getattr(c, "course_id", "") == getattr(chunk, "course_id", "")
            and near_sections(c.section, chunk.section)]
    around = [rl for c in near for rl in lists.get(c.chunk_id, [])]
    negatives = [o for rl in around if rl.rule.negative for o in rl.items]
    for negative in (rl for rl in lists.get(chunk.chunk_id, []) if rl.rule.negative):
        allowed = [rl for rl in around if paired(negative.rule, rl.rule)]
        draft = _not_allowed_draft(negative, allowed, negatives, embedder, rng, max_option_words)
        if draft is not None:
            return draft
    return None


def _not_allowed_draft(negative: RuleList, allowed: Sequence[RuleList], negatives: Sequence[str], embedder,
                       rng: random.Random, max_words: int) -> Draft | None:
    allowed_items = [i for rl in allowed for i in rl.items]
    keys = [k for k in (option_text(i, max_words, negative=True) for i in negative.items)
            if k and not any(overlaps(k, a) for a in allowed_items)]
    pool = [d for d in dict.fromkeys(option_text(i, max_words, negative=False) for i in allowed_items)
            if d and not any(overlaps(d, n) for n in negatives)]
    if not keys or len(pool) < MIN_DISTRACTORS:
        return None
    key = rng.choice(keys)
    distractors = _ranked(key, pool, embedder)
    if len(distractors) < MIN_DISTRACTORS:
        return None
    options = sorted([key, *distractors], key=lambda _: rng.random())
    lead = allowed[0].lead if allowed else ""
    return Draft(f"not:{key}", _not_allowed_prompt(negative), key, options,
                 _explained(key, negative.lead, distractors, lead))


def _ranked(key: str, pool: Sequence[str], embedder, synonym_cosine: float = 0.8) -> list[str]:
    """Up to three allowed items, distinct from each other: the nearest to the key in meaning (plausible) but not
    near-synonyms, or with no embedder the nearest in length."""
    candidates = [p for p in pool if normalise(p) != normalise(key)]
    if embedder is not None:
        order = nearest_below(key, candidates, embedder, synonym_cosine)
    else:
        order = sorted(candidates, key=lambda c: abs(len(c.split()) - len(key.split())))
    chosen: list[str] = []
    for candidate in order:
        if not any(overlaps(candidate, c) for c in chosen):
            chosen.append(candidate)
        if len(chosen) == 3:
            break
    return chosen


def _not_allowed_prompt(negative: RuleList) -> str:
    """Worded from the list's own lead-in; a bare label ("Not OK") gets the section it is about in front (the
    nearest heading that is not itself a label: "Laptops", not "Unacceptable use")."""
    question = f"Which of these {negative.rule.phrase}?"
    if negative.rule.group == "rule":
        return question
    parts = [p for p in negative.section.split(" > ") if p and classify_lead(p) is None]
    return f"{parts[-1]}: {question[0].lower()}{question[1:]}" if parts else question


def _explained(key: str, negative_lead: str, distractors: Sequence[str], allowed_lead: str) -> str:
    def short(lead: str) -> str:
        words = lead.rstrip(":. ").split()
        return " ".join(words[:14]) + ("…" if len(words) > 14 else "")

    return (f"“{key}” is listed under “{short(negative_lead)}”; {', '.join(f'“{d}”' for d in distractors)} "
            f"under “{short(allowed_lead)}”.")


# True or false on a rule

_PERMISSION = r"can|may|are allowed to|is allowed to|are permitted to|is permitted to|are eligible|is eligible|" \
              r"are entitled|is entitled"
_OBLIGATION = r"must|need to|needs to|have to|has to|are required to|is required to|should"
# "will" is a grant ("will reimburse up to $500") or a duty ("will review within 10 days"): exact amounts only.
_MODAL = re.compile(rf"\b(?:(?P<obligation>{_OBLIGATION})|(?P<permission>{_PERMISSION})|(?P<will>will))\b",
                    re.IGNORECASE)
_UPPER = re.compile(r"\b(?:(?<!add )up to|no more than|at most|a maximum of|maximum of|within|less than|fewer than|under|"
                    r"below)\s$", re.IGNORECASE)
_LOWER = re.compile(r"\b(?:at least|a minimum of|minimum of|no less than|no fewer than|more than|over|above|"
                    r"exceed|exceeds|exceeding|greater than|beyond|surpass|surpasses)\s$", re.IGNORECASE)
_UPPER_AFTER = re.compile(r"^\s(?:or less|or fewer|or earlier|at most)\b", re.IGNORECASE)
_LOWER_AFTER = re.compile(r"^(?:\s(?:or more|or longer|or greater|or later|at least)\b|\+)", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never|no|nor|none|neither|without|except|unless|cannot)\b|n't\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|when|whenever|unless|once|after|before|until|while|for each|per|as long as|so long as|"
                        r"provided)\b", re.IGNORECASE)
_DEICTIC = re.compile(r"^(?:it|this|that|these|those|they|he|she|such|here|there|yes|no)\b", re.IGNORECASE)
# An amount in a range ("3-6 weeks"), a sum ("26 pay periods x 4 hours") or an aside in brackets is not the rule.
_RANGE_BEFORE = re.compile(r"(?:\d\s?[-–]\s?|(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve))[\w ]{0,20}"
                           r"\s(?:to|or|and)\s|\bfrom\s[^,]*\sto\s|\bthe\s(?:(?:next|last|first|past|following)\s)?)$",
                           re.IGNORECASE)
_RANGE_AFTER = re.compile(r"^\s?(?:[-–]|to|or|and)\s?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\b",
                          re.IGNORECASE)
_ARITHMETIC = re.compile(r"\d\s?[x×*=+]\s?\d|\s[x×=]\s")


def false_statement(sentence: str, term: str, quantities: Sequence[str]) -> str | None:
    """`sentence` with the amount `term` swapped for one of the same unit that makes it clearly false, or None
    when the sentence is not a rule that a swapped amount surely falsifies."""
    at = sentence.find(term)
    if at < 0 or sentence.count(term) != 1 or _NEGATED.search(sentence) or _DEICTIC.match(sentence) \
            or _ARITHMETIC.search(sentence):
        return None
    before, after = sentence[:at], sentence[at + len(term):]
    if _RANGE_BEFORE.search(before) or _RANGE_AFTER.match(after) or before.count("(") > before.count(")"):
        return None
    if _in_condition(before, len(before)):
        return None  # the amount is in a condition ("if it needs to be done in two days")
    modals = [m for m in _MODAL.finditer(before) if not _in_condition(before, m.start())]
    if not modals:
        return None  # no rule, or only one in a condition ("If you need to buy more, see procurements over $10,000")
    obligation, will = modals[-1].group("obligation") is not None, modals[-1].group("will") is not None
    upper = bool(_UPPER.search(before) or _UPPER_AFTER.match(after))
    lower = bool(_LOWER.search(before) or _LOWER_AFTER.match(after))
    if (lower and not obligation) or (will and (upper or lower)):
        return None  # "may ... after at least 3 months": a swapped amount may still hold
    larger = not (obligation and upper)
    swapped = _swap(term, quantities, larger)
    return None if swapped is None else sentence[:at] + swapped + sentence[at + len(term):]


def _in_condition(text: str, at: int) -> bool:
    """Whether position `at` of `text` is inside a condition: after "if", "when" ... with no comma in between."""
    conditions = list(_CONDITION.finditer(text[:at]))
    return bool(conditions) and "," not in text[conditions[-1].end():at]


def _swap(term: str, quantities: Sequence[str], larger: bool) -> str | None:
    """Another amount of the same unit, at least a quarter larger (or smaller) than `term`; a percentage stays at
    most 100, or the statement is false for a reason that has nothing to do with the rule."""
    value = quantity_of(term)
    if value is None:
        return None
    for other in quantity_distractors(term, quantities, count=6):
        got = quantity_of(other)
        if got is None or (got[1].lower() in ("%", "percent") and got[0] > 100):
            continue
        if got[0] >= 1.25 * value[0] if larger else got[0] <= 0.8 * value[0]:
            return other
    return None


def true_false_question(fact: Fact, quantities: Sequence[str], seed: str) -> Draft | None:
    """A true/false statement on the rule sentence of a quantity `fact`; whether it is the true or the false one
    is decided by `seed` (the passage), so a bank holds both about equally."""
    if fact.kind != "quantity":
        return None
    false = false_statement(fact.sentence, fact.term, quantities)
    if false is None:
        return None
    truth = hashlib.sha1(f"{seed}:{fact.sentence}".encode()).digest()[0] % 2 == 0
    statement = fact.sentence if truth else false
    return Draft(f"tf:{fact.sentence}", TRUE_FALSE_PREFIX + statement, TRUE if truth else FALSE,
                 [TRUE, FALSE], fact.sentence, difficulty=0.35)


def check_true_false(question: Any, source_text: str) -> list[str]:
    """Problems with a true/false question: its source sentence must be one of the passage's, and the statement
    that sentence as written (true) or with exactly one amount changed to another of the same unit (false)."""
    problems = []
    statement = question.prompt[len(TRUE_FALSE_PREFIX):]
    sentence = question.explanation
    if sentence not in set(plain_sentences(source_text)):
        problems.append("statement not from its source passage")
    if question.answer not in (TRUE, FALSE) or list(question.options) != [TRUE, FALSE]:
        problems.append("options are not True and False")
    if len(statement.split()) < 6:
        problems.append("prompt too short to be answerable")
    if question.answer == TRUE and statement != sentence:
        problems.append("a true statement differs from its source")
    if question.answer == FALSE and not swapped_amount(sentence, statement):
        problems.append("a false statement differs from its source by more than one amount")
    return problems


def swapped_amount(sentence: str, statement: str) -> bool:
    """Whether `statement` is `sentence` with one amount changed to a different amount of the same unit."""
    found, changed = list(QUANTITY.finditer(sentence)), list(QUANTITY.finditer(statement))
    if len(found) != len(changed):
        return False
    diffs = [(a.group(0), b.group(0)) for a, b in zip(found, changed) if a.group(0) != b.group(0)]
    if len(diffs) != 1:
        return False
    old, new = diffs[0]
    if sentence.replace(old, new, 1) != statement:
        return False
    a, b = quantity_of(old), quantity_of(new)
    return bool(a and b and a[0] != b[0] and a[1].lower().rstrip("s") == b[1].lower().rstrip("s"))
