"""``learnwire forecast``: the gaps likely to bite in the next 90 days."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

import click

from ..runtime import Runtime
from .output import emit, json_option
from .recommend import _at, _service
from .root import cli, pass_runtime


@cli.command()
@click.argument("learner", type=click.UUID, required=False)
@click.option("--team", "manager", type=click.UUID, help="Aggregate for this manager's group.")
@click.option("--at", help="Forecast as of this ISO 8601 time (default: now).")
@json_option
@pass_runtime
def forecast(
    runtime: Runtime, learner: UUID | None, manager: UUID | None, at: str | None, as_json: bool
) -> None:
    """The gaps likely to bite LEARNER in the next 90 days, each with its reason and date;
    with --team MANAGER, how many of that manager's people each gap concerns (k-anonymous)."""
    from ..governance import AccessDenied
    from ..learner.forecast_team import GroupTooSmall, team_forecast

    if (learner is None) == (manager is None):
        raise click.UsageError("give either LEARNER or --team MANAGER")
    svc = _service(runtime)
    when = _at(at)
    with runtime.db.connection() as conn:
        model = svc.model(conn)
        if learner is not None:
            state, _ = svc.state(conn, learner, at=when, model=model)
            rows = [g.as_dict() for g in state.forecast]

            def human(rs: list[dict]) -> None:
                if not rs:
                    click.echo("nothing likely to bite in the next 90 days")
                for r in rs:
                    click.echo(f"{r['due']}  {r['kind']:<13} {r['reason']}")

            emit(rows, as_json, human)
            return
        assert manager is not None
        try:
            size, team = team_forecast(
                conn, svc.governance, manager, model.items, model.org, at=when
            )
        except (GroupTooSmall, AccessDenied) as exc:
            raise click.ClickException(str(exc)) from None
    data = {"group_size": size, "rows": [asdict(r) for r in team]}

    def human_team(d: dict) -> None:
        click.echo(f"{d['group_size']} people; rows resting on fewer than k are withheld")
        for r in d["rows"]:
            click.echo(f"{r['earliest_due']}  {r['kind']:<13} {r['skill']}: {r['people']} people")

    emit(data, as_json, human_team)
