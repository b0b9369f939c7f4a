"""The peering topology as a Mermaid ``flowchart LR`` (``peerconn graph``, ``plan --graph``). Pure.

Owns: where each VPC is drawn (nested subgraphs: account, then region), one edge per VPC pair
labelled with its bandwidth and the destinations its declared route rules send through it
(``→`` from the initiator's table, ``←`` from the acceptor's; symbols as written), and — when
a plan is given — the styling of planned creates,
updates, replaces and releases (``linkStyle`` colours plus a legend; each label also carries
the change's symbol so the meaning survives without colour). Output is sorted, so the same
inputs always give the same bytes.

Accounts: a manifest's own VPCs belong to its profile; a connection's peer VPC to the same
profile or to ``peer_account_id``. When one VPC is known both ways (the initiator's manifest
names the partner's account id, the partner's manifest its profile) the two names are merged
into one account. VPCs whose region is unknown (an acceptance's peer) sit directly in their
account; VPCs whose account is unknown (a pruned connection's peer) sit outside any group.
Must not read files or call the cloud.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.model import DesiredAcceptance, DesiredConnection, DesiredState, PairKey
from reconciler.model.routes import DEFAULT_SOURCE, DesiredRoute
from reconciler.plan import Action, Change, Plan

_STYLES = {  # kind → (linkStyle, legend classDef)
    "create": ("stroke:#2da44e,stroke-width:3px",
               "fill:#dafbe1,stroke:#2da44e,color:#116329"),
    "update": ("stroke:#bf8700,stroke-width:3px",
               "fill:#fff8c5,stroke:#bf8700,color:#7d4e00"),
    "replace": ("stroke:#8250df,stroke-width:3px,stroke-dasharray:6 3",
                "fill:#fbefff,stroke:#8250df,color:#6639ba"),
    "release": ("stroke:#cf222e,stroke-width:3px,stroke-dasharray:3 3",
                "fill:#ffebe9,stroke:#cf222e,color:#a40e26"),
}
_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "release": "-"}
#: When several changes touch one pair (a create here, an accept there), the most
#: consequential one styles the edge.
_PRECEDENCE = ("release", "replace", "create", "update")
_KIND_OF = {
    Action.CREATE: "create", Action.UPDATE: "update", Action.ACCEPT: "update",
    Action.REJECT: "update", Action.REPLACE: "replace", Action.RELEASE: "release",
}

Account = tuple[str, str]  # ("profile", name) or ("account", id)


@dataclass
class _Edge:
    initiator: str
    acceptor: str
    label: str
    kind: str = ""
    # Declared destinations: from the initiator's table, from the acceptor's.
    routes: tuple[list[str], list[str]] = field(default_factory=lambda: ([], []))

    @property
    def text(self) -> str:
        """The label, then one line per direction that has declared rules."""
        lines = [self.label]
        lines += [f"{arrow} {', '.join(found)}"
                  for arrow, found in zip(("→", "←"), self.routes, strict=True) if found]
        return _text("<br/>".join(lines))


class _Places:
    """Where each VPC is drawn, with account names merged by a small union-find."""

    def __init__(self) -> None:
        self.parent: dict[Account, Account] = {}
        self.vpcs: dict[str, tuple[Account | None, str | None, int]] = {}

    def root(self, acct: Account) -> Account:
        self.parent.setdefault(acct, acct)
        while self.parent[acct] != acct:
            acct = self.parent[acct]
        return acct

    def merge(self, one: Account, other: Account) -> None:
        a, b = self.root(one), self.root(other)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def put(self, vpc: str, acct: Account | None, region: str | None, weight: int) -> None:
        """Record a sighting; a heavier one (a manifest's own VPC) wins the placement."""
        if acct is not None:
            self.root(acct)
        known = self.vpcs.get(vpc)
        if known is not None and known[0] is not None and acct is not None:
            self.merge(known[0], acct)
        if known is None or weight > known[2] or (weight == known[2] and known[1] is None):
            self.vpcs[vpc] = (acct or (known[0] if known else None), region, weight)

    def label(self, acct: Account) -> str:
        root = self.root(acct)
        names = sorted(a for a in self.parent if self.root(a) == root)
        ids = [n for kind, n in names if kind == "account"]
        profiles = [f"profile {n}" for kind, n in names if kind == "profile"]
        if ids and profiles:
            return f"{', '.join(ids)} ({', '.join(profiles)})"
        return ", ".join(ids or profiles)


def render_graph(desired: DesiredState, plan: Plan | None = None) -> str:
    """The Mermaid text (ending in a newline). With ``plan``, planned changes are styled."""
    places = _Places()
    edges: dict[PairKey, _Edge] = {}
    _from_manifests(desired, places, edges, with_plan=plan is not None)
    if plan is not None:
        _from_plan(plan, places, edges)
    _routes(desired, edges)
    ordered = [edges[k] for k in sorted(edges, key=lambda k: (k.vpc_a, k.vpc_b))]
    lines = ["flowchart LR"]
    lines += _groups(places)
    lines += [f"  {_node(e.initiator)} <-->|\"{e.text}\"| {_node(e.acceptor)}"
              for e in ordered]
    if plan is not None:
        lines += _styles(ordered)
    return "\n".join(lines) + "\n"


def _from_manifests(desired: DesiredState, places: _Places, edges: dict[PairKey, _Edge], *,
                    with_plan: bool) -> None:
    for manifest in desired.manifests:
        own: Account = ("profile", manifest.profile or "default")
        for conn in manifest.connections:
            if conn.ensure == "absent" and not with_plan:
                continue  # not part of the wanted topology; with a plan it shows as a release
            peer: Account = ("account", conn.peer_account_id) if conn.peer_account_id else own
            places.put(conn.local_vpc_id, own, manifest.region, 2)
            places.put(conn.peer_vpc_id, peer, conn.peer_region, 1)
            # The initiator's entry (direction, bandwidth) wins over an acceptance of the pair.
            edges[conn.pair] = _Edge(conn.local_vpc_id, conn.peer_vpc_id,
                                     f"{conn.bandwidth_in_mbps} Mbps")
        for acc in manifest.acceptances:
            places.put(acc.local_vpc_id, own, manifest.region, 2)
            peer_acct: Account | None = ("account", acc.peer_account_id) \
                if acc.peer_account_id else None
            places.put(acc.peer_vpc_id, peer_acct, None, 0)
            if acc.accept and acc.pair not in edges:
                edges[acc.pair] = _Edge(acc.peer_vpc_id, acc.local_vpc_id, "inbound")


def _from_plan(plan: Plan, places: _Places, edges: dict[PairKey, _Edge]) -> None:
    kinds: dict[PairKey, list[Change]] = {}
    for change in plan.changes:
        kinds.setdefault(PairKey.of(change.local_vpc_id, change.peer_vpc_id), []).append(change)
    for pair, changes in kinds.items():
        kind = min((_KIND_OF[c.action] for c in changes), key=_PRECEDENCE.index)
        edge = edges.get(pair)
        if edge is None:  # a pruned connection: no manifest entry names it
            first = changes[0]
            places.put(first.local_vpc_id, ("profile", first.profile or "default"),
                       first.region, 2)
            places.put(first.peer_vpc_id, None, None, 0)
            width = first.attributes.get("bandwidth_in_mbps")
            edge = edges[pair] = _Edge(first.local_vpc_id, first.peer_vpc_id,
                                       f"{width} Mbps" if width is not None else "?")
        edge.label = _SYMBOL[kind] + " " + _resized(changes, edge.label)
        edge.kind = kind


def _routes(desired: DesiredState, edges: dict[PairKey, _Edge]) -> None:
    """Each drawn edge's declared rules, by the direction their table sends traffic: from the
    initiator's VPC (``→``) or from the acceptor's (``←``), whichever entry declares them."""
    for manifest in desired.manifests:
        entries: list[DesiredConnection | DesiredAcceptance] = [*manifest.connections,
                                                                *manifest.acceptances]
        for entry in entries:
            edge = edges.get(entry.pair)
            if edge is None:
                continue
            for route in entry.routes:
                outward, back = edge.routes
                (outward if route.table_vpc_id == edge.initiator else back).append(_dest(route))


def _dest(route: DesiredRoute) -> str:
    if route.source == DEFAULT_SOURCE:
        return route.destination
    return f"{route.destination} from {route.source}"


def _resized(changes: Iterable[Change], label: str) -> str:
    for change in changes:
        for f in change.fields:
            if f.field == "bandwidth_in_mbps":
                return f"{f.before} → {f.after} Mbps"
    return label


# ------------------------------------------------------------------------------ text


def _node(vpc: str) -> str:
    # Mermaid ids: no '-', and not starting with 'o'/'x' (read as edge heads) or equal to 'end'.
    ident = re.sub(r"[^A-Za-z0-9_]", "_", vpc)
    return ident if ident.startswith("vpc_") else f"n_{ident}"


def _text(label: str) -> str:
    return label.replace('"', "#quot;")


def _groups(places: _Places) -> list[str]:
    by_account: dict[str, dict[str, list[str]]] = {}
    loose: list[str] = []
    for vpc, (acct, region, _) in places.vpcs.items():
        if acct is None:
            loose.append(vpc)
            continue
        by_account.setdefault(places.label(acct), {}).setdefault(region or "", []).append(vpc)
    lines: list[str] = []
    for n, label in enumerate(sorted(by_account), start=1):
        regions = by_account[label]
        lines.append(f"  subgraph acct{n}[\"{_text(label)}\"]")
        for region in sorted(r for r in regions if r):
            lines.append(f"    subgraph acct{n}_{region}[\"{_text(region)}\"]")
            lines += [f"      {_vpc_line(v)}" for v in sorted(regions[region])]
            lines.append("    end")
        lines += [f"    {_vpc_line(v)}" for v in sorted(regions.get("", []))]
        lines.append("  end")
    lines += [f"  {_vpc_line(v)}" for v in sorted(loose)]
    return lines


def _vpc_line(vpc: str) -> str:
    return f"{_node(vpc)}[\"{_text(vpc)}\"]"


def _styles(edges: list[_Edge]) -> list[str]:
    used = [k for k in _STYLES if any(e.kind == k for e in edges)]
    lines = ["  subgraph legend[\"legend\"]", "    direction LR"]
    if not used:
        lines.append("    legend_none[\"no changes\"]")
    lines += [f"    legend_{k}[\"{_text(_SYMBOL[k])} {k}\"]:::{k}" for k in used]
    lines.append("  end")
    for kind in used:
        indexes = ",".join(str(i) for i, e in enumerate(edges) if e.kind == kind)
        link, node = _STYLES[kind]
        lines.append(f"  linkStyle {indexes} {link}")
        lines.append(f"  classDef {kind} {node}")
    return lines
