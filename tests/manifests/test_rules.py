"""validate_rules on desired states built in code (no manifest locations needed)."""

from __future__ import annotations

import pytest

from reconciler.manifest import validate_rules
from reconciler.model import (
    Billing,
    DesiredAcceptance,
    DesiredConnection,
    DesiredState,
    Lifecycle,
    StackManifest,
)


def conn(name: str = "a", local: str = "vpc-a1", peer: str = "vpc-b1", **kw: object) -> DesiredConnection:
    fields: dict = {"stack": "s", "name": name, "region": "bj", "profile": None,
                    "local_vpc_id": local, "peer_vpc_id": peer, "peer_region": "bj",
                    "bandwidth_in_mbps": 10, **kw}
    return DesiredConnection(**fields)


def acc(name: str = "in", local: str = "vpc-b1", peer: str = "vpc-a1", **kw: object) -> DesiredAcceptance:
    fields: dict = {"stack": "s", "name": name, "region": "bj", "profile": None,
                    "local_vpc_id": local, "peer_vpc_id": peer, "peer_account_id": "acc-1", **kw}
    return DesiredAcceptance(**fields)


def state(*entries: DesiredConnection | DesiredAcceptance, prune: bool = False) -> DesiredState:
    conns = tuple(e for e in entries if isinstance(e, DesiredConnection))
    accs = tuple(e for e in entries if isinstance(e, DesiredAcceptance))
    return DesiredState((StackManifest("s", "bj", None, prune, "m.yaml", conns, accs),))


RULES = [
    pytest.param(state(conn(peer="vpc-a1")), "a.peer_vpc_id", "are the same VPC",
                 id="local-equals-peer"),
    pytest.param(state(conn(billing=Billing("Prepaid", 1))), "a.billing.payment_timing",
                 "same-region connections must be Postpaid", id="prepaid-same-region"),
    pytest.param(state(conn(peer_region="gz", billing=Billing("Prepaid"))),
                 "a.billing.reservation_length", "needs a reservation_length",
                 id="prepaid-without-length"),
    pytest.param(state(conn(billing=Billing("Postpaid", renew_within_days=3))),
                 "a.billing.renew_within_days", "applies only to Prepaid", id="postpaid-renew"),
    pytest.param(state(conn(peer_account_id="acc-2", peer_if_name="x")), "a.peer_if_name",
                 "same account", id="peer-if-name-cross-account"),
    pytest.param(state(conn(ensure="absent", lifecycle=Lifecycle(prevent_destroy=True))),
                 "a.ensure", "contradicts", id="prevent-destroy-and-absent"),
    pytest.param(state(conn(tags={"managed-by": "me"})), "a.tags.managed-by", "is reserved",
                 id="reserved-tag"),
    pytest.param(state(acc(peer_account_id=None)), "in.peer_account_id",
                 "an acceptance needs peer_account_id", id="acceptance-without-account"),
    pytest.param(state(conn(), conn(name="a", peer="vpc-c1")), "a.name", "duplicate name 'a'",
                 id="duplicate-name"),
    pytest.param(state(conn(), acc()), "in.peer_vpc_id", "already declared",
                 id="same-account-connection-and-acceptance-clash"),
    pytest.param(state(conn(), conn(name="b", local="vpc-b1", peer="vpc-a1")), "b.peer_vpc_id",
                 "(in the other direction)", id="reverse-pair"),
]


@pytest.mark.parametrize(("desired", "field", "summary"), RULES)
def test_rule_violation_is_reported(desired, field, summary):
    found = validate_rules(desired)
    assert [(d.field, summary in d.summary) for d in found] == [(field, True)]


def test_a_valid_state_has_no_findings():
    desired = state(conn(peer_account_id="acc-2"), conn(name="b", peer="vpc-c1"),
                    acc(local="vpc-b1", peer="vpc-a1"))
    assert validate_rules(desired) == []


def test_files_of_one_stack_must_agree_on_prune():
    one = StackManifest("s", "bj", None, True, "a.yaml")
    other = StackManifest("s", "bj", None, False, "b.yaml")
    (found,) = validate_rules(DesiredState((one, other)))
    assert (found.file, found.field, found.detail) == ("a.yaml", "prune", "prune is false in b.yaml")
