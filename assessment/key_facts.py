"""What a teacher would ask about in a passage: the facts that matter, found in clean sentences.

A passage is read line by line into plain sentences: links keep their words, emphasis and code marks go, table
rows, code blocks and headings are left out, and so are items of a list whose heading or lead-in is a
prohibition ("Not OK:", "Don't:", "## Avoid"), because a sentence from such a list states the opposite of the
policy (such lists are asked about only as "Which of these is NOT allowed?": assessment.rule_lists). In each
sentence, candidates are scored by kind:

- a quantity: an amount of money, a number with a unit (6 weeks, 10 business days, 240 hours, 30 percent), a
  frequency (every three years), a date (December 10);
- a defined term: the subject of "X is / are / means / refers to ..." or what is "called" / "known as";
- the thing a topic sentence ends on (the object of the first sentences, where a paragraph says what it is about);
- a marked term: bold, or an acronym.

A term is never taken from inside a link's address, code or markup, and a phrase made of common words only is
not a term. The scores are ordered, not calibrated: the question's quality score (assessment.quality) judges
the question made from the fact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

__all__ = ["Fact", "key_facts", "plain_sentences", "quantity_of", "quantity_distractors", "clean_line", "NEGATIVE_LEAD"]


@dataclass(frozen=True)
class Fact:
    term: str
    sentence: str
    kind: str  # "quantity", "defined", "topic", "marked"
    score: float


_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
                 "fifty sixty ninety hundred").split()
_NUMBER = r"(?:\d[\d,]*(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
_UNIT = (r"(?:business days?|calendar days?|work ?days?|days?|weeks?|months?|years?|hours?|minutes?|percent|"
         r"pay periods?|times|sessions?|nights?|miles?|pages?|credits?|people|employees|members|steps|"
         r"characters|digits|GB|MB)")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
QUANTITY = re.compile(
    r"(?<![\w$])(?:"
    r"\$\s?\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|thousand))?"           # $3,000
    r"|\d+(?:\.\d+)?\s?%"                                                   # 12 %
    r"|" + _NUMBER + r"(?:\s(?:or|to|-)\s" + _NUMBER + r")?\s" + _UNIT +    # 6 weeks, 3 to 5 business days
    r"|every\s(?:other\s)?(?:" + _NUMBER + r"\s)?(?:year|month|week|day)s?"  # every three years
    r"|" + _MONTH + r"\s\d{1,2}(?:st|nd|rd|th)?(?:,\s\d{4})?"                 # December 10, 2025
    r")(?![\w])",
    re.IGNORECASE,
)
NEGATIVE_LEAD = re.compile(
    r"\b(not ok(ay)?|don'?t|do not|never|avoid|prohibited|not allowed|not permitted|must not|should not|"
    r"shouldn'?t|forbidden|what not to do|bad practices?|anti-?patterns?)\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"^(?:(?:a|an|the)\s)?(?P<term>[A-Za-z][\w'-]*(?:\s[A-Za-z][\w'-]*){0,3}?)\s(?:\([A-Z]{2,8}\)\s)?"
    r"(?:is|are|means|refers to|is called|is defined as|describes)\s", re.IGNORECASE)
_CALLED = re.compile(r"\b(?:called|known as|termed|referred to as)\s(?:an?\s|the\s)?(?P<term>[A-Za-z][\w'-]*(?:\s[A-Za-z][\w'-]*){0,2})")
_BOLD = re.compile(r"\*\*([^*\n]{2,40})\*\*")
_ACRONYM = re.compile(r"\b([A-Z]{2,6}s?)\b")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BARE_URL = re.compile(r"https?://\S+|www\.\S+")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_HOLE = "\x00"
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_WORD = re.compile(r"[A-Za-z][\w'-]*")

# Words a term is not made of (function words, pronouns, common verbs and vague nouns).
COMMON = frozenset("""a an the and or but if then than so as at by for from in into of on onto to with within without
about above after again against all also am any are be been before being below between both can cannot could did do
does doing down during each few further had has have having he her here hers him his how i is it its itself just me
more most my no nor not now off once only other our out over own same she should some such that their them there these
they this those through too under until up very was we were what when where which while who whom why will would you
your yours one two use used using make made get got take taken give given need needs must may might include includes
including includes contain contains called known way ways thing things lot lots kind kinds type types part parts example
examples many much several various different certain new old good well often usually also however therefore thus
another each every first second third last next same own able based following see available please note etc
since because although though unless once whether while whereas yet still even just already always
together everything anything something nothing everyone anyone someone better best group groups team teams people
others time times work information info detail details process needs level levels area areas place""".split())
# A sentence that only points elsewhere or lists is not a fact to ask about.
_POINTER = re.compile(r"^(note|see|refer|read|learn more|for more|for additional|for further|for details|for example|"
                      r"e\.g\.|check out|follow|visit|click|go to)\b|\betc\b|\be\.g\.|:", re.IGNORECASE)


def plain_sentences(text: str, section: str = "") -> Iterator[str]:
    """The passage's sentences as a learner reads them, without markup, leaving out what a question must not be
    made from (tables, code, headings, items of a prohibition list, anything under a prohibiting heading)."""
    if NEGATIVE_LEAD.search(section.split(" > ")[-1] if section else ""):
        return
    negative_list = False
    for line, item in _logical_lines(text):
        if not item:
            negative_list = line.rstrip().endswith(":") and bool(NEGATIVE_LEAD.search(line))
        elif negative_list:
            continue
        for sentence in _SENTENCE.split(clean_line(line)):
            sentence = sentence.strip()
            if sentence and not sentence.endswith(":") and _HOLE not in sentence:
                yield sentence


def _logical_lines(text: str) -> Iterator[tuple[str, bool]]:
    """(line, is a list item) with hard-wrapped paragraphs and list items joined back into one line each;
    code blocks, tables, headings and quotes left out."""
    current: list[str] = []
    current_item = False
    in_code = False
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            line = ""
        skip = in_code or line.startswith(("|", "#", ">", "<")) or line.count("|") >= 2
        item = bool(_LIST_ITEM.match(line))
        if not line or skip or item or (current and current[-1].rstrip().endswith(":")):
            if current:
                yield " ".join(current), current_item
            current, current_item = [], False
            if not line or skip:
                continue
        if not current:
            current_item = item
            line = _LIST_ITEM.sub("", line)
        current.append(line)


def clean_line(line: str) -> str:
    """A line as a learner reads it: link words kept, emphasis, escapes and templates gone, code and addresses
    replaced by a hole no quoted sentence may contain."""
    line = _TEMPLATE.sub(" ", line)
    line = _LINK.sub(lambda m: m.group(1), line)
    line = _BARE_URL.sub(_HOLE, line)
    line = _CODE_SPAN.sub(_HOLE, line)  # a sentence with code or an address in it is not quoted at all
    line = line.replace("**", "").replace("__", "")
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!$|])", r"\1", line)  # Markdown escapes: "\$500" is "$500"
    line = re.sub(r"(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)", "", line)
    return " ".join(line.split())


def key_facts(text: str, idf: dict[str, float] | None = None, section: str = "", limit: int = 6) -> list[Fact]:
    """The passage's best facts to ask about, best first, at most one per term."""
    idf = idf or {}
    top = max(idf.values()) if idf else 1.0
    marked = {m.group(1).strip(" .,:;") for m in _BOLD.finditer(text)}
    found: dict[str, Fact] = {}
    for position, sentence in enumerate(plain_sentences(text, section)):
        if not _statement(sentence):
            continue
        lead = 1.0 if position == 0 else 0.9 if position < 3 else 0.8
        for fact in _sentence_facts(sentence, marked, idf, top, lead):
            key = fact.term.lower()
            if key not in found or found[key].score < fact.score:
                found[key] = fact
    return sorted(found.values(), key=lambda f: -f.score)[:limit]


