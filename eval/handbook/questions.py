"""The 18F handbook question set: a typed loader, fact matching, and a self-check.

    python -m eval.handbook.questions            # counts
    python -m eval.handbook.questions --check    # counts + every check against the corpus; exit 1 on a failure

The set (`questions.yaml`) refers to handbook pages by their path relative to the corpus folder, which is read
from `$TUTOR_CORPORA/18f-handbook` or `<repo>/../shared/corpora/18f-handbook`. `questions_zh.yaml` holds Chinese
versions of covered questions, each naming the English question it mirrors and carrying its gold page and section.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "Covered", "Turn", "Conversation", "Uncovered", "HandbookSet", "load_handbook_set", "corpus_dir", "fact_hits",
    "normalise", "section_texts", "schema_problems", "corpus_problems", "main",
    "Mirrored", "MirroredSet", "load_mirrored_set", "mirrored_schema_problems", "mirrored_corpus_problems",
]

SET_PATH = Path(__file__).with_name("questions.yaml")
ZH_SET_PATH = Path(__file__).with_name("questions_zh.yaml")
CORPUS_NAME = "18f-handbook"
STYLES = ("literal", "paraphrased")
KINDS = ("pronoun", "ellipsis", "what_about", "more", "simpler", "example")
# Follow-ups that restate the first turn's section: their facts may be empty, their gold must be the first turn's.
RESTATING_KINDS = ("more", "simpler", "example")
MINIMUMS = {"covered": 64, "covered_pages": 25, "conversations": 24, "uncovered": 24,
            "more": 4, "simpler": 3, "example": 3, "pronoun": 1, "ellipsis": 1, "what_about": 1}

# The Chinese set: how many questions at least, and how many Han characters each must hold at least (so a
# question left in English, or one with a word or two of Chinese, is caught).
MIRRORED_MINIMUMS = {"questions": 30, "pages": 15}
MIN_HAN = 6
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

Facts = list[list[str]]  # each fact: its acceptable alternatives; a fact is stated when any alternative occurs


@dataclass
class Covered:
    id: str
    question: str
    style: str
    gold_file: str
    gold_section: str
    facts: Facts


@dataclass
class Turn:
    question: str
    gold_file: str
    gold_section: str
    facts: Facts
    kind: str | None = None  # None on a conversation's first turn


@dataclass
class Conversation:
    id: str
    turns: list[Turn]


@dataclass
class Uncovered:
    id: str
    question: str
    checked_absent: list[str]
    note: str = ""


@dataclass
class HandbookSet:
    corpus: str
    version: int
    covered: list[Covered] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    uncovered: list[Uncovered] = field(default_factory=list)

    def gold_items(self) -> list[tuple[str, str, str, Facts]]:
        """Every (label, gold_file, gold_section, facts) in the set: covered questions and each conversation turn."""
        items = [(c.id, c.gold_file, c.gold_section, c.facts) for c in self.covered]
        for conv in self.conversations:
            items += [(f"{conv.id}#{n}", t.gold_file, t.gold_section, t.facts) for n, t in enumerate(conv.turns, 1)]
        return items

    def covered_pages(self) -> set[str]:
        return {c.gold_file for c in self.covered}


@dataclass
class Mirrored:
    """A question asked in another language, mirroring a covered question of the English set: same gold page and
    section; the facts an answer must state are the English question's (`MirroredSet.facts`)."""

    id: str
    mirrors: str
    question: str
    gold_file: str
    gold_section: str


@dataclass
class MirroredSet:
    corpus: str
    version: int
    language: str
    questions: list[Mirrored] = field(default_factory=list)

    def pairs(self, hset: HandbookSet) -> list[tuple[Mirrored, Covered]]:
        """Each question with the English covered question it mirrors (questions whose `mirrors` is unknown are
        left out; `mirrored_schema_problems` reports them)."""
        english = {c.id: c for c in hset.covered}
        return [(q, english[q.mirrors]) for q in self.questions if q.mirrors in english]

    def pages(self) -> set[str]:
        return {q.gold_file for q in self.questions}


def load_mirrored_set(path: Path | None = None) -> MirroredSet:
    """Read a set of questions mirroring the English ones (default: `questions_zh.yaml` next to this module)."""
    data = yaml.safe_load(Path(path or ZH_SET_PATH).read_text(encoding="utf-8"))
    questions = [Mirrored(id=str(q["id"]), mirrors=str(q.get("mirrors") or ""), question=str(q.get("question") or ""),
                          gold_file=str(q.get("gold_file") or ""), gold_section=str(q.get("gold_section") or ""))
                 for q in data.get("questions", [])]
    return MirroredSet(corpus=data.get("corpus", ""), version=data.get("version", 0),
                       language=str(data.get("language") or ""), questions=questions)


