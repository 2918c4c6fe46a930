"""What an ingest did: the files it added, updated, kept and dropped, the ones it skipped and why, and where its
time went, for the CLI to print and tests to check.

Warnings are what an author should know about a file (a derived field, an id or source that had to change). A
folder of a thousand files without front matter gives thousands of them, so the summary groups them by field:
how many files and the first few, not one line per file.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IngestWarning:
    """Something ingest decided for a file that its author should know: a derived field, a changed id."""

    file: str
    field: str
    detail: str


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to print and tests to check."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[IngestWarning] = field(default_factory=list)
    chunks_embedded: int = 0
    chunk_seconds: float = 0.0  # of `seconds`, spent embedding chunks (the English model)
    multilingual_seconds: float = 0.0  # of `seconds`, spent on the multilingual embedding
    sentences_embedded: int = 0  # English sentences embedded for the answer step (sentence_table.py)
    sentence_seconds: float = 0.0  # of `seconds`, spent on them
    read_seconds: float = 0.0  # of `seconds`, spent reading, cleaning and chunking files
    write_seconds: float = 0.0  # of `seconds`, spent writing the new version (database, vectors, search indexes)
    resumed: int = 0  # files whose vectors an interrupted ingest had already made (resume.py)
    total_chunks: int = 0
    version: str | None = None
    seconds: float = 0.0
    catalogue_problems: list[str] = field(default_factory=list)  # filled by the caller that builds the catalogue

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def warnings_by_field(self) -> dict[str, list[IngestWarning]]:
        """Warnings grouped by field, fields in a stable order."""
        grouped: dict[str, list[IngestWarning]] = {}
        for warning in sorted(self.warnings, key=lambda w: (w.field, w.file)):
            grouped.setdefault(warning.field, []).append(warning)
        return grouped

    def warning_summary(self, examples: int = 3) -> list[str]:
        """The warnings in a few lines: per field, how many files and the first few (not one line per file)."""
        grouped = self.warnings_by_field()
        lines: list[str] = []
        derived = [name for name in grouped if name not in _PROBLEMS]
        if derived:
            lines.append("Derived because the files do not declare them (set them in the front matter to choose):")
        for name in derived:
            lines.append(f"  {name} for {_files(grouped[name])}: {_examples(grouped[name], examples)}")
        for name, heading in _PROBLEMS.items():
            if name in grouped:
                lines.append(f"{heading} ({_files(grouped[name])}): {_examples(grouped[name], examples)}")
        return lines


_PROBLEMS = {
    "duplicate id": "Course id already taken, indexed under another id",
    "source": "Source path",
}


def _files(warnings: list[IngestWarning]) -> str:
    return f"{len(warnings)} file{'s' if len(warnings) != 1 else ''}"


def _examples(warnings: list[IngestWarning], count: int) -> str:
    shown = "; ".join(f"{w.file} ({w.detail})" for w in warnings[:count])
    return shown + (f"; and {len(warnings) - count} more" if len(warnings) > count else "")
