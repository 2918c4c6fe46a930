"""Weights and limits of the recommender, in config rather than code."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RecommenderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(4, ge=1, le=10, description="Courses recommended at once (3-5 reads best in chat).")
    weight_goal: float = Field(1.0, ge=0, description="Weight of similarity between the learner's role/goals and a course.")
    weight_gap: float = Field(1.2, ge=0, description="Weight of skill gaps measured by quizzes (low mastery on a course's skills).")
    weight_interest: float = Field(0.4, ge=0, description="Weight of topics the learner asked the tutor about.")
    weight_colleagues: float = Field(0.6, ge=0, description="Weight of collaborative filtering: what colleagues took next.")
    weight_popularity: float = Field(0.2, ge=0, description="Weight of overall popularity (the cold-start fallback).")
    weight_language: float = Field(0.5, ge=0, description="Boost for a course written in the learner's language when it is not English (English courses are shown to everyone, framed in the learner's language).")
    weight_required: float = Field(3.0, ge=0, description="Boost for a training required for the learner's role or group.")
    unmet_prerequisite_penalty: float = Field(0.5, ge=0, le=1, description="Score multiplier for a course whose prerequisites are not done.")
    duplicate_similarity: float = Field(0.9, ge=0, le=1, description="Courses this similar to one already listed are skipped (diversity).")
    min_enrolments_for_cf: int = Field(10, ge=1, description="Collaborative filtering is used once this many enrolments exist.")
    gap_mastery: float = Field(0.6, ge=0, le=1, description="Mastery below this on a practised skill counts as a gap.")
    min_target_similarity: float = Field(0.45, ge=-1, le=1, description="A path target must be at least this similar to a course or skill.")
