"""The question bank in the console: every question per course and skill with its source, quality score, status,
item statistics and learners' flags, the questions whose statistics or flags call for a look, and the trainer's
actions (approve, retire, edit, write new). Flags show what learners said about a question, redacted, and never
who said it. Everything goes through the Tutor's question bank (tutor.QuestionBank); only
approved questions reach learners.

Actions are POST forms carrying the session's CSRF token; a form with problems comes back with what was typed
and the problems in words, so nothing is lost."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from store import QUESTION_STATUSES
from tutor import Tutor

from .privacy import redact
from .security import safe_path

log = logging.getLogger(__name__)

FORM_FIELDS = ("course_id", "skill", "section", "kind", "prompt", "answer", "options", "explanation")
DONE = {"approved": "Approved: learners may be asked it from now on.", "retired": "Retired: no learner will be asked it again.",
        "edited": "Saved.", "written": "Saved and approved: learners may be asked it from now on."}
# A form bigger than this is refused before it is read: the largest honest one is far smaller (assessment.curation.LIMITS).
MAX_FORM_BYTES = 64_000


@dataclass
class Kit:
    """What the question pages need from the console app: access checks, the page renderer, who is logged in."""

    guard: Callable[..., Response | None]
    refuse_action: Callable[[Request], Awaitable[Response | None]]
    page: Callable[..., Response]
    user: Callable[[Request], dict | None]
    audit: Callable[..., None] = lambda request, action, **details: None  # console.audit.Auditor


def _back(value: Any, default: str) -> str:
    """A same-site path to return to (never another host)."""
    return safe_path(value, default)


def _here(request: Request) -> str:
    """This page's path and filters, to come back to after an action (without the last action's notice)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "done"]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def _filters(request: Request) -> dict[str, str | None]:
    params = request.query_params
    status = params.get("status") or None
    return {"course": params.get("course") or None, "skill": params.get("skill") or None,
            "status": status if status in QUESTION_STATUSES else None}


def _redacted(question: dict[str, Any]) -> dict[str, Any]:
    """A question with its learners' flag reasons redacted: trainers read what was said about the question, never an
    e-mail address or phone number a learner typed into it."""
    return {**question, "flags": [{**f, "reason": redact(f["reason"])} for f in question.get("flags") or []]}


def routes(tutor: Tutor, kit: Kit) -> list[Route]:
    """The question bank's pages, JSON twins and actions, for `create_app` to mount."""
    bank = tutor.question_bank

    def who(request: Request) -> str:
        return (kit.user(request) or {}).get("name", "")

    def too_big(request: Request) -> Response | None:
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > MAX_FORM_BYTES:
            return PlainTextResponse(f"The form is too large (at most {MAX_FORM_BYTES // 1000} kB); nothing was saved.", status_code=413)
        return None

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form()
        return {k: str(form.get(k) or "") for k in FORM_FIELDS}

    def listing(request: Request) -> dict[str, Any]:
        synced = bank.refresh()
        filters = _filters(request)
        found = bank.overview(**filters)
        shown = {key: [_redacted(q) for q in found[key]] for key in ("questions", "needs_review")}
        return {**found, **shown, "filters": filters, "not_synced": synced}

    async def list_page(request: Request) -> Response:
        refused = kit.guard(request)
        if refused:
            return refused
        data = listing(request)
        return kit.page(request, "questions.html", data=data, f=data["filters"], statuses=QUESTION_STATUSES,
                        back=_here(request),
                        done=DONE.get(request.query_params.get("done", ""), ""))

    async def list_api(request: Request) -> Response:
        return kit.guard(request, api=True) or JSONResponse(listing(request))

    def edit_page(request: Request, question: dict[str, Any], values: dict[str, str] | None = None,
                  problems: list[str] | None = None, status_code: int = 200) -> Response:
        values = values or {k: "\n".join(v) if isinstance(v, list) else str(v or "") for k, v in question.items() if k in FORM_FIELDS}
        response = kit.page(request, "question.html", q=question, values=values, problems=problems or [],
                            done=DONE.get(request.query_params.get("done", ""), ""))
        response.status_code = status_code
        return response

    async def detail_page(request: Request) -> Response:
        refused = kit.guard(request)
        if refused:
            return refused
        question = bank.question(request.path_params["question_id"])
        return edit_page(request, _redacted(question)) if question else PlainTextResponse("No such question.", status_code=404)

    async def detail_api(request: Request) -> Response:
        refused = kit.guard(request, api=True)
        if refused:
            return refused
        question = bank.question(request.path_params["question_id"])
        return JSONResponse(_redacted(question)) if question else JSONResponse({"error": "no such question"}, status_code=404)

    def decide(status: str):
        async def action(request: Request) -> Response:
            refused = too_big(request) or await kit.refuse_action(request)
            if refused:
                return refused
            qid = request.path_params["question_id"]
            change = bank.approve if status == "approved" else bank.retire
            if change(qid, who(request)) is None:
                return PlainTextResponse("No such question.", status_code=404)
            kit.audit(request, "question " + ("approval" if status == "approved" else "retirement"), target=qid)
            form = await request.form()
            back = _back(form.get("back"), f"/questions/{qid}")
            return RedirectResponse(back + ("&" if "?" in back else "?") + f"done={status}#q-{qid}", status_code=303)

        return action

    async def edit(request: Request) -> Response:
        refused = too_big(request) or await kit.refuse_action(request)
        if refused:
            return refused
        qid = request.path_params["question_id"]
        question = bank.question(qid)
        if question is None:
            return PlainTextResponse("No such question.", status_code=404)
        values = await form_of(request)
        saved, problems = bank.edit(qid, values, who(request))
        if problems:
            log.info("edit of question %s refused: %s", qid, "; ".join(problems))
            return edit_page(request, _redacted(question), values, problems, status_code=400)
        kit.audit(request, "question edit", target=qid)
        return RedirectResponse(f"/questions/{qid}?done=edited", status_code=303)

    def new_page(request: Request, values: dict[str, str], problems: list[str], status_code: int = 200) -> Response:
        response = kit.page(request, "question_new.html", values=values, problems=problems,
                            courses=bank.courses())
        response.status_code = status_code
        return response

    async def write(request: Request) -> Response:
        if request.method == "GET":
            refused = kit.guard(request)
            if refused:
                return refused
            return new_page(request, {"kind": "mcq", "course_id": request.query_params.get("course", "")}, [])
        refused = too_big(request) or await kit.refuse_action(request)
        if refused:
            return refused
        values = await form_of(request)
        saved, problems = bank.write(values, who(request))
        if problems:
            log.info("new question refused: %s", "; ".join(problems))
            return new_page(request, values, problems, status_code=400)
        kit.audit(request, "question written", target=saved["question_id"])
        return RedirectResponse(f"/questions/{saved['question_id']}?done=written", status_code=303)

    return [
        Route("/questions", list_page), Route("/api/questions", list_api),
        Route("/questions/new", write, methods=["GET", "POST"]),
        Route("/questions/{question_id}", detail_page), Route("/api/questions/{question_id}", detail_api),
        Route("/questions/{question_id}/approve", decide("approved"), methods=["POST"]),
        Route("/questions/{question_id}/retire", decide("retired"), methods=["POST"]),
        Route("/questions/{question_id}/edit", edit, methods=["POST"]),
    ]
