"""Course metadata a file does not declare, derived from the file itself, and said so.

A course needs an id, a title, skills and a duration for the catalogue (recommendations, learning paths, quiz
skills). What front matter (or a document property) gives is used as it is; what is missing is derived:

- id: the path relative to the ingested folder, without suffix and `/index` (`benefits/index.md` -> `benefits`);
- title: the first heading, else the file name;
- skills: the document's `##` headings (else its `#` headings), slugified, generic ones ("Resources") skipped;
- duration_minutes: the word count at 200 words a minute, at least one minute.

Each derived field is recorded in `SourceDocument.derived` (field -> what was derived) for the ingest report,
and its name in the metadata's `derived` list, so that the catalogue can tell declared from derived values.
"""
from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loaders import SourceDocument

WORDS_PER_MINUTE = 200
MAX_DERIVED_SKILLS = 5
# Headings that name a kind of section, not what a course teaches.
GENERIC_HEADINGS = frozenset({
    "about", "action-items", "additional-resources", "background", "contact", "contacts", "faq", "faqs",
    "further-reading", "how-do-i", "introduction", "intro", "links", "more-information", "next-steps", "notes", "other-resources",
    "overview", "questions", "references", "related", "related-links", "resources", "see-also", "summary",
    "table-of-contents", "tips", "what-s-next",
})
_HEADING = re.compile(r"^(#{1,2})[ \t]+(.+?)[ \t]*$", re.M)
_FENCED = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,}).*?^[ \t]{0,3}\1[ \t]*$", re.M | re.S)
_NEUTRAL_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^()\s]+\)")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|hrs?|m|mins?|minutes?)?\s*$", re.I)


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens: 'Requirements for passwords' -> 'requirements-for-passwords'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def course_id_from_path(source: str, keep_index: bool = False) -> str:
    """A course id from a relative path: no suffix, no trailing `/index` (unless `keep_index`), lower case,
    slug characters per part."""
    path = PurePosixPath(source.replace("\\", "/"))
    parts = [*path.parent.parts, path.stem] if path.parent != PurePosixPath(".") else [path.stem]
    parts = [slugify(p) for p in parts if p not in ("", ".", "/")]
    parts = [p for p in parts if p]
    if len(parts) > 1 and parts[-1] == "index" and not keep_index:
        parts.pop()
    return "/".join(parts) or "course"


def headings(text: str, level: int) -> list[str]:
    """The text of the headings of one level (`#` = 1), outside code blocks, without link markup."""
    text = _FENCED.sub("", text)
    return [_NEUTRAL_LINK.sub(r"\1", m.group(2)).strip() for m in _HEADING.finditer(text) if len(m.group(1)) == level]


def word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:['’-]\w+)*", _NEUTRAL_LINK.sub(r"\1", text)))


def declared_minutes(metadata: dict[str, Any]) -> int | None:
    """`duration_minutes`, or a `duration` such as 20, '20 min' or '1.5 h'; None when neither is usable."""
    for key in ("duration_minutes", "duration"):
        value = metadata.get(key)
        if value is None or value == "" or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return int(math.ceil(value)) if value > 0 else None
        match = _DURATION.match(str(value))
        if match:
            number = float(match.group(1))
            minutes = number * 60 if (match.group(2) or "m").lower().startswith("h") else number
            return int(math.ceil(minutes)) if minutes > 0 else None
    return None


def derive_skills(text: str, title: str) -> tuple[list[str], str]:
    """Skills from `##` headings, else `#` headings, else the title; with where they came from."""
    for level, where in ((2, "## headings"), (1, "# headings")):
        skills: list[str] = []
        for heading in headings(text, level):
            slug = slugify(heading)
            if slug and slug not in GENERIC_HEADINGS and slug not in skills:
                skills.append(slug)
        if skills:
            return skills[:MAX_DERIVED_SKILLS], where
    return [slugify(title) or "general"], "the title"


def complete_metadata(doc: "SourceDocument", title_from: str | None = None) -> None:
    """Fill in the id, title, skills and duration `doc` does not declare, recording each in `doc.derived`.

    `title_from` says where the reader took a title it did not find declared ("the first heading", "the file
    name"); None when the title was declared.
    """
    meta = doc.metadata
    if not str(meta.get("id") or "").strip():
        doc.derived["id"] = f"'{doc.course_id}' from the path"
    if title_from:
        doc.derived["title"] = f"'{doc.title}' from {title_from}"
    if not _as_list(meta.get("skills")):
        skills, where = derive_skills(doc.text, doc.title)
        meta["skills"] = skills
        doc.derived["skills"] = f"{', '.join(skills)} (from {where})"
    minutes = declared_minutes(meta)
    if minutes is None:
        words = word_count(doc.text)
        minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
        shown = meta.get("duration_minutes", meta.get("duration"))
        unread = f"; could not read duration {shown!r}" if shown not in (None, "") else ""
        doc.derived["duration_minutes"] = f"{minutes} min from {words} words{unread}"
    meta["duration_minutes"] = minutes
    if doc.derived:
        meta["derived"] = sorted(doc.derived)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v) for v in values if str(v).strip()]
