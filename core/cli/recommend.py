"""Commands for the learner model and ranker: fit, recommend, and the self-measuring audits."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import click

from ..runtime import Runtime
from ..store import one
from .moments import moment
from .output import emit, json_option, table
from .root import cli, pass_runtime

if TYPE_CHECKING:
    # Imported when a command runs: the CLI starts without loading numpy and the ranker.
    from ..ranker.service import RecommendationService


def _at(value: str | None) -> datetime:
    return moment(value, "--at") or datetime.now(UTC)


def _service(runtime: Runtime) -> RecommendationService:
    from ..ranker.service import RecommendationService

    runtime.upgrade()
    return RecommendationService(runtime)


@cli.group()
def model() -> None:
    """The learner model (mastery per skill)."""


@model.command("fit")
@json_option
@pass_runtime
def model_fit(runtime: Runtime, as_json: bool) -> None:
    """Fit BKT parameters per skill over all assessment evidence and refresh every mastery,
    fit the logistic knowledge-tracing model that predicts the next answer, then calibrate
    where each skill's answers switch from wrong to right on the level scale.

    Workers run the same refit daily (``learner_model.fit``;
    LEARNWIRE_PLUGINS__RANKING__FIT_EVERY_SECONDS)."""
    from ..ranker.plugin import fit_learner_model

    runtime.upgrade()
    report = fit_learner_model(runtime)
    emit(
        report,
        as_json,
        lambda d: click.echo(
            f"fitted {d['skills']} skills ({d['defaulted']} on population defaults) from "
            f"{d['responses']} responses of {d['learners']} learners in {d['seconds']} s; "
            f"answers calibrated on {d['calibration']['skills']} skills from "
            f"{d['calibration']['answers']} answers in {d['calibration']['seconds']} s; "
            + _logistic_phrase(d.get("logistic") or {})
            + "\n"
            + _curve_phrase(d["practice_curve"])
        ),
    )


@model.command("report")
@json_option
@pass_runtime
def model_report(runtime: Runtime, as_json: bool) -> None:
    """What the practice curve's last fit found (how much items teach by format, skill,
    duration, difficulty and readiness; how fast practice fades), each beside its documented
    prior, and how well it predicts the answers of people held out of the fit compared with
    the priors alone."""
    from ..learner.gain_store import load_report

    runtime.upgrade()
    with runtime.db.connection() as conn:
        report = load_report(conn)
    if report is None:
        raise click.ClickException(
            "the practice curve has not been fitted: run 'learnwire model fit' (until then "
            "the documented defaults in learnwire.core.learner.gain_params apply)"
        )
    emit(report, as_json, _print_curve)


def _curve_phrase(d: dict) -> str:
    held = d["held_out"]
    if d.get("rejected"):
        return (
            f"practice curve fitted on {d['answers']} answers but not served: it predicted "
            f"held-out people's answers worse than the priors (log-loss "
            f"{held['fitted']['log_loss']} vs {held['prior']['log_loss']}); documented "
            "defaults apply"
        )
    if not d.get("fitted"):
        return (
            f"practice curve not fitted ({d['answers']} answers, "
            f"{d['answers_after_practice']} after practice): documented defaults apply"
        )
    scored = (
        f"; held-out log-loss {held['fitted']['log_loss']} vs prior {held['prior']['log_loss']}"
        if "fitted" in held
        else ""
    )
    return (
        f"practice curve fitted on {d['answers']} answers ({d['answers_after_practice']} after "
        f"practice) and {d['practice']} items practised in {d['seconds']} s{scored}"
    )


def _print_curve(d: dict) -> None:
    click.echo(_curve_phrase(d) + f" (fitted at {d['fitted_at']})")
    fitted, prior = d.get("rejected") or d["params"], d["prior"]
    rows = [
        [name, f"{fitted[name]:.4g}", f"{prior[name]:.4g}"]
        for name in (
            "practice_gain",
            "zone",
            "peak",
            "duration_exponent",
            "readiness_exponent",
            "forget_rate",
            "start_sd",
        )
        if name in fitted and name in prior  # a report stored before "peak" was fitted
    ]
    counts = d["practice_by_format"]
    before = prior["format_gain"]
    rows += [
        [f"format_gain[{f}]", f"{g:.3g}", f"{before.get(f, 1.0):.3g}", counts.get(f, 0)]
        for f, g in fitted["format_gain"].items()
    ]
    table([[str(c) for c in r] + [""] * (4 - len(r)) for r in rows],
          ["parameter", "fitted", "prior", "items practised"])  # fmt: skip
    held = d["held_out"]
    if "fitted" in held:
        click.echo(
            f"held out: {held['answers']} answers of {held['learners']} people the fit did not "
            f"see: log-loss {held['fitted']['log_loss']} (priors only "
            f"{held['prior']['log_loss']}), AUC {held['fitted']['auc']} "
            f"(priors only {held['prior']['auc']})"
        )


def _logistic_phrase(d: dict) -> str:
    if not d.get("fitted"):
        return (
            f"next-answer model not fitted ({d.get('answers', 0)} answers, needs "
            "200 with both right and wrong ones): BKT predicts"
        )
    return (
        f"next-answer model fitted on {d['answers']} answers (log-loss {d['log_loss']}) "
        f"in {d['seconds']} s"
    )


@cli.command()
@click.argument("learner", type=click.UUID)
@click.option("--at", help="Rank as of this ISO 8601 time (default: now).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@json_option
@pass_runtime
def recommend(runtime: Runtime, learner: UUID, at: str | None, limit: int, as_json: bool) -> None:
    """Recommend the next few minutes of learning for LEARNER (pseudonymous id)."""
    svc = _service(runtime)
    ranking = svc.recommend(learner, at=_at(at), limit=limit)
    items = svc.model_items()
    rows = []
    for rec in ranking.recommendations:
        i = items.position[rec.content_id]
        rows.append(
            {
                **rec.model_dump(mode="json"),
                "title": items.titles[i],
                "format": items.format_name(i),
                "duration_minutes": float(items.duration[i]),
                "launch_url": items.launch_urls[i],
            }
        )

    def human(rs: list[dict]) -> None:
        for r in rs:
            tag = " [stretch]" if r["stretch"] else ""
            click.echo(
                f"{r['rank']}. {r['title']} ({r['format']}, {r['duration_minutes']:.0f} min)"
                f"{tag}  score {r['score']:.2f}"
            )
            click.echo(f"   {r['explanation']}")

    emit(rows, as_json, human)


@cli.command("recommend-all")
@click.option("--at", help="Rank as of this ISO 8601 time (default: now).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (ranking uses one core each).",
)
@json_option
@pass_runtime
def recommend_all(
    runtime: Runtime, at: str | None, limit: int, processes: int, as_json: bool
) -> None:
    """Rank every learner and store their recommendations (the nightly batch)."""
    import time

    svc = _service(runtime)
    with runtime.db.connection() as conn:
        total = one(conn.execute("SELECT count(*) FROM learner"))[0]
    started = time.perf_counter()
    with click.progressbar(length=total, label="ranking", file=sys.stderr) as bar:
        done = svc.recommend_all(at=_at(at), limit=limit, processes=processes, progress=bar.update)
    seconds = round(time.perf_counter() - started, 1)
    emit(
        {"learners": done, "seconds": seconds},
        as_json,
        lambda d: click.echo(f"ranked and stored {d['learners']} learners in {d['seconds']} s"),
    )


def audit_group() -> click.Group:
    """The shared ``audit`` group (the policy layer adds ``verify`` and ``log`` to it)."""
    existing = cli.commands.get("audit")
    if isinstance(existing, click.Group):
        return existing

    @cli.group("audit")
    def audit() -> None:
        """Audits: divergence, signal use, and the tamper-evident audit log."""

    return audit


audit = audit_group()


@audit.command("divergence")
@click.option("--role", help="Job profile id or name (default: every role with >= 10 people).")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--at", help="Rank as of this ISO 8601 time (default: now).")
@json_option
@pass_runtime
def audit_divergence(
    runtime: Runtime, role: str | None, top: int, at: str | None, as_json: bool
) -> None:
    """Same-Role Divergence: share of same-role pairs whose top-N lists are identical."""
    from ..ranker.audit import divergence, people_by_role

    svc = _service(runtime)
    with runtime.db.connection() as conn:
        total = sum(len(v) for v in people_by_role(conn).values())
    with click.progressbar(length=total, label="ranking", file=sys.stderr) as bar:
        results = divergence(svc, at=_at(at), top=top, role=role, progress=bar.update)
    data = [r.as_dict() for r in results]
    emit(
        data,
        as_json,
        lambda rows: table(
            [
                [
                    r["name"],
                    r["people"],
                    r["pairs"],
                    r["identical_pairs"],
                    f"{100 * r['identical_share']:.1f}%",
                ]
                for r in rows
            ],
            ["role", "people", "pairs", "identical", "share"],
        ),
    )


@audit.command("signals")
@click.argument("learner", type=click.UUID)
@click.option("--at", help="Rank as of this ISO 8601 time (default: now).")
@json_option
@pass_runtime
def audit_signals(runtime: Runtime, learner: UUID, at: str | None, as_json: bool) -> None:
    """Which signals shaped LEARNER's recommendations, and which the policy blocked."""
    from ..ranker.audit import signal_report

    report, _ = signal_report(_service(runtime), learner, at=_at(at))
    data = report.model_dump(mode="json")

    def human(d: dict) -> None:
        click.echo("signals:")
        table(
            [
                [
                    s["signal"],
                    f"{s['weight']:.2f}",
                    "used" if s["used"] else ("blocked" if s["blocked_by"] else "skipped"),
                    "" if s["contribution"] is None else f"{s['contribution']:.3f}",
                    ", ".join(s["blocked_by"]) or s.get("detail", ""),
                ]
                for s in d["signals"]
            ],
            ["signal", "weight", "status", "contribution", "blocked by / note"],
        )
        click.echo("\nsignal families:")
        table(
            [
                [f["family"], f["status"], f["reason"] or "", f["records"], f["detail"]]
                for f in d["families"]
            ],
            ["family", "status", "reason", "records", "detail"],
        )

    emit(data, as_json, human)
