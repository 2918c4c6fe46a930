"""Markdown output shared by the evaluation scripts."""
from __future__ import annotations

from pathlib import Path


def table(rows: dict, header: tuple[str, str] = ("metric", "value")) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in rows.items()]
    return "\n".join(lines)


def recall_table(results: dict[str, dict]) -> str:
    """Search results per method (recall@1, recall@5, MRR) as a Markdown table."""
    lines = ["| search | recall@1 | recall@5 | MRR |", "|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['mrr']:.3f} |")
    return "\n".join(lines)


def write_report(sections: list[str], out: Path) -> str:
    """Join the sections, write them to `out` and print them; return the text."""
    report = "\n\n".join(sections) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    return report
