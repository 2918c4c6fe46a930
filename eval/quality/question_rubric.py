"""The automated rubric on every question the tutor generates from a real handbook and from the sample courses.

    tutor eval rubric [--out eval/reports/question_rubric.md] [--index var/cache/eval/18f-index] [--sample 50]

Each corpus is ingested (the handbook incrementally into a kept folder, the sample courses into a temporary one)
and its question bank is built exactly as the tutor builds it (assessment.sync_question_bank into a fresh
store). Every generated question is then checked against a rubric written independently of the generator:

- no blank or markup from a link, code, a table or a template in the prompt, the answer or the options;
- the answer is not in the stem;
- multiple choice: options distinct, and of one kind (amounts of one unit, or named things);
- the source sentence is not under a prohibiting heading or an item of a prohibiting list ("Not OK:", "Don't").

Three forms are judged by what they are (told apart by their wording, not by the generator's word for them):

- "Which of these is NOT ...?": the one use of a prohibiting list. Its answer must be an item of a prohibiting
  list (or under a prohibiting heading) in its passage, and every other option an item of the same page that is
  under no prohibition; the answer-in-the-stem and one-kind checks apply as to any multiple choice.
- True or false (options exactly True and False): the statement is its source sentence (a sentence of the
  passage, not under a prohibition) as written when the answer is True, and differs from it by exactly one
  amount, changed to another of the same unit, when the answer is False. The answer is not looked for in the
  stem: "True" is a verdict, not a term.
- "… what do you do next?" / "… what is the first step?": every option a numbered item of its passage, and the
  answer item 1, or the item numbered one more than the step the prompt names.

Coverage: the share of sections that state a fact (a sentence of 8-45 words with a number in it) with at least
one question. The report ends with a random sample of questions for a person to read against the rubric.
"""
from __future__ import annotations

import argparse
import logging
import random
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from ..report import table, write_report

log = logging.getLogger("eval")
ROOT = Path(__file__).resolve().parents[2]

_MARKUP = re.compile(r"\]\(|\*\*|`|\{%|\{\{|https?://|www\.|\||<[a-z/]|^#|\s#\w")
_PROHIBITING = re.compile(r"\b(not ok|not okay|don'?t|do not|never|avoid|prohibited|not allowed|must not|forbidden)\b",
                          re.IGNORECASE)
_UNIT = re.compile(r"^\$|%$|\b(days?|weeks?|months?|years?|hours?|minutes?|percent|pay periods?|times|sessions?|nights?)$",
                   re.IGNORECASE)
_FACT_SENTENCE = re.compile(r"[^.!?\n]*\d[^.!?\n]*[.!?]")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\u4e00-\u9fff$%]+", " ", text.lower()).split())


def _kind(option: str) -> str:
    match = _UNIT.search(option.strip())
    if match and re.search(r"\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve", option.lower()):
        return "amount:" + match.group(0).lower().rstrip("s")
    return "thing"


def question_form(question: dict) -> str:
    """"true_false", "not_allowed", "next_step" or "cloze" (any other), from the question's options and wording."""
    if [o.strip().lower() for o in question.get("options") or []] == ["true", "false"]:
        return "true_false"
    if re.search(r"\bwhich of these\b[^?]*\bNOT\b", question["prompt"], re.IGNORECASE) and \
            re.search(r"\bNOT\b", question["prompt"]):
        return "not_allowed"
    if re.search(r"(?:what do you do next|what is the first step)\?$", question["prompt"]):
        return "next_step"
    return "cloze"


def rubric_problems(question: dict, source_text: str, section: str, page: list[tuple[str, str]] = ()) -> list[str]:
    """What fails the rubric for one generated question (empty when it passes); `page` is (text, section) of
    every passage of the question's page, where a not-allowed question's other options come from."""
    problems = []
    form = question_form(question)
    prompt = question["prompt"].replace("_____", " ")
    options = question.get("options") or []
    if any(_MARKUP.search(t) for t in [question["prompt"], question["answer"], *options]):
        problems.append("markup or link in the prompt, answer or options")
    answer = _norm(question["answer"])
    if form != "true_false" and answer and (f" {answer} " in f" {_norm(prompt)} "
                                            or (not answer.isascii() and answer in _norm(prompt))):
        problems.append("answer in the stem")
    if options:
        if len({_norm(o) for o in options}) != len(options):
            problems.append("options not distinct")
        if len({_kind(o) for o in options}) != 1:
            problems.append("options of different kinds")
    if form == "not_allowed":
        return problems + _not_allowed_problems(question, source_text, section, page or [(source_text, section)])
    if form == "true_false":
        problems += _true_false_problems(question, source_text)
    if form == "next_step":
        return problems + _next_step_problems(question, source_text)
    if under_prohibition(question.get("explanation") or "", source_text, section):
        problems.append("source under a prohibiting heading or list")
    return problems


