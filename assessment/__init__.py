"""Quizzes in the conversation: question bank, grading, mastery (BKT), predicted success (a learner model over the
attempt history), spaced review (FSRS)."""
from .bank import BankReport, sync_question_bank
from .errors import AssessmentError, InvalidAnswer, NoActiveQuiz, NoQuestions, QuizMoved
from .grading import Grade, Grader, parse_choice
from .learner_model import LearnerModel
from .learner_model import fit as fit_learner_model
from .questions import Question, check_question, generate_questions
from .quiz import Graded, Hint, QuizService, QuizTurn, Standing
from .settings import AssessmentSettings
from .tracing import BKTParams, fit_bkt, predict_correct, trace, update_mastery

__all__ = [
    "AssessmentError", "AssessmentSettings", "BKTParams", "BankReport", "Grade", "Graded", "Grader", "Hint",
    "InvalidAnswer", "LearnerModel", "NoActiveQuiz", "NoQuestions", "Question", "QuizMoved", "QuizService", "QuizTurn", "Standing",
    "check_question", "fit_bkt", "fit_learner_model", "generate_questions", "parse_choice", "predict_correct", "sync_question_bank", "trace",
    "update_mastery",
]
