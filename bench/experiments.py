"""Does the experiment report recover a known effect, and how often does it cry wolf?

    python bench/experiments.py [--learners 300] [--seed 7] [--treatment oracle]
                                [--aa-runs 200] [--aa-seeds 2] [--world current]

A simulated organisation (the sample organisation's people, with the latent mastery, pace
and weekly learning time of :mod:`learnwire.plugins.demo`) takes part in an experiment
placed exactly as ``learnwire experiment create`` places people (stratified on role,
seniority and a noisy baseline measurement). Each person is followed for 90 days under
*both* arms with the same randomness (:mod:`outcome_arms`), so the true average effect on
this population is known; the experiment only sees each person's own arm. The primary
outcome is the gain in latent mastery on the role's required skills (importance-weighted).

Printed: the report (the same statistics as ``learnwire experiment report``) at 30, 60 and
90 simulated days, with the true effect and whether it lies in the interval; then the A/A
false-positive rate: two identical arms (segmentation and segmentation), re-placed
``--aa-runs`` times over ``--aa-seeds`` simulated populations, counting how often the
fixed-horizon test, a fixed test looked at on days 30/60/90, and the sequential interval
looked at on days 30/60/90 declare a difference.

The treatment is a simulated policy from :mod:`outcome_arms` (default: the oracle, which
knows latent mastery, so the effect is real and sizeable; ``adaptive`` gives a small one),
not learnwire's ranker: this benchmark checks the *report*, whose answer must be right
whatever the arms are. Also printed: how often the 90-day interval holds the true effect
over 200 fresh placements of the same people (coverage). learnwire's own effect is measured by
``bench/outcomes.py``. No constant here was fitted on this simulator.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")
sys.path.insert(0, str(Path(__file__).parent))  # the bench's sibling modules

import numpy as np  # noqa: E402
from outcome_arms import Learner, Pick, adaptive, oracle, random_in_role, segmentation  # noqa: E402
from outcome_worlds import WORLD_INDEX, World  # noqa: E402

from learnwire.plugins.demo.history import learner_history  # noqa: E402
from learnwire.plugins.demo.learners import latent_profile  # noqa: E402
from learnwire.plugins.demo.organisation import build_organisation  # noqa: E402
from learnwire.plugins.experiments import stats  # noqa: E402
from learnwire.plugins.experiments.allocation import Candidate, allocate  # noqa: E402
from learnwire.plugins.experiments.analysis import analyse  # noqa: E402

TODAY = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = (30, 60, 90)
K = 5  # the default policy's k
ALPHA = 0.05
ARMS = {"adaptive": adaptive, "segmentation": segmentation, "oracle": oracle}


@dataclass
class Person:
    key: int
    role: str
    seniority: str
    baseline: float
    #: arm -> gain at each of DAYS
    gains: dict[str, list[float]]


def _pick(arm: str, rng: np.random.Generator) -> Pick:
    return random_in_role(rng) if arm == "random" else ARMS[arm]()


def progress(learner: Learner, pick: Pick, days: tuple[int, ...]) -> list[float]:
    """Importance-weighted gain in latent mastery on the required skills at each of
    ``days``, sessions as in :func:`outcome_arms.follow` (which stops at proficiency; here
    people keep learning, as they would in a real experiment)."""
    req = learner.requirements
    weights = np.array([w for _, _, w in req])
    skills = [s for s, _, _ in req]
    start = learner.latent[skills].copy()
    profile = learner.profile
    gap = 7.0 / max(1e-6, profile.sessions_per_week)  # type: ignore[attr-defined]
    session = float(profile.session_minutes)  # type: ignore[attr-defined]
    out: list[float] = []
    day = 0.0
    for checkpoint in days:
        while day < checkpoint:
            left, fresh, practised, spent = session, True, set(), 0.0
            while left > 0:
                entry = pick(learner, day, left, fresh)
                if entry is None:
                    break
                learner.do(entry)
                practised.update(entry.skills)
                minutes = float(entry.item.duration_minutes)
                spent, left, fresh = spent + minutes, left - minutes, False
            elapsed = gap * max(1.0, spent / session)
            learner.world.forget(learner.latent, learner.floor, practised, elapsed)
            day += elapsed
        out.append(float(weights @ (learner.latent[skills] - start) / weights.sum()))
    return out


def simulate(seed: int, learners: int, arms: tuple[str, ...], world: World) -> list[Person]:
    """Every person of the organisation under every arm, same randomness per person."""
    org = build_organisation(seed, learners)
    people = []
    for p in range(learners):
        profile = latent_profile(org, p)
        req = profile.requirements()
        if not req:
            continue
        start = learner_history(seed, profile, TODAY.date()).final_mastery
        gains = {}
        for arm in arms:
            rng = np.random.default_rng([seed, 11, p])
            learner = Learner(profile, start.copy(), world, rng)
            gains[arm] = progress(learner, _pick(arm, rng), DAYS)
        # What the organisation can see of the baseline: a noisy measurement of it.
        noise = np.random.default_rng([seed, 12, p]).normal(0, 0.05)
        baseline = float(np.mean([start[s] for s, _, _ in req]) + noise)
        people.append(Person(p, str(profile.profile), str(int(org.role_of[p])), baseline, gains))
    return people


def place(people: list[Person], experiment: str, arms: list[str]) -> dict[int, str]:
    candidates = [Candidate(p.key, p.role, p.seniority, p.baseline) for p in people]
    return {k: arm for k, (arm, _) in allocate(experiment, candidates, arms).items()}


def report(people: list[Person], treatment: str, control: str, seed: int) -> list[str]:
    placed = place(people, f"bench-{seed}", ["t", "c"])
    lines = [
        f"Experiment: {treatment} (t) against {control} (c), primary outcome: gain in latent "
        f"mastery on the role's required skills at 90 days; {len(people)} people, "
        f"alpha {ALPHA}, k {K}"
    ]
    covered = []
    for i, day in enumerate(DAYS):
        values = {
            "t": [p.gains[treatment][i] for p in people if placed[p.key] == "t"],
            "c": [p.gains[control][i] for p in people if placed[p.key] == "c"],
        }
        truth = statistics.fmean(p.gains[treatment][i] - p.gains[control][i] for p in people)
        final = day == DAYS[-1]
        arms, (effect,) = analyse(
            values,
            {a: len(v) for a, v in values.items()},
            {"t": treatment, "c": control},
            control="c",
            kind="mean",
            alpha=ALPHA,
            power=0.8,
            k=K,
            final=final,
            seed=seed,
        )
        assert effect.low is not None and effect.high is not None and effect.difference is not None
        assert effect.sequential_low is not None and effect.sequential_high is not None
        inside = effect.low <= truth <= effect.high
        seq_inside = effect.sequential_low <= truth <= effect.sequential_high
        covered.append(inside)
        n = ", ".join(f"{a.name} n={a.measured} mean {a.mean:.4f}" for a in arms)
        lines += [
            f"day {day} ({'final' if final else 'provisional: before the horizon'}): {n}",
            f"  difference {effect.difference:+.4f}, 95% {effect.interval} "
            f"[{effect.low:+.4f}, {effect.high:+.4f}], bootstrap [{effect.bootstrap_low:+.4f}, "
            f"{effect.bootstrap_high:+.4f}], Welch p = {effect.p_value:.4g}, MDE {effect.mde:.4f}",
            f"  sequential (always valid) [{effect.sequential_low:+.4f}, "
            f"{effect.sequential_high:+.4f}]; verdict: {effect.verdict}",
            f"  TRUE effect on this population {truth:+.4f}: inside the interval: "
            f"{'yes' if inside else 'NO'}; inside the sequential interval: "
            f"{'yes' if seq_inside else 'NO'}",
        ]
    lines.append(coverage(people, treatment, control, runs=200))
    return lines


def coverage(people: list[Person], treatment: str, control: str, *, runs: int) -> str:
    """Share of ``runs`` fresh placements whose 90-day interval holds the true effect."""
    truth = statistics.fmean(p.gains[treatment][-1] - p.gains[control][-1] for p in people)
    held = 0
    for r in range(runs):
        placed = place(people, f"coverage-{r}", ["t", "c"])
        t = [p.gains[treatment][-1] for p in people if placed[p.key] == "t"]
        c = [p.gains[control][-1] for p in people if placed[p.key] == "c"]
        test = stats.welch(t, c, ALPHA)
        held += test.low <= truth <= test.high
    return (
        f"coverage: the 95% interval at 90 days held the true effect in {held / runs:.3f} of "
        f"{runs} placements of the same people"
    )


def aa_rates(populations: list[list[Person]], runs: int, arm: str = "segmentation") -> list[str]:
    """Two identical arms: how often each way of reading the report declares a difference."""
    fixed = peek_fixed = peek_seq = total = 0
    per = -(-runs // len(populations))
    for s, people in enumerate(populations):
        for r in range(per):
            placed = place(people, f"aa-{s}-{r}", ["a", "b"])
            hits_fixed, hits_seq = [], []
            for i in range(len(DAYS)):
                a = [p.gains[arm][i] for p in people if placed[p.key] == "a"]
                b = [p.gains[arm][i] for p in people if placed[p.key] == "b"]
                test = stats.welch(a, b, ALPHA)
                sd = ((statistics.stdev(a) ** 2 + statistics.stdev(b) ** 2) / 2) ** 0.5
                seq = stats.confidence_sequence(
                    test.difference, test.standard_error, tau=0.25 * sd, alpha=ALPHA
                )
                hits_fixed.append(test.p_value < ALPHA)
                hits_seq.append(seq.rejects_zero)
            fixed += hits_fixed[-1]
            peek_fixed += any(hits_fixed)
            peek_seq += any(hits_seq)
            total += 1
    return [
        f"A/A ({arm} against itself), {total} placements over {len(populations)} simulated "
        f"populations, alpha {ALPHA}:",
        f"  false-positive rate, fixed test at the 90-day horizon: {fixed / total:.3f}",
        f"  false-positive rate, fixed test looked at on days 30/60/90 (peeking): "
        f"{peek_fixed / total:.3f}",
        f"  false-positive rate, sequential interval looked at on days 30/60/90: "
        f"{peek_seq / total:.3f}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--treatment", choices=sorted({*ARMS, "random"} - {"segmentation"}),
                        default="oracle")  # fmt: skip
    parser.add_argument("--aa-runs", type=int, default=200)
    parser.add_argument("--aa-seeds", type=int, default=2)
    parser.add_argument("--world", choices=sorted(WORLD_INDEX), default="current")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    world = WORLD_INDEX[args.world]
    people = simulate(args.seed, args.learners, (args.treatment, "segmentation"), world)
    for line in report(people, args.treatment, "segmentation", args.seed):
        print(line)
    populations = [people] + [
        simulate(args.seed + s, args.learners, ("segmentation",), world)
        for s in range(1, args.aa_seeds)
    ]
    for line in aa_rates(populations, args.aa_runs):
        print(line)
    print(f"({args.world} world, seed {args.seed}, {time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
