"""Allowed and not-allowed lists in a passage, paired, for "Which of these is NOT allowed?" questions.

Company handbooks state many rules as a pair of lists: "OK:" / "Not OK:", "Do:" / "Don't:", "You must bill for:"
/ "You must not bill for:". A list counts as a rule list only when its lead-in (the sentence before it, or the
section's heading when the list opens the passage) says so outright:

- a bare label: "Not OK", "Don't", "Never", "Avoid", "Prohibited", "Unacceptable behavior" (negative) and
  "OK", "Do", "Always", "Allowed", "Acceptable behavior" (allowed), optionally with one trailing word ("Don't say");
- a rule sentence with the modal right after its subject: "You must not bill for the following activities:",
  "Employees may not accept:", "Do not share the following:" (negative); "You must bill all time ... This
  includes:", "You can use:" (allowed, with no negation anywhere in the sentence).

A lead-in that only mentions a prohibition ("To avoid delays, you should:", "You do not need a meeting when:",
"Responsibilities include but are not limited to:") is neither. Two lists pair when their labels mirror each
other (same group, same trailing word) or their rule sentences share subject and verb ("bill"). A list whose
items end in ":" or "," (a nested list flattened at ingest: "based on:", "race,") is left alone: which items a
prohibition covers is no longer clear there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .key_facts import COMMON, clean_line

__all__ = ["Rule", "RuleList", "classify_lead", "near_sections", "option_text", "overlaps", "paired", "rule_lists"]


@dataclass(frozen=True)
class Rule:
    """What a lead-in says about its list: allowed or not, and how to word a question on it."""

    negative: bool
    group: str  # "ok", "do", "allowed" for a label; "rule" for a rule sentence
    key: str  # what must match for two lists to pair: the label's trailing word, or "subject verb"
    phrase: str  # the NOT question's wording after "Which of these": "must you NOT bill for", "is NOT OK"


@dataclass(frozen=True)
class RuleList:
    """One list under a rule lead-in: its items as written (markup cleaned, not yet trimmed to options)."""

    lead: str
    items: tuple[str, ...]
    rule: Rule
    section: str


_LABELS = {
    "ok": (("not ok", "not okay", "not fine"), ("ok", "okay", "fine")),
    "do": (("don't", "dont", "do not", "don'ts", "donts", "never", "avoid"), ("do", "dos", "do's", "always")),
    "allowed": (("not allowed", "prohibited", "not permitted", "forbidden", "unacceptable", "not acceptable"),
                ("allowed", "permitted", "acceptable")),
}
_LABEL_PHRASE = {"ok": "is NOT OK", "allowed": "is NOT allowed"}
_SUBJECT = r"(?P<subject>you|we|employees|staff|staff members|team members|contractors|supervisors|managers|travell?ers)"
_NEGATIVE_RULE = re.compile(
    rf"^(?:please\s)?(?:{_SUBJECT}\s(?P<modal>must not|must never|may not|cannot|can't|can not|should not|shouldn't|"
    r"should never|are not allowed to|are not permitted to)|(?P<imperative>do not|don't|never))\s(?P<rest>[a-z].*)$",
    re.IGNORECASE)
_ALLOWED_RULE = re.compile(
    rf"^(?:please\s)?{_SUBJECT}\s(?P<modal>must|may|can|should|need to|are allowed to|are permitted to|"
    r"are encouraged to|are expected to|are required to)\s(?:also\s|always\s)?(?P<rest>[a-z].*)$", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|never|no|nor|cannot)\b|n't\b", re.IGNORECASE)
_CONDITION = re.compile(r"^(if|when|whenever|unless|except|while|although|whether|before|after|until|once|to avoid|"
                        r"to prevent|in order)\b", re.IGNORECASE)
_CONTINUATION = re.compile(r"^(this|these|that|it|they|which|examples?|for example|such as|e\.g\.)\b.{0,30}:$",
                           re.IGNORECASE)
_MODAL_BASE = {"must not": "must", "must never": "must", "may not": "may", "cannot": "can", "can't": "can",
               "can not": "can", "should not": "should", "shouldn't": "should", "should never": "should",
               "are not allowed to": "are {s} NOT allowed to", "are not permitted to": "are {s} NOT permitted to"}
_FOLLOWING = re.compile(r"\b(?:any of\s)?(?:the following|these|this list of)(?:\s(?!(?:with|to|for|in|on|at|from|"
                        r"by|about|under|outside|without|as|unless|when|if|because)\b)[a-z-]+)?\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[:;,.(]|\s(?:because|since|as|when|if|unless|so that|which|that are)\s", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MARKUP = re.compile(r"\]\(|`|https?://|www\.|\{%|\{\{|<[a-z/]|@\w|(?:^|\s)#\w")  # links, code, handles, channels
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=[A-Z\"“(])")


def classify_lead(lead: str) -> Rule | None:
    """The rule a lead-in or heading states about the list under it; None when it states none outright."""
    text = re.sub(r"(?<!\w)_(?=\w)|(?<=\w)_(?!\w)", "", clean_line(lead)).strip(" *:!").replace("’", "'")
    text = re.sub(r"^[^\w']+", "", text).strip()
    if not text or _CONDITION.match(text):
        return None
    return _label(text) or _rule_sentence(text)


def _label(text: str) -> Rule | None:
    """A bare label of one to three words ("Not OK", "Don't say", "Acceptable behavior")."""
    lowered = " ".join(text.lower().split())
    if len(lowered.split()) > 4:
        return None
    for group, (negative, allowed) in _LABELS.items():
        for forms, is_negative in ((negative, True), (allowed, False)):
            for form in sorted(forms, key=len, reverse=True):
                if lowered == form or lowered.startswith(form + " ") and len(lowered.split()) - len(form.split()) == 1:
                    tail = lowered[len(form):].strip()
                    phrase = _LABEL_PHRASE.get(group, f"should you NOT {tail or 'do'}")
                    return Rule(is_negative, group, tail, phrase)
    return None


def _rule_sentence(text: str) -> Rule | None:
    """A rule sentence whose modal governs the list ("You must not bill for the following activities")."""
    negative = _NEGATIVE_RULE.match(text)
    if negative:
        subject = (negative.group("subject") or "you").lower()
        rest = negative.group("rest")
        verb = rest.split()[0].lower()
        modal = (negative.group("modal") or "").lower()
        base = _MODAL_BASE.get(modal, "should") if modal else "should"
        head = base.format(s=subject) if "{s}" in base else f"{base} {subject} NOT"
        return Rule(True, "rule", f"{subject} {verb}", f"{head} {_verb_phrase(rest)}")
    allowed = _ALLOWED_RULE.match(text)
    if allowed and not _NEGATION.search(text):
        verb = allowed.group("rest").split()[0].lower()
        return Rule(False, "rule", f"{allowed.group('subject').lower()} {verb}", "")
    return None


def _verb_phrase(rest: str) -> str:
    """What the modal governs, without the list pointer and the reasons: "bill for the following activities
    because ..." -> "bill for"."""
    cut = _CLAUSE_END.search(rest)
    phrase = rest[: cut.start()] if cut else rest
    phrase = " ".join(_FOLLOWING.sub(" ", phrase).split())
    words = phrase.split()
    return " ".join(words) if 1 <= len(words) <= 8 else rest.split()[0]


