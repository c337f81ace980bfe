"""The shapes every part of a statement is built from: objects with known properties,
strings, formatted values, language maps and extension maps, each failing with the JSON path
of the value at fault. Used by :mod:`.validation`.

Empty values are valid wherever the specification allows them: an empty object (``{}`` as
extensions, a definition or a language map), an empty string as a language-map value or a
``result.response``. Only formatted values (IRIs, UUIDs, mailto IRIs, timestamps, durations,
language tags) cannot be empty, because the empty string is not in their format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from learnwire.core.errors import ValidationFailed

from . import formats
from .formats import FormatError
from .memo import BoundedMemo


class StatementInvalid(ValidationFailed):
    """A statement breaks xAPI; ``field`` is the JSON path of the property at fault."""

    title = "invalid statement"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field or 'statement'}: {problem}", field=field or "statement")


#: Serialised verbs and activities (with definitions) already found valid. Producers send the
#: same few hundred of them in every statement; a dictionary lookup replaces re-checking.
#: Bounded by bytes: a verb or activity larger than 16 KiB is checked every time.
VALID = BoundedMemo[bytes, bool](budget=16 << 20, max_key=16 << 10)

#: How deep an extension value may nest. JSON itself has no limit, but every serialiser on
#: the way to the store has one (orjson stops at 255 levels): past this, a clear 400.
MAX_EXTENSION_DEPTH = 64


def memo_key(kind: bytes, value: dict[str, Any]) -> bytes | None:
    """``value`` serialised, under ``kind``; None when it cannot be serialised."""
    try:
        return kind + orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None


def seen(key: bytes | None) -> bool:
    """Whether the verb or activity serialised as ``key`` was already found valid."""
    return key is not None and VALID.get(key) is not None


def remember(key: bytes | None) -> None:
    """Note that the value serialised as ``key`` is valid."""
    if key is not None:
        VALID.put(key, True)


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
        if not value.keys() <= allowed:
            unknown = next(key for key in value if key not in allowed)
            raise StatementInvalid(at(path, unknown), "is not an xAPI property here")
        return value

    @staticmethod
    def text(value: Any, path: str, key: str | int | None = None) -> str:
        """A string (the empty one too); the error names ``path.key`` (built only on failure)."""
        if type(value) is not str:
            raise StatementInvalid(path if key is None else at(path, key), "must be a string")
        return value

    @staticmethod
    def word(value: Any, path: str, key: str | int | None = None) -> str:
        """A non-empty string, for values with a format of their own (a media type, a hash)."""
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
        if type(value) is not dict:
            raise StatementInvalid(path, "must be a language map (a JSON object)")
        for tag, text in value.items():
            self.fmt(formats.check_language_tag, tag, path, tag)
            self.text(text, path, tag)

    def extensions(self, value: Any, path: str) -> None:
        if type(value) is not dict:
            raise StatementInvalid(path, "must be a JSON object keyed by IRIs")
        for key, item in value.items():
            self.fmt(formats.check_iri, key, path, key)
            if type(item) in (dict, list) and item:
                _check_depth(item, at(path, key))


def _check_depth(value: Any, path: str) -> None:
    """Refuse an extension value nested deeper than :data:`MAX_EXTENSION_DEPTH`."""
    level = [value]
    for _ in range(MAX_EXTENSION_DEPTH):
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) in (dict, list) and child
        ]
        if not level:
            return
    raise StatementInvalid(
        path,
        f"nests deeper than {MAX_EXTENSION_DEPTH} levels; learnwire keeps extension values "
        f"up to {MAX_EXTENSION_DEPTH} levels deep",
    )