_TABLE_ROW = re.compile(r" — [^.]*: ")  # a table row written as a sentence at ingest ("Junior — Salary: ...")


def _statement(sentence: str) -> bool:
    """A whole sentence a question can quote: 8-45 words, ending as a sentence does, not a table row, with its
    quotation marks and brackets closed."""
    words = sentence.split()
    if not 8 <= len(words) <= 45 or not sentence.rstrip("\"”)").endswith((".", "!")) or _TABLE_ROW.search(sentence):
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"“$") or _POINTER.search(sentence):
        return False
    pairs = (("“", "”"), ("(", ")"), ("[", "]"))
    return all(sentence.count(a) == sentence.count(b) for a, b in pairs) and sentence.count('"') % 2 == 0


def _sentence_facts(sentence: str, marked: set[str], idf: dict[str, float], top: float, lead: float) -> list[Fact]:
    facts = [Fact(m.group(0), sentence, "quantity", 1.0 * lead) for m in QUANTITY.finditer(sentence)]
    definition = _DEFINITION.match(sentence) or _CALLED.search(sentence)
    if definition and _is_term(definition.group("term"), strict=True) and _rare_enough(definition.group("term"), idf, top):
        facts.append(Fact(definition.group("term"), sentence, "defined", 0.85 * lead * _rarity(definition.group("term"), idf, top)))
    ending = _final_phrase(sentence)
    if ending and lead >= 0.9 and _rare_enough(ending, idf, top, 0.4 if " " in ending else 0.55):
        facts.append(Fact(ending, sentence, "topic", 0.7 * lead * _rarity(ending, idf, top)))
    for term in marked:
        if term in sentence and _is_term(term):
            facts.append(Fact(term, sentence, "marked", 0.75 * lead))
    for m in _ACRONYM.finditer(sentence):
        # An acronym on every other page (the organisation's own name) is not a fact to ask about.
        if m.start() > 0 and m.group(1) not in ("OK", "US", "AM", "PM", "ID", "IT") and _rare_enough(m.group(1), idf, top, 0.5):
            facts.append(Fact(m.group(1), sentence, "marked", 0.5 * lead))
    return facts


