"""``learnwire demo``: load the sample organisation, print its summary, optionally serve it
with its overview pages (mounted only here, never by ``learnwire serve``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any

import click

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.cli.serving import serve_app
from ...core.delivery.showcase import showcase
from ...core.embedders.active import active_embedder
from ...core.embedders.content import embed_pending
from ...core.errors import ConfigurationError
from ...core.ranker.plugin import fit_learner_model
from ...core.runtime import Runtime
from ..pages.demo_doors import PLUGIN_NAME as DEMO_DOORS
from ..pages.demo_doors import DemoDoors
from .loader import load_demo
from .organisation import MAX_LEARNERS, MIN_LEARNERS
from .overview import DemoPages
from .source import DEFAULT_BATCH, DEFAULT_TODAY, DemoParameters
from .summary import demo_summary


@contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(
        length=max(total, 1), label=f"{label:<22}", file=sys.stderr, show_pos=True
    ) as bar:
        if total == 0:
            bar.update(1)  # nothing left to send: show the phase as done
        yield bar.update


@click.command()
@click.option(
    "--learners",
    type=click.IntRange(MIN_LEARNERS, MAX_LEARNERS),
    default=300,
    show_default=True,
    help="People in the organisation.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same company.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=DEFAULT_TODAY.isoformat(),
    show_default=True,
    help="Day the 90-day history ends and the 14-day calendar starts (fixed, not the clock).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Send everything again even if an earlier load finished (changes nothing stored).",
)
@click.option("--batch-size", type=click.IntRange(1, 5000), default=DEFAULT_BATCH, hidden=True)
@click.option("--serve", "then_serve", is_flag=True, help="Serve the web app after loading.")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve.")
@click.option("--port", default=8000, show_default=True, type=int, help="With --serve.")
@click.option("--threads", default=8, show_default=True, type=int, help="With --serve.")
@json_option
@pass_runtime
def demo(
    runtime: Runtime,
    learners: int,
    seed: int,
    today: datetime,
    full: bool,
    batch_size: int,
    then_serve: bool,
    host: str,
    port: int,
    threads: int,
    as_json: bool,
) -> None:
    """Load a sample organisation (departments, teams, job profiles, a skills framework, a
    324-item library, 90 days of xAPI history and upcoming calendars) through the same
    intake every source uses, and print what the store holds.

    Loading again with the same options resumes an interrupted load and never duplicates
    anything; a different seed or size is refused for a database that already holds one.
    """
    runtime.upgrade()
    params = DemoParameters(seed=seed, learners=learners, today=today.date())
    report = load_demo(runtime, params, full=full, batch_size=batch_size, progress=_bar)
    data = {"load": report.as_dict(), "store": demo_summary(runtime.db)}
    emit(data, as_json, _print_summary)
    click.echo(_prepare_recommendations(runtime), err=True)
    # The day's outbox as delivery would plan it (a dry run: nothing is sent or stored).
    morning = datetime.combine(params.today, time(6, 0), tzinfo=UTC)
    click.echo(showcase(runtime, at=morning), err=True)
    if then_serve:
        # Per-learner pages without sign-in: mounted for this demo server only.
        runtime.pm.add_plugin(DemoPages(), name="demo-pages")
        # Sign in as any sample person in any role (the pages plugin's demo door): only when
        # the pages plugin is loaded, since its sign-ins live in the pages' tables.
        if runtime.pm.has_plugin("pages"):
            runtime.pm.add_plugin(DemoDoors(), name=DEMO_DOORS)
        serve_app(runtime, host, port, threads)


def _prepare_recommendations(runtime: Runtime) -> str:
    """Fit the learner model and embed the library, so the first page already ranks."""
    fit = fit_learner_model(runtime)
    line = f"learner model: {fit['skills']} skills fitted from {fit['responses']} answers"
    try:
        embedded = embed_pending(runtime.db, active_embedder(runtime))
        line += f"; {embedded.embedded} library items embedded"
    except ConfigurationError as exc:
        line += f"; no embeddings ({exc})"
    return line


def _print_summary(data: dict[str, Any]) -> None:
    load, store = data["load"], data["store"]
    totals = load["totals"]
    click.echo(
        f"\nSample organisation (seed {load['seed']}, {load['learners']} learners, history to "
        f"{load['today']}) loaded in {load['seconds']:.1f} s: {totals['new']} records new, "
        f"{totals['updated']} updated, {totals['unchanged']} unchanged, "
        f"{totals['rejected']} rejected.\n"
    )
    click.echo(
        f"{len(store['departments'])} departments, {store['teams']} teams, "
        f"{store['learners']} learners, {store['skills']} skills "
        f"({store['prerequisites']} prerequisites), {store['content_items']} content items, "
        f"{store['statements']} statements, {store['calendar_situations']} calendar situations."
    )
    click.echo("")
    table(
        [[d["department"], d["teams"], d["people"]] for d in store["departments"]],
        ["department", "teams", "people"],
    )
    click.echo("")
    table(
        [[r["name"], r["learners"]] for r in store["learners_per_role"]],
        ["job profile", "learners"],
    )
    click.echo("")
    click.echo(
        "content by format: "
        + ", ".join(f"{k} {v}" for k, v in sorted(store["content_by_format"].items()))
    )
    click.echo(
        "statements by verb: "
        + ", ".join(f"{k} {v}" for k, v in store["statements_by_verb"].items())
    )
    click.echo(
        "calendar situations: "
        + ", ".join(f"{k} {v}" for k, v in store["calendar_by_situation"].items())
    )
    click.echo("phases: " + ", ".join(f"{p['phase']} {p['seconds']:.1f} s" for p in load["phases"]))
