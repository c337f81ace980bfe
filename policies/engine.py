"""The policy engine: the one object every enforcement point asks.

It holds the policy in force and swaps it atomically when a newer version is stored, so
``refresh(conn)`` (one indexed query) is all a long-running process needs to pick up a
change without restarting. Until a version is stored, the deployment's policy directory
(``LEARNWIRE_POLICY_DIR``, else the shipped defaults) is in force. A stored version that
fails validation, or a directory that does, is never loaded: the last valid policy stays.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ..core.errors import ConfigurationError
from ..core.governance import AccessDenied
from ..core.store import one
from .access import INDIVIDUAL, Decision, Resource, Subject, decide
from .audit import AuditLog
from .model import PolicySet
from .validation import DEFAULTS_DIR, LoadedPolicy, PolicyInvalid, load_directory, load_texts

if TYPE_CHECKING:
    from ..core.config import Settings
    from ..core.runtime import Runtime
    from ..core.store import Database

log = logging.getLogger(__name__)
Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class InForce:
    loaded: LoadedPolicy
    version: int | None


class PolicyEngine:
    """Answers ``allowed(...)`` and records what it decided.

    :param audit_key: keys the hashes that stand for people in the audit log.
    :param audit_mac_key: keys the audit entries' MACs (kept outside the database).
    :param audit_checkpoint: the audit checkpoint file outside the database.
    :param base_dir: documents in force while no version is stored (None: shipped defaults).
    :param db: when given, refusals are audited in their own transaction, so they are kept
        even though the refused request's transaction rolls back.
    """

    def __init__(
        self,
        *,
        audit_key: bytes,
        base_dir: Path | None = None,
        db: Database | None = None,
        audit_mac_key: bytes | None = None,
        audit_checkpoint: Path | None = None,
    ) -> None:
        self.audit = AuditLog(audit_key, mac_key=audit_mac_key, checkpoint=audit_checkpoint)
        self.base_dir = base_dir or DEFAULTS_DIR
        self.db = db
        self._lock = threading.Lock()
        self._base: LoadedPolicy | None = None
        self._in_force: InForce | None = None

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> PolicyEngine:
        mac_key = (
            settings.audit_key.get_secret_value()
            if settings.audit_key is not None
            else settings.generated_secret("audit")
        )
        return cls(
            audit_key=settings.pseudonym_secret(),
            base_dir=settings.policy_dir,
            db=db,
            audit_mac_key=mac_key.encode(),
            audit_checkpoint=settings.key_dir() / "audit.checkpoint",
        )

    # -- what is in force ------------------------------------------------------------------

    @property
    def in_force(self) -> InForce:
        current = self._in_force
        if current is None:
            current = InForce(self._base_policy(), None)
            self._in_force = current
        return current

    @property
    def policy(self) -> PolicySet:
        return self.in_force.loaded.policy

    @property
    def version(self) -> int | None:
        return self.in_force.version

    def _base_policy(self) -> LoadedPolicy:
        # Fail closed: an invalid deployment directory stops the engine rather than
        # silently falling back to defaults that may be more permissive.
        if self._base is None:
            self._base = load_directory(self.base_dir)
        return self._base

    def refresh(self, conn: Conn) -> bool:
        """Load the newest stored version if it is not the one in force. True if changed."""
        row = conn.execute("SELECT id FROM policy_version ORDER BY id DESC LIMIT 1").fetchone()
        current = self._in_force
        if row is None:
            if current is not None and current.version is None:
                return False
            self._in_force = InForce(self._base_policy(), None)
            return True
        version = row[0]
        if current is not None and current.version == version:
            return False
        (documents,) = one(
            conn.execute("SELECT documents FROM policy_version WHERE id = %s", (version,))
        )
        try:
            loaded = load_texts(documents)
        except PolicyInvalid as exc:
            log.error(
                "stored policy version %s is invalid; keeping the one in force: %s", version, exc
            )
            return False
        with self._lock:
            self._in_force = InForce(loaded, version)
        return True

    def use(self, loaded: LoadedPolicy, version: int | None) -> None:
        """Put an already validated policy in force (after storing it as ``version``)."""
        with self._lock:
            self._in_force = InForce(loaded, version)

    # -- decisions -----------------------------------------------------------------------

    def allowed(self, subject: Subject, action: str, resource: Resource, purpose: str) -> Decision:
        """Pure decision under the policy in force; records nothing."""
        return decide(self.policy, subject, action, resource, purpose)

    def authorize(
        self,
        conn: Conn,
        subject: Subject,
        action: str,
        resource: Resource,
        purpose: str,
        *,
        detail: dict[str, Any] | None = None,
    ) -> Decision:
        """Decide and audit; raises :class:`AccessDenied` when refused.

        Audited: every refusal, and every allowed access to one person's data by someone
        other than that person.
        """
        decision = self.allowed(subject, action, resource, purpose)
        if not decision.allowed:
            self.record_denial(conn, subject, action, resource, purpose, decision, detail)
            raise AccessDenied(decision)
        if (
            resource.kind in INDIVIDUAL
            and resource.owner is not None
            and resource.owner != subject.learner_id
        ):
            self.record(
                conn,
                subject,
                f"{action}:{resource.kind}",
                "allowed",
                purpose=purpose,
                learner_id=resource.owner,
                detail={"rule": decision.rule, **(detail or {})},
            )
        return decision

    def record_denial(
        self,
        conn: Conn,
        subject: Subject,
        action: str,
        resource: Resource,
        purpose: str,
        decision: Decision,
        detail: dict[str, Any] | None = None,
    ) -> None:
        info = {"reason": decision.reason, "rule": decision.rule, **(detail or {})}
        if resource.category is not None:
            info["category"] = resource.category.value
        if resource.name:
            info["resource_name"] = resource.name
        what = f"{action}:{resource.kind}"
        if self.db is None or self.audit.holds_lock(conn):
            # Same transaction as the request: kept only if the caller commits.
            self.record(
                conn,
                subject,
                what,
                "denied",
                purpose=purpose,
                learner_id=resource.owner,
                detail=info,
            )
            return
        with self.db.connection() as own, own.transaction():
            own.execute("SET LOCAL lock_timeout = '10s'")
            self.record(
                own,
                subject,
                what,
                "denied",
                purpose=purpose,
                learner_id=resource.owner,
                detail=info,
            )

    def record(
        self,
        conn: Conn,
        subject: Subject,
        action: str,
        outcome: str,
        *,
        purpose: str | None = None,
        learner_id: Any = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.audit.append(
            conn,
            actor=self.actor(subject),
            action=action,
            outcome=outcome,
            purpose=purpose,
            learner_id=learner_id,
            # The version known so far; never loads a policy just to write an entry.
            detail={
                "policy_version": self._in_force.version if self._in_force else None,
                **(detail or {}),
            },
        )

    def actor(self, subject: Subject) -> str:
        """How the audit log names a subject; a person only by a keyed hash."""
        if subject.learner_id is not None:
            return f"{subject.role}:{self.audit.subject_hash(subject.learner_id)[:24]}"
        return f"{subject.role}:{subject.name}"


def engine_for(runtime: Runtime, *, refresh: bool = True) -> PolicyEngine:
    """The engine of this runtime's governance (one per process and runtime), refreshed
    from the store.

    ``refresh=False`` is for storing a new version: it must work even when the policy in
    force cannot load (e.g. an invalid ``LEARNWIRE_POLICY_DIR`` and no stored version).

    :raises GovernanceMissing: the runtime has no governance (the host refuses to run).
    :raises ConfigurationError: another plugin's governance is in use, not this engine.
    """
    governance = runtime.governance
    engine = getattr(governance, "engine", None)
    if not isinstance(engine, PolicyEngine):
        raise ConfigurationError(
            f"the governance in use ({type(governance).__name__}) is not learnwire's policy "
            "engine, so the policy commands cannot act on it"
        )
    if refresh:
        with runtime.db.connection() as conn:
            engine.refresh(conn)
    return engine