def _final_phrase(sentence: str) -> str | None:
    """The run of up to three content words a sentence ends on ("... derived from volcanic ash.")."""
    body = sentence.rstrip(" .!?\"”)")
    if body.endswith(("?", ":")):
        return None
    words = body.split()
    run: list[str] = []
    for word in reversed(words):
        bare = word.strip(",;\"“”()")
        if bare != word and run:  # a comma or bracket before the run ends it
            break
        lowered = bare.lower()
        if (not _WORD.fullmatch(bare) or lowered in COMMON or lowered in _VERBS or lowered.endswith("ed")
                or (not run and lowered.endswith("ly"))):
            break
        run.insert(0, bare)
        if len(run) == 3:
            break
    phrase = " ".join(run)
    return phrase if run and _is_term(phrase) else None


def _is_term(term: str, strict: bool = False) -> bool:
    """A thing to name: 1-4 words, not starting or ending on a common word (`strict`: none at all)."""
    words = term.split()
    if not 1 <= len(words) <= 4 or any(not _WORD.fullmatch(w) for w in words):
        return False
    if strict and any(w.lower() in COMMON for w in words):
        return False
    content = [w for w in words if w.lower() not in COMMON]
    return bool(content) and words[0].lower() not in COMMON and words[-1].lower() not in COMMON and len(term) >= 3


_MIN_RARITY = 0.4


def _rare_enough(term: str, idf: dict[str, float], top: float, least: float = _MIN_RARITY) -> bool:
    """A named thing is worth asking about when one of its words is not everyday in the courses ("writing" and
    "attention" are not); `least` is the share of the rarest word's IDF it must reach."""
    if not idf:
        return True
    return max((idf.get(w.lower(), top) for w in term.split()), default=0.0) >= least * top


