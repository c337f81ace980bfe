"""Pulling statements from another LRS through its statements resource.

Pages are read in ascending ``stored`` order (``since`` + ``ascending=true``, then the
``more`` links). Each page is stored in one transaction together with the checkpoint (the
last ``stored`` value of the page), so a pull killed at any point resumes after the last
stored page. The resume starts a little before the checkpoint (``overlap``) because the
remote may hold several statements with the same ``stored`` time on both sides of a page
boundary; the overlap's statements come back as identical replays and are not stored again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin

import orjson
import requests

from learnwire.core.errors import LearnwireError, ValidationFailed
from learnwire.core.intake import Intake
from learnwire.core.store import Database, checkpoints

from . import formats
from .mapping import StatementMapper
from .query import iso
from .resource import XAPI_VERSION
from .statements import StatementIntake
from .validation import StatementInvalid, validate_statement

log = logging.getLogger(__name__)


class PullFailed(LearnwireError):
    """The remote LRS could not be read (unreachable, refused, or not speaking xAPI)."""

    status = 502
    title = "LRS pull failed"


@dataclass
class PullReport:
    lrs: str
    source: str
    pages: int = 0
    received: int = 0
    stored: int = 0
    replayed: int = 0
    refused: int = 0
    skipped: int = 0
    invalid: list[dict[str, str]] = field(default_factory=list)
    checkpoint: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "lrs": self.lrs,
            "source": self.source,
            "pages": self.pages,
            "received": self.received,
            "stored": self.stored,
            "replayed": self.replayed,
            "refused": self.refused,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "checkpoint": self.checkpoint,
        }


class LrsClient:
    """Reads statement pages from ``endpoint`` (the LRS base, e.g. https://lrs.example/xapi)."""

    def __init__(
        self,
        endpoint: str,
        *,
        key: str | None = None,
        secret: str | None = None,
        page_size: int = 500,
        timeout: float = 60,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.page_size = page_size
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["X-Experience-API-Version"] = XAPI_VERSION
        if key is not None:
            self.session.auth = (key, secret or "")

    def pages(self, since: str | None) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, Any] | None = {"ascending": "true", "limit": self.page_size}
        if since is not None:
            assert params is not None
            params["since"] = since
        url = f"{self.endpoint}/statements"
        while url:
            result = self._get(url, params)
            statements = result.get("statements")
            if not isinstance(statements, list):
                raise PullFailed(f"{url} answered no 'statements' array; is it an xAPI LRS?")
            yield statements
            more = result.get("more") or ""
            # `more` is an IRL relative to the server; urljoin also keeps absolute ones.
            url, params = (urljoin(self.endpoint + "/", more), None) if more else ("", None)

    def _get(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PullFailed(f"cannot reach {url}: {exc}") from exc
        if response.status_code != 200:
            raise PullFailed(
                f"{url} answered {response.status_code}: {response.text[:300]!r}"
                + (" (check --key/--secret)" if response.status_code in (401, 403) else "")
            )
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise PullFailed(f"{url} did not answer JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise PullFailed(f"{url} answered {type(data).__name__}, expected a StatementResult")
        return data


def checkpoint_stream(lrs: str) -> str:
    return "xapi-pull:" + lrs.rstrip("/")


def pull(
    db: Database,
    intake: Intake,
    client: LrsClient,
    *,
    source: str,
    public_url: str,
    since: str | None = None,
    restart: bool = False,
    overlap: timedelta = timedelta(seconds=1),
    on_page: Callable[[PullReport], None] | None = None,
) -> PullReport:
    """Pull everything newer than the checkpoint (or ``since`` on the first run)."""
    if since is not None:
        since = iso(_timestamp(since, "since"))
    stream = checkpoint_stream(client.endpoint)
    report = PullReport(client.endpoint, source)
    with db.connection() as conn:
        saved = None if restart else checkpoints.get(conn, source, stream)
    start = since
    if saved is not None:
        start = iso(_timestamp(saved, "checkpoint") - overlap)
        report.checkpoint = saved
    writer = StatementIntake(intake, StatementMapper(intake.resolver, public_url))
    for page in client.pages(start):
        report.pages += 1
        report.received += len(page)
        if not page:
            continue
        checked, last_stored = [], None
        for i, raw in enumerate(page):
            stored = raw.get("stored") if isinstance(raw, dict) else None
            last_stored = stored if isinstance(stored, str) else last_stored
            try:
                statement = validate_statement(raw, f"[{i}]")
            except StatementInvalid as exc:
                report.skipped += 1
                if len(report.invalid) < 100:  # enough to act on; the count says the rest
                    report.invalid.append({"id": str(raw.get("id", "?")), "reason": str(exc)})
                log.warning(
                    "skipping statement %s from %s: %s", raw.get("id"), client.endpoint, exc
                )
                continue
            checked.append(statement)
        if last_stored is None:
            raise PullFailed(f"{client.endpoint} sent statements without 'stored'")
        with db.connection() as conn:
            outcome = writer.store(conn, checked, source=source) if checked else None
            checkpoints.put(conn, source, last_stored, stream)
        if outcome is not None:
            report.stored += outcome.stored
            report.replayed += outcome.replayed
            report.refused += len(outcome.refused)
        report.checkpoint = last_stored
        if on_page is not None:
            on_page(report)
    return report


def _timestamp(value: str, field: str) -> Any:
    try:
        return formats.check_timestamp(value)
    except formats.FormatError as exc:
        raise ValidationFailed(f"{field}: {exc}", field=field) from None
