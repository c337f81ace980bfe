"""SQL for the experiment tables (one place for them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from learnwire.core.errors import NotFound

from .definition import ExperimentDefinition

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Experiment:
    definition: ExperimentDefinition
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None
    excluded: dict[str, int]
    created_at: datetime

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def horizon_at(self) -> datetime:
        return self.started_at + timedelta(days=self.definition.primary_outcome.horizon_days)

    def status(self, at: datetime) -> str:
        if self.stopped_at is not None and self.stopped_at <= at:
            return "stopped"
        if at < self.started_at:
            return "scheduled"
        return "running" if at < self.horizon_at else "reached horizon"


_COLUMNS = "definition, started_at, stopped_at, stop_reason, excluded, created_at"


def _experiment(row: tuple[Any, ...]) -> Experiment:
    return Experiment(ExperimentDefinition.model_validate(row[0]), *row[1:])


def get(conn: Conn, experiment_id: str) -> Experiment:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM experiment WHERE id = %s", (experiment_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no experiment '{experiment_id}'; `learnwire experiment status` lists them")
    return _experiment(row)


def find(conn: Conn, experiment_id: str) -> Experiment | None:
    try:
        return get(conn, experiment_id)
    except NotFound:
        return None


def every(conn: Conn) -> list[Experiment]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM experiment ORDER BY started_at, id").fetchall()
    return [_experiment(r) for r in rows]


def save(conn: Conn, definition: ExperimentDefinition) -> None:
    """Insert, or replace a definition whose start has not come (checked by the caller)."""
    conn.execute(
        "INSERT INTO experiment (id, definition, primary_metric, horizon_days, started_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET definition = "
        "EXCLUDED.definition, primary_metric = EXCLUDED.primary_metric, horizon_days = "
        "EXCLUDED.horizon_days, started_at = EXCLUDED.started_at",
        (
            definition.id,
            json.dumps(definition.model_dump(mode="json")),
            definition.primary_outcome.metric,
            definition.primary_outcome.horizon_days,
            definition.population.start,
        ),
    )


def set_excluded(conn: Conn, experiment_id: str, excluded: dict[str, int]) -> None:
    conn.execute(
        "UPDATE experiment SET excluded = %s WHERE id = %s", (json.dumps(excluded), experiment_id)
    )


def stop(conn: Conn, experiment_id: str, at: datetime, reason: str) -> bool:
    return bool(
        conn.execute(
            "UPDATE experiment SET stopped_at = %s, stop_reason = %s "
            "WHERE id = %s AND stopped_at IS NULL",
            (at, reason, experiment_id),
        ).rowcount
    )


def assignments(conn: Conn, experiment_id: str) -> dict[UUID, str]:
    """learner id -> arm."""
    return dict(
        conn.execute(
            "SELECT learner_id, arm FROM experiment_assignment WHERE experiment_id = %s",
            (experiment_id,),
        ).fetchall()
    )


def clear_assignments(conn: Conn, experiment_id: str) -> None:
    conn.execute("DELETE FROM experiment_assignment WHERE experiment_id = %s", (experiment_id,))


def add_assignments(
    conn: Conn, experiment_id: str, placed: Sequence[tuple[UUID, str, str]], at: datetime
) -> int:
    """Store (learner, arm, stratum) rows; a person already placed keeps their arm."""
    if not placed:
        return 0
    return conn.execute(
        "INSERT INTO experiment_assignment (experiment_id, learner_id, arm, stratum, occurred_at) "
        "SELECT %s, l, a, s, %s FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS t(l, a, s) "
        "ON CONFLICT (experiment_id, learner_id) DO NOTHING",
        (experiment_id, at, [p[0] for p in placed], [p[1] for p in placed], [p[2] for p in placed]),
    ).rowcount


def placed_elsewhere(conn: Conn, experiment_id: str, at: datetime) -> set[UUID]:
    """People in another experiment that has not stopped or reached its horizon."""
    rows = conn.execute(
        "SELECT a.learner_id FROM experiment_assignment a JOIN experiment e ON e.id = "
        "a.experiment_id WHERE e.id <> %s AND (e.stopped_at IS NULL OR e.stopped_at > %s) "
        "AND e.started_at + make_interval(days => e.horizon_days) > %s",
        (experiment_id, at, at),
    )
    return {r[0] for r in rows}


def serving(conn: Conn, learner_ids: Sequence[UUID], at: datetime) -> list[tuple[UUID, str, Any]]:
    """(learner, arm, definition) of the experiments serving ``learner_ids`` at ``at``,
    earliest start first."""
    return conn.execute(
        "SELECT a.learner_id, a.arm, e.definition FROM experiment_assignment a "
        "JOIN experiment e ON e.id = a.experiment_id WHERE a.learner_id = ANY(%s) "
        "AND e.started_at <= %s AND (e.stopped_at IS NULL OR e.stopped_at > %s) "
        "AND e.started_at + make_interval(days => e.horizon_days) > %s "
        "ORDER BY e.started_at, e.id",
        (list(learner_ids), at, at, at),
    ).fetchall()
