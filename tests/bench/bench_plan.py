"""Benchmark: `peerconn plan` of N connections over V VPCs against a simulator with latency.

Run:  .venv/bin/python tests/bench/bench_plan.py [--connections 1000] [--vpcs 200]
      [--latency-ms 50] [--parallelism 10] [--repeat 3] [--baseline-sample K]

The simulator runs in its own process (``peerconn sim serve``) with N pre-existing connections
and every request delayed by ``--latency-ms``. The plan goes through the real command line,
in-process (``reconciler.cli.main``), once with a manifest that matches the cloud (empty plan)
and once with drift. Goals (issue 7): V list calls and 0 detail calls, read from the
simulator's own counters (plus one ``GET /v1/vpc`` list for the VPC rules: one account, one
region, 200 VPCs on one page; no VPC detail calls); wall time <= 1.5 x ceil(V / parallelism) x latency + startup, where
startup is the same command against the same simulator with no injected latency (loading the
manifest, signing, the simulator's own work, planning, rendering). The baseline reads the same
connections the way the Terraform provider refreshes them, with our own client: list the ids,
then ``get`` each connection twice (role=initiator, role=acceptor), one call at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import (
    ACCESS_KEY,
    MANAGED_TAGS,
    SECRET_KEY,
    Goals,
    SimProcess,
    common_args,
    finish,
    manifest_text,
    measured,
    median,
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

from reconciler.cli import main as peerconn
from reconciler.cli.connect import Connector
from reconciler.client import Credentials, PeerConnApi
from reconciler.manifest import load_paths
from reconciler.observe import jobs_for, observe
from reconciler.planner import Limits, build_plan
from reconciler.render import render_text

PER_ACCOUNT = 10_000  # raised account quota, as in the simulated world
PER_VPC = 20  # raised quota: the drift variant adds connections to VPCs that already have 10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--vpcs", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (median)")
    parser.add_argument("--baseline-sample", type=int, default=200, metavar="K",
                        help="read only K connections in the baseline and extrapolate to N "
                             "(0: read all N; the baseline is serial, so its time is linear)")
    common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.connections, args.vpcs, args.latency_ms, args.repeat = 20, 10, 0, 1
        args.baseline_sample = 0
    return args


# ------------------------------------------------------------------ inputs


def live_connections(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"id": f"peerconn-b{i:05d}", "local_vpc_id": vpc_id("b", a),
             "peer_vpc_id": vpc_id("b", b), "bandwidth_in_mbps": 10,
             "description": f"bench connection {i}", "local_if_name": f"c{i:05d}",
             "peer_if_name": f"c{i:05d}-peer", "tags": {**MANAGED_TAGS, "team": "bench"}}
            for i, (a, b) in enumerate(pairs)]


def entry(i: int, a: int, b: int, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": f"c{i:05d}", "local_vpc_id": vpc_id("b", a), "peer_vpc_id": vpc_id("b", b),
        "bandwidth_in_mbps": 10, "local_if_name": f"c{i:05d}", "peer_if_name": f"c{i:05d}-peer",
        "description": f'"bench connection {i}"', "dns_sync": False, "tags": {"team": "bench"}}
    base.update(changes)
    return base


def matching_entries(pairs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [entry(i, a, b) for i, (a, b) in enumerate(pairs)]


def drifted_entries(pairs: list[tuple[int, int]], v: int) -> tuple[list[dict[str, Any]], int, int]:
    """Every 20th connection resized, every 50th re-described, every 100th with DNS sync on,
    and N/100 new pairs to create. Returns the entries, updates and creates expected."""
    out, updates = [], 0
    for i, (a, b) in enumerate(pairs):
        changes: dict[str, Any] = {}
        if i % 20 == 0:
            changes["bandwidth_in_mbps"] = 20
        if i % 50 == 1:
            changes["description"] = f'"re-described {i}"'
        if i % 100 == 2:
            changes["dns_sync"] = True
        updates += bool(changes)
        out.append(entry(i, a, b, **changes))
    offset = max(o for _, o in ((a, (b - a) % v) for a, b in pairs)) + 1
    creates = max(1, len(pairs) // 100)
    for k in range(creates):
        out.append(entry(len(pairs) + k, k, (k + offset) % v))
    return out, updates, creates


# ------------------------------------------------------------------ runs


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = peerconn(argv)
    return code, out.getvalue() + err.getvalue()


def plan_argv(manifest: Path, sim: SimProcess, args: argparse.Namespace) -> list[str]:
    return ["plan", str(manifest), "--detailed-exitcode", "--endpoint", sim.url,
            "--parallelism", str(args.parallelism), "--max-per-vpc", str(PER_VPC),
            "--max-per-account", str(PER_ACCOUNT)]


def timed_plans(sim: SimProcess, argv: list[str], repeat: int,
                expect_code: int) -> tuple[float, Any, str]:
    walls, calls, text = [], None, ""
    for _ in range(repeat):
        wall, delta, (code, text) = measured(sim, lambda: run_cli(argv))
        if code != expect_code:
            sys.exit(f"plan exited {code}, expected {expect_code}:\n{text[-2000:]}")
        if calls is not None and delta.by_operation != calls.by_operation:
            sys.exit(f"API calls differ between runs: {calls.by_operation} vs "
                     f"{delta.by_operation}")
        walls.append(wall)
        calls = delta
    return median(walls), calls, text


def phases(manifest: Path, sim: SimProcess, args: argparse.Namespace) -> dict[str, float]:
    """The same steps as `peerconn plan`, timed one by one (for the breakdown only)."""
    from datetime import UTC, datetime

    out: dict[str, float] = {}
    start = time.perf_counter()
    desired = load_paths([str(manifest)])
    out["load manifest"] = time.perf_counter() - start
    conn = Connector(env=os.environ, endpoint=sim.url)
    start = time.perf_counter()
    live = observe(jobs_for(desired), conn.api_for, parallelism=args.parallelism)
    out["observe (list calls)"] = time.perf_counter() - start
    start = time.perf_counter()
    plan = build_plan(desired, live, now=datetime.now(UTC), limits=Limits(per_vpc=PER_VPC, per_account=PER_ACCOUNT))
    out["build_plan"] = time.perf_counter() - start
    start = time.perf_counter()
    render_text(plan, colour=False)
    out["render"] = time.perf_counter() - start
    return out


def terraform_style_read(sim: SimProcess, n: int, sample: int) -> tuple[float, float, Any, int]:
    """List every id, then get each connection from both ends, serially. Returns the
    measured wall, the wall for all ``n`` (extrapolated when sampling: the calls are serial,
    so the time is linear in them), the calls, and how many connections were read."""
    api = PeerConnApi(Credentials(ACCESS_KEY, SECRET_KEY), sim.url)

    def read() -> tuple[int, float]:
        start = time.perf_counter()
        ids = [c.peer_conn_id for c in api.list_all()]
        list_wall = time.perf_counter() - start
        chosen = ids[:sample] if sample else ids
        for conn_id in chosen:
            api.get(conn_id, role="initiator")
            api.get(conn_id, role="acceptor")
        return len(chosen), list_wall

    wall, delta, (read_count, list_wall) = measured(sim, read)
    if not sample and read_count != n:
        sys.exit(f"the baseline listed {read_count} connections, expected {n}")
    estimate = list_wall + (wall - list_wall) / max(1, read_count) * n
    return wall, estimate, delta, read_count


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n, v, p, lat = args.connections, args.vpcs, args.parallelism, args.latency_ms
    print_header("bench_plan: peerconn plan vs a Terraform-style read",
                 {"N": n, "V": v, "latency": f"{lat} ms", "parallelism": p,
                  "repeat": args.repeat, "baseline_sample": args.baseline_sample or "all"})
    pairs = ring_pairs(n, v)
    vpcs = [vpc_id("b", i) for i in range(v)]
    with workdir() as tmp, sim_process(world(vpcs, connections=live_connections(pairs),
                                             per_vpc=PER_VPC), tmp) as sim:
        os.environ["PEERCONN_CREDENTIALS_FILE"] = str(write_credentials(tmp / "credentials"))
        os.environ["NO_COLOR"] = "1"
        for key in [k for k in os.environ if k.startswith("BAIDUCLOUD_")]:
            del os.environ[key]
        matching = tmp / "matching.yaml"
        matching.write_text(manifest_text(matching_entries(pairs)))
        drift_entries, updates, creates = drifted_entries(pairs, v)
        drifted = tmp / "drifted.yaml"
        drifted.write_text(manifest_text(drift_entries))
        jobs = jobs_for(load_paths([str(matching)]))
        expected_lists = len([j for j in jobs if j.kind == "peerconn"])
        expected_vpc_lists = len(jobs) - expected_lists

        run_cli(plan_argv(matching, sim, args))  # warm-up: imports, first connections
        startup, _, _ = timed_plans(sim, plan_argv(matching, sim, args), args.repeat, 0)
        sim.set_faults(latency_ms=lat)
        wall, calls, _ = timed_plans(sim, plan_argv(matching, sim, args), args.repeat, 0)
        d_wall, d_calls, d_text = timed_plans(sim, plan_argv(drifted, sim, args), args.repeat, 2)
        summary = next((line for line in d_text.splitlines() if line.startswith("Plan:")), "")
        breakdown = phases(matching, sim, args)
        b_wall, b_estimate, b_calls, b_read = terraform_style_read(sim, n, args.baseline_sample)

    latency_bound = math.ceil(v / p) * lat / 1000
    goal_wall = 1.5 * latency_bound + startup
    print(f"startup (same plan, latency 0, median of {args.repeat}): {secs(startup)}")
    print(f"latency-bound part: ceil(V/parallelism) x latency = {math.ceil(v / p)} x {lat} ms "
          f"= {secs(latency_bound)}; goal = 1.5 x that + startup = {secs(goal_wall)}")
    print(f"drift plan: {summary or '(no summary line)'} "
          f"(expected {updates} to update, {creates} to create)")
    print("one no-drift plan, phase by phase: "
          + ", ".join(f"{k} {secs(t)}" for k, t in breakdown.items()))
    baseline_note = ("" if not args.baseline_sample else
                     f" (read {b_read} of {n}, wall {secs(b_wall)}; extrapolated)")
    print()
    rows = []
    for label, w, c, goal in (("peerconn plan, no drift", wall, calls, goal_wall),
                              ("peerconn plan, drift", d_wall, d_calls, goal_wall),
                              ("Terraform-style read" + baseline_note, b_estimate, b_calls,
                               None)):
        gets, total = str(c["get"]), str(c.total)
        if goal is None and b_read != n:  # sampled baseline: what all N would take
            for_n = round(c["get"] * n / max(1, b_read))
            gets = f"{c['get']} measured, {for_n} for N"
            total = f"{c.total} measured, {c['list'] + for_n} for N"
        rows.append((label, c["list"], c["list_vpcs"], gets, total, secs(w),
                     secs(goal) if goal else "-", f"{w / goal:.2f}" if goal else "-",
                     f"{b_estimate / w:.1f}x" if goal else "1.0x"))
    print(table(["run", "list calls", "VPC list calls", "get calls", "total calls", "wall (median)", "goal",
                 "wall/goal", "speed-up vs baseline"], rows))

    goals = Goals()
    for label, c in (("no drift", calls), ("drift", d_calls)):
        goals.check(f"list calls, {label}", str(c["list"]), f"= V = {v}",
                    c["list"] == v == expected_lists)
        goals.check(f"detail (get) calls, {label}", str(c["get"]), "0", c["get"] == 0)
        goals.check(f"VPC list calls, {label}", str(c["list_vpcs"]), "1 per (profile, region)",
                    c["list_vpcs"] == expected_vpc_lists == 1)
        goals.check(f"VPC detail calls, {label}", str(c["get_vpc"]), "0", c["get_vpc"] == 0)
        goals.check(f"mutating calls, {label}", str(c.mutating), "0", c.mutating == 0)
    goals.check("wall, no drift", secs(wall), secs(goal_wall), wall <= goal_wall)
    goals.check("wall, drift", secs(d_wall), secs(goal_wall), d_wall <= goal_wall)
    goals.check("drift plan content", summary or "-", f"{creates} to create, {updates} to update",
                f"{creates} to create, {updates} to update" in summary)
    return finish(goals, args)


if __name__ == "__main__":
    raise SystemExit(main())
