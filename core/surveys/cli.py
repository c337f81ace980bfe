"""``learnwire surveys summary``: what people answered in a period, for L&D staff. Shares
are shown only when at least k people answered (the policy's k); team observations only for
teams of at least k."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from ..cli.moments import moment
from ..cli.output import emit, json_option, table
from ..cli.root import pass_runtime
from ..runtime import Runtime
from .observations import observation_results
from .responses import survey_responses
from .vocabulary import APPLICATION, RELEVANCE

#: The answer whose share each learner question reports.
POSITIVE = {RELEVANCE: "relevant", APPLICATION: "used"}


@click.group("surveys")
def surveys_group() -> None:
    """Micro-surveys: relevance, application and managers' team observations."""


@surveys_group.command("summary")
@click.option("--since", help="Start (ISO 8601; default: 30 days ago).")
@click.option("--until", help="End, exclusive (ISO 8601; default: now).")
@json_option
@pass_runtime
def summary(runtime: Runtime, since: str | None, until: str | None, as_json: bool) -> None:
    """Answers given in a period: shares over at least k people, teams of at least k."""
    end = moment(until, "--until") or datetime.now(UTC)
    start = moment(since, "--since") or end - timedelta(days=30)
    k = runtime.governance.min_group_size
    data: dict[str, Any] = {"since": start.isoformat(), "until": end.isoformat(), "k": k}
    with runtime.db.connection() as conn:
        for kind, positive in POSITIVE.items():
            answers = survey_responses(conn, kind=kind, since=start, until=end)
            people = len({a.person_id for a in answers})
            counts = Counter(a.answer for a in answers)
            data[kind] = {
                "answers": len(answers) if people >= k else None,
                "people": people if people >= k else None,
                "share": round(counts[positive] / len(answers), 3) if people >= k else None,
                "counts": dict(sorted(counts.items())) if people >= k else None,
            }
        results = observation_results(conn, k=k, since=start, until=end)
    data["observation"] = {
        "teams": [t.__dict__ for t in results.teams],
        "withheld_teams": results.withheld_teams,
    }
    emit(data, as_json, _human)


def _human(d: dict[str, Any]) -> None:
    click.echo(f"Answers from {d['since'][:10]} to {d['until'][:10]} (k = {d['k']}):")
    for kind, positive in POSITIVE.items():
        row = d[kind]
        if row["share"] is None:
            click.echo(f"  {kind}: fewer than {d['k']} people answered; nothing is shown")
        else:
            click.echo(
                f"  {kind}: {row['share']:.0%} '{positive}' over {row['answers']} answers "
                f"from {row['people']} people"
            )
    teams = d["observation"]["teams"]
    if teams:
        table(
            [
                [
                    t["team_id"],
                    t["skill_id"],
                    t["team_size"],
                    sum(t["answers"].values()),
                    "-" if t["share_seen"] is None else f"{t['share_seen']:.0%}",
                ]
                for t in teams
            ],
            ["team", "skill", "size", "answers", "seen applied"],
        )
    click.echo(
        f"  teams withheld (fewer than {d['k']} people): {d['observation']['withheld_teams']}"
    )
