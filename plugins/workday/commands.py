"""``learnwire hr import people.csv``: HR data for organisations without Workday."""

from __future__ import annotations

from pathlib import Path

import click

from ...core.cli.output import emit, json_option
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from .csv_import import COLUMNS, import_people


@click.group("hr")
def hr() -> None:
    """HR data: people, jobs, organisation and reporting lines."""


@hr.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--employee-id-namespace", default="", help="Namespace of the employee ids.")
@click.option("--delimiter", default=",", show_default=True, help="Field separator.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@json_option
@pass_runtime
def hr_import(
    runtime: Runtime,
    path: Path,
    employee_id_namespace: str,
    delimiter: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import people from a CSV file (all of it, or nothing when a row is bad).

    Columns: employee_id, email, job_profile_id, job_profile, management_level,
    organisation_id, organisation, manager_id (the manager's employee_id), location,
    hire_date (YYYY-MM-DD).
    """
    people, report = import_people(
        runtime.db,
        runtime.intake(),
        path,
        employee_id_namespace=employee_id_namespace,
        delimiter=delimiter,
        dry_run=dry_run,
    )
    data = {"file": str(path), "people": people, "dry_run": dry_run, **report.as_dict()}

    def human(d: dict) -> None:
        verb = "checked (dry run, nothing written)" if dry_run else "imported"
        t = d["totals"]
        click.echo(
            f"{d['people']} people {verb}: {d['learners_created']} new learners; records "
            f"{t['new']} new, {t['updated']} updated, {t['unchanged']} unchanged, "
            f"{t['rejected']} rejected"
        )
        for r in d["rejected"]:
            click.echo(f"  rejected {r['kind']} #{r['index']}: {r['reason']}")
        if d["conflicts"]:
            click.echo(
                f"  {len(d['conflicts'])} identity conflict(s) recorded, not merged; "
                "a person must resolve them"
            )

    emit(data, as_json, human)


__all__ = ["COLUMNS", "hr"]
