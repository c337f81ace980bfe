"""``learnwire privacy ...`` (erasure, export, opt-outs, utilisation, retention sweep) and
``learnwire audit ...``. The person at the command line acts as compliance officer."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import click

from ..core.cli.output import emit, json_option, table
from ..core.cli.root import pass_runtime
from ..core.errors import NotFound, ValidationFailed
from ..core.models import IdentityRef
from ..core.runtime import Runtime
from ..core.store.identities import IdentityResolver
from . import audit, consent, erasure, retention
from .access import Subject
from .cli_policy import engine_subject
from .engine import engine_for
from .export_document import render_html
from .utilisation import utilisation_report

learner_arg = click.argument("learner")
namespace_option = click.option(
    "--namespace", default="", help="Namespace of a KIND:VALUE identifier (issuer, site URL)."
)


def resolve_learner(runtime: Runtime, conn: Any, text: str, namespace: str = "") -> uuid.UUID:
    """A learner named by pseudonymous id (uuid) or by an identifier ``KIND:VALUE``."""
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    kind, sep, value = text.partition(":")
    if not sep or not value:
        raise ValidationFailed(
            f"'{text}' is neither a learner id (uuid) nor an identifier KIND:VALUE "
            "(e.g. email:ana@example.com)"
        )
    resolver = IdentityResolver(runtime.settings.pseudonym_secret())
    ref = IdentityRef(kind=kind, namespace=namespace, value=value)
    found = set(resolver.lookup(conn, [ref]).values())
    if not found:
        raise NotFound(f"no learner is linked to {kind} '{value}'")
    return found.pop()


@click.group("privacy")
def privacy_group() -> None:
    """Data subject requests, opt-outs, retention."""


@privacy_group.command("erase")
@learner_arg
@namespace_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_runtime
def privacy_erase(runtime: Runtime, learner: str, namespace: str, yes: bool, as_json: bool) -> None:
    """Erase LEARNER everywhere (database and Redis) and print the verification scan."""
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        learner_id = resolve_learner(runtime, conn, learner, namespace)
        if not yes and not as_json:
            click.confirm(f"Erase everything held about {learner_id}?", abort=True)
        report = erasure.erase(
            conn,
            engine,
            learner_id,
            by=engine_subject(),
            redis_client=_redis(runtime),
            holders=erasure.holders_of(runtime),
        )
    data = {"learner_id": str(learner_id), **report.as_dict()}

    def human(d: dict) -> None:
        if d["state"] == "already_erased":
            click.echo("already erased; checked again")
        elif d["state"] == "finished":
            click.echo("finishing an erasure that had not verified")
        for name, count in sorted(d["deleted"].items()):
            aggregated = d["aggregated"].get(name)
            extra = f" ({aggregated} folded into anonymous totals first)" if aggregated else ""
            click.echo(f"deleted {count:>7} from {name}{extra}")
        for name, count in sorted(d["redacted"].items()):
            click.echo(f"removed or redacted {count:>7} {name}")
        if d["redis"]:
            click.echo(f"redis: {d['redis']}")
        for name, error in sorted(d["errors"].items()):
            click.echo(f"{name}: {error}")
        check = d["verification"]
        if check["verified"]:
            click.echo(
                f"verified: none of {check['tables_scanned']} tables holds the person's "
                "identifiers any more, and no personal-data holder names them"
            )
        else:
            left = check["rows_still_naming_the_person"]
            click.echo(f"NOT verified, rows still naming the person: {left}")
            click.echo(
                "What the erasure needs to finish is kept; run the same command again (after "
                "fixing the cause above) to finish it."
            )

    emit(data, as_json, human)
    if not report.verified:
        sys.exit(1)


@privacy_group.command("export")
@learner_arg
@namespace_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "html"]),
    help="json (complete, for machines) or html (a page the person can read); default: "
    "html when --output ends in .html, else json.",
)
@pass_runtime
def privacy_export(
    runtime: Runtime, learner: str, namespace: str, output: Path | None, fmt: str | None
) -> None:
    """Write everything held about LEARNER (access request): every table, LTI launch data,
    mentions in other learners' statements."""
    if output is not None and output.resolve().is_relative_to(runtime.settings.key_dir()):
        raise ValidationFailed("--output must not point into learnwire's key directory")
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        learner_id = resolve_learner(runtime, conn, learner, namespace)
        data = erasure.export(
            conn, engine, learner_id, by=engine_subject(), holders=erasure.holders_of(runtime)
        )
    if fmt is None:
        fmt = "html" if output is not None and output.suffix in (".html", ".htm") else "json"
    text = render_html(data) if fmt == "html" else json.dumps(data, indent=2, default=str)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        held = sum(len(r) for s in data["held_by"].values() for r in s.values())
        records = sum(len(r) for r in data["tables"].values()) + held
        click.echo(f"wrote {output} ({records} records)")


def _opt(
    runtime: Runtime, learner: str, namespace: str, family: str, as_json: bool, out: bool
) -> None:
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        learner_id = resolve_learner(runtime, conn, learner, namespace)
        changed = consent.set_opt_out(
            conn, engine, learner_id, family, by=engine_subject(), opt_out=out
        )
        families = sorted(consent.opted_out(conn, learner_id))
    data = {
        "learner_id": str(learner_id),
        "family": family,
        "changed": changed,
        "opted_out": families,
    }
    emit(
        data,
        as_json,
        lambda d: click.echo(f"opted out of: {', '.join(d['opted_out']) or 'nothing'}"),
    )


