"""The statistics of an experiment report from per-person outcome values (pure: the report
over the store and the simulated benchmark use the same function).

Per arm: people placed, people measured, mean and spread, withheld below k people. Per
treatment arm against the control: the difference with a (1 - alpha) interval (Newcombe's
score interval for a proportion, Welch's t interval for a mean), a percentile bootstrap
interval as a check, Welch's two-sided t-test, the minimum detectable effect at the numbers
measured, and the mixture-SPRT always-valid interval. Before the horizon only the always-valid
interval may declare a difference (looking early keeps the error rate); the fixed-horizon
figures are labelled provisional.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import fmean, pstdev, stdev
from typing import Literal

from pydantic import BaseModel

from . import stats

#: The mixture's spread over effects, in units of the outcome's standard deviation: the
#: always-valid interval is tightest for effects of about this size.
TAU_SD = 0.25
NOT_ENOUGH = "not enough data yet"


class ArmResult(BaseModel):
    name: str
    serve: str
    placed: int
    measured: int
    reported: bool = False
    mean: float | None = None
    sd: float | None = None
    note: str = ""


class Effect(BaseModel):
    arm: str
    control: str
    verdict: str
    difference: float | None = None
    relative: float | None = None
    #: The difference in pooled standard deviations (Cohen's d).
    standardized: float | None = None
    low: float | None = None
    high: float | None = None
    interval: str = ""
    bootstrap_low: float | None = None
    bootstrap_high: float | None = None
    test: str = "Welch's t-test, two-sided"
    p_value: float | None = None
    sequential_low: float | None = None
    sequential_high: float | None = None
    sequential_rejects: bool | None = None
    mde: float | None = None
    provisional: bool = True


def _sd(values: Sequence[float], kind: str) -> float:
    if kind == "proportion":
        p = fmean(values)
        return math.sqrt(p * (1 - p))
    return stdev(values) if len(values) > 1 else 0.0


def analyse(
    values: Mapping[str, Sequence[float]],
    placed: Mapping[str, int],
    serve: Mapping[str, str],
    *,
    control: str,
    kind: Literal["proportion", "mean"],
    alpha: float,
    power: float,
    k: int,
    final: bool,
    seed: int = 0,
) -> tuple[list[ArmResult], list[Effect]]:
    arms: list[ArmResult] = []
    for name in serve:
        got = list(values.get(name, ()))
        result = ArmResult(name=name, serve=serve[name], placed=placed.get(name, 0), measured=0)
        if len(got) < k:
            result.note = f"fewer than k = {k} people measured: not reported"
        else:
            result.reported, result.measured = True, len(got)
            result.mean, result.sd = fmean(got), (stdev(got) if len(got) > 1 else 0.0)
        arms.append(result)
    shown = {a.name for a in arms if a.reported}
    effects = []
    for name in serve:
        if name == control:
            continue
        if name not in shown or control not in shown:
            effects.append(Effect(arm=name, control=control, verdict=NOT_ENOUGH))
            continue
        effects.append(
            _effect(
                name, control, list(values[name]), list(values[control]),
                kind=kind, alpha=alpha, power=power, final=final, seed=seed,
            )
        )  # fmt: skip
    return arms, effects


def _effect(
    name: str,
    control: str,
    a: list[float],
    b: list[float],
    *,
    kind: str,
    alpha: float,
    power: float,
    final: bool,
    seed: int,
) -> Effect:
    test = stats.welch(a, b, alpha)
    if kind == "proportion":
        low, high = stats.newcombe(round(sum(a)), len(a), round(sum(b)), len(b), alpha)
        interval = "Newcombe hybrid score interval"
    else:
        low, high = test.low, test.high
        interval = "Welch t interval"
    boot = stats.bootstrap_diff(a, b, alpha=alpha, seed=seed)
    pooled = math.sqrt((_sd(a, kind) ** 2 + _sd(b, kind) ** 2) / 2) or pstdev(a + b) or 1e-9
    seq = stats.confidence_sequence(
        test.difference, test.standard_error, tau=TAU_SD * pooled, alpha=alpha
    )
    mde = stats.mde(len(a), len(b), pooled, alpha=alpha, power=power)
    if final:
        verdict = (
            "difference" if not (low <= 0.0 <= high) else "no difference detected"
        ) + f" at the horizon ({1 - alpha:.0%} interval)"
    elif seq.rejects_zero:
        verdict = "difference (sequential test: valid before the horizon)"
    else:
        verdict = "provisional: the horizon has not been reached"
    base = fmean(b)
    return Effect(
        arm=name,
        control=control,
        verdict=verdict,
        difference=test.difference,
        relative=test.difference / base if base else None,
        standardized=test.difference / pooled,
        low=low,
        high=high,
        interval=interval,
        bootstrap_low=boot[0],
        bootstrap_high=boot[1],
        p_value=test.p_value,
        sequential_low=seq.low,
        sequential_high=seq.high,
        sequential_rejects=seq.rejects_zero,
        mde=mde,
        provisional=not final,
    )
