"""Intake: the one path by which records from any source reach the store.

It checks each record against the categories its source declared, resolves identifiers to
pseudonymous learner ids, lets the intake guards (the policy layer's enforcement point:
minimisation, consent) screen the batch, then writes everything idempotently in the
caller's transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from .learner import mastery
from .models import DataCategory, IdentityRef, RecordMeta
from .sources import ContentBatch, SourceBatch
from .store import catalogue, records
from .store.identities import IdentityResolver
from .store.records import WriteCounts

Conn = psycopg.Connection[Any]


@dataclass
class Rejection:
    """A record intake refused, with where it was and why."""

    kind: str
    index: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "index": self.index, "reason": self.reason}


@dataclass
class IntakeReport:
    counts: dict[str, WriteCounts] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    learners_created: int = 0

    def count(self, kind: str) -> WriteCounts:
        return self.counts.setdefault(kind, WriteCounts())

    def merge(self, other: IntakeReport) -> None:
        for kind, counts in other.counts.items():
            self.count(kind).add(counts)
        self.rejected.extend(other.rejected)
        self.conflicts.extend(other.conflicts)
        self.learners_created += other.learners_created

    def totals(self) -> dict[str, int]:
        total = WriteCounts()
        for counts in self.counts.values():
            total.add(counts)
        return {**total.as_dict(), "rejected": len(self.rejected)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {k: v.as_dict() for k, v in sorted(self.counts.items())},
            "totals": self.totals(),
            "learners_created": self.learners_created,
            "rejected": [r.as_dict() for r in self.rejected],
            "conflicts": self.conflicts,
        }


class IntakeGuard(ABC):
    """Screens a batch after identities are resolved and before anything is written."""

    @abstractmethod
    def screen(
        self, conn: Conn, batch: SourceBatch, *, source: str
    ) -> tuple[SourceBatch, list[Rejection]]:
        """Return the batch as it may be stored (fields dropped, records removed) and the
        records refused. Must not write."""


_PERSONAL_KINDS = ("events", "facts", "calendar", "memberships")


class Intake:
    def __init__(self, resolver: IdentityResolver, guards: Sequence[IntakeGuard] = ()) -> None:
        self.resolver = resolver
        self.guards = list(guards)

    def store(
        self,
        conn: Conn,
        batch: SourceBatch,
        *,
        source: str,
        categories: Iterable[DataCategory] | None = None,
    ) -> IntakeReport:
        report = IntakeReport()
        batch = self._check_categories(batch, source, categories, report)
        people = self.resolver.resolve_people(conn, batch.people)
        report.learners_created += people.created
        report.conflicts.extend(people.conflicts)
        batch = self._drop_conflicted(batch, people.conflicted, report)
        batch = self._resolve_subjects(conn, batch, source)
        for guard in self.guards:
            batch, refused = guard.screen(conn, batch, source=source)
            report.rejected.extend(refused)

        report.count("skills").add(catalogue.upsert_skills(conn, batch.skills))
        report.count("prerequisites").add(catalogue.upsert_prerequisites(conn, batch.prerequisites))
        report.count("job_profiles").add(catalogue.upsert_job_profiles(conn, batch.job_profiles))
        report.count("org_units").add(catalogue.upsert_org_units(conn, batch.org_units))
        report.count("memberships").add(records.upsert_memberships(conn, batch.memberships))
        report.count("facts").add(records.upsert_facts(conn, batch.facts))
        report.count("calendar").add(records.upsert_calendar(conn, batch.calendar))
        content_ids = self._content_for_events(conn, batch)
        counts, new_ids = records.insert_events(conn, batch.events, content_ids)
        report.count("events").add(counts)
        # As many new ids (each distinct) as events: every event is new, as is usual.
        self._update_mastery(
            conn, batch, None if len(new_ids) == len(batch.events) else set(new_ids)
        )
        return report

    def store_content(self, conn: Conn, batch: ContentBatch, *, provider: str) -> IntakeReport:
        report = IntakeReport()
        foreign = [i for i, item in enumerate(batch.items) if item.provider != provider]
        for index in foreign:
            report.rejected.append(
                Rejection(
                    "content",
                    index,
                    f"item names provider '{batch.items[index].provider}', expected '{provider}'",
                )
            )
        items = [item for i, item in enumerate(batch.items) if i not in set(foreign)]
        report.count("skills").add(catalogue.upsert_skills(conn, batch.skills))
        report.count("content").add(catalogue.upsert_content(conn, items))
        retired = catalogue.retire_content(conn, provider, batch.retired_external_ids)
        report.count("content").updated += retired
        return report

    # -- steps ---------------------------------------------------------------------------

    @staticmethod
    def _check_categories(
        batch: SourceBatch,
        source: str,
        categories: Iterable[DataCategory] | None,
        report: IntakeReport,
    ) -> SourceBatch:
        allowed = set(categories) if categories is not None else None
        updates: dict[str, list[Any]] = {}
        for kind in _PERSONAL_KINDS:
            kept = []
            for index, record in enumerate(getattr(batch, kind)):
                if record.source != source:
                    report.rejected.append(
                        Rejection(
                            kind, index, f"record says source '{record.source}', sync is '{source}'"
                        )
                    )
                elif allowed is not None and record.data_category not in allowed:
                    report.rejected.append(
                        Rejection(
                            kind,
                            index,
                            f"source '{source}' did not declare category "
                            f"'{record.data_category.value}'",
                        )
                    )
                else:
                    kept.append(record)
            updates[kind] = kept
        return batch.model_copy(update=updates)

    def _drop_conflicted(
        self, batch: SourceBatch, conflicted: set[str], report: IntakeReport
    ) -> SourceBatch:
        """Refuse records about a person whose identifiers conflict: attributing them to
        either learner, or to a new one, would be a guess."""
        if not conflicted:
            return batch
        updates: dict[str, list[Any]] = {}
        for kind in _PERSONAL_KINDS:
            kept = []
            for index, record in enumerate(getattr(batch, kind)):
                hashes = (
                    {h for h, _ in self.resolver.hashes(record.subject)}
                    if record.subject is not None
                    else set()
                )
                if hashes & conflicted:
                    report.rejected.append(
                        Rejection(
                            kind,
                            index,
                            f"{record.subject.kind if record.subject else '?'} identifier "
                            "belongs to a person in an identity conflict; resolve it first",
                        )
                    )
                else:
                    kept.append(record)
            updates[kind] = kept
        return batch.model_copy(update=updates)

    def _resolve_subjects(self, conn: Conn, batch: SourceBatch, source: str) -> SourceBatch:
        pending: list[RecordMeta] = [
            r for kind in _PERSONAL_KINDS for r in getattr(batch, kind) if r.learner_id is None
        ]
        if not pending:
            return batch
        refs: list[IdentityRef] = [r.subject for r in pending if r.subject is not None]
        ids = self.resolver.resolve_subjects(conn, refs, source=source)
        for record, learner_id in zip(pending, ids, strict=True):
            # The identifier has done its job; only the pseudonymous id is kept.
            record.__dict__["learner_id"] = learner_id
            record.__dict__["subject"] = None
        return batch

    @staticmethod
    def _update_mastery(conn: Conn, batch: SourceBatch, new_ids: set[UUID] | None) -> None:
        """Update mastery for the assessments among the events stored just now (``new_ids``;
        None when all of them were)."""
        # Only statements stored just now: a replay must not count evidence twice.
        responses = []
        for event in batch.events:
            if event.data_category != "assessment":
                continue
            if new_ids is not None and event.statement_id not in new_ids:
                continue
            ok = mastery.is_correct(event.result.success, event.result.score_scaled)
            if ok is not None and event.skill_ids and event.learner_id is not None:
                responses.append((event.learner_id, event.skill_ids, ok, event.occurred_at))
        mastery.update_for_events(conn, responses)

    @staticmethod
    def _content_for_events(conn: Conn, batch: SourceBatch) -> list[UUID | None]:
        if not batch.events:
            return []
        activities = list({e.object_id for e in batch.events})
        known: dict[str, tuple[UUID, list[str]]] = {
            activity: (cid, skills)
            for activity, cid, skills in conn.execute(
                "SELECT c.activity_id, c.id, coalesce(array_agg(s.skill_id) "
                "FILTER (WHERE s.skill_id IS NOT NULL), '{}') FROM content_item c "
                "LEFT JOIN content_skill s ON s.content_id = c.id "
                "WHERE c.activity_id = ANY(%s) GROUP BY c.activity_id, c.id",
                (activities,),
            )
        }
        out: list[UUID | None] = []
        for event in batch.events:
            match = known.get(event.object_id)
            if match and not event.skill_ids:
                event.__dict__["skill_ids"] = list(match[1])
            out.append(match[0] if match else None)
        return out
