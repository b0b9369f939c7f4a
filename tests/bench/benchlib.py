"""Shared helpers of the benchmark scripts (``bench_*.py``): not a test module.

Owns: starting the simulator as a separate process (``peerconn sim serve``) so that it does
not share the benchmark's interpreter lock, talking to its control routes (stats, faults,
reset), writing world files, manifests and a private credentials file, the connection
topologies the benchmarks use, and printing result tables with their goals. Imports only the
standard library and PyYAML; the product is driven by the scripts themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ACCESS_KEY = "AKBENCHMAIN0001"
SECRET_KEY = "SKBENCHMAIN0001"
MANAGED_TAGS = {"managed-by": "peerconn", "peerconn-stack": "bench"}
ZERO_TIMING = {"create_s": 0, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}


# ------------------------------------------------------------------ machine


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model,
            "python": platform.python_version(), "platform": platform.platform()}


def print_header(title: str, params: dict[str, Any]) -> None:
    m = machine()
    print(f"== {title} ==")
    print(f"machine: nproc={m['nproc']}, cpu={m['cpu']}, python {m['python']}, {m['platform']}")
    print("parameters: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    print()


# ------------------------------------------------------------------ topology


def vpc_id(prefix: str, index: int) -> str:
    return f"vpc-{prefix}{index:04d}"


def ring_pairs(n: int, v: int) -> list[tuple[int, int]]:
    """``n`` distinct VPC pairs over ``v`` VPCs, each VPC in about ``2n/v`` of them.

    Connection ``i`` joins VPC ``i mod v`` to the VPC ``1 + i div v`` places further round the
    ring, so every VPC is the local end of ``n/v`` connections (one list call covers them).
    """
    offsets = -(-n // v)
    if offsets >= (v + 1) // 2:
        raise ValueError(f"{n} connections do not fit as distinct pairs over {v} VPCs")
    return [(i % v, (i % v + 1 + i // v) % v) for i in range(n)]


def vpc_cidr(index: int) -> str:
    """The ``index``-th VPC's primary CIDR: consecutive /20s of 10.0.0.0/8 (4,096 of them),
    so no two VPCs overlap and a route to one never overlaps another's own range."""
    if not 0 <= index < 4096:
        raise ValueError(f"VPC index {index} is outside the 4,096 /20s of 10.0.0.0/8")
    return f"10.{index // 16}.{index % 16 * 16}.0/20"


def vpc_secondary(index: int) -> str:
    """A secondary CIDR for the ``index``-th VPC: consecutive /24s of 172.16.0.0/12."""
    if not 0 <= index < 4096:
        raise ValueError(f"VPC index {index} is outside the 4,096 /24s of 172.16.0.0/12")
    return f"172.{16 + index // 256}.{index % 256}.0/24"


def routed_vpc(prefix: str, index: int, *, secondary: bool = False) -> dict[str, Any]:
    """A world VPC with a real CIDR (``vpc_cidr``), one /24 subnet at its start, and (when
    ``secondary``) a secondary CIDR (``vpc_secondary``): what route rules are checked against."""
    cidr = vpc_cidr(index)
    spec: dict[str, Any] = {"id": vpc_id(prefix, index), "region": "bj", "cidr": cidr,
                            "subnets": [{"id": f"sbn-{prefix}{index:04d}",
                                         "cidr": cidr.replace("/20", "/24")}]}
    if secondary:
        spec["secondary_cidrs"] = [vpc_secondary(index)]
    return spec