def _rarity(term: str, idf: dict[str, float], top: float) -> float:
    """0.6 for a phrase of everyday words up to 1.0 for the rarest in the courses."""
    values = [idf.get(w.lower(), top) for w in term.split() if w.lower() not in COMMON]
    return 0.6 + 0.4 * (max(values) / top if values and top else 0.5)


def quantity_of(term: str) -> tuple[float, str] | None:
    """(value, unit) of a quantity term, for distractors of the same kind and scale; None for anything else."""
    match = re.fullmatch(r"\$\s?(\d[\d,]*(?:\.\d+)?)(?:\s(million|billion|thousand))?", term.strip())
    if match:
        return float(match.group(1).replace(",", "")), "$" + (f" {match.group(2)}" if match.group(2) else "")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s?%", term.strip())
    if match:
        return float(match.group(1)), "%"
    match = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?|\w+)\s(.+)", term.strip())
    if match:
        number = match.group(1).replace(",", "")
        value = float(number) if re.fullmatch(r"\d+(?:\.\d+)?", number) else _word_value(number)
        if value is not None and re.fullmatch(_UNIT, match.group(2), re.IGNORECASE):
            return value, match.group(2)
    return None


# Common verbs (and their -s forms): a phrase a sentence ends on starts after them ("form chromatin" -> "chromatin").
_VERBS = frozenset(w for base in """accept add affect allow apply approve ask become begin bring build buy call carry cause
change check choose come complete connect consider contact continue cover create cut decide depend describe determine
develop die do drive eat enable end ensure enter explain fall feel fill find finish fit follow form gain go grow happen
hear help hold identify improve increase keep know lead learn leave let lift like live look lose lower make mean meet
move need offer open pay perform place plan play prevent produce protect provide pull push put reach read receive reduce
release remain remove replace report represent require rest return run save say see seem send serve set show sign sit
speak spend stand start stay stop store submit support surround take talk teach tell tend think travel try turn
understand use vary visit wait walk want watch wear work write absorb attach bind break carry contain convert divide
emit enclose exchange flow heat join melt mix orbit pass pump raise rise rotate shine split spread supply transfer
transport trap""".split() for w in (base, base + "s", base + "es"))

_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
           "ninety": 90, "hundred": 100}


def _word_value(word: str) -> float | None:
    return float(_VALUES[word.lower()]) if word.lower() in _VALUES else None


def quantity_distractors(term: str, pool: Sequence[str], count: int = 3) -> list[str]:
    """Other amounts of the same unit: from the course where it has enough, else the same unit at nearby scales
    (half, double, one and a half), written the way the answer is written."""
    parsed = quantity_of(term)
    if parsed is None:
        return []
    value, unit = parsed
    same = []
    for other in pool:
        got = quantity_of(other)
        if got and got[1].lower().rstrip("s") == unit.lower().rstrip("s") and got[0] != value and other not in same:
            same.append(other)
    out = same[:count]
    for factor in (2, 0.5, 1.5, 3, 4, 0.25):
        if len(out) >= count:
            break
        candidate = value * factor
        if candidate <= 0 or candidate == value or (unit != "$" and unit != "%" and candidate != int(candidate)):
            continue
        written = _written(candidate, unit, term)
        if written not in out and written != term:
            out.append(written)
    return out[:count]


def _written(value: float, unit: str, like: str) -> str:
    number = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
    if "," not in like:
        number = number.replace(",", "")
    if unit.startswith("$"):
        return f"${number}{unit[1:]}"
    if unit == "%":
        return f"{number}{'%' if like.rstrip().endswith('%') and ' %' not in like else ' %'}"
    singular = unit.rstrip("s") if not unit.lower().endswith("ss") else unit
    words = unit if value != 1 else singular
    if value > 1 and not unit.endswith("s") and unit.lower() not in ("gb", "mb", "people", "percent"):
        words = unit + "s"
    return f"{number} {words}"
