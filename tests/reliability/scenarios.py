"""Random but legal scenarios over the simulator's default world: manifests and live clouds.

A ``Scenario`` is a set of manifest files (one per account and region, all of one stack) plus
the connections that already exist when the world starts. Both are drawn by hypothesis from
the default world's VPCs (``reconciler/simulator/default_world.yaml``) so that every manifest
passes ``peerconn validate`` and every live connection is one BCE could have produced:
same-region connections are Postpaid, consulting and consult_failed only happen across
accounts, DNS sync is only open on active connections, an expired connection is Prepaid and
past its expiry. The manifest names every VPC's region correctly (the planner cannot know a
VPC's region; a wrong one is the user's mistake, refused by BCE, not a reconciler bug).
Same-account connections draw ``routes`` and the world's tables draw rules of their own
(``route_scenarios``); the world draws what BCE does when a connection with rules is released.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.reliability.route_scenarios import live_rules, routes_for, vpc_fields

STACK = "rel"
SECOND_STACK = "rel2"  # a second stack of the same run (files may belong to either)
OTHER_STACK = "someone-else"  # a stack no manifest of the run declares

ACCOUNTS: dict[str, dict[str, Any]] = {
    "acc-main": {"profile": "default", "access_key": "AKSIMMAIN000001",
                 "secret_key": "SKSIMMAIN000001"},
    "acc-partner": {"profile": "partner", "access_key": "AKSIMPARTNER001",
                    "secret_key": "SKSIMPARTNER001"},
}
#: vpc id -> (account id, region)
VPCS: dict[str, tuple[str, str]] = {
    "vpc-app01": ("acc-main", "bj"),
    "vpc-db0001": ("acc-main", "bj"),
    "vpc-web001": ("acc-main", "bj"),
    "vpc-cache01": ("acc-main", "bj"),
    "vpc-gzapp01": ("acc-main", "gz"),
    "vpc-relay1": ("acc-main", "gz"),
    "vpc-partner1": ("acc-partner", "bj"),
    "vpc-partner2": ("acc-partner", "gz"),
}
RELAY = frozenset({"vpc-relay1"})
PAIRS = [pair for pair in combinations(sorted(VPCS), 2) if not set(pair) <= RELAY]
#: Pairs within the main account: the connections that may carry ``routes.peer``.
MAIN_PAIRS = [pair for pair in PAIRS if {VPCS[v][0] for v in pair} == {"acc-main"}]
INSTANT = {"create_s": 0, "accept_s": 0, "resize_s": 0, "dns_s": 0, "delete_s": 0}

DESCRIPTIONS = ["", "app tier to database tier", "描述 — ünïcode", "a: b # not a comment",
                "x" * 200, "'quoted' \"twice\""]
IF_NAMES = ["app-to-db", "if.1/a", "接口一", "A_b-c.d", "z" * 65]
BANDWIDTHS = [1, 10, 50, 100, 200, 10000]
RESERVATIONS = [1, 2, 6, 12, 36]
IGNORABLE = ["bandwidth_in_mbps", "billing", "delete_protect", "description", "dns_sync",
             "local_if_name", "peer_if_name", "tags"]


def region_of(vpc: str) -> str:
    return VPCS[vpc][1]


def account_of(vpc: str) -> str:
    return VPCS[vpc][0]


@dataclass
class Scenario:
    """Manifest files ({(account, region[, part]): top-level data}) and the world's
    connections. The key names the file: ``acc-main-bj.yaml``."""

    files: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    live: list[dict[str, Any]] = field(default_factory=list)
    per_vpc: int = 10
    routes: list[dict[str, Any]] = field(default_factory=list)  # the world's route rules
    release_with_routes: str = "refuse"
    #: Declared rules the live tables route elsewhere on purpose: the plan must refuse them.
    conflicts: list[str] = field(default_factory=list)
    #: table VPC -> (source, destination) pairs declared so far (while drawing)
    used: dict[str, set[tuple[str, str]]] = field(default_factory=dict, repr=False)

    def file_for(self, account: str, region: str, prune: bool,
                 stack: str = STACK) -> dict[str, Any]:
        part = "" if stack == STACK else stack
        key, data = manifest(account, region, part=part, prune=prune, stack=stack)
        return self.files.setdefault(key, data)

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for key, data in sorted(self.files.items()):
            path = folder / f"{'-'.join(key)}.yaml"
            path.write_text(render_manifest(data), encoding="utf-8")
            paths.append(path)
        return paths

    def world(self) -> dict[str, Any]:
        return {**world_data(self.live, per_vpc=self.per_vpc), "routes": self.routes,
                "behaviour": {"release_with_routes": self.release_with_routes}}

    def describe(self) -> str:
        files = "".join(f"--- {'-'.join(key)}.yaml\n{render_manifest(data)}"
                        for key, data in sorted(self.files.items()))
        live = "\n".join(str(c) for c in self.live)
        rules = "\n".join(str(r) for r in self.routes)
        return (f"{files}--- live connections (per_vpc={self.per_vpc}):\n{live}\n"
                f"--- live route rules (release_with_routes={self.release_with_routes}):\n"
                f"{rules}\n--- conflicts drawn: {self.conflicts}")


def manifest(account: str, region: str, *, part: str = "", prune: bool = False,
             stack: str = STACK,
             connections: list[dict[str, Any]] | None = None,
             acceptances: list[dict[str, Any]] | None = None) -> tuple[tuple[str, ...], Any]:
    """One file of a hand-written scenario: ``Scenario(files=dict([manifest(...), ...]))``."""
    key = (account, region, part) if part else (account, region)
    return key, {"stack": stack, "region": region, "profile": ACCOUNTS[account]["profile"],
                 "prune": prune, "connections": connections or [],
                 "acceptances": acceptances or []}


def world_data(connections: list[dict[str, Any]], *, per_vpc: int = 10,
               accounts: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The default world's accounts and VPCs, instant transitions, these connections."""
    accounts = accounts or ACCOUNTS
    return {
        "accounts": [{"id": acc, **accounts[acc],
                      "vpcs": [{"id": vpc, "region": region, "relay": vpc in RELAY,
                                **vpc_fields(vpc)}
                               for vpc, (owner, region) in VPCS.items() if owner == acc]}
                     for acc in ACCOUNTS],
        "quotas": {"per_vpc": per_vpc, "per_account": 50},
        "timing": dict(INSTANT),
        "connections": connections,
    }


