"""The shapes every part of a statement is built from: objects with known properties,
non-empty strings, formatted values, language maps and extension maps, each failing with the
JSON path of the value at fault. Used by :mod:`.validation`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from learnwire.core.errors import ValidationFailed

from . import formats
from .formats import FormatError


class StatementInvalid(ValidationFailed):
    """A statement breaks xAPI 1.0.3; ``field`` is the JSON path of the property at fault."""

    title = "invalid statement"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field or 'statement'}: {problem}", field=field or "statement")


#: Serialised verbs and activities (with definitions) already found valid. Producers send the
#: same few hundred of them in every statement; a dictionary lookup replaces re-checking.
_VALID: set[bytes] = set()
_VALID_MAX = 50_000


def memo_key(kind: bytes, value: dict[str, Any]) -> bytes | None:
    """``value`` serialised, under ``kind``; None when it cannot be serialised."""
    try:
        return kind + orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None


def seen(key: bytes | None) -> bool:
    """Whether the verb or activity serialised as ``key`` was already found valid."""
    return key is not None and key in _VALID


def remember(key: bytes | None) -> None:
    """Note that the value serialised as ``key`` is valid."""
    if key is not None:
        if len(_VALID) >= _VALID_MAX:
            _VALID.clear()
        _VALID.add(key)


def at(path: str, key: str | int) -> str:
    """The JSON path of ``key`` (a property or an index) under ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class ShapeChecks:
    """Checks of single values; the statement walk builds on them."""

    @staticmethod
    def obj(value: Any, path: str, allowed: frozenset[str]) -> dict[str, Any]:
        if type(value) is not dict:
            raise StatementInvalid(path, "must be a JSON object")
        if not value:
            raise StatementInvalid(path, "must not be empty")
        if not value.keys() <= allowed:
            unknown = next(key for key in value if key not in allowed)
            raise StatementInvalid(at(path, unknown), "is not an xAPI property here")
        return value

    @staticmethod
    def text(value: Any, path: str, key: str | int | None = None) -> str:
        """A non-empty string; the error names ``path.key`` (built only on failure)."""
        if type(value) is not str or not value:
            raise StatementInvalid(
                path if key is None else at(path, key), "must be a non-empty string"
            )
        return value

    @staticmethod
    def fmt(
        check: Callable[[Any], Any], value: Any, path: str, key: str | int | None = None
    ) -> Any:
        try:
            return check(value)
        except FormatError as exc:
            raise StatementInvalid(path if key is None else at(path, key), str(exc)) from None

    def language_map(self, value: Any, path: str) -> None:
        if type(value) is not dict or not value:
            raise StatementInvalid(path, "must be a non-empty language map")
        for tag, text in value.items():
            self.fmt(formats.check_language_tag, tag, path, tag)
            self.text(text, path, tag)

    def extensions(self, value: Any, path: str) -> None:
        if type(value) is not dict or not value:
            raise StatementInvalid(path, "must be a non-empty JSON object keyed by IRIs")
        for key in value:
            self.fmt(formats.check_iri, key, path, key)
