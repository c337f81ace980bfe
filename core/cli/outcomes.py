"""``learnwire outcomes report``: the organisation's learning outcomes over a window.

Run at the console by someone who administers learnwire, the report is read as L&D staff
read it (role ``ld_admin``, purpose ``learning_analytics``): figures over groups only,
nothing resting on fewer than k people, opted-out data left out.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from ..governance import AccessDenied, Subject
from ..measure.periods import PERIODS
from ..measure.refresh import read_current
from ..measure.report import OutcomeReport, outcome_report
from ..measure.snapshots import ReportKey
from ..measure.stats import Estimate
from ..runtime import Runtime
from .moments import moment
from .output import emit, json_option, table
from .root import cli, pass_runtime

DEFAULT_DAYS = 90


@cli.group()
def outcomes() -> None:
    """Learning outcomes for the whole organisation (L&D staff's view)."""


@outcomes.command("report")
@click.option("--since", help=f"Start (ISO 8601; default: {DEFAULT_DAYS} days before --until).")
@click.option("--until", help="End, exclusive (ISO 8601; default: now).")
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    default="month",
    show_default=True,
    help="Length of each step of the series.",
)
@click.option("--role", help="Only people holding this job profile (its id).")
@click.option(
    "--cached",
    is_flag=True,
    help="Print the stored report for these parameters (as the L&D page shows it) instead "
    "of computing it afresh.",
)
@json_option
@pass_runtime
def report(
    runtime: Runtime,
    since: str | None,
    until: str | None,
    period: str,
    role: str | None,
    cached: bool,
    as_json: bool,
) -> None:
    """Completion, engagement, mastery at 30/60/90 days, time to proficiency, survey rates,
    manager observations and how widely recommendations reach, with 95% intervals, per role
    and per period."""
    end = moment(until, "--until") or datetime.now(UTC)
    start = moment(since, "--since") or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    runtime.upgrade()
    step = next(p for p in PERIODS if p == period)  # click.Choice checked it is one
    viewer = Subject("ld_admin", f"cli:{getpass.getuser()}")
    if cached:
        key = (
            ReportKey(period=step, role=role, days=DEFAULT_DAYS)
            if since is None and until is None
            else ReportKey.fixed(start, end, period=step, role=role)
        )
        _print_cached(runtime, viewer, key, as_json)
        return
    with runtime.db.connection() as conn:
        try:
            result = outcome_report(
                conn,
                runtime.governance,
                viewer,
                since=start,
                until=end,
                period=step,
                role=role,
            )
        except AccessDenied as exc:
            raise click.ClickException(f"refused by policy: {exc}") from None
    emit(result.model_dump(mode="json"), as_json, lambda _: _print(result))


def _print_cached(runtime: Runtime, viewer: Subject, key: ReportKey, as_json: bool) -> None:
    with runtime.db.connection() as conn:
        try:
            snapshot = read_current(conn, runtime.governance, viewer, key)
        except AccessDenied as exc:
            raise click.ClickException(f"refused by policy: {exc}") from None
    if snapshot is None:
        raise click.ClickException(
            "no stored report for these parameters under the policy in force; run without "
            "--cached to compute one, or wait for the scheduled refresh"
        )
    body = snapshot.report.model_dump(mode="json")  # generated_at: when it was computed

    def human(_: Any) -> None:
        click.echo(f"Stored report, computed {snapshot.computed_at:%Y-%m-%d %H:%M} UTC")
        _print(snapshot.report)

    emit(body, as_json, human)


def _print(r: OutcomeReport) -> None:
    o = r.organisation
    click.echo(
        f"Outcomes {r.since:%Y-%m-%d} to {r.until:%Y-%m-%d}"
        + (f", role {r.role}" if r.role else "")
        + f": {r.people} people, k = {r.k}"
    )
    lines: list[tuple[str, Estimate, bool]] = [
        ("items finished per person", o.completions_per_person, False),
        ("finished at least one item", o.completed_any, True),
        ("share of days active", o.active_day_share, True),
        ("at the role's levels at the start", o.proficiency.at_start, True),
        ("reached the role's levels", o.proficiency.reached, True),
        ("days to reach them (median)", o.proficiency.median_days, False),
        ("found items relevant", o.relevance_rate, True),
        ("applied what they learned", o.application_rate, True),
        ("teams seen applying it (managers)", r.observation.seen_share, True),
        ("catalogue coverage", o.beyond_accuracy.coverage, True),
        ("concentration (Gini)", o.beyond_accuracy.gini, False),
        ("novelty (bits)", o.beyond_accuracy.novelty, False),
    ]
    for name, est, percent in lines:
        click.echo(f"  {name:<36} {est.text(percent=percent)}")
    for m in o.mastery:
        width = (
            f"; model's 90% range +/-{m.model_range_width / 2:.2f}" if m.model_range_width else ""
        )
        click.echo(f"  {f'role level at day {m.day}':<36} {m.level.text()}{width}")
        click.echo(f"  {'  gain since the start':<36} {m.gain.text()}")
        click.echo(f"  {'  required skills at target':<36} {m.skills_at_target.text(percent=True)}")
    for role in r.roles:
        if role.outcomes is None:
            click.echo(f"  role {role.role_name}: withheld (fewer than k people)")
            continue
        click.echo(f"  role {role.role_name}: {role.outcomes.people} people")
        for flag in role.flags:
            click.echo(f"    ! {flag.text}")
    rows: list[list[str]] = [
        [
            p.label,
            _short(p.active_share, True),
            str(p.completions) if p.completions is not None else "-",
            _short(p.role_level_at_end),
            _short(p.proficient_at_end, True),
            _short(p.relevance_rate, True),
            _short(p.coverage, True),
            _short(p.gini),
        ]
        for p in r.series
    ]
    if rows:
        click.echo("")
        table(
            rows,
            ["period", "active", "finished", "level", "proficient", "relevant", "coverage", "gini"],
        )


def _short(e: Estimate, percent: bool = False) -> str:
    if e.status == "suppressed":
        return "<k"
    if e.value is None:
        return "-"
    return f"{100 * e.value:.0f}%" if percent else f"{e.value:.2f}"
