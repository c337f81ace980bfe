"""People from a CSV export of any HRIS, with the same mapping as Workday.

Columns (header row, any order, case-insensitive; only ``employee_id`` or ``email`` is
required): :data:`COLUMNS`. ``manager_id`` is the manager's ``employee_id`` (or email when
the file has no employee ids) and must be a row of the same file.

Every row is checked before anything is written; a file with any bad row is refused as a
whole with one line-numbered message per problem. A good file is written in one
transaction, so an import is never half done.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError

from ...core.errors import ValidationFailed
from ...core.intake import Intake, IntakeReport
from ...core.models import DataCategory, IdentityRef
from ...core.sources import SourceBatch
from ...core.store import Database
from .mapping import PeopleMapping, WorkerRow, email_ref, employee_ref

SOURCE = "hr_csv"
COLUMNS = (
    "employee_id",
    "email",
    "job_profile_id",
    "job_profile",
    "management_level",
    "organisation_id",
    "organisation",
    "manager_id",
    "location",
    "hire_date",
    "job_profile_start_date",
    "previous_job_profile_id",
    "previous_job_profile_start_date",
)
#: US spellings Workday and most HRIS exports use.
_ALIASES = {"organization_id": "organisation_id", "organization": "organisation"}
MAX_ERRORS_SHOWN = 50


@dataclass
class CsvImport:
    rows: list[WorkerRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_people_csv(text: str, *, delimiter: str = ",") -> CsvImport:
    """Check every row; the result holds either the rows or every problem found."""
    result = CsvImport()
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        result.errors.append("line 1: the file is empty; expected a header row")
        return result
    names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        result.errors.append(
            f"line 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}"
        )
    if "employee_id" not in names and "email" not in names:
        result.errors.append("line 1: the file needs an employee_id or an email column")
    if result.errors:
        return result
    seen: dict[str, int] = {}
    managers: list[tuple[int, str]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            result.errors.append(f"line {line}: {len(cells)} fields, the header has {len(names)}")
            continue
        values: dict[str, Any] = {n: c.strip() or None for n, c in zip(names, cells, strict=True)}
        key = values.get("employee_id") or values.get("email")
        if not key:
            result.errors.append(f"line {line}: needs an employee_id or an email")
            continue
        if key in seen:
            result.errors.append(f"line {line}: {key} already appears on line {seen[key]}")
            continue
        seen[key] = line
        manager = values.pop("manager_id", None)
        if manager:
            managers.append((line, manager))
        try:
            row = WorkerRow.model_validate({"key": key, "manager": manager, **values})
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "row"
                result.errors.append(f"line {line}: {where}: {error['msg']}")
            continue
        result.rows.append(row)
    for line, manager in managers:
        if manager not in seen:
            result.errors.append(f"line {line}: manager_id {manager} is not a row of this file")
    result.errors.sort(key=lambda e: int(e.split(":", 1)[0].removeprefix("line ")))
    return result


def import_people(
    db: Database,
    intake: Intake,
    path: Path,
    *,
    employee_id_namespace: str = "",
    delimiter: str = ",",
    dry_run: bool = False,
) -> tuple[int, IntakeReport]:
    """Validate ``path``, then store all of it in one transaction (or nothing, on
    ``dry_run`` or any bad row). Returns the number of people and the intake report.

    :raises ValidationFailed: listing every bad row by line number.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"{path}: cannot read it as UTF-8 text ({exc})") from exc
    parsed = parse_people_csv(text, delimiter=delimiter)
    if parsed.errors:
        shown = parsed.errors[:MAX_ERRORS_SHOWN]
        more = len(parsed.errors) - len(shown)
        raise ValidationFailed(
            f"{path}: nothing imported, {len(parsed.errors)} problem(s):\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more} more" if more > 0 else "")
        )

    def identifiers(row: WorkerRow) -> list[IdentityRef]:
        refs = []
        if row.employee_id:
            refs.append(employee_ref(row.employee_id, employee_id_namespace))
        if row.email:
            refs.append(email_ref(row.email))
        return refs

    mapping = PeopleMapping(
        SOURCE,
        identifiers=identifiers,
        subject=lambda row: identifiers(row)[0],
        occurred_at=datetime.now(UTC),
    )
    batch: SourceBatch = mapping.workers_batch(parsed.rows)
    with db.connection() as conn, conn.transaction() as tx:
        report = intake.store(conn, batch, source=SOURCE, categories={DataCategory.HR_PROFILE})
        if dry_run:
            raise psycopg.Rollback(tx)  # leaves the block, undoes everything
    return len(parsed.rows), report
