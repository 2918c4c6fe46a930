"""The admins' Users page: console accounts and who is signed in, locked accounts and addresses (unlock), sign
out everywhere, the learner groups each trainer looks after, and importing learner → group memberships (CSV).
The same operations back `tutor users` and `tutor groups`."""
from __future__ import annotations

import csv
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from store import pseudonym

from .login import account_key, address_key

MAX_IMPORT_BYTES = 5_000_000


def read_memberships(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(learner, group) rows from CSV text with a `learner,group` header (or two columns without one), and the
    problems found, by line. Nothing is imported when there are problems."""
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, fields in enumerate(reader, 1):
        if not fields or not any(f.strip() for f in fields):
            continue
        if number == 1 and [f.strip().lower() for f in fields[:2]] == ["learner", "group"]:
            continue
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            problems.append(f"line {number}: expected learner,group")
            continue
        rows.append((fields[0].strip(), fields[1].strip()))
    if not rows and not problems:
        problems.append("no memberships found (expected lines of learner,group)")
    return rows, problems


def overview(accounts, throttle, sessions, groups, idle_s: float, absolute_s: float) -> dict[str, Any]:
    """Everything the Users page shows."""
    active = sessions.active(idle_s, absolute_s)
    trainers = groups.trainers()
    users = []
    for account in accounts.all():
        state = throttle.state(account_key(account["username"]))
        users.append({**account, "failures": state["failures"], "refused": state["refused"],
                      "locked": max(0.0, (state["locked_until"] or 0.0) - throttle.clock()),
                      "sessions": active.get(account["username"], {}).get("sessions", 0),
                      "groups": trainers.get(account["username"], [])})
    local = {u["username"] for u in users}
    sso = [{"username": name, **info, "groups": trainers.get(name, [])} for name, info in sorted(active.items()) if name not in local]
    troubled = throttle.troubled()
    return {"users": users, "sso_users": sso, "group_sizes": groups.sizes(),
            "locked_addresses": [t for t in troubled if t["key"].startswith("address:") and (t["locked"] or t["failures"])],
            "locked_names": [t for t in troubled if t["key"].startswith("account:") and t["locked"]
                             and t["key"] not in {account_key(u) for u in local}]}


def routes(gate, audit, accounts, throttle, idle_s: float, absolute_s: float) -> list[Route]:
    sessions, groups = gate.sessions, gate.groups

    def data() -> dict[str, Any]:
        return overview(accounts, throttle, sessions, groups, idle_s, absolute_s)

    async def page(request: Request) -> Response:
        refused = gate.guard(request, admin=True)
        if refused:
            return refused
        return gate.page(request, "users.html", data=data(), done=request.query_params.get("done", ""))

    async def api(request: Request) -> Response:
        return gate.guard(request, api=True, admin=True) or JSONResponse(data())

    def back(done: str) -> Response:
        return RedirectResponse(f"/admin/users?done={done}", status_code=303)

    async def unlock(request: Request) -> Response:
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        name = request.path_params["name"]
        cleared = throttle.unlock(account_key(name))
        audit(request, "unlock", target=name, outcome="ok" if cleared else "nothing to unlock")
        return back("unlocked")

    async def unlock_address(request: Request) -> Response:
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        address = str((await request.form()).get("address", "")).strip()
        cleared = throttle.unlock(address_key(address))
        audit(request, "unlock", target=address, detail={"kind": "address"}, outcome="ok" if cleared else "nothing to unlock")
        return back("unlocked")

    async def sign_out_everywhere(request: Request) -> Response:
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        name = request.path_params["name"]
        ended = sessions.end_all(name)
        audit(request, "sign-out everywhere", target=name, detail={"sessions": ended})
        return back("signed-out")

    async def trainer_groups(request: Request) -> Response:
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        name = request.path_params["name"]
        chosen = groups.set_trainer_groups(name, str((await request.form()).get("groups", "")).split(","))
        audit(request, "trainer groups", target=name, detail={"groups": chosen})
        return back("groups")

    async def import_groups(request: Request) -> Response:
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > MAX_IMPORT_BYTES:
            return PlainTextResponse("The file is too large (at most 5 MB); nothing was imported.", status_code=413)
        refused = await gate.refuse_action(request, admin=True)
        if refused:
            return refused
        upload = (await request.form()).get("file")
        text = (await upload.read()).decode("utf-8", "replace") if hasattr(upload, "read") else str(upload or "")
        rows, problems = read_memberships(text)
        if problems:
            response = gate.page(request, "users.html", data=data(), done="", problems=problems[:20])
            response.status_code = 400
            return response
        count = groups.import_memberships(rows, source="console")
        audit(request, "group import", detail={"memberships": count, "groups": sorted({g for _, g in rows}),
                                               "learners": sorted({pseudonym(learner) for learner, _ in rows})[:50]})
        return back("imported")

    return [Route("/admin/users", page), Route("/api/admin/users", api),
            Route("/admin/users/{name}/unlock", unlock, methods=["POST"]),
            Route("/admin/users/{name}/signout", sign_out_everywhere, methods=["POST"]),
            Route("/admin/users/{name}/groups", trainer_groups, methods=["POST"]),
            Route("/admin/addresses/unlock", unlock_address, methods=["POST"]),
            Route("/admin/groups/import", import_groups, methods=["POST"])]
