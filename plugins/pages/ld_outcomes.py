"""``/learning-admin/outcomes``: the organisation's outcome report for L&D staff, and
``/api/v1/learning-admin/outcomes`` (the same report as JSON).

The report is :func:`learnwire.core.measure.report.outcome_report`, read as the signed-in
person acting as ``ld_admin`` for ``learning_analytics``: the policy decides (fewer than k
people in the organisation, or another role, is refused and audited), and every figure in
it already withholds what rests on fewer than k people.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from learnwire.core.errors import ValidationFailed
from learnwire.core.measure.periods import PERIODS, Period
from learnwire.core.measure.report import OutcomeReport, outcome_report

from . import charts, doors
from .errors import html_errors, reject_nul

outcome_pages = html_errors(Blueprint("pages_ld_outcomes", __name__, template_folder="templates"))
outcome_api = reject_nul(Blueprint("pages_ld_outcomes_api", __name__, url_prefix="/api/v1"))
ROLE = "ld_admin"
DEFAULT_DAYS = 90
#: The longest window one request may ask for: the report replays everyone's history.
MAX_DAYS = 3 * 366


def _moment(name: str) -> datetime | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"query parameter '{name}' is not an ISO 8601 date or time: {value[:40]!r}"
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _period() -> Period:
    value = request.args.get("period", "month")
    for p in PERIODS:
        if p == value:
            return p
    raise ValidationFailed(
        f"query parameter 'period' must be one of {', '.join(PERIODS)}, got {value[:20]!r}"
    )


def _report() -> OutcomeReport:
    person = doors.require(ROLE)
    until = _moment("until") or datetime.now(UTC)
    since = _moment("since") or until - timedelta(days=DEFAULT_DAYS)
    if since >= until:
        raise ValidationFailed("query parameter 'since' must be before 'until'")
    if until - since > timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"the window may be at most {MAX_DAYS} days long")
    role = request.args.get("role", "").strip()[:200] or None
    runtime = doors.runtime()
    with runtime.db.connection() as conn:
        return outcome_report(
            conn,
            runtime.governance,
            doors.subject(person, ROLE),
            since=since,
            until=until,
            period=_period(),
            role=role,
        )


@outcome_pages.get("/learning-admin/outcomes")
def outcomes() -> Response:
    report = _report()
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
    )


@outcome_api.get("/learning-admin/outcomes")
def outcomes_json() -> Any:
    return jsonify(_report().model_dump(mode="json"))
