"""World files: strict validation with every problem reported, and the bundled default."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.simulator import load_world
from reconciler.simulator.world import world_from_data

ACCOUNT = {"id": "a", "access_key": "AK", "secret_key": "SK", "vpcs": [{"id": "vpc-1", "region": "bj"},
                                                                       {"id": "vpc-2", "region": "bj"}]}


def problems(data: dict[str, object]) -> str:
    with pytest.raises(ConfigError) as err:
        world_from_data(data, source="w.yaml")
    return str(err.value)


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param({"accounts": []}, "at least 1", id="no-accounts"),
    pytest.param({"accounts": [ACCOUNT], "extra": 1}, "extra", id="unknown-top-level-key"),
    pytest.param({"accounts": [{**ACCOUNT, "vpcs": [{"id": "v", "region": "bj", "colour": "red"}]}]},
                 "accounts.0.vpcs.0.colour", id="unknown-vpc-key"),
    pytest.param({"accounts": [ACCOUNT, {**ACCOUNT, "id": "b", "access_key": "AK2"}]}, "duplicate vpc id",
                 id="duplicate-vpc"),
    pytest.param({"accounts": [ACCOUNT, {**ACCOUNT, "id": "b", "vpcs": []}]}, "duplicate access_key",
                 id="duplicate-access-key"),
    pytest.param({"accounts": [ACCOUNT], "timing": {"create_s": -1}}, "timing.create_s", id="negative-timing"),
    pytest.param({"accounts": [ACCOUNT], "faults": {"kinds": ["teapot"]}}, "faults.kinds", id="unknown-fault"),
    pytest.param({"accounts": [ACCOUNT], "connections": [{"local_vpc_id": "vpc-1", "peer_vpc_id": "vpc-9"}]},
                 "unknown VPC vpc-9", id="connection-to-unknown-vpc"),
    pytest.param({"accounts": [ACCOUNT], "connections": [
        {"local_vpc_id": "vpc-1", "peer_vpc_id": "vpc-2"}, {"local_vpc_id": "vpc-2", "peer_vpc_id": "vpc-1"}]},
        "duplicate connection VPC pair", id="duplicate-pair"),
    pytest.param({"accounts": [ACCOUNT], "connections": [
        {"local_vpc_id": "vpc-1", "peer_vpc_id": "vpc-2", "payment_timing": "Prepaid"}]},
        "expires_in_days", id="prepaid-without-expiry"),
    pytest.param({"accounts": [ACCOUNT], "behaviour": {"not_found": "maybe"}}, "behaviour.not_found",
                 id="bad-not-found-mode"),
])
def test_invalid_worlds_are_refused_with_the_field_named(data: dict[str, object], expected: str) -> None:
    text = problems(data)
    assert expected in text and "w.yaml" in text


def test_every_problem_is_reported_together() -> None:
    text = problems({"accounts": [ACCOUNT], "quotas": {"per_vpc": -1}, "timing": {"dns_s": -2}})
    assert "quotas.per_vpc" in text and "timing.dns_s" in text


def test_not_found_404_may_be_written_as_a_number() -> None:
    assert world_from_data({"accounts": [ACCOUNT], "behaviour": {"not_found": 404}}).behaviour.not_found == "404"


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_world(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("accounts: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_world(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_world(bad)


def test_a_world_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text("accounts:\n  - {id: a, access_key: AK, secret_key: SK, vpcs: [{id: v, region: gz}]}\n"
                    "timing: {create_s: 0, accept_s: 0, resize_s: 0, dns_s: 0, delete_s: 0}\n")
    world = load_world(path)
    assert world.timing.create_s == 0 and world.quotas.per_vpc == 10
    assert world.account_for_profile(None) is world.accounts[0]