def _facts(raw) -> Facts:
    return [[str(alt) for alt in fact] for fact in (raw or [])]


def load_handbook_set(path: Path | None = None) -> HandbookSet:
    """Read the question set (default: `questions.yaml` next to this module)."""
    data = yaml.safe_load(Path(path or SET_PATH).read_text(encoding="utf-8"))
    covered = [Covered(id=str(c["id"]), question=c["question"], style=c["style"], gold_file=c["gold_file"],
                       gold_section=c.get("gold_section") or "", facts=_facts(c.get("facts")))
               for c in data.get("covered", [])]
    conversations = [
        Conversation(id=str(conv["id"]), turns=[
            Turn(question=t["question"], gold_file=t["gold_file"], gold_section=t.get("gold_section") or "",
                 facts=_facts(t.get("facts")), kind=t.get("kind"))
            for t in conv["turns"]])
        for conv in data.get("conversations", [])]
    uncovered = [Uncovered(id=str(u["id"]), question=u["question"],
                           checked_absent=[str(p) for p in u.get("checked_absent") or []], note=u.get("note") or "")
                 for u in data.get("uncovered", [])]
    return HandbookSet(corpus=data.get("corpus", ""), version=data.get("version", 0), covered=covered,
                       conversations=conversations, uncovered=uncovered)


