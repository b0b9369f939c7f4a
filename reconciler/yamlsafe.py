"""Hardened YAML reading: bytes of one file → a tree of plain values plus where each came from.

Owns: the YAML dialect manifests may use. Built on PyYAML's pure-Python composer (not its
constructor) so every node keeps its line and column. Refused, with a Diagnostic naming file,
line, column and field path: files over ``MAX_BYTES`` (checked before parsing), nesting deeper
than ``MAX_DEPTH``, more than one document, anchors and aliases (so alias bombs cannot exist),
explicit tags of any kind (``!!python/object``, ``!!str``, ``!foo``), merge keys, non-string
and duplicate mapping keys, invalid UTF-8 and characters YAML forbids.

It also records, per scalar, its raw text, whether it was quoted, and how a YAML 1.2 reader
would read it when that differs from PyYAML's YAML 1.1 reading (``no``, ``0123``, ``1e3``),
so the schema layer can say "must be a string; quote it". It knows nothing about manifests
and never raises anything but ``ManifestError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent, ScalarEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from reconciler.errors import Diagnostic, ManifestError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

Path = tuple[str | int, ...]

_TAG_PREFIX = "tag:yaml.org,2002:"
_CONSTRUCTED_TAGS = frozenset({"null", "bool", "int", "float", "timestamp"})
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based line and column in the file."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ScalarInfo:
    """How a scalar was written. ``yaml12`` is set only when YAML 1.2 would read it otherwise."""

    raw: str
    quoted: bool
    tag: str
    yaml12: str | None = None


@dataclass(frozen=True)
class YamlDocument:
    """One file's tree of plain values with side tables keyed by field path."""

    file: str
    value: Any
    marks: Mapping[Path, Mark]
    key_marks: Mapping[Path, Mark]
    scalars: Mapping[Path, ScalarInfo]

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """Where ``path`` is written (its key when ``key``), else its nearest known ancestor."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        for end in range(len(path), -1, -1):
            if path[:end] in self.marks:
                return self.marks[path[:end]]
        return Mark(1, 1)


def format_path(path: Path) -> str:
    """``("connections", 2, "billing")`` → ``connections[2].billing``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _SIMPLE_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


def describe(value: Any) -> str:
    """A value as a user would name it in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return "text"
    return "a " + ("mapping" if isinstance(value, dict) else "list")


class _Refused(Exception):
    def __init__(self, summary: str, mark: Any, hint: str | None = None):
        super().__init__(summary)
        self.summary = summary
        self.mark = _mark(mark)
        self.hint = hint


def _mark(yaml_mark: Any) -> Mark:
    if yaml_mark is None:
        return Mark(1, 1)
    return Mark(yaml_mark.line + 1, yaml_mark.column + 1)


_FAST = getattr(yaml, "__with_libyaml__", False)

if _FAST:
    # libyaml's scanner and parser (C) feed PyYAML's own composer (Python), so the checks in
    # ``compose_node`` below still see every event: about 7x faster on large manifests.
    # A document libyaml refuses is parsed again in pure Python (``_compose``), so what is
    # accepted and how a refusal reads never depend on whether libyaml is installed.
    class _Base(yaml._yaml.CParser, Composer, SafeConstructor, Resolver):
        def __init__(self, text: str):
            yaml._yaml.CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        def dispose(self) -> None:
            yaml._yaml.CParser.dispose(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader  # type: ignore[misc,assignment]


class _StrictCheck:
    """PyYAML's composer with node properties refused and nesting bounded (a mixin)."""

    peek_event: Any  # provided by the parser the loader mixes this with

    def __init__(self, text: str, max_depth: int):
        super().__init__(text)  # type: ignore[call-arg]
        self._max_depth = max_depth
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        _refuse_properties(event)
        if isinstance(event, ScalarEvent) and event.style == "":
            event.style = None  # libyaml says "" for a plain scalar; PyYAML says None
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)  # type: ignore[misc]
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise _Refused(f"nesting is deeper than {self._max_depth} levels", event.start_mark)
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _StrictLoader(_StrictCheck, _Base):
    pass


class _PureStrictLoader(_StrictCheck, yaml.SafeLoader):
    pass


