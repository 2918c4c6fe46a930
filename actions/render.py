"""Turn an Answer into a chat message: plain text any channel can show, plus a structured payload
that richer channels (Slack blocks, Teams cards) render their own way."""
from __future__ import annotations

from typing import Any

from retrieval import Answer


def answer_text(answer: Answer) -> str:
    lines = [*answer.notes, answer.text] if answer.notes else [answer.text]
    if answer.citations:
        lines.append("Sources:")
        for citation in answer.citations:
            where = citation.url or citation.source
            lines.append(f"- {citation.label()} ({where})")
    return "\n".join(lines)


def answer_payload(answer: Answer, turn_id: str | None) -> dict[str, Any]:
    return {
        "type": "answer",
        "turn_id": turn_id,
        "text": answer.text,
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "mode": answer.mode,
        "notes": answer.notes,
        "citations": [
            {"course_id": c.course_id, "title": c.title, "section": c.section, "url": c.url, "source": c.source}
            for c in answer.citations
        ],
        "suggestions": [{"id": s["id"], "title": s["title"]} for s in answer.suggestions[:4]],
    }
