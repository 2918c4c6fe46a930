"""The cross-lingual evaluation's judging (eval/quality/crosslingual_eval.py), on stand-in search results and
answers: no model, no corpus."""
from dataclasses import dataclass, field

import pytest

from eval.quality.crosslingual_eval import (
    Judged, Passages, gold_rank, is_gold, judge_answer, measures, misses, search_all, under_heading,
)
from eval.handbook.questions import Covered, Mirrored

pytestmark = pytest.mark.unit

GOLD = ("travel-and-leave/leave.md", "Sick leave")


@dataclass
class Chunk:
    source: str
    section: str
    text: str = ""


@dataclass
class Hit:
    chunk: Chunk


@dataclass
class Result:
    hits: list


@dataclass
class Citation:
    source: str
    section: str


@dataclass
class Answer:
    text: str
    lead: str = ""
    abstained: bool = False
    mode: str = "extractive"
    citations: list = field(default_factory=list)


class StandInRetriever:
    def __init__(self, results: dict[str, list[Chunk]]) -> None:
        self.results = results
        self.calls: list[tuple[str, int]] = []

    def search(self, query, top_k=None, groups=None):
        self.calls.append((query, top_k))
        return Result([Hit(c) for c in self.results[query]])


def test_gold_is_the_page_and_a_heading_on_the_passage_path():
    assert is_gold("travel-and-leave/leave.md", "Sick leave > Civilian", *GOLD)
    assert is_gold("handbook/travel-and-leave/leave.md", "sick LEAVE", *GOLD)  # under a folder; case
    assert not is_gold("travel-and-leave/leave.md", "Annual leave", *GOLD)
    assert not is_gold("travel-and-leave/fmla.md", "Sick leave", *GOLD)
    assert not is_gold("other-leave.md", "Sick leave", "leave.md", "Sick leave")
    assert under_heading("", "") and not under_heading("Intro", "")
    assert under_heading("What\u2019s the process?", "What's the process?")


def test_search_ranks_and_measures():
    other, page, gold = Chunk("a.md", "X"), Chunk(GOLD[0], "Annual leave"), Chunk(GOLD[0], "Sick leave > Civilian")
    retriever = StandInRetriever({"q1": [gold, other], "q2": [other, page, gold], "q3": [other] * 6 + [gold], "q4": [other]})
    judged = search_all(retriever, [(q, q, *GOLD) for q in ("q1", "q2", "q3", "q4")])
    assert [j.rank for j in judged] == [1, 3, None, None]  # q3: the gold passage is sixth, beyond the top 5
    assert [j.page_rank for j in judged] == [1, 2, None, None]
    assert all(k == 5 for _, k in retriever.calls)
    m = measures(judged)
    assert m["gold section in the top 5"] == 0.5 and m["gold section first (top-1)"] == 0.25
    assert m["MRR (gold section, top 5)"] == pytest.approx((1 + 1 / 3) / 4)
    assert "answered (not declined)" not in m  # answers not evaluated
    assert gold_rank([], *GOLD) is None


def test_the_lead_is_judged_by_where_it_occurs_else_by_the_first_source():
    passages = Passages.of([Chunk(GOLD[0], "Sick leave", "You may use up to 13 days of sick leave each year."),
                            Chunk(GOLD[0], "Annual leave", "You earn 4 hours per pay period.")])
    facts = [["13 days", "104 hours"]]
    from_gold = Judged("a", "q")
    judge_answer(from_gold, Answer("You may use up to **13 days** of sick leave each year.",
                                   lead="You may use up to 13 days of sick leave each year.",
                                   citations=[Citation(GOLD[0], "Annual leave")]), *GOLD, facts, passages)
    assert from_gold.answered and from_gold.lead_verbatim and from_gold.lead_from_gold and from_gold.facts
    assert not from_gold.first_source_gold

    elsewhere = Judged("b", "q")
    judge_answer(elsewhere, Answer("You earn 4 hours per pay period.", lead="You earn 4 hours per pay period.",
                                   citations=[Citation(*GOLD)]), *GOLD, facts, passages)
    assert elsewhere.answered and not elsewhere.lead_from_gold and not elsewhere.facts

    reworded = Judged("c", "q")
    judge_answer(reworded, Answer("每年最多可用 13 days 病假。", lead="每年最多可用 13 days 病假。",
                                  citations=[Citation(GOLD[0], "Sick leave > Civilian")]), *GOLD, facts, passages)
    assert not reworded.lead_verbatim and reworded.lead_from_gold and reworded.facts

    declined = Judged("d", "q")
    judge_answer(declined, Answer("", abstained=True, mode="abstain"), *GOLD, facts, passages)
    assert declined.answered is False and not declined.lead_from_gold

    m = measures([from_gold, elsewhere, reworded, declined])
    assert m["answered (not declined)"] == 0.75
    assert m["lead sentence from the gold section (of all)"] == 0.5
    assert m["lead sentence from the gold section (of answered)"] == pytest.approx(2 / 3)
    assert m["answers whose lead is not word for word in a passage"] == "1 of 3"


def test_misses_lists_only_the_chinese_questions_that_missed():
    english = Covered("cov-05", "How many days?", "literal", *GOLD, [["13 days"]])
    pairs = [(Mirrored(f"zh-0{n}", "cov-05", "能用几天病假？", *GOLD), english) for n in (1, 2)]
    hit, missed = Judged("zh-01", "q", rank=1), Judged("zh-02", "q", rank=None)
    table = misses(pairs, [hit, missed], [Judged("cov-05", "q", rank=2)] * 2)
    assert "zh-02" in table and "zh-01" not in table
    assert misses(pairs[:1], [hit], [hit]) == "none"


def test_the_sample_course_set_and_its_gold_sections():
    from eval.quality.crosslingual_courses import CourseQuestion, in_gold, load_dev_set, without_dictionary
    from retrieval import RetrievalSettings

    covered, uncovered = load_dev_set()
    assert len(covered) >= 25 and len(uncovered) >= 10
    assert all(q.course and q.section for q in covered) and not any(q.course for q in uncovered)
    q = CourseQuestion("SBI 反馈模型是什么？", "giving-feedback", "The SBI model")
    assert in_gold("giving-feedback", "The SBI model > Example", q) and in_gold("giving-feedback", "the sbi model", q)
    assert not in_gold("giving-feedback", "Receiving feedback", q) and not in_gold("effective-meetings", "The SBI model", q)
    settings = RetrievalSettings()
    assert without_dictionary(settings).multilingual.dictionary == "none"
    assert settings.multilingual.dictionary == "cc-cedict"  # the copy leaves the configured settings alone
