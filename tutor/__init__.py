"""The tutor: one application object wired from the settings, over the capabilities (retrieval, assessment,
recommender) and the store. Every shell (Rasa actions, the CLI, the console, evaluations) calls it."""
from .app import Tutor
from .question_bank import QuestionBank
from .endpoints import PROJECT_ROOT, EndpointsError, read_endpoints, tracker_store_url
from .outcome import QUIZ_ASKING, QUIZ_FINISHED, QUIZ_NONE, QUIZ_PAUSED, Outcome
from .reports import mastery_step
from .settings import Settings, SettingsError, describe, effective, load_settings
from .wording import Words

__all__ = [
    "EndpointsError", "Outcome", "PROJECT_ROOT", "QUIZ_ASKING", "QUIZ_FINISHED", "QUIZ_NONE", "QUIZ_PAUSED", "Settings", "SettingsError",
    "QuestionBank", "Tutor", "Words", "describe", "effective", "load_settings", "mastery_step", "read_endpoints", "tracker_store_url",
]
