"""``learnwire content import FILE --provider NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ...core.cli.output import emit, json_option
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from ...core.sources import ContentProvider
from .importer import import_catalogue
from .provider import FileCatalogueProvider
from .settings import catalogue_settings


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--provider",
    "name",
    required=True,
    help="Catalogue name the items are stored under; a re-import under it updates them.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "json", "package"]),
    help="Override the kind told by the file name (package: cmi5, SCORM, Common Cartridge, "
    "LTI link).",
)
@click.option("--base-url", help="Where a package's relative launch URLs are served.")
@click.option("--delimiter", help="CSV field separator (default ',' or tab for .tsv).")
@click.option(
    "--partial",
    is_flag=True,
    help="The file lists only some items: retire nothing it omits.",
)
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@json_option
@pass_runtime
def content_import(
    runtime: Runtime,
    path: Path,
    name: str,
    file_format: Any,
    base_url: str | None,
    delimiter: str | None,
    partial: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import a catalogue file: CSV or JSON (columns id, title, description, format,
    duration, language, difficulty, url, skills), cmi5.xml, SCORM imsmanifest.xml, a Common
    Cartridge (.imscc or its manifest) or an LTI link file.

    All or nothing: a file with any bad record is refused with every problem's line or
    element. Items a full re-import no longer lists are retired, never deleted.
    """
    provider = FileCatalogueProvider(
        name,
        path,
        file_format=file_format,
        base_url=base_url,
        delimiter=delimiter,
        partial=partial,
    )
    report = import_catalogue(
        runtime.db,
        runtime.intake(),
        provider,
        registered=runtime.collect("register_content_providers", expect=ContentProvider),
        dry_run=dry_run,
        tag_rules=catalogue_settings(runtime.settings).tagging()[1:],
    )

    def human(d: dict[str, Any]) -> None:
        verb = "checked (dry run, nothing written)" if d["dry_run"] else "imported"
        click.echo(
            f"{d['items']} item(s) {verb} into '{d['provider']}': {d['new']} new, "
            f"{d['updated']} updated, {d['unchanged']} unchanged, {d['retired']} retired"
        )
        if d["defaulted_durations"]:
            click.echo(f"  {d['defaulted_durations']} item(s) had no duration: 30 minutes assumed")
        for r in d["rejected"]:
            click.echo(f"  rejected {r['kind']} #{r['index']}: {r['reason']}")

    emit(report.as_dict(), as_json, human)
