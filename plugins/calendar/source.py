"""The calendar signal source: upcoming events become work situations, nothing more.

For every configured ICS feed and CalDAV calendar the source reads the events starting in
the window ``[now, now + window_days)``, classifies each occurrence and yields one
:class:`~learnwire.core.models.CalendarSignal` per person it belongs to, carrying only the
situation, the start and the duration. Titles, descriptions and attendees are read in
memory by the classifier and the attribution step and then dropped. ``event_key`` is a
keyed hash (the deployment's pseudonym key) of the event's UID and original start, so a
resync updates a moved meeting instead of adding a second one.

Each feed or calendar is one batch with the checkpoint up to it, so a sync stopped half-way
resumes without rereading what was stored. A feed or account that fails is skipped, the
others are still read, and the source raises :class:`~.feeds.CalendarFetchError` naming
every failure at the end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import requests

from learnwire.core.models import CalendarSignal, DataCategory, IdentityRef
from learnwire.core.sources import SignalSource, SourceBatch

from .caldav_reader import CalDavReader
from .checkpoint import FeedState, SyncState
from .classifier import EventFeatures, SituationClassifier
from .feeds import CalendarFetchError, fetch_feed
from .occurrences import Occurrence, parse_calendar, upcoming
from .settings import CalDavAccount, CalendarSettings, FeedConfig, OwnedCalendar

log = logging.getLogger(__name__)

SOURCE_NAME = "calendar"
UNCLASSIFIED = "meeting"
MAX_MINUTES = 7 * 24 * 60
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class CalendarSource(SignalSource):
    name = SOURCE_NAME
    categories = frozenset({DataCategory.CALENDAR})

    def __init__(
        self,
        settings: CalendarSettings,
        *,
        key: bytes,
        classifier: SituationClassifier | None = None,
        clock: Clock = system_clock,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.classifier = classifier or SituationClassifier()
        self.clock = clock
        self._key = hmac.new(key, b"learnwire calendar", hashlib.sha256).digest()
        self._session = session or requests.Session()
        self._zone = ZoneInfo(settings.default_timezone)

    # -- the contract --------------------------------------------------------------------

    def pull(self, *, checkpoint: str | None, full: bool = False) -> Iterator[SourceBatch]:
        state = SyncState.load(None if full else checkpoint, self._fingerprint())
        now = self.clock()
        # The horizon moves in whole hours so that syncs within the hour can skip unchanged
        # calendars entirely (a feed's 304, an empty sync-token answer).
        horizon = now.replace(minute=0, second=0, microsecond=0) + timedelta(
            days=self.settings.window_days
        )
        errors: list[str] = []
        for feed in self.settings.feeds:
            try:
                batch = self._pull_feed(feed, state, now, horizon)
            except CalendarFetchError as exc:
                log.warning("calendar: %s", exc)
                errors.append(str(exc))
                continue
            if batch is not None:
                yield batch
        for account in self.settings.caldav:
            yield from self._pull_account(account, state, now, horizon, errors)
        if errors:
            raise CalendarFetchError("; ".join(errors))

    # -- feeds ---------------------------------------------------------------------------

    def _pull_feed(
        self, feed: FeedConfig, state: SyncState, now: datetime, horizon: datetime
    ) -> SourceBatch | None:
        key = self._hash("feed", feed.name, feed.url, feed.owner or "")
        previous = state.feeds.get(key)
        # A conditional request is only enough when the window's end has not moved: an
        # unchanged feed still has occurrences that have just come into view.
        conditional = previous is not None and previous.horizon >= horizon
        response = fetch_feed(
            self._session,
            feed,
            etag=previous.etag if conditional and previous else None,
            last_modified=previous.last_modified if conditional and previous else None,
            timeout=self.settings.timeout_seconds,
        )
        if response.body is None:
            return None
        try:
            calendar = parse_calendar(response.body)
        except ValueError as exc:
            raise CalendarFetchError(f"feed '{feed.name}': {exc}") from None
        signals = self._signals(feed, [(calendar, now)], horizon)
        state.feeds[key] = FeedState(response.etag, response.last_modified, horizon)
        return SourceBatch(calendar=signals, checkpoint=state.dump())

    # -- CalDAV --------------------------------------------------------------------------

    def _pull_account(
        self,
        account: CalDavAccount,
        state: SyncState,
        now: datetime,
        horizon: datetime,
        errors: list[str],
    ) -> Iterator[SourceBatch]:
        try:
            reader = CalDavReader(account, timeout=self.settings.timeout_seconds)
            calendars = reader.calendars()
        except CalendarFetchError as exc:
            log.warning("calendar: %s", exc)
            errors.append(str(exc))
            return
        for calendar in calendars:
            key = self._hash("caldav", account.name, str(calendar.url), account.owner or "")
            try:
                read = reader.read(calendar, state.calendars.get(key), start=now, horizon=horizon)
            except CalendarFetchError as exc:
                log.warning("calendar: %s", exc)
                errors.append(str(exc))
                continue
            if read.deleted:
                # Intake has no retraction path yet: signals of deleted events stay until
                # they pass (see docs/calendar.md).
                log.info("calendar: %d events deleted in account %s", read.deleted, account.name)
            if read.state is not None:
                state.calendars[key] = read.state
            yield SourceBatch(
                calendar=self._signals(account, read.pieces, horizon), checkpoint=state.dump()
            )

    # -- from occurrences to signals -------------------------------------------------------

    def _signals(
        self,
        owned: OwnedCalendar,
        pieces: Iterable[tuple[icalendar.Calendar, datetime]],
        horizon: datetime,
    ) -> list[CalendarSignal]:
        signals: dict[tuple[str, str, str, str], CalendarSignal] = {}
        for calendar, start in pieces:
            for occurrence in upcoming(
                calendar,
                start,
                horizon,
                floating_zone=self._zone,
                include_private=self.settings.include_private,
            ):
                situation = self._situation(owned, occurrence)
                if situation is None:
                    continue
                event_key = self.event_key(occurrence.uid, occurrence.recurrence_start)
                for subject in self._people(owned, occurrence):
                    signals[(subject.kind, subject.namespace, subject.value, event_key)] = (
                        CalendarSignal(
                            subject=subject,
                            source=self.name,
                            occurred_at=occurrence.start,
                            situation=situation,
                            starts_at=occurrence.start,
                            duration_minutes=min(occurrence.duration_minutes, MAX_MINUTES),
                            event_key=event_key,
                        )
                    )
        return list(signals.values())

    def _situation(self, owned: OwnedCalendar, occurrence: Occurrence) -> str | None:
        domains = set(self.settings.org_domains)
        external = bool(domains) and any(
            _domain(p.address) not in domains for p in occurrence.participants
        )
        features = EventFeatures(
            text=occurrence.text,
            attendees=len(occurrence.participants),
            recurring=occurrence.recurring,
            duration_minutes=occurrence.duration_minutes,
            external=external,
            organiser=_owner_organises(owned, occurrence),
        )
        result = self.classifier.classify(features)
        if result.situation is not None:
            return result.situation
        if self.settings.store_unclassified and not result.ignored:
            return UNCLASSIFIED
        return None

    def _people(self, owned: OwnedCalendar, occurrence: Occurrence) -> list[IdentityRef]:
        """Whom the occurrence is about: the owner, or the organisation's participants."""
        if owned.owner is not None:
            if owned.owner_kind == "email":
                me = owned.owner.strip().lower()
                if any(p.address == me and p.declined for p in occurrence.participants):
                    return []
            return [
                IdentityRef(
                    kind=owned.owner_kind, namespace=owned.owner_namespace, value=owned.owner
                )
            ]
        domains = set(self.settings.org_domains)
        return [
            IdentityRef(kind="email", value=p.address)
            for p in occurrence.participants
            if not p.declined and _domain(p.address) in domains
        ]

    # -- keys ----------------------------------------------------------------------------

    def event_key(self, uid: str, recurrence_start: datetime | None) -> str:
        """Keyed hash of the event's UID and, in a series, the occurrence's original start:
        stable when a meeting moves, not reversible to either."""
        original = recurrence_start.astimezone(UTC).isoformat() if recurrence_start else ""
        return self._hash("event", uid, original)

    def _hash(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _fingerprint(self) -> str:
        s = self.settings
        shape = {
            "vocabulary": self.classifier.vocabulary.model_dump(mode="json"),
            "org_domains": sorted(s.org_domains),
            "store_unclassified": s.store_unclassified,
            "include_private": s.include_private,
            "zone": s.default_timezone,
        }
        return self._hash("settings", json.dumps(shape, sort_keys=True))[:32]


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1]


def _owner_organises(owned: OwnedCalendar, occurrence: Occurrence) -> bool | None:
    if owned.owner is None or owned.owner_kind != "email":
        return None
    if occurrence.organiser is None:
        return not occurrence.participants  # an entry of one's own, without invitees
    return occurrence.organiser == owned.owner.strip().lower()
