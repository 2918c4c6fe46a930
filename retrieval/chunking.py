"""Heading-aware chunking: split at Markdown headings, then by size inside a section.

Each chunk carries its section path ("Recognising phishing > Reporting") so an answer can cite the exact place.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from .loaders import SourceDocument
from .settings import ChunkSettings

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


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

    def embedding_text(self) -> str:
        """What gets embedded: the title and section give a passage its context."""
        heading = f"{self.title} — {self.section}" if self.section else self.title
        return f"{heading}\n{self.text}"

    def as_row(self) -> dict:
        return asdict(self)


def split_document(doc: SourceDocument, settings: ChunkSettings) -> list[Chunk]:
    """Split one document into chunks that never cross a section boundary."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    header_splitter = MarkdownHeaderTextSplitter(headers_to_split_on=_HEADERS, strip_headers=True)
    size_splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=min(settings.chunk_overlap, settings.chunk_size // 2),
        separators=["\n\n", "\n", ". ", " ", ""],
    )
    url = str(doc.metadata.get("url") or "")
    audience = doc.metadata.get("audience") or ["all"]
    audience_text = ",".join(str(a) for a in audience) if isinstance(audience, list) else str(audience)
    chunks: list[Chunk] = []
    for section_doc in header_splitter.split_text(doc.text):
        meta = section_doc.metadata
        section = " > ".join(meta[key] for key in ("h2", "h3", "h4") if meta.get(key))
        if not section and meta.get("h1") and meta["h1"] != doc.title:
            section = meta["h1"]
        for piece in size_splitter.split_text(section_doc.page_content):
            piece = piece.strip()
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
                )
            )
    return chunks