def _not_allowed_problems(question: dict, source_text: str, section: str, page: list[tuple[str, str]]) -> list[str]:
    problems = []
    if not under_prohibition(question["answer"], source_text, section):
        problems.append("not-allowed answer not from a prohibiting list")
    for option in question["options"]:
        if _norm(option) == _norm(question["answer"]):
            continue
        places = [(text, sec) for text, sec in page if _list_item(option, text)]
        if not places or any(under_prohibition(option, text, sec) for text, sec in places):
            problems.append("not-allowed distractor not from an allowed list")
            break
    return problems


def _next_step_problems(question: dict, source_text: str) -> list[str]:
    """Every option a numbered item of the passage; the key numbered 1 ("first step") or one more than the step
    the prompt names."""
    items = [(int(m.group(1)), _norm(re.sub(r"\([^()]*\)", " ", re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", m.group(2)))))
             for m in re.finditer(r"^\s{0,3}(\d{1,2})[.)]\s+(.*)$", source_text, re.MULTILINE)]

    def number(text: str) -> int | None:
        wanted = _norm(text)
        return next((n for n, item in items if wanted and item.startswith(wanted)), None)

    if any(number(o) is None for o in question["options"]):
        return ["next-step option not a numbered step of its passage"]
    key = number(question["answer"])
    if question["prompt"].endswith("what is the first step?"):
        return [] if key == 1 else ["first-step key not the first step"]
    named = re.search(r"after “([^”]+)”", question["prompt"])
    if not named or number(named.group(1)) is None or number(named.group(1)) + 1 != key:
        return ["next-step key not the step after the one named"]
    return []


def _true_false_problems(question: dict, source_text: str) -> list[str]:
    sentence = question.get("explanation") or ""
    statement = re.sub(r"^true or false:\s*", "", question["prompt"], flags=re.IGNORECASE)
    readable = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", source_text))
    if not sentence or _norm(sentence) not in _norm(readable):
        return ["true/false source sentence not in its passage"]
    if question["answer"].strip().lower() == "true":
        return [] if _norm(statement) == _norm(sentence) else ["true statement differs from its source"]
    a, b = _norm(sentence).split(), _norm(statement).split()
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    end = next((i for i, (x, y) in enumerate(zip(reversed(a), reversed(b))) if x != y), 0)
    old, new = " ".join(a[start:len(a) - end]), " ".join(b[start:len(b) - end])
    unit_old, unit_new = _kind(_with_unit(old, a, len(a) - end)), _kind(_with_unit(new, b, len(b) - end))
    if not old or not new or not unit_old.startswith("amount:") or unit_old != unit_new:
        return ["false statement not one amount changed"]
    return []


def _with_unit(changed: str, words: list[str], end: int) -> str:
    """The changed words with the unit that follows them when only the number changed ("30" -> "30 days",
    "10" -> "10 pay periods")."""
    for size in (0, 1, 2):
        candidate = " ".join([changed, *words[end:end + size]])
        if _kind(candidate) != "thing":
            return candidate
    return changed


def _list_item(option: str, text: str) -> bool:
    """Whether `option` begins a list item of `text`."""
    probe = " ".join(_norm(option).split()[:6])
    return any(re.match(r"\s*([-*+]|\d+[.)])\s", line) and probe in _norm(line) for line in text.splitlines())


def under_prohibition(sentence: str, source_text: str, section: str) -> bool:
    """Whether the sentence sits under a prohibiting heading, or is an item of a list led in by a prohibition."""
    if section and _PROHIBITING.search(section.split(" > ")[-1]):
        return True
    words = _norm(sentence).split()
    probe = " ".join(words[:6])
    lines = source_text.splitlines()
    at = next((i for i, line in enumerate(lines) if probe and probe in _norm(line)), None)
    if at is None or not re.match(r"\s*([-*+]|\d+[.)])\s", lines[at]):
        return False
    for line in reversed(lines[:at]):
        if line.strip() and not re.match(r"\s*([-*+]|\d+[.)])\s", line) and not line.startswith("  "):
            return line.rstrip().endswith(":") and bool(_PROHIBITING.search(line))
    return False


def fact_sections(chunks) -> set[tuple[str, str]]:
    """Sections with a sentence of 8-45 words holding a number (not a table row)."""
    found = set()
    for chunk in chunks:
        for line in chunk.text.splitlines():
            if line.strip().startswith("|"):
                continue
            if any(8 <= len(m.group(0).split()) <= 45 for m in _FACT_SENTENCE.finditer(line)):
                found.add((chunk.course_id, chunk.section))
                break
    return found


def evaluate_corpus(index_dir: Path, settings, embedder, rng: random.Random, sample: int) -> tuple[dict, list[str]]:
    """The rubric's figures for one ingested corpus, and a sample of its questions as Markdown lines."""
    from assessment import sync_question_bank
    from retrieval import Retriever
    from store import Records

    retriever = Retriever(index_dir, embedder, settings)
    courses, chunks = retriever.corpus()
    with tempfile.TemporaryDirectory(prefix="rubric-") as work:
        records = Records(Path(work) / "tutor.db")
        sync_question_bank(records.learning, courses, chunks, embedder, multilingual=retriever.multilingual)
        questions = [q for q in records.learning.questions() if q["origin"] == "generated"]
    by_chunk = {c.chunk_id: c for c in chunks}
    pages: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for c in chunks:
        pages[c.course_id].append((c.text, c.section))
    failures: dict[str, int] = defaultdict(int)
    passed = 0
    for q in questions:
        chunk = by_chunk.get(q["source_chunk"])
        problems = rubric_problems(q, chunk.text if chunk else "", chunk.section if chunk else "",
                                   pages[chunk.course_id] if chunk else [])
        passed += not problems
        for problem in problems:
            failures[problem] += 1
    stating = fact_sections(chunks)
    asked = {(by_chunk[q["source_chunk"]].course_id, by_chunk[q["source_chunk"]].section)
             for q in questions if q["source_chunk"] in by_chunk}
    figures = {"passages": len(chunks), "generated questions": len(questions),
               "pass the rubric": passed / max(1, len(questions)),
               **{f"  fail: {k}": v for k, v in sorted(failures.items())},
               "sections stating a fact": len(stating),
               "  with at least one question": len(stating & asked) / max(1, len(stating)),
               "multiple choice share": sum(q["kind"] == "mcq" for q in questions) / max(1, len(questions)),
               **{f"  {name} (questions)": sum(question_form(q) == form for q in questions)
                  for form, name in (("not_allowed", "which is NOT allowed"), ("true_false", "true or false"),
                                     ("next_step", "what do you do next"))},
               "approved by their quality score (reach learners without review)":
                   sum(q["status"] == "approved" for q in questions) / max(1, len(questions))}
    approved = [q for q in questions if q["status"] == "approved"]
    lines = ["All generated:"] + _listed(rng.sample(questions, min(sample, len(questions))))
    lines += ["", "Approved by their quality score:"] + _listed(rng.sample(approved, min(sample, len(approved))))
    return figures, lines


def _listed(questions: list[dict]) -> list[str]:
    return [f"{i + 1}. {q['prompt']} — answer: {q['answer']}" + (f" — options: {', '.join(q['options'])}" if q["options"] else "")
            + f" — quality {q['quality']}" for i, q in enumerate(questions)]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "var" / "cache" / "eval" / "18f-index")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/question_rubric.md"))
    parser.add_argument("--sample", type=int, default=50)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from retrieval import RetrievalSettings, SentenceEmbedder, ingest

    from ..handbook.questions import corpus_dir

    settings = RetrievalSettings()
    embedder = SentenceEmbedder(settings.embedding)
    rng = random.Random(7)
    sections = ["# Generated questions against the rubric"]
    corpus = corpus_dir()
    if corpus.exists():
        ingest(corpus, args.index, embedder, settings)
        figures, sample = evaluate_corpus(args.index, settings, embedder, rng, args.sample)
        sections += ["## The 18F handbook\n\n" + table(figures),
                     f"### {len(sample)} at random, for reading against the rubric\n\n" + "\n".join(sample)]
    else:
        log.warning("handbook not found at %s: only the sample courses are checked", corpus)
    with tempfile.TemporaryDirectory(prefix="rubric-courses-") as work:
        index = Path(work) / "index"
        ingest(ROOT / "data" / "courses", index, embedder, settings)
        figures, sample = evaluate_corpus(index, settings, embedder, rng, 15)
    sections += ["## The sample courses\n\n" + table(figures), "### 15 at random\n\n" + "\n".join(sample)]
    return write_report(sections, args.out)


if __name__ == "__main__":
    main()
