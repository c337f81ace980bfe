"""``learnwire experiment create|status|report|stop``: experiments for L&D admins."""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from learnwire.core.cli.output import emit, json_option, table
from learnwire.core.cli.root import pass_runtime
from learnwire.core.errors import ValidationFailed
from learnwire.core.governance import Subject
from learnwire.core.runtime import Runtime

from . import placement, report, store
from .definition import parse

#: Files larger than this are not experiment definitions.
MAX_FILE_BYTES = 256 * 1024


def admin() -> Subject:
    """The L&D admin at the terminal (named in the audit as the operator)."""
    name = os.environ.get("LEARNWIRE_OPERATOR") or getpass.getuser()
    return Subject("ld_admin", f"cli:{name}")


def _read(file: Path) -> Any:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValidationFailed(f"{file}: larger than {MAX_FILE_BYTES // 1024} KiB", field="FILE")
    text = file.read_text(encoding="utf-8")
    try:
        return json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{file}: not valid YAML or JSON ({exc})", field="FILE") from exc


def _arm(text: str) -> dict[str, str]:
    name, sep, serve = text.partition("=")
    if not sep:
        raise ValidationFailed(f"--arm '{text}': expected NAME=SERVE, e.g. seg=segmentation")
    return {"name": name, "serve": serve}


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


@click.group("experiment")
def experiment_group() -> None:
    """Experiments: learnwire against a curriculum by role, with pre-registered outcomes."""


@experiment_group.command("create")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--id", "experiment_id", help="Short id (lower-case letters, digits, - or _).")
@click.option("--title")
@click.option("--roles", help="Job profile ids, comma-separated (default: every role).")
@click.option("--units", help="Organisation unit ids, comma-separated (default: everyone).")
@click.option("--start", help="When arms start being served (ISO time with zone; default now).")
@click.option("--arm", "arms", multiple=True, help="NAME=learnwire|segmentation|without:FAMILY")
@click.option("--control", help="The arm the others are compared with.")
@click.option("--randomisation", type=click.Choice(["stratified", "matched"]))
@click.option("--metric", help="Primary outcome: completion, completed_items, active_days, ...")
@click.option("--horizon-days", type=int, help="When the primary outcome is read.")
@click.option("--weekly-minutes", type=float, help="Learning time per week, the same in every arm.")
@json_option
@pass_runtime
def create(runtime: Runtime, file: Path | None, as_json: bool, **options: Any) -> None:
    """Define an experiment (FILE in YAML/JSON, or options) and place its population."""
    if file is not None:
        data = _read(file)
    else:
        data = {
            "id": options["experiment_id"],
            "title": options["title"] or options["experiment_id"],
            "population": {
                "roles": _split(options["roles"]),
                "units": _split(options["units"]),
                "start": options["start"] or datetime.now(UTC).isoformat(),
            },
            "arms": [_arm(a) for a in options["arms"]],
            "primary_outcome": {
                "metric": options["metric"],
                "horizon_days": options["horizon_days"],
            },
            "weekly_minutes": options["weekly_minutes"],
        }
        for key in ("control", "randomisation"):
            if options[key]:
                data[key] = options[key]
    definition = parse(data)
    with runtime.db.connection() as conn:
        done = placement.create(conn, runtime.governance, admin(), definition)

    def human(p: placement.Placement) -> None:
        click.echo(f"experiment {p.experiment_id}: {p.placed} placed now, {p.kept} kept their arm")
        click.echo("arms: " + ", ".join(f"{a} {n}" for a, n in sorted(p.arms.items())))
        if p.excluded:
            click.echo("excluded: " + ", ".join(f"{r} {n}" for r, n in sorted(p.excluded.items())))

    emit(done.__dict__ if as_json else done, as_json, human)


@experiment_group.command("status")
@click.argument("experiment_id", required=False)
@json_option
@pass_runtime
def status(runtime: Runtime, experiment_id: str | None, as_json: bool) -> None:
    """List experiments (or one) with their state and arm sizes."""
    now = datetime.now(UTC)
    rows = []
    with runtime.db.connection() as conn:
        found = [store.get(conn, experiment_id)] if experiment_id else store.every(conn)
        for e in found:
            arms: dict[str, int] = {}
            for arm in store.assignments(conn, e.id).values():
                arms[arm] = arms.get(arm, 0) + 1
            rows.append(
                {
                    "id": e.id,
                    "title": e.definition.title,
                    "status": e.status(now),
                    "primary_outcome": e.definition.primary_outcome.model_dump(),
                    "started_at": e.started_at,
                    "horizon_at": e.horizon_at,
                    "arms": arms,
                    "excluded": e.excluded,
                }
            )

    def human(data: list[dict[str, Any]]) -> None:
        if not data:
            click.echo("no experiments yet: `learnwire experiment create FILE`")
            return
        table(
            [
                [
                    r["id"],
                    r["status"],
                    f"{r['primary_outcome']['metric']}@{r['primary_outcome']['horizon_days']}d",
                    f"{r['started_at']:%Y-%m-%d}",
                    ", ".join(f"{a} {n}" for a, n in sorted(r["arms"].items())),
                    str(sum(r["excluded"].values())),
                ]
                for r in data
            ],
            ["id", "status", "primary outcome", "start", "arms", "excluded"],
        )

    emit(rows, as_json, human)


@experiment_group.command("report")
@click.argument("experiment_id")
@json_option
@pass_runtime
def report_command(runtime: Runtime, experiment_id: str, as_json: bool) -> None:
    """The experiment's report: per arm n and outcome, effects with intervals and tests."""
    with runtime.db.connection() as conn:
        built = report.build(conn, runtime.governance, admin(), experiment_id)
    emit(built.model_dump(mode="json"), as_json, lambda _: click.echo(report.render(built)))


@experiment_group.command("stop")
@click.argument("experiment_id")
@click.option("--reason", required=True, help="Why it stops (kept with the experiment).")
@pass_runtime
def stop(runtime: Runtime, experiment_id: str, reason: str) -> None:
    """Stop serving the arms; everyone gets the full ranking again. Placement is kept."""
    with runtime.db.connection() as conn:
        changed = placement.stop(conn, runtime.governance, admin(), experiment_id, reason)
    click.echo(f"experiment {experiment_id}: {'stopped' if changed else 'already stopped'}")
