"""``learnwire sync``: run every registered source and content provider (or one of them)
with a progress bar and a summary of what changed."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import click

from ..runtime import Runtime
from ..sync import SyncListener, SyncReport, sync_all
from .output import emit, json_option, table
from .root import pass_runtime

#: How many distinct rejection reasons the human summary lists per source.
_REASONS_SHOWN = 5


class _ProgressBar(SyncListener):
    """Drives a click progress bar: one step per source, the label shows batches."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def started(self, name: str, kind: str) -> None:
        self.bar.label = f"{name} ({kind})"
        self.bar.render_progress()

    def batch(self, name: str, kind: str, batches: int) -> None:
        self.bar.label = f"{name} ({kind}): {batches} batch{'es' if batches != 1 else ''}"
        self.bar.render_progress()

    def finished(self, report: SyncReport) -> None:
        self.bar.update(1)


@click.command("sync")
@click.argument("source", required=False)
@click.option("--full", is_flag=True, help="Ignore checkpoints and pull everything again.")
@json_option
@pass_runtime
def sync(runtime: Runtime, source: str | None, full: bool, as_json: bool) -> None:
    """Pull from every registered source and content provider, or only SOURCE.

    Content providers run first so the events of the same run link to their items. A
    source that fails is reported with its error and never stops the others; the exit
    status is 1 when any source failed.
    """
    count = _job_count(runtime, source)
    # The bar goes to stderr so `--json` output on stdout stays parseable.
    with click.progressbar(length=count, label="sync", file=sys.stderr, show_pos=True) as bar:
        reports = sync_all(runtime, only=source, full=full, listener=_ProgressBar(bar))
    data = {"full": full, "reports": [r.as_dict() for r in reports]}
    emit(data, as_json, _print_summary)
    if any(r.error for r in reports):
        sys.exit(1)


def _job_count(runtime: Runtime, only: str | None) -> int:
    from ..sources import ContentProvider, SignalSource

    names = [p.name for p in runtime.collect("register_content_providers", expect=ContentProvider)]
    names += [s.name for s in runtime.collect("register_signal_sources", expect=SignalSource)]
    return max(1, sum(1 for n in names if only is None or n == only))


def _print_summary(data: dict[str, Any]) -> None:
    reports = data["reports"]
    if not reports:
        click.echo("nothing to sync: no plugin registered a source (are they configured?)")
        return
    rows = []
    for r in reports:
        totals = r["totals"]
        status = f"failed: {r['error']}" if r["error"] else "ok"
        rows.append(
            [
                r["source"],
                r["kind"],
                totals["new"],
                totals["updated"],
                totals["unchanged"],
                totals["rejected"],
                status,
            ]
        )
    table(rows, ["source", "kind", "new", "updated", "unchanged", "rejected", "status"])
    for r in reports:
        reasons = Counter(f"{x['kind']}: {x['reason']}" for x in r["rejected"])
        for reason, n in reasons.most_common(_REASONS_SHOWN):
            click.echo(f"  {r['source']} rejected {n} x {reason}")
        if len(reasons) > _REASONS_SHOWN:
            click.echo(f"  {r['source']}: {len(reasons) - _REASONS_SHOWN} more reasons (--json)")
        if r["conflicts"]:
            click.echo(
                f"  {r['source']}: {len(r['conflicts'])} identity conflict(s) recorded, "
                "not merged; a person must resolve them"
            )
