"""Custom actions for the Rasa server: thin adapters from the dialogue to the tutor's capabilities."""
from .answer import ActionAnswerQuestion, ActionHandleFallback, ActionStoreFeedback
from .quiz import (
    ActionAskQuizAnswer,
    ActionGreet,
    ActionQuizCommandOutsideQuiz,
    ActionQuizDone,
    ActionRespondYesNo,
    ActionResumeQuiz,
    ActionShowProgress,
    ActionStartQuiz,
    ActionStartQuizFromOffer,
    ValidateQuizForm,
)
from .recommend import (
    ActionConfirmProfile,
    ActionEnrol,
    ActionMarkCompleted,
    ActionPlanPath,
    ActionRecommendCourses,
    ActionUpdateProfile,
    ValidateProfileForm,
)

__all__ = [
    "ActionAnswerQuestion", "ActionAskQuizAnswer", "ActionHandleFallback", "ActionQuizCommandOutsideQuiz",
    "ActionQuizDone", "ActionRespondYesNo", "ActionResumeQuiz", "ActionShowProgress", "ActionStartQuiz",
    "ActionStartQuizFromOffer", "ValidateQuizForm", "ActionConfirmProfile", "ActionMarkCompleted", "ActionPlanPath",
    "ActionRecommendCourses", "ActionUpdateProfile", "ValidateProfileForm", "ActionEnrol", "ActionGreet", "ActionStoreFeedback",
]
