"""Transcript exports as files a trainer opens in Excel or a script: CSV and JSON, UTF-8 throughout.

Excel reads a CSV without a byte-order mark in the machine's legacy code page (GBK, Windows-1252), which turns
Chinese questions and answers into mojibake; with the BOM it reads UTF-8. JSON carries no BOM (RFC 8259 forbids
one) and says its charset in the Content-Type instead.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Sequence

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] = ("turn_id",)) -> str:
    """The rows as CSV with a header line, behind a byte-order mark so that Excel reads them as UTF-8; `columns`
    is the header when there are no rows."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return BOM + buffer.getvalue()


def json_text(rows: Sequence[dict[str, Any]], stats: dict[str, Any]) -> str:
    """The rows and the summary statistics, with non-ASCII text written as itself rather than \\u escapes."""
    return json.dumps({"turns": list(rows), "stats": stats}, ensure_ascii=False, indent=1)


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename={name}"}
