"""Why a file could not be read as YAML, said as a ``Diagnostic`` naming file, line and column.

Owns: the wording of every refusal that happens before there is a tree of values: files over
the size cap, bytes that are not UTF-8, characters YAML forbids, and the parser's own errors
(PyYAML's and libyaml's). A flow collection (``{`` / ``[``) or a quoted string left open is
reported where it was opened, with where the parser gave up in the message, because the end
of the file is rarely where the mistake is. Knows nothing about manifests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from reconciler.errors import Diagnostic


class Mark(NamedTuple):
    """A 1-based line and column in the file."""

    line: int
    column: int


def mark_of(yaml_mark: Any) -> Mark:
    """PyYAML's 0-based mark (or None) as a 1-based ``Mark``."""
    if yaml_mark is None:
        return Mark(1, 1)
    return Mark(yaml_mark.line + 1, yaml_mark.column + 1)


class Refused(Exception):
    """The loader's own refusal (anchors, tags, depth, documents), located."""

    def __init__(self, summary: str, mark: Any, hint: str | None = None):
        super().__init__(summary)
        self.summary = summary
        self.mark = mark_of(mark)
        self.hint = hint


def diag(file: str, mark: Mark, summary: str, *, field: str | None = None, detail: str = "",
         hint: str | None = None) -> Diagnostic:
    return Diagnostic(summary, detail, file, mark.line, mark.column, field or None, hint)


def too_large(file: str, size: int, max_bytes: int) -> Diagnostic:
    return Diagnostic(
        f"file is too large ({size} bytes; the limit is {max_bytes})",
        file=file,
        line=1,
        column=1,
        hint="split the manifests into several files",
    )


def not_utf8(file: str, data: bytes, exc: UnicodeDecodeError) -> Diagnostic:
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    return Diagnostic(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})", file=file,
                      line=line, column=column, hint="save the file as UTF-8")


def from_reader(file: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    before = text[: exc.position]
    mark = Mark(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return diag(file, mark, f"character U+{ord(char):04X} is not allowed in YAML")


# ------------------------------------------------------------------ left open

_CLOSERS = {"flow mapping": "}", "flow sequence": "]"}
_QUOTES = {"'": "single-quoted", '"': "double-quoted"}


@dataclass
class OpenState:
    """What the reader had open when the parser stopped: the start events of the collections
    not yet closed, innermost last (the flow ones, ``{``/``[``, are what ``left_open`` looks
    at), and the last quoted string read that spans lines."""

    opened: list[Any] = field(default_factory=list)
    quoted: tuple[str, Any, Any] | None = None  # (quote, start mark, end mark)


def left_open(file: str, text: str, exc: yaml.MarkedYAMLError,
              state: OpenState) -> Diagnostic | None:
    """A flow collection or quoted string opened and never closed, if that explains ``exc``;
    located where it was opened. Only marks are used, so libyaml and PyYAML read the same."""
    stopped = exc.problem_mark or exc.context_mark
    if stopped is None:
        return None
    where = f"{stopped.line + 1}:{stopped.column + 1}"
    if (exc.context or "") == "while scanning a quoted scalar" and exc.context_mark is not None:
        return _open_quote(file, text, exc.context_mark, where, stopped, exc.problem or "")
    if state.quoted is not None and _runs_into(state.quoted, stopped):
        return _quote_closed_late(file, state.quoted, where)
    flows = [event for event in state.opened if event.flow_style]
    if flows and (_at_end(text, stopped.index)
                  or (exc.context or "").startswith("while parsing a flow")):
        event = flows[-1]
        kind = "flow mapping" if isinstance(event, yaml.MappingStartEvent) else "flow sequence"
        return _open_flow(file, text, kind, event.start_mark, stopped, where)
    return None


def _at_end(text: str, index: int) -> bool:
    return not text[index:].strip()


def _open_quote(file: str, text: str, opened: Any, where: str, stopped: Any,
                problem: str) -> Diagnostic | None:
    quote = text[opened.index] if opened.index < len(text) else '"'
    kind = _QUOTES.get(quote, "quoted")
    if _at_end(text, stopped.index):
        found = f"found end of file at {where}"
    elif "document separator" in problem:
        found = f"found a document separator at {where}"
    else:
        return None
    return diag(file, mark_of(opened), f"{kind} string opened here is never closed ({found})",
                hint=f"add the closing {quote}")


def _runs_into(quoted: tuple[str, Any, Any], stopped: Any) -> bool:
    """The parser stopped on the line where a string spanning lines ended: the string's own
    closing quote is likely missing and it swallowed text up to the next string's opening one."""
    _, start, end = quoted
    return end.line > start.line and stopped.line == end.line


def _quote_closed_late(file: str, quoted: tuple[str, Any, Any], where: str) -> Diagnostic:
    quote, start, end = quoted
    return diag(file, mark_of(start),
                f"{_QUOTES[quote]} string opened here is not closed on its line: it runs on to "
                f"{end.line + 1}:{end.column}, and the YAML is invalid at {where}",
                hint=f"add the closing {quote} on line {start.line + 1}")


def _open_flow(file: str, text: str, kind: str, opened: Any, stopped: Any,
               where: str) -> Diagnostic | None:
    closer = _CLOSERS[kind]
    if _at_end(text, stopped.index):
        return diag(file, mark_of(opened), f"{kind} opened here is never closed (found end of "
                    f"file at {where})", hint=f"add the closing '{closer}'")
    if stopped.line == opened.line:
        return None  # a mistake inside a one-line collection: the parser's own words say it
    return diag(file, mark_of(opened), f"{kind} opened here is not closed: expected ',' or "
                f"'{closer}' at {where}", hint=f"add the closing '{closer}' where the {kind} ends")


def from_marked(file: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    """A parser error (other than ``left_open``), located where the parser stopped."""
    mark = mark_of(exc.problem_mark or exc.context_mark)
    problem = exc.problem or "invalid YAML"
    summary = f"invalid YAML: {exc.context}, {problem}" if exc.context else f"invalid YAML: {problem}"
    hint = None
    if "'\\t'" in problem or "\t" in problem:
        hint = "replace the tab with spaces; YAML does not allow tabs for indentation"
    return diag(file, mark, summary, hint=hint)
