"""How plain YAML scalars read: naming values for users, and where YAML 1.1 and 1.2 disagree.

Owns: ``plain_tag`` (what PyYAML's YAML 1.1 resolver makes of an untagged plain scalar),
``describe`` (a value as an error message names it: ``the boolean false``) and
``yaml12_reading`` (how the YAML 1.2 core schema reads a plain scalar, when that differs from
PyYAML's YAML 1.1 reading: ``no``, ``0123``, ``1e3``). Pure functions; knows nothing about files
or manifests.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_Y12_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_Y12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Y12_INT = re.compile(r"^[-+]?[0-9]+$")
_Y12_OCT = re.compile(r"^0o[0-7]+$")
_Y12_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_Y12_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_Y12_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_Y12_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

#: Every YAML 1.2 core-schema reading other than text starts with one of these characters.
_Y12_NOT_TEXT_START = frozenset("~nNtTfF0123456789+-.")

_TAG_PREFIX = "tag:yaml.org,2002:"
_RESOLVER = Resolver()
#: The first characters of the plain scalars YAML 1.1 may read as other than text (it keys
#: its implicit resolvers by first character; ``None`` there would mean any).
_RESOLVED_FIRST = frozenset(Resolver.yaml_implicit_resolvers)
#: When ``FIRST_DECIDES``, a plain scalar whose first character is not in ``MAYBE_NOT_TEXT``
#: is text to YAML 1.1 and 1.2 alike ("" is in it: the empty scalar is null). A resolver keyed
#: ``None`` would apply to any first character.
FIRST_DECIDES = None not in _RESOLVED_FIRST
MAYBE_NOT_TEXT = frozenset([*_RESOLVED_FIRST, *_Y12_NOT_TEXT_START, ""])


def plain_tag(raw: str) -> str:
    """The short tag (``str``, ``int``, ``bool``, ``null``, ``merge``, ...) YAML 1.1 resolves
    an untagged plain scalar to; most text is told by its first character alone."""
    if FIRST_DECIDES and raw[:1] not in _RESOLVED_FIRST:
        return "str"
    return _resolved(raw)


@functools.lru_cache(maxsize=4096)
def _resolved(raw: str) -> str:
    return str(_RESOLVER.resolve(ScalarNode, raw, (True, False))).removeprefix(_TAG_PREFIX)


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
    if raw and raw[0] not in _Y12_NOT_TEXT_START and isinstance(yaml11_value, str):
        return None  # text to both (the common case, decided without a regular expression)
    if type(yaml11_value) is int and raw.isascii() and raw.isdigit() and (
            raw[0] != "0" or raw == "0"):
        return None  # a plain decimal: the same integer to both
    other = _yaml12_value(raw)
    if type(other) is type(yaml11_value):
        both_nan = isinstance(other, float) and math.isnan(other) and math.isnan(yaml11_value)
        if both_nan or other == yaml11_value:
            return None
    return f"YAML 1.1 reads it as {describe(yaml11_value)}, YAML 1.2 as {describe(other)}"
