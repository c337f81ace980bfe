"""What ``learnwire demo`` prints about delivery: the day's plan (who gets what, at which
local hour, in which channel, and why) and one rendered message, without sending anything."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from ..runtime import Runtime
from .run import plan_and_queue
from .sender import Sender


def showcase(runtime: Runtime, *, at: datetime, rows: int = 8) -> str:
    sender = Sender(runtime)
    report = plan_and_queue(runtime, sender, at=at, dry_run=True)
    planned = [p for p in report.plans if not p.skipped]
    with runtime.db.connection() as conn:
        zones = dict(conn.execute("SELECT id, timezone FROM learner").fetchall())
    kinds = Counter(p.kind for p in planned)
    channels = Counter(c for p in planned for c in p.channels)
    skipped = Counter(p.skipped for p in report.plans if p.skipped)
    lines = [
        f"\nDelivery on {at.date()} (dry run; `learnwire delivery run` sends): "
        f"{len(planned)} messages planned ("
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        + "), by channel "
        + (", ".join(f"{c} {n}" for c, n in sorted(channels.items())) or "none")
        + (
            "; skipped: " + ", ".join(f"{r} ({n})" for r, n in skipped.most_common())
            if skipped
            else ""
        ),
        "",
        f"{'learner':<10} {'kind':<7} {'local time':<22} {'channels':<12} why",
    ]
    for plan in sorted(planned, key=lambda p: p.send_at or at)[:rows]:
        zone = zones.get(plan.learner_id, "UTC")
        local = plan.send_at.astimezone(ZoneInfo(zone)) if plan.send_at else None
        when = f"{local:%H:%M} {zone}" if local else "-"
        lines.append(
            f"{str(plan.learner_id)[:8]:<10} {plan.kind:<7} {when:<22} "
            f"{','.join(plan.channels):<12} {plan.timing}"
            + (f" (before a {plan.situation})" if plan.situation else "")
        )
    example = next((p for p in planned if p.kind == "nudge"), planned[0] if planned else None)
    if example is not None:
        with runtime.db.connection() as conn:
            message = sender.preview(
                conn, example.learner_id, kind=example.kind, channel=example.channels[0], at=at
            )
        lines += [
            "",
            f"Message to {str(example.learner_id)[:8]} ({example.kind}):",
            f"Subject: {message.subject}",
            "",
            message.text.rstrip(),
        ]
    return "\n".join(lines)
