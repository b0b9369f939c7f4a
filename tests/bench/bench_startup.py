"""Benchmark: start-up cost of the command line, as a user (or CI) pays it.

Run:  .venv/bin/python tests/bench/bench_startup.py [--runs 15] [--connections 1000]

Each figure is the median wall time of fresh subprocesses: the bare interpreter
(``python -c pass``, the floor), ``peerconn --version`` (goal: <= 150 ms) and ``peerconn
validate`` of a generated manifest of N connections. Two set-ups: with a bytecode cache (as
after a normal install; here a private ``PYTHONPYCACHEPREFIX``, warmed once) and without one
for our package (``PYTHONDONTWRITEBYTECODE=1`` on an editable install: every run compiles
``reconciler`` from source). Then, to say where the time goes: the packages and modules that
take longest to import (``python -X importtime``) and the in-process split of validate into
YAML parsing and schema/rule checks.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchlib import (
    Goals,
    common_args,
    finish,
    manifest_text,
    median,
    ms,
    print_header,
    ring_pairs,
    table,
    vpc_id,
    workdir,
)

VERSION_GOAL_S = 0.150
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="subprocesses per command")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--vpcs", type=int, default=200)
    parser.add_argument("--top", type=int, default=8, help="modules listed per command")
    common_args(parser)
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs, args.connections, args.vpcs, args.top = 1, 20, 10, 3
    return args


def peerconn_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m reconciler``."""
    script = Path(os.path.abspath(sys.executable)).parent / "peerconn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]


def environments(tmp: Path, smoke: bool) -> dict[str, dict[str, str]]:
    if smoke:  # warming a private bytecode cache compiles every dependency: seconds
        return {"bytecode cached": dict(os.environ)}
    base = {k: v for k, v in os.environ.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    return {"bytecode cached": {**base, "PYTHONPYCACHEPREFIX": str(tmp / "pycache")},
            "no bytecode for reconciler": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}


def wall_times(argv: list[str], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
        out.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return out


def import_breakdown(args: list[str], cwd: Path, env: dict[str, str]
                     ) -> tuple[float, list[tuple[str, int, float]], dict[str, float]]:
    """Total import time, every import of depth <= 1 (name, depth, cumulative seconds) and
    the import time of each top-level package (the sum of its modules' own times)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "reconciler", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)
    entries: list[tuple[str, int, float]] = []
    packages: defaultdict[str, float] = defaultdict(float)
    total = 0.0
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        own, cumulative = int(match.group(1)) / 1e6, int(match.group(2)) / 1e6
        depth, name = len(match.group(3)) // 2, match.group(4)
        total += own
        packages[name.split(".")[0]] += own
        if depth <= 1:
            entries.append((name, depth, cumulative))
    entries.sort(key=lambda e: -e[2])
    return total, entries, dict(packages)


def validate_split(manifest: Path, repeat: int) -> dict[str, float]:
    """validate in-process, phase by phase (imports and first-use costs already paid)."""
    from reconciler.manifest import load_paths, yamlsafe

    data = manifest.read_bytes()
    load_paths([str(manifest)])
    parse, whole = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        yamlsafe.load(data, manifest.name)
        parse.append(time.perf_counter() - start)
        start = time.perf_counter()
        load_paths([str(manifest)])
        whole.append(time.perf_counter() - start)
    return {"YAML parse (yamlsafe.load)": median(parse),
            "schema, defaults, rules": median(whole) - median(parse),
            "load_paths total": median(whole)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.connections
    print_header("bench_startup: command-line start-up",
                 {"runs": args.runs, "N": n, "command": " ".join(peerconn_command())})
    cmd = peerconn_command()
    rows, version = [], {}
    with workdir() as tmp:
        manifest = tmp / "big.yaml"
        manifest.write_text(manifest_text(
            [{"name": f"c{i:05d}", "local_vpc_id": vpc_id("b", a), "peer_vpc_id": vpc_id("b", b),
              "bandwidth_in_mbps": 10, "local_if_name": f"c{i:05d}", "description": f'"conn {i}"',
              "dns_sync": False, "tags": {"team": "bench"}}
             for i, (a, b) in enumerate(ring_pairs(n, args.vpcs))]))
        size_kib = manifest.stat().st_size / 1024
        envs = environments(tmp, args.smoke)
        wall_times([*cmd, "validate", str(manifest)], 1, tmp, envs["bytecode cached"])  # warm
        for setup, env in envs.items():
            runs = [("python -c pass (interpreter floor)",
                     wall_times([sys.executable, "-c", "pass"], args.runs, tmp, env)),
                    ("peerconn --version", wall_times([*cmd, "--version"], args.runs, tmp, env)),
                    ("peerconn --help (builds every command's parser: what --version cost "
                     "before its fast path)", wall_times([*cmd, "--help"], args.runs, tmp, env)),
                    (f"peerconn validate ({n} connections, {size_kib:.0f} KiB)",
                     wall_times([*cmd, "validate", str(manifest)], max(1, args.runs // 3), tmp,
                                env))]
            version[setup] = median(runs[1][1])
            rows += [(setup, label, ms(median(w)), ms(min(w)), ms(max(w)), len(w))
                     for label, w in runs]
        breakdowns = {name: import_breakdown(a, tmp, envs["bytecode cached"])
                      for name, a in (("--version", ["--version"]),
                                      ("validate", ["validate", str(manifest)]))}
        split = validate_split(manifest, max(1, args.runs // 5))

    print(table(["set-up", "command", "median", "min", "max", "runs"], rows))
    for name, (total, entries, packages) in breakdowns.items():
        print(f"\nimports of `peerconn {name}` (bytecode cached): {ms(total)} in total")
        print(table(["package", "import time (own, all modules)"],
                    [(pkg, ms(t)) for pkg, t in sorted(packages.items(), key=lambda kv: -kv[1])[:args.top]]))
        print(table(["module (depth <= 1)", "depth", "cumulative"],
                    [(mod, d, ms(t)) for mod, d, t in entries[:args.top]]))
    print(f"\nvalidate of {n} connections in-process (imports already paid): "
          + ", ".join(f"{k} {ms(t)}" for k, t in split.items())
          + f"; {split['load_paths total'] / n * 1e6:.0f} us per connection")

    goals = Goals()
    for setup, wall in version.items():
        goals.check(f"peerconn --version, median, {setup}", ms(wall), ms(VERSION_GOAL_S),
                    wall <= VERSION_GOAL_S)
    return finish(goals, args)


if __name__ == "__main__":
    raise SystemExit(main())
