"""Where a rule violation about a built entry is reported.

Owns: ``at`` — a ``Diagnostic`` placed at the field of a ``DesiredConnection`` or
``DesiredAcceptance`` that a rule is about, from the entry's ``field_sources`` (so a value
merged from ``defaults`` is reported where it was written), falling back to a nearby field or
the entry itself. Shared by the offline rules and the planner's plan-time rules. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import Diagnostic
from reconciler.model import DesiredAcceptance, DesiredConnection

Entry = DesiredConnection | DesiredAcceptance


def at(entry: Entry, attr: str, summary: str, *, near: Iterable[str] = (), detail: str = "",
       hint: str | None = None) -> Diagnostic:
    """A diagnostic for ``attr`` of ``entry``, placed where it (or the first of ``near``) is."""
    sources = entry.field_sources
    where = next((sources[a] for a in (attr, *near) if a in sources), entry.source)
    if attr in sources:
        field_path = sources[attr].field_path
    else:
        base = entry.source.field_path if entry.source and entry.source.field_path else entry.name
        field_path = f"{base}.{attr}"
    if where is None:
        return Diagnostic(summary, detail, field=field_path, hint=hint)
    return Diagnostic(summary, detail, where.file, where.line, where.column, field_path, hint)


def describe(entry: Entry) -> str:
    """``connection 'app-to-db' at network.yaml:7``, for a detail line."""
    kind = "connection" if isinstance(entry, DesiredConnection) else "acceptance"
    where = f" at {entry.source}" if entry.source else ""
    return f"{kind} '{entry.name}'{where}"
