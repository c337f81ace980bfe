"""Do learnwire's recommendations get people to their role's required levels sooner?

    python bench/outcomes.py [--learners 300] [--sample 150] [--weeks 156] [--data-dir DIR]

(The embedded PostgreSQL in ``--data-dir``, or LEARNWIRE_DATABASE_URL when that is set.)

On the sample organisation's latent-mastery simulation (the same one that generated its 90
days of history), each learner is followed twice from today with the same minutes per week
(their own usual sessions x session length):

- learnwire: each session they take the top recommendation that fits the time left. The
  ranker only ever sees what a real deployment would: its governed view at the start, then
  the simulated statements (completions, answers) as they arrive — never the latent truth.
- segmentation baseline: same role -> same list: the role's required skills' items, easiest
  first, identical for everyone with the role; each learner works down it.

Printed: mean (and median) days until every required skill's latent mastery reaches the
role's target, censored at the horizon, and the share who got there. Target: learnwire needs
at least 25% fewer days.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

warnings.filterwarnings("ignore", module="platformdirs")

import numpy as np  # noqa: E402

from learnwire.core.config import Settings  # noqa: E402
from learnwire.core.learner.build import observe_answer, observe_item  # noqa: E402
from learnwire.core.learner.calibration import calibrate_and_store  # noqa: E402
from learnwire.core.learner.mastery import assessment_responses, fit_and_store  # noqa: E402
from learnwire.core.ranker.service import RecommendationService  # noqa: E402
from learnwire.core.runtime import Runtime  # noqa: E402
from learnwire.plugins.demo import simulation  # noqa: E402
from learnwire.plugins.demo.catalogue import library  # noqa: E402
from learnwire.plugins.demo.history import learner_history  # noqa: E402
from learnwire.plugins.demo.learners import latent_profile  # noqa: E402
from learnwire.plugins.demo.loader import load_demo  # noqa: E402
from learnwire.plugins.demo.organisation import build_organisation  # noqa: E402
from learnwire.plugins.demo.source import DemoParameters, identities  # noqa: E402
from learnwire.plugins.demo.taxonomy import SKILLS  # noqa: E402

TODAY = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass
class Outcome:
    days: float
    reached: bool


def reached(mastery: np.ndarray, requirements: list[tuple[int, float, float]]) -> bool:
    return all(mastery[s] >= t for s, t, _ in requirements)


def minutes_per_week(profile) -> float:  # type: ignore[no-untyped-def]
    return profile.sessions_per_week * profile.session_minutes


def follow_learnwire(svc, model, state, profile, latent, rng, horizon_days) -> Outcome:  # type: ignore[no-untyped-def]
    """Sessions spread evenly over the week; each takes the best-ranked item that fits."""
    lib = library()
    by_activity = {e.activity_id: e for e in lib}
    tax_index = {s: i for i, s in enumerate(model.items.skills.ids)}
    requirements = profile.requirements()
    per_week = max(1e-6, profile.sessions_per_week)
    gap_days = 7.0 / per_week
    day = 0.0
    while day <= horizon_days:
        if reached(latent, requirements):
            return Outcome(day, True)
        at = TODAY + timedelta(days=day)
        ranking = model.ranker.rank(state, at, limit=5)
        entry = None
        for rec in ranking.recommendations:
            i = model.items.position[rec.content_id]
            candidate = by_activity.get(model.items.activity_ids[i] or "")
            if candidate is not None:
                entry = candidate
                break
        if entry is None:
            day += gap_days
            continue
        do_item(entry, model, state, profile, latent, rng, at, tax_index)
        day += gap_days * (entry.item.duration_minutes / profile.session_minutes)
    return Outcome(horizon_days, False)


def do_item(entry, model, state, profile, latent, rng, at, tax_index) -> None:  # type: ignore[no-untyped-def]
    """The learner does the item: latent mastery grows; the model sees only statements."""
    answers = simulation.respond(rng, latent, entry, entry.questions) if entry.questions else []
    simulation.learn(latent, entry, 1.0, profile.learn_rate)
    i = model.items.by_activity.get(entry.activity_id)
    if i is not None:
        state.done_items[i] = at
        state.engaged_items[i] = state.engaged_items.get(i, 0) + 1
    main = tax_index.get(SKILLS[entry.skills[0]].id)
    if main is not None:
        for ok in answers:
            observe_answer(state, main, model.org.params[main], ok, entry.item.difficulty)
    if i is not None:
        observe_item(state, model.items, model.org, i, assessed=bool(answers))
    for skill_ix in entry.skills:
        s = tax_index.get(SKILLS[skill_ix].id)
        if s is not None:
            state.days_since_practice[s] = 0.0
            state.recent_practice[s] = 1.0
    # Time passes for the practice-recency signals between sessions.
    state.days_since_practice += 7.0 / max(profile.sessions_per_week, 1e-6)
    state.recent_practice *= 0.7


def follow_segment(role_list, profile, latent, rng, horizon_days) -> Outcome:  # type: ignore[no-untyped-def]
    requirements = profile.requirements()
    gap_days = 7.0 / max(profile.sessions_per_week, 1e-6)
    day, k = 0.0, 0
    while day <= horizon_days:
        if reached(latent, requirements):
            return Outcome(day, True)
        if k >= len(role_list):
            k = 0  # the course list starts again from the top
        entry = role_list[k]
        k += 1
        if entry.questions:
            simulation.respond(rng, latent, entry, entry.questions)
        simulation.learn(latent, entry, 1.0, profile.learn_rate)
        day += gap_days * (entry.item.duration_minutes / profile.session_minutes)
    return Outcome(horizon_days, False)


def role_curriculum(profile_ix: int, profile) -> list:  # type: ignore[no-untyped-def]
    """Same role, same list: items on the role's required skills, easiest first."""
    required = {s for s, _, _ in profile.requirements()}
    items = [e for e in library() if e.skills[0] in required]
    return sorted(items, key=lambda e: (e.item.difficulty, e.item.external_id))


