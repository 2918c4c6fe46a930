"""Quiz questions: the authored ones in course front matter, and ones generated from course passages.

Generated questions are cloze (fill the blank) and multiple choice whose distractors are key terms of related
passages, and where the text supports them "Which of these is NOT allowed?" and true/false on a rule
(assessment.question_forms). Every generated question passes `check_question` before it is kept: the answer is
in its source, the prompt does not give it away, options are distinct and no distractor is a synonym of the
answer (a true/false statement: its sentence as written, or with one amount changed).
Chinese passages choose their terms, sentences and distractors in `cloze_zh` and are judged with the
multilingual encoder; English passages never reach that code.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import chinese, cloze_zh
from .distractors import CachedEmbedder, term_distractors
from .grading import normalise
from .key_facts import Fact, key_facts, quantity_distractors
from .quality import question_quality
from .procedures import check_next_step, next_step_question, procedures
from .question_forms import (FORMS, Draft, check_true_false, form_of, not_allowed_question, passage_lists,
                             true_false_question)

LEVEL_OFFSET = {"beginner": -0.1, "intermediate": 0.0, "advanced": 0.1}
_BOLD = re.compile(r"\*\*([^*\n]{2,40})\*\*")
_CODE = re.compile(r"`([^`\n]{2,30})`")
_ACRONYM = re.compile(r"\b([A-Z]{2,6}s?)\b")
BLANK = "_____"
_COMMON = frozenset("""about above after again also always among another because been before being below between both
called cannot could does doing down during each either every from have having into itself just like made make many
more most much must near need often only other over same should since some such than that their them then there these
they this those through under until upon very what when where which while will with within without would your""".split())


@dataclass
class Question:
    question_id: str
    course_id: str
    course_title: str
    skill: str
    kind: str  # "mcq" or "short"
    prompt: str
    answer: str
    options: list[str] = field(default_factory=list)
    explanation: str = ""
    section: str = ""
    url: str = ""
    source_chunk: str = ""
    difficulty: float = 0.5
    origin: str = "authored"  # "authored" (course front matter), "generated" or "trainer" (written in the console)
    quality: float | None = None  # generated questions only: assessment.quality
    quality_parts: dict[str, float] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def authored_questions(course: dict[str, Any]) -> list[Question]:
    """Questions written in a course's front matter (`questions:`), validated loosely."""
    meta = course.get("metadata") or {}
    out = []
    for i, q in enumerate(meta.get("questions") or []):
        if not isinstance(q, dict) or not q.get("question") or not q.get("answer"):
            continue
        kind = "mcq" if q.get("type") == "mcq" and q.get("options") else "short"
        base = 0.35 if kind == "mcq" else 0.5
        out.append(Question(
            question_id=str(q.get("id") or f"{course['course_id']}-q{i + 1}"),
            course_id=course["course_id"],
            course_title=course["title"],
            skill=str(q.get("skill") or (meta.get("skills") or ["general"])[0]),
            kind=kind,
            prompt=str(q["question"]).strip(),
            answer=str(q["answer"]).strip(),
            options=[str(o) for o in q.get("options") or []] if kind == "mcq" else [],
            explanation=str(q.get("explanation") or ""),
            section=str(q.get("section") or ""),
            url=str(meta.get("url") or ""),
            difficulty=round(base + LEVEL_OFFSET.get(str(meta.get("level")), 0.0), 2),
        ))
    return out


def key_terms(text: str, idf: dict[str, float] | None = None, salient: int = 3) -> list[str]:
    """Terms worth asking about: bold phrases, code terms and acronyms in order of appearance; for plain
    text without such markup, the rarest words of the passage by corpus IDF. Chinese passages: `cloze_zh`."""
    if chinese.is_chinese_text(text):
        return cloze_zh.zh_key_terms(text, idf, salient)
    found: list[str] = []
    for pattern in (_BOLD, _CODE, _ACRONYM):
        for match in pattern.finditer(text):
            term = match.group(1).strip(" .,:;")
            if len(term) >= 2 and term not in found and not term.isdigit():
                found.append(term)
    if idf and len(found) < 2:
        words = {w for w in re.findall(r"\b[a-z][a-z-]{3,}\b", text) if w not in _COMMON}
        found += sorted(words, key=lambda w: (-idf.get(w, 0.0), w))[:salient]
    return found


