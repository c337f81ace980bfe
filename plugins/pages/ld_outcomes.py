"""``/learning-admin/outcomes``: the organisation's outcome report for L&D staff, and
``/api/v1/learning-admin/outcomes`` (the same report as JSON).

The report is :func:`learnwire.core.measure.report.outcome_report`; it replays everyone's
history, so the page serves the one stored for the same parameters
(:mod:`learnwire.core.measure.snapshots`), says when it was computed and offers to recompute
it. With none stored, or one computed under another policy, the page answers at once that
it is being prepared (202) and computes it in the background. Reading is authorised as the
signed-in person acting as ``ld_admin`` for ``learning_analytics`` either way: the policy
decides (fewer than k people in the organisation, or another role, is refused and audited),
and every figure already withholds what rests on fewer than k people.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from learnwire.core.errors import ValidationFailed
from learnwire.core.measure.periods import PERIODS, Period
from learnwire.core.measure.refresh import (
    authorise_reader,
    preparing,
    read_current,
    start_refresh,
)
from learnwire.core.measure.snapshots import ReportKey, Snapshot

from . import charts, doors
from .errors import html_errors, reject_nul

outcome_pages = html_errors(Blueprint("pages_ld_outcomes", __name__, template_folder="templates"))
outcome_api = reject_nul(Blueprint("pages_ld_outcomes_api", __name__, url_prefix="/api/v1"))
ROLE = "ld_admin"
DEFAULT_DAYS = 90
#: The longest window one request may ask for: the report replays everyone's history.
MAX_DAYS = 3 * 366
#: Seconds a client is told to wait before asking again for a report being prepared.
RETRY_AFTER = 30
_PARAMS = ("since", "until", "period", "role")


def _moment(args: Mapping[str, str], name: str) -> datetime | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"query parameter '{name}' is not an ISO 8601 date or time: {value[:40]!r}"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _period(args: Mapping[str, str]) -> Period:
    value = args.get("period", "month") or "month"
    for p in PERIODS:
        if p == value:
            return p
    raise ValidationFailed(
        f"query parameter 'period' must be one of {', '.join(PERIODS)}, got {value[:20]!r}"
    )


def _key(args: Mapping[str, str]) -> ReportKey:
    """The report's parameters: the default rolling window unless since or until is given."""
    role = args.get("role", "").strip()[:200] or None
    period = _period(args)
    until, since = _moment(args, "until"), _moment(args, "since")
    if since is None and until is None:
        return ReportKey(period=period, role=role, days=DEFAULT_DAYS)
    # An open end is "now" to the hour, so repeated visits find the same stored report.
    until = until or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise ValidationFailed("query parameter 'since' must be before 'until'")
    if until - since > timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"the window may be at most {MAX_DAYS} days long")
    return ReportKey.fixed(since, until, period=period, role=role)


def _snapshot(key: ReportKey) -> tuple[Snapshot | None, bool]:
    """The stored report the signed-in person may read, else (None, whether it is being
    prepared: False when too many reports are already waiting)."""
    person = doors.require(ROLE)
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        snapshot = read_current(conn, runtime.governance, doors.subject(person, ROLE), key)
    if snapshot is not None:
        return snapshot, False
    return None, start_refresh(runtime.db, runtime.governance, key)


def _not_ready(started: bool) -> tuple[int, str]:
    if started:
        return 202, "The report is being prepared; reload this page in a minute or so to see it."
    return 429, "Several reports are being prepared already; try again in a few minutes."


@outcome_pages.get("/learning-admin/outcomes")
def outcomes() -> Response:
    doors.require(ROLE)  # the role before the input: a refusal says nothing about it
    key = _key(request.args)
    snapshot, started = _snapshot(key)
    if snapshot is None:
        status, message = _not_ready(started)
        response = doors.render(
            "pages/learning_admin_outcomes_preparing.html",
            status=status,
            title="Learning outcomes",
            message=message,
            retry_after=RETRY_AFTER,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    report = snapshot.report
    o = report.organisation
    progression = charts.levels(
        [
            charts.LevelRow(f"Day {m.day}", m.level.value, m.level.low, m.level.high)
            for m in o.mastery
        ],
        title="Role level from the start of the window",
        description="Bars: mean estimated level on the role's required skills; whiskers: "
        "its 95% interval over people. The table gives the model's own range too.",
        key="progression",
    )
    labels = [p.label for p in report.series]
    trend = charts.lines(
        [
            charts.Series("Active", [p.active_share.value for p in report.series]),
            charts.Series(
                "At the role's levels", [p.proficient_at_end.value for p in report.series]
            ),
            charts.Series("Found relevant", [p.relevance_rate.value for p in report.series]),
        ],
        labels,
        title=f"Outcomes per {report.period}",
        description="Share of people active, at their role's levels at the period's end, and "
        "share of relevance answers saying relevant; gaps are withheld or not yet measured.",
        maximum=1.0,
        percent=True,
        key="outcome-trend",
    )
    return doors.render(
        "pages/learning_admin_outcomes.html",
        title="Learning outcomes",
        report=report,
        progression=progression,
        trend=trend,
        periods=PERIODS,
        computed_at=snapshot.computed_at,
        recomputing=preparing(key),
        params={k: request.args[k] for k in _PARAMS if request.args.get(k)},
    )


@outcome_pages.post("/learning-admin/outcomes/recompute")
def recompute() -> WerkzeugResponse:
    """Compute the report for the form's parameters again, in the background; governed as
    reading it (so it cannot be used to compute what the person may not read)."""
    person = doors.require(ROLE)
    doors.check_csrf()
    key = _key(request.form)
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        authorise_reader(conn, runtime.governance, doors.subject(person, ROLE))
    started = start_refresh(runtime.db, runtime.governance, key)
    params = {k: request.form[k] for k in _PARAMS if request.form.get(k)}
    return doors.back(
        "pages_ld_outcomes.outcomes", recompute="started" if started else "busy", **params
    )


@outcome_api.get("/learning-admin/outcomes")
def outcomes_json() -> Any:
    """The stored report (``generated_at``: when it was computed), or 202 with
    ``Retry-After`` while it is being prepared (429 when too many are)."""
    doors.require(ROLE)
    snapshot, started = _snapshot(_key(request.args))
    if snapshot is None:
        status, message = _not_ready(started)
        response = jsonify({"status": "preparing" if started else "busy", "detail": message})
        response.status_code = status
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    # The body is the report as documented; its generated_at is when it was computed,
    # which Last-Modified says too.
    response = jsonify(snapshot.report.model_dump(mode="json"))
    response.last_modified = snapshot.computed_at
    return response
