"""Storing statements: one batch, one transaction, all or nothing.

The contract of :meth:`StatementIntake.store`, run inside the caller's transaction:

- two statements with one id in a batch fail the batch (400);
- a statement whose id is already stored is compared with the stored one: the same statement
  is accepted and not stored again; a different one fails the batch with 409;
- every other statement goes through :meth:`learnwire.core.intake.Intake.store` (identity
  resolution, policy guards, idempotent COPY into ``learning_event``);
- voiding statements mark their targets voided, and a statement arriving after the statement
  that voids it is stored already voided. A voiding statement is never voided itself.

Every source has a statement-id space of its own: a source can neither see, replace, nor
void (even ahead of time) a statement another source stored, and nothing it is told reveals
that another source used an id. Statement ids are unique across the store, so when the id a
statement arrives with is already taken by another source, the statement is kept under a
storage key derived from the source and the id with the keyed hash identities use (so
nobody can take that key ahead of time); it is still read and written by its own id.

The caller commits; any exception leaves nothing of the batch behind.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from learnwire.core.errors import Conflict
from learnwire.core.intake import Intake, Rejection
from learnwire.core.models import DataCategory, LearningEvent
from learnwire.core.sources import SourceBatch
from learnwire.core.store.identities import IdentityResolver

from .comparison import digest
from .dropped import recording
from .mapping import PreparedStatement, StatementMapper
from .validation import VOIDED, CheckedStatement, StatementInvalid

log = logging.getLogger(__name__)

Conn = psycopg.Connection[Any]

CATEGORIES = frozenset({DataCategory.BEHAVIOURAL, DataCategory.ASSESSMENT})


@dataclass
class StoreOutcome:
    """What happened to a batch: ids in request order, and how each statement fared."""

    ids: list[uuid.UUID] = field(default_factory=list)
    stored: int = 0
    replayed: int = 0
    refused: list[Rejection] = field(default_factory=list)
    voided: int = 0
    #: Dotted paths of the fields the intake policy dropped from the statements stored.
    dropped: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "replayed": self.replayed,
            "refused": [r.as_dict() for r in self.refused],
            "voided": self.voided,
        }


class StatementIntake:
    """Stores checked statements for one source through learnwire's intake."""

    def __init__(self, intake: Intake, mapper: StatementMapper) -> None:
        self.intake = intake
        self.mapper = mapper

    def store(
        self,
        conn: Conn,
        checked: Sequence[CheckedStatement],
        *,
        source: str,
        paths: Sequence[str] | None = None,
    ) -> StoreOutcome:
        """Store ``checked`` (already validated); ``paths`` name each one in errors."""
        paths = paths or [f"[{i}]" for i in range(len(checked))]
        prepared = [self.mapper.prepare(c, i, paths[i]) for i, c in enumerate(checked)]
        outcome = StoreOutcome(ids=[p.id for p in prepared])
        _refuse_repeated_ids(prepared, paths)
        existing = _settle_keys(conn, self.intake.resolver, source, prepared)
        # Each distinct actor is resolved once (a batch holds many statements per learner).
        subjects = list({id(p.subject): p.subject for p in prepared}.values())
        resolved = self.intake.resolver.resolve_subjects(conn, subjects, source=source)
        learner_of = {id(s): lid for s, lid in zip(subjects, resolved, strict=True)}
        events = [self.mapper.event(p, learner_of[id(p.subject)], source) for p in prepared]
        digests = [
            digest(e.statement, p.checked.timestamp) for e, p in zip(events, prepared, strict=True)
        ]
        fresh: list[int] = []
        for i, p in enumerate(prepared):
            if existing and p.key in existing:
                _check_replay(events[i], digests[i], existing[p.key], paths[i])
                outcome.replayed += 1
            else:
                fresh.append(i)
        if not fresh:
            return outcome
        fresh_ids = [prepared[i].key for i in fresh]
        fresh_texts = [prepared[i].key_text for i in fresh]
        # Digests go in first: a digest already there (a concurrent request) is kept, and the
        # race check below compares against it.
        _save_digests(conn, fresh_texts, [digests[i] for i in fresh])
        report = recording(self.intake, outcome.dropped).store(
            conn,
            # Not model_construct: it inspects every default factory's signature per call.
            SourceBatch(events=[events[i] for i in fresh]),
            source=source,
            categories=CATEGORIES,
        )
        counts = report.counts.get("events")
        outcome.stored = counts.new if counts is not None else 0
        outcome.refused = report.rejected
        if report.rejected:
            log.warning(
                "intake refused %d statement(s) from %s: %s",
                len(report.rejected),
                source,
                "; ".join(r.reason for r in report.rejected[:3]),
            )
        raced = len(fresh) - outcome.stored - len(report.rejected)
        if raced > 0:
            # Another request stored some of these ids between our check and our write.
            stored = _stored(conn, fresh_ids, source)
            for i in fresh:
                if prepared[i].key in stored:
                    _check_replay(events[i], digests[i], stored[prepared[i].key], paths[i])
                elif _stored(conn, [prepared[i].key], None):
                    # Another source took this id in the meantime: sent again, the
                    # statement is kept under this source's own key.
                    raise Conflict(
                        f"{paths[i] or 'statement'}: not stored because of a concurrent "
                        "request; send it again"
                    )
            outcome.replayed += raced
        if report.rejected:
            _forget_unstored_digests(conn, fresh_texts)
        outcome.voided = _apply_voiding(
            conn, self.intake.resolver, source, [prepared[i] for i in fresh]
        )
        return outcome


