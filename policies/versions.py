"""Stored policy versions: who loaded which documents when, and what changed.

Only validated policies are stored, so the newest row is always a loadable policy. Storing a
version, and every refused attempt, is written to the audit log.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from ..core.errors import NotFound
from ..core.store import one
from .access import Subject
from .engine import PolicyEngine
from .validation import DEFAULTS_DIR, LoadedPolicy, PolicyInvalid, check_directory

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class PolicyVersion:
    id: int
    digest: str
    author: str
    comment: str
    created_at: datetime
    documents: Mapping[str, str]
    diff: str

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "digest": self.digest,
            "author": self.author,
            "comment": self.comment,
            "created_at": self.created_at.isoformat(),
            "files": sorted(self.documents),
            "changed_lines": _changed_lines(self.diff),
        }


_COLUMNS = "id, digest, author, comment, created_at, documents, diff"


def latest(conn: Conn) -> PolicyVersion | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM policy_version ORDER BY id DESC LIMIT 1").fetchone()
    return PolicyVersion(*row) if row else None


def get(conn: Conn, version: int) -> PolicyVersion:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM policy_version WHERE id = %s", (version,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no policy version {version}; `learnwire policy history` lists them")
    return PolicyVersion(*row)


def history(conn: Conn) -> list[PolicyVersion]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM policy_version ORDER BY id").fetchall()
    return [PolicyVersion(*row) for row in rows]


def text_diff(
    old: Mapping[str, str], new: Mapping[str, str], old_label: str, new_label: str
) -> str:
    """Unified diff over every file of two document sets."""
    out: list[str] = []
    for name in sorted(set(old) | set(new)):
        a = old.get(name, "").splitlines(keepends=True)
        b = new.get(name, "").splitlines(keepends=True)
        out.extend(difflib.unified_diff(a, b, f"{old_label}/{name}", f"{new_label}/{name}", n=2))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def store(
    conn: Conn,
    engine: PolicyEngine,
    loaded: LoadedPolicy,
    *,
    author: str,
    comment: str = "",
) -> tuple[PolicyVersion, bool]:
    """Store ``loaded`` as the newest version and put it in force.

    Returns the version and whether it is new (an identical newest version is kept as is).
    """
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.policy_version'))")
    previous = latest(conn)
    if previous is not None and previous.digest == loaded.digest:
        return previous, False
    if previous is not None:
        before, label = previous.documents, f"v{previous.id}"
    else:
        try:
            before, label = engine.in_force.loaded.documents, "base"
        except PolicyInvalid:  # nothing valid was ever in force: diff against nothing
            before, label = {}, "none"
    diff = text_diff(before, loaded.documents, label, "new")
    row = conn.execute(
        "INSERT INTO policy_version (digest, documents, author, comment, diff) "
        f"VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (loaded.digest, json.dumps(dict(loaded.documents)), author, comment, diff),
    )
    version = PolicyVersion(*one(row))
    engine.record(
        conn,
        Subject("compliance_officer", author),
        "policy:apply",
        "done",
        detail={
            "version": version.id,
            "digest": version.digest,
            "comment": comment,
            "changed_lines": _changed_lines(diff),
        },
    )
    engine.use(loaded, version.id)
    return version, True


def apply_directory(
    conn: Conn, engine: PolicyEngine, directory: Path, *, author: str, comment: str = ""
) -> tuple[PolicyVersion, bool]:
    """Validate ``directory`` and store it; an invalid one is refused, audited, not loaded."""
    loaded, problems = check_directory(directory)
    if loaded is None:
        _record_refusal(engine, conn, author, directory, [str(p) for p in problems])
        raise PolicyInvalid(problems)
    return store(conn, engine, loaded, author=author, comment=comment)


def sync_directory(conn: Conn, engine: PolicyEngine, directory: Path | None) -> dict[str, Any]:
    """Store the deployment's policy directory when it changed (the periodic reload).

    An invalid directory is reported and audited; the policy in force does not change.
    """
    directory = directory or DEFAULTS_DIR
    loaded, problems = check_directory(directory)
    if loaded is None:
        said = [str(p) for p in problems]
        last = conn.execute(
            "SELECT outcome, detail FROM policy_audit WHERE action = 'policy:apply' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        # Checked every minute: record a refusal once, not once per check.
        if last is None or last[0] != "refused" or last[1].get("problems") != said[:20]:
            _record_refusal(engine, conn, "policy-dir-watcher", directory, said)
        return {
            "status": "invalid",
            "problems": [str(p) for p in problems],
            "version": engine.version,
        }
    current = latest(conn)
    if current is not None and current.digest == loaded.digest:
        return {"status": "unchanged", "version": current.id}
    version, _ = store(conn, engine, loaded, author="policy-dir-watcher", comment=str(directory))
    return {"status": "applied", "version": version.id}


def _record_refusal(
    engine: PolicyEngine, conn: Conn, author: str, directory: Path, problems: list[str]
) -> None:
    subject = Subject("compliance_officer", author)
    detail = {"directory": str(directory), "problems": problems[:20]}
    if engine.db is None:
        engine.record(conn, subject, "policy:apply", "refused", detail=detail)
        return
    with engine.db.connection() as own, own.transaction():
        engine.record(own, subject, "policy:apply", "refused", detail=detail)


def _changed_lines(diff: str) -> dict[str, int]:
    lines = diff.splitlines()
    added = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
    removed = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
    return {"added": added, "removed": removed}
