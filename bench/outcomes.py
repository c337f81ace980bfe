"""Do learnwire's recommendations get people to their role's required levels sooner?

    python bench/outcomes.py [--learners 300] [--sample 150] [--weeks 156] [--seeds 7 8 9]
                             [--worlds current stretch ...] [--data-dir DIR]
                             [--particles 500] [--informed-curve WORLD] [--arms ...]
                             [--warm-people 160] [--warm-weeks 26]

Each simulated learner of the sample organisation is followed from today, with the same
sessions per week and minutes per session, once per arm (:mod:`outcome_arms`: learnwire,
segmentation, an adaptive pre-test baseline, random items on the role's skills, an oracle
that knows latent mastery, learnwire's ranker told the latent levels, which splits
learnwire's distance to the oracle into estimation and choice, and ``informed``
(:mod:`outcome_informed`), which knows the world's learning function and keeps the exact
posterior over the levels from what a deployment sees) in each simulated world
(:mod:`outcome_worlds`: the sample organisation's own learning simulation and variants of
it). Sessions take the arm's first choice, then further items only if they fit the minutes
left.

Printed per world and arm: mean days until every required skill's latent mastery reaches the
role's target (censored at the horizon), the share who got there, and learnwire's saving
over segmentation and the adaptive baseline, as mean, sd, min and max across seeds; and
where each arm's minutes went, judged against latent truth at each choice. The
``current`` world was used while choosing product constants, so the figure to quote is the
one over the other (held-out) worlds, printed last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")
sys.path.insert(0, str(Path(__file__).parent))  # the bench's sibling modules

import numpy as np  # noqa: E402
from outcome_arms import (  # noqa: E402
    TIME_USES,
    Learner,
    LearnwireArm,
    Outcome,
    adaptive,
    follow,
    oracle,
    random_in_role,
    segmentation,
)
from outcome_figures import ARMS, SeedResult, report  # noqa: E402
from outcome_fit import WARM_PEOPLE, WARM_WEEKS, fit_in_world, served_with  # noqa: E402
from outcome_informed import PARTICLES, InformedArm  # noqa: E402
from outcome_worlds import WORLD_INDEX, WORLDS, World  # noqa: E402

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.learner.calibration import calibrate_and_store  # noqa: E402
from learnwire.core.learner.mastery import assessment_responses, fit_and_store  # noqa: E402
from learnwire.core.ranker.service import RecommendationService  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402
from learnwire.plugins.demo.history import learner_history  # noqa: E402
from learnwire.plugins.demo.learners import latent_profile  # noqa: E402
from learnwire.plugins.demo.loader import load_demo  # noqa: E402
from learnwire.plugins.demo.organisation import build_organisation  # noqa: E402
from learnwire.plugins.demo.source import DemoParameters, identities  # noqa: E402

TODAY = datetime(2026, 11, 20, tzinfo=UTC)


def evaluate(
    runtime: Runtime,
    *,
    seed: int,
    learners: int,
    sample: int,
    weeks: int,
    worlds: tuple[World, ...] = WORLDS,
    curve: str = "fitted",
    warm_people: int = WARM_PEOPLE,
    warm_weeks: int = WARM_WEEKS,
    particles: int = PARTICLES,
    informed_curve: str | None = None,
    arms: tuple[str, ...] = ARMS,
) -> SeedResult:
    """Load the sample organisation for ``seed`` into ``runtime``, fit the deployment's model
    and follow ``sample`` of its people in every world with every arm. With ``curve``
    "fitted", learnwire's practice curve in each world is fitted from a warm-up cohort's
    statements in that world (:mod:`outcome_fit`); with "default", the documented priors."""
    horizon = weeks * 7.0
    load_demo(runtime, DemoParameters(seed=seed, learners=learners, today=TODAY.date()))
    svc = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        # The deployment's fit: BKT per skill, then where answers switch on the level scale.
        fit_and_store(conn, assessment_responses(conn))
        calibrate_and_store(conn, svc)
    org = build_organisation(seed, learners)
    resolver = runtime.intake().resolver
    people = list(range(learners))[:: max(1, learners // sample)][:sample]
    outcomes: dict[tuple[str, str], list[Outcome]] = {}
    followed = 0
    fits: dict[str, dict] = {}
    with runtime.db.connection() as conn:
        model = svc.model(conn)
        served = {w.name: model for w in worlds}
        if curve == "fitted":
            cohort = _cohort(conn, svc, model, resolver, org, seed, people, learners, warm_people)
            for world in worlds:
                params, fits[world.name] = fit_in_world(
                    model, world, cohort, seed, TODAY, warm_weeks
                )
                served[world.name] = served_with(model, params)
        for person in people:
            profile = latent_profile(org, person)
            if not profile.requirements():
                continue
            followed += 1
            start = learner_history(seed, profile, TODAY.date()).final_mastery
            learner_id = resolver.resolve_subjects(
                conn, [identities(person)["employee_id"]], source="bench"
            )[0]
            for world in worlds:
                for arm in arms:
                    # Same answers' randomness for every arm: only the choices differ.
                    rng = np.random.default_rng([seed, 9, person])
                    learner = Learner(profile, start.copy(), world, rng)
                    pick, observe, believes_done = _arm(
                        arm,
                        svc,
                        conn,
                        served[world.name],
                        learner_id,
                        seed,
                        learner,
                        particles,
                        informed_curve,
                    )
                    outcome = follow(learner, pick, observe, horizon, believes_done)
                    outcomes.setdefault((world.name, arm), []).append(outcome)
        conn.rollback()  # resolve_subjects created nothing new, but leave the store untouched
    return SeedResult(
        seed,
        {k: statistics.fmean(o.days for o in v) for k, v in outcomes.items()},
        {k: sum(o.reached for o in v) / len(v) for k, v in outcomes.items()},
        followed,
        fits,
        {k: _time_shares(v) for k, v in outcomes.items()},
    )


def _time_shares(outcomes: list[Outcome]) -> dict[str, float]:
    total = sum(sum(o.minutes.values()) for o in outcomes) or 1.0
    shares = {u: sum(o.minutes.get(u, 0.0) for o in outcomes) / total for u in TIME_USES}
    shares["believed_done"] = sum(o.minutes_believed_done for o in outcomes) / total
    return shares


def _cohort(conn, svc, model, resolver, org, seed, people, learners, size):  # type: ignore[no-untyped-def]
    """Up to ``size`` people of the organisation not followed, with their latent start and
    the deployment's state for them today: the warm-up cohort the curve is fitted on."""
    followed = set(people)
    out = []
    for person in range(learners):
        if len(out) >= size:
            break
        profile = latent_profile(org, person)
        if person in followed or not profile.requirements():
            continue
        latent = learner_history(seed, profile, TODAY.date()).final_mastery
        learner_id = resolver.resolve_subjects(
            conn, [identities(person)["employee_id"]], source="bench"
        )[0]
        state, _ = svc.state(conn, learner_id, at=TODAY, model=model)
        out.append((person, profile, latent, state))
    return out