# ------------------------------------------------------------------------ rendering


def scalar(value: Any) -> str:
    """A YAML scalar every YAML reader reads the same way (strings double-quoted, as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    raise TypeError(value)


def render_manifest(data: dict[str, Any]) -> str:
    lines = [f"{key}: {scalar(data[key])}" for key in ("stack", "region", "profile", "prune")
             if key in data]
    for section in ("connections", "acceptances"):
        entries = data.get(section) or []
        if not entries:
            continue
        lines.append(f"{section}:")
        for entry in entries:
            items = [f"{key}: {scalar(value)}" for key, value in entry.items()]
            lines.append("  - " + "\n    ".join(items))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- strategies

def _optional(draw: st.DrawFn, entry: dict[str, Any], key: str,
              values: st.SearchStrategy[Any]) -> None:
    """Set ``key`` to a drawn value, or leave it undeclared."""
    value = draw(st.one_of(st.none(), values))
    if value is not None:
        entry[key] = value


def _tags(draw: st.DrawFn) -> dict[str, str]:
    keys = draw(st.lists(st.sampled_from(["team", "env", "cost.center", "名前"]), unique=True,
                         max_size=2))
    return {k: draw(st.sampled_from(["payments", "", "prod", "ü"])) for k in keys}


def _billing(draw: st.DrawFn, cross_region: bool) -> dict[str, Any] | None:
    if not cross_region:
        return draw(st.sampled_from([None, {"payment_timing": "Postpaid"}]))
    kind = draw(st.sampled_from(["none", "Postpaid", "Prepaid", "prepaid"]))
    if kind == "none":
        return None
    billing: dict[str, Any] = {"payment_timing": kind}
    if kind.lower() == "prepaid":
        billing["reservation_length"] = draw(st.sampled_from(RESERVATIONS))
        _optional(draw, billing, "renew_within_days", st.sampled_from([1, 7, 30]))
    return billing


def _lifecycle(draw: st.DrawFn, absent: bool, allowed: list[str]) -> dict[str, Any] | None:
    life: dict[str, Any] = {}
    if not absent:
        _optional(draw, life, "prevent_destroy", st.booleans())
    ignore = draw(st.lists(st.sampled_from(allowed), unique=True, max_size=2))
    if ignore:
        life["ignore_changes"] = ignore
    return life or None


@st.composite
def connection_entry(draw: st.DrawFn, name: str, local: str, peer: str,
                     used: dict[str, set[tuple[str, str]]] | None = None) -> dict[str, Any]:
    cross_account = account_of(local) != account_of(peer)
    entry: dict[str, Any] = {"name": name, "local_vpc_id": local, "peer_vpc_id": peer}
    if region_of(peer) != region_of(local) or draw(st.booleans()):
        entry["peer_region"] = region_of(peer)
    if cross_account:
        entry["peer_account_id"] = account_of(peer)
    entry["bandwidth_in_mbps"] = draw(st.sampled_from(BANDWIDTHS))
    _optional(draw, entry, "local_if_name", st.sampled_from(IF_NAMES))
    if not cross_account:
        _optional(draw, entry, "peer_if_name", st.sampled_from(IF_NAMES))
    _optional(draw, entry, "description", st.sampled_from(DESCRIPTIONS))
    _optional(draw, entry, "dns_sync", st.booleans())
    _optional(draw, entry, "delete_protect", st.booleans())
    billing = _billing(draw, region_of(local) != region_of(peer))
    if billing is not None:
        entry["billing"] = billing
    if draw(st.booleans()):
        entry["tags"] = _tags(draw)
    absent = draw(st.integers(0, 5)) == 0
    lifecycle = _lifecycle(draw, absent, IGNORABLE)
    if lifecycle is not None:
        entry["lifecycle"] = lifecycle
    if absent:
        entry["ensure"] = "absent"
    if not cross_account and used is not None:
        routes = draw(routes_for(local, peer, absent, used))
        if routes is not None:
            entry["routes"] = routes
    return entry


@st.composite
def acceptance_entry(draw: st.DrawFn, name: str, local: str, peer: str,
                     may_reject: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "local_vpc_id": local, "peer_vpc_id": peer,
                             "peer_account_id": account_of(peer)}
    if may_reject and draw(st.integers(0, 4)) == 0:
        entry["accept"] = False
    _optional(draw, entry, "local_if_name", st.sampled_from(IF_NAMES))
    _optional(draw, entry, "description", st.sampled_from(DESCRIPTIONS))
    _optional(draw, entry, "dns_sync", st.booleans())
    lifecycle = _lifecycle(draw, False, ["description", "dns_sync", "local_if_name"])
    if lifecycle is not None:
        entry["lifecycle"] = lifecycle
    return entry


@st.composite
def live_connection(draw: st.DrawFn, initiator: str, acceptor: str,
                    index: int) -> dict[str, Any]:
    cross_account = account_of(initiator) != account_of(acceptor)
    cross_region = region_of(initiator) != region_of(acceptor)
    prepaid = cross_region and draw(st.integers(0, 2)) == 0
    statuses = ["active"] * 6 + ["creating", "down", "error"]
    if cross_account:
        statuses += ["consulting"] * 3 + ["consult_failed"]
    if prepaid:
        statuses += ["expired"]
    status = draw(st.sampled_from(statuses))
    conn: dict[str, Any] = {
        "id": f"peerconn-live{index:04d}",
        "local_vpc_id": initiator, "peer_vpc_id": acceptor, "status": status,
        "bandwidth_in_mbps": draw(st.sampled_from(BANDWIDTHS)),
        "local_if_id": f"qpif-init{index:04d}", "peer_if_id": f"qpif-acpt{index:04d}",
        "description": draw(st.sampled_from(DESCRIPTIONS)),
        "peer_description": draw(st.sampled_from(DESCRIPTIONS)),
        "local_if_name": draw(st.sampled_from(["", *IF_NAMES])),
        "peer_if_name": draw(st.sampled_from(["", *IF_NAMES])),
        "delete_protect": draw(st.integers(0, 3)) == 0,
    }
    if status == "active":
        conn["dns_sync"] = draw(st.booleans())
        conn["peer_dns_sync"] = draw(st.booleans())
    if prepaid:
        conn["payment_timing"] = "Prepaid"
        conn["reservation_length"] = draw(st.sampled_from(RESERVATIONS))
        days = draw(st.sampled_from([3.0, 20.0, 200.0, 400.0]))
        conn["expires_in_days"] = -days if status == "expired" else days
    owner = draw(st.sampled_from(["ours", "ours", "second", "other-stack", "untagged", "half"]))
    tags = _tags(draw)
    if owner == "ours":
        tags.update({"managed-by": "peerconn", "peerconn-stack": STACK})
    elif owner == "second":
        tags.update({"managed-by": "peerconn", "peerconn-stack": SECOND_STACK})
    elif owner == "other-stack":
        tags.update({"managed-by": "peerconn", "peerconn-stack": OTHER_STACK})
    elif owner == "half":  # a stack tag without managed-by is not peerconn's
        tags["peerconn-stack"] = STACK
    conn["tags"] = tags
    return conn


@st.composite
def scenarios(draw: st.DrawFn, max_pairs: int = 5, routed: bool = False) -> Scenario:
    """Scenarios of every shape (no known bug is steered around: every one found is fixed and
    pinned by an example in test_convergence.py). ``routed``: only pairs within the main
    account, so that most connections carry routes."""
    scenario = Scenario(per_vpc=draw(st.sampled_from([10, 10, 10, 2])))
    prune = draw(st.booleans())
    pairs = draw(st.lists(st.sampled_from(MAIN_PAIRS if routed else PAIRS), unique=True,
                          min_size=1, max_size=max_pairs))
    for index, pair in enumerate(pairs):
        local, peer = draw(st.permutations(pair))
        in_manifest, in_live = draw(st.sampled_from([(True, False), (True, True), (True, True),
                                                     (False, True)]))
        if in_manifest:
            _declare(draw, scenario, index, local, peer, prune)
        if in_live:
            initiator, acceptor = (local, peer) if draw(st.integers(0, 3)) else (peer, local)
            scenario.live.append(draw(live_connection(initiator, acceptor, index)))
    scenario.file_for("acc-main", "bj", prune)  # always one file, so a prune has a scope
    _within_quota(scenario)
    _route_world(draw, scenario)
    for key in list(scenario.files):
        data = scenario.files[key]
        if key != ("acc-main", "bj") and not data["connections"] and not data["acceptances"]:
            del scenario.files[key]
    return scenario


def _route_world(draw: st.DrawFn, scenario: Scenario) -> None:
    """The world's route rules (some conflicting on purpose) and its release behaviour."""
    declared = {frozenset((e["local_vpc_id"], e["peer_vpc_id"])): e
                for data in scenario.files.values() for e in data["connections"]
                if e.get("routes") and e.get("ensure") != "absent"}
    main = {vpc for vpc, (owner, _) in VPCS.items() if owner == "acc-main"}
    scenario.routes, scenario.conflicts = draw(live_rules(scenario.live, declared, main,
                                                          through_connections=True))
    scenario.release_with_routes = draw(st.sampled_from(["refuse", "cascade", "keep"]))