def document_frequencies(texts: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of lower-case words, of acronyms as written (GSA, PTO) and of noun compounds
    over Chinese passages."""
    counts: dict[str, int] = {}
    for text in texts:
        words = set(re.findall(r"\b[a-z][a-z-]{3,}\b", text.lower())) | set(_ACRONYM.findall(text))
        if chinese.is_chinese_text(text):
            words |= set(cloze_zh.noun_terms(text))
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    n = max(1, len(texts))
    return {w: float(np.log((1 + n) / (1 + c))) for w, c in counts.items()}


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").replace("`", "").split())


def _skill_for(section: str, text: str, skills: Sequence[str], section_skills: dict[str, str]) -> str:
    top = section.split(" > ")[0]
    if top in section_skills:
        return section_skills[top]
    words = set(normalise(f"{section} {text}").split())
    scored = [(len(set(s.replace("-", " ").split()) & words), s) for s in skills]
    scored.sort(key=lambda x: -x[0])
    return scored[0][1] if scored and scored[0][0] else (skills[0] if skills else "general")


def check_question(q: Question, source_text: str, embedder=None, synonym_cosine: float = 0.85) -> list[str]:
    """Problems that disqualify a question; empty when it may be asked. `embedder` judges synonyms: the
    multilingual one for a Chinese question."""
    problems = []
    if chinese.has_han(q.answer) or chinese.has_han(q.prompt):
        return _check_chinese(q, source_text, embedder, synonym_cosine)
    if form_of(q) == "true_false":
        return check_true_false(q, source_text)
    if form_of(q) == "next_step":
        return check_next_step(q, source_text, "")
    plain_source = normalise(_plain(source_text))
    if normalise(q.answer) not in plain_source:
        problems.append("answer not in its source passage")
    if f" {normalise(q.answer)} " in f" {normalise(q.prompt.replace(BLANK, ' '))} ":
        problems.append("prompt gives the answer away")
    if len(q.prompt.split()) < 6:
        problems.append("prompt too short to be answerable")
    if q.kind == "mcq":
        normalised = [normalise(o) for o in q.options]
        if len(set(normalised)) != len(normalised):
            problems.append("duplicate options")
        if normalise(q.answer) not in normalised:
            problems.append("answer missing from options")
        distractors = [o for o in q.options if normalise(o) != normalise(q.answer)]
        for d in distractors:
            if normalise(d) in normalise(q.answer) or normalise(q.answer) in normalise(d):
                problems.append(f"distractor '{d}' overlaps the answer")
        if embedder is not None and distractors:
            vectors = embedder.embed([q.answer, *distractors])
            if float(np.max(vectors[1:] @ vectors[0])) >= synonym_cosine:
                problems.append("a distractor is a near-synonym of the answer")
    return problems


def _check_chinese(q: Question, source_text: str, embedder, synonym_cosine: float) -> list[str]:
    """`check_question` on characters instead of words (Chinese has no spaces)."""
    problems = []
    answer = chinese.compact(q.answer)
    if not answer or answer not in chinese.compact(_plain(source_text)):
        problems.append("answer not in its source passage")
    if answer and answer in chinese.compact(q.prompt.replace(BLANK, " ")):
        problems.append("prompt gives the answer away")
    if len(chinese.HAN.findall(q.prompt.replace(cloze_zh.PROMPT_PREFIX, ""))) < 8:
        problems.append("prompt too short to be answerable")
    if q.kind == "mcq":
        folded = [chinese.compact(o) for o in q.options]
        if len(set(folded)) != len(folded):
            problems.append("duplicate options")
        if answer not in folded:
            problems.append("answer missing from options")
        distractors = [o for o, f in zip(q.options, folded) if f != answer]
        for d, f in ((o, chinese.compact(o)) for o in distractors):
            if f in answer or answer in f or chinese.quantities(d) & chinese.quantities(q.answer):
                problems.append(f"distractor '{d}' overlaps the answer")
        # Quantities are compared by value above: 1 小时 and 2 小时 embed as near-synonyms and are not.
        if embedder is not None and distractors and not chinese.quantities(q.answer):
            vectors = embedder.embed([q.answer, *distractors])
            if float(np.max(vectors[1:] @ vectors[0])) >= synonym_cosine:
                problems.append("a distractor is a near-synonym of the answer")
    return problems


_LEADING_FUNCTION_WORD = re.compile(r"^(if|on|in|use|do|don't|the|a|an|to|for|and|or|but|when|with|by|at|of|is|are|be|it|you|your|this|that)\b", re.IGNORECASE)


_TEMPLATE_MARK = re.compile(r"[<>{}\[\]`|]|https?://")


def usable_term(term: str) -> bool:
    """A term that reads as a thing to name: 1-5 words, not a clause or instruction, with no placeholder or
    template in it ("cf push <app-name>", "{%include%}") that a learner would read as markup."""
    words = term.split()
    return (1 <= len(words) <= 5 and not _LEADING_FUNCTION_WORD.match(term) and not term.endswith((".", ":", ","))
            and not _TEMPLATE_MARK.search(term))


def generate_questions(course: dict[str, Any], chunks: Sequence[Any], pool_terms: Sequence[str], embedder=None,
                       per_chunk: int = 1, seed: int = 7, idf: dict[str, float] | None = None,
                       multilingual=None, forms: Sequence[str] = FORMS,
                       max_option_words: int = 10) -> tuple[list[Question], int]:
    """Questions from a course's passages in the `forms` asked for (assessment.question_forms); returns (kept,
    rejected count).

    Chinese passages are judged by `multilingual` (by default, when an `embedder` is given at all, the shared
    multilingual encoder): the English embedder cannot tell Chinese synonyms from unrelated words. Each kept
    question carries its quality score (assessment.quality)."""
    meta = course.get("metadata") or {}
    skills = [str(s) for s in meta.get("skills") or []]
    section_skills = {str(q.get("section")): str(q.get("skill")) for q in meta.get("questions") or [] if isinstance(q, dict)}
    rng = random.Random(seed)
    idf_max = max(idf.values()) if idf else 0.0
    english = [c for c in chunks if not chinese.is_chinese_text(c.text)]
    facts_of = {c.chunk_id: key_facts(c.text, idf, c.section) for c in english}
    quantities = [f.term for facts in facts_of.values() for f in facts if f.kind == "quantity"]
    named = [f.term for facts in facts_of.values() for f in facts if f.kind != "quantity"]
    pool = [t for t in dict.fromkeys(_plain(p) for p in [*pool_terms, *named]) if usable_term(t)]
    if embedder is not None:
        embedder = CachedEmbedder(embedder)
        embedder.embed([t for t in pool if not chinese.has_han(t)])  # one batch for every term this course can use
    plan = _Plan(course, english, passage_lists(english) if "not_allowed" in forms else {}, pool, quantities,
                 embedder, rng, idf, idf_max, per_chunk, tuple(forms), max_option_words)
    zh_embedder = None
    kept: list[Question] = []
    rejected = 0
    for chunk in chunks:
        skill = _skill_for(chunk.section, chunk.text, skills, section_skills)
        if chinese.is_chinese_text(chunk.text):
            if zh_embedder is None and (embedder is not None or multilingual is not None):
                zh_embedder = CachedEmbedder(multilingual or chinese.multilingual_embedder())
            made, bad = _chinese_questions(course, chunk, pool, zh_embedder, rng, per_chunk, idf, skill, idf_max)
        else:
            made, bad = plan.passage(chunk, facts_of[chunk.chunk_id], skill)
        kept += made
        rejected += bad
    return kept, rejected


@dataclass
class _Plan:
    """Which questions an English passage gets, at most `per_chunk`, in turn: a cloze on its best fact; a "Which
    of these is NOT allowed?" on its not-allowed list where an allowed list pairs with it; a true/false statement
    on the first of its other quantity facts in a rule sentence (never one already asked about); cloze on its
    next facts. A sentence is made into a statement once per course, though overlapping passages share it."""

    course: dict[str, Any]
    chunks: Sequence[Any]
    lists: dict[str, Any]
    pool: Sequence[str]
    quantities: Sequence[str]
    embedder: Any
    rng: random.Random
    idf: dict[str, float] | None
    idf_max: float
    per_chunk: int
    forms: tuple[str, ...]
    max_option_words: int
    stated: set[str] = field(default_factory=set)  # sentences already made into a true/false statement

    def passage(self, chunk: Any, facts: Sequence[Fact], skill: str) -> tuple[list[Question], int]:
        """The passage's questions, and how many made were rejected by `check_question`."""
        kept: list[Question] = []
        remaining = list(facts)
        steps = (("cloze", self._cloze, True), ("not_allowed", self._not_allowed, True),
                 ("next_step", self._next_step, True), ("true_false", self._true_false, True),
                 ("cloze", self._cloze, False))
        rejected = sum(self._fill(kept, remaining, chunk, skill, make, once, listwise=form in ("not_allowed", "next_step"))
                       for form, make, once in steps if form in self.forms)
        return kept, rejected

    def _fill(self, kept: list[Question], remaining: list[Fact], chunk: Any, skill: str,
              make: Callable[..., Question | None], once: bool, listwise: bool) -> int:
        """Keep what `make` makes of each remaining fact (of the passage once, for a list question) until the
        passage has `per_chunk` questions, or `once` one is kept; returns how many were rejected."""
        rejected = 0
        for fact in [None] if listwise else list(remaining):
            if len(kept) >= self.per_chunk:
                break
            question = make(chunk, fact, skill, kept)
            bad = self._keep(kept, question, chunk, fact.kind if fact else None)
            rejected += bad
            if question is None or bad:
                continue
            if fact is not None:
                remaining.remove(fact)
            if form_of(question) == "true_false":
                self.stated.add(question.explanation)
            if once:
                break
        return rejected

    def _keep(self, kept: list[Question], q: Question | None, chunk: Any, fact_kind: str | None) -> int:
        """Add `q` to `kept` when it passes `check_question`; 1 when it was rejected."""
        if q is None:
            return 0
        if check_question(q, chunk.text, self.embedder):
            return 1
        _score(q, chunk.text, self.idf, self.embedder, self.idf_max, fact_kind)
        kept.append(q)
        return 0

    def _cloze(self, chunk: Any, fact: Fact, skill: str, kept: Sequence[Question]) -> Question | None:
        if any(q.explanation == fact.sentence and form_of(q) == "true_false" for q in kept):
            return None  # the blank's answer is in the statement
        return _fact_question(self.course, chunk, fact, self.pool, self.quantities, self.embedder, self.rng, skill)

    def _not_allowed(self, chunk: Any, fact: None, skill: str, kept: Sequence[Question]) -> Question | None:
        draft = not_allowed_question(chunk, self.chunks, self.lists, self.embedder, self.rng, self.max_option_words)
        return None if draft is None else _from_draft(self.course, chunk, skill, draft)

    def _next_step(self, chunk: Any, fact: None, skill: str, kept: Sequence[Question]) -> Question | None:
        for procedure in procedures(chunk.text, chunk.section):
            made = next_step_question(procedure, self.rng)
            if made is not None:
                prompt, key, options, explanation = made
                return _from_draft(self.course, chunk, skill, Draft(f"next:{prompt}", prompt, key, options, explanation, 0.5))
        return None

    def _true_false(self, chunk: Any, fact: Fact, skill: str, kept: Sequence[Question]) -> Question | None:
        if fact.sentence in self.stated or any(fact.sentence == q.explanation for q in kept):
            return None  # the same statement twice (overlapping passages), or the sentence a cloze quotes
        draft = true_false_question(fact, self.quantities, chunk.chunk_id)
        return None if draft is None else _from_draft(self.course, chunk, skill, draft)


