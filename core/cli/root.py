"""The root command group and the host's own commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ... import __version__
from ..errors import LearnwireError
from ..runtime import Runtime
from .output import emit, json_option, table
from .scaffold import new_plugin
from .serving import serve_app

pass_runtime = click.make_pass_decorator(Runtime)


class LearnwireGroup(click.Group):
    """Turns domain errors into a clear message and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except LearnwireError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=LearnwireGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML configuration file (same as LEARNWIRE_CONFIG).",
)
@click.version_option(__version__, prog_name="learnwire")
def cli(config: Path | None) -> None:
    """learnwire: personal workplace learning inside your LMS."""


# -- db ----------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@json_option
@pass_runtime
def db_upgrade(runtime: Runtime, as_json: bool) -> None:
    """Apply pending migrations (safe to run any number of times)."""
    applied = runtime.upgrade()
    data = {
        "applied": [f"{m.namespace}/{m.version:04d}_{m.name}" for m in applied],
        "embedded": runtime.db.embedded is not None,
    }

    def human(d: dict) -> None:
        if d["applied"]:
            for name in d["applied"]:
                click.echo(f"applied {name}")
        else:
            click.echo("database is up to date")

    emit(data, as_json, human)


@db.command("status")
@json_option
@pass_runtime
def db_status(runtime: Runtime, as_json: bool) -> None:
    """List every known migration and when it was applied."""
    from ..store import migrations

    rows = migrations.status(runtime.db, runtime.migration_sources())
    emit(
        rows,
        as_json,
        lambda rs: table(
            [
                [r["namespace"], f"{r['version']:04d}", r["name"], r["applied_at"] or "pending"]
                for r in rs
            ],
            ["namespace", "version", "name", "applied"],
        ),
    )


# -- serve / worker / beat ------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes sharing the port; one per core lets xAPI intake use every core.",
)
@pass_runtime
def serve(runtime: Runtime, host: str, port: int, threads: int, processes: int) -> None:
    """Serve the web app (LTI tool, xAPI, API) with the waitress WSGI server."""
    serve_app(runtime, host, port, threads, processes)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@pass_runtime
def worker(runtime: Runtime, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (needs LEARNWIRE_REDIS_URL). Extra args go to Celery."""
    _celery(runtime, ["worker", "--loglevel=INFO", *celery_args])


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@pass_runtime
def beat(runtime: Runtime, celery_args: tuple[str, ...]) -> None:
    """Run Celery beat, scheduling every registered periodic task."""
    schedule = runtime.settings.ensure_data_dir() / "celerybeat-schedule"
    _celery(runtime, ["beat", "--loglevel=INFO", f"--schedule={schedule}", *celery_args])


def _celery(runtime: Runtime, argv: list[str]) -> None:
    from ..worker import make_celery

    if runtime.settings.redis_url is None:
        raise click.UsageError(
            "set LEARNWIRE_REDIS_URL (e.g. redis://127.0.0.1:6379/0): without a broker, "
            "tasks already run inside the process that starts them"
        )
    # Fail closed: tasks take in and rank personal data, so no worker runs ungoverned.
    runtime.require_governance()
    app = make_celery(runtime.settings, runtime.collect("register_periodic_tasks"))
    app.start(argv)


# -- plugins / config ---------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list")
@json_option
@pass_runtime
def plugins_list(runtime: Runtime, as_json: bool) -> None:
    """Each plugin, where it comes from, its hooks; disabled ones with the reason."""
    # Calling the register hooks once surfaces plugins that raise or break contracts.
    for hook in (
        "register_signal_sources",
        "register_content_providers",
        "register_delivery_channels",
        "register_ranking_signals",
        "register_embedders",
        "register_periodic_tasks",
    ):
        runtime.collect(hook)
    runtime.pm.collect("register_migrations")
    infos = [i.as_dict() for i in runtime.pm.plugin_list()]

    def human(rows: list[dict]) -> None:
        table(
            [
                [r["name"], r["status"], r["origin"], ", ".join(r["hooks"]) or "-", r["reason"]]
                for r in rows
            ],
            ["plugin", "status", "origin", "hooks", "reason"],
        )

    emit(infos, as_json, human)


plugins.add_command(new_plugin)


@cli.group("config")
def config_group() -> None:
    """Effective configuration."""


@config_group.command("show")
@json_option
@pass_runtime
def config_show(runtime: Runtime, as_json: bool) -> None:
    """Print the effective settings with secrets masked."""
    data = runtime.settings.masked()

    def human(d: dict) -> None:
        for key, value in d.items():
            click.echo(f"{key} = {value}")

    emit(data, as_json, human)
