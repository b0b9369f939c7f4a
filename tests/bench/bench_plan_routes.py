"""Benchmark: `peerconn plan` of N connections over V VPCs with routes on both sides, at latency.

Run:  .venv/bin/python tests/bench/bench_plan_routes.py [--connections 1000] [--vpcs 200]
      [--latency-ms 50] [--parallelism 10] [--repeat 3] [--profile]

The topology of ``bench_plan.py`` (a ring: connection i joins VPC i mod V to the VPC
1 + i div V further on), but every VPC has a real CIDR and subnet (every 10th a secondary
CIDR too) and every connection declares ``routes.local`` and ``routes.peer``: the peer VPC as
``peer_vpc`` where its index is a multiple of 3 (else its CIDRs written out), the local VPC
as ``local_vpc`` where its index is a multiple of 5 (else literal). Two simulators, each in its
own process: an empty cloud (the plan creates every connection and adds every rule) and one
where all N connections and their rules already exist, seeded in the world file (the plan is
empty: the drift-correction case). Goals (issue 13): V peering lists, V route-table reads, 0
VPC detail reads (symbolic destinations expand from the accounts' VPC lists, which carry
every cidr and secondaryCidr; only a custom source needs a detail, and none is declared here),
0 peering detail calls, 0 paged rule lists, 0 mutating calls, all read from the simulator's
counters; wall of the reads <= 1.2 x ceil(calls / parallelism) x latency + 0.15 s (the whole
`peerconn plan` is printed next to it: loading a 295 KiB manifest is not part of the bound). ``--profile`` prints a
cProfile of one in-process plan of the existing cloud at the same latency.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import pstats
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import (
    MANAGED_TAGS,
    Goals,
    SimProcess,
    common_args,
    finish,
    manifest_text,
    measured,
    median,
    print_header,
    ring_pairs,
    routed_vpc,
    secs,
    sim_process,
    table,
    vpc_cidr,
    vpc_id,
    vpc_secondary,
    workdir,
    world,
    write_credentials,
)

from reconciler.cli import main as peerconn
from reconciler.cli.connect import Connector
from reconciler.manifest import load_paths
from reconciler.observe import read_live
from reconciler.planner import Limits, build_plan
from reconciler.render import render_text

PER_ACCOUNT = 10_000
PER_VPC = 20
READS = ("list", "get_route_table", "get_vpc", "get", "list_vpcs", "list_route_rules")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--vpcs", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (median)")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of one in-process plan (existing cloud)")
    common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.connections, args.vpcs, args.latency_ms, args.repeat = 20, 10, 0, 1
    return args


# ------------------------------------------------------------------ routes of the topology


def has_secondary(k: int) -> bool:
    return k % 10 == 0


def cidrs(k: int) -> list[str]:
    """What VPC ``k``'s ``peer_vpc``/``local_vpc`` expands to: primary, then secondary."""
    return [vpc_cidr(k), *([vpc_secondary(k)] if has_secondary(k) else [])]


def local_symbolic(b: int) -> bool:
    return b % 3 == 0


def peer_symbolic(a: int) -> bool:
    return a % 5 == 0


def declared(a: int, b: int) -> dict[str, list[dict[str, str]]]:
    """The ``routes`` of the connection from VPC ``a`` to VPC ``b``."""
    local = ([{"destination": "peer_vpc"}] if local_symbolic(b)
             else [{"destination": c} for c in cidrs(b)])
    peer = ([{"destination": "local_vpc"}] if peer_symbolic(a)
            else [{"destination": c} for c in cidrs(a)])
    return {"local": local, "peer": peer}


def symbolic_vpcs(pairs: list[tuple[int, int]]) -> set[int]:
    """The VPCs a symbolic destination names (expanded from the VPC lists, no detail read)."""
    return ({b for _, b in pairs if local_symbolic(b)}
            | {a for a, _ in pairs if peer_symbolic(a)})


def rule_count(pairs: list[tuple[int, int]]) -> int:
    return sum(len(cidrs(b)) + len(cidrs(a)) for a, b in pairs)


