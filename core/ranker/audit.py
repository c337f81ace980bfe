"""The product measuring itself.

- Same-Role Divergence: among people with the same job profile, the share of pairs whose
  top-N recommendations today are identical (segmentation by role would score 100%).
- Signal utilisation: which signals shaped one learner's recommendations, with weights and
  contributions, and which the policy blocked and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any
from uuid import UUID

import psycopg

from .service import RecommendationService

Conn = psycopg.Connection[Any]


@dataclass
class RoleDivergence:
    role: str
    name: str
    people: int
    pairs: int
    identical_pairs: int

    @property
    def identical_share(self) -> float:
        return self.identical_pairs / self.pairs if self.pairs else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "name": self.name,
            "people": self.people,
            "pairs": self.pairs,
            "identical_pairs": self.identical_pairs,
            "identical_share": round(self.identical_share, 4),
        }


def people_by_role(conn: Conn) -> dict[str, list[UUID]]:
    out: dict[str, list[UUID]] = defaultdict(list)
    for learner, role in conn.execute(
        "SELECT learner_id, coalesce(value ->> 'id', value #>> '{}') FROM hr_fact "
        "WHERE fact_type = 'job_profile' ORDER BY learner_id"
    ):
        out[role].append(learner)
    return out


def divergence(
    svc: RecommendationService,
    *,
    at: datetime,
    top: int = 5,
    role: str | None = None,
    min_people: int = 10,
    progress: Any = None,
) -> list[RoleDivergence]:
    """Divergence per role (every role with at least ``min_people``, or just ``role``)."""
    with svc.runtime.db.connection() as conn:
        groups = people_by_role(conn)
        names = dict(conn.execute("SELECT id, name FROM job_profile").fetchall())
    if role is not None:
        matches = [r for r in groups if r == role or names.get(r, "").lower() == role.lower()]
        groups = {r: groups[r] for r in matches}
    else:
        groups = {r: ids for r, ids in groups.items() if len(ids) >= min_people}
    results = []
    for role_id, learners in sorted(groups.items()):
        tops = []
        with svc.runtime.db.connection() as conn:
            for learner in learners:
                ranking, _ = svc.rank(conn, learner, at=at, limit=top)
                tops.append(tuple(r.content_id for r in ranking.recommendations))
                if progress is not None:
                    progress(1)
        identical = sum(1 for a, b in combinations(tops, 2) if a == b)
        n = len(tops)
        results.append(
            RoleDivergence(role_id, names.get(role_id, role_id), n, n * (n - 1) // 2, identical)
        )
    return results


def signal_report(
    svc: RecommendationService, learner_id: UUID, *, at: datetime, limit: int = 5
) -> Any:
    """The policy's utilisation report for this learner, extended with the ranker's signals."""
    with svc.runtime.db.connection() as conn:
        ranking, view = svc.rank(conn, learner_id, at=at, limit=limit)
        signals = {s.name: s for s in svc.model(conn).ranker.signals}
    return ranking_report(svc, view, ranking, signals), ranking


def ranking_report(
    svc: RecommendationService, view: Any, ranking: Any, signals: dict[str, Any]
) -> Any:
    """The utilisation report for a ranking already made from ``view``: which families the
    policy let through, and what each of the ranker's ``signals`` contributed."""
    report = svc.governance.utilisation_report(view)
    uses = []
    for use in ranking.signals:
        families = signals[use.name].families if use.name in signals else frozenset()
        entry = report.signal(
            use.name,
            families,
            use.weight,
            round(use.total_contribution, 4) if use.status == "used" else None,
        )
        # A step that reads no family can still not run (contextual reranking without an
        # API key, say): report it unused, with the ranker's reason.
        skipped = use.status == "skipped"
        uses.append(
            entry.model_copy(update={"used": entry.used and not skipped, "detail": use.reason})
        )
    return report.with_signals(uses)
