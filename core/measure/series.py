"""The report's figures per period (week, month or quarter), so L&D staff see a trend,
not one number: activity, the role level and proficiency at each period's end, relevance,
and how widely recommendations drew on the catalogue. Each person's events are replayed
once for every period's end (:func:`.levels.track_levels`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from pydantic import BaseModel, ConfigDict

from ..governed_view import GovernedView
from ..surveys import RELEVANCE, SurveyResponse
from . import stats
from .beyond import beyond_accuracy, load_recommendations
from .levels import track_levels
from .outcomes import OutcomeModel, activity
from .periods import Span
from .stats import Estimate

Conn = psycopg.Connection[Any]


class PeriodFigures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    start: datetime
    end: datetime
    #: Share of the people with any learning activity in the period (withheld when fewer
    #: than k were active).
    active_share: Estimate
    #: Items finished in the period (None when fewer than k people were active).
    completions: int | None
    active_day_share: Estimate
    role_level_at_end: Estimate
    proficient_at_end: Estimate
    relevance_rate: Estimate
    coverage: Estimate
    gini: Estimate


def series(
    conn: Conn,
    views: dict[UUID, GovernedView],
    model: OutcomeModel,
    answers: dict[UUID, list[SurveyResponse]],
    engaged: dict[UUID, int],
    cuts: Sequence[Span],
    *,
    facts_as_of: datetime,
    k: int,
) -> list[PeriodFigures]:
    if not cuts:
        return []
    people = list(views)
    n = len(people)
    ends = [c.end for c in cuts]
    levels = np.full((n, len(cuts)), np.nan)
    proficient = np.full((n, len(cuts)), np.nan)
    for row, pid in enumerate(people):
        track = track_levels(
            views[pid], model.items, model.org, ends, start=cuts[0].start, facts_as_of=facts_as_of
        )
        if track.has_role:
            for i in range(len(cuts)):
                summary = track.role_level(i)
                assert summary is not None
                levels[row, i] = summary[0]
                proficient[row, i] = float(np.all(track.level[i] >= track.target))
    held = {
        pid: {e.statement_id for e in v.events if e.data_category == "feedback"}
        for pid, v in views.items()
    }
    item_ids = list(model.items.ids)
    out = []
    for i, cut in enumerate(cuts):
        days = max(1e-9, (cut.end - cut.start).total_seconds() / 86400)
        done = np.zeros(n)
        active = np.zeros(n)
        for row, pid in enumerate(people):
            done[row], active[row] = activity(views[pid], cut.start, cut.end)
        yes = np.zeros(n)
        asked = np.zeros(n)
        for row, pid in enumerate(people):
            for a in answers.get(pid, ()):
                if (
                    a.kind == RELEVANCE
                    and a.statement_id in held[pid]
                    and cut.start <= a.answered_at < cut.end
                ):
                    asked[row] += 1
                    yes[row] += a.answer == "relevant"
        recs = load_recommendations(conn, people, item_ids, engaged, since=cut.start, until=cut.end)
        beyond = beyond_accuracy(recs, k=k)
        active_people = int((active > 0).sum())
        with_role = ~np.isnan(levels[:, i])
        out.append(
            PeriodFigures(
                label=cut.label,
                start=cut.start,
                end=cut.end,
                # As on the team page: a period with fewer than k active people says
                # nothing about activity (the share would tell how few).
                active_share=stats.wilson(active_people, n, k=k)
                if active_people >= k
                else stats.suppressed(active_people, "Wilson score"),
                completions=int(done.sum()) if active_people >= k else None,
                active_day_share=stats.mean(np.minimum(active / np.ceil(days), 1.0), k=k),
                role_level_at_end=stats.mean(levels[with_role, i], k=k),
                proficient_at_end=stats.wilson(
                    int(proficient[with_role, i].sum()), int(with_role.sum()), k=k
                ),
                relevance_rate=stats.ratio(yes, asked, k=k),
                coverage=beyond.coverage,
                gini=beyond.gini,
            )
        )
    return out
