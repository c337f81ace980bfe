"""The calendar plugin's own settings: ``LEARNWIRE_PLUGINS__CALENDAR__<FIELD>`` or the
``[plugins.calendar]`` table of the TOML configuration file.

List-valued settings (``feeds``, ``caldav``, ``org_domains``) may be given as JSON in an
environment variable, e.g. ``LEARNWIRE_PLUGINS__CALENDAR__FEEDS='[{"name": "alice",
"url": "https://...", "owner": "alice@example.com"}]'``.

Who an event belongs to:

* a feed or CalDAV account with an ``owner`` is one person's calendar: every event in it is
  theirs (unless they declined it). ``owner`` is an identifier of that person, by default an
  e-mail address (``owner_kind = "email"``), which links them to the learner other sources
  know under the same address;
* without ``owner`` the calendar is organisation-wide (a team or shared calendar): each
  event belongs to every organiser and attendee whose e-mail domain is one of
  ``org_domains`` and who did not decline. Addresses outside those domains are never
  attributed, only counted (they make an event "external").
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ...core.config import env_list

NAME = r"^[a-z0-9][a-z0-9_.-]*$"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OwnedCalendar(_Config):
    owner: str | None = Field(
        default=None,
        description="Identifier of the person whose calendar this is; unset: org-wide.",
    )
    owner_kind: str = Field(
        default="email",
        pattern=r"^[a-z][a-z0-9_.-]*$",
        description="Identifier scheme of `owner` (email, employee_id, ...).",
    )
    owner_namespace: str = Field(
        default="", description="Namespace of `owner`, if its kind has one."
    )


class FeedConfig(OwnedCalendar):
    """An ICS (iCalendar) feed fetched over HTTP(S); ``webcal://`` is read as ``https://``."""

    name: str = Field(pattern=NAME, max_length=64, description="Unique label, used in logs.")
    url: str = Field(min_length=1, description="The feed URL. Never logged.")
    username: str | None = None
    password: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if url.startswith("webcal://"):
            url = "https://" + url.removeprefix("webcal://")
        if not url.startswith(("http://", "https://")):
            raise ValueError("feed url must start with http://, https:// or webcal://")
        return url


class CalDavAccount(OwnedCalendar):
    """A CalDAV account; every calendar of its principal is read unless ``calendars`` names some."""

    name: str = Field(pattern=NAME, max_length=64)
    url: str = Field(min_length=1, description="The CalDAV server or principal URL.")
    username: str | None = None
    password: SecretStr | None = None
    calendars: list[str] = Field(
        default_factory=list, description="Display names or URLs of the calendars to read."
    )


class CalendarSettings(_Config):
    feeds: list[FeedConfig] = Field(default_factory=list)
    caldav: list[CalDavAccount] = Field(default_factory=list)
    org_domains: list[str] = Field(
        default_factory=list,
        description="E-mail domains of the organisation: attendees there are colleagues.",
    )
    window_days: float = Field(
        default=14, gt=0, le=366, description="How far ahead events are read."
    )
    sync_interval_seconds: float = Field(
        default=1800, gt=0, description="How often Celery beat syncs the calendars."
    )
    vocabulary_file: Path | None = Field(
        default=None, description="YAML file extending the classifier's vocabulary."
    )
    default_timezone: str = Field(
        default="UTC", description="Zone for floating (zone-less) event times."
    )
    store_unclassified: bool = Field(
        default=False,
        description="Store events no situation matched as 'meeting' (time and duration only).",
    )
    include_private: bool = Field(
        default=False, description="Also read events marked CLASS:PRIVATE or CONFIDENTIAL."
    )
    timeout_seconds: float = Field(default=20, gt=0)

    _lists = field_validator("feeds", "caldav", "org_domains", mode="before")(env_list)

    @field_validator("org_domains")
    @classmethod
    def _domains(cls, domains: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in domains if d.strip()]

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone '{name}' (use an IANA name such as Europe/Berlin)"
            ) from exc
        return name

    @model_validator(mode="after")
    def _attributable(self) -> CalendarSettings:
        names = [f.name for f in self.feeds] + [a.name for a in self.caldav]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"feed and CalDAV account names must be unique: {duplicates}")
        orphans = [f.name for f in self.feeds if f.owner is None]
        orphans += [a.name for a in self.caldav if a.owner is None]
        if orphans and not self.org_domains:
            raise ValueError(
                f"calendars {orphans} have no owner, so events are attributed to attendees "
                'in the organisation\'s domains: set org_domains (e.g. ["example.com"]) or '
                "give each an owner"
            )
        return self

    @property
    def configured(self) -> bool:
        return bool(self.feeds or self.caldav)
