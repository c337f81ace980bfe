"""``learnwire tags``: run the tagger, work the review queue, record learners' flags."""

from __future__ import annotations

import uuid
from typing import Any

import click

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.embedders.active import active_embedder
from ...core.errors import NotFound
from ...core.runtime import Runtime
from .settings import catalogue_settings
from .tag_store import content_ref, decide, flag, materialise, review_reason, tag_states
from .tagger import retag
from .verify import ClaudeTagVerifier


@click.group("tags")
def tags() -> None:
    """Skill tags of content: machine suggestions, review queue, admin decisions."""


@tags.command("run")
@json_option
@pass_runtime
def tags_run(runtime: Runtime, as_json: bool) -> None:
    """Suggest every live item's skills from its text and apply the confident ones."""
    calibration, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    report = retag(
        runtime.db,
        active_embedder(runtime),
        calibration,
        flag_limit=flag_limit,
        threshold=threshold,
    )

    def human(d: dict[str, Any]) -> None:
        click.echo(
            f"tagged {d['items']} item(s): {d['suggestions']} suggestion(s), {d['applied']} "
            f"applied tag(s) in force (threshold {d['threshold']:.2f}) in {d['seconds']} s"
        )
        if d["colabel_threshold"] is not None:
            click.echo(
                f"co-labelling learnt from {d['reviewed_items']} item(s) with reviewed tags: "
                f"{d['colabel_suggestions']} suggestion(s) (applied at "
                f"{d['colabel_threshold']:.2f} or the threshold, whichever is higher)"
            )
        elif d["reviewed_items"]:
            click.echo(
                f"co-labelling: {d['reviewed_items']} item(s) with reviewed tags, too few to "
                "learn from; suggestions from the items' text alone"
            )

    emit(report.as_dict(), as_json, human)


@tags.command("verify")
@click.option("--items", default=None, type=click.IntRange(1, 10_000), help="Items this run.")
@click.option("--seconds", default=120.0, show_default=True, type=click.FloatRange(1, 3600))
@json_option
@pass_runtime
def tags_verify(runtime: Runtime, items: int | None, seconds: float, as_json: bool) -> None:
    """Ask Claude to confirm or deny machine tags (when switched on and the policy lets item
    text go to the 'anthropic_tagging' processor); denied tags wait for review."""
    config = catalogue_settings(runtime.settings)
    if not config.claude_verification:
        raise click.UsageError(
            "Claude verification is off: set claude_verification = true under "
            "[plugins.catalogue] (and an Anthropic API key) to use it"
        )
    report = verify_and_apply(runtime, items or config.verify_items_per_run, seconds)

    def human(d: dict[str, Any]) -> None:
        click.echo(
            f"verified {d['items']} item(s): {d['confirmed']} tag(s) confirmed, {d['denied']} "
            f"denied (sent to review), {len(d['skipped'])} item(s) skipped"
        )
        for why in d["skipped"]:
            click.echo(f"  skipped {why}")
        if d["stopped"]:
            click.echo(f"stopped: {d['stopped']}")

    emit(report, as_json, human)


def verify_and_apply(runtime: Runtime, items: int, seconds: float) -> dict[str, Any]:
    """One verification run, then the applied tags of the items it judged brought in line."""
    _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    verifier = ClaudeTagVerifier(runtime.settings, runtime.governance, runtime.db)
    report = verifier.run(items=items, seconds=seconds)
    if report.content_ids:
        with runtime.db.connection() as conn, conn.transaction():
            ids = [uuid.UUID(c) for c in report.content_ids]
            materialise(conn, threshold=threshold, flag_limit=flag_limit, content_ids=ids)
    return report.as_dict()


@tags.command("review")
@click.option("--limit", default=50, show_default=True)
@json_option
@pass_runtime
def tags_review(runtime: Runtime, limit: int, as_json: bool) -> None:
    """Tags waiting for a person: unsure machine suggestions and flagged tags."""
    _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    with runtime.db.connection() as conn:
        states = tag_states(conn, threshold=threshold, flag_limit=flag_limit, state="review")
        titles = dict(
            conn.execute(
                "SELECT id, provider || ' ' || external_id || ': ' || title FROM content_item "
                "WHERE id = ANY(%s)",
                ([s.content_id for s in states[:limit]],),
            ).fetchall()
        )
    data = [
        {
            "content_id": str(s.content_id),
            "item": titles.get(s.content_id, ""),
            "skill_id": s.skill_id,
            "origin": s.origin,
            "confidence": None if s.confidence is None else round(s.confidence, 3),
            "flags": s.flags,
            "verdict": s.verdict,
            "why": review_reason(s, flag_limit),
        }
        for s in states[:limit]
    ]

    def human(rows: list[dict[str, Any]]) -> None:
        table(
            [[r["item"][:60], r["skill_id"], r["confidence"], r["flags"], r["why"]] for r in rows],
            ["item", "skill", "confidence", "flags", "why"],
        )

    emit({"review": data, "total": len(states)} if as_json else data, as_json, human)


def _decision(name: str, verb: str) -> click.Command:
    @click.command(name)
    @click.argument("provider")
    @click.argument("external_id")
    @click.argument("skill_id")
    @click.option("--by", required=True, help="Who decides (kept with the decision).")
    @click.option("--weight", default=1.0, type=click.FloatRange(0, 1, min_open=True))
    @pass_runtime
    def command(
        runtime: Runtime, provider: str, external_id: str, skill_id: str, by: str, weight: float
    ) -> None:
        _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
        with runtime.db.connection() as conn, conn.transaction():
            cid = content_ref(conn, provider, external_id)
            _skill_exists(conn, skill_id)
            decide(conn, cid, skill_id, verb, by=by, weight=weight)
            materialise(conn, threshold=threshold, flag_limit=flag_limit, content_ids=[cid])
        click.echo(f"{skill_id} on {provider} {external_id}: {verb} by {by}, kept on re-tagging")

    command.__doc__ = f"{verb.title()} a skill tag; the decision outlives every re-tagging."
    return command


for _name in ("accept", "reject", "add"):
    tags.add_command(_decision(_name, _name))


@tags.command("flag")
@click.argument("provider")
@click.argument("external_id")
@click.argument("skill_id")
@click.option("--learner", "learner_id", required=True, type=click.UUID)
@pass_runtime
def tags_flag(
    runtime: Runtime, provider: str, external_id: str, skill_id: str, learner_id: uuid.UUID
) -> None:
    """Record a learner's flag that the item does not teach the skill."""
    _, threshold, flag_limit = catalogue_settings(runtime.settings).tagging()
    with runtime.db.connection() as conn, conn.transaction():
        cid = content_ref(conn, provider, external_id)
        _skill_exists(conn, skill_id)
        if conn.execute("SELECT 1 FROM learner WHERE id = %s", (learner_id,)).fetchone() is None:
            raise NotFound("no such learner")
        report = flag(conn, runtime.intake(), cid, skill_id, learner_id)
        materialise(conn, threshold=threshold, flag_limit=flag_limit, content_ids=[cid])
    if report.rejected:
        raise click.ClickException(
            "flag not stored: " + "; ".join(r.reason for r in report.rejected)
        )
    click.echo("flag recorded")


def _skill_exists(conn: Any, skill_id: str) -> None:
    if conn.execute("SELECT 1 FROM skill WHERE id = %s", (skill_id,)).fetchone() is None:
        raise NotFound(f"no skill '{skill_id}' in the skills framework")