def _refuse_properties(event: Any) -> None:
    if isinstance(event, AliasEvent):
        raise _Refused(
            f"aliases are not allowed (*{event.anchor})",
            event.start_mark,
            "write the value out in full; manifests use no anchors or aliases",
        )
    if isinstance(event, NodeEvent) and event.anchor is not None:
        raise _Refused(
            f"anchors are not allowed (&{event.anchor})",
            event.start_mark,
            "remove the anchor and write values out in full",
        )
    tag = getattr(event, "tag", None)
    if tag is not None:
        shown = "!!" + tag.removeprefix(_TAG_PREFIX) if tag.startswith(_TAG_PREFIX) else tag
        raise _Refused(
            f"explicit tags are not allowed ({shown})",
            event.start_mark,
            "remove the tag; quote the value if it should be text",
        )


def load(data: bytes, file: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> YamlDocument:
    """Parse one file's bytes; raises ``ManifestError`` with every problem found."""
    if len(data) > max_bytes:
        raise ManifestError(too_large(file, len(data), max_bytes))
    text = _decode(data, file)
    try:
        return _Builder(file).document(_compose(text, max_depth))
    except ManifestError:
        raise
    except _Refused as exc:
        raise ManifestError(_diag(file, exc.mark, exc.summary, hint=exc.hint)) from None
    except yaml.MarkedYAMLError as exc:
        raise ManifestError(_from_marked(file, exc)) from None
    except yaml.reader.ReaderError as exc:
        raise ManifestError(_from_reader(file, text, exc)) from None
    except Exception as exc:  # whatever PyYAML throws (RecursionError, ...) is still a Diagnostic
        raise ManifestError(_diag(file, Mark(1, 1), f"cannot parse YAML: {exc!r}")) from None


def too_large(file: str, size: int, max_bytes: int) -> Diagnostic:
    return Diagnostic(
        f"file is too large ({size} bytes; the limit is {max_bytes})",
        file=file,
        line=1,
        column=1,
        hint="split the manifests into several files",
    )


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ManifestError(
            Diagnostic(
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                file=file,
                line=line,
                column=column,
                hint="save the file as UTF-8",
            )
        ) from None


def _compose(text: str, max_depth: int) -> Node | None:
    if _FAST:
        try:
            return _compose_with(_StrictLoader(text, max_depth))
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):
                # libyaml scans a deep flow collection ahead of our composer; same refusal.
                raise _Refused(f"nesting is deeper than {max_depth} levels",
                               exc.problem_mark) from None
        except (yaml.YAMLError, RecursionError):
            pass
        # Read it again: the pure-Python parser words the refusal as it always has.
    return _compose_with(_PureStrictLoader(text, max_depth))


def _compose_with(loader: Any) -> Node | None:
    try:
        loader.get_event()
        node = None
        if not loader.check_event(StreamEndEvent):
            node = loader.compose_document()
        if not loader.check_event(StreamEndEvent):
            raise _Refused(
                "a manifest file holds exactly one YAML document",
                getattr(loader.peek_event(), "start_mark", None),
                "put each document in a file of its own",
            )
        return node
    finally:
        loader.dispose()


def _diag(file: str, mark: Mark, summary: str, *, field: str | None = None, detail: str = "",
          hint: str | None = None) -> Diagnostic:
    return Diagnostic(summary, detail, file, mark.line, mark.column, field or None, hint)


