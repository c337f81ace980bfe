"""Text PostgreSQL cannot store is refused at the door, once for every route: a NUL
character (PostgreSQL text never holds U+0000) or a lone UTF-16 surrogate (not Unicode;
UTF-8 cannot encode it) anywhere in the query, a form or a JSON body is a 400 naming the
field, instead of a 500 from the database driver halfway through a write.

A blueprint whose protocol defines its own error format (xAPI's statements, say) sets
``checks_own_input = True`` on itself and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request

from ..errors import ValidationFailed

#: How deep a JSON body may nest before it is refused rather than walked (Python's own
#: parser gives up near 1,000 levels with a RecursionError).
MAX_DEPTH = 200


def install(app: Flask) -> None:
    app.before_request(_check_request)


def _check_request() -> None:
    blueprint = current_app.blueprints.get(request.blueprint or "")
    if getattr(blueprint, "checks_own_input", False):
        return
    in_path = [(k, str(v)) for k, v in (request.view_args or {}).items()]
    for where, values in (
        ("path", in_path),
        ("query", request.args.items(multi=True)),
        ("form", request.form.items(multi=True)),
    ):
        for key, value in values:
            field = f"{where} parameter {_name(key)}"
            shown = f"{where} parameter '{_name(key)}'"
            _check(field, key, shown)
            _check(field, value, shown)
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            raise ValidationFailed(
                "the JSON body is nested too deeply to read", field="(body)"
            ) from None
        for path, text in _strings(body):
            _check(path or "(body)", text)


def _strings(body: Any) -> Iterator[tuple[str, str]]:
    """Every string in a JSON document (keys too) with its dotted path; iterative, so a
    deep document cannot exhaust the stack."""
    stack: list[tuple[str, Any, int]] = [("", body, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailed(
                f"the JSON body nests deeper than {MAX_DEPTH} levels", field=path or "(body)"
            )
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{_name(key)}" if path else _name(key)
                yield child + " (name)", key
                stack.append((child, item, depth + 1))
        elif isinstance(value, list):
            for n, item in enumerate(value):
                stack.append((f"{path}[{n}]", item, depth + 1))


def _check(field: str, text: str, shown: str | None = None) -> None:
    """Refuse ``text`` naming ``field`` (``shown``, when given, is how the message names it)."""
    said = shown or field
    if "\x00" in text:
        raise ValidationFailed(
            f"{said} contains a NUL character (U+0000), which cannot be stored; remove it",
            field=field,
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(
            f"{said} contains a lone surrogate (U+{ord(text[exc.start]):04X} at character "
            f"{exc.start}), which is not valid Unicode; send the text as UTF-8",
            field=field,
        ) from None


def _name(key: str) -> str:
    """A field name safe to echo: the characters refused here are shown escaped."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
