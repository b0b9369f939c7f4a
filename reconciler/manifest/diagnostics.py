"""Schema problems as Diagnostics a user can act on.

Owns: turning pydantic's validation errors into ``Diagnostic`` values that name the file,
line, column and field path (``connections[2].billing.reservation_length``), with the
YAML-specific explanations ("must be a string; quote it") and did-you-mean hints; and the
diagnostics for plain scalars that YAML 1.1 and 1.2 read differently. pydantic's error
shapes stay inside this module. Must not read files or decide what is valid.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from reconciler.errors import Diagnostic
from reconciler.manifest.models import PATTERN_HELP, ManifestSpec, did_you_mean
from reconciler.manifest.yamlsafe import Path, ScalarInfo, YamlDocument, describe, format_path


def at(doc: YamlDocument, path: Path, summary: str, *, key: bool = False, detail: str = "",
       hint: str | None = None) -> Diagnostic:
    """A diagnostic located at ``path`` in ``doc`` (its key when ``key``)."""
    return located(doc, path, summary, key=key, detail=detail, hint=hint)


def located(doc: YamlDocument, path: Path, summary: str, *, key: bool = False, detail: str = "",
            hint: str | None = None, field_path: str | None = None) -> Diagnostic:
    """Like ``at``, naming ``field_path`` (default: ``path``) as the field."""
    mark = doc.mark(path, key=key)
    name = format_path(path) if field_path is None else field_path
    return Diagnostic(summary, detail, doc.file, mark.line, mark.column, name or None, hint)


def schema_diagnostics(doc: YamlDocument, error: ValidationError,
                       root: type[BaseModel] = ManifestSpec, prefix: Path = ()) -> list[Diagnostic]:
    """Every error of one pydantic validation, located in ``doc``."""
    return schema_problems(doc, error, root, prefix)[0]


def schema_problems(doc: YamlDocument, error: ValidationError, root: type[BaseModel] = ManifestSpec,
                    prefix: Path = ()) -> tuple[list[Diagnostic], set[Path]]:
    """``schema_diagnostics`` and the paths they are about, from one reading of the errors."""
    found, paths = [], set()
    for err in error.errors(include_url=False):
        path = (*prefix, *err["loc"])
        paths.add(path)
        found.append(_translate(doc, path, err, root, prefix))
    return found, paths


def error_paths(error: ValidationError, prefix: Path = ()) -> set[Path]:
    return {(*prefix, *err["loc"]) for err in error.errors(include_url=False)}


def _translate(doc: YamlDocument, path: Path, err: Any, root: type[BaseModel],
               prefix: Path) -> Diagnostic:
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_field(doc, path, root, prefix)
    if kind == "missing":
        return located(doc, path[:-1], f"missing required field '{path[-1]}'",
                       field_path=format_path(path))
    if path and path[-1] == "[key]":
        summary, detail, hint = _explain(kind, err, None, path[:-1])
        return at(doc, path[:-1], f"key {summary}", key=True, detail=detail, hint=hint)
    summary, detail, hint = _explain(kind, err, doc.scalars.get(path), path)
    return at(doc, path, summary, detail=detail, hint=hint)


def _unknown_field(doc: YamlDocument, path: Path, root: type[BaseModel], prefix: Path) -> Diagnostic:
    name = str(path[-1])
    model = model_at(root, path[len(prefix):-1])
    allowed = tuple(model.model_fields) if model else ()
    return at(doc, path, f"unknown field '{name}'", key=True, hint=_unknown_field_hint(name, allowed))


@functools.lru_cache(maxsize=512)
def _unknown_field_hint(name: str, allowed: tuple[str, ...]) -> str | None:
    """Cached: a flood of one misspelt key must not run difflib once per entry."""
    hint = did_you_mean(name, allowed)
    if hint is None and allowed:
        hint = "allowed fields: " + ", ".join(allowed)
    return hint


def _explain(kind: str, err: Any, info: ScalarInfo | None,
             path: Path) -> tuple[str, str, str | None]:
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind in ("choice", "cidr"):
        return ctx["message"], "", ctx.get("hint")
    if kind == "null_not_allowed":
        return _null(info)
    if kind == "string_type":
        return _not_text(value, info, path)
    if kind in ("int_type", "bool_type"):
        return _wrong_scalar(kind, value, info)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping, not {describe(value)}", "", None
    if kind == "list_type":
        return f"must be a list, not {describe(value)}", "", None
    return _constraint(kind, value, ctx, err["msg"])


def _null(info: ScalarInfo | None) -> tuple[str, str, str | None]:
    if info is None or info.raw == "":
        return "must not be empty", "", "give it a value or remove the key"
    return "must not be null", f"YAML reads the unquoted {info.raw!r} as null", \
        f'quote it if it is text: "{info.raw}"'


def _not_text(value: Any, info: ScalarInfo | None, path: Path) -> tuple[str, str, str | None]:
    if isinstance(value, dict | list) or info is None:
        return f"must be a string, not {describe(value)}", "", None
    if info.quoted:
        return "must be a string", "", None
    key = f"{path[-1]}: " if isinstance(path[-1], str) else ""
    return ("must be a string; quote it",
            f"YAML reads the unquoted {info.raw!r} as {describe(value)}",
            f'write {key}"{info.raw}"')


def _wrong_scalar(kind: str, value: Any, info: ScalarInfo | None) -> tuple[str, str, str | None]:
    wanted = "an integer" if kind == "int_type" else "true or false"
    if isinstance(value, str) and info is not None and info.quoted:
        return f"must be {wanted}, not text", "", f"remove the quotes around {info.raw!r}"
    if isinstance(value, float) and kind == "int_type":
        return f"must be a whole number, not {value}", "", None
    return f"must be {wanted}, not {describe(value)}", "", None


def _constraint(kind: str, value: Any, ctx: dict[str, Any], msg: str) -> tuple[str, str, str | None]:
    if kind == "string_pattern_mismatch":
        wanted = PATTERN_HELP.get(ctx.get("pattern", ""), f"a match for {ctx.get('pattern')}")
        return f"invalid value {value!r}", f"expected {wanted}", None
    if kind == "string_too_long":
        return f"is too long ({len(value)} characters; at most {ctx['max_length']})", "", None
    if kind == "string_too_short":
        return "must not be empty", "", None
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, not {value}", "", None
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}, not {value}", "", None
    return msg[:1].lower() + msg[1:], "", None


def model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model describing the mapping at ``path`` (list indexes skipped), if any."""
    model = root
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        nested = _inner_model(field.annotation) if field else None
        if nested is None:
            return None
        model = nested
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``annotation``, looking through ``X | None`` and ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def dialect_diagnostics(doc: YamlDocument, skip: Iterable[Path],
                        paths: Iterable[Path] | None = None) -> list[Diagnostic]:
    """Plain scalars YAML 1.1 and 1.2 read differently (of ``paths``, default all of the
    file's), except under paths already reported."""
    skipped = set(skip)
    found = []
    for path in doc.dialect if paths is None else paths:
        if any(path[:end] in skipped for end in range(len(path) + 1)):
            continue
        info = doc.scalars[path]
        found.append(at(doc, path, f"{info.raw!r} means different things to different YAML "
                        "readers", detail=info.yaml12 or "", hint=_dialect_hint(info)))
    return found


def _dialect_hint(info: ScalarInfo) -> str:
    if info.tag == "bool":
        return "write true or false (or quote it if it is text)"
    if info.tag in ("int", "float"):
        return "write the number in plain decimal without leading zeros (or quote it if it is text)"
    return f'quote it: "{info.raw}"'
