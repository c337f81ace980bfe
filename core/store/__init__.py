"""PostgreSQL + pgvector store: connection, embedded server, migrations, SQL per table group."""

from .database import Database, open_database

__all__ = ["Database", "open_database"]