def _within_quota(scenario: Scenario) -> None:
    """A world BCE could have reached: no VPC over the per-VPC quota already."""
    ends = [vpc for c in scenario.live for vpc in (c["local_vpc_id"], c["peer_vpc_id"])]
    scenario.per_vpc = max([scenario.per_vpc, *(ends.count(v) for v in ends)])


def _declare(draw: st.DrawFn, scenario: Scenario, index: int, local: str, peer: str,
             prune: bool) -> None:
    cross_account = account_of(local) != account_of(peer)
    shape = draw(st.sampled_from(["connection", "both", "acceptance"])) if cross_account \
        else "connection"
    if shape in ("connection", "both"):
        entry = draw(connection_entry(f"c{index}", local, peer, scenario.used))
        stack = draw(st.sampled_from([STACK, STACK, SECOND_STACK]))
        data = scenario.file_for(account_of(local), region_of(local), prune, stack)
        data["connections"].append(entry)
    if shape in ("both", "acceptance"):
        # Rejecting a request the same manifests make never settles (create, reject, replace
        # the failed request, reject again...): a contradiction, not drawn.
        entry = draw(acceptance_entry(f"a{index}", peer, local, may_reject=shape == "acceptance"))
        stack = draw(st.sampled_from([STACK, STACK, SECOND_STACK]))
        data = scenario.file_for(account_of(peer), region_of(peer), prune, stack)
        data["acceptances"].append(entry)

