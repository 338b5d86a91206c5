"""SqliteStore: the embedded default library, one SQLite file shared by many processes.

WAL journal (readers never block the writer), a busy timeout (writers queue instead of failing),
`BEGIN IMMEDIATE` write transactions (no deadlock on lock upgrade) kept short, and
synchronous=NORMAL (a crash loses at most the last commits, never consistency).
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from skills.errors import LibraryNotFound, StoreError
from skills.store.sql import Cursor, SqlStore, schema_sql

log = logging.getLogger(__name__)


class SqliteStore(SqlStore):
    """A library in one SQLite file. `create=False` refuses a path with no library yet; a new
    library gets `library_id` (the origin its counters are kept under), or a random one."""

    paramstyle = "qmark"
    greatest = "MAX"

    def __init__(
        self,
        path: str | Path,
        create: bool = True,
        busy_timeout_s: float = 60.0,
        library_id: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if not self.path.exists() and not create:
            raise LibraryNotFound(f"no library at {self.path}")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a library file")
        try:
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=busy_timeout_s, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                log.warning("%s: journal mode is %s, not WAL", self.path, mode)
            self._conn.execute("PRAGMA synchronous = NORMAL")
            with self._write_tx() as cur:
                for ddl in schema_sql(blob="BLOB", real="REAL"):
                    cur.run(ddl)
                self._init_meta(cur, library_id or "lib-" + uuid.uuid4().hex[:16])
            self._load_meta()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open library {self.path}: {exc}") from exc

    @contextmanager
    def _write_tx(self) -> Iterator[Cursor]:
        cur = self._conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot start a write ({exc})") from exc
        try:
            yield Cursor(cur, "qmark")
        except BaseException:
            self._conn.rollback()
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def _read_tx(self) -> Iterator[Cursor]:
        cur = self._conn.cursor()
        nested = self._conn.in_transaction
        if not nested:
            cur.execute("BEGIN")
        try:
            yield Cursor(cur, "qmark")
        finally:
            if not nested:
                cur.execute("COMMIT")
            cur.close()

    def integrity(self) -> str:
        """SQLite's own PRAGMA integrity_check ('ok' when the file is sound)."""
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        try:
            self._conn.execute("PRAGMA optimize")  # keeps the planner's statistics current
        except sqlite3.DatabaseError as exc:
            log.debug("PRAGMA optimize failed on %s: %s", self.path, exc)
        self._conn.close()
