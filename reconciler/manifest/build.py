"""Validated manifest specs → frozen domain values (``StackManifest``), defaults merged.

Owns: how ``defaults`` merge into each connection (nested ``billing``/``tags``/``lifecycle``
key by key, the connection winning; lists replaced), what ``declared`` contains, the values
used when nothing is declared (Postpaid, ``month``, peer region = the file's region), and where
each merged value was written (``field_sources``). Must not read files or check BCE rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.errors import Diagnostic
from reconciler.manifest.diagnostics import located
from reconciler.manifest.models import AcceptanceSpec, ConnectionSpec, ManifestSpec
from reconciler.manifest.yamlsafe import Path, YamlDocument, format_path
from reconciler.model import (
    MANIFEST_TIME_UNIT,
    Billing,
    DesiredAcceptance,
    DesiredConnection,
    Lifecycle,
    Source,
    StackManifest,
)
from reconciler.model.routes import DesiredRoute, RouteSide

NESTED = ("billing", "tags", "lifecycle")
NOT_ATTRIBUTES = frozenset({"name", "ensure", "lifecycle", "routes"})
PREPAID_ONLY = ("reservation_length", "renew_within_days")

Origins = dict[str, Path]


def build_manifest(
    doc: YamlDocument,
    header: ManifestSpec,
    connections: Sequence[tuple[int, ConnectionSpec]],
    acceptances: Sequence[tuple[int, AcceptanceSpec]],
) -> tuple[StackManifest, list[Diagnostic]]:
    """One file's StackManifest; entries that cannot be built are reported instead."""
    problems: list[Diagnostic] = []
    defaults = header.defaults.model_dump(exclude_unset=True) if header.defaults else {}
    built = []
    for index, spec in connections:
        conn = _connection(doc, header, defaults, index, spec)
        if isinstance(conn, Diagnostic):
            problems.append(conn)
        else:
            built.append(conn)
    accepted = tuple(_acceptance(doc, header, index, spec) for index, spec in acceptances)
    sources = {k: _source(doc, (k,)) for k in header.model_fields_set if k not in NESTED}
    manifest = StackManifest(header.stack, header.region, header.profile, header.prune, doc.file,
                             tuple(built), accepted, sources)
    return manifest, problems


def merge_defaults(defaults: dict[str, Any], own: dict[str, Any],
                   own_path: Path) -> tuple[dict[str, Any], Origins]:
    """The connection's own values over the defaults, with where each value came from."""
    merged: dict[str, Any] = {}
    origins: Origins = {}
    for key in dict.fromkeys([*defaults, *own]):
        base = own_path if key in own else ("defaults",)
        origins[key] = (*base, key)
        if key not in NESTED:
            merged[key] = own[key] if key in own else defaults[key]
            continue
        inner_own, inner_default = own.get(key, {}), defaults.get(key, {})
        merged[key] = {**inner_default, **inner_own}
        for sub in merged[key]:
            origin_base = own_path if sub in inner_own else ("defaults",)
            origins[f"{key}.{sub}"] = (*origin_base, key, sub)
    _drop_inherited_prepaid_keys(merged, origins, own_path)
    return merged, origins


def _drop_inherited_prepaid_keys(merged: dict[str, Any], origins: Origins, own_path: Path) -> None:
    """An entry saying Postpaid itself does not inherit the defaults' Prepaid-only keys."""
    billing = merged.get("billing", {})
    if billing.get("payment_timing") != "Postpaid":
        return
    if origins.get("billing.payment_timing", ())[: len(own_path)] != own_path:
        return
    for key in PREPAID_ONLY:
        if key in billing and origins[f"billing.{key}"][0] == "defaults":
            del billing[key]
            del origins[f"billing.{key}"]


def declared_names(merged: dict[str, Any]) -> frozenset[str]:
    names = {k for k in merged if k not in NOT_ATTRIBUTES}
    names |= {f"billing.{k}" for k in merged.get("billing", {})}
    return frozenset(names)


