"""``learnwire lti ...``: registrations, keys, what to paste into the LMS, rosters."""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from . import keys, registrations, roster
from .platform_setup import canvas_developer_key, moodle_fields
from .registrations import PlatformRegistration
from .settings import lti_settings, tool_urls


@click.group("lti")
def lti() -> None:
    """LTI 1.3 tool: platform registrations, signing keys, LMS set-up values, rosters."""


@lti.command("register")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: Platform ID).")
@click.option("--client-id", required=True, help="The client id the platform assigned.")
@click.option("--auth-login-url", required=True, help="OIDC authentication request URL.")
@click.option("--auth-token-url", required=True, help="OAuth2 access token URL.")
@click.option("--keyset-url", required=True, help="The platform's public keyset (JWKS) URL.")
@click.option(
    "--deployment-id",
    "deployment_ids",
    multiple=True,
    required=True,
    help="Deployment id; repeat for several.",
)
@click.option("--auth-audience", default=None, help="Token audience, when not the token URL.")
@json_option
@pass_runtime
def register(runtime: Runtime, as_json: bool, **values: Any) -> None:
    """Register a platform by hand (values from the LMS's tool details)."""
    try:
        registration = PlatformRegistration(**{k: v for k, v in values.items()})
    except ValidationError as exc:
        raise click.BadParameter(_first_error(exc)) from exc
    with runtime.db.connection() as conn:
        key = keys.ensure_active(conn)
        created = registrations.save(conn, registration)
    data = {**registration.model_dump(), "created": created, "signing_kid": key.kid}

    def human(d: dict[str, Any]) -> None:
        verb = "registered" if d["created"] else "updated"
        deployments = ", ".join(d["deployment_ids"])
        click.echo(
            f"{verb} {d['issuer']} (client id {d['client_id']}), deployments: {deployments}; "
            f"the tool signs with key {d['signing_kid']}"
        )

    emit(data, as_json, human)


@lti.command("registrations")
@json_option
@pass_runtime
def list_registrations(runtime: Runtime, as_json: bool) -> None:
    """List registered platforms and their deployments."""
    with runtime.db.connection() as conn:
        rows = [r.model_dump() for r in registrations.all_registrations(conn)]
    emit(
        rows,
        as_json,
        lambda rs: table(
            [
                [r["issuer"], r["client_id"], ", ".join(r["deployment_ids"]) or "-", r["method"]]
                for r in rs
            ],
            ["issuer", "client id", "deployments", "method"],
        ),
    )


@lti.group("deployment")
def deployment() -> None:
    """Deployments of a registration."""


@deployment.command("add")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", required=True)
@pass_runtime
def deployment_add(runtime: Runtime, issuer: str, client_id: str, deployment_id: str) -> None:
    """Accept launches from another deployment of a registration."""
    with runtime.db.connection() as conn:
        new = registrations.add_deployment(conn, issuer, client_id, deployment_id)
    click.echo(f"deployment {deployment_id} {'added' if new else 'was already registered'}")


@lti.command("config")
@json_option
@pass_runtime
def config(runtime: Runtime, as_json: bool) -> None:
    """Print what an LMS admin pastes into Moodle and Canvas."""
    urls = tool_urls(runtime.settings)
    name = lti_settings(runtime.settings).tool_name
    if as_json:
        click.echo(json.dumps(urls.model_dump(), indent=2))
        return
    click.echo("Tool URLs")
    for key, value in urls.model_dump().items():
        click.echo(f"  {key:<18} {value}")
    click.echo(
        "\nDynamic registration (Moodle 4.x: Manage tools > Tool URL; Canvas: Developer Keys"
    )
    click.echo(f"> + LTI Registration): paste\n  {urls.registration_url}")
    click.echo("\nMoodle: Site administration > Plugins > Activity modules > External tool >")
    click.echo("Manage tools > configure a tool manually")
    for field, value in moodle_fields(urls, name):
        click.echo(f"  {field}: " + value.replace("\n", "\n" + " " * (len(field) + 4)))
    click.echo("\nCanvas: Admin > Developer Keys > + Developer Key > + LTI Key > Paste JSON")
    click.echo(f"(Redirect URIs: {urls.launch_url} and {urls.deep_linking_url})")
    click.echo(json.dumps(canvas_developer_key(urls, name), indent=2))


@lti.group("keys")
def keys_group() -> None:
    """The tool's signing keys (published at the JWKS URL)."""


@keys_group.command("rotate")
@json_option
@pass_runtime
def keys_rotate(runtime: Runtime, as_json: bool) -> None:
    """Generate a new signing key; the previous one stays published until retired."""
    with runtime.db.connection() as conn:
        key = keys.rotate(conn)
        data = key.summary(key.kid)
    emit(data, as_json, lambda d: click.echo(f"new signing key {d['kid']}"))


@keys_group.command("retire")
@click.argument("kid")
@json_option
@pass_runtime
def keys_retire(runtime: Runtime, kid: str, as_json: bool) -> None:
    """Stop publishing key KID (never the active one).

    Key ids are JWK thumbprints and may start with "-": put "--" before such an id,
    e.g. ``learnwire lti keys retire -- -Be6D...``.
    """
    with runtime.db.connection() as conn:
        data = keys.retire(conn, kid).summary(None)
    emit(data, as_json, lambda d: click.echo(f"retired {d['kid']}; it is no longer published"))


@keys_group.command("list")
@json_option
@pass_runtime
def keys_list(runtime: Runtime, as_json: bool) -> None:
    """Every key with its status: active, published or retired."""
    with runtime.db.connection() as conn:
        current = keys.active(conn)
        rows = [k.summary(current.kid if current else None) for k in keys.all_keys(conn)]
    emit(
        rows,
        as_json,
        lambda rs: table(
            [[r["kid"], r["status"], r["created_at"]] for r in rs], ["kid", "status", "created"]
        ),
    )


@lti.group("roster")
def roster_group() -> None:
    """Course rosters (Names and Role Provisioning)."""


@roster_group.command("pull")
@click.option("--issuer", required=True)
@click.option("--client-id", default=None, help="Needed when the issuer has several.")
@click.option("--context-memberships-url", required=True, help="The course's NRPS URL.")
@json_option
@pass_runtime
def roster_pull(
    runtime: Runtime,
    issuer: str,
    client_id: str | None,
    context_memberships_url: str,
    as_json: bool,
) -> None:
    """Pull a course roster into learner identities with a service token (no user session)."""
    timeout = lti_settings(runtime.settings).http_timeout_seconds
    with runtime.db.connection() as conn:
        report = roster.pull_with_service_token(
            conn,
            runtime.intake(),
            issuer=issuer,
            client_id=client_id,
            context_memberships_url=context_memberships_url,
            timeout=timeout,
        )
    emit(
        report.as_dict(),
        as_json,
        lambda d: click.echo(
            f"{d['active']} active members of {d['context_id'] or 'the course'} "
            f"({d['learners_created']} new learners, {d['skipped_inactive']} inactive skipped)"
        ),
    )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"]).replace("_", "-")
    return f"--{field}: {err['msg']}"