def scoped_key(resolver: IdentityResolver, source: str, statement_id: uuid.UUID) -> uuid.UUID:
    """The storage key of ``statement_id`` from ``source`` when another source holds the id."""
    return uuid.UUID(scoped_key_text(resolver, source, str(statement_id)))


def scoped_key_text(resolver: IdentityResolver, source: str, statement_id: str) -> str:
    """:func:`scoped_key` as text, from the id as text (lowercase, hyphenated): the first
    32 hex digits of the keyed hash made a version-4 UUID, as ``uuid.UUID(hex, version=4)``
    does (version nibble 4, variant bits 10), without building the UUID."""
    h = resolver.hash("xapi_statement", source, statement_id)
    variant = _VARIANT[h[16]]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


#: Each hex digit with its two high bits set to the RFC 4122 variant (binary 10).
_VARIANT = {d: "0123456789abcdef"[(int(d, 16) & 0x3) | 0x8] for d in "0123456789abcdef"}


def _settle_keys(
    conn: Conn, resolver: IdentityResolver, source: str, prepared: Sequence[PreparedStatement]
) -> dict[uuid.UUID, _Stored]:
    """Set the key each statement is (or will be) stored under, and answer what ``source``
    already stored under those keys; one query for the whole batch."""
    scoped = [scoped_key_text(resolver, source, p.id_text) for p in prepared]
    rows = conn.execute(
        "SELECT e.statement_id, e.source, d.digest, e.learner_id, e.verb, e.object_id "
        "FROM learning_event e LEFT JOIN xapi_statement_digest d USING (statement_id) "
        "WHERE e.statement_id = ANY(%s::uuid[])",
        (uuid_array([*(p.id_text for p in prepared), *scoped]),),
    ).fetchall()
    if not rows:
        # Usual for new statements: every key is the id itself (already set by prepare).
        return {}
    owner = {str(row[0]): row[1] for row in rows}
    for p, scoped_text in zip(prepared, scoped, strict=True):
        if owner.get(scoped_text) == source or owner.get(p.id_text, source) != source:
            p.key, p.key_text = uuid.UUID(scoped_text), scoped_text
    return {row[0]: _Stored(*row[2:]) for row in rows if row[1] == source}


@dataclass(frozen=True, slots=True)
class _Stored:
    digest: bytes | None
    learner_id: uuid.UUID
    verb: str
    object_id: str


def _check_replay(event: LearningEvent, received: bytes, stored: _Stored, path: str) -> None:
    if stored.digest is not None:
        same = stored.digest == received
    else:
        # Stored by another path than this resource: the identifying parts must agree.
        same = (stored.learner_id, stored.verb, stored.object_id) == (
            event.learner_id,
            event.verb,
            event.object_id,
        )
    if not same:
        raise Conflict(
            f"{path or 'statement'}: a different statement is already stored under id "
            f"{event.statement_id}; statements are immutable, send it with a new id"
        )


