"""``learnwire content retirement``: propose, review, retire or keep, reinstate."""

from __future__ import annotations

from typing import Any

import click

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from .retirement import decide, propose, reinstate, retirements
from .tag_store import content_ref


@click.group("retirement")
def retirement() -> None:
    """Retire content by review: propose, then retire or keep."""


def _item_args(f: Any) -> Any:
    f = click.argument("external_id")(f)
    return click.argument("provider")(f)


@retirement.command("propose")
@_item_args
@click.option("--reason", required=True)
@click.option("--by", required=True, help="Who proposes.")
@pass_runtime
def retirement_propose(
    runtime: Runtime, provider: str, external_id: str, reason: str, by: str
) -> None:
    """Propose an item for retirement."""
    with runtime.db.connection() as conn, conn.transaction():
        new = propose(
            conn, content_ref(conn, provider, external_id), reason=reason, by=by, evidence=None
        )
    click.echo("proposed" if new else "already proposed or retired")


@retirement.command("list")
@click.option("--state", type=click.Choice(["proposed", "retired", "kept"]))
@json_option
@pass_runtime
def retirement_list(runtime: Runtime, state: str | None, as_json: bool) -> None:
    """Proposals (the review queue with --state proposed) and decisions, with evidence."""
    with runtime.db.connection() as conn:
        data = [r.as_dict() for r in retirements(conn, state)]

    def human(rows: list[dict[str, Any]]) -> None:
        table(
            [
                [r["provider"], r["external_id"], r["title"][:40], r["state"], r["reason"][:50]]
                for r in rows
            ],
            ["provider", "id", "title", "state", "reason"],
        )

    emit(data, as_json, human)


def _decision(name: str, retire: bool, doc: str) -> click.Command:
    @click.command(name)
    @_item_args
    @click.option("--by", required=True, help="Who decides.")
    @pass_runtime
    def command(runtime: Runtime, provider: str, external_id: str, by: str) -> None:
        with runtime.db.connection() as conn, conn.transaction():
            decide(conn, content_ref(conn, provider, external_id), retire=retire, by=by)
        click.echo(f"{provider} {external_id}: {'retired' if retire else 'kept'} by {by}")

    command.__doc__ = doc
    return command


retirement.add_command(
    _decision("retire", True, "Retire a proposed item: no longer recommended or delivered.")
)
retirement.add_command(_decision("keep", False, "Keep a proposed item live."))


@retirement.command("reinstate")
@_item_args
@click.option("--by", required=True)
@pass_runtime
def retirement_reinstate(runtime: Runtime, provider: str, external_id: str, by: str) -> None:
    """Bring back an item retired by curation."""
    with runtime.db.connection() as conn, conn.transaction():
        reinstate(conn, content_ref(conn, provider, external_id), by=by)
    click.echo(f"{provider} {external_id}: reinstated by {by}")
