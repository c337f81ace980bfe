"""The built-in ranking signals. Each scores every candidate at once (numpy) and can say in
a short phrase why it favours an item; the explanation is assembled from those phrases.

``families`` are the policy's signal families a signal reads (see policies/defaults/
families.yaml); when the policy withholds one for the learner, the signal is skipped and
reported as blocked.
"""

from __future__ import annotations

import numpy as np

from ... import hookimpl
from ..learner.level import practice_step
from ..learner.state import phi_cdf
from .context import RankContext
from .forecast_signal import UpcomingGap
from .items import FORMATS
from .review import ReviewDue
from .signals import RankingSignal

SITUATION_PHRASES = {
    "one_to_one": "1:1",
    "feedback_conversation": "feedback conversation",
    "performance_review": "performance conversation",
    "presentation": "presentation",
    "planning_review": "planning review",
    "strategy_review": "strategy review",
    "interview": "interview",
    "negotiation": "negotiation",
    "conflict": "difficult conversation",
    "onboarding_new_report": "1:1 with a new report",
    "mentoring": "mentoring session",
    "client_meeting": "client meeting",
    "workshop": "workshop",
}


#: Formats whose completion comes with answers the learner model reads.
ASSESSED_FORMATS = ("exercise", "simulation", "assessment")
_ASSESSED_CODES = [FORMATS.index(f) for f in ASSESSED_FORMATS]
#: Unconfirmed practice credit (level units) at which a check is fully worth it.
CHECK_SCALE = 0.1


