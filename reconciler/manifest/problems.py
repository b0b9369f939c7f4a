"""Every problem of one run, counted in full but phrased only as far as someone reads them.

Owns: ``Problems`` (the collector ``load_paths`` fills) and ``ManifestProblems`` (the
``ManifestError`` it raises). A manifest of thousands of bad entries must be refused in
bounded time and memory, yet the count must be exact and the first problems shown in file
order. So an entry that failed its schema check is kept as its index and how many problems it has
(pydantic counts them without building them), in an ``EntryRun`` per list that can phrase them
again on demand. Entries are non-overlapping spans of their file, so the first ``n`` problems in
file order need only the entries that start first. ``all()`` phrases every one.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from reconciler.errors import Diagnostic, ManifestError

SortKey = tuple[str, int, int, str, str]


def sort_key(diag: Diagnostic) -> SortKey:
    """File order: file, line, column, then field and text for a stable tie-break."""
    return (diag.file or "", diag.line or 0, diag.column or 0, diag.field or "", diag.summary)


def sort_diagnostics(problems: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted in file order, duplicates removed."""
    return sorted(dict.fromkeys(problems), key=sort_key)


@dataclass(slots=True)
class EntryRun:
    """The invalid entries of one list of one file, in file order, each kept as its index and
    its count of problems; ``phrase(index)`` returns exactly that many distinct diagnostics,
    all inside that entry's span of the file (so before the next entry's)."""

    file: str
    start: tuple[int, int]  # line and column of the first invalid entry
    phrase: Callable[[int], list[Diagnostic]]
    indexes: array = field(default_factory=lambda: array("l"))
    counts: array = field(default_factory=lambda: array("l"))

    def add(self, index: int, count: int) -> None:
        self.indexes.append(index)
        self.counts.append(count)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.file, *self.start)


class Problems:
    """Diagnostics found so far, plus groups phrased only when shown."""

    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        self.runs: list[EntryRun] = []

    def add(self, diag: Diagnostic) -> None:
        self.found.append(diag)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.found.extend(diags)

    def add_run(self, run: EntryRun) -> None:
        self.runs.append(run)

    def __bool__(self) -> bool:
        return bool(self.found or self.runs)

    def freeze(self, files_read: int) -> ManifestProblems:
        return ManifestProblems(sort_diagnostics(self.found), sorted(self.runs, key=lambda r: r.key),
                                files_read)


class ManifestProblems(ManifestError):
    """``ManifestError`` whose diagnostics are phrased on first use; ``total`` counts them all."""

    def __init__(self, found: Sequence[Diagnostic], runs: Sequence[EntryRun], files_read: int):
        Exception.__init__(self, "manifests failed validation")
        self.files_read = files_read
        self._found = list(found)
        self._runs = list(runs)
        self._all: tuple[Diagnostic, ...] | None = None
        self.total = len(self._found) + sum(sum(r.counts) for r in self._runs)

    @property  # UserError sets it eagerly; here it is phrased on first use
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        if self._all is None:
            self._all = tuple(self.first(None))
        return self._all

    @diagnostics.setter
    def diagnostics(self, value: tuple[Diagnostic, ...]) -> None:
        self._all = tuple(value)

    def first(self, limit: int | None) -> list[Diagnostic]:
        """The first ``limit`` problems in file order (all of them when ``limit`` is None)."""
        phrased: list[Diagnostic] = []
        for run in self._runs:  # runs are disjoint spans of their files, in file order
            for index in run.indexes:
                if limit is not None and len(phrased) >= limit:
                    break  # every later entry's problems come after all of these
                phrased.extend(run.phrase(index))
        merged = heapq.merge(self._found, sorted(phrased, key=sort_key), key=sort_key)
        return [d for _, d in zip(range(self.total if limit is None else limit), merged,
                                  strict=False)]

    def files(self) -> list[str]:
        """The files that have problems, in order."""
        names = {d.file for d in self._found if d.file} | {r.file for r in self._runs}
        return sorted(names)

    def __str__(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)
