"""Custom actions for the Rasa server. Each reads the tracker, calls the Tutor, sends its replies and returns
events; one module per conversation area."""
from .answer import ActionAnswerQuestion, ActionHandleFallback, ActionStoreFeedback
from .conversation import ActionGreet, ActionHelp, ActionRespondYesNo, ActionWeeklySummary
from .guidance import (
    ActionConfirmProfile,
    ActionEnrol,
    ActionMarkCompleted,
    ActionPlanPath,
    ActionRecommendCourses,
    ActionUpdateProfile,
    ValidateProfileForm,
)
from .quiz import (
    ActionAskQuizAnswer,
    ActionFlagQuestion,
    ActionQuizCommandOutsideQuiz,
    ActionQuizDone,
    ActionResumeQuiz,
    ActionShowProgress,
    ActionStartQuiz,
    ActionStartQuizFromOffer,
    ValidateQuizForm,
)

__all__ = [
    "ActionAnswerQuestion", "ActionAskQuizAnswer", "ActionConfirmProfile", "ActionEnrol", "ActionFlagQuestion",
    "ActionGreet", "ActionHandleFallback", "ActionHelp", "ActionMarkCompleted", "ActionPlanPath",
    "ActionQuizCommandOutsideQuiz", "ActionQuizDone",
    "ActionRecommendCourses", "ActionRespondYesNo", "ActionResumeQuiz", "ActionShowProgress", "ActionStartQuiz",
    "ActionStartQuizFromOffer", "ActionStoreFeedback", "ActionUpdateProfile", "ActionWeeklySummary", "ValidateProfileForm", "ValidateQuizForm",
]
