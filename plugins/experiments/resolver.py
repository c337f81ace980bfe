"""The experiments' answer to the ranker's question "which variant does this person get?"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from learnwire.core.ranker.variants import RankingVariant, VariantResolver

from . import store
from .definition import ExperimentDefinition

Conn = psycopg.Connection[Any]


def variant_of(definition: ExperimentDefinition, arm: str) -> RankingVariant:
    """The variant an arm serves, with the experiment's time budget (the same in every arm:
    a list holds at most ``weekly_minutes`` of learning)."""
    served = definition.arm(arm)
    source = f"experiment {definition.id}, arm {arm}"
    minutes = definition.weekly_minutes
    if served.serve == "segmentation":
        return RankingVariant("segmentation", source=source, minutes=minutes)
    if served.family is not None:
        return RankingVariant("without", served.family, source, minutes)
    return RankingVariant("full", source=source, minutes=minutes)


class ExperimentVariants(VariantResolver):
    """Serves each placed person their arm while the experiment runs (from its start until
    it stops or reaches its horizon); everyone else, and everyone afterwards, gets the full
    ranking without a budget."""

    def variants(
        self, conn: Conn, learner_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, RankingVariant]:
        if not learner_ids:
            return {}
        found: dict[UUID, RankingVariant] = {}
        decided: set[UUID] = set()
        definitions: dict[str, ExperimentDefinition] = {}
        for learner_id, arm, raw in store.serving(conn, learner_ids, at):
            if learner_id in decided:
                continue  # the earliest experiment placing a person decides
            decided.add(learner_id)
            definition = definitions.setdefault(raw["id"], ExperimentDefinition.model_validate(raw))
            found[learner_id] = variant_of(definition, arm)
        return found