@privacy_group.command("opt-out")
@learner_arg
@click.argument("family")
@namespace_option
@json_option
@pass_runtime
def privacy_opt_out(
    runtime: Runtime, learner: str, family: str, namespace: str, as_json: bool
) -> None:
    """Record LEARNER's opt-out of signal FAMILY (not collected nor used from now on)."""
    _opt(runtime, learner, namespace, family, as_json, True)


@privacy_group.command("opt-in")
@learner_arg
@click.argument("family")
@namespace_option
@json_option
@pass_runtime
def privacy_opt_in(
    runtime: Runtime, learner: str, family: str, namespace: str, as_json: bool
) -> None:
    """Withdraw LEARNER's opt-out of FAMILY."""
    _opt(runtime, learner, namespace, family, as_json, False)


@privacy_group.command("utilisation")
@learner_arg
@namespace_option
@click.option("--purpose", default="development_recommendation", show_default=True)
@json_option
@pass_runtime
def privacy_utilisation(
    runtime: Runtime, learner: str, namespace: str, purpose: str, as_json: bool
) -> None:
    """Which signal families are available for LEARNER, and which the policy blocks and why."""
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        learner_id = resolve_learner(runtime, conn, learner, namespace)
        report = utilisation_report(conn, engine, learner_id, purpose, engine_subject())
    emit(
        report.model_dump(mode="json"),
        as_json,
        lambda d: table(
            [
                [f["family"], f["status"], f["reason"] or "", f["records"], f["detail"]]
                for f in d["families"]
            ],
            ["family", "status", "reason", "records", "detail"],
        ),
    )


@privacy_group.command("sweep")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--max-batches", type=click.IntRange(1), help="Stop after this many batches.")
@json_option
@pass_runtime
def privacy_sweep(
    runtime: Runtime, batch_size: int, max_batches: int | None, as_json: bool
) -> None:
    """Run the retention sweep now (it also runs on a schedule); safe to interrupt."""
    engine = engine_for(runtime)
    report = run_sweep(runtime, engine, batch_size=batch_size, max_batches=max_batches)
    emit(
        report,
        as_json,
        lambda d: click.echo(
            "\n".join(f"{k}: {v} deleted" for k, v in sorted(d["deleted"].items()))
            or "nothing past its retention period"
        ),
    )


def run_sweep(runtime: Runtime, engine: Any, **kwargs: Any) -> dict[str, Any]:
    report = retention.sweep(runtime.db, engine.policy, **kwargs)
    if report.deleted or report.errors:
        with runtime.db.connection() as conn:
            engine.record(
                conn,
                Subject.service("retention"),
                "retention:sweep",
                "done",
                detail=report.as_dict(),
            )
    return report.as_dict()


# -- audit ---------------------------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@json_option
@pass_runtime
def audit_verify(runtime: Runtime, as_json: bool) -> None:
    """Recompute the MAC chain and compare it with the checkpoint kept outside the database;
    exit 1, naming the first bad entry and why, if anything was changed, removed or inserted."""
    engine = engine_for(runtime, refresh=False)
    with runtime.db.connection() as conn:
        result = engine.audit.verify(conn)

    def human(d: dict) -> None:
        if not d["ok"]:
            where = f" at entry {d['first_bad_id']}" if d["first_bad_id"] else ""
            click.echo(f"audit log BROKEN{where}: {d['reason']}")
            return
        legacy = (d["keyed_from"] or 1) - 1
        note = f" ({legacy} legacy entries anchored by an upgrade)" if legacy > 0 else ""
        click.echo(f"audit log intact: {d['entries']} entries{note}, checkpoint up to date")

    emit(result.as_dict(), as_json, human)
    if not result.ok:
        sys.exit(1)


@audit_group.command("upgrade")
@json_option
@pass_runtime
def audit_upgrade(runtime: Runtime, as_json: bool) -> None:
    """Anchor the log as it is now when it has no valid checkpoint: entries written before
    the log was keyed stay verifiable as legacy up to this point, and every later entry must
    carry the keyed MAC. Refuses a broken chain; never replaces a valid checkpoint."""
    engine = engine_for(runtime, refresh=False)
    with runtime.db.connection() as conn:
        outcome = engine.audit.upgrade(conn, actor=engine.actor(engine_subject()))

    def human(d: dict) -> None:
        if d["upgraded"]:
            click.echo(
                f"anchored: {d['legacy_entries']} legacy entries, {d['entries']} in all; "
                "new entries are keyed"
            )
        else:
            click.echo(f"not upgraded: {d['reason']}")

    emit(outcome, as_json, human)
    if not outcome["upgraded"] and outcome.get("ok") is not True:
        sys.exit(1)


@audit_group.command("log")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_runtime
def audit_log(runtime: Runtime, limit: int, as_json: bool) -> None:
    """The newest entries."""
    with runtime.db.connection() as conn:
        rows = [e.as_dict() for e in audit.recent(conn, limit=limit)]
    emit(
        rows,
        as_json,
        lambda rs: table(
            [
                [r["id"], r["at"][:19], r["actor"], r["action"], r["outcome"], r["purpose"] or ""]
                for r in rs
            ],
            ["id", "at", "actor", "action", "outcome", "purpose"],
        ),
    )


def _redis(runtime: Runtime) -> Any:
    if runtime.settings.redis_url is None:
        return None
    import redis

    return redis.Redis.from_url(runtime.settings.redis_url.get_secret_value())
