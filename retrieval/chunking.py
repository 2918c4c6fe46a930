"""Heading-aware chunking: split at Markdown headings, then by size inside a section.

Each chunk carries its section path ("Recognising phishing > Reporting") so an answer can cite the exact place,
and its language ("en" or "zh": the front matter's `language:`, else detected), so search can route a question
to the embeddings that read that language.

A section longer than one chunk is cut into pieces of even length: cutting greedily leaves a short last piece
(a sentence or two), and such a tail, being about little, sits near every question in embedding space and was
the nearest passage to a large share of unrelated questions.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass

from .languages import declared_language, detect_language
from .loaders import SourceDocument
from .settings import ChunkSettings

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
# English sentence ends first, then Chinese ones (。！？；), then clauses; a separator stays at the end of the
# piece it closes, so no piece starts with the previous sentence's full stop.
SEPARATORS = ["\n\n", "\n", ". ", "。", "！", "？", "；", "! ", "? ", "，", " ", ""]


@dataclass
class Chunk:
    """A passage of a course, small enough to embed and quote, with where it came from."""

    chunk_id: str
    course_id: str
    title: str
    section: str
    text: str  # clean text (loaders.py): what is embedded, searched and quoted
    source: str  # the file, relative to the ingested folder (a single file: its name)
    url: str
    position: int
    audience: str = "all"
    language: str = "en"  # "en" or "zh"; an index written before languages were recorded loads as "en"

    def embedding_text(self) -> str:
        """What gets embedded: the title and section give a passage its context."""
        heading = f"{self.title} — {self.section}" if self.section else self.title
        return f"{heading}\n{self.text}"

    def as_row(self) -> dict:
        return asdict(self)


_MINOR_HEADING = re.compile(r"^[ \t]{0,3}#{5,6}[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def minor_headings_as_lead_ins(text: str) -> str:
    """Level-5 and -6 headings (too small to be sections) as a lead-in line of their paragraph ("Rules:"), never
    as "#####" in quoted text; code blocks are left as they are."""
    lines, in_code = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
        found = None if in_code else _MINOR_HEADING.match(line)
        if found:
            heading = found.group(1).strip()
            line = heading if heading.endswith((":", "：", ".", "?", "!", "。", "？", "！")) else f"{heading}:"
        lines.append(line)
    return "\n".join(lines)


def split_document(doc: SourceDocument, settings: ChunkSettings) -> list[Chunk]:
    """Split one document into chunks that never cross a section boundary."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    header_splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    declared = declared_language(doc.metadata.get("language"))
    url = str(doc.metadata.get("url") or "")
    audience = doc.metadata.get("audience") or ["all"]
    audience_text = ",".join(str(a) for a in audience) if isinstance(audience, list) else str(audience)
    chunks: list[Chunk] = []
    for section_doc in header_splitter.split_text(minor_headings_as_lead_ins(doc.text)):
        meta = section_doc.metadata
        section = " > ".join(meta[key] for key in ("h2", "h3", "h4") if meta.get(key))
        if not section and meta.get("h1") and meta["h1"] != doc.title:
            section = meta["h1"]
        for piece in even_pieces(section_doc.page_content, settings):
            if len(piece) < 20:
                continue
            position = len(chunks)
            digest = hashlib.sha1(f"{doc.path}\x00{position}\x00{piece}".encode()).hexdigest()[:16]
            chunks.append(
                Chunk(
                    chunk_id=digest,
                    course_id=doc.course_id,
                    title=doc.title,
                    section=section,
                    text=piece,
                    source=doc.path,
                    url=url,
                    position=position,
                    audience=audience_text,
                    language=declared or detect_language(piece),
                )
            )
    return chunks


def _split(text: str, size: int, overlap: int) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=min(overlap, size // 2),
                                              separators=SEPARATORS, keep_separator="end")
    return [p.strip() for p in splitter.split_text(text) if p.strip()]


def even_pieces(text: str, settings: ChunkSettings) -> list[str]:
    """`text` cut into pieces of at most `chunk_size` characters, of about even length.

    Greedy cutting fills each piece to the limit and leaves whatever remains as the last one. When that tail is
    shorter than `min_tail` of a chunk, the same number of pieces is cut again with a smaller limit, the
    smallest that still needs no more pieces, so the text is shared out evenly instead.
    """
    size, overlap = settings.chunk_size, settings.chunk_overlap
    pieces = _split(text, size, overlap)
    if len(pieces) < 2 or len(pieces[-1]) >= settings.min_tail * size:
        return pieces
    count = len(pieces)
    best, best_shortest = pieces, min(len(p) for p in pieces)
    step = max(10, size // 40)
    for limit in range(max(40, math.ceil(len(text) / count)), size, step):
        candidate = _split(text, limit, overlap)
        if len(candidate) > count:
            continue
        shortest = min(len(p) for p in candidate)
        if shortest > best_shortest:
            best, best_shortest = candidate, shortest
        if shortest >= settings.min_tail * size or shortest >= 0.5 * limit:
            break
    return best