def corpus_dir() -> Path:
    """The handbook folder: `$TUTOR_CORPORA/18f-handbook`, else `<repo>/../shared/corpora/18f-handbook`."""
    root = os.environ.get("TUTOR_CORPORA")
    base = Path(root) if root else Path(__file__).resolve().parents[3] / "shared" / "corpora"
    return base / CORPUS_NAME


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u200b": "", "\ufeff": "", "*": ""})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case-fold; straighten curly quotes; drop Markdown emphasis asterisks and thousands separators
    ("$3,000" -> "$3000"); collapse whitespace. Answers and handbook text go through the same function."""
    text = text.translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def fact_hits(answer_text: str, facts: Facts) -> tuple[int, int]:
    """(facts stated, facts total): a fact is stated when any of its alternatives occurs in the answer."""
    answer = normalise(answer_text)
    found = sum(1 for fact in facts if any(normalise(alt) in answer for alt in fact if normalise(alt)))
    return found, len(facts)


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


_FRONT_MATTER = re.compile(r"---[ \t]*\n.*?\n---[ \t]*(?:\n|$)", re.S)


def _body(text: str) -> str:
    """The page without its YAML front matter."""
    m = _FRONT_MATTER.match(text)
    return text[m.end():] if m else text


def section_texts(page_text: str, section: str) -> list[str]:
    """The text under each heading titled `section` (its heading line, down to the next heading of the same or a
    higher level); for "" the text before the first heading. Several when a page repeats a heading."""
    lines = _body(page_text).splitlines()
    headings: list[tuple[int, int, str]] = []  # (line index, level, title)
    fenced = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m:
            headings.append((i, len(m.group(1)), m.group(2)))
    if not section:
        return ["\n".join(lines[: headings[0][0] if headings else len(lines)])]
    wanted = normalise(section)
    out = []
    for n, (start, level, title) in enumerate(headings):
        if normalise(title) != wanted:
            continue
        end = next((i for i, lv, _ in headings[n + 1:] if lv <= level), len(lines))
        out.append("\n".join(lines[start:end]))
    return out


def schema_problems(hset: HandbookSet) -> list[str]:
    """Checks that need no corpus: counts, styles, kinds, ids and the shape of every item."""
    problems: list[str] = []
    if hset.corpus != CORPUS_NAME:
        problems.append(f"corpus is {hset.corpus!r}, expected {CORPUS_NAME!r}")
    if hset.version != 1:
        problems.append(f"version is {hset.version!r}, expected 1")
    ids = [c.id for c in hset.covered] + [c.id for c in hset.conversations] + [u.id for u in hset.uncovered]
    problems += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]

    def facts_ok(label: str, facts: Facts, may_be_empty: bool) -> None:
        if not facts and not may_be_empty:
            problems.append(f"{label}: no facts")
        for fact in facts:
            if not fact or not all(isinstance(a, str) and a.strip() for a in fact):
                problems.append(f"{label}: empty fact or alternative in {fact!r}")

    for c in hset.covered:
        if c.style not in STYLES:
            problems.append(f"{c.id}: style {c.style!r} not in {STYLES}")
        if not c.question.strip() or not c.gold_file.endswith(".md"):
            problems.append(f"{c.id}: empty question or gold_file not a .md page")
        facts_ok(c.id, c.facts, may_be_empty=False)
    styles = Counter(c.style for c in hset.covered)
    if styles["literal"] != styles["paraphrased"]:
        problems.append(f"styles not half and half: {dict(styles)}")

    kinds: Counter = Counter()
    for conv in hset.conversations:
        if len(conv.turns) != 2:
            problems.append(f"{conv.id}: {len(conv.turns)} turns, expected 2")
            continue
        first, second = conv.turns
        if first.kind is not None:
            problems.append(f"{conv.id}: the first turn has a kind")
        if second.kind not in KINDS:
            problems.append(f"{conv.id}: kind {second.kind!r} not in {KINDS}")
        kinds[second.kind] += 1
        facts_ok(f"{conv.id}#1", first.facts, may_be_empty=False)
        restating = second.kind in RESTATING_KINDS
        facts_ok(f"{conv.id}#2", second.facts, may_be_empty=restating)
        if restating and (second.gold_file, second.gold_section) != (first.gold_file, first.gold_section):
            problems.append(f"{conv.id}: a {second.kind!r} follow-up must keep the first turn's gold section")
        for n, t in enumerate(conv.turns, 1):
            if not t.question.strip() or not t.gold_file.endswith(".md"):
                problems.append(f"{conv.id}#{n}: empty question or gold_file not a .md page")

    for u in hset.uncovered:
        if not u.question.strip() or not u.checked_absent or not all(p.strip() for p in u.checked_absent):
            problems.append(f"{u.id}: empty question or no checked_absent patterns")

    counts = {"covered": len(hset.covered), "covered_pages": len(hset.covered_pages()),
              "conversations": len(hset.conversations), "uncovered": len(hset.uncovered), **kinds}
    problems += [f"{name}: {counts.get(name, 0)} < {least}" for name, least in MINIMUMS.items()
                 if counts.get(name, 0) < least]
    return problems


def _read_corpus(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.md"))}


def corpus_problems(hset: HandbookSet, root: Path | None = None) -> list[str]:
    """Checks against the handbook: gold pages and sections exist, every fact occurs in its gold page and section,
    and no uncovered question's `checked_absent` pattern occurs anywhere in the corpus."""
    root = root or corpus_dir()
    pages = _read_corpus(root)
    problems: list[str] = []
    for label, gold_file, gold_section, facts in hset.gold_items():
        page = pages.get(gold_file)
        if page is None:
            problems.append(f"{label}: gold_file {gold_file} not in the corpus")
            continue
        sections = section_texts(page, gold_section)
        if not sections:
            problems.append(f"{label}: no heading {gold_section!r} in {gold_file}")
        whole, in_section = normalise(page), [normalise(s) for s in sections]
        for fact in facts:
            alts = [normalise(a) for a in fact]
            if not any(a in whole for a in alts):
                problems.append(f"{label}: no alternative of {fact!r} occurs in {gold_file}")
            elif sections and not any(a in s for a in alts for s in in_section):
                problems.append(f"{label}: {fact!r} occurs in {gold_file} but not under {gold_section!r}")
    corpus_text = {name: normalise(text) for name, text in pages.items()}
    for u in hset.uncovered:
        for pattern in u.checked_absent:
            hits = [name for name, text in corpus_text.items() if normalise(pattern) in text]
            if hits:
                problems.append(f"{u.id}: checked_absent pattern {pattern!r} occurs in {', '.join(hits[:3])}")
    return problems


