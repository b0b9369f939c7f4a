"""Deterministic clientTokens.

Owns the one rule for BCE ``clientToken`` values (``specs/tokens.md``). Operations split in two:

- **Once-only** operations make a resource, cost money or end one (create, renew, release). Their
  token is a digest of the *intent* alone (identity, target, the live value it starts from, the
  plan's UTC day), so a re-run after a crash and a concurrent runner send the same token and a
  server that honours tokens executes the call once.
- **Set-value** operations (update, resize, DNS, protection, accept, reject) are naturally
  idempotent: sending one twice leaves the same state. Their token also carries the plan's
  identity, so a change reverted and re-applied on the same day (100 → 200 → 100 → 200 Mbps)
  is a new call the server executes, never a replay of the first answer.

``successor`` derives the next token of a chain when apply sees that an acknowledged call
changed nothing (a server replaying an earlier answer): still deterministic, so two runners
that see the same replay derive the same successor. Pure; ASCII; 44 characters (< 64).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

PREFIX = "pc1-"
#: Operations whose repetition would make, bill or end something twice (value: ``Op``).
ONCE_ONLY = frozenset({"create", "renew", "release", "add_route", "delete_route"})


def client_token(op: str, identity: Any, target: Any, before: Any, day: str,
                 plan_id: str = "") -> str:
    scope = {"day": day} if op in ONCE_ONLY else {"day": day, "plan": plan_id}
    blob = json.dumps(
        {"op": op, "id": identity, "target": target, "before": before, **scope},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return _digest(blob)


def successor(token: str, observed: str) -> str:
    """The token to send after ``token`` was answered by a replay showing ``observed``."""
    return _digest(f"{token}|after|{observed}")


def _digest(blob: str) -> str:
    return PREFIX + hashlib.sha256(blob.encode()).hexdigest()[:40]
