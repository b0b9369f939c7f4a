"""The benchmark scripts still run: each one, at its ``--smoke`` size, as a real subprocess.

The benchmarks live in ``tests/bench/`` and are scripts, not tests (issue 7); this keeps them
from rotting. Smoke sizes are tiny and timings zero, so only exit codes and the shape of the
report are checked, never the figures. The scripts run concurrently to keep this under 10 s.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent / "bench"
SCRIPTS = ("bench_plan.py", "bench_plan_routes.py", "bench_apply.py", "bench_startup.py",
           "bench_planner.py")


@pytest.fixture(scope="module")
def smoke_runs() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    procs = {name: subprocess.Popen([sys.executable, str(BENCH / name), "--smoke"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in SCRIPTS}
    done = {}
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=60)
            done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    yield done


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_runs_at_smoke_size_and_reports_its_goals(smoke_runs, script):
    run = smoke_runs[script]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "machine: nproc=" in run.stdout
    assert "| goal " in run.stdout and "| limit " in run.stdout
    assert "Traceback" not in run.stderr


def test_pytest_does_not_collect_the_benchmarks():
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", str(BENCH)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 5, run.stdout + run.stderr  # 5: no tests were collected
