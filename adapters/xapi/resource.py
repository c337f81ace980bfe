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
from urllib.parse import urlsplit

import orjson
import psycopg

from learnwire.core.errors import ValidationFailed
from learnwire.core.intake import Intake

from . import formats
from .mapping import StatementMapper
from .query import Page, StatementQuery, StatementReader, parse_more
from .statements import StatementIntake, StoreOutcome
from .validation import (
    CheckedStatement,
    StatementInvalid,
    is_v2,
    validate_batch,
    validate_statement,
)

Conn = psycopg.Connection[Any]

#: The version sent on responses to requests that do not say which one they speak.
XAPI_VERSION = "1.0.3"
#: xAPI 2.0 is IEEE 9274.1.1; its version header is 2.0.0.
XAPI_VERSION_2 = "2.0.0"
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0", "2.0.0"]
_VERSION_HEADER = re.compile(r"^(?:1\.0(?:\.[0-9]+)?|2\.0(?:\.[0-9]+)?)$")

#: The extension of ``/xapi/about`` that says what learnwire changes in what it stores.
PRIVACY_EXTENSION = "https://learnwire.dev/xapi/extensions/privacy"
#: The response header of POST and PUT that names the fields a policy dropped.
DROPPED_HEADER = "X-Learnwire-Dropped-Fields"


def check_version_header(value: str | None) -> str:
    """Requests other than ``/about`` must say which xAPI version they speak (1.0.x or
    2.0.x); answers the version the response is given in."""
    if value is None:
        raise ValidationFailed(
            "the X-Experience-API-Version header is required (e.g. 1.0.3 or 2.0.0)",
            field="X-Experience-API-Version",
        )
    if not _VERSION_HEADER.match(value.strip()):
        raise ValidationFailed(
            f"X-Experience-API-Version '{value}' is not supported; use one of "
            + ", ".join(SUPPORTED_VERSIONS),
            field="X-Experience-API-Version",
        )
    return XAPI_VERSION_2 if is_v2(value.strip()) else XAPI_VERSION


def about(public_url: str) -> dict[str, Any]:
    """The About resource, with what learnwire changes on purpose in the statements it keeps."""
    base = public_url.rstrip("/")
    return {
        "version": SUPPORTED_VERSIONS,
        "extensions": {
            PRIVACY_EXTENSION: {
                "actor": "replaced by a pseudonymous account: homePage "
                f"{base}/learners, name = the learner's pseudonymous id; GET by that "
                "account as the agent parameter finds the statement",
                "agents": "every other Agent or Group (instructor, team, contextAgents, "
                f"contextGroups, objects, members) becomes an account of homePage "
                f"{base}/pseudonyms named by a keyed hash of its identifier; names are "
                "dropped",
                "anonymous_group_actor": "an anonymous Group as actor is recorded as one "
                "pseudonymous learner standing for that set of members, not as any member",
                "policy": "the intake policy may drop further fields; POST and PUT name "
                f"them in the {DROPPED_HEADER} response header",
                "authority": f"always {base}/xapi/sources account named by the source "
                "of the credential that sent the statement",
            }
        },
    }


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
        self.endpoint_path = urlsplit(endpoint).path.rstrip("/")
        mapper = StatementMapper(intake.resolver, public_url)
        self.writer = StatementIntake(intake, mapper)
        self.reader = StatementReader(intake.resolver, public_url, max_limit)

    # -- writing ------------------------------------------------------------------------

    def post(
        self, conn: Conn, source: str, body: bytes, content_type: str, version: str = XAPI_VERSION
    ) -> StoreOutcome:
        """Store one statement or an array of them; answers ids in request order."""
        data = _json_body(body, content_type)
        if isinstance(data, list):
            if not data:
                raise StatementInvalid("", "the array of statements is empty")
            checked = validate_batch(data, version=version)
            paths = [f"[{i}]" for i in range(len(data))]
        else:
            checked = [validate_statement(data, version=version)]
            paths = [""]
        _default_version(checked, version)
        return self.writer.store(conn, checked, source=source, paths=paths)

    def put(
        self,
        conn: Conn,
        source: str,
        statement_id: str | None,
        body: bytes,
        content_type: str,
        version: str = XAPI_VERSION,
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
        checked: CheckedStatement = validate_statement(data, version=version)
        if checked.id != wanted:
            raise StatementInvalid("id", f"differs from the statementId parameter {statement_id}")
        _default_version([checked], version)
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
        # Relative to the server root, as xAPI asks: right behind any proxy that keeps paths.
        more = f"{self.endpoint_path}/statements?more={page.more}" if page.more else ""
        return {"statements": page.statements, "more": more}


def _default_version(checked: list[CheckedStatement], version: str) -> None:
    """A statement sent as xAPI 2.0 without a version is a 2.0.0 statement (1.0.x ones are
    rendered as 1.0.0, the specification's default)."""
    if is_v2(version):
        for statement in checked:
            statement.data.setdefault("version", XAPI_VERSION_2)


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
        if "depth limit" in str(exc):
            raise StatementInvalid(
                "", "the body nests JSON deeper than 1024 levels; no statement is that deep"
            ) from None
        raise StatementInvalid("", f"the body is not valid JSON ({exc})") from None
    if b"\\u0000" in body:
        # PostgreSQL's jsonb cannot hold the NUL character; say so instead of failing later.
        raise StatementInvalid("", "statements may not contain the NUL character (\\u0000)")
    return data
