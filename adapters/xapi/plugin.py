"""The xAPI adapter as a learnwire plugin (entry point ``xapi``): the ``/xapi`` blueprint,
the ``learnwire xapi`` commands, the ``xapi`` migrations and the scheduled LRS pull."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from learnwire import hookimpl
from learnwire.core.cli.output import emit, json_option, table
from learnwire.core.cli.root import pass_runtime
from learnwire.core.config import Settings
from learnwire.core.migrations_source import MigrationSource
from learnwire.core.periodic import PeriodicTask
from learnwire.core.runtime import Runtime, in_runtime

from . import credentials
from .personal_data import XapiAgents
from .settings import xapi_settings


@hookimpl(trylast=True)
def register_blueprints(settings: Settings) -> list[Any]:
    from .flask import make_blueprint

    return [make_blueprint()]


@hookimpl(trylast=True)
def register_migrations() -> list[MigrationSource]:
    return [MigrationSource(namespace="xapi", directory=Path(__file__).parent / "migrations")]


@hookimpl(trylast=True)
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    config = xapi_settings(settings)
    if config.pull_lrs is None:
        return []
    return [
        PeriodicTask(name="xapi.pull", every_seconds=config.pull_every_seconds, run=scheduled_pull)
    ]


def _scheduled_pull(runtime: Runtime) -> dict[str, Any]:
    """The beat task: pull the configured LRS from its checkpoint."""
    config = xapi_settings(runtime.settings)
    assert config.pull_lrs is not None
    return _pull(
        runtime,
        lrs=config.pull_lrs,
        source=config.pull_source,
        since=config.pull_since,
        key=config.pull_key.get_secret_value() if config.pull_key else None,
        secret=config.pull_secret.get_secret_value() if config.pull_secret else None,
        page_size=config.pull_page_size,
    ).as_dict()


scheduled_pull = in_runtime(_scheduled_pull)


def _pull(
    runtime: Runtime,
    *,
    lrs: str,
    source: str,
    since: str | None,
    key: str | None,
    secret: str | None,
    page_size: int,
    restart: bool = False,
    on_page: Any = None,
) -> Any:
    from .pull import LrsClient, pull

    client = LrsClient(lrs, key=key, secret=secret, page_size=page_size)
    return pull(
        runtime.db,
        runtime.intake(),
        client,
        source=source,
        public_url=runtime.settings.public_url,
        since=since,
        restart=restart,
        on_page=on_page,
    )


# -- command line -----------------------------------------------------------------------------


@hookimpl(trylast=True)
def register_commands(cli: click.Group) -> None:
    cli.add_command(xapi)


@click.group()
def xapi() -> None:
    """xAPI statements: credentials for senders, pulls from other LRSs."""


@xapi.group("credentials")
def credentials_group() -> None:
    """HTTP Basic credentials for the /xapi/statements resource."""


@credentials_group.command("create")
@click.option("--source", required=True, help="Source the statements are recorded under.")
@json_option
@pass_runtime
def credentials_create(runtime: Runtime, source: str, as_json: bool) -> None:
    """Issue a key and secret for SOURCE; the secret is shown only now."""
    # Usually the first command on a fresh install: its table must exist.
    runtime.upgrade()
    with runtime.db.connection() as conn:
        issued = credentials.create(conn, source)
    endpoint = runtime.settings.public_url.rstrip("/") + "/xapi/"
    data = {"key": issued.key, "secret": issued.secret, "source": source, "endpoint": endpoint}

    def human(d: dict[str, str]) -> None:
        click.echo(f"endpoint  {d['endpoint']}")
        click.echo(f"key       {d['key']}")
        click.echo(f"secret    {d['secret']}")
        click.echo("The secret is not stored in readable form: copy it now.")

    emit(data, as_json, human)


@credentials_group.command("list")
@json_option
@pass_runtime
def credentials_list(runtime: Runtime, as_json: bool) -> None:
    """Every credential with its source and state (secrets are never shown)."""
    with runtime.db.connection() as conn:
        rows = [
            {
                "key": c.key,
                "source": c.source,
                "created_at": c.created_at.isoformat(),
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            }
            for c in credentials.list_all(conn)
        ]
    emit(
        rows,
        as_json,
        lambda rs: table(
            [[r["key"], r["source"], r["created_at"], r["revoked_at"] or "active"] for r in rs],
            ["key", "source", "created", "revoked"],
        ),
    )


@credentials_group.command("revoke")
@click.argument("key")
@pass_runtime
def credentials_revoke(runtime: Runtime, key: str) -> None:
    """Revoke the credential KEY; requests using it get 401 from now on."""
    with runtime.db.connection() as conn:
        credentials.revoke(conn, key)
    click.echo(f"revoked {key}")


@xapi.command("pull")
@click.option("--lrs", required=True, help="The LRS's xAPI endpoint, e.g. https://lrs.example/xapi")
@click.option("--since", default=None, help="ISO 8601 start for the first pull (exclusive).")
@click.option("--key", envvar="LEARNWIRE_XAPI_PULL_KEY", default=None, help="Basic-auth key.")
@click.option(
    "--secret", envvar="LEARNWIRE_XAPI_PULL_SECRET", default=None, help="Basic-auth secret."
)
@click.option("--source", default="lrs", show_default=True, help="Source to record under.")
@click.option("--page-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--restart", is_flag=True, help="Ignore the checkpoint and start from --since.")
@json_option
@pass_runtime
def pull_command(
    runtime: Runtime,
    lrs: str,
    since: str | None,
    key: str | None,
    secret: str | None,
    source: str,
    page_size: int,
    restart: bool,
    as_json: bool,
) -> None:
    """Pull statements from another LRS, resuming from the last stored page."""

    def progress(report: Any) -> None:
        if not as_json:
            click.echo(
                f"page {report.pages}: {report.stored} stored, {report.replayed} already "
                f"there, checkpoint {report.checkpoint}"
            )

    report = _pull(
        runtime,
        lrs=lrs,
        source=source,
        since=since,
        key=key,
        secret=secret,
        page_size=page_size,
        restart=restart,
        on_page=progress,
    )

    def human(d: dict[str, Any]) -> None:
        click.echo(
            f"pulled {d['received']} statement(s) in {d['pages']} page(s) from {d['lrs']}: "
            f"{d['stored']} stored, {d['replayed']} already there, {d['refused']} refused by "
            f"policy, {d['skipped']} invalid (skipped)"
        )
        for bad in d["invalid"][:10]:
            click.echo(f"  invalid {bad['id']}: {bad['reason']}")

    emit(report.as_dict(), as_json, human)


@hookimpl(trylast=True)
def register_personal_data(settings: Settings) -> list[Any]:
    return [XapiAgents()]
