"""Markdown output shared by the evaluation scripts."""
from __future__ import annotations

from pathlib import Path


def table(rows: dict, header: tuple[str, str] = ("metric", "value")) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in rows.items()]
    return "\n".join(lines)


def write_report(sections: list[str], out: Path) -> str:
    """Join the sections, write them to `out` and print them; return the text."""
    report = "\n\n".join(sections) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    return report
