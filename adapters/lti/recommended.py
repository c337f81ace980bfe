"""LTI pages backed by the ranker: a learner sees their current recommendations with the
one-sentence reason, and the deep-linking picker offers what the course's learners are
recommended today (the items most often in their top lists)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg

from ...core.delivery.today import todays_items
from ...core.ranker.service import RecommendationService
from .offers import CatalogueOffers, Offer, OfferPage, OfferSource, Priority, items_by_id

Conn = psycopg.Connection[Any]
#: Enough learners to see what a course needs without ranking a whole cohort per page view.
COURSE_SAMPLE = 60


class RecommendedOffers(OfferSource):
    name = "recommendations"
    recommends = True

    def __init__(self, runtime: Any) -> None:
        self.service = RecommendationService(runtime)

    def for_learner(self, conn: Conn, *, learner_id: uuid.UUID, limit: int) -> OfferPage:
        now = datetime.now(UTC)
        delivered = todays_items(conn, learner_id, at=now)
        if delivered:
            # Today's message went out: the page shows the same set, so they agree.
            found = items_by_id(conn, [cid for cid, _ in delivered])
            offers = [replace(found[c], reason=r) for c, r in delivered if c in found]
            return OfferPage("Today's picks for you, as in your message.", offers[:limit])
        ranking, _ = self.service.rank(conn, learner_id, at=now, limit=limit)
        found = items_by_id(conn, [r.content_id for r in ranking.recommendations])
        offers = [
            replace(found[rec.content_id], reason=rec.explanation)
            for rec in ranking.recommendations
            if rec.content_id in found
        ]
        if not offers:
            # Nothing rankable yet (an empty skills framework, say): the catalogue still helps.
            return CatalogueOffers().for_learner(conn, learner_id=learner_id, limit=limit)
        return OfferPage("Recommended for you today, from your role, goals and week.", offers)

    def for_course(
        self, conn: Conn, *, issuer: str, context_id: str | None, limit: int
    ) -> list[Offer]:
        if context_id is None:
            return []
        learners = [
            r[0]
            for r in conn.execute(
                "SELECT learner_id FROM lti_course_membership WHERE issuer = %s AND "
                "context_id = %s AND role = 'learner' ORDER BY learner_id LIMIT %s",
                (issuer, context_id, COURSE_SAMPLE),
            )
        ]
        counts: Counter[uuid.UUID] = Counter()
        now = datetime.now(UTC)
        for learner in learners:
            ranking, _ = self.service.rank(conn, learner, at=now, limit=5)
            counts.update(r.content_id for r in ranking.recommendations)
        top = [cid for cid, _ in counts.most_common(limit)]
        found = items_by_id(conn, top)
        share = f"of {len(learners)} learners today"
        return [
            replace(found[cid], reason=f"In the top five of {counts[cid]} {share}.")
            for cid in top
            if cid in found
        ]

    def priorities(self, conn: Conn, *, learner_id: uuid.UUID) -> list[Priority]:
        # The learner's state as the ranker sees it (through the governed view): the role's
        # required skills, prerequisites on the way to them, and what was stated before.
        state, _ = self.service.state(conn, learner_id, at=datetime.now(UTC))
        skills = self.service.model(conn).items.skills
        found = [
            Priority(
                skill_id=skills.ids[s],
                name=skills.names[s],
                domain=skills.domains[s],
                weight=float(state.stated_priority[s]),
                in_role=bool(state.target[s] > 0),
            )
            for s in range(len(skills.ids))
        ]
        return sorted(found, key=lambda p: (not p.listed, not p.in_role, p.name.lower()))


def factory(runtime: Any) -> RecommendedOffers:
    return RecommendedOffers(runtime)
