"""The plan file: versioned JSON read and written through pydantic (``specs/plan-format.md``).

Owns the document around the values (format, version, summary, digest) and the refusal of a
file this version cannot read or that was modified. Pure: strings in, strings out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reconciler.plan.values import Plan

FORMAT = "peerconn-plan"
FORMAT_VERSION = 4
_PLAN = TypeAdapter(Plan)


class PlanFormatError(ValueError):
    """The file is not a plan this version can read."""


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    body = _PLAN.dump_python(plan, mode="json")
    summary: dict[str, Any] = {**plan.counts(), "routes": plan.route_counts()}
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **body, "summary": summary}


def plan_to_json(plan: Plan) -> str:
    """The plan file: the document, then ``digest``, a SHA-256 of the document before it."""
    body = plan_to_dict(plan)
    return _dumps({**body, "digest": _digest(body)})


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _digest(body: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_dumps(body).encode()).hexdigest()


def plan_from_json(text: str) -> Plan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"not a JSON plan file ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFormatError("not a peerconn plan file (missing \"format\": \"peerconn-plan\")")
    if data.get("format_version") != FORMAT_VERSION:
        raise PlanFormatError(
            f"plan format version {data.get('format_version')!r} is not supported "
            f"(this peerconn reads version {FORMAT_VERSION}); make a new plan"
        )
    claimed = data.pop("digest", None)
    if claimed != _digest(data):
        raise PlanFormatError("the plan file was modified after peerconn wrote it (its digest "
                              "does not match its content); make a new plan and review it")
    body = {k: v for k, v in data.items() if k not in ("format", "format_version", "summary")}
    try:
        return _PLAN.validate_python(body, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlanFormatError(f"malformed plan file: {where}: {first['msg']}") from None
