"""The admins' Learning records page: the outbox of xAPI statements for the company's LRS (waiting, delivered, the
oldest waiting one's age, the last failure) and the dead-letter list (statements the LRS refused or that are not
valid xAPI), with "send again" for one or all once the cause is fixed. The same operations back `tutor lrs`."""
from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from store import pseudonym

DEAD_LETTERS_SHOWN = 200


def overview(learning_records, endpoint: str) -> dict[str, Any]:
    """What the page shows; learners only by pseudonym."""
    status = learning_records.status()
    now = time.time()
    letters = [{"statement_id": r.statement_id, "verb": r.verb, "learner": pseudonym(r.learner), "created": r.created,
                "error": r.last_error, "statement": json.dumps(r.statement, indent=1, ensure_ascii=False)}
               for r in learning_records.dead_letters(DEAD_LETTERS_SHOWN)]
    return {"endpoint": endpoint, "pending": status.pending, "delivered": status.delivered, "dead": status.dead,
            "oldest_pending_age_s": round(now - status.oldest_pending) if status.oldest_pending else None,
            "last_error": status.last_error, "dead_letters": letters}


def routes(gate, learning_records, endpoint: str, audit) -> list[Route]:
    """/admin/learning-records (page), /api/admin/learning-records (JSON) and the "send again" action; admins only."""

    async def page(request: Request) -> Response:
        return gate.guard(request, admin=True) or gate.page(request, "learning_records.html",
                                                            data=overview(learning_records, endpoint),
                                                            done=request.query_params.get("done", ""))

    async def api(request: Request) -> Response:
        return gate.guard(request, api=True, admin=True) or JSONResponse(overview(learning_records, endpoint))

    async def requeue(request: Request) -> Response:
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        form = await request.form()
        chosen = str(form.get("statement_id") or "").strip()
        count = learning_records.requeue([chosen] if chosen else None)
        audit(request, "requeue learning records", target=chosen or "all", detail={"statements": count})
        return RedirectResponse(f"/admin/learning-records?done={count}", status_code=303)

    return [Route("/admin/learning-records", page), Route("/api/admin/learning-records", api),
            Route("/admin/learning-records/requeue", requeue, methods=["POST"])]
