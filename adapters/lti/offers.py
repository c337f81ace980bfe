"""What LTI pages offer: the seam through which recommendations reach the LMS.

An :class:`OfferSource` answers two questions: what should this learner see now, and what
would this course's learners benefit from today (for the deep-linking picker). By default
the ranker answers (:mod:`.recommended`); ``LEARNWIRE_PLUGINS__LTI__OFFER_SOURCE=catalogue``
switches to :class:`CatalogueOffers`, the catalogue filtered to the learner's job profile,
and any ``package.module:factory`` (taking the runtime) can provide another.
"""

from __future__ import annotations

import importlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ...core.errors import ConfigurationError

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Offer:
    content_id: uuid.UUID
    title: str
    summary: str
    format: str
    duration_minutes: float
    launch_url: str
    reason: str = ""


@dataclass(frozen=True)
class Priority:
    """A skill the learner may say matters to them now; ``weight`` is what they last stated
    (0 when never), ``in_role`` whether their role asks for it."""

    skill_id: str
    name: str
    domain: str
    weight: float
    in_role: bool

    @property
    def listed(self) -> bool:
        """Shown with its own choice: the role's skills and those already stated."""
        return self.in_role or self.weight > 0


@dataclass(frozen=True)
class OfferPage:
    """Items for one learner and a sentence saying what they are based on."""

    basis: str
    items: list[Offer] = field(default_factory=list)


class OfferSource(ABC):
    """Where LTI pages get the items they show.

    ``recommends`` is True for sources whose items are personal recommendations; pages then
    label them so, and the picker offers "today's recommendations for the course".
    """

    name: str = "offers"
    recommends: bool = False

    @abstractmethod
    def for_learner(self, conn: Conn, *, learner_id: uuid.UUID, limit: int) -> OfferPage:
        """What the learner should see on their page, best first."""

    def for_course(
        self, conn: Conn, *, issuer: str, context_id: str | None, limit: int
    ) -> list[Offer]:
        """Today's recommendations for a course's learners; empty when not recommending."""
        return []

    def priorities(self, conn: Conn, *, learner_id: uuid.UUID) -> list[Priority]:
        """Every skill the learner can state a priority for, the ``listed`` ones (their
        role's, and those already stated) first. Empty for sources that do not read
        stated priorities."""
        return []


_ITEM = "c.id, c.title, c.summary, c.format, c.duration_minutes, c.launch_url"


def _offer(row: Sequence[Any], reason: str = "") -> Offer:
    return Offer(row[0], row[1], row[2], row[3], float(row[4]), row[5], reason)


def job_profile_of(conn: Conn, learner_id: uuid.UUID) -> tuple[str, str] | None:
    """(id, name) of the learner's current job profile from HR facts, when known."""
    row = conn.execute(
        "SELECT value FROM hr_fact WHERE learner_id = %s AND fact_type = 'job_profile' "
        "ORDER BY occurred_at DESC LIMIT 1",
        (learner_id,),
    ).fetchone()
    if row is None:
        return None
    value = row[0]
    profile_id = value.get("id") if isinstance(value, dict) else value
    if not isinstance(profile_id, str) or not profile_id:
        return None
    named = conn.execute("SELECT name FROM job_profile WHERE id = %s", (profile_id,)).fetchone()
    return profile_id, named[0] if named else profile_id


class CatalogueOffers(OfferSource):
    """The catalogue, narrowed to the skills the learner's job profile asks for."""

    name = "catalogue"

    def for_learner(self, conn: Conn, *, learner_id: uuid.UUID, limit: int) -> OfferPage:
        profile = job_profile_of(conn, learner_id)
        if profile is not None:
            rows = conn.execute(
                f"SELECT {_ITEM}, array_agg(DISTINCT s.name ORDER BY s.name) "
                "FROM job_profile_skill jps "
                "JOIN content_skill cs ON cs.skill_id = jps.skill_id "
                "JOIN content_item c ON c.id = cs.content_id AND c.retired_at IS NULL "
                "JOIN skill s ON s.id = cs.skill_id WHERE jps.job_profile_id = %s "
                "GROUP BY c.id ORDER BY sum(jps.weight * cs.weight) DESC, c.title LIMIT %s",
                (profile[0], limit),
            ).fetchall()
            if rows:
                return OfferPage(
                    f"Catalogue items for the skills your role ({profile[1]}) calls for.",
                    [_offer(r, "Builds " + ", ".join(r[6]) + ".") for r in rows],
                )
        rows = conn.execute(
            f"SELECT {_ITEM} FROM content_item c WHERE c.retired_at IS NULL "
            "ORDER BY c.title, c.id LIMIT %s",
            (limit,),
        ).fetchall()
        basis = (
            f"The catalogue has nothing tagged for your role ({profile[1]}) yet; here is all of it."
            if profile
            else "Your role is not known to learnwire yet, so this is the whole catalogue."
        )
        return OfferPage(basis, [_offer(r) for r in rows])


def catalogue(conn: Conn, *, query: str | None, limit: int) -> list[Offer]:
    """Live catalogue items, optionally those whose title or summary contains ``query``."""
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = conn.execute(
            f"SELECT {_ITEM} FROM content_item c WHERE c.retired_at IS NULL "
            "AND (c.title ILIKE %s OR c.summary ILIKE %s) ORDER BY c.title, c.id LIMIT %s",
            (pattern, pattern, limit),
        )
    else:
        rows = conn.execute(
            f"SELECT {_ITEM} FROM content_item c WHERE c.retired_at IS NULL "
            "ORDER BY c.title, c.id LIMIT %s",
            (limit,),
        )
    return [_offer(r) for r in rows]


def items_by_id(conn: Conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Offer]:
    """Live items among ``ids`` (retired ones are left out)."""
    rows = conn.execute(
        f"SELECT {_ITEM} FROM content_item c WHERE c.id = ANY(%s) AND c.retired_at IS NULL",
        (list(ids),),
    )
    return {r[0]: _offer(r) for r in rows}


def load_offer_source(spec: str, runtime: Any) -> OfferSource:
    """The configured source: ``catalogue`` or ``package.module:factory``."""
    if spec == "catalogue":
        return CatalogueOffers()
    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(
            f"LTI offer_source '{spec}' cannot be loaded ({exc}); use 'catalogue' or "
            "'package.module:factory'"
        ) from exc
    source = factory(runtime)
    if not isinstance(source, OfferSource):
        raise ConfigurationError(f"LTI offer_source '{spec}' did not return an OfferSource")
    return source
