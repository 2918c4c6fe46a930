"""Test doubles that implement the product's protocols (never imported by the product)."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np


class HashingEmbedder:
    """Deterministic bag-of-words embedder: texts sharing words get similar vectors. No model, no I/O."""

    def __init__(self, dimension: int = 128, fail_after_calls: int | None = None) -> None:
        self.dimension = dimension
        self.calls = 0
        self.texts_embedded = 0
        self.fail_after_calls = fail_after_calls

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.fail_after_calls is not None and self.calls > self.fail_after_calls:
            raise RuntimeError("embedder crashed (simulated)")
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype="float32")
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class ScriptedGenerator:
    """A generator that returns a fixed reply (or raises), to drive the answer modes."""

    name = "scripted"

    def __init__(self, reply: str = "", error: Exception | None = None, delay_s: float = 0.0) -> None:
        self.reply = reply
        self.error = error
        self.delay_s = delay_s
        self.prompts: list[tuple[str, str]] = []

    def generate(self, system: str, user: str, max_new_tokens: int) -> str:
        import time

        self.prompts.append((system, user))
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.error:
            raise self.error
        return self.reply


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF whose text pypdf can extract."""
    text_ops = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text_ops} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
