"""Fetching ICS feeds over HTTP with conditional requests.

A feed answers a whole calendar at once, so "incremental" means: ask with the ETag /
Last-Modified of the last read (``If-None-Match`` / ``If-Modified-Since``) and skip the feed
when the server answers 304. Feed URLs often carry a secret token, so they are never put
into errors or logs: the feed's configured name is.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from learnwire.core.errors import LearnwireError

from .settings import FeedConfig

USER_AGENT = "learnwire-calendar/1"


class CalendarFetchError(LearnwireError):
    """A calendar could not be read; the message names the feed or account, never secrets."""

    status = 502
    title = "calendar unavailable"


@dataclass(frozen=True)
class FeedResponse:
    """``body`` is None when the server said the feed is unchanged (304)."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


def fetch_feed(
    session: requests.Session,
    feed: FeedConfig,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
) -> FeedResponse:
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    auth = None
    if feed.username is not None:
        password = feed.password.get_secret_value() if feed.password else ""
        auth = (feed.username, password)
    try:
        response = session.get(feed.url, headers=headers, auth=auth, timeout=timeout)
    except requests.RequestException as exc:
        # The exception text includes the URL; only its class is safe to repeat.
        raise CalendarFetchError(
            f"feed '{feed.name}' could not be reached ({type(exc).__name__}); check its url "
            "and that the server is up"
        ) from None
    if response.status_code == 304:
        return FeedResponse(None, etag, last_modified)
    if response.status_code in (401, 403):
        raise CalendarFetchError(
            f"feed '{feed.name}' refused access (HTTP {response.status_code}); check its "
            "username/password or the secret in its url"
        )
    if response.status_code != 200:
        raise CalendarFetchError(f"feed '{feed.name}' answered HTTP {response.status_code}")
    return FeedResponse(
        response.content,
        response.headers.get("ETag"),
        response.headers.get("Last-Modified"),
    )
