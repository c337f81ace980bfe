"""PostgreSQL + pgvector store: connection, embedded server, migrations, SQL per table group."""

from .database import Database, one, open_database

__all__ = ["Database", "one", "open_database"]
