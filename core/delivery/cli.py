"""``learnwire delivery``: run what is due, preview a message, the outbox's state, and a
person's own choices (acting on their request)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID

import click

from ..cli.moments import moment
from ..cli.output import emit, json_option, table
from ..cli.root import pass_runtime
from ..runtime import Runtime
from . import outbox, preferences
from .channel import CADENCES, KINDS
from .run import run
from .sender import Sender


@click.group("delivery")
def delivery_group() -> None:
    """Messages to learners: digests and nudges by e-mail, Slack, Teams and the LMS."""


@delivery_group.command("run")
@click.option("--at", help="Act as if it were this ISO 8601 time (default: now).")
@click.option(
    "--dry-run", is_flag=True, help="Print who would get what, when and why; send nothing."
)
@click.option(
    "--every",
    type=click.FloatRange(min=10),
    help="Keep running every this many seconds (the embedded default's scheduler).",
)
@json_option
@pass_runtime
def delivery_run(
    runtime: Runtime, at: str | None, dry_run: bool, every: float | None, as_json: bool
) -> None:
    """Plan today's messages into the outbox and send what is due now."""
    runtime.upgrade()
    sender = Sender(runtime)
    while True:
        # Without --at, each round acts for its own "now".
        when = moment(at, "--at") or datetime.now(UTC)
        report = run(runtime, at=when, dry_run=dry_run, sender=sender)
        data = report.as_dict()
        if dry_run or as_json:
            data["plans"] = [p.as_dict() for p in report.plans]
        emit(data, as_json, _human_run)
        if every is None or at:
            return
        time.sleep(every)


def _human_run(d: dict) -> None:
    plans = d.get("plans")
    if plans is not None:
        table(
            [
                [
                    p["learner_id"][:8],
                    p["kind"],
                    (p["send_at"] or "-")[:16],
                    ",".join(p["channels"]) or "-",
                    p["skipped"] or p["timing"],
                ]
                for p in plans
            ],
            ["learner", "kind", "send at (UTC)", "channels", "why"],
        )
    click.echo(
        f"{d['planned']} planned ({d['queued']} new), {sum(d['skipped'].values())} skipped, "
        f"{d['dispatched']} due sent or queued: "
        + (", ".join(f"{k} {v}" for k, v in d["results"].items()) or "none")
    )
    for reason, n in d["skipped"].items():
        click.echo(f"  skipped {n}: {reason}")


@delivery_group.command("preview")
@click.argument("learner", type=click.UUID)
@click.option("--kind", type=click.Choice(KINDS), default="digest", show_default=True)
@click.option("--channel", default="email", show_default=True)
@click.option("--html", "show_html", is_flag=True, help="Print the HTML part instead of text.")
@click.option("--at", help="As of this ISO 8601 time (default: now).")
@json_option
@pass_runtime
def delivery_preview(
    runtime: Runtime,
    learner: UUID,
    kind: str,
    channel: str,
    show_html: bool,
    at: str | None,
    as_json: bool,
) -> None:
    """Render the message LEARNER would get now, without storing or sending it."""
    runtime.upgrade()
    sender = Sender(runtime)
    with runtime.db.connection() as conn:
        when = moment(at, "--at") or datetime.now(UTC)
        message = sender.preview(conn, learner, kind=kind, channel=channel, at=when)
    data = message.model_dump(mode="json")

    def human(d: dict) -> None:
        click.echo(f"Subject: {d['subject']}\n")
        click.echo(d["html"] if show_html else d["text"])

    emit(data, as_json, human)


@delivery_group.command("status")
@json_option
@pass_runtime
def delivery_status(runtime: Runtime, as_json: bool) -> None:
    """Outbox counts per channel and state, and problems grouped by reason."""
    runtime.upgrade()
    with runtime.db.connection() as conn:
        data = outbox.status(conn)

    def human(d: dict) -> None:
        click.echo(f"{d['messages']} messages in the outbox")
        table(
            [[r["channel"], r["status"], r["count"]] for r in d["sends"]],
            ["channel", "status", "sends"],
        )
        if d["problems"]:
            click.echo("")
            table(
                [[r["channel"], r["status"], r["count"], r["reason"]] for r in d["problems"]],
                ["channel", "status", "sends", "reason"],
            )

    emit(data, as_json, human)


@delivery_group.command("contact")
@click.argument("learner", type=click.UUID)
@click.option("--channel", required=True, help="email, slack, teams, ...")
@click.option("--address", required=True, help="E-mail address, Slack user id or Teams UPN.")
@pass_runtime
def delivery_contact(runtime: Runtime, learner: UUID, channel: str, address: str) -> None:
    """Set where LEARNER is reached in a channel."""
    runtime.upgrade()
    with runtime.db.connection() as conn:
        preferences.set_contact(conn, learner, channel=channel, address=address, source="cli")
    click.echo(f"{channel} address set")


@delivery_group.command("cadence")
@click.argument("learner", type=click.UUID)
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--channel", required=True)
@click.option("--cadence", type=click.Choice(CADENCES), required=True)
@pass_runtime
def delivery_cadence(
    runtime: Runtime, learner: UUID, kind: str, channel: str, cadence: str
) -> None:
    """Record LEARNER's own choice (at their request): how often, in which channel."""
    runtime.upgrade()
    with runtime.db.connection() as conn:
        preferences.set_cadence(
            conn, learner, kind=kind, channel=channel, cadence=cadence, via="cli"
        )
    click.echo(f"{kind} in {channel}: {cadence}")


@delivery_group.command("schedule")
@click.argument("learner", type=click.UUID)
@click.option("--quiet", help="Quiet hours as FROM-TO local hours, e.g. 19-8; omit for defaults.")
@click.option("--working-days", help="Days messages may come, 0 = Monday, e.g. 0,1,2,3,4,5.")
@pass_runtime
def delivery_schedule(
    runtime: Runtime, learner: UUID, quiet: str | None, working_days: str | None
) -> None:
    """Record LEARNER's own quiet hours and working days (at their request)."""
    try:
        q = [int(h) for h in quiet.split("-")] if quiet else None
        days = [int(d) for d in working_days.split(",")] if working_days else None
    except ValueError:
        raise click.BadParameter("hours and days are whole numbers") from None
    if q is not None and len(q) != 2:
        raise click.BadParameter("quiet hours are FROM-TO, e.g. 19-8", param_hint="--quiet")
    runtime.upgrade()
    with runtime.db.connection() as conn:
        preferences.set_schedule(
            conn,
            learner,
            quiet_from=q[0] if q else None,
            quiet_to=q[1] if q else None,
            working_days=days,
        )
    click.echo("schedule set")
