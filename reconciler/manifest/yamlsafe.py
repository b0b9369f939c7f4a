"""Hardened YAML reading: bytes of one file → a tree of plain values plus where each came from.

Owns: the YAML dialect manifests may use. Values are built straight from the parser's events
(libyaml's C parser when PyYAML has it, else PyYAML's pure-Python one; both read the same), so
no node tree is kept and every value keeps its line and column. Refused, with a Diagnostic
naming file, line, column and field path: files over ``MAX_BYTES`` (checked before parsing),
nesting deeper than ``MAX_DEPTH``, more than one document, anchors and aliases (so alias bombs
cannot exist), explicit tags of any kind (``!!python/object``, ``!!str``, ``!foo``), merge
keys, non-string and duplicate mapping keys, invalid UTF-8 and characters YAML forbids. The
wording of parser errors lives in ``yamlerrors``.

It also records, per scalar, its raw text, whether it was quoted, and how a YAML 1.2 reader
would read it when that differs from PyYAML's YAML 1.1 reading (``no``, ``0123``, ``1e3``),
so the schema layer can say "must be a string; quote it". It knows nothing about manifests
and never raises anything but ``ManifestError``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest.yamlerrors import (
    Mark,
    OpenState,
    Refused,
    diag,
    from_marked,
    from_reader,
    left_open,
    mark_of,
    not_utf8,
    too_large,
)
from reconciler.manifest.yamlscalars import describe, yaml12_reading

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Mark", "Path", "ScalarInfo", "YamlDocument", "describe",
           "format_path", "load", "too_large", "yaml12_reading"]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

Path = tuple[str | int, ...]

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAG = _TAG_PREFIX + "str"
_CONSTRUCTED_TAGS = frozenset({"null", "bool", "int", "float", "timestamp"})
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_QUOTE_STYLES = ("'", '"')
_FAST = getattr(yaml, "__with_libyaml__", False)


class ScalarInfo(NamedTuple):
    """How a scalar was written. ``yaml12`` is set only when YAML 1.2 would read it otherwise."""

    raw: str
    quoted: bool
    tag: str
    yaml12: str | None = None


@dataclass(frozen=True)
class YamlDocument:
    """One file's tree of plain values with side tables keyed by field path.

    ``dialect`` lists, in file order, the paths of the scalars whose ``yaml12`` is set."""

    file: str
    value: Any
    marks: Mapping[Path, Mark]
    key_marks: Mapping[Path, Mark]
    scalars: Mapping[Path, ScalarInfo]
    dialect: tuple[Path, ...] = field(default=())

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


def load(data: bytes, file: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> YamlDocument:
    """Parse one file's bytes; raises ``ManifestError`` with every problem found."""
    if len(data) > max_bytes:
        raise ManifestError(too_large(file, len(data), max_bytes))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(not_utf8(file, data, exc)) from None
    try:
        return _read(text, file, max_depth)
    except ManifestError:
        raise
    except Refused as exc:
        raise ManifestError(diag(file, exc.mark, exc.summary, hint=exc.hint)) from None
    except yaml.MarkedYAMLError as exc:
        raise ManifestError(from_marked(file, exc)) from None
    except yaml.reader.ReaderError as exc:
        raise ManifestError(from_reader(file, text, exc)) from None
    except Exception as exc:  # whatever PyYAML throws (RecursionError, ...) is still a Diagnostic
        raise ManifestError(diag(file, Mark(1, 1), f"cannot parse YAML: {exc!r}")) from None


def _read(text: str, file: str, max_depth: int) -> YamlDocument:
    if not _FAST:  # pragma: no cover - PyYAML built without libyaml
        return _Reader(yaml.SafeLoader(text), text, file, max_depth).document()
    try:
        return _Reader(yaml._yaml.CParser(text), text, file, max_depth).document()
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):
            # libyaml scans a deep flow collection ahead of the reader; same refusal.
            raise Refused(f"nesting is deeper than {max_depth} levels", exc.problem_mark) from None
    except (yaml.YAMLError, RecursionError):
        pass
    # Read it again: the pure-Python parser words the refusal as it always has.
    return _Reader(yaml.SafeLoader(text), text, file, max_depth).document()