def _refuse_repeated_ids(prepared: list[PreparedStatement], paths: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for p in prepared:
        first = seen.setdefault(p.id_text, p.index)
        if first != p.index:
            raise StatementInvalid(
                f"{paths[p.index]}.id", f"repeats the id of statement {paths[first]} in this batch"
            )


def _stored(conn: Conn, keys: list[uuid.UUID], source: str | None) -> dict[uuid.UUID, _Stored]:
    """The statements stored under ``keys`` by ``source`` (by any source when None)."""
    rows = conn.execute(
        "SELECT e.statement_id, d.digest, e.learner_id, e.verb, e.object_id "
        "FROM learning_event e LEFT JOIN xapi_statement_digest d USING (statement_id) "
        "WHERE e.statement_id = ANY(%s::uuid[]) AND (%s::text IS NULL OR e.source = %s)",
        (uuid_array(map(str, keys)), source, source),
    ).fetchall()
    return {row[0]: _Stored(*row[1:]) for row in rows}


def _save_digests(conn: Conn, ids: list[str], digests: list[bytes]) -> None:
    """Insert the digests of the statements stored under ``ids`` (keys as text)."""
    # In id order, so two requests sharing ids wait for each other instead of deadlocking;
    # the one that waits then finds the other's statements and compares. (The text of
    # lowercase hyphenated UUIDs sorts as the UUIDs do.)
    pairs = sorted(zip(ids, digests, strict=True))
    ids, digests = [i for i, _ in pairs], [d for _, d in pairs]
    conn.execute(
        "INSERT INTO xapi_statement_digest (statement_id, digest) "
        "SELECT u.id, decode(u.digest, 'hex') "
        "FROM unnest(%s::uuid[], %s::text[]) AS u(id, digest) ON CONFLICT DO NOTHING",
        (uuid_array(ids), "{" + ",".join(d.hex() for d in digests) + "}"),
    )


def _forget_unstored_digests(conn: Conn, ids: list[str]) -> None:
    """Digests of statements a guard refused: nothing of a refused statement is kept."""
    conn.execute(
        "DELETE FROM xapi_statement_digest d WHERE d.statement_id = ANY(%s::uuid[]) "
        "AND NOT EXISTS (SELECT 1 FROM learning_event e WHERE e.statement_id = d.statement_id)",
        (uuid_array(ids),),
    )


def uuid_array(ids: Iterable[str]) -> str:
    """A PostgreSQL array literal of ``ids`` (UUIDs as text): one text parameter instead of
    one per id, which psycopg would otherwise adapt one by one (noticeable at 500 ids a
    request)."""
    return "{" + ",".join(ids) + "}"


def _apply_voiding(
    conn: Conn, resolver: IdentityResolver, source: str, fresh: list[PreparedStatement]
) -> int:
    """Void the targets of new voiding statements, and new statements already voided; only
    ever within ``source``."""
    voided = 0
    targets = [t for p in fresh if (t := p.voids) is not None]
    if targets:
        texts = [str(t) for t in targets]
        keys = [*texts, *(scoped_key_text(resolver, source, t) for t in texts)]
        voided += conn.execute(
            "UPDATE learning_event SET voided = true WHERE statement_id = ANY(%s::uuid[]) "
            "AND source = %s AND verb <> %s AND NOT voided",
            (uuid_array(keys), source, VOIDED),
        ).rowcount
    plain = [p for p in fresh if not p.is_voiding]
    if plain:
        # A voiding statement's object_id is its target's id (see mapping._object_id). The
        # verb is spelt out, not bound, so the planner can use the partial index
        # xapi_event_voiding (only voiding statements) in every plan.
        # The (usually empty) set of hits is found in that small index first; only hits
        # are then looked up by key.
        voided += conn.execute(
            "UPDATE learning_event e SET voided = true FROM ("
            "  SELECT t.key FROM unnest(%s::uuid[], %s::text[]) AS t(key, id)"
            "  WHERE EXISTS (SELECT 1 FROM learning_event v WHERE v.object_id = t.id"
            "  AND v.verb = 'http://adlnet.gov/expapi/verbs/voided' AND v.source = %s)"
            ") AS hit WHERE e.statement_id = hit.key AND e.source = %s AND NOT e.voided",
            (
                uuid_array([p.key_text for p in plain]),
                uuid_array([p.id_text for p in plain]),
                source,
                source,
            ),
        ).rowcount
    return voided
