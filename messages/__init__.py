"""What passes between learners and the tutor: incoming text cleaned one way everywhere (and read for whether it
is a question: `messages.questions`), typed replies that each channel renders its own way, and the learner-facing
wording, one module per language.

Standard library only: the tutor, the action server (Python 3.11) and the Rasa server's channels (Python 3.10)
all import it.
"""
from .catalog import LANGUAGES, has_text, say
from .language import detect_language, has_han, language_of
from .inbound import MAX_MESSAGE_CHARS, clean_message
from .links import LINK_STYLES, render_links
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
    "AnswerReply", "Button", "Citation", "FeedbackReceived", "LANGUAGES", "LINK_STYLES", "LearningPath", "MAX_MESSAGE_CHARS",
    "Progress", "QuizFeedback", "QuizQuestion", "QuizSummary", "Recommendations", "Reply", "clean_message", "detect_language", "has_han", "has_text", "language_of",
    "parse_reply", "render_links", "say",
]