def world(vpcs: Sequence[str | dict[str, Any]], *, connections: Sequence[dict[str, Any]] = (),
          timing: dict[str, float] | None = None, per_vpc: int = 10,
          per_account: int = 10_000, latency_ms: int = 0,
          routes: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A one-account world. A VPC is an id (the simulator gives it a default CIDR) or a full
    world entry (``routed_vpc``); ``routes`` are route rules present at the start."""
    data: dict[str, Any] = {
        "accounts": [{"id": "acc-bench", "profile": "default", "access_key": ACCESS_KEY,
                      "secret_key": SECRET_KEY,
                      "vpcs": [vpc if isinstance(vpc, dict) else {"id": vpc, "region": "bj"}
                               for vpc in vpcs]}],
        "quotas": {"per_vpc": per_vpc, "per_account": per_account},
        "timing": dict(timing or ZERO_TIMING),
        "connections": list(connections),
        "faults": {"latency_ms": latency_ms},
    }
    if routes:
        data["routes"] = list(routes)
    return data


def manifest_text(entries: Sequence[dict[str, Any]], *, stack: str = "bench",
                  prune: bool = False) -> str:
    """A manifest with one flow-style line per connection (what people write by hand)."""
    lines = [f"stack: {stack}", "region: bj", f"prune: {str(prune).lower()}",
             "defaults:", "  billing: {payment_timing: Postpaid}", "connections:"]
    for entry in entries:
        body = ", ".join(f"{k}: {_flow(v)}" for k, v in entry.items())
        lines.append(f"  - {{{body}}}")
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def write_credentials(path: Path) -> Path:
    path.write_text(f"[default]\naccess_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n",
                    encoding="utf-8")
    path.chmod(0o600)
    return path


# ------------------------------------------------------------------ simulator


class SimProcess:
    """``peerconn sim serve`` in its own process, driven through its control routes."""

    def __init__(self, world_data: dict[str, Any], workdir: Path):
        self.world_path = workdir / "world.yaml"
        self.world_path.write_text(yaml.safe_dump(world_data, sort_keys=False), encoding="utf-8")
        self._log = (workdir / "sim.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "sim", "serve", "--world",
             str(self.world_path), "--port", "0", "--seed", "1"],
            stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=workdir)
        self.url = self._read_url()

    def _read_url(self) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if "listening on" in line:
                return line.rsplit(" ", 1)[1].strip()
        self.stop()
        raise RuntimeError(f"the simulator did not start; see {self._log.name}")

    def _control(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(self.url + route, data=data if method == "POST" else None,
                                         method=method)
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read().decode())

    def stats(self) -> dict[str, Any]:
        return dict(self._control("GET", "/__sim/stats"))

    def set_faults(self, **changes: Any) -> None:
        self._control("POST", "/__sim/faults", changes)

    def reset(self) -> None:
        """World, faults and stats back to the start."""
        self._control("POST", "/__sim/reset", {})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


@contextmanager
def sim_process(world_data: dict[str, Any], workdir: Path) -> Iterator[SimProcess]:
    sim = SimProcess(world_data, workdir)
    try:
        yield sim
    finally:
        sim.stop()


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="peerconn-bench-") as tmp:
        yield Path(tmp)


@dataclass
class CallDelta:
    """Requests the simulator counted between two snapshots."""

    by_operation: dict[str, int] = field(default_factory=dict)

    @classmethod
    def between(cls, before: dict[str, Any], after: dict[str, Any]) -> CallDelta:
        ops = set(before["by_operation"]) | set(after["by_operation"])
        delta = {op: after["by_operation"].get(op, 0) - before["by_operation"].get(op, 0)
                 for op in ops}
        return cls({op: n for op, n in sorted(delta.items()) if n})

    def __getitem__(self, operation: str) -> int:
        return self.by_operation.get(operation, 0)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    @property
    def mutating(self) -> int:
        reads = ("list", "get", "list_vpcs", "get_vpc", "get_route_table", "list_route_rules")
        return sum(n for op, n in self.by_operation.items() if op not in reads)


def measured(sim: SimProcess, action: Callable[[], Any]) -> tuple[float, CallDelta, Any]:
    """Wall time of ``action`` and the API requests the simulator saw during it."""
    before = sim.stats()
    start = time.perf_counter()
    value = action()
    wall = time.perf_counter() - start
    return wall, CallDelta.between(before, sim.stats()), value


# ------------------------------------------------------------------ output


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
                     + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


class Goals:
    """Goal checks collected while a benchmark runs; printed together at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, bool]] = []

    def check(self, name: str, measured_text: str, goal_text: str, ok: bool) -> None:
        self.rows.append((name, measured_text, goal_text, ok))

    def report(self, *, smoke: bool) -> bool:
        print()
        print("Goals" + (" (smoke run: sizes and latency too small for the goals to mean "
                          "anything)" if smoke else ""))
        print(table(["goal", "measured", "limit", "verdict"],
                    [(n, m, g, verdict(ok)) for n, m, g, ok in self.rows]))
        return all(ok for *_, ok in self.rows)


def common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, no latency: checks the script runs (used by the tests)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a goal is missed (timings are machine-dependent, so "
                             "by default only a broken invariant fails the run)")


def finish(goals: Goals, args: argparse.Namespace) -> int:
    all_met = goals.report(smoke=args.smoke)
    return 1 if args.strict and not all_met and not args.smoke else 0
