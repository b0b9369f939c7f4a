"""What reading one YAML file gives: a tree of plain values and side tables keyed by field path.

Owns: ``YamlDocument`` (the values, where each is written, how each scalar was written, which
scalars YAML 1.1 and 1.2 read differently), ``ScalarInfo``, field paths and how they are shown
(``format_path``). The side tables are ``Kept`` views: the reader stores what is cheapest to
store (the parser's own mark objects, a scalar read as text as its text) and a value is made
only when it is looked up, so a file of 150,000 entries costs no ``Mark`` or ``ScalarInfo``
per value. Knows nothing about parsing or manifests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from reconciler.manifest.yamlerrors import Mark

Path = tuple[str | int, ...]

_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class ScalarInfo(NamedTuple):
    """How a scalar was written. ``yaml12`` is set only when YAML 1.2 would read it otherwise."""

    raw: str
    quoted: bool
    tag: str
    yaml12: str | None = None


@dataclass(frozen=True)
class YamlDocument:
    """One file's tree of plain values with side tables keyed by field path.

    ``dialect`` lists, in file order, the paths of the scalars whose ``yaml12`` is set.
    The side tables make their values when read (see ``Kept``)."""

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


class Kept(Mapping[Path, Any]):
    """Field path → a value made only when looked up (``make``) from what the reader kept
    cheaply: for marks the parser's own mark objects (both parsers' carry 0-based ``line`` and
    ``column``), for scalars read as text just their text. A file of 150,000 entries then
    costs no ``Mark`` or ``ScalarInfo`` per value, and only those shown are made."""

    __slots__ = ("_kept", "_make")

    def __init__(self, kept: dict[Path, Any], make: Callable[[Any], Any]):
        self._kept = kept
        self._make = make

    def __getitem__(self, path: Path) -> Any:
        return self._make(self._kept[path])

    def __contains__(self, path: object) -> bool:
        return path in self._kept

    def __iter__(self) -> Iterator[Path]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)


def scalar_info(kept: ScalarInfo | str) -> ScalarInfo:
    return kept if isinstance(kept, ScalarInfo) else ScalarInfo(kept, False, "str")


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
