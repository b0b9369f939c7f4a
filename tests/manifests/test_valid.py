"""Valid manifests become the expected desired state: defaults, declared sets, normalisation."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from reconciler.manifest import load_paths
from reconciler.model import Billing, DesiredConnection, Lifecycle, Source

ROOT = Path(__file__).resolve().parents[2]

HEAD = "stack: net\nregion: bj\n"
ENTRY = "  - name: a\n    local_vpc_id: vpc-a1\n    peer_vpc_id: vpc-b1\n"


def one_connection(tmp_path: Path, text: str) -> DesiredConnection:
    (tmp_path / "m.yaml").write_text(dedent(text), encoding="utf-8")
    state = load_paths([tmp_path / "m.yaml"])
    (conn,) = state.connections
    return conn


def manifest(defaults: str = "", entry_extra: str = "") -> str:
    text = HEAD + (f"defaults:\n{defaults}" if defaults else "")
    return text + "connections:\n" + ENTRY + entry_extra


CASES = [
    pytest.param(manifest(entry_extra="    bandwidth_in_mbps: 10\n"),
                 {"billing": Billing(), "peer_region": "bj", "tags": {}, "lifecycle": Lifecycle(),
                  "declared": frozenset({"local_vpc_id", "peer_vpc_id", "bandwidth_in_mbps"})},
                 id="nothing-declared-means-postpaid-same-region-and-minimal-declared-set"),
    pytest.param(manifest("  bandwidth_in_mbps: 20\n  dns_sync: true\n"),
                 {"bandwidth_in_mbps": 20, "dns_sync": True,
                  "declared": frozenset({"local_vpc_id", "peer_vpc_id", "bandwidth_in_mbps",
                                         "dns_sync"})},
                 id="scalar-defaults-are-declared"),
    pytest.param(manifest("  bandwidth_in_mbps: 20\n", "    bandwidth_in_mbps: 30\n"),
                 {"bandwidth_in_mbps": 30}, id="the-connection-wins-over-defaults"),
    pytest.param(manifest("  bandwidth_in_mbps: 20\n  peer_region: gz\n"
                          "  billing: {payment_timing: prepaid, reservation_length: 1,"
                          " reservation_time_unit: Month}\n",
                          "    billing: {reservation_length: 3, renew_within_days: 7}\n"),
                 {"billing": Billing("Prepaid", 3, "month", 7), "peer_region": "gz",
                  "declared": frozenset({"local_vpc_id", "peer_vpc_id", "bandwidth_in_mbps",
                                         "peer_region", "billing", "billing.payment_timing",
                                         "billing.reservation_length",
                                         "billing.reservation_time_unit",
                                         "billing.renew_within_days"})},
                 id="billing-merges-key-by-key-and-normalises-case"),
    pytest.param(manifest("  bandwidth_in_mbps: 1\n  peer_region: gz\n"
                          "  billing: {payment_timing: Prepaid, reservation_length: 12,"
                          " renew_within_days: 30}\n",
                          "    peer_region: bj\n    billing: {payment_timing: POSTPAID}\n"),
                 {"billing": Billing("Postpaid"),
                  "declared": frozenset({"local_vpc_id", "peer_vpc_id", "bandwidth_in_mbps",
                                         "peer_region", "billing", "billing.payment_timing"})},
                 id="an-entry-saying-postpaid-drops-inherited-prepaid-only-keys"),
    pytest.param(manifest("  bandwidth_in_mbps: 1\n  tags: {team: net, env: prod}\n",
                          "    tags: {env: dev}\n"),
                 {"tags": {"team": "net", "env": "dev"}}, id="tags-merge-key-by-key"),
    pytest.param(manifest("  bandwidth_in_mbps: 1\n"
                          "  lifecycle: {prevent_destroy: true, ignore_changes: [tags]}\n",
                          "    lifecycle: {ignore_changes: [description, description]}\n"),
                 {"lifecycle": Lifecycle(True, frozenset({"description"}))},
                 id="lifecycle-merges-key-by-key-and-lists-are-replaced"),
    pytest.param(manifest(entry_extra="    bandwidth_in_mbps: 1\n    peer_account_id: null\n"),
                 {"peer_account_id": None,
                  "declared": frozenset({"local_vpc_id", "peer_vpc_id", "bandwidth_in_mbps",
                                         "peer_account_id"})},
                 id="an-explicit-null-peer-account-is-declared"),
    pytest.param(manifest(entry_extra="    bandwidth_in_mbps: 1\n    peer_account_id: '0123'\n"
                          "    description: \"no\"\n    local_if_name: 'on'\n"),
                 {"peer_account_id": "0123", "description": "no", "local_if_name": "on"},
                 id="quoted-yaml-1.1-words-stay-text"),
    pytest.param(manifest(entry_extra="    bandwidth_in_mbps: 10000\n    ensure: absent\n"
                          "    local_if_name: 到数据库-1\n    delete_protect: false\n"),
                 {"bandwidth_in_mbps": 10000, "ensure": "absent", "local_if_name": "到数据库-1",
                  "delete_protect": False}, id="edge-values-are-accepted"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_valid_manifest_becomes_desired_connection(tmp_path, text, expected):
    conn = one_connection(tmp_path, text)
    for name, value in expected.items():
        assert getattr(conn, name) == value, name


def test_connection_carries_the_file_header(tmp_path):
    conn = one_connection(tmp_path, "stack: net\nregion: gz\nprofile: partner\n"
                          "connections:\n" + ENTRY + "    bandwidth_in_mbps: 5\n")
    assert (conn.stack, conn.region, conn.profile, conn.peer_region) == ("net", "gz", "partner", "gz")


def test_sources_point_at_the_entry_and_at_inherited_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conn = one_connection(tmp_path, manifest("  bandwidth_in_mbps: 20\n"))
    assert conn.source == Source("m.yaml", 6, 5, "connections[0]")
    assert conn.field_sources["bandwidth_in_mbps"] == Source("m.yaml", 4, 22,
                                                             "defaults.bandwidth_in_mbps")
    assert conn.field_sources["peer_vpc_id"].field_path == "connections[0].peer_vpc_id"


def test_acceptances_get_no_defaults_and_accept_by_default(tmp_path):
    (tmp_path / "m.yaml").write_text(HEAD + "defaults: {dns_sync: true}\nacceptances:\n"
                                     "  - name: in\n    local_vpc_id: vpc-a1\n"
                                     "    peer_vpc_id: vpc-p1\n    peer_account_id: acc-2\n"
                                     "    description: hi\n", encoding="utf-8")
    (acc,) = load_paths([tmp_path]).acceptances
    assert (acc.accept, acc.dns_sync, acc.peer_account_id) == (True, None, "acc-2")
    assert acc.declared == frozenset({"local_vpc_id", "peer_vpc_id", "peer_account_id",
                                      "description"})


def test_both_ends_of_one_cross_account_connection_may_be_declared(tmp_path):
    (tmp_path / "ours.yaml").write_text(HEAD + "connections:\n" + ENTRY +
                                        "    bandwidth_in_mbps: 5\n    peer_account_id: acc-2\n",
                                        encoding="utf-8")
    (tmp_path / "theirs.yaml").write_text("stack: partner\nregion: bj\nacceptances:\n"
                                          "  - name: from-us\n    local_vpc_id: vpc-b1\n"
                                          "    peer_vpc_id: vpc-a1\n    peer_account_id: acc-1\n",
                                          encoding="utf-8")
    state = load_paths([tmp_path])
    assert (len(state.connections), len(state.acceptances)) == (1, 1)


def write_tree(root: Path, names: list[str]) -> None:
    for index, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"stack: s{index}\nregion: bj\n", encoding="utf-8")


def test_directories_are_read_recursively_in_sorted_order(tmp_path, monkeypatch):
    write_tree(tmp_path, ["m/b.yaml", "m/a/z.yml", "m/a.yaml", "m/c.yml", "m/.hidden/x.yaml",
                          "m/.dot.yaml", "m/notes.txt", "extra.conf"])
    monkeypatch.chdir(tmp_path)
    state = load_paths(["m", "extra.conf", "m/b.yaml"])
    assert [m.file for m in state.manifests] == ["m/a.yaml", "m/a/z.yml", "m/b.yaml", "m/c.yml",
                                                 "extra.conf"]


def test_absolute_paths_below_the_working_directory_are_shown_relative(tmp_path, monkeypatch):
    write_tree(tmp_path, ["d/one.yaml"])
    monkeypatch.chdir(tmp_path)
    assert load_paths([tmp_path / "d"]).manifests[0].file == "d/one.yaml"


def test_paths_outside_the_working_directory_are_shown_as_given(tmp_path, monkeypatch):
    write_tree(tmp_path, ["d/one.yaml"])
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load_paths(["../d/one.yaml"]).manifests[0].file == "../d/one.yaml"


def test_the_quickstart_example_validates(monkeypatch):
    monkeypatch.chdir(ROOT)
    state = load_paths(["examples/quickstart"])
    pairs = {(c.local_vpc_id, c.peer_vpc_id): c for c in state.connections}
    app = pairs[("vpc-app01", "vpc-db0001")]
    assert (app.dns_sync, app.delete_protect, app.bandwidth_in_mbps) == (True, True, 100)
    assert pairs[("vpc-web001", "vpc-cache01")].bandwidth_in_mbps == 50
    assert {c.billing.payment_timing for c in state.connections} == {"Postpaid"}
    assert state.stacks == ("quickstart",)