def _from_marked(file: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = _mark(exc.problem_mark or exc.context_mark)
    problem = exc.problem or "invalid YAML"
    summary = f"invalid YAML: {exc.context}, {problem}" if exc.context else f"invalid YAML: {problem}"
    hint = None
    if "'\\t'" in problem or "\t" in problem:
        hint = "replace the tab with spaces; YAML does not allow tabs for indentation"
    return _diag(file, mark, summary, hint=hint)


def _from_reader(file: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    before = text[: exc.position]
    mark = Mark(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return _diag(file, mark, f"character U+{ord(char):04X} is not allowed in YAML")


class _Builder:
    """Walks composed nodes into plain values, collecting every key problem found."""

    def __init__(self, file: str):
        self.file = file
        self.marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        self.scalars: dict[Path, ScalarInfo] = {}
        self.problems: list[Diagnostic] = []
        self._constructor = SafeConstructor()

    def document(self, node: Node | None) -> YamlDocument:
        self.marks[()] = Mark(1, 1)
        value = None if node is None else self.value(node, ())
        if self.problems:
            raise ManifestError(self.problems)
        return YamlDocument(self.file, value, self.marks, self.key_marks, self.scalars)

    def value(self, node: Node, path: Path) -> Any:
        self.marks[path] = _mark(node.start_mark)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in result:
                first = self.key_marks[child]
                self.problem(key_node, child, f"duplicate key '{key}'",
                             detail=f"first defined at line {first.line}",
                             hint="remove one of them; YAML would silently keep only one")
                continue
            self.key_marks[child] = _mark(key_node.start_mark)
            result[key] = self.value(value_node, child)
        return result

    def key(self, node: Node, path: Path) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, path, "mapping keys must be strings, not a mapping or a list")
            return None
        tag = node.tag.removeprefix(_TAG_PREFIX)
        if tag == "merge":
            self.problem(node, path, "merge keys (<<) are not allowed",
                         hint="write the keys out in full")
            return None
        if tag != "str":
            value = self.construct(node, path)
            self.problem(node, path, f"mapping key '{node.value}' must be a string; quote it",
                         detail=f"YAML reads the unquoted key as {describe(value)}",
                         hint=f'write "{node.value}": instead')
            return None
        if node.style is None and yaml12_reading(node.value, node.value) is not None:
            self.problem(node, path, f"mapping key '{node.value}' is not text in YAML 1.2; quote it",
                         hint=f'write "{node.value}": instead')
            return None
        return str(node.value)

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        tag = node.tag.removeprefix(_TAG_PREFIX)
        raw = str(node.value)
        value: Any = self.construct(node, path) if tag in _CONSTRUCTED_TAGS else raw
        quoted = node.style is not None
        other = None if quoted else yaml12_reading(raw, value)
        self.scalars[path] = ScalarInfo(raw, quoted, tag if tag in _CONSTRUCTED_TAGS else "str", other)
        return value

    def construct(self, node: ScalarNode, path: Path) -> Any:
        try:
            return self._constructor.construct_object(node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            kind = node.tag.removeprefix(_TAG_PREFIX)
            self.problem(node, path, f"cannot read '{node.value[:40]}' as a YAML {kind}",
                         hint="quote it if it is text")
            return node.value

    def problem(self, node: Node, path: Path, summary: str, *, detail: str = "",
                hint: str | None = None) -> None:
        self.problems.append(_diag(self.file, _mark(node.start_mark), summary,
                                   field=format_path(path), detail=detail, hint=hint))


_Y12_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_Y12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Y12_INT = re.compile(r"^[-+]?[0-9]+$")
_Y12_OCT = re.compile(r"^0o[0-7]+$")
_Y12_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_Y12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_Y12_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_Y12_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def _yaml12_value(raw: str) -> Any:
    """A plain scalar as the YAML 1.2 core schema reads it."""
    if _Y12_NULL.match(raw):
        return None
    if _Y12_BOOL.match(raw):
        return raw.lower() == "true"
    try:
        if _Y12_INT.match(raw):
            return int(raw)
        if _Y12_OCT.match(raw):
            return int(raw[2:], 8)
        if _Y12_HEX.match(raw):
            return int(raw[2:], 16)
    except ValueError:
        return 0
    if _Y12_FLOAT.match(raw):
        return float(raw)
    if _Y12_INF.match(raw):
        return -math.inf if raw.startswith("-") else math.inf
    if _Y12_NAN.match(raw):
        return math.nan
    return raw


def yaml12_reading(raw: str, yaml11_value: Any) -> str | None:
    """How YAML 1.1 and 1.2 differ on a plain scalar, or None when they agree."""
    other = _yaml12_value(raw)
    if type(other) is type(yaml11_value):
        both_nan = isinstance(other, float) and math.isnan(other) and math.isnan(yaml11_value)
        if both_nan or other == yaml11_value:
            return None
    return f"YAML 1.1 reads it as {describe(yaml11_value)}, YAML 1.2 as {describe(other)}"
