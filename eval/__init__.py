"""Evaluation on public data sets (read in place from ../shared/evaldata, never copied)."""
