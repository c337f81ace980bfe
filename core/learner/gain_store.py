"""Storing and loading the fitted practice curve (migration 0010); the fit and its report:
:mod:`learnwire.core.learner.gain_report`."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from .gain_params import DEFAULT_GAIN, GainParams

Conn = psycopg.Connection[Any]
log = logging.getLogger(__name__)


def store(conn: Conn, params: GainParams, report: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO learning_gain_model (params, report, fitted_at) VALUES (%s, %s, now()) "
        "ON CONFLICT (singleton) DO UPDATE SET params = excluded.params, "
        "report = excluded.report, fitted_at = now()",
        (Jsonb(params.as_dict()), Jsonb(report)),
    )


def load(conn: Conn) -> GainParams:
    """The fitted parameters, or the documented defaults when none are stored (or the
    stored fit kept them)."""
    row = conn.execute("SELECT params FROM learning_gain_model").fetchone()
    if row is None:
        return DEFAULT_GAIN
    try:
        return GainParams.from_dict(row[0])
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("stored practice-curve parameters unreadable (%s); using defaults", exc)
        return DEFAULT_GAIN


def load_report(conn: Conn) -> dict[str, Any] | None:
    row = conn.execute("SELECT report, fitted_at FROM learning_gain_model").fetchone()
    if row is None:
        return None
    return {**row[0], "fitted_at": row[1].isoformat()}