def _arm(arm, svc, conn, model, learner_id, seed, learner, particles, informed_curve):  # type: ignore[no-untyped-def]
    person = learner.profile.person
    if arm == "informed":
        ref = InformedArm(learner, seed, TODAY.date(), particles, informed_curve)
        return ref.pick, ref.observe, None
    if arm in ("learnwire", "learnwire_told"):
        # A fresh state per world, built with the world's fitted practice curve.
        state, _ = svc.state(conn, learner_id, at=TODAY, model=model)
        lw = LearnwireArm(model, state, TODAY, told=arm == "learnwire_told")
        return lw.pick, lw.observe, None if lw.told else lw.believes_done
    if arm == "segmentation":
        return segmentation(), None, None
    if arm == "adaptive":
        return adaptive(), None, None
    if arm == "random":
        return random_in_role(np.random.default_rng([seed, 11, person])), None, None
    return oracle(), None, None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=300)
    ap.add_argument("--sample", type=int, default=150)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    ap.add_argument("--worlds", nargs="+", choices=sorted(WORLD_INDEX), default=None)
    ap.add_argument(
        "--curve", choices=("fitted", "default"), default="fitted",
        help="learnwire's practice curve per world: fitted from a warm-up cohort's statements "
        "in that world, or the documented priors",
    )  # fmt: skip
    ap.add_argument("--warm-people", type=int, default=WARM_PEOPLE)
    ap.add_argument(
        "--warm-weeks", type=int, default=WARM_WEEKS,
        help="how long the warm-up cohort practises before the fit: the evidence a deployment "
        "has gathered",
    )  # fmt: skip
    ap.add_argument(
        "--arms", nargs="+", choices=ARMS, default=list(ARMS),
        help="arms to follow (learnwire and segmentation always run: the savings need them)",
    )  # fmt: skip
    ap.add_argument(
        "--particles", type=int, default=PARTICLES,
        help="particles of the informed reference arm's posterior (outcome_informed.py)",
    )  # fmt: skip
    ap.add_argument(
        "--informed-curve", choices=sorted(WORLD_INDEX), default=None,
        help="the learning function the informed arm believes (default: each world's own)",
    )  # fmt: skip
    ap.add_argument(
        "--data-dir", type=Path, default=Path(__file__).parent / "data",
        help="where each seed's embedded PostgreSQL lives (one per seed and size)",
    )  # fmt: skip
    args = ap.parse_args()
    worlds = tuple(WORLD_INDEX[w] for w in args.worlds) if args.worlds else WORLDS
    started = time.perf_counter()
    results = []
    for seed in args.seeds:
        data_dir = args.data_dir / f"outcomes-{args.learners}-{seed}"
        data_dir.mkdir(parents=True, exist_ok=True)
        runtime = Runtime(Settings(data_dir=data_dir, database_url=None))
        try:
            runtime.upgrade()
            results.append(
                evaluate(
                    runtime,
                    seed=seed,
                    learners=args.learners,
                    sample=args.sample,
                    weeks=args.weeks,
                    worlds=worlds,
                    curve=args.curve,
                    warm_people=args.warm_people,
                    warm_weeks=args.warm_weeks,
                    particles=args.particles,
                    informed_curve=args.informed_curve,
                    arms=tuple(a for a in ARMS if a in {"learnwire", "segmentation", *args.arms}),
                )
            )
        finally:
            runtime.close()
    print(f"up to {args.weeks} weeks per learner ({time.perf_counter() - started:.0f} s)")
    if args.curve == "fitted":
        print(
            f"practice curve fitted per world from {args.warm_people} other people's "
            f"statements over {args.warm_weeks} weeks (random items on their role's skills)"
        )
    else:
        print("practice curve: the documented priors (no fit)")
    print("days until the role's required levels are reached (same sessions for every arm):")
    print("\n".join(report(results, worlds)))


if __name__ == "__main__":
    sys.exit(main())
