"""The team reports' charts: matplotlib (Agg) rendered to SVG on the server, each served as its own image/svg+xml
response and shown with <img>. The console's Content-Security-Policy allows no inline style, so the SVG carries
none: matplotlib's <style> element is dropped and every style="…" becomes the equivalent presentation attributes
(fill="…", font-size="…"), which SVG draws the same way."""
from __future__ import annotations

import io
import re
import threading
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

SVG_TYPE = "image/svg+xml"
COLOURS = ("#2e86de", "#e17055", "#00b894", "#fdcb6e", "#6c5ce7", "#d63031")
_LOCK = threading.Lock()  # matplotlib's text layout is not thread-safe
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>\s*", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_FONT = re.compile(r"^(?:(italic|oblique)\s+)?(?:(bold|normal|\d{3})\s+)?([\d.]+px)\s+(.+)$")


def _attributes(style: str) -> str:
    """CSS declarations as SVG presentation attributes; the `font` shorthand spelled out."""
    out = []
    for declaration in style.split(";"):
        if ":" not in declaration:
            continue
        name, value = (p.strip() for p in declaration.split(":", 1))
        if name == "font":
            found = _FONT.match(value)
            if found:
                italic, weight, size, family = found.groups()
                out += [f'font-size="{size}"', f'font-family="{family.replace(chr(34), "")}"']
                out += [f'font-style="{italic}"'] if italic else []
                out += [f'font-weight="{weight}"'] if weight else []
            continue
        out.append(f'{name}="{value.replace(chr(34), "")}"')
    return (" " + " ".join(out)) if out else ""


def without_styles(svg: str) -> str:
    return _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), _STYLE_ELEMENT.sub("", svg))


def _render(fig: Figure) -> bytes:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return without_styles(buffer.getvalue()).encode("utf-8")


def _figure(title: str, xlabel: str, ylabel: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(8, 3.6), dpi=100)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def message(text: str, title: str) -> bytes:
    """A chart with nothing to draw says why (no data, or every point left out for small groups)."""
    with _LOCK:
        fig = Figure(figsize=(8, 1.6), dpi=100)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_title(title)
        ax.text(0.5, 0.4, text, ha="center", va="center")
        return _render(fig)


def lines(title: str, weeks: Sequence[str], series: dict[str, Sequence[float | None]], ylabel: str, percent: bool = False) -> bytes:
    """One line per series over the weeks; a left-out point (None) is a gap in its line."""
    with _LOCK:
        fig, ax = _figure(title, "week starting (UTC)", ylabel)
        for (name, values), colour in zip(series.items(), COLOURS):
            ax.plot(list(weeks), [float("nan") if v is None else (v * 100 if percent else v) for v in values],
                    marker="o", label=name, color=colour)
        if percent:
            ax.set_ylim(0, 100)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        if series:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _render(fig)


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[float]], xlabel: str, ylabel: str,
         percent: bool = False) -> bytes:
    """Grouped bars, one group per label."""
    with _LOCK:
        fig, ax = _figure(title, xlabel, ylabel)
        width = 0.8 / max(1, len(series))
        for i, ((name, values), colour) in enumerate(zip(series.items(), COLOURS)):
            ax.bar([x + i * width for x in range(len(labels))], [v * 100 if percent else v for v in values], width,
                   label=name, color=colour)
        ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], list(labels), rotation=45, ha="right", fontsize=8)
        if percent:
            ax.set_ylim(0, 100)
        ax.legend(fontsize=8)
        return _render(fig)
