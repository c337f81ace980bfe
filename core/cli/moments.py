"""A moment given on the command line (``--at``, ``--since``, ``--until``)."""

from __future__ import annotations

from datetime import UTC, datetime

import click


def moment(value: str | None, option: str) -> datetime | None:
    """``value`` as an aware datetime, or None when the option was not given.

    ISO 8601 date or time; ``Z`` and a time without an offset mean UTC.

    :raises click.BadParameter: not ISO 8601 (the message names ``option``).
    """
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"not an ISO 8601 date or time: {value!r}", param_hint=option
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
