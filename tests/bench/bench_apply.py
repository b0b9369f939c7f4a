"""Benchmark: apply of N creates with DNS sync, against the simulator's create/DNS timings.

Run:  .venv/bin/python tests/bench/bench_apply.py [--connections 100] [--vpcs 25]
      [--create-s 3] [--dns-s 1] [--latency-ms 50] [--parallelism 10] [--compare 100]

The simulator runs in its own process with ``create_s``/``dns_s`` timings and latency on every
request; each run starts from an empty world (``POST /__sim/reset``). A run is what
`peerconn apply PATH --auto-approve` does: load the manifest, observe, ``build_plan``, then
``Executor.apply`` (stale check, creates with the duplicate guard, waits, DNS open, waits,
read-back). Each parallelism is run at ``--latency-ms`` and at 0 ms. Goals (issue 7): the
apply finishes within 1.25 x the critical path of one connection (create_s + dns_s); waiting
holds no parallelism slot, so parallelism 10 finishes in about the time parallelism 100 does
(were waits to hold a slot, N/parallelism rounds of the critical path would be needed). The
one difference allowed is the slot time of the 2N mutating calls themselves,
ceil(2N / parallelism) x latency. Every list call the executor makes is attributed to its
purpose (from the caller's stack), to show what polling costs next to the mutating calls.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import (
    CallDelta,
    Goals,
    SimProcess,
    common_args,
    finish,
    manifest_text,
    print_header,
    ring_pairs,
    secs,
    sim_process,
    table,
    vpc_id,
    workdir,
    world,
    write_credentials,
)

from reconciler.apply.executor import ApplyOptions, Executor
from reconciler.cli.connect import Connector
from reconciler.client import PeerConnApi
from reconciler.manifest import load_paths
from reconciler.model import PeerConn
from reconciler.observe import jobs_for, observe
from reconciler.observe.live import Context
from reconciler.plan import Plan
from reconciler.planner import Limits, build_plan


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--vpcs", type=int, default=25,
                        help="VPCs the connections are spread over (each VPC ends up in "
                             "2N/V connections; BCE's quota is 10)")
    parser.add_argument("--create-s", type=float, default=3.0)
    parser.add_argument("--dns-s", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--compare", type=int, default=100,
                        help="second parallelism to run, to show waits hold no slot")
    parser.add_argument("--poll-initial", type=float, default=ApplyOptions.poll_initial,
                        help="executor's first poll delay (ApplyOptions; default %(default)s)")
    parser.add_argument("--poll-max", type=float, default=ApplyOptions.poll_max,
                        help="executor's longest poll delay (ApplyOptions; default %(default)s)")
    common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.connections, args.vpcs, args.latency_ms = 20, 10, 0
        args.create_s = args.dns_s = 0.0
    return args


# ------------------------------------------------------------------ list-call attribution

_PURPOSES = (("wait_for", "polling (waits)"), ("_verify", "read-back"),
             ("_peer_end_name", "read-back"), ("_do_create", "duplicate guard"))


def purpose_of(stack: traceback.StackSummary) -> str:
    names = {frame.name for frame in stack}
    if any(frame.filename.endswith("observe.py") for frame in stack):
        return "stale check"  # observe's worker threads, started by stale_reasons
    return next((label for name, label in _PURPOSES if name in names), "other")


class AttributedApi:
    """Our client, with every ``list_all`` recorded under the executor step that asked."""

    def __init__(self, api: PeerConnApi, purposes: Counter[str]):
        self._api = api
        self._purposes = purposes

    def list_all(self, **kwargs: Any) -> Iterator[PeerConn]:
        self._purposes[purpose_of(traceback.extract_stack(limit=16))] += 1
        return self._api.list_all(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


# ------------------------------------------------------------------ one run


def entries(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"name": f"c{i:04d}", "local_vpc_id": vpc_id("a", a), "peer_vpc_id": vpc_id("a", b),
             "bandwidth_in_mbps": 10, "dns_sync": True} for i, (a, b) in enumerate(pairs)]


def make_plan(conn: Connector, manifest: Path, parallelism: int) -> Plan:
    desired = load_paths([str(manifest)])
    live = observe(jobs_for(desired), conn.api_for, parallelism=parallelism)
    # Raised quotas, as in the simulated world (BCE's defaults are 10 per VPC and account).
    return build_plan(desired, live, now=datetime.now(UTC), limits=Limits(per_account=10_000))


def one_run(sim: SimProcess, manifest: Path, parallelism: int, latency_ms: int, n: int,
            args: argparse.Namespace) -> dict[str, Any]:
    sim.reset()
    sim.set_faults(latency_ms=latency_ms)
    purposes: Counter[str] = Counter()
    conn = Connector(env=os.environ, endpoint=sim.url)

    def api_for(ctx: Context) -> AttributedApi:
        return AttributedApi(conn.api_for(ctx), purposes)

    s0 = sim.stats()
    t0 = time.perf_counter()
    plan = make_plan(conn, manifest, parallelism)
    t1 = time.perf_counter()
    s1 = sim.stats()
    if len(plan.changes) != n:
        sys.exit(f"expected {n} creates, the plan has {len(plan.changes)} changes")
    messages: list[str] = []
    options = ApplyOptions(parallelism=parallelism, poll_initial=args.poll_initial,
                           poll_max=args.poll_max)
    executor = Executor(api_for, options=options, progress=messages.append)
    result = executor.apply(plan)
    t2 = time.perf_counter()
    s2 = sim.stats()
    if not result.ok or result.counts()["done"] != n:
        failed = [o for o in result.outcomes if o.status != "done"][:3]
        sys.exit(f"apply did not complete: {result.counts()} {failed}")
    again = make_plan(conn, manifest, parallelism)
    if again.has_changes:
        sys.exit(f"a plan after the apply still has {len(again.changes)} changes")
    return {"parallelism": parallelism, "latency_ms": latency_ms, "plan_wall": t1 - t0, "apply_wall": t2 - t1,
            "plan_calls": CallDelta.between(s0, s1), "apply_calls": CallDelta.between(s1, s2),
            "purposes": purposes}


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n, v = args.connections, args.vpcs
    critical = args.create_s + args.dns_s
    print_header("bench_apply: N creates with DNS sync",
                 {"N": n, "VPCs": v, "create_s": args.create_s, "dns_s": args.dns_s,
                  "latency": f"{args.latency_ms} ms (and 0 ms)",
                  "parallelism": f"{args.parallelism} and {args.compare}",
                  "poll_initial": args.poll_initial, "poll_max": args.poll_max})
    pairs = ring_pairs(n, v)
    timing = {"create_s": args.create_s, "accept_s": 0, "resize_s": 0, "dns_s": args.dns_s,
              "delete_s": 0}
    data = world([vpc_id("a", i) for i in range(v)], timing=timing, per_vpc=10,
                 per_account=max(10, n))
    latencies = list(dict.fromkeys((args.latency_ms, 0)))
    runs = []
    with workdir() as tmp, sim_process(data, tmp) as sim:
        os.environ["PEERCONN_CREDENTIALS_FILE"] = str(write_credentials(tmp / "credentials"))
        for key in [k for k in os.environ if k.startswith("BAIDUCLOUD_")]:
            del os.environ[key]
        manifest = tmp / "creates.yaml"
        manifest.write_text(manifest_text(entries(pairs)))
        for latency in latencies:
            for parallelism in (args.parallelism, args.compare):
                runs.append(one_run(sim, manifest, parallelism, latency, n, args))
    report(runs, args, critical, pairs)
    return finish(goals_of(runs, args, critical), args)


def slot_time(n: int, parallelism: int, latency_ms: int) -> float:
    """What the 2N mutating calls alone take through ``parallelism`` slots."""
    return math.ceil(2 * n / parallelism) * latency_ms / 1000


def report(runs: list[dict[str, Any]], args: argparse.Namespace, critical: float,
           pairs: list[tuple[int, int]]) -> None:
    rows = []
    for run in runs:
        calls: CallDelta = run["apply_calls"]
        rows.append((f"{run['latency_ms']} ms", run["parallelism"], secs(run["plan_wall"]),
                     secs(run["apply_wall"]), secs(run["plan_wall"] + run["apply_wall"]),
                     f"{run['apply_wall'] / critical:.2f}" if critical else "-",
                     calls.mutating, calls["list"], calls["get"]))
    print(f"critical path of one connection: create_s + dns_s = {secs(critical)}; "
          f"goal: apply <= 1.25 x that = {secs(1.25 * critical)}")
    print(table(["latency", "parallelism", "plan", "apply", "plan+apply", "apply/critical",
                 "mutating calls", "list calls", "get calls"], rows))
    print()
    print("List calls during apply, by purpose (attributed from the caller's stack):")
    purposes = sorted({p for run in runs for p in run["purposes"]})
    print(table(["latency", "parallelism", *purposes, "total", "polling per mutating call"],
                [(f"{run['latency_ms']} ms", run["parallelism"],
                  *(run["purposes"].get(p, 0) for p in purposes), sum(run["purposes"].values()),
                  f"{run['purposes'].get('polling (waits)', 0) / max(1, run['apply_calls'].mutating):.2f}")
                 for run in runs]))
    ttl = min(args.poll_initial, 0.5)
    first = runs[0]
    ceiling = math.ceil(first["apply_wall"] / ttl) * len({a for a, _ in pairs})
    print(f"\ncoalescing ceiling for the first run: one list per VPC per {ttl}s cache period "
          f"= {ceiling} list calls over {secs(first['apply_wall'])}")
    rounds = math.ceil(args.connections / args.parallelism)
    print(f"if waiting held a slot, parallelism {args.parallelism} would need about "
          f"{rounds} x {secs(critical)} = {secs(rounds * critical)}; the mutating calls alone "
          f"need ceil(2N/{args.parallelism}) x latency = "
          f"{secs(slot_time(args.connections, args.parallelism, args.latency_ms))} of slot time")


def goals_of(runs: list[dict[str, Any]], args: argparse.Namespace, critical: float) -> Goals:
    goals = Goals()
    for run in runs:
        goals.check(f"apply wall, latency {run['latency_ms']} ms, parallelism "
                    f"{run['parallelism']}", secs(run["apply_wall"]),
                    f"<= 1.25 x {secs(critical)} = {secs(1.25 * critical)}",
                    run["apply_wall"] <= 1.25 * critical)
    for run in runs:
        calls = run["apply_calls"]
        goals.check(f"mutating calls, latency {run['latency_ms']} ms, parallelism "
                    f"{run['parallelism']}", str(calls.mutating),
                    f"= 2N = {2 * args.connections}", calls.mutating == 2 * args.connections)
    for low, high in zip(runs[::2], runs[1::2], strict=True):
        bound = 1.1 * high["apply_wall"] + slot_time(args.connections, low["parallelism"],
                                                      low["latency_ms"])
        goals.check(f"waits hold no slot, latency {low['latency_ms']} ms: parallelism "
                    f"{low['parallelism']} vs {high['parallelism']}",
                    f"{secs(low['apply_wall'])} vs {secs(high['apply_wall'])}",
                    f"<= 1.1 x {secs(high['apply_wall'])} + slot time = {secs(bound)}",
                    low["apply_wall"] <= bound)
    return goals


if __name__ == "__main__":
    raise SystemExit(main())
