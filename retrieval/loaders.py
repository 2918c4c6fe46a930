"""Read course files of several formats into clean Markdown text plus metadata.

Everything becomes Markdown with `#` headings so that one heading-aware splitter serves every format and
each chunk keeps the path of the section it came from. Markdown is cleaned here (`markup.clean_markdown`: site
template tags, HTML, emphasis and tables made plain, links made absolute or dropped to their text), so what is
embedded, searched and quoted is the same clean text. Metadata a file does not declare is derived
(`derived.complete_metadata`) and recorded as derived.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from .derived import complete_metadata, course_id_from_path
from .errors import UnreadableDocument
from .markup import clean_markdown, join_wrapped_lines

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
MAX_FILE_BYTES = 50 * 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass
class SourceDocument:
    """One readable file: its Markdown body, a title and whatever its front matter said.

    `path` is where it came from as people should see it: relative to the ingested folder (a single file: its
    name). `derived` names each metadata field the file did not declare and what was derived for it.
    """

    path: str
    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    assigned_id: str = ""  # set by ingest when the id the file claims is already taken

    @property
    def course_id(self) -> str:
        """The assigned id, else the front matter's `id`, else one from the path (unique by path)."""
        declared = str(self.metadata.get("id") or "").strip()
        return self.assigned_id or declared or course_id_from_path(self.path)


def source_name(path: Path, root: Path | None = None) -> str:
    """`path` as a document's source: relative to `root` (a folder) with `/` separators, else its file name."""
    if root is not None and root != path:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.name


def load_document(path: Path, root: Path | None = None) -> SourceDocument:
    """Read one file (its source named relative to the folder `root`); raise UnreadableDocument with a reason
    a person can act on."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise UnreadableDocument(str(path), f"unsupported file type '{suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableDocument(str(path), "the file is empty")
    if size > MAX_FILE_BYTES:
        raise UnreadableDocument(str(path), f"the file is {size // 1_048_576} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB")
    try:
        doc, title_from = reader(path)
    except UnreadableDocument:
        raise
    except Exception as exc:  # each parser has its own exception types; all mean "cannot read this file"
        raise UnreadableDocument(str(path), f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    if not doc.text.strip():
        raise UnreadableDocument(str(path), "no text could be extracted (scanned image or empty document?)")
    doc.path = source_name(path, root)
    complete_metadata(doc, title_from)
    return doc


def _read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableDocument(str(path), "looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(str(path), f"is not valid UTF-8 text (byte {exc.start})") from exc


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _title_from_name(path: Path) -> str:
    stem = path.parent.name if path.stem.lower() == "index" and path.parent.name else path.stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize()


# A reader returns the document and, when it found no declared title, where it took one from.
Read = tuple[SourceDocument, str | None]


def _fallback_title(text: str, path: Path) -> tuple[str, str]:
    heading = _first_heading(text)
    return (heading, "the first heading") if heading else (_title_from_name(path), "the file name")


def read_markdown(path: Path) -> Read:
    text = _read_text_file(path)
    metadata: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise UnreadableDocument(str(path), f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
        if not isinstance(loaded, dict):
            raise UnreadableDocument(str(path), "front matter must be a mapping of keys to values")
        metadata = loaded
        text = text[match.end():]
    text = clean_markdown(text, str(metadata.get("url") or ""))
    declared = str(metadata.get("title") or "").strip()
    title, title_from = (declared, None) if declared else _fallback_title(text, path)
    return SourceDocument(str(path), title, text, metadata), title_from


def read_plain_text(path: Path) -> Read:
    text = join_wrapped_lines(_read_text_file(path).replace("\r\n", "\n"))
    return SourceDocument(str(path), _title_from_name(path), text), "the file name"


def read_html(path: Path) -> Read:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_text_file(path), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    lines: list[str] = []
    body = soup.body or soup
    for element in body.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "td"]):
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name in ("h1", "h2", "h3", "h4"):
            lines.append("\n" + "#" * int(element.name[1]) + " " + text + "\n")
        elif element.name == "li":
            lines.append("- " + text)
        else:
            lines.append(text + "\n")
    markdown = "\n".join(lines)
    if title:
        return SourceDocument(str(path), title, markdown), None
    title, title_from = _fallback_title(markdown, path)
    return SourceDocument(str(path), title, markdown), title_from


def read_docx(path: Path) -> Read:
    import docx

    document = docx.Document(str(path))
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        level = _docx_heading_level(style)
        lines.append(f"\n{'#' * level} {text}\n" if level else text + "\n")
    markdown = "\n".join(lines)
    core_title = (document.core_properties.title or "").strip()
    if core_title:
        return SourceDocument(str(path), core_title, markdown), None
    title, title_from = _fallback_title(markdown, path)
    return SourceDocument(str(path), title, markdown), title_from


def _docx_heading_level(style: str) -> int:
    if style == "title":
        return 1
    match = re.match(r"heading (\d)", style)
    return min(int(match.group(1)), 4) if match else 0


def read_pdf(path: Path) -> Read:
    from langchain_community.document_loaders import PyPDFLoader

    try:
        pages = PyPDFLoader(str(path)).load()
    except Exception as exc:
        raise UnreadableDocument(str(path), f"is not a readable PDF ({type(exc).__name__})") from exc
    parts = [f"## Page {page.metadata.get('page', i) + 1}\n\n{join_wrapped_lines(page.page_content.strip())}\n"
             for i, page in enumerate(pages) if page.page_content.strip()]
    declared = str(pages[0].metadata.get("title") or "").strip() if pages else ""
    title, title_from = (declared, None) if declared else (_title_from_name(path), "the file name")
    return SourceDocument(str(path), title, "\n".join(parts)), title_from


_READERS: dict[str, Callable[[Path], Read]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_plain_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


def find_documents(root: Path) -> list[Path]:
    """All supported files under `root` (or `root` itself), in a stable order, hidden files skipped."""
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
