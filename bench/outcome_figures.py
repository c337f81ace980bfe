"""Printing the outcome benchmark's figures (:mod:`outcomes`): per world and arm, the days
and the share who reached the targets, the savings, where the minutes went and the fitted
curve, as mean (sd, min..max) across seeds; then the held-out mean, the figure to quote."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from outcome_arms import TIME_USES
from outcome_worlds import World

ARMS = (
    "learnwire", "segmentation", "adaptive", "random", "oracle", "learnwire_told", "informed"
)  # fmt: skip


@dataclass
class SeedResult:
    """Mean days per (world, arm) for one seed, and the share who reached the targets."""

    seed: int
    days: dict[tuple[str, str], float]
    reached: dict[tuple[str, str], float]
    learners: int
    #: Per world: the practice curve's fit report (empty with ``--curve default``).
    fits: dict[str, dict] = field(default_factory=dict)
    #: Per (world, arm): share of all minutes per use (:data:`TIME_USES`), and under
    #: ``"believed_done"`` the share spent while the arm's model counted the role's levels
    #: as reached and one was not.
    time: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)


@dataclass
class Spread:
    mean: float
    sd: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return cls(statistics.fmean(values), sd, min(values), max(values))

    def __str__(self) -> str:
        return f"{self.mean:6.1f} (sd {self.sd:4.1f}, {self.low:6.1f}..{self.high:6.1f})"


def saving(result: SeedResult, world: str, baseline: str, arm: str = "learnwire") -> float:
    """Per cent fewer days ``arm`` needs than ``baseline`` in ``world``."""
    base = result.days[(world, baseline)]
    return 100.0 * (1 - result.days[(world, arm)] / base) if base else math.nan


def closed(result: SeedResult, world: str, start: str, arm: str) -> float:
    """Per cent of ``start``'s distance to the oracle in ``world`` that ``arm`` closes."""
    days = result.days
    span = max(1e-9, days[(world, start)] - days[(world, "oracle")])
    return 100.0 * (days[(world, start)] - days[(world, arm)]) / span


def held_out_saving(
    result: SeedResult, baseline: str, worlds: tuple[World, ...], arm: str = "learnwire"
) -> float:
    """Mean saving over the worlds not used for tuning (nan when there are none)."""
    values = [
        saving(result, w.name, baseline, arm) for w in worlds if not (w.tuned or w.diagnostic)
    ]
    return statistics.fmean(values) if values else math.nan


def _answer_phrase(answer: dict[str, float] | None) -> str:
    """The fitted answer model's view of the learner model's starting levels."""
    if not answer:
        return ""
    return (
        f"; starts off by {answer['start_bias']:+.3f} on average (sd {answer['start_sd']:.3f}), "
        f"answer scale {answer['scale']:.3f}"
    )


