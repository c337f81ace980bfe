"""An organisation's skills framework from CSV: skills, their named levels and their
prerequisites, checked whole and stored in one transaction.

Columns: ``id``, ``name`` (required), ``description``, ``domain``, ``levels`` (level names,
lowest first, separated by ``;``) and ``prerequisites`` (``skill-id`` or
``skill-id:LEVEL`` separated by ``;``, where LEVEL is a mastery from 0 to 1, a level name
of the required skill or its 1-based level number).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError

from ...core.models import Skill, SkillPrerequisite
from ...core.store import Database, catalogue
from .errors import FileProblems

REQUIRED = ("id", "name")
KNOWN = {"id", "name", "description", "domain", "levels", "prerequisites"}
DEFAULT_MIN_LEVEL = 0.6


@dataclass
class FrameworkRow:
    where: str
    skill: Skill
    levels: list[str]
    prerequisites: list[tuple[str, str]]  # (required skill, level as written)


@dataclass
class FrameworkReport:
    file: str
    skills: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    prerequisites: int = 0
    levels: int = 0
    dry_run: bool = False
    unknown_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Problems = list[tuple[str, str]]


def read_framework(path: Path, *, domain: str) -> tuple[list[FrameworkRow], list[str], Problems]:
    """The rows that could be read, the columns ignored, and the problems of the others."""
    problems: Problems = []
    rows: list[FrameworkRow] = []
    header: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise FileProblems(
                    str(path),
                    [("line 1", f"header lacks required column(s): {', '.join(missing)}")],
                )
            reader.fieldnames = header
            for record in reader:
                where = f"line {reader.line_num}"
                if None in record:
                    problems.append((where, "has more fields than the header"))
                    continue
                if not any((v or "").strip() for v in record.values()):
                    continue
                row = _row(where, record, domain, problems)
                if row is not None:
                    rows.append(row)
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(
            (
                "file",
                "is not valid UTF-8 CSV"
                if isinstance(exc, UnicodeDecodeError)
                else f"is not valid CSV ({exc})",
            )
        )
    return rows, sorted(set(header) - KNOWN), problems


def _row(
    where: str, record: dict[str, str], domain: str, problems: list[tuple[str, str]]
) -> FrameworkRow | None:
    try:
        skill = Skill(
            id=(record.get("id") or "").strip(),
            name=" ".join((record.get("name") or "").split()),
            domain=(record.get("domain") or "").strip() or domain,
            description=(record.get("description") or "").strip(),
        )
    except ValidationError as exc:
        for error in exc.errors():
            column = ".".join(str(p) for p in error["loc"])
            problems.append((where, f"'{column}': {error['msg']}"))
        return None
    levels = [x.strip() for x in (record.get("levels") or "").split(";") if x.strip()]
    if len(set(levels)) != len(levels):
        problems.append((where, "'levels' repeats a level name"))
    prerequisites = []
    for entry in (record.get("prerequisites") or "").split(";"):
        sid, _, level = entry.strip().partition(":")
        if sid.strip():
            prerequisites.append((sid.strip(), level.strip()))
    return FrameworkRow(where, skill, levels, prerequisites)


def resolve(
    conn: psycopg.Connection[Any], rows: list[FrameworkRow], path: Path, problems: Problems
) -> list[SkillPrerequisite]:
    """Every prerequisite as a mastery threshold; raises FileProblems with ``problems`` and
    those of unknown skills, unknown levels, duplicates and cycles."""
    seen: dict[str, str] = {}
    for row in rows:
        if row.skill.id in seen:
            problems.append((row.where, f"repeats skill '{row.skill.id}' of {seen[row.skill.id]}"))
        seen.setdefault(row.skill.id, row.where)
    levels = {row.skill.id: row.levels for row in rows}
    referenced = {sid for row in rows for sid, _ in row.prerequisites} - set(levels)
    if referenced:
        for (sid,) in conn.execute("SELECT id FROM skill WHERE id = ANY(%s)", (list(referenced),)):
            levels[sid] = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM skill_level WHERE skill_id = %s ORDER BY position", (sid,)
                )
            ]
    result: list[SkillPrerequisite] = []
    for row in rows:
        for sid, written in row.prerequisites:
            if sid not in levels:
                problems.append(
                    (
                        row.where,
                        f"prerequisite '{sid}' is neither in this file nor in the skills framework",
                    )
                )
                continue
            try:
                threshold = _threshold(written, levels[sid])
                result.append(
                    SkillPrerequisite(
                        skill_id=row.skill.id, requires_skill_id=sid, min_level=threshold
                    )
                )
            except ValueError as exc:
                problems.append((row.where, f"prerequisite '{sid}': {exc}"))
    cycle = _cycle(result)
    if cycle:
        where = seen.get(cycle[0], "file")
        problems.append((where, "prerequisites form a cycle: " + " -> ".join(cycle)))
    if problems:
        raise FileProblems(str(path), problems)
    return result


def level_threshold(position: int, count: int) -> float:
    """Level ``position`` (1-based) of ``count`` on the 0..1 mastery scale."""
    return round(position / count, 4)


def _threshold(written: str, names: list[str]) -> float:
    if not written:
        return DEFAULT_MIN_LEVEL
    if written in names:
        return level_threshold(names.index(written) + 1, len(names))
    if written.isdigit() and names:
        position = int(written)
        if not 1 <= position <= len(names):
            raise ValueError(f"level {position} is not one of its {len(names)} levels")
        return level_threshold(position, len(names))
    try:
        value = float(written)
    except ValueError:
        raise ValueError(
            "level is neither a mastery from 0 to 1 nor one of its level names"
        ) from None
    if not 0 <= value <= 1:
        raise ValueError("mastery must be between 0 and 1")
    return value


def _cycle(prerequisites: list[SkillPrerequisite]) -> list[str]:
    graph: dict[str, list[str]] = {}
    for p in prerequisites:
        graph.setdefault(p.skill_id, []).append(p.requires_skill_id)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


class _DryRun(Exception):
    pass


def import_framework(
    db: Database, path: Path, *, domain: str = "organisation", dry_run: bool = False
) -> FrameworkReport:
    """Check the whole file, then store it in one transaction (rolled back on a dry run).

    :raises FileProblems: every problem with its line; nothing is stored.
    """
    rows, unknown, problems = read_framework(path, domain=domain)
    if not rows and not problems:
        raise FileProblems(str(path), [("file", "holds no skills")])
    report = FrameworkReport(str(path), skills=len(rows), dry_run=dry_run, unknown_columns=unknown)
    try:
        with db.connection() as conn, conn.transaction():
            prerequisites = resolve(conn, rows, path, problems)
            counts = catalogue.upsert_skills(conn, [r.skill for r in rows])
            report.new, report.updated, report.unchanged = (
                counts.new,
                counts.updated,
                counts.unchanged,
            )
            ids = [r.skill.id for r in rows]
            # The file is the framework's truth for the skills it lists.
            conn.execute("DELETE FROM skill_prerequisite WHERE skill_id = ANY(%s)", (ids,))
            catalogue.upsert_prerequisites(conn, prerequisites)
            report.prerequisites = len(prerequisites)
            conn.execute("DELETE FROM skill_level WHERE skill_id = ANY(%s)", (ids,))
            level_rows = [
                (r.skill.id, i, name, level_threshold(i, len(r.levels)))
                for r in rows
                for i, name in enumerate(r.levels, start=1)
            ]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO skill_level (skill_id, position, name, threshold) "
                    "VALUES (%s, %s, %s, %s)",
                    level_rows,
                )
            report.levels = len(level_rows)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report
