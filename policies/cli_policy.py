"""``learnwire policy ...``: copy, check, apply, compare and dry-run policy documents;
manage service tokens."""

from __future__ import annotations

import getpass
import os
import shutil
import sys
import uuid
from pathlib import Path

import click

from ..core.cli.output import emit, json_option, table
from ..core.cli.root import pass_runtime
from ..core.runtime import Runtime
from . import tokens, versions
from .access import Subject
from .dryrun import dry_run
from .engine import engine_for
from .validation import DEFAULTS_DIR, check_directory

directory_arg = click.argument("directory", type=click.Path(file_okay=False, path_type=Path))


def default_author() -> str:
    return os.environ.get("LEARNWIRE_POLICY_AUTHOR") or getpass.getuser()


@click.group("policy")
def policy_group() -> None:
    """Policy documents: data categories, purposes, access, consent, processors."""


@policy_group.command("init")
@directory_arg
@click.option("--force", is_flag=True, help="Overwrite documents already in DIRECTORY.")
def policy_init(directory: Path, force: bool) -> None:
    """Copy the default documents into DIRECTORY for editing."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in sorted(DEFAULTS_DIR.glob("*.yaml")):
        target = directory / source.name
        if target.exists() and not force:
            raise click.ClickException(f"{target} exists; use --force to overwrite")
        shutil.copyfile(source, target)
        click.echo(f"wrote {target}")
    click.echo(f"edit them, then: learnwire policy check {directory}")


@policy_group.command("check")
@directory_arg
@json_option
def policy_check(directory: Path, as_json: bool) -> None:
    """Validate DIRECTORY; lists every problem with file and line; exit 1 if invalid."""
    loaded, problems = check_directory(directory)
    data = {
        "valid": loaded is not None,
        "digest": loaded.digest if loaded else None,
        "problems": [p.as_dict() for p in problems],
    }

    def human(d: dict) -> None:
        if d["valid"]:
            click.echo(f"{directory}: valid (digest {d['digest'][:12]})")
        for p in problems:
            click.echo(str(p), err=True)

    emit(data, as_json, human)
    if loaded is None:
        sys.exit(1)


@policy_group.command("apply")
@directory_arg
@click.option("--author", default=default_author, show_default="$LEARNWIRE_POLICY_AUTHOR or user")
@click.option("--comment", default="", help="Why this change (kept with the version).")
@json_option
@pass_runtime
def policy_apply(
    runtime: Runtime, directory: Path, author: str, comment: str, as_json: bool
) -> None:
    """Validate DIRECTORY and store it as the new version in force (every process picks it
    up without restarting). An invalid directory is refused; the current version stays."""
    engine = engine_for(runtime, refresh=False)
    with runtime.db.connection() as conn:
        version, new = versions.apply_directory(
            conn, engine, directory, author=author, comment=comment
        )
    data = {**version.summary(), "new": new}

    def human(d: dict) -> None:
        if d["new"]:
            click.echo(f"policy version {d['id']} in force (author {d['author']})")
        else:
            click.echo(f"unchanged: version {d['id']} already holds these documents")

    emit(data, as_json, human)


@policy_group.command("history")
@json_option
@pass_runtime
def policy_history(runtime: Runtime, as_json: bool) -> None:
    """Every stored version: when, who, why, how much changed."""
    with runtime.db.connection() as conn:
        rows = [v.summary() for v in versions.history(conn)]

    def human(rs: list[dict]) -> None:
        if not rs:
            click.echo("no stored versions; the policy directory (or the defaults) is in force")
            return
        table(
            [
                [
                    r["id"],
                    r["created_at"][:19],
                    r["author"],
                    f"+{r['changed_lines']['added']}/-{r['changed_lines']['removed']}",
                    r["comment"],
                ]
                for r in rs
            ],
            ["version", "created", "author", "lines", "comment"],
        )

    emit(rows, as_json, human)


@policy_group.command("diff")
@click.argument("a", type=int)
@click.argument("b", type=int)
@json_option
@pass_runtime
def policy_diff(runtime: Runtime, a: int, b: int, as_json: bool) -> None:
    """Differences between stored versions A and B."""
    with runtime.db.connection() as conn:
        va, vb = versions.get(conn, a), versions.get(conn, b)
    diff = versions.text_diff(va.documents, vb.documents, f"v{a}", f"v{b}")
    emit({"a": a, "b": b, "diff": diff}, as_json, lambda d: click.echo(d["diff"] or "identical"))


@policy_group.command("dry-run")
@directory_arg
@json_option
@pass_runtime
def policy_dry_run(runtime: Runtime, directory: Path, as_json: bool) -> None:
    """What applying DIRECTORY would change: records retention would remove, accesses that
    would start or stop being allowed, the document diff. Changes nothing."""
    loaded, problems = check_directory(directory)
    if loaded is None:
        for p in problems:
            click.echo(str(p), err=True)
        sys.exit(1)
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        report = dry_run(conn, engine.in_force.loaded, loaded)
    emit(report, as_json, _print_dry_run)


def _print_dry_run(report: dict) -> None:
    click.echo("Retention (records past their limit):")
    for r in report["retention"] or []:
        click.echo(
            f"  {r['table_category']}: {r['past_limit_now']} now -> "
            f"{r['past_limit_proposed']} ({r['at_expiry']} after {r['keep_for']})"
        )
    if not report["retention"]:
        click.echo("  no change")
    click.echo(f"Access changes ({len(report['access'])}):")
    for c in report["access"]:
        cat = f" [{c['category']}]" if c["category"] else ""
        click.echo(
            f"  {c['role']} {c['action']} {c['resource']} ({c['whose']}){cat} for "
            f"{c['purpose']}: {c['change']}"
        )
    k = report["k_anonymity"]
    if k["now"] != k["proposed"]:
        click.echo(f"Minimum group size: {k['now']} -> {k['proposed']}")
    for o in report["opt_outs"]:
        click.echo(f"Opt-out of {o['family']}: {o['opt_out_now']} -> {o['opt_out_proposed']}")
    for p in report["processors"]:
        click.echo(
            f"Processor {p['processor']}: starts sending {p['fields_start_leaving']}, "
            f"stops sending {p['fields_stop_leaving']}"
        )
    click.echo(report["diff"] or "documents identical")


# -- service tokens ------------------------------------------------------------------------


@policy_group.group("token")
def token_group() -> None:
    """Service accounts' bearer tokens (for the compliance API and integrations)."""