def summarise(name: str, outcomes: list[Outcome]) -> float:
    days = [o.days for o in outcomes]
    share = sum(o.reached for o in outcomes) / len(outcomes)
    mean = statistics.fmean(days)
    print(
        f"  {name:<22} mean {mean:6.1f} days   median {statistics.median(days):6.1f} days   "
        f"reached {100 * share:5.1f}%"
    )
    return mean


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=300)
    ap.add_argument("--sample", type=int, default=150)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    horizon = args.weeks * 7.0
    data_dir = (
        args.data_dir or Path(__file__).parent / "data" / f"outcomes-{args.learners}-{args.seed}"
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.upgrade()
    started = time.perf_counter()
    load_demo(runtime, DemoParameters(seed=args.seed, learners=args.learners, today=TODAY.date()))
    svc = RecommendationService(runtime)
    with runtime.db.connection() as conn:
        # The deployment's fit: BKT per skill, then where answers switch on the level scale.
        fit_and_store(conn, assessment_responses(conn))
        calibrate_and_store(conn, svc)
    org = build_organisation(args.seed, args.learners)
    resolver = runtime.intake().resolver
    people = list(range(args.learners))[:: max(1, args.learners // args.sample)][: args.sample]
    ours: list[Outcome] = []
    base: list[Outcome] = []
    with runtime.db.connection() as conn:
        model = svc.model(conn)
        for person in people:
            profile = latent_profile(org, person)
            if not profile.requirements():
                continue
            history = learner_history(args.seed, profile, TODAY.date())
            learner = resolver.resolve_subjects(
                conn, [identities(person)["employee_id"]], source="bench"
            )[0]
            state, _ = svc.state(conn, learner, at=TODAY)
            rng_a = np.random.default_rng([args.seed, 9, person])
            rng_b = np.random.default_rng([args.seed, 9, person])
            ours.append(
                follow_learnwire(
                    svc, model, state, profile, history.final_mastery.copy(), rng_a, horizon
                )
            )
            base.append(
                follow_segment(
                    role_curriculum(profile.profile, profile),
                    profile,
                    history.final_mastery.copy(),
                    rng_b,
                    horizon,
                )
            )
        conn.rollback()  # resolve_subjects created nothing new, but leave the store untouched
    print(
        f"{len(ours)} learners simulated for up to {args.weeks} weeks "
        f"({time.perf_counter() - started:.0f} s)"
    )
    print("days until the role's required levels are reached (same minutes per week):")
    mean_ours = summarise("learnwire", ours)
    mean_base = summarise("segmentation baseline", base)
    fewer = 1 - mean_ours / mean_base if mean_base else math.nan
    print(f"  learnwire needs {100 * fewer:.1f}% fewer days (target >= 25%)")
    runtime.close()


if __name__ == "__main__":
    sys.exit(main())
