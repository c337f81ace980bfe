"""The moment every command's ``--at``, ``--since`` and ``--until`` is read with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest

from learnwire.core.cli.moments import moment


def test_moments_not_given_is_none() -> None:
    assert moment(None, "--at") is None
    assert moment("", "--at") is None


def test_moments_without_offset_or_with_z_are_utc_and_offsets_are_kept() -> None:
    assert moment("2026-11-23T09:30", "--at") == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert moment("2026-11-23T09:30Z", "--at") == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert moment("2026-11-23", "--since") == datetime(2026, 11, 23, tzinfo=UTC)
    tokyo = moment("2026-11-23T09:30+09:00", "--until")
    assert tokyo is not None and tokyo.utcoffset() == timedelta(hours=9)
    assert tokyo == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


def test_moments_not_iso_8601_name_the_option() -> None:
    with pytest.raises(click.BadParameter) as refused:
        moment("next tuesday", "--until")
    assert "not an ISO 8601 date or time: 'next tuesday'" in refused.value.format_message()
    assert refused.value.param_hint == "--until"
