"""``learnwire skills import``, ``learnwire skills map-esco`` and ``skills adopt-esco``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ...core.cli.output import emit, json_option
from ...core.cli.root import pass_runtime
from ...core.embedders.active import active_embedder
from ...core.runtime import Runtime
from .esco import ATTRIBUTION, load_esco, map_skills, packaged_csv, store_esco
from .esco_adopt import Selection, adopt
from .framework import import_framework

#: Both ESCO commands read the same file: the installed package's unless told otherwise.
esco_csv_option = click.option(
    "--esco-csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An ESCO skills file in the package's format (default: the installed package's).",
)


@click.group("skills")
def skills() -> None:
    """The skills framework: import it, map it to ESCO."""


@skills.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--domain",
    default="organisation",
    show_default=True,
    help="Domain of skills whose row has none.",
)
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@json_option
@pass_runtime
def skills_import(runtime: Runtime, path: Path, domain: str, dry_run: bool, as_json: bool) -> None:
    """Import a skills framework CSV (all of it, or nothing when a row is bad).

    Columns: id, name, description, domain, levels (names lowest first, ';'-separated),
    prerequisites ('skill-id' or 'skill-id:LEVEL', ';'-separated; LEVEL is a mastery 0-1,
    a level name or number of that skill).
    """
    report = import_framework(runtime.db, path, domain=domain, dry_run=dry_run)

    def human(d: dict[str, Any]) -> None:
        verb = "checked (dry run, nothing written)" if d["dry_run"] else "imported"
        click.echo(
            f"{d['skills']} skill(s) {verb}: {d['new']} new, {d['updated']} updated, "
            f"{d['unchanged']} unchanged; {d['prerequisites']} prerequisite(s), "
            f"{d['levels']} level(s)"
        )
        if d["unknown_columns"]:
            click.echo(f"  ignored column(s): {', '.join(d['unknown_columns'])}")

    emit(report.as_dict(), as_json, human)


@skills.command("map-esco")
@click.option(
    "--top",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="ESCO skills listed per framework skill.",
)
@esco_csv_option
@json_option
@pass_runtime
def map_esco(runtime: Runtime, top: int, esco_csv: Path | None, as_json: bool) -> None:
    """Load ESCO's skills (once; embedded offline) and list each framework skill's nearest
    ESCO skills."""
    embedder = active_embedder(runtime)
    loaded = load_esco(runtime.db, embedder, esco_csv or packaged_csv())
    matches = map_skills(runtime.db, embedder, top=top)
    data = {
        **loaded,
        "embedder": embedder.name,
        "attribution": ATTRIBUTION,
        "matches": [
            {
                "skill_id": m.skill_id,
                "rank": m.rank,
                "esco_uri": m.esco_uri,
                "similarity": round(m.similarity, 4),
                "esco_text": m.text[:160],
            }
            for m in matches
        ],
    }

    def human(d: dict[str, Any]) -> None:
        click.echo(f"{d['esco_skills']} ESCO skills ({d['embedded']} newly embedded)")
        for m in d["matches"]:
            lead = m["skill_id"] if m["rank"] == 1 else ""
            click.echo(
                f"{lead:<24} {m['similarity']:.2f}  {m['esco_text'][:70]}  <{m['esco_uri']}>"
            )
        click.echo(d["attribution"])

    emit(data, as_json, human)


@skills.command("adopt-esco")
@click.option(
    "--term",
    "terms",
    multiple=True,
    help="ESCO skills whose text holds this word or phrase.",
)
@click.option("--near", multiple=True, help="ESCO skills nearest to this text (embedded).")
@click.option("--uri", "uris", multiple=True, help="This ESCO skill (its URI).")
@click.option("--from-content", is_flag=True, help="The ESCO skills the live items are nearest.")
@click.option("--from-roles", is_flag=True, help="The ESCO skills the roles' names are nearest.")
@click.option("--per-query", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--min-similarity", default=0.5, show_default=True, type=click.FloatRange(-1, 1))
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--by", required=True, help="Who adopts them (kept with each skill's origin).")
@click.option("--dry-run", is_flag=True, help="List what would be adopted, write no skill.")
@esco_csv_option
@json_option
@pass_runtime
def adopt_esco_command(
    runtime: Runtime,
    terms: tuple[str, ...],
    near: tuple[str, ...],
    uris: tuple[str, ...],
    from_content: bool,
    from_roles: bool,
    per_query: int,
    min_similarity: float,
    limit: int,
    by: str,
    dry_run: bool,
    esco_csv: Path | None,
    as_json: bool,
) -> None:
    """Start (or extend) the skills framework with ESCO skills: those matching --term,
    nearest --near texts, named by --uri, or needed by the library's items or the roles."""
    selection = Selection(
        terms=terms,
        near=near,
        uris=uris,
        from_content=from_content,
        from_roles=from_roles,
        per_query=per_query,
        min_similarity=min_similarity,
        limit=limit,
    )
    if not selection.describe():
        raise click.UsageError(
            "choose skills: --term, --near, --uri, --from-content or --from-roles"
        )
    rows = store_esco(runtime.db, esco_csv or packaged_csv())
    report = adopt(
        runtime.db, active_embedder(runtime), rows, selection, by=by, dry_run=dry_run
    ).as_dict()
    report["attribution"] = ATTRIBUTION

    def human(d: dict[str, Any]) -> None:
        for s in d["skills"]:
            click.echo(f"{s['skill_id']:<46} {s['name'][:60]}")
        verb = "would be adopted (dry run)" if d["dry_run"] else "adopted"
        click.echo(
            f"{d['selected']} ESCO skill(s) {verb}: {d['new']} new, {d['updated']} updated, "
            f"{d['unchanged']} unchanged"
        )
        click.echo(d["attribution"])

    emit(report, as_json, human)
