"""Errors raised by the assessment capability."""


class AssessmentError(Exception):
    """Base class for quiz, grading and scheduling failures."""


class InvalidAnswer(AssessmentError):
    """The learner's reply cannot be graded (empty, emoji only, option out of range); the text says what to do.

    A quiz never ends because of one: the question is asked again.
    """


class NoQuestions(AssessmentError):
    """No question matches the requested topic or skill."""


class NoActiveQuiz(AssessmentError):
    """The learner has no quiz in progress."""
