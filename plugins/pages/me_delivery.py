"""``/me`` delivery preferences: which messages I get in which channel, and when.

Always the signed-in person's own: no route takes a learner id, so no role can change
someone else's choices here (managers and L&D set defaults in configuration only, and a
default never outranks a person's own "off"). Reading and writing go through
``core.delivery.preferences``, the same functions the CLI uses.
"""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, ConfigDict, Field

from learnwire.core.delivery import KINDS, DeliveryChannel
from learnwire.core.delivery import preferences as prefs
from learnwire.core.delivery.settings import delivery_settings
from learnwire.core.errors import ValidationFailed

from . import doors
from .signin import SignedIn

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KIND_WORDS = {
    "digest": "Digest of recommendations",
    "nudge": "Nudge before a busy day",
    "survey": "A quick question about what you learned",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CadenceChoice(_Model):
    kind: str = Field(max_length=32, description="digest | nudge | survey")
    channel: str = Field(max_length=64, description="a configured channel: email, slack, ...")
    cadence: str = Field(max_length=32, description="immediate | daily | weekly | off")


class CadenceView(CadenceChoice):
    own: bool = Field(description="true: my choice; false: the organisation's default")


class ScheduleIn(_Model):
    quiet_from: int | None = Field(default=None, description="Hour 0-23; null: organisation's")
    quiet_to: int | None = Field(default=None, description="Hour 0-23; null: organisation's")
    working_days: list[int] | None = Field(
        default=None, max_length=7, description="0 = Monday ... 6 = Sunday; null: organisation's"
    )


class DeliveryPrefsIn(_Model):
    """Only what is given changes: each cadence listed, and the schedule when given."""

    cadence: list[CadenceChoice] = Field(default_factory=list, max_length=64)
    schedule: ScheduleIn | None = None


class DeliveryPrefsView(_Model):
    channels: list[str]
    cadence: list[CadenceView]
    quiet_from: int | None
    quiet_to: int | None
    working_days: list[int] | None
    defaults: ScheduleIn = Field(description="The organisation's quiet hours and working days")
    contacts: dict[str, str] = Field(description="Where I can be reached, per channel")


def _channels() -> list[str]:
    found = doors.runtime().collect("register_delivery_channels", expect=DeliveryChannel)
    return sorted({c.name for c in found})


def view_of(person: SignedIn) -> DeliveryPrefsView:
    runtime = doors.runtime()
    settings = delivery_settings(runtime.settings)
    channels = _channels()
    with runtime.db.connection() as conn:
        mine = prefs.choices(conn, person.learner_id, settings=settings, channels=channels)
    return DeliveryPrefsView(
        channels=channels,
        cadence=[
            CadenceView(kind=kind, channel=channel, cadence=cadence, own=own)
            for (kind, channel), (cadence, own) in mine.cadence.items()
        ],
        quiet_from=mine.quiet[0] if mine.quiet else None,
        quiet_to=mine.quiet[1] if mine.quiet else None,
        working_days=mine.working_days,
        defaults=ScheduleIn(
            quiet_from=settings.quiet_from,
            quiet_to=settings.quiet_to,
            working_days=list(settings.working_days),
        ),
        contacts=mine.contacts,
    )


def apply(person: SignedIn, change: DeliveryPrefsIn, *, via: str) -> None:
    """Write ``change`` for ``person`` in one transaction: a bad value stores nothing."""
    channels = _channels()
    for n, choice in enumerate(change.cadence):
        if choice.channel not in channels:
            known = ", ".join(channels) or "none is configured"
            raise ValidationFailed(
                f"no channel '{choice.channel[:64]}' (channels: {known})",
                field=f"cadence.{n}.channel",
            )
    with doors.runtime().db.connection() as conn:
        for n, choice in enumerate(change.cadence):
            try:
                prefs.set_cadence(
                    conn,
                    person.learner_id,
                    kind=choice.kind,
                    channel=choice.channel,
                    cadence=choice.cadence,
                    via=via,
                )
            except ValidationFailed as exc:
                raise ValidationFailed(str(exc), field=f"cadence.{n}.{exc.field}") from None
        if change.schedule is not None:
            s = change.schedule
            try:
                prefs.set_schedule(
                    conn,
                    person.learner_id,
                    quiet_from=s.quiet_from,
                    quiet_to=s.quiet_to,
                    working_days=sorted(set(s.working_days)) if s.working_days else s.working_days,
                )
            except ValidationFailed as exc:
                raise ValidationFailed(str(exc), field=f"schedule.{exc.field}") from None


# -- the page's form -------------------------------------------------------------------------


def _hour(name: str) -> int | None:
    value = request.form.get(name, "")
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{name} is an hour from 0 to 23", field=name) from None


def from_form() -> DeliveryPrefsIn:
    """The page's form as a change: a select per kind and channel, the quiet hours, and
    the working days when "my own days" is chosen."""
    cadence = [
        CadenceChoice(kind=kind, channel=channel, cadence=request.form[f"cadence:{kind}:{channel}"])
        for kind in KINDS
        for channel in _channels()
        if f"cadence:{kind}:{channel}" in request.form
    ]
    days: list[int] | None = None
    if request.form.get("days") == "own":
        try:
            days = [int(d) for d in request.form.getlist("working_day")]
        except ValueError:
            raise ValidationFailed("working days are 0 to 6", field="working_days") from None
        if not days:
            raise ValidationFailed(
                "tick at least one working day (or switch the messages off above)",
                field="working_days",
            )
    schedule = ScheduleIn(
        quiet_from=_hour("quiet_from"), quiet_to=_hour("quiet_to"), working_days=days
    )
    return DeliveryPrefsIn(cadence=cadence, schedule=schedule)
