"""What passes between learners and the tutor: incoming text cleaned one way everywhere, typed replies that each
channel renders its own way, and the learner-facing wording, one module per language.

Standard library only: the tutor, the action server (Python 3.11) and the Rasa server's channels (Python 3.10)
all import it.
"""
from .catalog import LANGUAGES, say
from .inbound import MAX_MESSAGE_CHARS, clean_message
from .replies import (
    AnswerReply,
    Button,
    Citation,
    FeedbackReceived,
    LearningPath,
    Progress,
    QuizFeedback,
    QuizQuestion,
    QuizSummary,
    Recommendations,
    Reply,
    parse_reply,
)

__all__ = [
    "AnswerReply", "Button", "Citation", "FeedbackReceived", "LANGUAGES", "LearningPath", "MAX_MESSAGE_CHARS",
    "Progress", "QuizFeedback", "QuizQuestion", "QuizSummary", "Recommendations", "Reply", "clean_message",
    "parse_reply", "say",
]
