"""One pass over the audit chain, entry by entry, naming the first thing that breaks."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from .audit_checkpoint import Checkpoint
from .audit_entry import GENESIS, AuditEntry, Verification, legacy_hash


class ChainWalk:
    """Checks each entry against the one before, its MAC (``mac``) and the checkpoint.

    Without a checkpoint the boundary between legacy (unkeyed) and keyed entries is where
    entries stop verifying as legacy; with one, the checkpoint says where it is.
    """

    def __init__(
        self, mac: Callable[[AuditEntry], str], point: Checkpoint | None, upgrading: bool = False
    ) -> None:
        self.mac = mac
        self.point = point
        self.upgrading = upgrading
        self.keyed_from: int | None = point.keyed_from if point else None
        self.prev, self.count = GENESIS, 0
        self.legacy_head = GENESIS
        self.bad: tuple[int | None, str] | None = None

    def step(self, entry: AuditEntry) -> bool:
        expected = self.count + 1
        if entry.id != expected:
            return self._fail(
                entry.id, f"gap in sequence: entry {expected} is missing before {entry.id}"
            )
        if entry.prev_hash != self.prev:
            return self._fail(entry.id, "prev_hash does not match the entry before it")
        keyed = self.mac(entry)
        if self.keyed_from is None or entry.id < self.keyed_from:
            if hmac.compare_digest(keyed, entry.hash) and self.keyed_from is None:
                self.keyed_from = entry.id
            elif hmac.compare_digest(legacy_hash(entry), entry.hash):
                self.legacy_head = entry.hash
            else:
                return self._fail(entry.id, _changed(self.keyed_from, entry))
        elif not hmac.compare_digest(keyed, entry.hash):
            if hmac.compare_digest(legacy_hash(entry), entry.hash):
                why = "MAC mismatch: an unkeyed entry where keyed ones are required (written "
                return self._fail(entry.id, why + "without the audit key, e.g. a plain INSERT)")
            return self._fail(entry.id, "MAC mismatch: content or hash changed after writing")
        point = self.point
        if point is not None and entry.id == point.entries and entry.hash != point.head:
            return self._fail(
                entry.id, f"head mismatch: entry {entry.id} is not the one checkpointed"
            )
        self.prev, self.count = entry.hash, entry.id
        return True

    def _fail(self, entry_id: int | None, reason: str) -> bool:
        self.bad = (entry_id, reason)
        return False

    def result(self) -> Verification:
        checkpoint = self.point.as_dict() if self.point else None
        if self.bad is not None:
            return Verification(False, self.count, *self.bad, self.keyed_from, checkpoint)
        if self.upgrading:
            return Verification(True, self.count, None, "", self.keyed_from, checkpoint)
        point = self.point
        if point is not None and self.count < point.entries:
            return Verification(
                False,
                self.count,
                self.count + 1,
                f"count below checkpoint: {self.count} entries, the checkpoint of "
                f"{point.written_at} recorded {point.entries} (entries removed or table "
                "truncated)",
                self.keyed_from,
                checkpoint,
            )
        if point is None and self.count:
            legacy = self.keyed_from != 1
            return Verification(
                False,
                self.count,
                None,
                (
                    "unkeyed (legacy) entries and no checkpoint anchoring them"
                    if legacy
                    else "no checkpoint outside the database, so removed entries cannot be "
                    "ruled out"
                )
                + "; run `learnwire audit upgrade` to anchor the log as it is now",
                self.keyed_from,
                None,
            )
        return Verification(True, self.count, None, "", self.keyed_from, checkpoint)


def _changed(keyed_from: int | None, entry: AuditEntry) -> str:
    if keyed_from is None:
        return "hash mismatch: neither a keyed MAC nor a legacy hash fits (content changed)"
    return "legacy hash mismatch: content changed before the anchored point"
