"""Quality evaluations on public data sets (read in place from ../shared/evaldata, never copied): retrieval and
answers, assessment (knowledge tracing, question generation, grading), recommendations and paths."""
