"""PostgresStore: the same library in PostgreSQL, for agents on many machines.

psycopg 3 is imported lazily (the `postgres` extra). Tables live in one schema (default
"bottomup"), created under an advisory lock so many processes may open a new library at once.
Write transactions are short and start by bumping the clock row, which orders them.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from skills.errors import LibraryError, StoreError
from skills.store.sql import Cursor, SqlStore, schema_sql

log = logging.getLogger(__name__)
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresStore(SqlStore):
    """A library in a PostgreSQL schema, reached by a DSN like postgresql://user@host/db."""

    paramstyle = "pg"
    greatest = "GREATEST"

    def __init__(self, dsn: str, schema: str = "bottomup") -> None:
        if not _SCHEMA_NAME.match(schema):
            raise LibraryError(f"bad PostgreSQL schema name {schema!r}")
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise LibraryError(
                "PostgreSQL needs psycopg: pip install 'bottomup[postgres]'"
            ) from exc
        self._psycopg = psycopg
        self.schema = schema
        self.location = f"{_redact(dsn)} (schema {schema})"
        try:
            self._conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(4242424242)")
                self._conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            self._conn.execute(f"SET search_path TO {schema}")
            # DDL takes table locks; a library already set up must not take them again while
            # other processes write, or the two deadlock.
            exists = self._conn.execute("SELECT to_regclass('meta')").fetchone()[0]
            if exists is None:
                with self._write_tx() as cur:
                    cur.run("SELECT pg_advisory_xact_lock(4242424243)")
                    for ddl in schema_sql(blob="BYTEA", real="DOUBLE PRECISION"):
                        cur.run(ddl)
                    self._init_meta(cur, "lib-" + uuid.uuid4().hex[:16])
            self._load_meta()
        except psycopg.Error as exc:
            raise StoreError(f"cannot open library {self.location}: {exc}".strip()) from exc

    @contextmanager
    def _write_tx(self) -> Iterator[Cursor]:
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield Cursor(cur, "pg")
        except self._psycopg.OperationalError as exc:
            raise StoreError(f"{self.location}: write failed ({exc})") from exc

    @contextmanager
    def _read_tx(self) -> Iterator[Cursor]:
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield Cursor(cur, "pg")

    def drop(self) -> None:
        """Delete this library's schema and everything in it (tests and `prune --all`)."""
        self._conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def close(self) -> None:
        self._conn.close()


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)