@token_group.command("create")
@click.option("--role", required=True, help="Policy role the token acts as.")
@click.option("--name", required=True, help="Who or what uses it (shown in the audit log).")
@click.option("--scope", "scopes", multiple=True, help="Narrow to action:resource (repeatable).")
@json_option
@pass_runtime
def token_create(
    runtime: Runtime, role: str, name: str, scopes: tuple[str, ...], as_json: bool
) -> None:
    """Create a token; the secret is printed once and never stored."""
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        token, secret = tokens.create(
            conn,
            engine.policy,
            name=name,
            role=role,
            scopes=list(scopes),
            created_by=default_author(),
        )
        engine.record(
            conn,
            engine_subject(),
            "token:create",
            "done",
            detail={"token": str(token.id), "role": role, "scopes": list(scopes)},
        )
    data = {**token.as_dict(), "token": secret}
    emit(data, as_json, lambda d: click.echo(f"{d['token']}\n(role {role}; shown only once)"))


@token_group.command("list")
@json_option
@pass_runtime
def token_list(runtime: Runtime, as_json: bool) -> None:
    """Every token (never the secrets)."""
    with runtime.db.connection() as conn:
        rows = [t.as_dict() for t in tokens.list_tokens(conn)]
    emit(
        rows,
        as_json,
        lambda rs: table(
            [
                [
                    r["id"],
                    r["name"],
                    r["role"],
                    ",".join(r["scopes"]) or "-",
                    r["revoked_at"] or "live",
                ]
                for r in rs
            ],
            ["id", "name", "role", "scopes", "status"],
        ),
    )


@token_group.command("revoke")
@click.argument("token_id", type=click.UUID)
@json_option
@pass_runtime
def token_revoke(runtime: Runtime, token_id: uuid.UUID, as_json: bool) -> None:
    """Revoke a token at once."""
    engine = engine_for(runtime)
    with runtime.db.connection() as conn:
        token = tokens.revoke(conn, token_id)
        engine.record(
            conn, engine_subject(), "token:revoke", "done", detail={"token": str(token_id)}
        )
    emit(token.as_dict(), as_json, lambda d: click.echo(f"revoked {d['name']} ({d['id']})"))


def engine_subject() -> Subject:
    """The person at the command line, acting as compliance officer."""
    return Subject.compliance(f"cli:{default_author()}")
