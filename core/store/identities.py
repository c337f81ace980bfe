"""Identity links: one pseudonymous learner, many identifiers, stored only as keyed hashes.

Every source resolves the identifiers it knows to the same learner id. Emails are
canonicalised (``mbox`` ``mailto:`` IRIs and ``email`` values are one identifier, and the
xAPI ``mbox_sha1sum`` form is linked too), so an LMS statement and an HR record about the
same address meet. When one record's identifiers already belong to two learners, the
conflict is recorded and nothing is merged: a person decides.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from ..models import IdentityRef, PersonRecord


@dataclass
class ResolveReport:
    created: int = 0
    linked: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: Identifier hashes of the people left unlinked because of a conflict.
    conflicted: set[str] = field(default_factory=set)


def canonical_forms(ref: IdentityRef) -> list[tuple[str, str, str]]:
    """The (kind, namespace, value) triples under which ``ref`` is linked."""
    kind, namespace, value = ref.kind, ref.namespace, ref.value
    if kind in ("email", "mbox"):
        address = value.removeprefix("mailto:").strip().lower()
        sha1 = hashlib.sha1(f"mailto:{address}".encode()).hexdigest()
        return [("email", "", address), ("mbox_sha1sum", "", sha1)]
    if kind == "mbox_sha1sum":
        return [("mbox_sha1sum", "", value.strip().lower())]
    if kind == "account":
        return [("account", namespace.rstrip("/"), value)]
    return [(kind, namespace, value)]


class IdentityResolver:
    """Turns identifiers into learner ids, creating learners the first time they are seen."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # The MAC keyed once: a copy of it per message skips what hmac.digest redoes on
        # every call (OpenSSL looks the algorithm up and keys a new context), which was most
        # of the cost of a hash; intake hashes at least once per statement.
        self._keyed = hmac.new(key, digestmod="sha256")

    def hash(self, kind: str, namespace: str, value: str) -> str:
        mac = self._keyed.copy()
        mac.update(f"{kind}\x1f{namespace}\x1f{value}".encode())
        return mac.hexdigest()

    def hashes(self, ref: IdentityRef) -> list[tuple[str, str]]:
        """(hash, kind) for each canonical form of ``ref``; the first is the primary one."""
        return [(self.hash(k, ns, v), k) for k, ns, v in canonical_forms(ref)]

    def lookup(
        self, conn: psycopg.Connection[Any], refs: Iterable[IdentityRef]
    ) -> dict[str, uuid.UUID]:
        """Map primary hash -> learner id for the refs already known (one query)."""
        wanted = {h for ref in refs for h, _ in self.hashes(ref)}
        if not wanted:
            return {}
        rows = conn.execute(
            "SELECT value_hash, learner_id FROM identity_link WHERE value_hash = ANY(%s)",
            (list(wanted),),
        ).fetchall()
        return dict(rows)

    def resolve_subjects(
        self, conn: psycopg.Connection[Any], refs: Sequence[IdentityRef], *, source: str
    ) -> list[uuid.UUID]:
        """Learner id per ref, in order; unknown identifiers get a new learner."""
        # A batch names few people many times (one per statement): hash each identifier once.
        unique: dict[tuple[str, str, str], IdentityRef] = {}
        for ref in refs:
            unique.setdefault((ref.kind, ref.namespace, ref.value), ref)
        forms = {key: self.hashes(ref) for key, ref in unique.items()}
        known = self.lookup(conn, unique.values())
        new_people: dict[str, PersonRecord] = {}
        for key, ref in unique.items():
            found = next((known[h] for h, _ in forms[key] if h in known), None)
            if found is None:
                new_people.setdefault(
                    forms[key][0][0], PersonRecord(source=source, identifiers=[ref])
                )
        if new_people:
            self.resolve_people(conn, list(new_people.values()))
            known = self.lookup(conn, unique.values())
        learner = {key: next(known[h] for h, _ in f if h in known) for key, f in forms.items()}
        return [learner[(ref.kind, ref.namespace, ref.value)] for ref in refs]

    def resolve_people(
        self, conn: psycopg.Connection[Any], people: Sequence[PersonRecord]
    ) -> ResolveReport:
        """Link each person's identifiers to one learner, creating learners as needed."""
        report = ResolveReport()
        known = self.lookup(conn, [ref for p in people for ref in p.identifiers])
        now = datetime.now(UTC)
        new_learners: list[tuple[uuid.UUID, str, str]] = []
        links: list[tuple[str, uuid.UUID, str, str, datetime]] = []
        touched: list[tuple[uuid.UUID, str | None, str | None]] = []
        for person in people:
            forms = [f for ref in person.identifiers for f in self.hashes(ref)]
            owners = {known[h] for h, _ in forms if h in known}
            if len(owners) > 1:
                report.conflicts.append(
                    {
                        "source": person.source,
                        "learner_ids": sorted(str(o) for o in owners),
                        "kinds": sorted({k for h, k in forms if h in known}),
                    }
                )
                report.conflicted.update(h for h, _ in forms)
                continue
            if owners:
                learner_id = owners.pop()
                touched.append((learner_id, person.timezone, person.locale))
            else:
                learner_id = uuid.uuid4()
                new_learners.append((learner_id, person.timezone or "UTC", person.locale or "en"))
                report.created += 1
            for h, kind in forms:
                if h not in known:
                    known[h] = learner_id
                    links.append((h, learner_id, kind, person.source, now))
        if new_learners:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO learner (id, timezone, locale) VALUES (%s, %s, %s)", new_learners
                )
        if links:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO identity_link (value_hash, learner_id, kind, source, occurred_at)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (value_hash) DO NOTHING",
                    links,
                )
            report.linked = len(links)
        updates = [(tz, loc, lid) for lid, tz, loc in touched if tz or loc]
        if updates:
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE learner SET timezone = coalesce(%s, timezone), "
                    "locale = coalesce(%s, locale) WHERE id = %s",
                    updates,
                )
        for conflict in report.conflicts:
            conn.execute(
                "INSERT INTO identity_conflict (source, learner_ids, kinds) VALUES (%s, %s, %s)",
                (
                    conflict["source"],
                    [uuid.UUID(x) for x in conflict["learner_ids"]],
                    conflict["kinds"],
                ),
            )
        return report