# ------------------------------------------------------------------ inputs


def if_ids(i: int) -> tuple[str, str]:
    return f"qpif-l{i:05d}", f"qpif-p{i:05d}"


def existing(pairs: list[tuple[int, int]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every connection active, and every rule it declares, as world-file entries."""
    conns, rules = [], []
    for i, (a, b) in enumerate(pairs):
        local_if, peer_if = if_ids(i)
        conns.append({"id": f"peerconn-r{i:05d}", "local_vpc_id": vpc_id("r", a),
                      "peer_vpc_id": vpc_id("r", b), "bandwidth_in_mbps": 10,
                      "local_if_id": local_if, "peer_if_id": peer_if,
                      "local_if_name": f"c{i:05d}", "peer_if_name": f"c{i:05d}-peer",
                      "description": f"bench connection {i}",
                      "tags": {**MANAGED_TAGS, "team": "bench"}})
        for table_vpc, destinations, hop in ((a, cidrs(b), local_if), (b, cidrs(a), peer_if)):
            rules.extend({"vpc_id": vpc_id("r", table_vpc), "destination": d,
                          "nexthop_type": "peerConn", "nexthop_id": hop} for d in destinations)
    return conns, rules


def entries(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"name": f"c{i:05d}", "local_vpc_id": vpc_id("r", a), "peer_vpc_id": vpc_id("r", b),
             "bandwidth_in_mbps": 10, "local_if_name": f"c{i:05d}",
             "peer_if_name": f"c{i:05d}-peer", "description": f'"bench connection {i}"',
             "dns_sync": False, "tags": {"team": "bench"}, "routes": declared(a, b)}
            for i, (a, b) in enumerate(pairs)]


# ------------------------------------------------------------------ runs


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = peerconn(argv)
    return code, out.getvalue() + err.getvalue()


def plan_argv(manifest: Path, sim: SimProcess, parallelism: int) -> list[str]:
    return ["plan", str(manifest), "--detailed-exitcode", "--endpoint", sim.url,
            "--parallelism", str(parallelism), "--max-per-vpc", str(PER_VPC),
            "--max-per-account", str(PER_ACCOUNT)]


def sim_cpu(sim: SimProcess) -> float:
    """CPU seconds (user + system) the simulator process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{sim.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(sim: SimProcess, argv: list[str], repeat: int, expect: int) -> dict[str, Any]:
    """Median wall and CPU (ours and the simulator's) of ``repeat`` plans; the calls must be
    the same every time."""
    walls, cpus, sim_cpus, calls, text = [], [], [], None, ""
    for _ in range(repeat):
        cpu0, scpu0 = time.process_time(), sim_cpu(sim)
        wall, delta, (code, text) = measured(sim, lambda: run_cli(argv))
        cpus.append(time.process_time() - cpu0)
        sim_cpus.append(sim_cpu(sim) - scpu0)
        if code != expect:
            sys.exit(f"plan exited {code}, expected {expect}:\n{text[-3000:]}")
        if calls is not None and delta.by_operation != calls.by_operation:
            sys.exit(f"API calls differ between runs: {calls.by_operation} vs {delta.by_operation}")
        walls.append(wall)
        calls = delta
    summary = next((line for line in text.splitlines() if line.startswith("Plan:")),
                   "(no changes)" if expect == 0 else "(no summary line)")
    return {"wall": median(walls), "walls": walls, "cpu": median(cpus),
            "sim_cpu": median(sim_cpus), "calls": calls, "summary": summary}


def timed_reads(sim: SimProcess, manifest: Path, parallelism: int,
                repeat: int) -> dict[str, Any]:
    """The read phase alone (``read_live``, what `peerconn plan` observes with), ``repeat``
    times, after loading the manifest once; then one pass of the other phases of the plan."""
    start = time.perf_counter()
    desired = load_paths([str(manifest)])
    load = time.perf_counter() - start
    conn = Connector(env=os.environ, endpoint=sim.url)
    walls, cpus, sim_cpus, calls, live = [], [], [], None, None
    for _ in range(repeat):
        cpu0, scpu0 = time.process_time(), sim_cpu(sim)
        wall, delta, live = measured(
            sim, lambda: read_live(desired, conn.api_for, parallelism=parallelism))
        cpus.append(time.process_time() - cpu0)
        sim_cpus.append(sim_cpu(sim) - scpu0)
        if calls is not None and delta.by_operation != calls.by_operation:
            sys.exit(f"API calls differ between runs: {calls.by_operation} vs {delta.by_operation}")
        walls.append(wall)
        calls = delta
    start = time.perf_counter()
    plan = build_plan(desired, live, now=datetime.now(UTC),
                      limits=Limits(per_vpc=PER_VPC, per_account=PER_ACCOUNT))
    planning = time.perf_counter() - start
    start = time.perf_counter()
    render_text(plan, colour=False)
    rendering = time.perf_counter() - start
    return {"wall": median(walls), "walls": walls, "cpu": median(cpus),
            "sim_cpu": median(sim_cpus), "calls": calls,
            "phases": {"load manifest": load, "reads (median)": median(walls),
                       "build_plan": planning, "render": rendering}}


def profile(argv: list[str]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run_cli(argv)
    profiler.disable()
    print("\ncProfile of one plan of the existing cloud (top 30 by cumulative time):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


def measure_cloud(label: str, world_data: dict[str, Any], manifest: Path,
                  args: argparse.Namespace, expect: int) -> dict[str, Any]:
    """Whole plans and the read phase alone, at 0 ms and then at ``--latency-ms``."""
    with workdir() as tmp, sim_process(world_data, tmp) as sim:
        argv = plan_argv(manifest, sim, args.parallelism)
        run_cli(argv)  # warm-up: imports, first connections
        startup = timed(sim, argv, args.repeat, expect)
        sim.set_faults(latency_ms=args.latency_ms)
        result = timed(sim, argv, args.repeat, expect)
        reads = timed_reads(sim, manifest, args.parallelism, args.repeat)
        if args.profile and expect == 0:
            profile(argv)
    if reads["calls"].by_operation != result["calls"].by_operation:
        sys.exit(f"the read phase made other calls than the plan: {reads['calls'].by_operation}"
                 f" vs {result['calls'].by_operation}")
    return {"label": label, "plan": result, "reads": reads, "startup": startup["wall"]}


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n, v, p, lat = args.connections, args.vpcs, args.parallelism, args.latency_ms
    print_header("bench_plan_routes: peerconn plan with routes on both sides",
                 {"N": n, "V": v, "latency": f"{lat} ms", "parallelism": p,
                  "repeat": args.repeat})
    pairs = ring_pairs(n, v)
    vpcs = [routed_vpc("r", k, secondary=has_secondary(k)) for k in range(v)]
    conns, rules = existing(pairs)
    details = symbolic_vpcs(pairs)
    results = []
    with workdir() as tmp:
        os.environ["PEERCONN_CREDENTIALS_FILE"] = str(write_credentials(tmp / "credentials"))
        os.environ["NO_COLOR"] = "1"
        for key in [k for k in os.environ if k.startswith("BAIDUCLOUD_")]:
            del os.environ[key]
        manifest = tmp / "routed.yaml"
        manifest.write_text(manifest_text(entries(pairs)))
        print(f"manifest: {n} connections, {rule_count(pairs)} rules "
              f"({len(details)} VPCs named by peer_vpc/local_vpc), "
              f"{manifest.stat().st_size // 1024} KiB; world: {len(rules)} rules seeded")
        results.append(measure_cloud("empty cloud (all to create)",
                                     world(vpcs, per_vpc=PER_VPC), manifest, args, 2))
        results.append(measure_cloud("all exists (0 changes)",
                                     world(vpcs, connections=conns, routes=rules,
                                           per_vpc=PER_VPC), manifest, args, 0))

    goals = Goals()
    rows = []
    for r in results:
        c, reads, whole = r["plan"]["calls"], r["reads"], r["plan"]
        r["bound"] = 1.2 * math.ceil(c.total / p) * lat / 1000 + 0.15
        rows.append((r["label"], *(c[op] for op in READS), c.mutating, c.total))
    print()
    print(table(["run", "peering lists", "route table reads", "VPC details", "peering details",
                 "VPC lists", "rule lists", "mutating", "total calls"], rows))
    print()
    rows = []
    for r in results:
        reads, whole = r["reads"], r["plan"]
        rows.append((r["label"], secs(reads["wall"]), secs(r["bound"]),
                     f"{reads['wall'] / r['bound']:.2f}", secs(reads["cpu"]),
                     secs(reads["sim_cpu"]), secs(whole["wall"]), secs(whole["cpu"]),
                     secs(whole["sim_cpu"]), secs(r["startup"])))
    print(table(["run", "reads: wall", "bound", "wall/bound", "reads: CPU", "reads: sim CPU",
                 "whole plan: wall", "whole plan: CPU", "whole plan: sim CPU",
                 "whole plan at 0 ms"], rows))
    print(f"bound = 1.2 x ceil(total calls / {p}) x {lat} ms + 0.15 s; medians of "
          f"{args.repeat}; CPU = this process (user + system), sim CPU = the simulator's")
    print()
    for r in results:
        print(f"{r['label']}: {r['plan']['summary']}")
        print(f"  reads walls {', '.join(secs(w) for w in r['reads']['walls'])}; whole plan "
              f"walls {', '.join(secs(w) for w in r['plan']['walls'])}")
        print("  phases: " + ", ".join(f"{k} {secs(t)}" for k, t in r["reads"]["phases"].items()))

    expected_rules = rule_count(pairs)
    empty, full = (r["plan"] for r in results)
    for r in results:
        c, label = r["plan"]["calls"], r["label"].split(" (")[0]
        goals.check(f"peering lists, {label}", str(c["list"]), f"= V = {v}", c["list"] == v)
        goals.check(f"route table reads, {label}", str(c["get_route_table"]), f"= V = {v}",
                    c["get_route_table"] == v)
        goals.check(f"VPC detail reads, {label}", str(c["get_vpc"]),
                    "0 (no custom source)", c["get_vpc"] == 0)
        goals.check(f"peering detail calls, {label}", str(c["get"]), "0", c["get"] == 0)
        goals.check(f"paged rule lists, {label}", str(c["list_route_rules"]), "0",
                    c["list_route_rules"] == 0)
        goals.check(f"mutating calls, {label}", str(c.mutating), "0", c.mutating == 0)
        goals.check(f"wall of the reads, {label}", secs(r["reads"]["wall"]), secs(r["bound"]),
                    r["reads"]["wall"] <= r["bound"])
    want = (f"Plan: {n} to create, 0 to update, 0 to replace, 0 to release; routes: "
            f"{expected_rules} to add, 0 to change, 0 to delete.")
    goals.check("plan content, empty cloud", short(empty["summary"]),
                f"{n} to create, {expected_rules} routes to add, nothing else",
                empty["summary"] == want)
    goals.check("plan content, all exists", full["summary"], "(no changes)",
                full["summary"] == "(no changes)")
    invariants = all(ok for name, _, _, ok in goals.rows if not name.startswith("wall"))
    code = finish(goals, args)
    if not invariants:
        print("\nFAILED: a call count or the plan's content is wrong (not a timing)")
        return 1
    return code


def short(summary: str) -> str:
    """``Plan: 1000 to create, ...; routes: 2200 to add, ...`` as its non-zero counts."""
    conns, _, routes = summary.partition("; routes:")
    parts = [f"{k} {what}" for k, what in re.findall(r"(\d+) (to \w+)", conns) if k != "0"]
    parts += [f"{k} routes {what}" for k, what in re.findall(r"(\d+) (to \w+)", routes)
              if k != "0"]
    return ", ".join(parts) if parts else summary


if __name__ == "__main__":
    raise SystemExit(main())
