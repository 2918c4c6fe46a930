"""Recording what console users do (store.AuditTrail): who (the signed-in user and role), what, when, from where
(the client's address, forwarded-for believed only from a trusted proxy). Search text is redacted and learners
are named only by pseudonym before anything is written; and the admins' audit page, its JSON twin and CSV export."""
from __future__ import annotations

import time
from typing import Any, Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from store import AuditQuery, AuditTrail

from . import exports
from .privacy import redact

# Query-string keys of the conversations filter that are worth keeping in the trail (the learner filter is
# turned into a pseudonym by the caller).
PAGE = 200
FILTER_KEYS = ("q", "course", "channel", "since", "until", "abstained", "low_confidence", "thumbs_down", "human")


def filters_detail(params: Mapping[str, str]) -> dict[str, str]:
    """The filters a trainer searched with, redacted (a search for an e-mail address keeps no address)."""
    return {k: redact(str(params[k]))[:200] for k in FILTER_KEYS if params.get(k)}


class Auditor:
    """Records one entry per call with the request's user and address (`gate`: console.sessions.Gate)."""

    def __init__(self, trail: AuditTrail, gate) -> None:
        self.trail, self.gate = trail, gate

    def __call__(self, request: Request, action: str, *, target: str = "", learner: str | None = None,
                 detail: dict[str, Any] | None = None, outcome: str = "ok", actor: str | None = None, role: str | None = None) -> None:
        who = self.gate.user(request) or {}
        self.trail.record(actor if actor is not None else who.get("name", ""), action, role=role if role is not None else who.get("role", ""),
                          target=target, learner=learner, detail=detail, address=self.gate.address(request), outcome=outcome)


def _query(params: Mapping[str, str]) -> AuditQuery:
    def day(value: str, end: bool = False) -> float | None:
        try:
            return time.mktime(time.strptime(value, "%Y-%m-%d")) + (86400 if end else 0)
        except (TypeError, ValueError):
            return None

    return AuditQuery(actor=params.get("actor", "").strip(), action=params.get("action", "").strip(),
                      since=day(params.get("since", "")), until=day(params.get("until", ""), end=True))


def _rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e["at"]))} for e in entries]


def routes(gate, trail: AuditTrail, audit: Auditor) -> list[Route]:
    """/admin/audit (page), /api/admin/audit (JSON) and /admin/audit.csv, for admins only."""

    async def page(request: Request) -> Response:
        refused = gate.guard(request, admin=True)
        if refused:
            return refused
        query = _query(request.query_params)
        raw = request.query_params.get("offset", "")
        offset = int(raw) if raw.isdigit() else 0
        entries, total = _rows(trail.entries(query, limit=PAGE, offset=offset)), trail.count(query)
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
        older = f"/admin/audit?{urlencode([*kept, ('offset', offset + len(entries))])}" if total > offset + len(entries) else ""
        return gate.page(request, "audit.html", entries=entries, total=total, actions=trail.actions(), f=request.query_params,
                         offset=offset, older=older)

    async def api(request: Request) -> Response:
        refused = gate.guard(request, api=True, admin=True)
        if refused:
            return refused
        query = _query(request.query_params)
        return JSONResponse({"total": trail.count(query), "entries": _rows(trail.entries(query, limit=1000))})

    async def export(request: Request) -> Response:
        refused = gate.guard(request, admin=True)
        if refused:
            return refused
        query = _query(request.query_params)
        rows = _rows(trail.entries(query, limit=1_000_000))
        audit(request, "audit export", detail={"entries": len(rows)})
        columns = ["entry_id", "time", "actor", "role", "action", "target", "learner_pseudonym", "detail", "address", "outcome"]
        return Response(exports.csv_text([{c: r[c] for c in columns} for r in rows], columns),
                        media_type=exports.CSV_TYPE, headers=exports.attachment("audit.csv"))

    return [Route("/admin/audit", page), Route("/api/admin/audit", api), Route("/admin/audit.csv", export)]
