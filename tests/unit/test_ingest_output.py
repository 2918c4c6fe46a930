"""`tutor ingest` prints what it derived in a few lines, however many files it was for."""
from pathlib import Path

import pytest

from cli.main import ingest_into
from retrieval.ingest import IngestReport, IngestWarning

pytestmark = pytest.mark.unit


class _Tutor:
    def __init__(self, report: IngestReport) -> None:
        self.report = report

    def ingest(self, path: Path, progress: bool = False) -> IngestReport:
        return self.report


def test_ingest_prints_a_compact_summary_of_derived_fields(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    files = [f"team/page-{i:03d}.md" for i in range(237)]
    report = IngestReport(added=files, chunks_embedded=900, total_chunks=900)
    report.warnings = [IngestWarning(f, field, "derived") for f in files for field in ("id", "skills", "duration_minutes")]
    report.warnings.append(IngestWarning("b/[draft].md", "duplicate id", "'x' is already the id of a.md; indexed as 'b/draft'"))
    ingest_into(_Tutor(report), tmp_path)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 7, err
    assert "skills for 237 files" in err and "team/page-000.md" in err and "and 234 more" in err
    assert "b/[draft].md" in err and "indexed as 'b/draft'" in err