def report(results: list[SeedResult], worlds: tuple[World, ...]) -> list[str]:
    ran = [a for a in ARMS if all((w.name, a) in r.days for r in results for w in worlds)]
    lines = [f"seeds {[r.seed for r in results]}, learners followed per seed "
             f"{[r.learners for r in results]}; mean (sd, min..max) across seeds"]  # fmt: skip
    baselines = [b for b in ("segmentation", "adaptive", "random") if b in ran]
    for world in worlds:
        tag = "USED FOR TUNING" if world.tuned else "held out"
        if world.diagnostic:
            tag = "DIAGNOSTIC, not held out"
        lines.append(f"\n{world.name} [{tag}]: {world.description}")
        for arm in ran:
            days = Spread.of([r.days[(world.name, arm)] for r in results])
            share = Spread.of([100 * r.reached[(world.name, arm)] for r in results])
            lines.append(f"  {arm:<13} days {days}   reached % {share}")
        for baseline in baselines:
            s = Spread.of([saving(r, world.name, baseline) for r in results])
            lines.append(f"  learnwire vs {baseline:<12} % fewer days {s}")
        if "oracle" in ran:
            gap = Spread.of([closed(r, world.name, "segmentation", "learnwire") for r in results])
            lines.append(f"  share of segmentation->oracle gap closed %  {gap}")
        if {"oracle", "learnwire_told"} <= set(ran):
            told = Spread.of(
                [closed(r, world.name, "learnwire", "learnwire_told") for r in results]
            )
            lines.append(
                f"  share of learnwire->oracle gap that telling it the levels closes % {told}"
            )
        if {"oracle", "informed"} <= set(ran):
            informed = Spread.of([closed(r, world.name, "learnwire", "informed") for r in results])
            lines.append(f"  share of learnwire->oracle gap that the exact posterior from what a "
                         f"deployment sees closes % {informed}")  # fmt: skip
        if "informed" in ran:
            s = Spread.of([saving(r, world.name, "segmentation", "informed") for r in results])
            lines.append(f"  informed vs segmentation % fewer days {s}")
        lines.extend(_time_lines(results, world.name))
        lines.extend(_fit_lines([r.fits.get(world.name) for r in results]))
    if any(not (w.tuned or w.diagnostic) for w in worlds):
        lines.append("\nheld-out worlds (the figure to quote), mean over those worlds per seed")
        lines.append("(target: >= 25% fewer days than segmentation and ahead of adaptive):")
        for baseline in baselines:
            s = Spread.of([held_out_saving(r, baseline, worlds) for r in results])
            lines.append(f"  learnwire vs {baseline:<12} % fewer days {s}")
        references = [a for a in ("informed", "learnwire_told", "oracle") if a in ran]
        if references:
            lines.append("references on the same worlds (what is possible, not products):")
        for arm in references:
            s = Spread.of([held_out_saving(r, "segmentation", worlds, arm) for r in results])
            lines.append(f"  {arm:<14} vs segmentation % fewer days {s}")
    return lines


def _time_lines(results: list[SeedResult], world: str) -> list[str]:
    """Where each arm's minutes went, judged against latent truth (mean share over seeds)."""
    lines = ["  minutes on (% of the arm's minutes; a required skill still short / already "
             "reached / a prerequisite of a short one / other):"]  # fmt: skip
    for arm in ARMS:
        shares = [r.time[(world, arm)] for r in results if (world, arm) in r.time]
        if not shares:
            continue
        mean = {k: 100 * statistics.fmean(s[k] for s in shares) for k in shares[0]}
        line = "    " + f"{arm:<13}" + " / ".join(f"{mean[u]:5.1f}" for u in TIME_USES)
        if arm == "learnwire":
            line += (f"   (while its model counted every level reached and one was not: "
                     f"{mean['believed_done']:.1f})")  # fmt: skip
        lines.append(line)
    return lines


def _fit_lines(fits: list[dict | None]) -> list[str]:
    """The world's fitted practice curve per seed: evidence, held-out scores, main values."""
    lines = []
    for fit in fits:
        if not fit:
            continue
        held, p = fit["held_out"], fit["params"]
        scored = (
            f"held-out log-loss {held['fitted']['log_loss']:.4f} vs priors "
            f"{held['prior']['log_loss']:.4f}, AUC {held['fitted']['auc']:.3f} vs "
            f"{held['prior']['auc']:.3f}"
            if "fitted" in held
            else "not scored"
        )
        formats = ", ".join(
            f"{f} {p['practice_gain'] * p['format_gain'][f]:.3f}"
            for f in ("video", "article", "exercise", "simulation")
        )
        lines.append(
            f"  curve fit: {fit['answers']} answers, {fit['practice']} items practised; "
            f"{scored}; gain {formats}; zone {p['zone']:.2f} peaking "
            f"{p['peak']:+.2f} above the level, minutes^"
            f"{p['duration_exponent']:.2f}, forgetting 1/{1 / p['forget_rate']:.0f} days"
            + _answer_phrase(fit.get("answer_model"))
        )
    return lines
