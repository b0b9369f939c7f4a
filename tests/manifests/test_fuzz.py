"""Fuzzing the manifest loader: whatever the bytes, the result is a state or a ManifestError
whose every diagnostic names a file and a line."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ManifestError
from reconciler.manifest import load_paths, yamlsafe

VALID = """stack: prod-network
region: bj
profile: default
prune: false
defaults:
  billing: {payment_timing: Postpaid}
  tags: {team: net}
connections:
  - name: app-to-db
    local_vpc_id: vpc-app01
    peer_vpc_id: vpc-db0001
    peer_region: gz
    peer_account_id: null
    bandwidth_in_mbps: 100
    local_if_name: app-to-db
    description: app tier to database tier
    dns_sync: true
    delete_protect: true
    billing: {payment_timing: Prepaid, reservation_length: 1, reservation_time_unit: month,
              renew_within_days: 7}
    tags: {team: payments}
    lifecycle: {prevent_destroy: true, ignore_changes: [description]}
    ensure: present
acceptances:
  - name: partner-inbound
    local_vpc_id: vpc-app02
    peer_vpc_id: vpc-partner1
    peer_account_id: "8a1b"
    accept: true
    dns_sync: true
    local_if_name: from-partner
"""

TOKENS = ["no", "on", "0123", "1e3", "null", "~", "&a", "*a", "!!str", "!!python/object:x",
          "{", "}", "[", "]", "- ", ": ", "\t", '"', "'", "<<: ", "---\n", "? ", "|", ">", "#",
          "%YAML 1.1\n", "\x00", "\ufeff", "é", "vpc-app01", "bj", "Prepaid", "10001", "\n  "]

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)):]
        elif op == "replace":
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[end:]
        else:
            lines = text.splitlines(keepends=True)
            index = draw(st.integers(0, len(lines) - 1))
            text = "".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])
    return text.encode("utf-8", "surrogatepass")


def assert_refused_cleanly_or_loaded(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "m.yaml")
        path.write_bytes(data)
        try:
            load_paths([path])
        except ManifestError as exc:
            assert exc.diagnostics
            for diag in exc.diagnostics:
                assert diag.file and diag.file.endswith("m.yaml"), diag.render()
                assert diag.line is not None and diag.line >= 1, diag.render()


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    assert_refused_cleanly_or_loaded(data)


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text(text):
    assert_refused_cleanly_or_loaded(text.encode("utf-8"))


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS + list("abc-_ 01\n")), max_size=40).map(
    lambda parts: "".join(parts).encode("utf-8")))
def test_random_yaml_punctuation(data):
    assert_refused_cleanly_or_loaded(data)


@SETTINGS
@given(mutated())
def test_mutations_of_a_valid_manifest(data):
    assert_refused_cleanly_or_loaded(data)


def test_the_unmutated_manifest_is_valid(tmp_path):
    (tmp_path / "m.yaml").write_text(VALID, encoding="utf-8")
    state = load_paths([tmp_path / "m.yaml"])
    assert len(state.connections) == len(state.acceptances) == 1


@SETTINGS
@given(st.binary(max_size=200))
def test_the_bare_loader_raises_only_manifest_error(data):
    try:
        yamlsafe.load(data, "f.yaml")
    except ManifestError as exc:
        assert all(d.file == "f.yaml" and d.line for d in exc.diagnostics)