def _from_draft(course: dict[str, Any], chunk: Any, skill: str, draft: Draft) -> Question:
    return Question(
        question_id="gen-" + hashlib.sha1(f"{chunk.chunk_id}:{draft.key}".encode()).hexdigest()[:12],
        course_id=course["course_id"], course_title=course["title"], skill=skill, kind="mcq", prompt=draft.prompt,
        answer=draft.answer, options=draft.options, explanation=draft.explanation,
        section=chunk.section.split(" > ")[0], url=chunk.url, source_chunk=chunk.chunk_id,
        difficulty=draft.difficulty, origin="generated",
    )


def _fact_question(course: dict[str, Any], chunk: Any, fact: Fact, pool: Sequence[str], quantities: Sequence[str],
                   embedder, rng: random.Random, skill: str) -> Question | None:
    """A cloze question on `fact`: its sentence with the term blanked (whole words, once, and nowhere else in the
    prompt), multiple choice when three distractors of the same kind exist (other amounts of the same unit for a
    quantity; related terms of the same shape otherwise), else a short answer."""
    pattern = re.compile(rf"(?<![\w$&/.-]){re.escape(fact.term)}(?![\w&/-]|\.\w)")  # not inside "USA.gov", "M&IE"
    if len(pattern.findall(fact.sentence)) != 1:
        return None
    prompt = pattern.sub(BLANK, fact.sentence, count=1)
    if fact.kind == "quantity":
        distractors = quantity_distractors(fact.term, quantities)
    elif usable_term(fact.term):
        distractors = term_distractors(fact.term, pool, embedder, rng)
    else:
        return None
    kind = "mcq" if len(distractors) == 3 else "short"
    options = sorted([fact.term, *distractors], key=lambda _: rng.random()) if kind == "mcq" else []
    return Question(
        question_id="gen-" + hashlib.sha1(f"{chunk.chunk_id}:{fact.term}".encode()).hexdigest()[:12],
        course_id=course["course_id"], course_title=course["title"], skill=skill, kind=kind,
        prompt=f"Fill in the blank: {prompt}", answer=fact.term, options=options, explanation=fact.sentence,
        section=chunk.section.split(" > ")[0], url=chunk.url, source_chunk=chunk.chunk_id,
        difficulty=0.45 if kind == "mcq" else 0.6, origin="generated",
    )


