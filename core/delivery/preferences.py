"""A person's choices about messages: cadence per kind and channel, their own quiet hours
and working days, and where they can be reached.

Only the person decides about their own messages (through the page, the API acting for them,
or a one-click unsubscribe): managers and L&D set organisation defaults in configuration,
and a default never outranks a person's own row, so nobody can force a message past "off".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from ..errors import NotFound, ValidationFailed
from . import outbox
from .channel import CADENCES, KINDS
from .settings import DeliverySettings

Conn = psycopg.Connection[Any]


def _learner(conn: Conn, learner_id: UUID) -> None:
    if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
        raise NotFound(f"no learner {learner_id}")


def set_cadence(
    conn: Conn, learner_id: UUID, *, kind: str, channel: str, cadence: str, via: str
) -> None:
    """Record the person's own cadence; "off" also cancels what is waiting, at once."""
    if kind not in KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(KINDS)}, got '{kind}'", field="kind"
        )
    if cadence not in CADENCES:
        raise ValidationFailed(
            f"cadence must be one of {', '.join(CADENCES)}, got '{cadence}'", field="cadence"
        )
    if not channel or len(channel) > 64:
        raise ValidationFailed("channel must be a channel name", field="channel")
    _learner(conn, learner_id)
    conn.execute(
        "INSERT INTO delivery_preference (learner_id, kind, channel, cadence, set_via) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (learner_id, kind, channel) DO UPDATE "
        "SET cadence = EXCLUDED.cadence, set_via = EXCLUDED.set_via, updated_at = now()",
        (learner_id, kind, channel, cadence, via),
    )
    if cadence == "off":
        outbox.cancel_open(
            conn, learner_id, kind=kind, channel=channel, reason="the person switched this off"
        )


def set_contact(
    conn: Conn, learner_id: UUID, *, channel: str, address: str, source: str = "learnwire"
) -> None:
    address = address.strip()
    if not address or len(address) > 320:
        raise ValidationFailed("address must be 1 to 320 characters", field="address")
    _learner(conn, learner_id)
    conn.execute(
        "INSERT INTO delivery_contact (learner_id, channel, address, source, occurred_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (learner_id, channel) DO UPDATE "
        "SET address = EXCLUDED.address, source = EXCLUDED.source, "
        "occurred_at = EXCLUDED.occurred_at, stored_at = now()",
        (learner_id, channel, address, source, datetime.now(UTC)),
    )


def set_schedule(
    conn: Conn,
    learner_id: UUID,
    *,
    quiet_from: int | None,
    quiet_to: int | None,
    working_days: list[int] | None,
) -> None:
    """The person's own quiet hours (both or neither) and working days (0 = Monday)."""
    if (quiet_from is None) != (quiet_to is None):
        raise ValidationFailed("give both quiet_from and quiet_to, or neither", field="quiet_to")
    for name, hour in (("quiet_from", quiet_from), ("quiet_to", quiet_to)):
        if hour is not None and not 0 <= hour <= 23:
            raise ValidationFailed(f"{name} is an hour from 0 to 23", field=name)
    if working_days is not None and any(d not in range(7) for d in working_days):
        raise ValidationFailed("working days are 0 (Monday) to 6 (Sunday)", field="working_days")
    _learner(conn, learner_id)
    conn.execute(
        "INSERT INTO delivery_schedule (learner_id, quiet_from, quiet_to, working_days) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (learner_id) DO UPDATE SET "
        "quiet_from = EXCLUDED.quiet_from, quiet_to = EXCLUDED.quiet_to, "
        "working_days = EXCLUDED.working_days, updated_at = now()",
        (learner_id, quiet_from, quiet_to, working_days),
    )


@dataclass(frozen=True)
class Choices:
    """What a person gets, as they see it: per (kind, channel) the cadence in force and
    whether it is their own choice or the organisation's default; their own quiet hours and
    working days (None: the organisation's); the channels they have an address in."""

    cadence: dict[tuple[str, str], tuple[str, bool]]
    quiet: tuple[int, int] | None
    working_days: list[int] | None
    contacts: dict[str, str]


def choices(
    conn: Conn, learner_id: UUID, *, settings: DeliverySettings, channels: list[str]
) -> Choices:
    """The person's own choices over ``channels``, the organisation's default where they
    have not chosen (the same rule the planner and the sender apply)."""
    _learner(conn, learner_id)
    own = {
        (kind, channel): cadence
        for kind, channel, cadence in conn.execute(
            "SELECT kind, channel, cadence FROM delivery_preference WHERE learner_id = %s",
            (learner_id,),
        )
    }
    cadence = {
        (kind, channel): (own[(kind, channel)], True)
        if (kind, channel) in own
        else (settings.cadence(kind, channel), False)
        for kind in KINDS
        for channel in channels
    }
    row = conn.execute(
        "SELECT quiet_from, quiet_to, working_days FROM delivery_schedule WHERE learner_id = %s",
        (learner_id,),
    ).fetchone()
    quiet = (row[0], row[1]) if row and row[0] is not None else None
    contacts = dict(
        conn.execute(
            "SELECT channel, address FROM delivery_contact WHERE learner_id = %s ORDER BY channel",
            (learner_id,),
        ).fetchall()
    )
    return Choices(cadence, quiet, list(row[2]) if row and row[2] is not None else None, contacts)
