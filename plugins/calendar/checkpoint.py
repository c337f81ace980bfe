"""The calendar source's checkpoint: per feed its ETag / Last-Modified, per CalDAV calendar
its sync token, and for each how far ahead it was read (the horizon).

Feeds and calendars are keyed by keyed hashes, never by URL (URLs may carry secrets or
people's names). A fingerprint of everything that shapes the output (vocabulary, domains,
switches) is kept too: when it changes, every calendar is read again in full, so a new
vocabulary reclassifies upcoming events instead of only future changes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .caldav_reader import CalendarState

log = logging.getLogger(__name__)
VERSION = 1


@dataclass
class FeedState:
    etag: str | None
    last_modified: str | None
    horizon: datetime


@dataclass
class SyncState:
    fingerprint: str = ""
    feeds: dict[str, FeedState] = field(default_factory=dict)
    calendars: dict[str, CalendarState] = field(default_factory=dict)

    @classmethod
    def load(cls, checkpoint: str | None, fingerprint: str) -> SyncState:
        """The stored state, or a fresh one when there is none, it is unreadable or it was
        made under another configuration."""
        fresh = cls(fingerprint=fingerprint)
        if not checkpoint:
            return fresh
        try:
            data = json.loads(checkpoint)
            if data.get("v") != VERSION or data.get("fingerprint") != fingerprint:
                return fresh
            return cls(
                fingerprint=fingerprint,
                feeds={
                    k: FeedState(v.get("etag"), v.get("last_modified"), _time(v["horizon"]))
                    for k, v in data.get("feeds", {}).items()
                },
                calendars={
                    k: CalendarState(v.get("token"), _time(v["horizon"]))
                    for k, v in data.get("calendars", {}).items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("calendar checkpoint unreadable (%s); reading every calendar again", exc)
            return fresh

    def dump(self) -> str:
        data: dict[str, Any] = {
            "v": VERSION,
            "fingerprint": self.fingerprint,
            "feeds": {
                k: {
                    "etag": s.etag,
                    "last_modified": s.last_modified,
                    "horizon": s.horizon.isoformat(),
                }
                for k, s in sorted(self.feeds.items())
            },
            "calendars": {
                k: {"token": s.token, "horizon": s.horizon.isoformat()}
                for k, s in sorted(self.calendars.items())
            },
        }
        return json.dumps(data, separators=(",", ":"))


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("horizon without a time zone")
    return value
