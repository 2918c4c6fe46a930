"""Quizzes in the conversation: question bank, grading, mastery (BKT), spaced review (FSRS)."""
from .bank import BankReport, sync_question_bank
from .errors import AssessmentError, InvalidAnswer, NoActiveQuiz, NoQuestions
from .grading import Grade, Grader, parse_choice
from .questions import Question, check_question, generate_questions
from .quiz import QuizService, QuizTurn, mastery_words
from .settings import AssessmentSettings
from .tracing import BKTParams, fit_bkt, predict_correct, trace, update_mastery

__all__ = [
    "AssessmentError", "AssessmentSettings", "BKTParams", "BankReport", "Grade", "Grader", "InvalidAnswer",
    "NoActiveQuiz", "NoQuestions", "Question", "QuizService", "QuizTurn", "check_question", "fit_bkt",
    "generate_questions", "mastery_words", "parse_choice", "predict_correct", "sync_question_bank", "trace", "update_mastery",
]
