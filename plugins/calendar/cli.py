"""``learnwire calendar classify``: try the classifier (and an organisation's vocabulary)
on an event description without touching any calendar or the store."""

from __future__ import annotations

from pathlib import Path

import click

from learnwire.core.cli.output import emit, json_option
from learnwire.core.cli.root import pass_runtime
from learnwire.core.runtime import Runtime

from .classifier import EventFeatures, SituationClassifier
from .vocabulary import load_vocabulary


@click.group()
def calendar() -> None:
    """Calendar signals: meetings classified into work situations."""


@calendar.command("classify")
@click.argument("text")
@click.option("--attendees", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--recurring", is_flag=True, help="The event is part of a series.")
@click.option("--minutes", type=click.FloatRange(min=0), default=30, show_default=True)
@click.option("--external", is_flag=True, help="Someone outside the organisation attends.")
@click.option(
    "--vocabulary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Vocabulary file to extend the default with (default: the configured one).",
)
@json_option
@pass_runtime
def classify(
    runtime: Runtime,
    text: str,
    attendees: int,
    recurring: bool,
    minutes: float,
    external: bool,
    vocabulary: Path | None,
    as_json: bool,
) -> None:
    """Show which situation TEXT (an event's title and description) would be stored as."""
    from .wiring import calendar_settings

    path = vocabulary or calendar_settings(runtime.settings).vocabulary_file
    classifier = SituationClassifier(load_vocabulary(path))
    result = classifier.classify(
        EventFeatures(
            text=text,
            attendees=attendees,
            recurring=recurring,
            duration_minutes=minutes,
            external=external,
        )
    )
    data = {
        "situation": result.situation,
        "score": result.score,
        "threshold": classifier.vocabulary.threshold,
        "ignored": result.ignored,
        "reasons": list(result.reasons),
        "scores": {k: v for k, v in sorted(result.scores.items(), key=lambda kv: -kv[1]) if v},
    }

    def human(d: dict) -> None:
        click.echo(f"situation: {d['situation'] or '(none: not stored)'}  score {d['score']:g}")
        for reason in d["reasons"]:
            click.echo(f"  {reason}")

    emit(data, as_json, human)
