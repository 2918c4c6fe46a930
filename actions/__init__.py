"""Custom actions for the Rasa server: thin adapters from the dialogue to the tutor's capabilities."""
from .answer import ActionAnswerQuestion, ActionHandleFallback
from .quiz import (
    ActionAskQuizAnswer,
    ActionQuizCommandOutsideQuiz,
    ActionQuizDone,
    ActionRespondYesNo,
    ActionResumeQuiz,
    ActionShowProgress,
    ActionStartQuiz,
    ActionStartQuizFromOffer,
    ValidateQuizForm,
)

__all__ = [
    "ActionAnswerQuestion", "ActionAskQuizAnswer", "ActionHandleFallback", "ActionQuizCommandOutsideQuiz",
    "ActionQuizDone", "ActionRespondYesNo", "ActionResumeQuiz", "ActionShowProgress", "ActionStartQuiz",
    "ActionStartQuizFromOffer", "ValidateQuizForm",
]
