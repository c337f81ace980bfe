"""What the demo shows about delivery: the day's plan and a rendered message, nothing sent."""

from __future__ import annotations

from datetime import UTC, datetime

from learnwire.core.delivery.showcase import showcase

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Berlin 13:00, New York 07:00, Tokyo 21:00


def test_showcase_prints_the_days_plan_and_a_nudge_without_storing(make_runtime, org, db):
    text = showcase(make_runtime(), at=AT)
    assert "2 messages planned (digest 1, nudge 1), by channel lms 2" in text
    assert "no hour left today outside quiet hours (1)" in text
    assert "09:00 America/New_York" in text and "(before a presentation)" in text
    assert "Message to " in text and "minutes to get ready" in text
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM delivery_outbox").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM delivery_item").fetchone()[0] == 0
