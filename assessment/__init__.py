"""Quizzes, grading, mastery tracking and spaced review (not built yet: no public names)."""