def _refuse_properties(event: Any) -> None:
    if isinstance(event, AliasEvent):
        raise Refused(
            f"aliases are not allowed (*{event.anchor})",
            event.start_mark,
            "write the value out in full; manifests use no anchors or aliases",
        )
    if event.anchor is not None:
        raise Refused(
            f"anchors are not allowed (&{event.anchor})",
            event.start_mark,
            "remove the anchor and write values out in full",
        )
    tag = event.tag
    if tag is not None:
        shown = "!!" + tag.removeprefix(_TAG_PREFIX) if tag.startswith(_TAG_PREFIX) else tag
        raise Refused(
            f"explicit tags are not allowed ({shown})",
            event.start_mark,
            "remove the tag; quote the value if it should be text",
        )


class _Reader:
    """Pulls one document's events from a parser into plain values and side tables, collecting
    every key problem found; the loader's refusals are raised as ``Refused``."""

    def __init__(self, parser: Any, text: str, file: str, max_depth: int):
        self.parser = parser
        self.text = text
        self.open = OpenState()
        self.file = file
        self.max_depth = max_depth
        self.depth = 0
        self.marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        self.scalars: dict[Path, ScalarInfo] = {}
        self.dialect: list[Path] = []
        self.problems: list[Diagnostic] = []
        self.resolver = Resolver()
        self.constructor = SafeConstructor()

    def document(self) -> YamlDocument:
        try:
            value = self.stream()
        except yaml.MarkedYAMLError as exc:
            opened = left_open(self.file, self.text, exc, self.open)  # the same from either parser
            if opened is None:
                raise
            raise ManifestError(opened) from None
        finally:
            self.parser.dispose()
        if self.problems:
            raise ManifestError(self.problems)
        self.marks.setdefault((), Mark(1, 1))
        return YamlDocument(self.file, value, self.marks, self.key_marks, self.scalars,
                            tuple(self.dialect))

    def stream(self) -> Any:
        parser = self.parser
        parser.get_event()  # stream start
        value = None
        if not parser.check_event(StreamEndEvent):
            parser.get_event()  # document start
            value = self.value(parser.get_event(), ())
            parser.get_event()  # document end
        if not parser.check_event(StreamEndEvent):
            raise Refused("a manifest file holds exactly one YAML document",
                          parser.peek_event().start_mark, "put each document in a file of its own")
        return value

    def value(self, event: Any, path: Path) -> Any:
        _refuse_properties(event)
        self.marks[path] = mark_of(event.start_mark)
        if isinstance(event, ScalarEvent):
            return self.scalar(event, path)
        return self.collection(event, path, self.mapping if isinstance(
            event, MappingStartEvent) else self.sequence)

    def collection(self, event: Any, path: Path, build: Any) -> Any:
        self.depth += 1
        flows = self.open.flows
        if event.flow_style:
            kind = "flow mapping" if isinstance(event, MappingStartEvent) else "flow sequence"
            flows.append((kind, event.start_mark))
        try:
            if self.depth > self.max_depth:
                raise Refused(f"nesting is deeper than {self.max_depth} levels", event.start_mark)
            result = build(path)
        finally:
            self.depth -= 1
        if event.flow_style:
            flows.pop()  # only once closed: on an error the open ones stay for left_open
        return result

    def sequence(self, path: Path) -> list[Any]:
        items: list[Any] = []
        get = self.parser.get_event
        event = get()
        while not isinstance(event, SequenceEndEvent):
            items.append(self.value(event, (*path, len(items))))
            event = get()
        return items

    def mapping(self, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        get = self.parser.get_event
        event = get()
        while not isinstance(event, MappingEndEvent):
            key = self.key(event, path)
            if key is None:
                self.skip(get())
                event = get()
                continue
            child: Path = (*path, key)
            if key in result:
                first = self.key_marks[child]
                self.problem(event, child, f"duplicate key '{key}'",
                             detail=f"first defined at line {first.line}",
                             hint="remove one of them; YAML would silently keep only one")
                self.skip(get())
            else:
                self.key_marks[child] = mark_of(event.start_mark)
                result[key] = self.value(get(), child)
            event = get()
        return result

    def skip(self, event: Any) -> None:
        """Consume a value that is reported rather than kept (still refusing what it holds)."""
        _refuse_properties(event)
        if isinstance(event, ScalarEvent):
            return
        self.collection(event, (), self._skip_items)

    def _skip_items(self, _path: Path) -> None:
        get = self.parser.get_event
        event = get()
        while not isinstance(event, MappingEndEvent | SequenceEndEvent):
            self.skip(event)
            event = get()

    def key(self, event: Any, path: Path) -> str | None:
        if not isinstance(event, ScalarEvent):
            self.skip(event)
            self.problem(event, path, "mapping keys must be strings, not a mapping or a list")
            return None
        _refuse_properties(event)
        raw = event.value
        tag = self.tag(event)
        if tag == "merge":
            self.problem(event, path, "merge keys (<<) are not allowed",
                         hint="write the keys out in full")
            return None
        if tag != "str":
            value = self.construct(event, tag, path)
            self.problem(event, path, f"mapping key '{raw}' must be a string; quote it",
                         detail=f"YAML reads the unquoted key as {describe(value)}",
                         hint=f'write "{raw}": instead')
            return None
        if _plain(event) and yaml12_reading(raw, raw) is not None:
            self.problem(event, path, f"mapping key '{raw}' is not text in YAML 1.2; quote it",
                         hint=f'write "{raw}": instead')
            return None
        return str(raw)

    def tag(self, event: ScalarEvent) -> str:
        """The short tag (``str``, ``int``, ...) YAML 1.1 resolves an untagged scalar to."""
        if not _plain(event):
            return "str"
        return str(self.resolver.resolve(ScalarNode, event.value, event.implicit)
                   ).removeprefix(_TAG_PREFIX)

    def scalar(self, event: Any, path: Path) -> Any:
        raw = str(event.value)
        tag = self.tag(event)
        constructed = tag in _CONSTRUCTED_TAGS
        value: Any = self.construct(event, tag, path) if constructed else raw
        plain = _plain(event)
        if event.style in _QUOTE_STYLES and event.end_mark.line > event.start_mark.line:
            self.open.quoted = (event.style, event.start_mark, event.end_mark)
        other = yaml12_reading(raw, value) if plain else None
        if other is not None:
            self.dialect.append(path)
        self.scalars[path] = ScalarInfo(raw, not plain, tag if constructed else "str", other)
        return value

    def construct(self, event: Any, tag: str, path: Path) -> Any:
        full = _TAG_PREFIX + tag
        node = ScalarNode(full, event.value, event.start_mark, event.end_mark)
        try:
            return SafeConstructor.yaml_constructors[full](self.constructor, node)
        except (KeyError, ValueError, TypeError, OverflowError, yaml.YAMLError):
            self.problem(event, path, f"cannot read '{event.value[:40]}' as a YAML {tag}",
                         hint="quote it if it is text")
            return event.value

    def problem(self, event: Any, path: Path, summary: str, *, detail: str = "",
                hint: str | None = None) -> None:
        self.problems.append(diag(self.file, mark_of(event.start_mark), summary,
                                  field=format_path(path), detail=detail, hint=hint))


def _plain(event: ScalarEvent) -> bool:
    """Written without quotes or a block indicator (libyaml says "" for that, PyYAML None)."""
    return not event.style
