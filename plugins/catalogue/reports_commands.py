"""``learnwire curation``: where the library falls short, printed or as JSON."""

from __future__ import annotations

import uuid
from typing import Any

import click

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from .reports import StaleRules, disagreements, duplicates, gaps, stale
from .retirement import propose


@click.group("curation")
def curation() -> None:
    """Curation reports: gaps, stale items, near-duplicates, tag disagreements."""


@curation.command("gaps")
@click.option(
    "--min-people", default=5, show_default=True, help="Cells with fewer people are not shown."
)
@click.option(
    "--enough-items",
    default=2,
    show_default=True,
    help="A skill level with this many items is covered.",
)
@json_option
@pass_runtime
def curation_gaps(runtime: Runtime, min_people: int, enough_items: int, as_json: bool) -> None:
    """Skills x levels people's roles need, weighted by how many lack them and by how much,
    that the library has too little content for."""
    with runtime.db.connection() as conn:
        rows = gaps(conn, min_people=min_people, enough_items=enough_items)

    def human(data: list[dict[str, Any]]) -> None:
        table(
            [
                [
                    r["skill"],
                    r["level"],
                    r["people_with_gap"],
                    r["mean_gap"],
                    r["demand"],
                    r["items"],
                ]
                for r in data
            ],
            ["skill", "level", "people", "mean gap", "demand", "items"],
        )

    emit(rows, as_json, human)


@curation.command("stale")
@click.option("--min-age-days", default=365, show_default=True)
@click.option(
    "--propose",
    "propose_by",
    metavar="NAME",
    help="Also propose each for retirement, with its evidence, as NAME.",
)
@json_option
@pass_runtime
def curation_stale(
    runtime: Runtime, min_age_days: int, propose_by: str | None, as_json: bool
) -> None:
    """Old items with low completion, poor ratings or many dismissals, with the evidence."""
    with runtime.db.connection() as conn, conn.transaction():
        rows = stale(conn, StaleRules(min_age_days=min_age_days))
        if propose_by:
            for r in rows:
                propose(
                    conn,
                    uuid.UUID(r["content_id"]),
                    reason="; ".join(r["reasons"]),
                    by=propose_by,
                    evidence=r["evidence"],
                )

    def human(data: list[dict[str, Any]]) -> None:
        table(
            [
                [
                    r["provider"],
                    r["external_id"],
                    r["title"][:40],
                    r["evidence"]["age_days"],
                    "; ".join(r["reasons"]),
                ]
                for r in data
            ],
            ["provider", "id", "title", "age (days)", "why"],
        )
        if propose_by:
            click.echo(f"{len(data)} proposed for retirement ('learnwire content retirement list')")

    emit(rows, as_json, human)


@curation.command("duplicates")
@click.option("--min-similarity", default=0.95, show_default=True, type=click.FloatRange(0, 1))
@json_option
@pass_runtime
def curation_duplicates(runtime: Runtime, min_similarity: float, as_json: bool) -> None:
    """Pairs of live items whose embeddings are nearly identical (cosine)."""
    with runtime.db.connection() as conn:
        rows = duplicates(conn, min_similarity=min_similarity)

    def human(data: list[dict[str, Any]]) -> None:
        table(
            [
                [
                    f"{r['a']['provider']} {r['a']['external_id']}",
                    r["a"]["title"][:35],
                    f"{r['b']['provider']} {r['b']['external_id']}",
                    r["b"]["title"][:35],
                    r["similarity"],
                ]
                for r in data
            ],
            ["item", "title", "item", "title", "cosine"],
        )

    emit(rows, as_json, human)


@curation.command("disagreements")
@click.option("--days", default=30, show_default=True)
@click.option("--min-people", default=5, show_default=True)
@json_option
@pass_runtime
def curation_disagreements(runtime: Runtime, days: int, min_people: int, as_json: bool) -> None:
    """Items whose tagged skill did not improve in later answers while another skill did."""
    with runtime.db.connection() as conn:
        rows = disagreements(conn, days=days, min_people=min_people)

    def human(data: list[dict[str, Any]]) -> None:
        table(
            [
                [
                    f"{r['provider']} {r['external_id']}",
                    r["title"][:35],
                    r["tagged_skill"],
                    r["tagged_skill_lift"],
                    r["answers_suggest"],
                    r["suggested_skill_lift"],
                ]
                for r in data
            ],
            ["item", "title", "tagged", "lift", "answers suggest", "lift"],
        )

    emit(rows, as_json, human)
