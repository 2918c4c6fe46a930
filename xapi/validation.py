"""The structure xAPI 1.0.3 requires of a statement (xAPI-Data.md, section 2), checked before a statement is sent.

Ralph checks little (actor, verb, object, id) and answers some malformed statements with HTTP 500, which a sender
must treat as "try again": a statement that can never be stored would then be retried for ever. So everything is
checked here first, and what fails goes to the dead-letter list with the reasons. The rules cover statements as
any Activity Provider may send them (agents, groups, activities, statement references, sub-statements), plus the
properties an LRS adds (stored, authority), so statements read back from an LRS pass too.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from .errors import InvalidStatement

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_IRL = re.compile(r"^https?://[^\s<>\"{}|\\^`/]+(/[^\s<>\"{}|\\^`]*)?$", re.IGNORECASE)
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(rf"^P(?=[\dT])(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
                       rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")

STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version",
                  "attachments"}
INTERACTION_TYPES = {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
                     "likert", "numeric", "other"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def problems(statement: Any) -> list[str]:
    """Everything wrong with `statement` as an xAPI 1.0.3 statement, each as 'path: what'; [] when valid."""
    found: list[str] = []
    if not isinstance(statement, dict):
        return ["statement: not a JSON object"]
    _statement(statement, "", found, sub=False)
    return found


def validate_statement(statement: Any) -> None:
    """Raise InvalidStatement (with every problem) unless `statement` is a valid xAPI 1.0.3 statement."""
    found = problems(statement)
    if found:
        raise InvalidStatement(found)


def _statement(s: dict, at: str, found: list[str], sub: bool) -> None:
    for key in s:
        if key not in STATEMENT_KEYS:
            found.append(f"{at}{key}: not a statement property")
    if not sub and "id" in s and not is_uuid(s["id"]):
        found.append(f"{at}id: not a UUID")
    for required in ("actor", "verb", "object"):
        if required not in s:
            found.append(f"{at}{required}: missing")
    if "actor" in s:
        _agent_or_group(s["actor"], f"{at}actor", found)
    if "verb" in s:
        _verb(s["verb"], f"{at}verb", found)
    if "object" in s:
        _object(s["object"], f"{at}object", found, sub)
    if "result" in s:
        _result(s["result"], f"{at}result", found)
    if "context" in s:
        _context(s["context"], f"{at}context", found, s.get("object"))
    for key in ("timestamp", "stored"):
        if key in s and not is_timestamp(s[key]):
            found.append(f"{at}{key}: not an ISO 8601 date and time with a time zone")
    if "authority" in s:
        _agent_or_group(s["authority"], f"{at}authority", found)
    if "version" in s and not (isinstance(s["version"], str) and re.match(r"^1\.0(\.\d+)?$", s["version"])):
        found.append(f"{at}version: not a 1.0.x version")


def _agent_or_group(a: Any, at: str, found: list[str]) -> None:
    if not isinstance(a, dict):
        found.append(f"{at}: not an object")
        return
    kind = a.get("objectType", "Agent")
    if kind == "Group":
        members = a.get("member")
        if members is not None:
            if not isinstance(members, list) or any(not isinstance(m, dict) for m in members):
                found.append(f"{at}.member: not a list of agents")
            else:
                for i, member in enumerate(members):
                    _agent(member, f"{at}.member[{i}]", found)
        if any(k in a for k in IFIS):
            _ifi(a, at, found)
        elif not members:
            found.append(f"{at}: a group needs an identifier or members")
        return
    if kind != "Agent":
        found.append(f"{at}.objectType: must be Agent or Group")
        return
    _agent(a, at, found)


def _agent(a: dict, at: str, found: list[str]) -> None:
    if a.get("objectType", "Agent") != "Agent":
        found.append(f"{at}.objectType: must be Agent")
    if "name" in a and not isinstance(a["name"], str):
        found.append(f"{at}.name: not a string")
    _ifi(a, at, found)


def _ifi(a: dict, at: str, found: list[str]) -> None:
    present = [k for k in IFIS if k in a]
    if len(present) != 1:
        found.append(f"{at}: needs exactly one of mbox, mbox_sha1sum, openid, account (has {len(present)})")
        return
    key = present[0]
    value = a[key]
    if key == "mbox" and not (isinstance(value, str) and _MAILTO.match(value)):
        found.append(f"{at}.mbox: not a mailto: e-mail address")
    elif key == "mbox_sha1sum" and not (isinstance(value, str) and _SHA1.match(value)):
        found.append(f"{at}.mbox_sha1sum: not a SHA-1 hex digest")
    elif key == "openid" and not is_iri(value):
        found.append(f"{at}.openid: not a URI")
    elif key == "account":
        if not isinstance(value, dict):
            found.append(f"{at}.account: not an object")
            return
        if not (isinstance(value.get("homePage"), str) and _IRL.match(value["homePage"])):
            found.append(f"{at}.account.homePage: not an http(s) URL")
        if not (isinstance(value.get("name"), str) and value["name"].strip()):
            found.append(f"{at}.account.name: missing or empty")


def _language_map(m: Any, at: str, found: list[str]) -> None:
    if not isinstance(m, dict):
        found.append(f"{at}: not a language map")
        return
    for tag, text in m.items():
        if not _LANGUAGE.match(str(tag)):
            found.append(f"{at}: {tag!r} is not a language tag")
        if not isinstance(text, str):
            found.append(f"{at}.{tag}: not a string")


def _extensions(e: Any, at: str, found: list[str]) -> None:
    if not isinstance(e, dict):
        found.append(f"{at}: not an object")
        return
    for key in e:
        if not is_iri(key):
            found.append(f"{at}: key {key!r} is not an IRI")


def _verb(v: Any, at: str, found: list[str]) -> None:
    if not isinstance(v, dict):
        found.append(f"{at}: not an object")
        return
    if not is_iri(v.get("id")):
        found.append(f"{at}.id: not an IRI")
    if "display" in v:
        _language_map(v["display"], f"{at}.display", found)


def _object(o: Any, at: str, found: list[str], sub: bool) -> None:
    if not isinstance(o, dict):
        found.append(f"{at}: not an object")
        return
    kind = o.get("objectType", "Activity")
    if kind == "Activity":
        _activity(o, at, found)
    elif kind in ("Agent", "Group"):
        _agent_or_group(o, at, found)
    elif kind == "StatementRef":
        if not is_uuid(o.get("id")):
            found.append(f"{at}.id: a statement reference needs a UUID")
    elif kind == "SubStatement" and not sub:
        if any(k in o for k in ("id", "stored", "version", "authority")):
            found.append(f"{at}: a sub-statement may not have id, stored, version or authority")
        _statement({k: v for k, v in o.items() if k != "objectType"}, f"{at}.", found, sub=True)
    else:
        found.append(f"{at}.objectType: {kind!r} is not allowed here")


def _activity(o: dict, at: str, found: list[str]) -> None:
    if not is_iri(o.get("id")):
        found.append(f"{at}.id: not an IRI")
    definition = o.get("definition")
    if definition is None:
        return
    if not isinstance(definition, dict):
        found.append(f"{at}.definition: not an object")
        return
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{at}.definition.{key}", found)
    for key in ("type", "moreInfo"):
        if key in definition and not is_iri(definition[key]):
            found.append(f"{at}.definition.{key}: not an IRI")
    if "interactionType" in definition and definition["interactionType"] not in INTERACTION_TYPES:
        found.append(f"{at}.definition.interactionType: not an xAPI interaction type")
    if "correctResponsesPattern" in definition and not (
            isinstance(definition["correctResponsesPattern"], list)
            and all(isinstance(p, str) for p in definition["correctResponsesPattern"])):
        found.append(f"{at}.definition.correctResponsesPattern: not a list of strings")
    for key in ("choices", "scale", "source", "target", "steps"):
        for i, component in enumerate(definition.get(key) or []):
            if not isinstance(component, dict) or not isinstance(component.get("id"), str) or not component["id"]:
                found.append(f"{at}.definition.{key}[{i}]: needs an id")
            elif "description" in component:
                _language_map(component["description"], f"{at}.definition.{key}[{i}].description", found)
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{at}.definition.extensions", found)


def _result(r: Any, at: str, found: list[str]) -> None:
    if not isinstance(r, dict):
        found.append(f"{at}: not an object")
        return
    for key in ("success", "completion"):
        if key in r and not isinstance(r[key], bool):
            found.append(f"{at}.{key}: not true or false")
    if "response" in r and not isinstance(r["response"], str):
        found.append(f"{at}.response: not a string")
    if "duration" in r and not (isinstance(r["duration"], str) and _DURATION.match(r["duration"])):
        found.append(f"{at}.duration: not an ISO 8601 duration")
    if "score" in r:
        _score(r["score"], f"{at}.score", found)
    if "extensions" in r:
        _extensions(r["extensions"], f"{at}.extensions", found)


def _score(s: Any, at: str, found: list[str]) -> None:
    if not isinstance(s, dict):
        found.append(f"{at}: not an object")
        return
    numbers = {k: s[k] for k in ("scaled", "raw", "min", "max") if k in s}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            found.append(f"{at}.{key}: not a number")
            return
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        found.append(f"{at}.scaled: outside -1..1")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and not low < high:
        found.append(f"{at}: min must be below max")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        found.append(f"{at}.raw: outside min..max")


def _context(c: Any, at: str, found: list[str], obj: Any) -> None:
    if not isinstance(c, dict):
        found.append(f"{at}: not an object")
        return
    if "registration" in c and not is_uuid(c["registration"]):
        found.append(f"{at}.registration: not a UUID")
    if "instructor" in c:
        _agent_or_group(c["instructor"], f"{at}.instructor", found)
    if "team" in c:
        team = c["team"]
        if not (isinstance(team, dict) and team.get("objectType") == "Group"):
            found.append(f"{at}.team: must be a Group")
        else:
            _agent_or_group(team, f"{at}.team", found)
    activities = c.get("contextActivities")
    if activities is not None:
        if not isinstance(activities, dict):
            found.append(f"{at}.contextActivities: not an object")
        else:
            for key, value in activities.items():
                if key not in ("parent", "grouping", "category", "other"):
                    found.append(f"{at}.contextActivities.{key}: not parent, grouping, category or other")
                for i, activity in enumerate(value if isinstance(value, list) else [value]):
                    if not isinstance(activity, dict):
                        found.append(f"{at}.contextActivities.{key}[{i}]: not an activity")
                    else:
                        _activity(activity, f"{at}.contextActivities.{key}[{i}]", found)
    for key in ("revision", "platform"):
        if key in c:
            if not isinstance(c[key], str):
                found.append(f"{at}.{key}: not a string")
            if isinstance(obj, dict) and obj.get("objectType", "Activity") != "Activity":
                found.append(f"{at}.{key}: only allowed when the object is an activity")
    if "language" in c and not (isinstance(c["language"], str) and _LANGUAGE.match(c["language"])):
        found.append(f"{at}.language: not a language tag")
    if "statement" in c and not (isinstance(c["statement"], dict) and c["statement"].get("objectType") == "StatementRef"
                                 and is_uuid(c["statement"].get("id"))):
        found.append(f"{at}.statement: not a statement reference")
    if "extensions" in c:
        _extensions(c["extensions"], f"{at}.extensions", found)
