"""Changes to who may launch the tool are written to learnwire's audit log.

Registering, deactivating or deleting a platform, adding or removing a deployment and the
replacement of a dynamic registration's old client ids decide which LMS can sign people in,
so each leaves an entry (issuer, client id, deployment ids; never a key or token).
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from ...core.runtime import Runtime
from ...policies.access import Subject
from ...policies.engine import engine_for
from .dynamic_registration import DynamicRegistration


def operator() -> Subject:
    """The person at the command line (``LEARNWIRE_POLICY_AUTHOR`` or the OS user)."""
    return Subject.service(f"cli:{os.environ.get('LEARNWIRE_POLICY_AUTHOR') or getpass.getuser()}")


def record(
    runtime: Runtime, conn: Any, action: str, detail: dict[str, Any], *, actor: Subject
) -> None:
    """One audit entry in ``conn``'s transaction, so it commits with the change it records."""
    engine_for(runtime, refresh=False).record(conn, actor, f"lti:{action}", "done", detail=detail)


def record_dynamic_registration(runtime: Runtime, conn: Any, done: DynamicRegistration) -> None:
    registration = done.registration
    record(
        runtime,
        conn,
        "registration:dynamic",
        {
            "issuer": registration.issuer,
            "client_id": registration.client_id,
            "deployment_ids": registration.deployment_ids,
            "replaced_client_ids": done.replaced,
        },
        actor=Subject.service("lti-dynamic-registration"),
    )
