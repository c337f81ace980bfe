"""``learnwire content import``: a catalogue file into the store, all or nothing.

The whole import is one transaction: a file that fails its check, or a store error half
way, leaves the catalogue as it was. A dry run does the same work and rolls it back, so
its counts are exactly what a real run would report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from ...core.errors import Conflict
from ...core.intake import Intake
from ...core.sources import ContentProvider
from ...core.store import Database, catalogue
from .provider import FileCatalogueProvider
from .tag_store import materialise


@dataclass
class ImportReport:
    provider: str
    file: str
    items: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    defaulted_durations: int = 0
    dry_run: bool = False
    full: bool = True
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _DryRun(Exception):
    pass


def import_catalogue(
    db: Database,
    intake: Intake,
    provider: FileCatalogueProvider,
    *,
    registered: list[ContentProvider] | None = None,
    dry_run: bool = False,
    tag_rules: tuple[float, int] | None = None,
) -> ImportReport:
    """Check, then store every item of ``provider``'s file; retire what a full file omits.

    :raises FileProblems: the file has problems (each with its line or element).
    ``tag_rules`` (apply threshold, flag limit): re-apply the items' tag states after the
    import, since a changed item's ``content_skill`` rows are rewritten from the file.

    :raises Conflict: ``provider.name`` belongs to another registered content provider, whose
        items a full import would retire.
    """
    for other in registered or []:
        if other.name == provider.name and not isinstance(other, FileCatalogueProvider):
            raise Conflict(
                f"provider name '{provider.name}' belongs to the {type(other).__name__} plugin; "
                "choose another name for this catalogue"
            )
    report = ImportReport(
        provider.name, str(provider.path), dry_run=dry_run, full=provider.lists_everything
    )
    try:
        with db.connection() as conn, conn.transaction():
            report.items = provider.check(conn)
            report.defaulted_durations = provider.defaulted_durations
            _store(conn, intake, provider, report)
            if tag_rules is not None:
                ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM content_item WHERE provider = %s", (provider.name,)
                    )
                ]
                materialise(conn, threshold=tag_rules[0], flag_limit=tag_rules[1], content_ids=ids)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _store(
    conn: psycopg.Connection[Any],
    intake: Intake,
    provider: FileCatalogueProvider,
    report: ImportReport,
) -> None:
    seen: list[str] = []
    for batch in provider.pull(checkpoint=None, full=True):
        seen.extend(item.external_id for item in batch.items)
        stored = intake.store_content(conn, batch, provider=provider.name)
        counts = stored.count("content")
        report.new += counts.new
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        report.rejected.extend(r.as_dict() for r in stored.rejected)
    if provider.lists_everything:
        report.retired = catalogue.retire_missing(conn, provider.name, seen)
