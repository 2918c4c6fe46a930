"""Quizzes in the conversation: question bank (with its quality scores, trainers' review and item statistics),
grading, mastery (BKT), predicted success (a learner model over the attempt history), spaced review (FSRS)."""
from .bank import BankReport, sync_question_bank
from .curation import STATUSES, check_trainer_question, initial_status, trainer_question, wording
from .errors import AssessmentError, InvalidAnswer, NoActiveQuiz, NoQuestions, NothingToFlag, QuizMoved
from .flags import MAX_REASON_CHARS, Flagged, clean_reason, flag_question
from .grading import Grade, Grader, parse_choice
from .item_stats import REASONS, ItemStats, item_statistics, review_reasons
from .learner_model import LearnerModel
from .learner_model import fit as fit_learner_model
from .quality import Quality, question_quality
from .questions import Question, check_question, generate_questions
from .quiz import Graded, Hint, QuizService, QuizTurn, Standing
from .settings import AssessmentSettings
from .tracing import BKTParams, fit_bkt, predict_correct, trace, update_mastery

__all__ = [
    "AssessmentError", "AssessmentSettings", "BKTParams", "BankReport", "Flagged", "Grade", "Graded", "Grader",
    "Hint", "InvalidAnswer", "ItemStats", "LearnerModel", "MAX_REASON_CHARS", "NoActiveQuiz", "NoQuestions",
    "NothingToFlag", "Quality", "Question", "QuizMoved", "QuizService", "QuizTurn", "REASONS", "STATUSES", "Standing",
    "check_question", "check_trainer_question", "clean_reason", "fit_bkt", "fit_learner_model", "flag_question",
    "generate_questions", "initial_status", "item_statistics", "parse_choice", "predict_correct", "question_quality",
    "review_reasons", "sync_question_bank", "trace", "trainer_question", "update_mastery", "wording",
]
