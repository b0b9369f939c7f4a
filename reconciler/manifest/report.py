"""What ``peerconn validate`` prints: the problems found (or what was valid) and a count line.

Owns the three formats of ``validate``: ``text`` (for people: the first ``SHOWN`` problems in
file order, a line saying how many more, a count line), ``json`` (every problem, for tools; the
shape is described in specs/manifest.md §9 and versioned by ``JSON_VERSION``) and ``github``
(one GitHub Actions ``::error`` annotation per problem shown). Exit code: 0 valid, 1 not.
Reads no files itself: it is handed the outcome of ``load_paths``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest.problems import ManifestProblems
from reconciler.model import DesiredState

SHOWN = 50
JSON_VERSION = 1
FORMATS = ("text", "json", "github")

Write = Callable[[str], object]


@dataclass(frozen=True)
class Outcome:
    """A validation run: its problems (shown first, total counted) or what was valid."""

    files: int
    problems: int
    problem_files: int
    shown: Sequence[Diagnostic]
    state: DesiredState | None = None


def valid(state: DesiredState) -> Outcome:
    return Outcome(len(state.manifests), 0, 0, (), state)


def invalid(error: ManifestError, limit: int | None) -> Outcome:
    """``limit`` problems in file order (all when None) out of every one counted."""
    if isinstance(error, ManifestProblems):
        files = error.files()
        return Outcome(error.files_read, error.total, len(files), error.first(limit))
    every = list(error.diagnostics)
    files = sorted({d.file for d in every if d.file})
    return Outcome(len(files), len(every), len(files), every[:limit])


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def count_line(outcome: Outcome) -> str:
    if outcome.state is None:
        where = f" in {plural(outcome.problem_files, 'file')}" if outcome.problem_files else ""
        return f"{plural(outcome.problems, 'problem')}{where}"
    state = outcome.state
    return (f"Success! {plural(outcome.files, 'file')} valid ("
            f"{plural(len(state.connections), 'connection')}, "
            f"{plural(len(state.acceptances), 'acceptance')}).")


def more_line(outcome: Outcome) -> str | None:
    hidden = outcome.problems - len(outcome.shown)
    if hidden <= 0:
        return None
    return f"... and {plural(hidden, 'more problem')} (fix these first, or run with --all-errors)"


def report(outcome: Outcome, fmt: str, out: Write, err: Write) -> int:
    """Print ``outcome`` in ``fmt``; the exit code."""
    if fmt == "json":
        out(json.dumps(as_json(outcome), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "github":
        _github(outcome, out)
    else:
        _text(outcome, out, err)
    return 0 if outcome.state is not None else 1


def _text(outcome: Outcome, out: Write, err: Write) -> None:
    if outcome.state is not None:
        out(count_line(outcome) + "\n")
        return
    lines = [f"Error: {d.render()}" for d in outcome.shown]
    more = more_line(outcome)
    err("\n".join([*lines, *([more] if more else []), count_line(outcome)]) + "\n")


def as_json(outcome: Outcome) -> dict[str, Any]:
    state = outcome.state
    return {
        "format_version": JSON_VERSION,
        "valid": state is not None,
        "counts": {
            "files": outcome.files,
            "problems": outcome.problems,
            "files_with_problems": outcome.problem_files,
            "connections": None if state is None else len(state.connections),
            "acceptances": None if state is None else len(state.acceptances),
        },
        "diagnostics": [_diagnostic_json(d) for d in outcome.shown],
    }


def _diagnostic_json(diag: Diagnostic) -> dict[str, Any]:
    return {"file": diag.file, "line": diag.line, "column": diag.column, "field": diag.field,
            "message": diag.summary, "detail": diag.detail or None, "hint": diag.hint}


# ------------------------------------------------------------------ GitHub Actions


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF are percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic) -> str:
    props = []
    if diag.file:
        props.append(f"file={escape_property(diag.file)}")
        if diag.line is not None:
            props.append(f"line={diag.line}")
            if diag.column is not None:
                props.append(f"col={diag.column}")
    message = f"{diag.field}: {diag.summary}" if diag.field else diag.summary
    if diag.detail:
        message += f"\n{diag.detail}"
    if diag.hint:
        message += f"\nhint: {diag.hint}"
    head = "::error " + ",".join(props) if props else "::error"
    return f"{head}::{escape_data(message)}"


def _github(outcome: Outcome, out: Write) -> None:
    lines = [annotation(d) for d in outcome.shown]
    more = more_line(outcome)
    if more:
        lines.append(f"::error::{escape_data(more)}")
    out("\n".join([*lines, count_line(outcome)]) + "\n")
