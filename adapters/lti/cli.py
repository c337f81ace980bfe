"""``learnwire lti ...``: registrations, keys, what to paste into the LMS, rosters."""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError

from ...core.cli.output import emit, json_option, table
from ...core.cli.root import pass_runtime
from ...core.runtime import Runtime
from . import admin_audit, keys, registrations, roster
from .errors import RegistrationFailed
from .platform_setup import canvas_developer_key, moodle_fields
from .registrations import PlatformRegistration
from .settings import check_public_url, lti_settings, tool_urls


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
@click.option(
    "--allow-http",
    is_flag=True,
    help="Accept plain http:// endpoints outside loopback (keys and tokens travel in clear).",
)
@json_option
@pass_runtime
def register(runtime: Runtime, as_json: bool, allow_http: bool, **values: Any) -> None:
    """Register a platform by hand (values from the LMS's tool details).

    An issuer spelt with or without a trailing slash is the same platform: registering it
    again updates the registration (and re-activates it if it was deactivated).
    """
    try:
        registration = PlatformRegistration(**{k: v for k, v in values.items()})
    except ValidationError as exc:
        raise click.BadParameter(_first_error(exc)) from exc
    allowed = allow_http or lti_settings(runtime.settings).allow_http
    for option in ("auth_login_url", "auth_token_url", "keyset_url"):
        try:
            registrations.require_https(
                getattr(registration, option),
                "--" + option.replace("_", "-"),
                allow_http=allowed,
                hint="--allow-http",
            )
        except RegistrationFailed as exc:
            raise click.BadParameter(str(exc)) from exc
    with runtime.db.connection() as conn:
        key = keys.ensure_active(conn)
        created = registrations.save(conn, registration)
        admin_audit.record(
            runtime,
            conn,
            "registration:save",
            _names(registration.issuer, registration.client_id, registration.deployment_ids),
            actor=admin_audit.operator(),
        )
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
                [
                    r["issuer"],
                    r["client_id"],
                    ", ".join(r["deployment_ids"]) or "-",
                    r["method"],
                    "active" if r["active"] else "deactivated",
                ]
                for r in rs
            ],
            ["issuer", "client id", "deployments", "method", "status"],
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
        if new:
            admin_audit.record(
                runtime,
                conn,
                "deployment:add",
                _names(issuer, client_id, [deployment_id]),
                actor=admin_audit.operator(),
            )
    click.echo(f"deployment {deployment_id} {'added' if new else 'was already registered'}")


@deployment.command("remove")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", required=True)
@pass_runtime
def deployment_remove(runtime: Runtime, issuer: str, client_id: str, deployment_id: str) -> None:
    """Stop accepting launches from one deployment of a registration."""
    with runtime.db.connection() as conn:
        registrations.remove_deployment(conn, issuer, client_id, deployment_id)
        admin_audit.record(
            runtime,
            conn,
            "deployment:remove",
            _names(issuer, client_id, [deployment_id]),
            actor=admin_audit.operator(),
        )
    click.echo(f"deployment {deployment_id} removed; its launches are refused from now on")


@lti.group("registration")
def registration_group() -> None:
    """Deactivate, re-activate or delete one registration (issuer + client id)."""


def _registration_options(command: Any) -> Any:
    command = click.option("--client-id", required=True)(command)
    return click.option("--issuer", required=True)(command)


@registration_group.command("deactivate")
@_registration_options
@pass_runtime
def registration_deactivate(runtime: Runtime, issuer: str, client_id: str) -> None:
    """Refuse launches and service calls for a registration, keeping it for later."""
    _set_active(runtime, issuer, client_id, active=False)


@registration_group.command("activate")
@_registration_options
@pass_runtime
def registration_activate(runtime: Runtime, issuer: str, client_id: str) -> None:
    """Accept launches for a deactivated registration again."""
    _set_active(runtime, issuer, client_id, active=True)


def _set_active(runtime: Runtime, issuer: str, client_id: str, *, active: bool) -> None:
    verb = "activate" if active else "deactivate"
    with runtime.db.connection() as conn:
        changed = registrations.set_active(conn, issuer, client_id, active)
        if changed:
            admin_audit.record(
                runtime,
                conn,
                f"registration:{verb}",
                _names(issuer, client_id),
                actor=admin_audit.operator(),
            )
    state = "active" if active else "deactivated"
    click.echo(f"{issuer} (client id {client_id}) {'is now' if changed else 'was already'} {state}")


@registration_group.command("delete")
@_registration_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_runtime
def registration_delete(runtime: Runtime, issuer: str, client_id: str, yes: bool) -> None:
    """Delete a registration and its deployments (launches from it are refused)."""
    if not yes:
        click.confirm(f"Delete the registration {issuer} (client id {client_id})?", abort=True)
    with runtime.db.connection() as conn:
        deployments = registrations.delete(conn, issuer, client_id)
        admin_audit.record(
            runtime,
            conn,
            "registration:delete",
            _names(issuer, client_id, deployments),
            actor=admin_audit.operator(),
        )
    click.echo(
        f"deleted {issuer} (client id {client_id})"
        + (f" and its deployments {', '.join(deployments)}" if deployments else "")
    )


def _names(issuer: str, client_id: str, deployments: list[str] | None = None) -> dict[str, Any]:
    names: dict[str, Any] = {"issuer": issuer, "client_id": client_id}
    if deployments is not None:
        names["deployment_ids"] = list(deployments)
    return names


@lti.command("config")
@click.option(
    "--allow-http",
    is_flag=True,
    help="Print plain http:// URLs for a public URL outside loopback anyway.",
)
@json_option
@pass_runtime
def config(runtime: Runtime, as_json: bool, allow_http: bool) -> None:
    """Print what an LMS admin pastes into Moodle and Canvas.

    Refuses a public URL (LEARNWIRE_PUBLIC_URL) without a scheme, and a plain http:// one
    outside loopback unless --allow-http (or LEARNWIRE_PLUGINS__LTI__ALLOW_HTTP=true).
    """
    settings = lti_settings(runtime.settings)
    check_public_url(runtime.settings.public_url, allow_http=allow_http or settings.allow_http)
    urls = tool_urls(runtime.settings)
    name = settings.tool_name
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
            f"({d['learners_created']} new learners, {d['skipped_inactive']} inactive skipped, "
            f"{d['memberships_ended']} memberships ended)"
        ),
    )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"]).replace("_", "-")
    return f"--{field}: {err['msg']}"
