"""Malformed manifests through the real command line: ``peerconn validate FILE``.

Every case of the malformed corpus (tests/manifests/corpus, each with ``# expect:`` lines)
runs through the CLI's ``main`` in this process, and a spread sample of them (all of them
with ``--runslow``) as real subprocesses (``python -m reconciler validate``): exit 1, a ``file:line:`` diagnostic carrying
each expected text, no traceback, and not one request to the API endpoint given. Alias bombs,
deep nesting and oversized files are refused in well under a second with bounded memory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reconciler.simulator import SimServer, load_world
from tests.harness import run_cli
from tests.manifests.test_corpus import CORPUS, expectations

CASES = sorted(CORPUS.iterdir())
SAMPLE = CASES[::14]  # 21 cases spread over every family (dir-, id-, missing-, ..., yaml-)
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(load_world(None)) as server:
        yield server


def validate(sim: SimServer, path: str) -> tuple[int, str, str]:
    return run_cli("validate", path, "--endpoint", sim.url)


def blocks(stderr: str) -> list[str]:
    """Each ``Error: ...`` diagnostic with its indented detail and hint lines."""
    return [f"Error: {b}" for b in re.split(r"(?m)^Error: ", stderr) if b.strip()]


def assert_refused_as_expected(case: Path, code: int, stdout: str, stderr: str) -> None:
    assert code == 1, stderr
    assert "Traceback" not in stderr + stdout
    assert "Success" not in stdout
    shown = blocks(stderr)
    for file, text in expectations(case):
        name = os.path.relpath(file, CORPUS).replace(os.sep, "/")
        located = re.compile(rf"^Error: {re.escape(name)}:\d+(:\d+)?: ")
        assert any(located.match(b) and text in b for b in shown), \
            f"no '{name}:LINE:' diagnostic containing {text!r} in:\n{stderr}"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 200
    assert all(expectations(case) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_refuses_each_corpus_case_with_a_located_diagnostic(case, sim, monkeypatch):
    monkeypatch.chdir(CORPUS)
    code, out, err = validate(sim, case.name)
    assert_refused_as_expected(case, code, out, err)
    assert sim.stats()["total"] == 0


def spawn_validate(path: str, cwd: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAIDUCLOUD_", "PEERCONN_"))}
    return subprocess.run([sys.executable, "-m", "reconciler", "validate", path,
                           "--endpoint", endpoint],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def refused_by_the_real_command(cases: list[Path], sim: SimServer) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda case: spawn_validate(case.name, CORPUS, sim.url), cases))
    for case, done in zip(cases, runs, strict=True):
        assert_refused_as_expected(case, done.returncode, done.stdout, done.stderr)
    assert sim.stats()["total"] == 0


def test_a_sample_of_the_corpus_is_refused_by_the_real_command(sim):
    assert len(SAMPLE) >= 20
    refused_by_the_real_command(SAMPLE, sim)


@pytest.mark.slow
def test_every_corpus_case_is_refused_by_the_real_command(sim):
    refused_by_the_real_command(CASES, sim)


# ------------------------------------------------------------------ hostile files


def alias_bomb() -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text  # 9**10 strings once expanded


def write_hostile(folder: Path, kind: str) -> Path:
    path = folder / f"{kind}.yaml"
    if kind == "alias-bomb":
        path.write_text(alias_bomb())
    elif kind == "deep-nesting":
        path.write_text("stack: " + "[" * 200_000 + "]" * 200_000 + "\n")
    elif kind == "deep-block-nesting":
        path.write_text("".join(" " * i + f"k{i}:\n" for i in range(500)) + " " * 500 + "v\n")
    elif kind == "just-over-the-limit":
        path.write_bytes(b"stack: s\nregion: bj\n" + b"#" * (MIB - 20) + b"\n")
    elif kind == "one-gib-sparse":
        with path.open("wb") as handle:
            handle.truncate(1024 * MIB)  # reading it would take seconds and a gigabyte
    return path


#: kind -> what the diagnostic says (a regular expression)
HOSTILE = {
    "alias-bomb": re.escape("anchors are not allowed (&a)"),
    # PyYAML's own flow-depth guard (1000) can speak before the loader's 32-level check
    "deep-nesting": "nesting is deeper than 32 levels|exceeded maximum nesting depth",
    "deep-block-nesting": "nesting is deeper than 32 levels",
    "just-over-the-limit": re.escape(f"file is too large ({MIB + 1} bytes; the limit is {MIB})"),
    "one-gib-sparse": re.escape(f"file is too large ({1024 * MIB} bytes; the limit is {MIB})"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_is_refused_fast_and_small_by_validate(kind, sim, tmp_path, monkeypatch):
    path = write_hostile(tmp_path, kind)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fine.yaml").write_text("stack: s\nregion: bj\n")
    assert validate(sim, "fine.yaml")[0] == 0  # imports and caches are not the file's cost
    tracemalloc.start()
    started = time.perf_counter()
    try:
        code, _, err = validate(sim, path.name)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 1 and "Traceback" not in err
    assert re.search(rf"(?m)^Error: {re.escape(path.name)}:\d+:\d+: .*({HOSTILE[kind]})", err), err
    assert elapsed < 1.0
    assert peak < 4 * MIB, f"{peak / MIB:.1f} MiB traced"
    assert sim.stats()["total"] == 0


#: ``python -m reconciler ARGS`` that, on its way out, writes its own peak resident memory
#: (VmHWM, KiB) to $PEAK_FILE. The child's rusage would not do: Linux carries the parent's
#: high-water mark at fork into it across exec.
WITH_PEAK = """
import atexit, os, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_FILE"], "w") as out:
        out.write(hwm.split()[1])
atexit.register(peak)
runpy.run_module("reconciler", run_name="__main__", alter_sys=True)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("kind", ["alias-bomb", "deep-nesting", "one-gib-sparse"])
def test_hostile_file_is_refused_by_the_real_command_in_bounded_memory(kind, sim, tmp_path):
    path = write_hostile(tmp_path, kind)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAIDUCLOUD_", "PEERCONN_"))}
    env["PEAK_FILE"] = str(tmp_path / "peak")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WITH_PEAK, "validate", path.name,
                           "--endpoint", sim.url], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert done.returncode == 1
    assert re.search(HOSTILE[kind], done.stderr) and "Traceback" not in done.stderr
    assert elapsed < 5.0  # interpreter start-up included
    peak_kib = int((tmp_path / "peak").read_text())
    assert 10 * 1024 < peak_kib < 150 * 1024, f"{peak_kib} KiB resident"
    assert sim.stats()["total"] == 0
