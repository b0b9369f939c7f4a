"""load_paths reports every problem of a run together, sorted, located, and never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler import manifest as manifest_module
from reconciler.cli import main
from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest import load_paths
from reconciler.manifest.schema import render

ROOT = Path(__file__).resolve().parents[2]


def refused(paths: list) -> list[Diagnostic]:
    with pytest.raises(ManifestError) as caught:
        load_paths(paths)
    return list(caught.value.diagnostics)


def test_every_problem_of_every_file_is_reported_sorted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.yaml").write_text("stack: s\nregion: xx\nprune: 1\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("stack: S\nregion: bj\nstak: s\n", encoding="utf-8")
    found = refused(["."])
    assert [(d.file, d.line, d.field) for d in found] == [
        ("a.yaml", 1, "stack"), ("a.yaml", 3, "stak"), ("b.yaml", 2, "region"),
        ("b.yaml", 3, "prune")]


def test_unknown_field_suggests_the_closest_name(tmp_path):
    (tmp_path / "m.yaml").write_text("stack: s\nregion: bj\nconnections:\n  - name: a\n"
                                     "    local_vpc_id: vpc-a\n    peer_vpc_id: vpc-b\n"
                                     "    bandwith_in_mbps: 5\n", encoding="utf-8")
    found = refused([tmp_path])
    unknown = next(d for d in found if "unknown field" in d.summary)
    assert unknown.summary == "unknown field 'bandwith_in_mbps'"
    assert unknown.hint == "did you mean 'bandwidth_in_mbps'?"
    assert (unknown.line, unknown.column) == (7, 5)


def test_rule_checks_still_run_for_the_valid_entries_of_a_broken_file(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "stack: s\nregion: bj\nconnections:\n"
        "  - {name: a, local_vpc_id: vpc-a, peer_vpc_id: vpc-a, bandwidth_in_mbps: 1}\n"
        "  - {name: b, local_vpc_id: vpc-b, peer_vpc_id: vpc-c, bandwidth_in_mbps: 0}\n",
        encoding="utf-8")
    fields = {d.field for d in refused([tmp_path])}
    assert fields == {"connections[0].peer_vpc_id", "connections[1].bandwidth_in_mbps"}


@pytest.mark.parametrize(("setup", "args", "summary"), [
    pytest.param(lambda p: None, ["missing.yaml"], "no such file or directory", id="missing"),
    pytest.param(lambda p: (p / "empty").mkdir(), ["empty"], "no *.yaml or *.yml files",
                 id="empty-directory"),
    pytest.param(lambda p: None, [], "no manifest paths given", id="no-paths"),
])
def test_path_problems_are_diagnostics(tmp_path, monkeypatch, setup, args, summary):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    (found,) = refused(args)
    assert summary in found.summary
    assert found.file == (args[0] if args else None)


def test_a_directory_named_like_a_manifest_is_read_as_a_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "dir.yaml" / "inner.yaml").write_text("stack: s\nregion: bj\n", encoding="utf-8")
    assert load_paths(["dir.yaml"]).manifests[0].file == "dir.yaml/inner.yaml"


def test_an_unexpected_exception_becomes_a_diagnostic(tmp_path, monkeypatch):
    (tmp_path / "m.yaml").write_text("stack: s\nregion: bj\n", encoding="utf-8")

    def explode(state):
        raise RuntimeError("boom")

    monkeypatch.setattr(manifest_module, "validate_rules", explode)
    (found,) = refused([tmp_path])
    assert "internal error" in found.summary and "boom" in found.summary


def test_the_committed_json_schema_is_the_generated_one():
    committed = (ROOT / "specs" / "manifest.schema.json").read_text(encoding="utf-8")
    assert committed == render(), "run: peerconn schema --out specs/manifest.schema.json"


def test_peerconn_schema_prints_writes_and_checks(tmp_path, capsys):
    target = tmp_path / "schema.json"
    assert main(["schema", "--out", str(target), "--check"]) == 1
    assert "is not the current schema" in capsys.readouterr().err
    assert main(["schema", "--out", str(target)]) == 0
    assert main(["schema", "--out", str(target), "--check"]) == 0
    capsys.readouterr()
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == target.read_text(encoding="utf-8")
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["stack", "region"]
