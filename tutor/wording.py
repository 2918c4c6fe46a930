"""Capability results as typed replies in the learner's language: the one place where the tutor's data becomes
words (through messages.say)."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from messages import (
    AnswerReply,
    Button,
    Citation,
    LearningPath,
    Progress,
    QuizFeedback,
    QuizQuestion,
    QuizSummary,
    Recommendations,
    Reply,
    detect_language,
    has_text,
    say,
)

from .outcome import Outcome

DEFAULT_LANGUAGE = "en"


# How each language writes a list, a run of sentences, a list of reasons, and a course title in running text.
# English is the default for any language not named here.
LIST_SEPARATORS = {"en": ", ", "zh": "、"}
SENTENCE_SEPARATORS = {"en": " ", "zh": ""}
REASON_SEPARATORS = {"en": "; ", "zh": "；"}
TITLE_MARKS = {"en": "{}", "zh": "《{}》"}
# Values that hold course titles: a list of them is written with the language's title marks.
TITLE_VALUES = frozenset({"titles", "after"})


class Words:
    """`say` bound to one language; lists in values are joined the language's way, and lists of course titles
    (`titles`, `after`) marked as titles are in that language (《…》 in Chinese)."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        return say(key, self.lang, **{k: self._value(k, v) for k, v in values.items()})

    def _value(self, name: str, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            return value
        return self.join(self.titles(value) if name in TITLE_VALUES else value)

    def join(self, items: Iterable[Any]) -> str:
        """Items as a list in running text: "a, b, c" in English, "a、b、c" in Chinese."""
        return LIST_SEPARATORS.get(self.lang, LIST_SEPARATORS["en"]).join(str(i) for i in items)

    def titles(self, titles: Iterable[Any]) -> list[str]:
        """Course titles as this language sets them in running text."""
        mark = TITLE_MARKS.get(self.lang, TITLE_MARKS["en"])
        return [mark.format(t) for t in titles]

    def sentences(self, *parts: str) -> str:
        """Sentences one after another: with a space in English, none in Chinese (its full stops are wide)."""
        return SENTENCE_SEPARATORS.get(self.lang, SENTENCE_SEPARATORS["en"]).join(p for p in parts if p)

    def reasons(self, reasons: Iterable[str]) -> str:
        return REASON_SEPARATORS.get(self.lang, REASON_SEPARATORS["en"]).join(reasons)


def message_language(text: str) -> Optional[str]:
    """The language a learner's message is written in ("zh", "en"), or None when it shows none ("2", "ok", a
    payload); course titles marked with 《》 do not count."""
    return detect_language(text or "")


def worded(outcome: Outcome, w: Words) -> Outcome:
    """Mark every reply of `outcome` with the language it was worded in, for the labels channels add to it
    (Sources, 👍/👎, Hint, Skip)."""
    for reply in outcome.replies:
        reply.lang = w.lang
    return outcome


def answer_reply(w: Words, answer, turn_id: str | None = None, extra_notes: list[str] = ()) -> AnswerReply:
    """An Answer from the chain (retrieval.Answer) as the learner sees it: its notices worded as notes (a refusal
    says its notice in the answer itself), then `extra_notes`."""
    citations = [Citation(c.course_id, c.title, c.section, c.url, c.source) for c in answer.citations]
    body = answer.text
    notices = answer.notices
    if answer.mode == "refused":
        body = w("answer.refused", notice=w("notice.instructions_ignored"), example=w("answer.example"))
        notices = [n for n in notices if n.code != "instructions_ignored"]
    elif answer.mode == "none":
        body = w("answer.empty_question", example=w("answer.example"))
    elif answer.mode == "section-exhausted":
        where_ = answer.citations[0].label() if answer.citations else ""
        body = w(f"answer.nothing_{answer.operation}", section=where_)
    elif answer.abstained:
        titles = [s["title"] for s in answer.suggestions[:4]]
        body = w.sentences(w("answer.not_covered"), w("answer.courses_cover", titles=titles) if titles else "")
    elif answer.lead:
        body = "\n".join([answer.lead, *(w("answer.quote", text=q) for q in answer.quotes)])
        if answer.operation:
            body = w(f"answer.{answer.operation}_intro") + "\n" + body
    notes = [notice_text(w, n) for n in notices] + list(extra_notes)
    lines = [*notes, body]
    if citations:
        lines.append(w("answer.sources"))
        lines += [w("answer.source_line", label=c.label(), where=c.url or c.source) for c in citations]
    return AnswerReply("\n".join(lines), answer=body, turn_id=turn_id, abstained=answer.abstained,
                       confidence=answer.confidence, mode=answer.mode, notes=notes, citations=citations,
                       lead=answer.lead, quotes=list(answer.quotes), operation=answer.operation,
                       suggestions=[{"id": s["id"], "title": s["title"]} for s in answer.suggestions[:4]])


MAX_TOPICS = 8


def topics_text(w: Words, titles: list[str]) -> str:
    """Course titles as a list in words: the first few, then how many more."""
    shown = titles[:MAX_TOPICS]
    if len(titles) > len(shown):
        return w("basics.topics_more", titles=shown, count=len(titles) - len(shown))
    return w.join(w.titles(shown))


def help_text(w: Words, titles: list[str]) -> str:
    """What the tutor does, naming the courses' topics (`titles`), or saying that none are there yet."""
    if not titles:
        return w("basics.help_no_courses")
    return w("basics.help", topics=topics_text(w, titles), quiz_topic=titles[0])


def greeting_text(w: Words, titles: list[str]) -> str:
    return w("basics.greet", topics=topics_text(w, titles)) if titles else w("basics.greet_no_courses")


def notice_text(w: Words, notice) -> str:
    return w(f"notice.{notice.code}", **notice.values)


def citation_of(question: dict[str, Any]) -> Citation:
    return Citation(question["course_id"], question["course_title"], question["section"], question["url"])


def where(question: dict[str, Any]) -> str:
    c = citation_of(question)
    return f"{c.label()} ({c.url})" if c.url else c.label()


def question_reply(w: Words, turn) -> QuizQuestion:
    """The current question of a quiz (assessment.QuizTurn)."""
    q = turn.question
    head = w("quiz.question_head", position=turn.position, total=turn.total, course=q["course_title"], prompt=q["prompt"])
    buttons = []
    if q["kind"] == "mcq":
        options = "\n".join(w("quiz.option_line", number=i, option=o) for i, o in enumerate(q["options"], 1))
        text = f"{head}\n{options}\n{w('quiz.how_to_choose')}"
        buttons = [Button(o, str(i)) for i, o in enumerate(q["options"], 1)]
    else:
        text = f"{head}\n{w('quiz.how_to_answer')}"
    return QuizQuestion(text, buttons, question_id=q["question_id"], kind=q["kind"], prompt=q["prompt"],
                        options=list(q["options"]), position=turn.position, total=turn.total, skill=q["skill"],
                        course_title=q["course_title"])


def feedback_reply(w: Words, graded) -> QuizFeedback:
    """The grade of one answer (assessment.Graded) with the right answer, why, and the source."""
    q = graded.question
    why, source = q.get("explanation") or "", w("quiz.source", where=where(q))
    key = "quiz.skipped" if graded.skipped else "quiz.correct" if graded.correct else "quiz.wrong"
    text = " ".join(w(key, answer=q["answer"], why=why, source=source).split())
    return QuizFeedback(text, correct=graded.correct, skipped=graded.skipped, answer=q["answer"],
                        explanation=why, citation=citation_of(q))


def summary_reply(w: Words, turn) -> QuizSummary:
    text = w("quiz.finished", correct=turn.correct, total=turn.total)
    if turn.mastery:
        text = w.sentences(text, w("quiz.mastery_now", levels=[f"{skill_name(s)} {p:.0%}" for s, p in turn.mastery.items()]))
    return QuizSummary(text, correct=turn.correct, total=turn.total, mastery=dict(turn.mastery))


# A quiz prompt quoted back in a reply ("I've flagged “…”") is cut here: enough to recognise it.
QUOTED_PROMPT_CHARS = 80


def flagged_text(w: Words, flagged) -> str:
    """Thanks for a flag (assessment.Flagged), naming the question so the learner sees which one was flagged, and
    saying the pending question can still be answered."""
    prompt = " ".join(str(flagged.question.get("prompt") or "").split())
    if len(prompt) > QUOTED_PROMPT_CHARS:
        prompt = prompt[: QUOTED_PROMPT_CHARS - 1].rstrip() + "…"
    key = "quiz.flagged" if flagged.first else "quiz.flagged_again"
    text = w(key, prompt=prompt)
    return w.sentences(text, w("quiz.flagged_pending")) if flagged.pending else text


def skill_name(skill: str) -> str:
    """A skill as learners read it: its id's words ("infosec-device-security" → "infosec device security")."""
    return skill.replace("-", " ").replace("_", " ")


def mastery_words(w: Words, p: float) -> str:
    key = "mastered" if p >= 0.9 else "solid" if p >= 0.7 else "getting_there" if p >= 0.4 else "starting"
    return w(f"mastery.{key}")


def due_text(w: Words, due: dict[str, int]) -> str:
    """'N questions due for review (…) — say “review” …', or '' when nothing is due."""
    if not due:
        return ""
    parts = [w("review.due_part", count=n, skill=skill_name(s)) for s, n in due.items()]
    return w("review.due", count=sum(due.values()), parts=parts)


def progress_reply(w: Words, standing) -> Progress:
    """Mastery per skill in words and numbers (assessment.Standing), and the reviews due."""
    mastery = {s: {"p_mastery": round(r["p_mastery"], 3), "attempts": r["attempts"], "correct": r["correct"]}
               for s, r in standing.mastery.items()}
    if not standing.mastery:
        return Progress(w("progress.none"), mastery={}, due=standing.due_count)
    lines = [w("progress.head")]
    for skill, row in sorted(standing.mastery.items(), key=lambda kv: -kv[1]["p_mastery"]):
        lines.append(w("progress.line", skill=skill_name(skill), p=row["p_mastery"], words=mastery_words(w, row["p_mastery"]),
                       correct=row["correct"], attempts=row["attempts"]))
    due = due_text(w, standing.due)
    if due:
        lines.append(due)
    return Progress("\n".join(lines), mastery=mastery, due=standing.due_count)


def level_word(w: Words, level: str) -> str:
    """A course's level ("beginner", …) in the learner's language; a level the wording does not know, as written."""
    key = f"level.{(level or '').strip().lower()}"
    return w(key) if has_text(key) else level


def reason_text(w: Words, reason) -> str:
    values = dict(reason.values)
    if "level" in values:
        values["level"] = level_word(w, values["level"])
    return w(f"reason.{reason.code}", **values)


def recommendations_reply(w: Words, recs, has_profile: bool) -> Reply:
    if not recs:
        return Reply(w("recommend.all_done"))
    lines = [w("recommend.head")]
    items = []
    for i, rec in enumerate(recs, 1):
        c, reasons = rec.course, [reason_text(w, r) for r in rec.reasons]
        lines.append(w("recommend.line", number=i, title=c.title, minutes=c.duration_minutes, level=level_word(w, c.level),
                       reasons=w.reasons(reasons)))
        items.append({"course_id": c.course_id, "title": c.title, "url": c.url, "reasons": reasons,
                      "unmet_prerequisites": rec.unmet_prerequisites, "score": rec.score})
    if not has_profile:
        lines.append(w("recommend.tell_profile"))
    first = recs[0].course.title
    buttons = [Button(w("recommend.button_enrol", title=first), w("say.enrol", title=first)),
               Button(w("recommend.button_quiz", title=first), w("say.quiz_on", topic=first)),
               Button(w("recommend.button_path", title=first), w("say.path", title=first))]
    return Recommendations("\n".join(lines), buttons, items=items)


def path_reply(w: Words, catalogue, path, visible: set[str]) -> LearningPath:
    def title(course_id: str) -> str:
        return catalogue.courses[course_id].title if course_id in visible else w("path.hidden_course")

    target = path.target
    lines = [w("path.head", title=target.title, count=len(path.steps), minutes=path.total_minutes)]
    for i, course in enumerate(path.steps, 1):
        needs = catalogue.unmet_prerequisites(course.course_id, set())
        if needs:
            lines.append(w("path.step_after", number=i, title=title(course.course_id), minutes=course.duration_minutes,
                           after=[title(n) for n in needs]))
        else:
            lines.append(w("path.step", number=i, title=title(course.course_id), minutes=course.duration_minutes))
    if path.already_done:
        lines.append(w("path.done_before", titles=[c.title for c in path.already_done]))
    return LearningPath("\n".join(lines), found=True, target=target.course_id, steps=[c.course_id for c in path.steps],
                        total_minutes=path.total_minutes)
