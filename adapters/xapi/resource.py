"""The statements resource without a web framework: what each request means and answers.

:class:`StatementsResource` takes the parts of a request that matter (headers, query
arguments, body bytes) and returns plain values; ``flask.py`` only moves bytes. Each call runs
in the connection (and so the transaction) the caller gives it: a request stores all of its
statements or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from learnwire.core.errors import ValidationFailed
from learnwire.core.intake import Intake

from . import formats
from .mapping import StatementMapper
from .query import Page, StatementQuery, StatementReader, parse_more
from .statements import StatementIntake, StoreOutcome
from .validation import CheckedStatement, StatementInvalid, validate_batch, validate_statement

Conn = psycopg.Connection[Any]

#: The version this implementation follows, sent on every response.
XAPI_VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
_VERSION_HEADER = re.compile(r"^1\.0(\.[0-9]+)?$")


def check_version_header(value: str | None) -> None:
    """Requests other than ``/about`` must say which xAPI version they speak (1.0.x)."""
    if value is None:
        raise ValidationFailed(
            "the X-Experience-API-Version header is required (e.g. 1.0.3)",
            field="X-Experience-API-Version",
        )
    if not _VERSION_HEADER.match(value.strip()):
        raise ValidationFailed(
            f"X-Experience-API-Version '{value}' is not supported; use one of "
            + ", ".join(SUPPORTED_VERSIONS),
            field="X-Experience-API-Version",
        )


def about() -> dict[str, Any]:
    return {"version": SUPPORTED_VERSIONS}


@dataclass(frozen=True)
class QueryAnswer:
    """A single statement (``statement``) or a StatementResult page (``page``)."""

    statement: dict[str, Any] | None = None
    page: Page | None = None


class StatementsResource:
    """POST, PUT and GET on ``/statements`` for the source a credential belongs to."""

    def __init__(self, intake: Intake, public_url: str, endpoint: str, max_limit: int) -> None:
        self.public_url = public_url.rstrip("/")
        self.endpoint = endpoint
        mapper = StatementMapper(intake.resolver, public_url)
        self.writer = StatementIntake(intake, mapper)
        self.reader = StatementReader(intake.resolver, public_url, max_limit)

    # -- writing ------------------------------------------------------------------------

    def post(self, conn: Conn, source: str, body: bytes, content_type: str) -> StoreOutcome:
        """Store one statement or an array of them; answers ids in request order."""
        data = _json_body(body, content_type)
        if isinstance(data, list):
            if not data:
                raise StatementInvalid("", "the array of statements is empty")
            checked = validate_batch(data)
            paths = [f"[{i}]" for i in range(len(data))]
        else:
            checked = [validate_statement(data)]
            paths = [""]
        return self.writer.store(conn, checked, source=source, paths=paths)

    def put(
        self, conn: Conn, source: str, statement_id: str | None, body: bytes, content_type: str
    ) -> StoreOutcome:
        """Store one statement under ``statementId`` (which it must match if it has an id)."""
        if statement_id is None:
            raise ValidationFailed("PUT needs the statementId parameter", field="statementId")
        try:
            wanted = formats.check_uuid(statement_id)
        except formats.FormatError as exc:
            raise ValidationFailed(f"statementId: {exc}", field="statementId") from None
        data = _json_body(body, content_type)
        if isinstance(data, dict) and "id" not in data:
            data["id"] = statement_id
        checked: CheckedStatement = validate_statement(data)
        if checked.id != wanted:
            raise StatementInvalid("id", f"differs from the statementId parameter {statement_id}")
        return self.writer.store(conn, [checked], source=source, paths=[""])

    # -- reading ------------------------------------------------------------------------

    def get(self, conn: Conn, source: str, args: dict[str, str]) -> QueryAnswer:
        if "more" in args:
            if len(args) > 1:
                raise ValidationFailed(
                    "more: send the more link as it is, without other parameters", field="more"
                )
            query, after = parse_more(args["more"])
            return QueryAnswer(page=self.reader.page(conn, source, query, after))
        query = StatementQuery.from_args(args)
        if query.statementId is not None or query.voidedStatementId is not None:
            return QueryAnswer(statement=self.reader.one(conn, source, query))
        return QueryAnswer(page=self.reader.page(conn, source, query))

    def statement_result(self, page: Page) -> dict[str, Any]:
        more = f"{self.endpoint}/statements?more={page.more}" if page.more else ""
        return {"statements": page.statements, "more": more}


def _json_body(body: bytes, content_type: str) -> Any:
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "multipart/mixed":
        raise ValidationFailed(
            "statements with attachment content (multipart/mixed) are not accepted; send "
            "application/json, with a fileUrl for any attachment",
            field="Content-Type",
        )
    if media != "application/json":
        raise ValidationFailed(
            f"Content-Type must be application/json, not '{media or 'none'}'",
            field="Content-Type",
        )
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise StatementInvalid("", f"the body is not valid JSON ({exc})") from None
    if b"\\u0000" in body:
        # PostgreSQL's jsonb cannot hold the NUL character; say so instead of failing later.
        raise StatementInvalid("", "statements may not contain the NUL character (\\u0000)")
    return data
