"""Scenario questions from a procedure: "… after you have done this step, what do you do next?"

A numbered list whose items read as instructions ("Submit a leave request through HR Links.", "Mark your out of
office time on your calendar.") is a procedure: its order is the point of it, and a learner who knows the process
knows which step follows which. A list counts only when it is numbered from 1 without a gap, has at least three
items, and at least three in four of its items start with an instruction's verb rather than a thing ("The form",
"A copy of your timesheet": a list of documents is not a sequence of steps); every step must make a short option
(its first sentence, at most `max_words` words, with no code or address in it).

With four steps or more, the question names one step and asks for the next; the other steps are the
distractors. With three, it asks for the first step. Options come from the procedure itself, so the key is never
a step from elsewhere and every distractor is a real step of the same process.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Iterator

from .key_facts import clean_line

__all__ = ["Procedure", "procedures", "next_step_question", "check_next_step", "NEXT_STEP"]

NEXT_STEP = re.compile(r"(?:what do you do next|what is the first step)\?$")
_ITEM = re.compile(r"^\s{0,3}(\d{1,2})[.)]\s+(\S.*)$")
_CONTINUATION = re.compile(r"^\s{2,}\S")
# Verbs a step of a procedure starts with ("Submit …", "Log in …"): an item that starts otherwise names a thing
# ("CIO authority enhancements") or a situation, and a list of such items is not a sequence of steps.
INSTRUCTION_VERBS = frozenset("""accept access activate add apply approve archive arrange ask assign attach attend
book bring build call cancel change check choose clear click close collect communicate complete confirm connect
contact copy create decide decline delete describe disable discuss document download draft drag edit email enable
enroll enrol enter explain export file fill find finish fix follow forward gather generate get give go import
include inform install invite join keep launch let list log look make mark meet merge move name navigate note
notify obtain open order pay pick plan post prepare press print provide publish pull push put read receive record
register reject remove rename reply report request reschedule reserve respond restart return review run save
schedule search select send set share sign start submit switch take talk tell test track transfer type update
upload use verify visit wait write""".split())
_FIRST_SENTENCE = re.compile(r"(?<=[a-z0-9)\]])[.!?]\s+(?=[A-Z\"“(])|;\s")
_LAST_SENTENCE = re.compile(r"(?<=[a-z0-9)\]])[.!?]\s+")
# A lead-in that says only that steps follow: the section's heading says what they are for.
_BARE_LEAD = re.compile(r"^(?:follow (?:these|the) steps|here'?s how|here is how|(?:the )?steps|do the following|"
                        r"(?:to do (?:this|so)|as follows)(?:, [a-z ]+)?)$", re.IGNORECASE)
_HOLE = "\x00"


@dataclass(frozen=True)
class Procedure:
    """The steps of one numbered list, as short options in order, and what it is the procedure for."""

    purpose: str
    steps: tuple[str, ...]


def procedures(text: str, section: str, max_words: int = 18) -> list[Procedure]:
    """The procedures of a passage (see the module's docstring)."""
    found = []
    for lead, items in _numbered_lists(text):
        steps = [_step(item, max_words) for item in items]
        if len(items) < 3 or any(s is None for s in steps):
            continue
        instructions = sum(_instruction(s) for s in steps)
        if instructions * 4 < len(steps) * 3 or len({s.lower() for s in steps}) != len(steps):
            continue
        found.append(Procedure(_purpose(lead, section), tuple(steps)))
    return found


def _numbered_lists(text: str) -> Iterator[tuple[str, list[str]]]:
    """(lead-in line, items) of each list numbered 1, 2, 3 … without a gap; an item's indented lines are part of it,
    and so are the items of a list nested in it, which ingest may have flattened ("1. Submit …", "2. Mark …",
    "1. Google Calendar has …", "3. Decline …")."""
    lead, items, last, nested = "", [], "", False
    for line in [*text.splitlines(), "\x00"]:  # a last line that ends any list
        match = _ITEM.match(line)
        if match and int(match.group(1)) == len(items) + 1:
            if not items:
                lead = last
            items.append(match.group(2))
            nested = False
        elif items and match and (int(match.group(1)) == 1 or nested):
            nested = True  # a nested list's item: skipped, the outer list goes on after it
        elif items and _CONTINUATION.match(line) and not nested:
            items[-1] += " " + line.strip()
        elif items and not line.strip():
            continue  # a blank line between items
        else:
            if items:
                yield lead, items
            items, nested = [], False
        if line.strip():
            last = line.strip()


def _step(item: str, max_words: int) -> str | None:
    """The item's first sentence as an option, or None when it is too long or holds code or an address."""
    text = re.sub(r"\s*\([^()]*\)", "", clean_line(item)).strip()  # asides in brackets
    text = _FIRST_SENTENCE.split(text, maxsplit=1)[0].strip().rstrip(".;:")
    if _HOLE in text or not re.search(r"[A-Za-z]{3}", text) or not 2 <= len(text.split()) <= max_words:
        return None
    return text


def _instruction(step: str) -> bool:
    first = re.sub(r"[^A-Za-z]", "", step.split()[0])
    return first[:1].isupper() and first.lower() in INSTRUCTION_VERBS


def _purpose(lead: str, section: str) -> str:
    """What the steps are for: the lead-in when it introduces them ("To donate leave:"), else the section's
    heading."""
    lead = _LAST_SENTENCE.split(clean_line(lead).strip())[-1].strip()
    if lead.endswith(":") and 2 <= len(lead.split()) <= 16 and _HOLE not in lead and not _BARE_LEAD.match(lead.rstrip(": ")):
        return lead.rstrip(":").strip()
    parts = [p for p in section.split(" > ") if p.strip()]
    return re.sub(r"^(?:step\s)?\d{1,2}[.):]?\s+", "", parts[-1].strip(), flags=re.IGNORECASE) if parts else ""


def next_step_question(procedure: Procedure, rng: random.Random) -> tuple[str, str, list[str], str] | None:
    """(prompt, key, options, explanation) for `procedure`, or None when it gives no fair question."""
    steps = list(procedure.steps)
    if not procedure.purpose:
        return None
    if len(steps) == 3:
        prompt, key = f"{procedure.purpose}: what is the first step?", steps[0]
        others = steps[1:]
    else:
        at = rng.randrange(len(steps) - 1)
        prompt = f"{procedure.purpose}: after “{steps[at]}”, what do you do next?"
        key = steps[at + 1]
        others = [s for i, s in enumerate(steps) if i not in (at, at + 1)]
    distractors = rng.sample(others, min(3, len(others)))
    options = sorted([key, *distractors], key=lambda _: rng.random())
    explanation = "The steps, in order: " + " → ".join(f"{i}. {s}" for i, s in enumerate(steps, 1)) + "."
    return prompt, key, options, explanation


def check_next_step(question: Any, source_text: str, section: str) -> list[str]:
    """Problems with a next-step question: its options must be steps of one procedure of its source passage, the
    key the step after the one the prompt names (or the first, for "what is the first step?")."""
    prompt, answer, options = (question[k] if isinstance(question, dict) else getattr(question, k)
                               for k in ("prompt", "answer", "options"))
    for procedure in procedures(source_text, section):
        steps = list(procedure.steps)
        if answer not in steps or not set(options) <= set(steps) or len(options) < 3:
            continue
        at = steps.index(answer)
        if prompt.endswith("what is the first step?"):
            return [] if at == 0 else ["the key is not the first step"]
        return [] if at > 0 and f"after “{steps[at - 1]}”" in prompt else ["the key does not follow the step asked about"]
    return ["options are not the steps of a procedure in the passage"]
