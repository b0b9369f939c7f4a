"""Benchmark: the pure planner (``build_plan``) alone, at 10,000 connections.

Run:  .venv/bin/python tests/bench/bench_planner.py [--connections 10000] [--vpcs 2000]
      [--repeat 3] [--profile]

Desired and live state are built in memory (no YAML, no HTTP), with a realistic mix per 100
connections: 70 match the cloud, 15 have drifted (bandwidth, description, interface name or
DNS sync), 9 are missing from the cloud (create), 1 is declared ``ensure: absent`` (release)
and 5 are live, tagged with the stack and no longer declared (pruned). Every live connection
is seen from both of its ends, as a plan that lists every VPC sees it. Reported: wall time
(median of ``--repeat``), cost per connection, peak Python allocation (tracemalloc, separate
run) and the process's peak RSS. Goal: a plan of 10k connections in <= 2 s; above that, or
with ``--profile``, the hotspots are printed (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import resource
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

from benchlib import Goals, common_args, finish, median, print_header, ring_pairs, secs, table

from reconciler.model import (
    Billing,
    DesiredConnection,
    DesiredState,
    PeerConn,
    StackManifest,
)
from reconciler.observe.live import Context, LiveState
from reconciler.plan import Plan
from reconciler.planner import Limits, build_plan

# Raised quotas: a 10,000-connection estate is far past BCE's defaults of 10.
RAISED = Limits(per_vpc=1_000, per_account=100_000)

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
CTX = Context(None, "bj")
STACK = "bench"
GOAL_S = 2.0
DECLARED = frozenset({"local_vpc_id", "peer_vpc_id", "peer_region", "bandwidth_in_mbps",
                      "local_if_name", "peer_if_name", "description", "dns_sync", "billing",
                      "billing.payment_timing", "tags"})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--vpcs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print cProfile hotspots")
    common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.connections, args.vpcs, args.repeat = 200, 50, 1
    return args


def kind_of(i: int) -> str:
    slot = i % 100
    if slot < 70:
        return "matching"
    if slot < 85:
        return "drifted"
    if slot < 94:
        return "missing (create)"
    if slot < 95:
        return "ensure absent (release)"
    return "to prune"


def vpc(index: int) -> str:
    return f"vpc-p{index:05d}"


def desired(i: int, a: int, b: int, kind: str) -> DesiredConnection:
    drift = i % 4 if kind == "drifted" else -1
    return DesiredConnection(
        stack=STACK, name=f"c{i:05d}", region="bj", profile=None, local_vpc_id=vpc(a),
        peer_vpc_id=vpc(b), peer_region="bj",
        bandwidth_in_mbps=20 if drift == 0 else 10,
        local_if_name=f"if-{i}-renamed" if drift == 1 else f"if-{i}",
        peer_if_name=f"if-{i}-peer", description=f"conn {i}" + (" v2" if drift == 2 else ""),
        dns_sync=drift == 3, billing=Billing(payment_timing="Postpaid"),
        tags={"team": "bench"}, ensure="absent" if kind.startswith("ensure") else "present",
        declared=DECLARED)


def live_views(i: int, a: int, b: int) -> list[PeerConn]:
    tags = (("managed-by", "peerconn"), ("peerconn-stack", STACK), ("team", "bench"))
    initiator = PeerConn(peer_conn_id=f"peerconn-{i:06d}", role="initiator", status="active",
                         bandwidth_in_mbps=10, local_if_id=f"qpif-{i:06d}a",
                         local_if_name=f"if-{i}", description=f"conn {i}", local_vpc_id=vpc(a),
                         local_region="bj", peer_vpc_id=vpc(b), peer_region="bj",
                         peer_account_id="acc-bench", payment_timing="Postpaid",
                         dns_status="close", created_time="2026-01-01T00:00:00Z", tags=tags)
    acceptor = replace(initiator, role="acceptor", local_vpc_id=vpc(b), peer_vpc_id=vpc(a),
                       local_if_id=f"qpif-{i:06d}b", local_if_name=f"if-{i}-peer",
                       description="", tags=())
    return [initiator, acceptor]


def scenario(n: int, v: int) -> tuple[DesiredState, LiveState, Counter[str]]:
    conns, views, mix = [], [], Counter[str]()
    for i, (a, b) in enumerate(ring_pairs(n, v)):
        kind = kind_of(i)
        mix[kind] += 1
        if kind != "to prune":
            conns.append(desired(i, a, b, kind))
        if kind != "missing (create)":
            views += [(CTX, view) for view in live_views(i, a, b)]
    manifest = StackManifest(stack=STACK, region="bj", profile=None, prune=True,
                             file="bench.yaml", connections=tuple(conns))
    return DesiredState((manifest,)), LiveState(views, complete=[CTX]), mix


def plan_once(state: DesiredState, live: LiveState) -> tuple[float, Plan]:
    start = time.perf_counter()
    plan = build_plan(state, live, now=NOW, limits=RAISED)
    return time.perf_counter() - start, plan


def hotspots(state: DesiredState, live: LiveState, top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(build_plan, state, live, now=NOW, limits=RAISED)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.connections
    print_header("bench_planner: build_plan alone", {"N": n, "VPCs": args.vpcs,
                                                      "repeat": args.repeat})
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    state, live, mix = scenario(n, args.vpcs)
    rss_inputs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    walls = []
    plan = None
    for _ in range(args.repeat):
        gc.collect()
        wall, plan = plan_once(state, live)
        walls.append(wall)
    assert plan is not None
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del plan
    gc.collect()
    tracemalloc.start()
    _, plan = plan_once(state, live)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    kinds = Counter(c.action.value for c in plan.changes)
    wall = median(walls)
    print("input mix: " + ", ".join(f"{k} {v}" for k, v in mix.items()))
    print("plan: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
          + f"; {len(plan.notes)} notes")
    print(table(["figure", "value"], [
        (f"build_plan wall (median of {args.repeat})", secs(wall)),
        ("runs", ", ".join(secs(w) for w in walls)),
        ("per connection", f"{wall / n * 1e6:.0f} us"),
        ("peak traced allocation during build_plan (tracemalloc)", f"{peak / 2**20:.1f} MiB"),
        ("per connection", f"{peak / n / 1024:.1f} KiB"),
        ("peak RSS: start / inputs built / after planning (ru_maxrss)",
         f"{rss_before / 1024:.0f} / {rss_inputs / 1024:.0f} / {rss_after / 1024:.0f} MiB"),
    ]))
    expected = {"update": mix["drifted"], "create": mix["missing (create)"],
                "release": mix["ensure absent (release)"] + mix["to prune"]}
    if args.profile or wall > GOAL_S:
        print("\nhotspots (cProfile, by cumulative time):")
        print(hotspots(state, live))

    goals = Goals()
    goals.check(f"build_plan of {n} connections", secs(wall), secs(GOAL_S), wall <= GOAL_S)
    goals.check("plan content", ", ".join(f"{k} {kinds.get(k, 0)}" for k in expected),
                ", ".join(f"{k} {v}" for k, v in expected.items()),
                all(kinds.get(k, 0) == v for k, v in expected.items()))
    code = finish(goals, args)
    if any(kinds.get(k, 0) != v for k, v in expected.items()):
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
