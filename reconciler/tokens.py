"""Deterministic clientTokens.

Owns the one rule for BCE ``clientToken`` values: a digest of the connection's identity, the
operation, its target values, the live values it starts from, and the UTC day of the plan.
The same intent planned again (a re-run after a crash, a concurrent runner) yields the same
token, so a server that honours tokens executes it once. The day and the starting values keep
a later, legitimately repeated transition (100 → 200 → 100 → 200 Mbps) from being swallowed
as a replay; ``specs/tokens.md`` explains the trade-off. Pure; ASCII; 44 characters (< 64).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

PREFIX = "pc1-"


def client_token(op: str, identity: Any, target: Any, before: Any, day: str) -> str:
    blob = json.dumps(
        {"op": op, "id": identity, "target": target, "before": before, "day": day},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return PREFIX + hashlib.sha256(blob.encode()).hexdigest()[:40]