def paired(negative: Rule, allowed: Rule) -> bool:
    """Whether an allowed list answers a negative one: mirrored labels, or rule sentences on one subject and verb."""
    if not negative.negative or allowed.negative:
        return False
    if negative.group == "rule" or allowed.group == "rule":
        return negative.group == allowed.group == "rule" and negative.key == allowed.key
    return negative.group == allowed.group and negative.key == allowed.key


def near_sections(a: str, b: str) -> bool:
    """Sections close enough for their lists to be read together: the same, siblings, or parent and child."""
    parent_a, parent_b = a.rpartition(" > ")[0], b.rpartition(" > ")[0]
    return a == b or parent_a == parent_b or parent_a == b or parent_b == a


def rule_lists(text: str, section: str = "") -> list[RuleList]:
    """The rule lists of a passage (see the module's docstring), in order."""
    heading = section.split(" > ")[-1] if section else ""
    found = []
    for paragraph, items in _list_blocks(text):
        lead = _lead_sentence(paragraph) if paragraph else heading
        rule = classify_lead(lead) if lead else None
        if rule is None or not items or any(i.rstrip().endswith((":", ",")) or re.match(r"(or|and)\s", i) for i in items):
            continue
        found.append(RuleList(clean_line(lead).rstrip(": "), tuple(items), rule, section))
    return found


