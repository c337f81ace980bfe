"""Reading CalDAV calendars incrementally with the ``caldav`` client.

A calendar's first read asks the server for the events overlapping the window (a
time-range REPORT) after noting its sync token. Later reads ask only for what changed since
that token (RFC 6578 sync-collection; ``caldav`` falls back to comparing ETags on servers
without it) and, when the window's end has moved on, for the events in the newly uncovered
stretch. Each piece comes back with the window it must be expanded over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import icalendar
from caldav.davclient import DAVClient
from caldav.elements import dav

from .feeds import CalendarFetchError
from .settings import CalDavAccount

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass
class CalendarState:
    """What the checkpoint keeps per calendar: its sync token and how far it was read."""

    token: str | None
    horizon: datetime


@dataclass
class CalendarRead:
    """Calendar objects to expand, each with the window start to expand it from."""

    pieces: list[tuple[icalendar.Calendar, datetime]] = field(default_factory=list)
    state: CalendarState | None = None
    deleted: int = 0


class CalDavReader:
    """One CalDAV account. Every server call is wrapped so failures name the account."""

    def __init__(self, account: CalDavAccount, *, timeout: float) -> None:
        self.account = account
        password = account.password.get_secret_value() if account.password else None
        self._secret = password
        self._client = self._call(
            "connect",
            lambda: DAVClient(
                url=account.url,
                username=account.username,
                password=password,
                timeout=int(timeout),
                # A full URL needs no DNS service discovery (RFC 6764).
                enable_rfc6764=not account.url.startswith(("http://", "https://")),
            ),
        )

    def calendars(self) -> list[Any]:
        """The account's calendars, limited to ``account.calendars`` when it names some."""
        found = self._call("list calendars", lambda: self._client.principal().calendars())
        wanted = self.account.calendars
        if not wanted:
            return list(found)
        chosen, seen = [], set()
        for calendar in found:
            names = {
                str(calendar.url).rstrip("/"),
                str(self._call("read name", calendar.get_display_name)),
            }
            match = names & {w.rstrip("/") for w in wanted}
            if match:
                chosen.append(calendar)
                seen |= match
        missing = sorted({w.rstrip("/") for w in wanted} - seen)
        if missing:
            raise CalendarFetchError(
                f"CalDAV account '{self.account.name}' has no calendars named {missing}"
            )
        return chosen

    def read(
        self,
        calendar: Any,
        state: CalendarState | None,
        *,
        start: datetime,
        horizon: datetime,
    ) -> CalendarRead:
        """Objects to expand for ``calendar`` and its new state (see the module docstring)."""
        if state is None or state.token is None:
            token = self._token(calendar)
            objects = self._search(calendar, start, horizon)
            pieces = [(obj, start) for obj in objects]
            return CalendarRead(pieces, CalendarState(token, horizon))
        changes = self._call(
            "sync",
            lambda: calendar.objects_by_sync_token(sync_token=state.token, load_objects=True),
        )
        pieces = [(obj, start) for obj in _icalendars(changes.objects)]
        if horizon > state.horizon:
            from_ = max(state.horizon, start)
            pieces += [(obj, from_) for obj in self._search(calendar, from_, horizon)]
        deleted = len(getattr(changes, "deleted_urls", ()) or ())
        new_token = str(changes.sync_token) if changes.sync_token else state.token
        return CalendarRead(pieces, CalendarState(new_token, max(horizon, state.horizon)), deleted)

    def _token(self, calendar: Any) -> str | None:
        token = self._call("read sync token", lambda: calendar.get_property(dav.SyncToken()))
        return str(token) if token else None

    def _search(self, calendar: Any, start: datetime, end: datetime) -> list[icalendar.Calendar]:
        found = self._call(
            "search", lambda: calendar.search(start=start, end=end, event=True, expand=False)
        )
        return list(_icalendars(found))

    def _call(self, what: str, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except CalendarFetchError:
            raise
        except Exception as exc:  # the client raises its own, HTTP and XML errors alike
            message = str(exc)
            if self._secret:
                message = message.replace(self._secret, "********")
            raise CalendarFetchError(
                f"CalDAV account '{self.account.name}': {what} failed: "
                f"{type(exc).__name__}: {message[:300]}"
            ) from None


def _icalendars(objects: Any) -> Iterator[icalendar.Calendar]:
    for obj in objects or []:
        data = getattr(obj, "data", None)
        if not data:
            continue
        try:
            yield icalendar.Calendar.from_ical(data)
        except Exception as exc:  # one malformed object must not hide the others
            log.warning("skipping a calendar object that is not valid iCalendar: %s", exc)
