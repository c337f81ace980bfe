"""Organisation-level context the learner model needs: job profiles' required levels, fitted
BKT parameters, team priorities set by managers, and teams' k-anonymous mean gaps.

None of it describes an individual: team gaps are means over at least ``k`` people who
have not opted out, with any skill resting on fewer people left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import psycopg

from . import gain_store, kt_store
from .bkt import DEFAULT_PARAMS, BKTParams
from .gain_params import GainModel
from .kt_logistic import LogisticKT
from .mastery import load_params

Conn = psycopg.Connection[Any]
Unit = tuple[str, str]
#: Opting out of either family removes a person from their team's aggregate.
AGGREGATE_FAMILIES = ("assessment_results", "job_profile")


@dataclass
class Profile:
    id: str
    name: str
    target: np.ndarray
    weight: np.ndarray


@dataclass
class OrgContext:
    skill_index: dict[str, int]
    profiles: dict[str, Profile] = field(default_factory=dict)
    params: list[BKTParams] = field(default_factory=list)
    team_priority: dict[Unit, np.ndarray] = field(default_factory=dict)
    team_gap: dict[Unit, np.ndarray] = field(default_factory=dict)
    #: Unit -> skill index -> when a team priority with an expiry stops applying.
    team_priority_until: dict[Unit, dict[int, datetime]] = field(default_factory=dict)
    k: int = 5
    #: The fitted logistic knowledge-tracing model (None: predict answers with BKT alone).
    kt: LogisticKT | None = None
    #: The practice curve as fitted for the organisation (documented defaults before a fit).
    gain: GainModel = field(default_factory=lambda: GainModel.default(0))

    def __post_init__(self) -> None:
        if len(self.gain.skill_gain) != len(self.skill_index):
            self.gain = GainModel.default(len(self.skill_index))


def load_org(conn: Conn, skill_ids: list[str], *, k: int) -> OrgContext:
    index = {s: i for i, s in enumerate(skill_ids)}
    n = len(skill_ids)
    org = OrgContext(index, k=k)
    names = dict(conn.execute("SELECT id, name FROM job_profile").fetchall())
    for pid, sid, target, weight in conn.execute(
        "SELECT job_profile_id, skill_id, target_level, weight FROM job_profile_skill"
    ):
        if sid not in index:
            continue
        prof = org.profiles.setdefault(
            pid, Profile(pid, names.get(pid, pid), np.zeros(n, np.float32), np.zeros(n, np.float32))
        )
        prof.target[index[sid]] = target
        prof.weight[index[sid]] = weight
    fitted, default = load_params(conn)
    org.params = [fitted.get(s, default or DEFAULT_PARAMS) for s in skill_ids]
    org.kt = kt_store.load(conn, fitted, default or DEFAULT_PARAMS)
    org.gain = GainModel.of(gain_store.load(conn), skill_ids)
    for source, unit, sid, weight, expires_at in conn.execute(
        # Expired rows are deleted by a periodic task (which moves the model version); until
        # it runs, a state built for a moment past the expiry leaves them out (build_state).
        "SELECT source, unit_external_id, skill_id, weight, expires_at FROM team_priority"
    ):
        if sid in index:
            vec = org.team_priority.setdefault((source, unit), np.zeros(n, np.float32))
            vec[index[sid]] = weight
            if expires_at is not None:
                org.team_priority_until.setdefault((source, unit), {})[index[sid]] = expires_at
    _team_gaps(conn, org)
    return org


def _team_gaps(conn: Conn, org: OrgContext) -> None:
    n = len(org.skill_index)
    rows = conn.execute(
        """
        WITH members AS (
            SELECT tm.source, tm.unit_external_id, tm.learner_id,
                   coalesce(f.value ->> 'id', f.value #>> '{}') AS profile
            FROM team_membership tm
            JOIN hr_fact f ON f.learner_id = tm.learner_id AND f.fact_type = 'job_profile'
            WHERE NOT tm.is_manager AND NOT EXISTS (
                SELECT 1 FROM policy_opt_out o
                WHERE o.learner_id = tm.learner_id AND o.family = ANY(%s))
        )
        SELECT m.source, m.unit_external_id, jps.skill_id, count(*) AS people,
               avg(greatest(jps.target_level - coalesce(lm.p_mastery, -1), 0)) FILTER
                   (WHERE lm.p_mastery IS NOT NULL) AS gap_known,
               count(lm.p_mastery) AS with_evidence
        FROM members m
        JOIN job_profile_skill jps ON jps.job_profile_id = m.profile
        LEFT JOIN learner_skill_mastery lm
               ON lm.learner_id = m.learner_id AND lm.skill_id = jps.skill_id
        GROUP BY 1, 2, 3
        HAVING count(*) >= %s
        """,
        (list(AGGREGATE_FAMILIES), org.k),
    ).fetchall()
    for source, unit, sid, _people, gap_known, with_evidence in rows:
        # A mean must rest on at least k people's own evidence, or it is left out.
        if sid not in org.skill_index or with_evidence < org.k or gap_known is None:
            continue
        vec = org.team_gap.setdefault((source, unit), np.zeros(n, np.float32))
        vec[org.skill_index[sid]] = float(gap_known)