def _connection(doc: YamlDocument, header: ManifestSpec, defaults: dict[str, Any], index: int,
                spec: ConnectionSpec) -> DesiredConnection | Diagnostic:
    path: Path = ("connections", index)
    merged, origins = merge_defaults(defaults, spec.model_dump(exclude_unset=True), path)
    bandwidth = merged.get("bandwidth_in_mbps")
    if bandwidth is None:
        return located(doc, path, "missing required field 'bandwidth_in_mbps'",
                       field_path=format_path((*path, "bandwidth_in_mbps")),
                       hint="set bandwidth_in_mbps on the connection or in defaults")
    billing, lifecycle = merged.get("billing", {}), merged.get("lifecycle", {})
    routes = merged.get("routes", {})
    peer_region = merged.get("peer_region", header.region)
    local = _routes(routes, RouteSide.LOCAL, (spec.local_vpc_id, spec.peer_vpc_id),
                    header.profile, header.region, origins, path)
    peer = _routes(routes, RouteSide.PEER, (spec.peer_vpc_id, spec.local_vpc_id),
                   header.profile, peer_region, origins, path)
    return DesiredConnection(
        **_identity(doc, header, spec, path, origins),
        peer_region=peer_region,
        bandwidth_in_mbps=bandwidth,
        local_if_name=merged.get("local_if_name"),
        peer_if_name=merged.get("peer_if_name"),
        description=merged.get("description"),
        dns_sync=merged.get("dns_sync"),
        delete_protect=merged.get("delete_protect"),
        billing=_billing(billing),
        tags=dict(merged.get("tags", {})),
        lifecycle=_lifecycle(lifecycle),
        ensure=spec.ensure,
        declared=declared_names(merged),
        routes_local=local,
        routes_peer=peer,
    )


def _identity(doc: YamlDocument, header: ManifestSpec, spec: ConnectionSpec | AcceptanceSpec,
              path: Path, origins: Origins) -> dict[str, Any]:
    """What a connection and an acceptance entry both carry: who and where it is, which
    VPCs it joins, and where in the file it and each of its fields were written."""
    return {"stack": header.stack, "name": spec.name, "region": header.region,
            "profile": header.profile, "local_vpc_id": spec.local_vpc_id,
            "peer_vpc_id": spec.peer_vpc_id, "peer_account_id": spec.peer_account_id,
            "source": _source(doc, path), "field_sources": _field_sources(doc, path, origins)}


def _acceptance(doc: YamlDocument, header: ManifestSpec, index: int,
                spec: AcceptanceSpec) -> DesiredAcceptance:
    path: Path = ("acceptances", index)
    own = spec.model_dump(exclude_unset=True)
    origins = {key: (*path, key) for key in own}
    origins |= {f"lifecycle.{k}": (*path, "lifecycle", k) for k in own.get("lifecycle", {})}
    local = _routes(own.get("routes", {}), RouteSide.LOCAL, (spec.local_vpc_id, spec.peer_vpc_id),
                    header.profile, header.region, origins, path)
    return DesiredAcceptance(
        **_identity(doc, header, spec, path, origins),
        accept=spec.accept,
        dns_sync=spec.dns_sync,
        local_if_name=spec.local_if_name,
        description=spec.description,
        lifecycle=_lifecycle(own.get("lifecycle", {})),
        declared=frozenset(own) - NOT_ATTRIBUTES,
        routes_local=local,
    )


def _routes(routes: dict[str, Any], side: RouteSide, vpcs: tuple[str, str], profile: str | None,
            region: str, origins: Origins, entry: Path) -> tuple[DesiredRoute, ...] | None:
    """One side's declared rules (None when the side has no list), recording where each
    rule and each of its fields was written in ``origins``."""
    declared = routes.get(side.value)
    if declared is None:
        return None
    origins[f"routes.{side.value}"] = (*entry, "routes", side.value)
    built = []
    for index, rule in enumerate(declared):
        route = DesiredRoute(side, index, vpcs[0], vpcs[1], profile, region, **rule)
        at = (*entry, "routes", side.value, index)
        origins[route.field()] = at
        origins |= {route.field(key): (*at, key) for key in rule}
        built.append(route)
    return tuple(built)


def _billing(values: dict[str, Any]) -> Billing:
    return Billing(
        payment_timing=values.get("payment_timing", "Postpaid"),
        reservation_length=values.get("reservation_length"),
        reservation_time_unit=values.get("reservation_time_unit", MANIFEST_TIME_UNIT),
        renew_within_days=values.get("renew_within_days"),
    )


def _lifecycle(values: dict[str, Any]) -> Lifecycle:
    return Lifecycle(
        prevent_destroy=values.get("prevent_destroy", False),
        ignore_changes=frozenset(values.get("ignore_changes", ())),
        adopt_from_stack=values.get("adopt_from_stack"),
    )


def _source(doc: YamlDocument, path: Path) -> Source:
    mark = doc.mark(path)
    return Source(doc.file, mark.line, mark.column, format_path(path))


def _field_sources(doc: YamlDocument, entry: Path, origins: Origins) -> dict[str, Source]:
    sources = {name: _source(doc, path) for name, path in origins.items()}
    sources.setdefault("name", _source(doc, (*entry, "name")))
    return sources
