"""The hardened YAML loader: plain values, locations, scalar provenance, refusals and limits."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from reconciler.errors import ManifestError
from reconciler.manifest import load_paths
from reconciler.manifest.yamlsafe import MAX_BYTES, Mark, ScalarInfo, format_path, load

TEXT = b"""stack: s
region: bj
connections:
  - name: a
    peer_account_id: "0123"
    tags: {team: no}
"""


def refusal(data: bytes, **limits: int) -> str:
    with pytest.raises(ManifestError) as caught:
        load(data, "f.yaml", **limits)
    return str(caught.value)


def test_returns_plain_values():
    doc = load(TEXT, "f.yaml")
    assert doc.value == {"stack": "s", "region": "bj", "connections": [
        {"name": "a", "peer_account_id": "0123", "tags": {"team": False}}]}


def test_records_one_based_marks_for_values_and_keys():
    doc = load(TEXT, "f.yaml")
    assert doc.mark(("connections", 0, "peer_account_id")) == Mark(5, 22)
    assert doc.mark(("connections", 0, "peer_account_id"), key=True) == Mark(5, 5)
    assert doc.mark(("connections", 0)) == Mark(4, 5)


def test_unknown_path_falls_back_to_the_nearest_ancestor():
    doc = load(TEXT, "f.yaml")
    assert doc.mark(("connections", 0, "missing", "deeper")) == Mark(4, 5)
    assert doc.mark(("nothing",)) == Mark(1, 1)


def test_records_whether_a_scalar_was_quoted_and_its_raw_text():
    doc = load(TEXT, "f.yaml")
    assert doc.scalars[("connections", 0, "peer_account_id")] == ScalarInfo("0123", True, "str")
    team = doc.scalars[("connections", 0, "tags", "team")]
    assert (team.raw, team.quoted, team.tag) == ("no", False, "bool")
    assert team.yaml12 == "YAML 1.1 reads it as the boolean false, YAML 1.2 as text"


@pytest.mark.parametrize(("raw", "differs"), [
    pytest.param("1e3", True, id="exponent-is-text-in-1.1-float-in-1.2"),
    pytest.param("0123", True, id="leading-zero-is-octal-in-1.1"),
    pytest.param("09", True, id="non-octal-leading-zero-is-text-in-1.1"),
    pytest.param("1_000", True, id="underscores-only-in-1.1"),
    pytest.param("on", True, id="on-is-boolean-only-in-1.1"),
    pytest.param("y", False, id="y-is-text-in-pyyaml-and-in-1.2"),
    pytest.param("100", False, id="plain-integer-agrees"),
    pytest.param("true", False, id="true-agrees"),
    pytest.param("vpc-app01", False, id="text-agrees"),
    pytest.param("1.5", False, id="decimal-agrees"),
    pytest.param("~", False, id="null-agrees"),
])
def test_flags_plain_scalars_yaml_dialects_read_differently(raw, differs):
    doc = load(f"v: {raw}\n".encode(), "f.yaml")
    assert (doc.scalars[("v",)].yaml12 is not None) is differs


def test_quoted_scalars_are_never_flagged():
    doc = load(b'v: "no"\n', "f.yaml")
    assert doc.scalars[("v",)].yaml12 is None


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(b"a: &x 1\n", "anchors are not allowed (&x)", id="anchor"),
    pytest.param(b"a: *x\n", "aliases are not allowed (*x)", id="alias"),
    pytest.param(b"a: !!python/object:os.system x\n", "explicit tags are not allowed "
                 "(!!python/object:os.system)", id="python-tag"),
    pytest.param(b"a: !!str 1\n", "explicit tags are not allowed (!!str)", id="str-tag"),
    pytest.param(b"a: !custom 1\n", "explicit tags are not allowed (!custom)", id="local-tag"),
    pytest.param(b"a: 1\na: 2\n", "f.yaml:2:1: a: duplicate key 'a'", id="duplicate-key"),
    pytest.param(b"<<: {a: 1}\n", "merge keys (<<) are not allowed", id="merge-key"),
    pytest.param(b"on: 1\n", "mapping key 'on' must be a string; quote it", id="bool-key"),
    pytest.param(b"a: 1\n---\nb: 2\n", "f.yaml:2:1: a manifest file holds exactly one YAML "
                 "document", id="two-documents"),
    pytest.param(b"a:\n\tb: 1\n", "f.yaml:2:1: invalid YAML", id="tab"),
    pytest.param(b"a: b\n\xff\n", "f.yaml:2:1: file is not valid UTF-8", id="bad-utf8"),
    pytest.param(b"a: \x07\n", "f.yaml:1:4: character U+0007 is not allowed", id="bell"),
    pytest.param(b"a: 2024-02-30\n", "cannot read '2024-02-30' as a YAML timestamp",
                 id="impossible-date"),
    pytest.param(b"a: " + b"1" * 5000 + b"\n", "as a YAML int", id="integer-too-long"),
])
def test_refuses(data, message):
    assert message in refusal(data)


def test_reports_every_key_problem_of_a_file_together():
    text = refusal(b"a: 1\na: 2\nyes: 3\nb: {c: 1, c: 2}\n")
    assert "a: duplicate key 'a'" in text
    assert "mapping key 'yes'" in text
    assert "b.c: duplicate key 'c'" in text


def test_bounds_nesting_depth():
    assert load(b"[" * 4 + b"]" * 4, "f.yaml", max_depth=4).value == [[[[]]]]
    assert "nesting is deeper than 4 levels" in refusal(b"[" * 5 + b"]" * 5, max_depth=4)


def test_a_very_deep_document_is_refused_without_recursion_error():
    assert "nesting is deeper than 32" in refusal(b"[" * 100_000)


def test_size_is_checked_before_parsing():
    data = b"a: [" + b"1, " * 20 + b"]\n"
    assert "file is too large" in refusal(data, max_bytes=len(data) - 1)


def test_empty_and_comment_only_files_load_as_none():
    assert load(b"", "f.yaml").value is None
    assert load(b"# nothing\n", "f.yaml").value is None


def test_byte_order_mark_is_accepted():
    assert load(b"\xef\xbb\xbfa: 1\n", "f.yaml").value == {"a": 1}


@pytest.mark.parametrize(("path", "text"), [
    (("connections", 2, "billing", "reservation_length"),
     "connections[2].billing.reservation_length"),
    (("tags", "cost.center"), "tags['cost.center']"),
    ((), ""),
])
def test_formats_field_paths(path, text):
    assert format_path(path) == text


def _billion_laughs() -> bytes:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 20):
        ref = f"*l{i - 1}" if i > 1 else "*a"
        lines.append(f"l{i}: &l{i} [{', '.join([ref] * 10)}]")
    return ("\n".join(lines) + "\n").encode()


def test_alias_bomb_is_refused_quickly_and_small():
    tracemalloc.start()
    started = time.perf_counter()
    text = refusal(_billion_laughs())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "anchors are not allowed" in text
    assert elapsed < 2
    assert peak < 20 * 1024 * 1024


def test_two_mebibyte_file_is_refused_quickly_and_unread(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "huge.yaml").write_bytes(b"stack: s\nregion: bj\n" + b"# padding\n" * 210_000)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ManifestError) as caught:
        load_paths(["huge.yaml"])
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "huge.yaml:1:1: file is too large" in str(caught.value)
    assert f"the limit is {MAX_BYTES}" in str(caught.value)
    assert elapsed < 2
    assert peak < MAX_BYTES