def _lead_sentence(paragraph: str) -> str:
    """The sentence of a lead-in paragraph that governs the list: the last one when it ends in ":", else one that
    points to "the following" in a short paragraph; "" for none. The sentence before a bare "This includes:" is
    taken only when it allows something: what "this" stands for is not always the rule ("Don't say anything you
    wouldn't want on the news. This includes: file uploads, channel names")."""
    sentences = [s.strip() for s in _SENTENCE_END.split(clean_line(paragraph)) if s.strip()]
    if not sentences:
        return ""
    if not sentences[-1].endswith(":"):
        pointing = [s for s in sentences if re.search(r"\bthe following\b", s, re.IGNORECASE)]
        return pointing[-1] if pointing and len(sentences) <= 4 else ""
    if _CONTINUATION.match(sentences[-1]) and len(sentences) > 1:
        rule = classify_lead(sentences[-2])
        return sentences[-2] if rule is not None and not rule.negative else ""
    return sentences[-1]


def _list_blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    """(lead-in paragraph, items) of each list in a passage: the lead is the paragraph or heading last before the
    list, "" when the list opens the passage. A line after an item continues it when it starts in lower case and
    the item did not end in a hard break."""
    paragraph: list[str] = []
    items: list[str] = []
    closed = in_code = False
    previous = ""
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code or line.startswith(("|", ">", "<")) or line.count("|") >= 2:
            line = ""
        if _ITEM.match(line):
            items.append(_ITEM.sub("", line))
        elif line and items and not line[0].isupper() and not line.startswith("#") and previous.strip() \
                and not previous.endswith("  "):
            items[-1] += " " + line
        elif line:
            if items:
                yield " ".join(paragraph), items
                items, paragraph = [], []
            if closed or line.startswith("#"):
                paragraph, closed = [], False
            paragraph.append(line.lstrip("#").strip() + (":" if line.startswith("#") else ""))  # a heading leads in
            closed = line.startswith("#")
        else:
            closed = True
        previous = raw if line else ""
    if items:
        yield " ".join(paragraph), items


_QUALIFIER = re.compile(r"\b(only|not|non|no|except|unless|if|when|without|never|okay|ok|allowed|permitted|but|"
                        r"however)\b|n't\b", re.IGNORECASE)
_EXCEPTION = re.compile(r"\b(okay|ok|allowed|permitted|fine|except|unless|but|however|acceptable)\b", re.IGNORECASE)
# Elaboration an option can do without, tried in turn: examples in brackets at the end, a clause of examples,
# the sentences after the first (never after an abbreviation: "i.e. Engineering").
_TRIMS = (re.compile(r"\s\([^()]*\)$"),
          re.compile(r"(?:,?\s(?:including|such as|e\.g\.|i\.e\.|for example)|\s[-–—]\s).*$", re.IGNORECASE),
          re.compile(r"(?<=[a-z]{2})\.\s+[A-Z].*$"))


def option_text(item: str, max_words: int, negative: bool) -> str | None:
    """An item as a short option: cleaned, with examples and elaboration trimmed when it is too long, never a
    qualifier ("for continuing projects only"); None when it cannot be one. A not-allowed item that carries its
    own exception ("... is okay to bill") and an allowed one with a negation in it are left out: either would
    teach half a rule."""
    if _MARKUP.search(item):
        return None
    text = clean_line(item).strip().rstrip(".;")
    if not re.search(r"[A-Za-z]{3}", text) or (_EXCEPTION if negative else _QUALIFIER).search(text):
        return None
    for trim in _TRIMS:
        if len(text.split()) <= max_words:
            break
        cut = trim.search(text)
        if cut and not _QUALIFIER.search(cut.group(0)):
            text = text[: cut.start()].rstrip(" ,;")
    return text if 1 <= len(text.split()) <= max_words else None


def _content(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if w not in COMMON}


def overlaps(a: str, b: str, share: float = 0.4) -> bool:
    """Whether two items say nearly the same thing (one inside the other, or 40% of their content words shared):
    "Conferences that are in service of project work" and "... not in service of project work" do."""
    na, nb = " ".join(a.lower().split()), " ".join(b.lower().split())
    if na in nb or nb in na:
        return True
    ca, cb = _content(a), _content(b)
    return bool(ca and cb) and len(ca & cb) / len(ca | cb) >= share

