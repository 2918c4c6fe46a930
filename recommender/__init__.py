"""Course recommendations with reasons, and prerequisite-ordered learning paths."""
from .catalogue import Catalogue, CatalogueReport, Course
from .errors import RecommenderError, UnknownTarget
from .paths import LearningPath, plan_path, resolve_target
from .ranking import LearnerProfile, Reason, Recommendation, Recommender
from .settings import RecommenderSettings

__all__ = [
    "Catalogue", "CatalogueReport", "Course", "LearnerProfile", "LearningPath", "Reason", "Recommendation", "Recommender",
    "RecommenderError", "RecommenderSettings", "UnknownTarget", "plan_path", "resolve_target",
]
