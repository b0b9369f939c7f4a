"""Request counters behind ``GET /__sim/stats``.

Owns: counting every API request by operation and by outcome (HTTP status as text, or a fault
kind such as ``drop``/``lost``), the totals and the ``mutating`` count. Must not decide
outcomes; the server reports them.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

OPERATIONS = ("create", "list", "get", "update", "accept", "reject", "delete", "resize",
              "renew", "open_dns", "close_dns", "delete_protect", "refund", "list_vpcs",
              "get_vpc", "get_route_table", "list_route_rules", "create_route_rule",
              "update_route_rule", "delete_route_rule", "switch_route")
READS = frozenset({"list", "get", "list_vpcs", "get_vpc", "get_route_table", "list_route_rules"})
MUTATING = frozenset(OPERATIONS) - READS


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._by_op: Counter[str] = Counter()
            self._by_outcome: Counter[str] = Counter()
            self._by_op_outcome: dict[str, Counter[str]] = {}

    def record(self, operation: str, outcome: str) -> None:
        with self._lock:
            self._by_op[operation] += 1
            self._by_outcome[outcome] += 1
            self._by_op_outcome.setdefault(operation, Counter())[outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            by_op = {op: self._by_op.get(op, 0) for op in OPERATIONS}
            by_op.update({op: n for op, n in self._by_op.items() if op not in by_op})
            return {
                "total": sum(self._by_op.values()),
                "mutating": sum(n for op, n in self._by_op.items() if op in MUTATING),
                "by_operation": by_op,
                "by_outcome": dict(sorted(self._by_outcome.items())),
                "by_operation_outcome": {op: dict(sorted(c.items()))
                                         for op, c in sorted(self._by_op_outcome.items())},
            }
