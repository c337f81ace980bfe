"""Which statement fields the intake policy dropped, so the sender can be told.

learnwire keeps statements altered on purpose: the actor pseudonymised (documented in the
About resource) and whatever fields the intake policy minimises away. The second depends on
the policy in force, so each POST or PUT names those fields in a response header. The
guards are wrapped, not changed: a policy minimises by copying only the objects on a dropped
path, so comparing each statement with what the guard returns by identity finds the paths.
"""

from __future__ import annotations

from typing import Any

import psycopg

from learnwire.core.intake import Intake, IntakeGuard, Rejection
from learnwire.core.sources import SourceBatch

Conn = psycopg.Connection[Any]

#: Dropped from what is kept but rendered on every GET: the actor is always the learner's
#: pseudonymous account, which the About resource documents.
_RESTORED = frozenset({"actor.account", "actor.objectType"})


class DropRecorder(IntakeGuard):
    """Runs ``inner`` and adds to ``dropped`` the dotted paths it removed from statements."""

    def __init__(self, inner: IntakeGuard, dropped: set[str]) -> None:
        self.inner = inner
        self.dropped = dropped

    def screen(
        self, conn: Conn, batch: SourceBatch, *, source: str
    ) -> tuple[SourceBatch, list[Rejection]]:
        before = {e.statement_id: e.statement for e in batch.events}
        screened, refused = self.inner.screen(conn, batch, source=source)
        for event in screened.events:
            sent = before.get(event.statement_id)
            if sent is not None and sent is not event.statement:
                self.dropped.update(
                    p for p in dropped_paths(sent, event.statement) if p not in _RESTORED
                )
        return screened, refused


def recording(intake: Intake, dropped: set[str]) -> Intake:
    """``intake`` with every guard recording the fields it drops into ``dropped``."""
    return Intake(intake.resolver, [DropRecorder(g, dropped) for g in intake.guards])


def dropped_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the object properties present in ``before`` and gone in ``after``.

    Only objects the guard copied are visited: an untouched one is the very same object."""
    found = []
    for key, value in before.items():
        if key not in after:
            found.append(prefix + key)
            continue
        kept = after[key]
        if kept is not value and type(value) is dict and type(kept) is dict:
            found.extend(dropped_paths(value, kept, f"{prefix}{key}."))
    return found
