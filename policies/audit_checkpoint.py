"""The audit log's checkpoint: entry count and head MAC, kept outside PostgreSQL.

A database owner can switch the append-only trigger off, delete the newest entries or
TRUNCATE the table; the chain alone cannot show that, because what is left is still a valid
chain. The checkpoint is what transparency logs call a signed tree head: a small file in the
data directory's key store, MAC'd with the audit key, saying "at time T the log held N
entries ending in hash H, and entries from K on are keyed". :func:`~.audit.AuditLog.verify`
compares the table with it. The file only moves forward (a write that would record fewer
entries than it holds is ignored), and writers take a file lock, so processes sharing a
data directory never move it back.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1


class CheckpointAltered(Exception):
    """The checkpoint file exists but its MAC does not match: it was edited or replaced."""


@dataclass(frozen=True)
class Checkpoint:
    entries: int
    head: str
    keyed_from: int
    written_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CheckpointFile:
    """Reads and advances one checkpoint file, MAC'd with ``key``."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key

    def _mac(self, body: dict[str, Any]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hmac.new(
            self._key, b"audit-checkpoint\x1f" + canonical.encode(), "sha256"
        ).hexdigest()

    def read(self) -> Checkpoint | None:
        """The checkpoint, or None when there is none yet.

        :raises CheckpointAltered: the file does not carry a valid MAC.
        """
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            body = {k: data[k] for k in ("format", "entries", "head", "keyed_from", "written_at")}
            given = str(data["mac"])
        except (ValueError, KeyError, TypeError):
            raise CheckpointAltered(f"{self.path} is not a checkpoint file") from None
        if not hmac.compare_digest(self._mac(body), given):
            raise CheckpointAltered(f"{self.path}: MAC mismatch (edited, or another key's)")
        return Checkpoint(
            int(body["entries"]), str(body["head"]), int(body["keyed_from"]), body["written_at"]
        )

    def advance(self, entries: int, head: str, *, keyed_from: int | None = None) -> bool:
        """Record ``entries`` ending in ``head``; ignored when the file records more already.

        ``keyed_from`` is needed only for the first checkpoint (later ones keep the first's).
        Returns whether the file was written.
        """
        with self._locked():
            try:
                current = self.read()
            except CheckpointAltered:
                log.error("audit checkpoint %s is altered; not overwriting it", self.path)
                return False
            if current is not None and entries <= current.entries:
                return False
            if current is None and keyed_from is None:
                return False
            body = {
                "format": FORMAT,
                "entries": entries,
                "head": head,
                "keyed_from": current.keyed_from if current is not None else keyed_from,
                "written_at": datetime.now(UTC).isoformat(),
            }
            self._write({**body, "mac": self._mac(body)})
        # The operator's log sink gets every checkpoint too: a second copy outside the host.
        log.info("audit checkpoint: %s entries, head %s", entries, head)
        return True

    def reset(self, entries: int, head: str, keyed_from: int) -> None:
        """Write a checkpoint whatever the file holds (``audit upgrade``: an operator's act)."""
        with self._locked():
            body = {
                "format": FORMAT,
                "entries": entries,
                "head": head,
                "keyed_from": keyed_from,
                "written_at": datetime.now(UTC).isoformat(),
            }
            self._write({**body, "mac": self._mac(body)})
        log.info(
            "audit checkpoint reset: %s entries, head %s, keyed from %s", entries, head, keyed_from
        )

    def _write(self, data: dict[str, Any]) -> None:
        scratch = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