def _score(q: Question, source_text: str, idf: dict[str, float] | None, embedder, idf_max: float,
           fact_kind: str | None = None) -> None:
    found = question_quality(q, source_text, idf, embedder, idf_max=idf_max, fact_kind=fact_kind)
    q.quality, q.quality_parts = found.score, found.parts


def _chinese_questions(course: dict[str, Any], chunk: Any, pool: Sequence[str], embedder, rng: random.Random,
                       per_chunk: int, idf: dict[str, float] | None, skill: str,
                       idf_max: float = 0.0) -> tuple[list[Question], int]:
    """Up to `per_chunk` checked cloze questions from a Chinese passage; returns (kept, rejected count)."""
    kept: list[Question] = []
    rejected = 0
    for term in cloze_zh.zh_key_terms(chunk.text, idf):
        if len(kept) >= per_chunk:
            break
        found = cloze_zh.cloze(chunk.text, term) if cloze_zh.usable_zh_term(term) else None
        if found is None:
            continue
        sentence, prompt = found
        distractors = cloze_zh.zh_distractors(term, pool, embedder, rng)
        kind = "mcq" if len(distractors) == 3 else "short"
        options = sorted([term, *distractors], key=lambda _: rng.random()) if kind == "mcq" else []
        q = Question(
            question_id="gen-" + hashlib.sha1(f"{chunk.chunk_id}:{term}".encode()).hexdigest()[:12],
            course_id=course["course_id"], course_title=course["title"], skill=skill, kind=kind,
            prompt=cloze_zh.PROMPT_PREFIX + prompt, answer=term, options=options, explanation=sentence,
            section=chunk.section.split(" > ")[0], url=chunk.url, source_chunk=chunk.chunk_id,
            difficulty=0.45 if kind == "mcq" else 0.6, origin="generated",
        )
        if check_question(q, chunk.text, embedder):
            rejected += 1
            continue
        _score(q, chunk.text, idf, embedder, idf_max)
        kept.append(q)
    return kept, rejected
