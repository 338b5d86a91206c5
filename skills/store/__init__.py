"""Stores: where a library lives; `open_store` picks SQLite for a path, PostgreSQL for a DSN.

Both speak one interface (SqlStore); the graph and the CLI never care which one they have.
"""

from __future__ import annotations

from pathlib import Path

from skills.store.sql import Changes, SqlStore

__all__ = ["Changes", "SqlStore", "open_store", "is_dsn"]


def is_dsn(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, create: bool = True, pg_schema: str = "bottomup") -> SqlStore:
    """Open (or create) the library at a file path or a postgresql:// DSN."""
    if isinstance(location, str) and is_dsn(location):
        from skills.store.postgres import PostgresStore

        return PostgresStore(location, schema=pg_schema)
    from skills.store.sqlite import SqliteStore

    return SqliteStore(location, create=create)
