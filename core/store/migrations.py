"""Versioned SQL migrations: ``NNNN_name.sql`` per namespace, applied once, in order.

Each file runs in its own transaction together with the row recording it, so a failed
migration leaves nothing half-applied. A changed file that was already applied is reported,
never silently re-run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigurationError
from ..migrations_source import MigrationSource
from .database import Database

CORE_MIGRATIONS = MigrationSource(
    namespace="core", directory=Path(__file__).parent / "migrations", order=0
)
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    namespace   text NOT NULL,
    version     integer NOT NULL,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, version)
)
"""


@dataclass(frozen=True)
class Migration:
    namespace: str
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(sources: list[MigrationSource]) -> list[Migration]:
    unique = {s.namespace: s for s in sources}.values()
    ordered = sorted(unique, key=lambda s: (s.order, s.namespace))
    found: list[Migration] = []
    for source in ordered:
        for path in sorted(source.directory.glob("*.sql")):
            match = _FILE.match(path.name)
            if not match:
                raise ConfigurationError(
                    f"{path}: migration files are named NNNN_lowercase_name.sql"
                )
            found.append(Migration(source.namespace, int(match[1]), match[2], path))
    return found


def upgrade(db: Database, sources: list[MigrationSource]) -> list[Migration]:
    """Apply pending migrations; returns those applied now (empty when up to date)."""
    migrations = discover([CORE_MIGRATIONS, *sources])
    applied_now: list[Migration] = []
    with db.connection() as conn:
        # One upgrade at a time, even from several processes starting together.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('learnwire.migrations'))")
        conn.execute(_LEDGER)
        done = {
            (ns, v): checksum
            for ns, v, checksum in conn.execute(
                "SELECT namespace, version, checksum FROM schema_migration"
            )
        }
        for migration in migrations:
            key = (migration.namespace, migration.version)
            if key in done:
                if done[key] != migration.checksum:
                    raise ConfigurationError(
                        f"migration {migration.path.name} ({migration.namespace}) changed after "
                        "it was applied; add a new migration instead of editing an applied one"
                    )
                continue
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migration (namespace, version, name, checksum) "
                    "VALUES (%s, %s, %s, %s)",
                    (migration.namespace, migration.version, migration.name, migration.checksum),
                )
            applied_now.append(migration)
    if applied_now:
        # New types (vector) exist now: give pooled connections a fresh registration.
        db.refresh()
    return applied_now


def status(db: Database, sources: list[MigrationSource]) -> list[dict[str, object]]:
    migrations = discover([CORE_MIGRATIONS, *sources])
    with db.connection() as conn:
        conn.execute(_LEDGER)
        done = {
            (ns, v): at
            for ns, v, at in conn.execute(
                "SELECT namespace, version, applied_at FROM schema_migration"
            )
        }
    return [
        {
            "namespace": m.namespace,
            "version": m.version,
            "name": m.name,
            "applied_at": done[(m.namespace, m.version)].isoformat()
            if (m.namespace, m.version) in done
            else None,
        }
        for m in migrations
    ]
