"""Benchmark: ``peerconn validate`` of a manifest at the size cap (1 MiB) full of bad entries.

Three floods, each written to fill the 1 MiB cap: ``- {}`` entries (three missing required
fields each), bare-text entries (``must be a mapping``), and flow-style connections with four
mistakes each (bad name, bad VPC id, misspelt key, ...). Each runs as a real process
(``python -m reconciler validate FILE``), ``--runs`` times; printed are the median wall time,
the process's own CPU time (user+sys, less sensitive than wall time to other load on a shared
machine) and its peak resident memory (VmHWM, read at exit), the number of problems counted
and the lines printed. Goal: under 1.5 s and 200 MB each. A first row, ``validate`` of a
valid three-line manifest, is the start-up floor every flood pays too (interpreter, imports).

By default the code runs with a bytecode cache, as an installed package has (a private
``PYTHONPYCACHEPREFIX``, warmed by one run first); ``--no-bytecode`` compiles ``reconciler``
from source on every run, as an editable install under ``PYTHONDONTWRITEBYTECODE=1`` does.
The load average is printed before and after: on a shared machine, compare CPU times.

    .venv/bin/python tests/bench/bench_validate.py [--runs N] [--code DIR] [--no-bytecode]
                                                   [--smoke] [--strict]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import Goals, common_args, finish, median, print_header, secs, table

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
HEAD = "stack: flood\nregion: bj\nconnections:\n"
FLOOR = "start-up floor (valid, 3 lines)"
SHAPES = {
    "missing fields (- {})": "  - {{}}\n",
    "not a mapping (- text)": "  - app-to-db-{i}\n",
    "bad connections (4 each)": "  - {{name: Bad_{i}, local_vpc_id: VPC-{i}, peer_vpc_id: vpc-p{i}, "
                                "bandwith_in_mbps: {i}}}\n",
}
GOAL_SECONDS, GOAL_MIB = 1.5, 200

#: Runs the CLI and appends "VmHWM-KiB cpu-seconds" to $PEAK_FILE at exit.
WITH_PEAK = """
import atexit, os, runpy
def peak():
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    cpu = sum(os.times()[:2])
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(f"{hwm.split()[1]} {cpu}")
atexit.register(peak)
runpy.run_module("reconciler", run_name="__main__", alter_sys=True)
"""


def flood(entry: str, size: int) -> str:
    parts, used, i = [HEAD], len(HEAD), 0
    while True:
        text = entry.format(i=i)
        if used + len(text) > size:
            return "".join(parts)
        parts.append(text)
        used += len(text)
        i += 1


def environment(code: Path, pycache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAIDUCLOUD_", "PEERCONN_"))
           and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env["PYTHONPATH"] = str(code)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_once(path: Path, env: dict[str, str], *, valid: bool = False
             ) -> tuple[float, float, float, list[str]]:
    env = {**env, "PEAK_FILE": str(path.with_suffix(".peak"))}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WITH_PEAK, "validate", path.name], cwd=path.parent,
                          env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != (0 if valid else 1) or "Traceback" in done.stderr:
        raise SystemExit(f"validate of {path.name} exited {done.returncode}:\n"
                         f"{done.stdout[-1000:]}{done.stderr[-2000:]}")
    hwm, cpu = path.with_suffix(".peak").read_text().split()
    lines = (done.stdout if valid else done.stderr).splitlines()
    return wall, float(cpu), int(hwm) / 1024, lines


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", type=Path, default=REPO, metavar="DIR",
                        help="directory holding the reconciler package to measure (e.g. an older "
                             "`git archive` of it); default this checkout")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile reconciler from source on every run (no bytecode cache)")
    common_args(parser)
    args = parser.parse_args(argv)
    size = 16 * 1024 if args.smoke else MIB
    runs = 1 if args.smoke else args.runs
    cached = not (args.no_bytecode or args.smoke)  # warming a cache compiles every dependency
    print_header("validate: a 1 MiB manifest full of bad entries",
                 {"size": f"{size:,} bytes", "runs": runs, "code": args.code,
                  "bytecode": "cached" if cached else "none for reconciler"})
    print(f"load average (1/5/15 min) before: {load_average()}")
    goals, rows = Goals(), []
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(args.code, Path(tmp, "pycache") if cached else None)
        floor = Path(tmp, "valid.yaml")
        floor.write_text("stack: floor\nregion: bj\nconnections: []\n")
        if cached:
            run_once(floor, env, valid=True)  # warms the bytecode cache; not counted
        results = [run_once(floor, env, valid=True) for _ in range(runs)]
        rows.append(_row(FLOOR, results))
        for n, (shape, entry) in enumerate(SHAPES.items()):
            path = Path(tmp, f"flood{n}.yaml")
            path.write_text(flood(entry, size))
            results = [run_once(path, env) for _ in range(runs)]
            rows.append(_row(shape, results))
            wall, peak = median([r[0] for r in results]), max(r[2] for r in results)
            goals.check(f"{shape}: wall time", secs(wall), f"< {GOAL_SECONDS} s",
                        wall < GOAL_SECONDS)
            goals.check(f"{shape}: peak RSS", f"{peak:.0f} MiB", f"< {GOAL_MIB} MB",
                        peak * 1.048576 < GOAL_MIB)
    print(f"load average (1/5/15 min) after: {load_average()}")
    print(table(["flood", "wall (median)", "CPU user+sys (median)", "peak RSS", "last line",
                 "lines"], rows))
    return finish(goals, args)


def _row(name: str, results: list[tuple[float, float, float, list[str]]]) -> tuple[str, ...]:
    wall = median([r[0] for r in results])
    cpu = median([r[1] for r in results])
    peak = max(r[2] for r in results)
    lines = results[0][3]
    return (name, secs(wall), secs(cpu), f"{peak:.0f} MiB", lines[-1], str(len(lines)))


if __name__ == "__main__":
    sys.exit(main())