def _normalise(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return np.clip(values / top, 0, 1) if top > 0 else np.zeros_like(values)


def _skill_name(ctx: RankContext, item: int, weights: np.ndarray) -> tuple[int, str]:
    s = int(np.argmax(ctx.items.item_skill[item] * weights))
    return s, ctx.items.skills.names[s]


def _day_phrase(ctx: RankContext, when) -> str:
    local = ctx.local_time
    days = (when.astimezone(local.tzinfo).date() - local.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return "on " + when.astimezone(local.tzinfo).strftime("%A")


def _prerequisite_phrase(ctx: RankContext, skill: int, name: str) -> str:
    dependent = ctx.items.skills.names[ctx.state.prerequisite_for[skill]]
    return f"{name} comes first: {dependent}, which your role requires, builds on it"


class _Signal(RankingSignal):
    def score(self, *, view: RankContext, candidates: np.ndarray) -> np.ndarray:
        idx = np.asarray(candidates, dtype=np.int64)
        return self.values(view, idx).astype(np.float32)

    def values(self, ctx: RankContext, idx: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RoleRequirement(_Signal):
    name = "role_requirement"
    default_weight = 1.0
    families = frozenset({"job_profile"})
    theme = "role"

    def values(self, ctx, idx):
        s = ctx.state
        # A required skill confidently at its level needs no further push (the gap is an
        # expected shortfall, so an uncertain estimate keeps some push).
        still_open = np.clip(s.gap / 0.05, 0, 1)
        return _normalise(ctx.items.item_skill[idx] @ (s.target_weight * still_open))

    def describe(self, *, view, item):
        k, skill = _skill_name(view, item, view.state.target)
        if k in view.state.prerequisite_for:
            return _prerequisite_phrase(view, k, skill)
        role = view.state.role_name
        return f"your role as {role} requires {skill}" if role else f"your role requires {skill}"


class MasteryGap(_Signal):
    name = "mastery_gap"
    default_weight = 1.4
    families = frozenset({"job_profile"})
    theme = "role"

    def values(self, ctx, idx):
        return _normalise(ctx.items.item_skill[idx] @ ctx.state.gap)

    def describe(self, *, view, item):
        gap = view.state.gap
        s, skill = _skill_name(view, item, gap)
        if s in view.state.prerequisite_for:
            return _prerequisite_phrase(view, s, skill)
        if gap[s] > 0 and s == int(np.argmax(gap)):
            return f"{skill} is your largest gap in your role's profile"
        return f"it closes a gap in {skill}"


class ExpectedProgress(_Signal):
    """How far one minute of the item moves the learner towards their role's levels.

    The learner model's practice curve (:mod:`learnwire.core.learner.level`), with the
    parameters fitted from the organisation's answers (:mod:`~learnwire.core.learner.gain_sml`;
    documented defaults before a fit), predicts each skill's new level after the item — by
    its format, skill, minutes, difficulty relative to the level and readiness — and the expected
    shortfall's slope turns that into progress towards the targets that still matter.
    Divided by the item's minutes, so a short, well-pitched item wins.
    """

    name = "expected_progress"
    default_weight = 4.0
    families = frozenset({"job_profile"})
    theme = "role"

    def values(self, ctx, idx):
        s, items = ctx.state, ctx.items
        minutes = items.duration[idx]
        fitted = s.gain  # the organisation's fitted practice curve (defaults before a fit)
        per_skill = ctx.readiness * fitted.skill_gain
        fmt = fitted.format_gain[items.format_code[idx]]
        gain = fmt[:, None] * per_skill[None, :] * items.skill_share[idx]
        step = practice_step(  # [candidate, skill]
            s.mastery[None, :],
            items.difficulty[idx][:, None],
            minutes[:, None],
            gain,
            fitted.params,
        )
        sd = s.level_sd
        slope = phi_cdf((s.target - s.mastery) / sd) * (s.target > 0) * s.target_weight
        progress = step @ slope
        return _normalise(progress / np.maximum(minutes, 1.0))

    def describe(self, *, view, item):
        s = view.state
        k, skill = _skill_name(view, item, s.gap * np.maximum(s.target_weight, 0.1))
        if k in s.prerequisite_for:
            return _prerequisite_phrase(view, k, skill)
        if k == int(np.argmax(s.gap)):
            return f"{skill} is your largest gap in your role's profile"
        return f"it is the quickest next step towards the {skill} level your role asks for"


class EvidenceCheck(_Signal):
    """An assessed item on a skill the model counts as (nearly) reached mostly on practice.

    Practice is credited at an assumed pace; people slower than that look further along
    than they are, and no new evidence shows it until someone answers questions on the
    skill again. Where much of the level rests on unconfirmed practice and the model is
    about to stop asking for more, an exercise or simulation with questions checks it:
    right answers confirm the level, wrong ones reopen the gap.
    """

    name = "evidence_check"
    default_weight = 2.0
    families = frozenset({"job_profile", "assessment_results"})
    theme = "check"

    def values(self, ctx, idx):
        s, items = ctx.state, ctx.items
        assessed = np.isin(items.format_code[idx], _ASSESSED_CODES)
        # The model's belief that the skill is done: a check matters most there.
        done = phi_cdf((s.mastery - s.target) / s.level_sd) * (s.target > 0)
        need = np.clip(s.unverified / CHECK_SCALE, 0, 1) * done * np.maximum(s.target_weight, 0.1)
        weights = items.item_skill[idx]
        return np.where(assessed, np.clip(weights @ need, 0, 1), 0.0)

    def describe(self, *, view, item):
        s = view.state
        _, skill = _skill_name(view, item, s.unverified * (s.target > 0))
        return f"it checks where you are in {skill}: so far that rests on practice, not answers"


class GoalAlignment(_Signal):
    name = "goal_alignment"
    default_weight = 1.0
    families = frozenset({"career_goals"})

    def values(self, ctx, idx):
        return _normalise(ctx.items.item_skill[idx] @ ctx.state.goals)

    def describe(self, *, view, item):
        s, skill = _skill_name(view, item, view.state.goals)
        origin = view.state.goal_origin.get(s, "your goals")
        return f"it works towards {origin} ({skill})"


class TeamPriority(_Signal):
    name = "team_priority"
    default_weight = 0.6
    families = frozenset({"job_profile"})

    def values(self, ctx, idx):
        s = ctx.state
        return _normalise(ctx.items.item_skill[idx] @ (s.team_gap + 2 * s.manager_priority))

    def describe(self, *, view, item):
        s = view.state
        k, skill = _skill_name(view, item, s.team_gap + 2 * s.manager_priority)
        if s.manager_priority[k] > 0:
            return f"your manager made {skill} a team priority"
        return f"{skill} is a gap your team shares"


class UpcomingSituation(_Signal):
    name = "upcoming_situation"
    default_weight = 1.5
    families = frozenset({"calendar"})

    def values(self, ctx, idx):
        out = np.zeros(len(idx), np.float32)
        for situation, urgency in ctx.upcoming():
            fit = ctx.shared.situation_fit.get(situation.kind)
            if fit is not None:
                out = np.maximum(out, fit[idx] * urgency)
        return out

    def describe(self, *, view, item):
        best, best_fit = None, 0.0
        for situation, urgency in view.upcoming():
            fit = view.shared.situation_fit.get(situation.kind)
            value = float(fit[item]) * urgency if fit is not None else 0.0
            if value > best_fit:
                best, best_fit = situation, value
        if best is None:
            return ""
        phrase = SITUATION_PHRASES.get(best.kind, best.kind.replace("_", " "))
        return f"your {phrase} is {_day_phrase(view, best.starts_at)}"


class Collaborative(_Signal):
    name = "collaborative"
    default_weight = 0.5
    families = frozenset({"learning_activity"})

    def values(self, ctx, idx):
        return _normalise(ctx.peer_scores[idx])

    def describe(self, *, view, item):
        return "people who took the same courses as you found it useful"


class SemanticSimilarity(_Signal):
    name = "semantic_similarity"
    default_weight = 0.6
    families = frozenset()

    def values(self, ctx, idx):
        if ctx.need_vector is None or not ctx.need_vector.any():
            return np.zeros(len(idx), np.float32)
        return np.clip((ctx.items.embedding[idx] @ ctx.need_vector - 0.1) / 0.6, 0, 1)

    def describe(self, *, view, item):
        # Too generic to explain anything on its own; the specific signals say why.
        return ""


class FormatHabit(_Signal):
    name = "format_habit"
    default_weight = 0.4
    families = frozenset({"learning_activity"})

    def values(self, ctx, idx):
        s = ctx.state
        fmt = ctx.items.format_code[idx]
        return np.clip(s.format_pref[fmt] + 0.25 * s.format_feedback[fmt], 0, 1)

    def describe(self, *, view, item):
        return f"you usually finish {view.items.format_name(item)}s"


class DurationFit(_Signal):
    name = "duration_fit"
    default_weight = 0.5
    families = frozenset({"learning_activity"})

    def values(self, ctx, idx):
        ratio = np.log(ctx.items.duration[idx] / max(ctx.state.session_minutes, 1.0))
        return np.exp(-(ratio**2) / (2 * 0.45**2))

    def describe(self, *, view, item):
        minutes = round(float(view.items.duration[item]))
        return f"at {minutes} minutes it fits your usual session"


class TimeOfDay(_Signal):
    name = "time_of_day"
    default_weight = 0.3
    families = frozenset({"learning_activity"})

    def values(self, ctx, idx):
        daypart = min(ctx.local_time.hour // 6, 3)
        fmt = ctx.items.format_code[idx]
        return ctx.state.format_daypart[fmt, daypart]

    def describe(self, *, view, item):
        part = ("at night", "in the morning", "in the afternoon", "in the evening")
        return f"it suits how you learn {part[min(view.local_time.hour // 6, 3)]}"


class RecencyNovelty(_Signal):
    name = "novelty"
    default_weight = 0.4
    families = frozenset({"learning_activity"})

    def values(self, ctx, idx):
        s = ctx.state
        primary = ctx.items.primary_skill[idx]
        fresh = np.clip(s.days_since_practice[primary] / 3.0, 0, 1)
        seen = np.isfinite(ctx.days_since_done[idx])
        return np.where(seen, 0.2, 0.5 + 0.5 * fresh)

    def describe(self, *, view, item):
        return "it is new to you"


class Feedback(_Signal):
    name = "feedback"
    default_weight = 1.5
    families = frozenset({"feedback"})

    def values(self, ctx, idx):
        s = ctx.state
        # Nothing rated yet means no support either way, not a neutral half.
        value = np.clip(np.tanh(ctx.items.item_skill[idx] @ s.skill_feedback), 0, 1)
        if s.more_like:
            anchor = ctx.items.embedding[s.more_like].mean(axis=0)
            norm = float(np.linalg.norm(anchor))
            if norm > 0:
                like = np.clip((ctx.items.embedding[idx] @ (anchor / norm) - 0.2) / 0.6, 0, 1)
                value = np.maximum(value, like)
        return np.where(ctx.verdict_mask("not_useful")[idx], 0.0, value)

    def describe(self, *, view, item):
        if view.state.more_like:
            return "you asked for more like something you rated"
        return "it follows your ratings"


class StatedPriority(_Signal):
    name = "stated_priority"
    # The learner's own word on what matters now: as strong as the expected progress.
    default_weight = 4.0
    families = frozenset({"feedback"})

    def values(self, ctx, idx):
        return _normalise(ctx.items.item_skill[idx] @ ctx.state.stated_priority)

    def describe(self, *, view, item):
        _, skill = _skill_name(view, item, view.state.stated_priority)
        return f"you said {skill} matters to you now"


BUILTIN_SIGNALS: tuple[type[RankingSignal], ...] = (
    RoleRequirement,
    ExpectedProgress,
    MasteryGap,
    EvidenceCheck,
    GoalAlignment,
    TeamPriority,
    UpcomingSituation,
    Collaborative,
    SemanticSimilarity,
    FormatHabit,
    DurationFit,
    TimeOfDay,
    RecencyNovelty,
    Feedback,
    StatedPriority,
    ReviewDue,
)


@hookimpl(trylast=True)
def register_ranking_signals(settings: object) -> list[RankingSignal]:
    return [*(cls() for cls in BUILTIN_SIGNALS), UpcomingGap()]
