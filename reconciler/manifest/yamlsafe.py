"""Hardened YAML reading: bytes of one file → a tree of plain values plus where each came from.

Owns: the YAML dialect manifests may use. Values are built straight from the parser's events
(libyaml's C parser when PyYAML has it, else PyYAML's pure-Python one; both read the same), so
no node tree is kept and every value keeps its line and column. Refused, with a Diagnostic
naming file, line, column and field path: files over ``MAX_BYTES`` (checked before parsing),
nesting deeper than ``MAX_DEPTH``, more than one document, anchors and aliases (so alias bombs
cannot exist), explicit tags of any kind (``!!python/object``, ``!!str``, ``!foo``), merge
keys, non-string and duplicate mapping keys, invalid UTF-8 and characters YAML forbids. The
wording of parser errors lives in ``yamlerrors``, the shape of what is read in ``yamldoc``.

It also records, per scalar, its raw text, whether it was quoted, and how a YAML 1.2 reader
would read it when that differs from PyYAML's YAML 1.1 reading (``no``, ``0123``, ``1e3``),
so the schema layer can say "must be a string; quote it". It knows nothing about manifests
and never raises anything but ``ManifestError``.
"""

from __future__ import annotations

import gc
from typing import Any

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

from reconciler.errors import Diagnostic, ManifestError
from reconciler.manifest.yamldoc import (
    Kept,
    Path,
    ScalarInfo,
    YamlDocument,
    format_path,
    scalar_info,
)
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
from reconciler.manifest.yamlscalars import (
    FIRST_DECIDES,
    MAYBE_NOT_TEXT,
    describe,
    plain_tag,
    yaml12_reading,
)

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Mark", "Path", "ScalarInfo", "YamlDocument", "describe",
           "format_path", "load", "too_large", "yaml12_reading"]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

_TAG_PREFIX = "tag:yaml.org,2002:"
_CONSTRUCTED_TAGS = frozenset({"null", "bool", "int", "float", "timestamp"})
_QUOTE_STYLES = ("'", '"')
_FAST = getattr(yaml, "__with_libyaml__", False)
_new_info = tuple.__new__  # a ScalarInfo without a Python-level __new__ per scalar