def mirrored_schema_problems(mset: MirroredSet, hset: HandbookSet) -> list[str]:
    """Checks that need no corpus: each question names a covered English question (each at most once) and carries
    its gold page and section, is written in Chinese (at least MIN_HAN Han characters), and the counts."""
    problems: list[str] = []
    if mset.corpus != hset.corpus:
        problems.append(f"corpus is {mset.corpus!r}, expected {hset.corpus!r}")
    if mset.version != 1:
        problems.append(f"version is {mset.version!r}, expected 1")
    if mset.language != "zh":
        problems.append(f"language is {mset.language!r}, expected 'zh'")
    english = {c.id: c for c in hset.covered}
    english_ids = set(english) | {c.id for c in hset.conversations} | {u.id for u in hset.uncovered}
    ids = [q.id for q in mset.questions]
    problems += [f"duplicate id {i}" for i, n in Counter(ids).items() if n > 1]
    problems += [f"{i}: id also used in the English set" for i in ids if i in english_ids]
    problems += [f"{m}: mirrored by {n} questions" for m, n in Counter(q.mirrors for q in mset.questions).items()
                 if n > 1]
    for q in mset.questions:
        source = english.get(q.mirrors)
        if source is None:
            problems.append(f"{q.id}: mirrors {q.mirrors!r}, which is not a covered question of the English set")
        elif (q.gold_file, q.gold_section) != (source.gold_file, source.gold_section):
            problems.append(f"{q.id}: gold {q.gold_file} / {q.gold_section!r} differs from {source.id}'s "
                            f"{source.gold_file} / {source.gold_section!r}")
        if len(_HAN.findall(q.question)) < MIN_HAN:
            problems.append(f"{q.id}: fewer than {MIN_HAN} Han characters in {q.question!r}")
        if source is not None and normalise(q.question) == normalise(source.question):
            problems.append(f"{q.id}: the same text as {source.id}")
        if not q.gold_file.endswith(".md"):
            problems.append(f"{q.id}: gold_file not a .md page")
    counts = {"questions": len(mset.questions), "pages": len(mset.pages())}
    problems += [f"{mset.language or 'mirrored'} {name}: {counts[name]} < {least}"
                 for name, least in MIRRORED_MINIMUMS.items() if counts[name] < least]
    return problems


def mirrored_corpus_problems(mset: MirroredSet, root: Path | None = None) -> list[str]:
    """Checks against the handbook: every gold page exists and holds the gold heading."""
    root = root or corpus_dir()
    problems: list[str] = []
    for q in mset.questions:
        page = root / q.gold_file
        if not page.is_file():
            problems.append(f"{q.id}: gold_file {q.gold_file} not in the corpus")
        elif not section_texts(page.read_text(encoding="utf-8"), q.gold_section):
            problems.append(f"{q.id}: no heading {q.gold_section!r} in {q.gold_file}")
    return problems


def mirrored_summary(mset: MirroredSet, hset: HandbookSet) -> str:
    styles = Counter(source.style for _, source in mset.pairs(hset))
    return (f"{mset.language}: {len(mset.questions)} questions mirroring covered ones ({styles['literal']} of literal, "
            f"{styles['paraphrased']} of paraphrased English questions) over {len(mset.pages())} pages")


def summary(hset: HandbookSet) -> str:
    styles = Counter(c.style for c in hset.covered)
    kinds = Counter(conv.turns[-1].kind for conv in hset.conversations if conv.turns)
    gold_pages = hset.covered_pages() | {t.gold_file for conv in hset.conversations for t in conv.turns}
    return "\n".join([
        f"corpus {hset.corpus}, version {hset.version}",
        f"covered: {len(hset.covered)} ({styles['literal']} literal, {styles['paraphrased']} paraphrased) "
        f"over {len(hset.covered_pages())} pages",
        f"conversations: {len(hset.conversations)} (" + ", ".join(f"{k} {kinds[k]}" for k in KINDS) + ")",
        f"uncovered: {len(hset.uncovered)}",
        f"distinct gold pages (covered + conversations): {len(gold_pages)}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.handbook.questions", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="run every check; exit 1 on any failure")
    parser.add_argument("--path", type=Path, default=None, help="question set (default: questions.yaml here)")
    parser.add_argument("--zh-path", type=Path, default=None,
                        help="Chinese versions of covered questions (default: questions_zh.yaml here)")
    parser.add_argument("--corpus", type=Path, default=None, help="handbook folder (default: corpus_dir())")
    args = parser.parse_args(argv)
    hset = load_handbook_set(args.path)
    mset = load_mirrored_set(args.zh_path)
    out = [summary(hset) + "\n" + mirrored_summary(mset, hset)]
    if not args.check:
        sys.stdout.write(out[0] + "\n")
        return 0
    problems = schema_problems(hset) + mirrored_schema_problems(mset, hset)
    root = args.corpus or corpus_dir()
    if root.is_dir():
        problems += corpus_problems(hset, root) + mirrored_corpus_problems(mset, root)
        out.append(f"corpus checks run against {root}")
    else:
        problems.append(f"corpus folder {root} not found: gold pages, facts and absent patterns not checked")
    out += [f"FAIL {p}" for p in problems] or ["all checks passed"]
    sys.stdout.write("\n".join(out) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
