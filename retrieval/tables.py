"""Tables as sentences: one sentence per body row, "<row label> — <header>: <value>; <header>: <value>."

A table chunked as rows of cells matches many questions by its words and answers none of them; a sentence per
row keeps each fact with its row and column names, and can be quoted.
"""
from __future__ import annotations

import re
from typing import Sequence

_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_PIPE = re.compile(r"(?<!\\)\|")
# A table whose line breaks a formatter re-flowed: "|---|---| |a|b| |c|d|" (delimiter first, rows run together).
_REFLOWED = re.compile(r"^[ \t]*(\|(?:[ \t]*:?-+:?[ \t]*\|)+)[ \t]+(\|.*)$")


def row_sentence(header: Sequence[str], cells: Sequence[str]) -> str:
    """One row as a sentence; empty cells are skipped, a cell under an empty header stands alone."""
    cells = [" ".join(c.split()) for c in cells]
    label = cells[0].rstrip(":") if cells else ""
    parts = []
    for i, value in enumerate(cells[1:], start=1):
        if not value:
            continue
        name = " ".join(header[i].split()) if i < len(header) else ""
        parts.append(f"{name}: {value}" if name else value)
    if label and parts:
        sentence = f"{label} — {'; '.join(parts)}"
    else:
        sentence = label or "; ".join(parts)
    if sentence and sentence[-1] not in ".!?":
        sentence += "."
    return sentence


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row (`\\|` is a pipe inside a cell)."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _PIPE.split(line)]


def markdown_table_sentences(text: str) -> str:
    """Every Markdown (GFM) table in `text` replaced, where it stands, by its rows as sentences."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        reflowed = _REFLOWED.match(line)
        if reflowed:
            end = i + 1
            while end < len(lines) and lines[end].strip():
                end += 1
            body = " ".join([reflowed.group(2), *(l.strip() for l in lines[i + 1:end])])
            columns = reflowed.group(1).count("|") - 1
            sentences = [s for s in (row_sentence([], cells) for cells in _reflowed_rows(body, columns)) if s]
            out.append("\n" + "\n\n".join(sentences) + "\n" if sentences else "")
            i = end
            continue
        if i + 1 < len(lines) and _PIPE.search(line) and _PIPE.search(lines[i + 1]) and _DELIMITER.match(lines[i + 1]):
            header = split_row(line)
            end = i + 2
            sentences = []
            while end < len(lines) and lines[end].strip() and _PIPE.search(lines[end]):
                sentence = row_sentence(header, split_row(lines[end]))
                if sentence:
                    sentences.append(sentence)
                end += 1
            out.append("\n" + "\n\n".join(sentences) + "\n" if sentences else "")
            i = end
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _reflowed_rows(body: str, columns: int) -> list[list[str]]:
    """Rows of `columns` cells from "|a|b| |c|d|": cells split at pipes, rows separated by a blank token."""
    tokens = _PIPE.split(body.strip())
    if tokens and not tokens[0].strip():
        tokens = tokens[1:]
    rows, i = [], 0
    while i < len(tokens) and columns > 0:
        cells = [t.strip().replace("\\|", "|") for t in tokens[i:i + columns]]
        i += columns
        if i < len(tokens) and not tokens[i].strip():
            i += 1
        if any(cells):
            rows.append(cells)
    return rows


def html_table_sentences(table_html: str) -> list[str]:
    """The rows of an HTML `<table>` as sentences; the first row is the header when it is made of `<th>`."""
    from bs4 import BeautifulSoup

    table = BeautifulSoup(table_html, "html.parser")
    rows = [[" ".join(cell.get_text(" ").split()) for cell in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
    header: list[str] = []
    first = table.find("tr")
    if first is not None and first.find("th") is not None and first.find("td") is None:
        header, rows = rows[0], rows[1:]
    return [s for s in (row_sentence(header, cells) for cells in rows if any(cells)) if s]