def load(data: bytes, file: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> YamlDocument:
    """Parse one file's bytes; raises ``ManifestError`` with every problem found."""
    if len(data) > max_bytes:
        raise ManifestError(too_large(file, len(data), max_bytes))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(not_utf8(file, data, exc)) from None
    collecting = gc.isenabled()
    gc.disable()  # the values read are acyclic; collector passes over the growing tree are waste
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
    finally:
        if collecting:
            gc.enable()


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
    every key problem found; the loader's refusals are raised as ``Refused``.

    It runs once per event of a file that may hold 300,000 of them, so the common cases are
    decided without calls: exact event types, properties checked only when present, marks
    kept as the parser made them, keys already seen valid remembered."""

    def __init__(self, parser: Any, text: str, file: str, max_depth: int):
        self.parser = parser
        self.text = text
        self.open = OpenState()
        self.file = file
        self.max_depth = max_depth
        self.opened = self.open.opened  # start events of the collections being read
        self.marks: dict[Path, Any] = {}
        self.key_marks: dict[Path, Any] = {}
        self.scalars: dict[Path, ScalarInfo | str] = {}  # str: plain, read as text by both
        self.dialect: list[Path] = []
        self.problems: list[Diagnostic] = []
        self.constructor = SafeConstructor()
        self.plain_keys: set[str] = set()  # plain keys already found to be text in 1.1 and 1.2

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
        self.marks.setdefault((), None)  # mark_of(None) is 1:1
        return YamlDocument(self.file, value, Kept(self.marks, mark_of),
                            Kept(self.key_marks, mark_of), Kept(self.scalars, scalar_info),
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
        if event.anchor is not None or event.tag is not None:
            _refuse_properties(event)  # an alias always has an anchor (and no tag): refused here
        self.marks[path] = event.start_mark
        if type(event) is ScalarEvent:
            return self.scalar(event, path)
        opened = self.opened
        opened.append(event)
        if len(opened) > self.max_depth:
            raise Refused(f"nesting is deeper than {self.max_depth} levels", event.start_mark)
        result = self.mapping(path) if type(event) is MappingStartEvent else self.sequence(path)
        opened.pop()  # only once closed: on an error the open ones stay for left_open
        return result

    def sequence(self, path: Path) -> list[Any]:
        items: list[Any] = []
        append, value, get = items.append, self.value, self.parser.get_event
        event = get()
        index = 0
        while type(event) is not SequenceEndEvent:
            append(value(event, path + (index,)))  # noqa: RUF005 - twice as fast as (*p, i)
            index += 1
            event = get()
        return items

    def mapping(self, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        get, key_marks, plain_keys = self.parser.get_event, self.key_marks, self.plain_keys
        event = get()
        while type(event) is not MappingEndEvent:
            key = event.value if (type(event) is ScalarEvent and event.anchor is None
                                  and event.tag is None
                                  and (event.style or event.value in plain_keys)) \
                else self.key(event, path)
            if key is None:
                self.skip(get())
                event = get()
                continue
            child: Path = path + (key,)  # noqa: RUF005 - as in sequence
            if key in result:
                first = mark_of(key_marks[child])
                self.problem(event, child, f"duplicate key '{key}'",
                             detail=f"first defined at line {first.line}",
                             hint="remove one of them; YAML would silently keep only one")
                self.skip(get())
            else:
                key_marks[child] = event.start_mark
                result[key] = self.value(get(), child)
            event = get()
        return result

    def skip(self, event: Any) -> None:
        """Consume a value that is reported rather than kept (still refusing what it holds)."""
        _refuse_properties(event)
        if isinstance(event, ScalarEvent):
            return
        self.opened.append(event)
        if len(self.opened) > self.max_depth:
            raise Refused(f"nesting is deeper than {self.max_depth} levels", event.start_mark)
        get = self.parser.get_event
        inner = get()
        while not isinstance(inner, MappingEndEvent | SequenceEndEvent):
            self.skip(inner)
            inner = get()
        self.opened.pop()

    def key(self, event: Any, path: Path) -> str | None:
        """A key the fast path in ``mapping`` did not accept: checked in full, problems noted."""
        if not isinstance(event, ScalarEvent):
            self.skip(event)
            self.problem(event, path, "mapping keys must be strings, not a mapping or a list")
            return None
        _refuse_properties(event)
        raw = event.value
        tag = _tag(event)
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
        if _plain(event):
            if yaml12_reading(raw, raw) is not None:
                self.problem(event, path, f"mapping key '{raw}' is not text in YAML 1.2; quote it",
                             hint=f'write "{raw}": instead')
                return None
            self.plain_keys.add(raw)
        return str(raw)

    def scalar(self, event: Any, path: Path) -> Any:
        raw = event.value
        if not event.style:
            if FIRST_DECIDES and raw[:1] not in MAYBE_NOT_TEXT:  # text to 1.1 and 1.2
                self.scalars[path] = raw
                return raw
            return self.plain(event, raw, path)
        if event.style in _QUOTE_STYLES and event.end_mark.line > event.start_mark.line:
            self.open.quoted = (event.style, event.start_mark, event.end_mark)
        self.scalars[path] = _new_info(ScalarInfo, (raw, True, "str", None))
        return raw

    def plain(self, event: Any, raw: str, path: Path) -> Any:
        """A plain scalar that may be other than text in YAML 1.1 or 1.2."""
        tag = plain_tag(raw)
        value: Any = raw
        constructed = tag in _CONSTRUCTED_TAGS
        if constructed:
            value = _decimal(raw) if tag == "int" else None
            if value is None:
                value = self.construct(event, tag, path)
        other = yaml12_reading(raw, value)
        if other is not None:
            self.dialect.append(path)
        self.scalars[path] = _new_info(ScalarInfo, (raw, False, tag if constructed else "str",
                                                    other))
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


def _tag(event: ScalarEvent) -> str:
    """The short tag (``str``, ``int``, ...) YAML 1.1 resolves an untagged scalar to."""
    return plain_tag(event.value) if _plain(event) else "str"


def _decimal(raw: str) -> int | None:
    """A plain decimal without sign, underscores or leading zero, as SafeConstructor reads it."""
    if len(raw) < 19 and raw.isascii() and raw.isdigit() and (raw[0] != "0" or raw == "0"):
        return int(raw)
    return None
