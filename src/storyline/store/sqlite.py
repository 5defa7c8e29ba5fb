"""The SQLite backend: one file, WAL, FTS5, numbered migrations. Writers take turns; readers never wait.

Each write transaction takes the database's write lock at its start (BEGIN IMMEDIATE), so a store written by
several processes at once (two ingests, the web app's upload beside a CLI run) serialises their groups of
writes; a writer waits up to BUSY_TIMEOUT_S for another's group to end.
"""

from __future__ import annotations

import fcntl
import glob
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storyline.errors import StoreError
from storyline.store.base import HIT_END, HIT_START, query_words
from storyline.store.browse import FullText
from storyline.store.migrations import migrations
from storyline.store.sql import SQLStore

APPLICATION_ID = 1398033486  # PRAGMA application_id of storyline stores (see migrations/0001)
BUSY_TIMEOUT_S = 300.0  # how long a writer waits for another process's write to end (ingests commit in groups)


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration script, one by one (triggers' BEGIN ... END kept whole)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending
            pending = ""
    if any(line.strip() and not line.strip().startswith("--") for line in pending.splitlines()):
        yield pending


def match_expression(query: str) -> str:
    """The query's words as quoted FTS5 strings (implicit AND), so punctuation in a query is never syntax."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in query_words(query))


class SQLiteStore(SQLStore):
    """Store backed by one SQLite file (WAL mode; readers do not block the writer)."""

    _source_order = "rowid"
    _driving_join = "CROSS JOIN"  # SQLite's planner then reads the date range first, not every member

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = self.url = str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._open()
                break
            except sqlite3.OperationalError as exc:
                # SQLite answers "locked" at once, without waiting, in a few cases (another process switching the
                # file to WAL or recovering it): open again shortly, as the busy timeout would have waited.
                if getattr(self, "_db", None) is not None:
                    self._db.close()
                if ("locked" in str(exc) or "busy" in str(exc)) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise StoreError(f"cannot open {self.path} as a storyline database: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open {self.path} as a storyline database: {exc}") from exc
        self._depth = 0
        if read_only:
            self._db.execute("PRAGMA query_only = ON")  # the views' connections only read

    def _open(self) -> None:
        # The busy timeout first: switching to WAL and migrating wait for a concurrent writer too.
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages (default 2): big stores' indexes stay hot
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        application = self._db.execute("PRAGMA application_id").fetchone()[0]
        tables = [r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if application != APPLICATION_ID and (version or tables):
            raise StoreError(
                f"{self.path} is an SQLite database of another program (tables: {', '.join(tables[:5]) or 'none'}); "
                "give storyline a new file or one it created"
            )
        if not any(number > version for number, _script in migrations("sqlite")):
            return
        # All pending migrations in one transaction, user_version with them: a kill leaves the old schema or the
        # new one, never half of it. The version is read again under the write lock: a second run opening a new
        # store at the same moment waits, then finds it migrated.
        self._begin_immediate()
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            pending = [(number, script) for number, script in migrations("sqlite") if number > version]
            for _number, script in pending:
                for statement in _statements(script):
                    self._db.execute(statement)
            if pending:
                self._db.execute(f"PRAGMA user_version = {pending[-1][0]}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting up to BUSY_TIMEOUT_S for another writer to let go of it."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreError(
                f"{self.path} is busy: another process has been writing to it for over"
                f" {BUSY_TIMEOUT_S:g} seconds; run again when it is done"
            ) from exc

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin_immediate()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth = 0

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)

    def _data_version(self) -> Any:
        # data_version moves with other connections' commits; total_changes with this one's.
        return self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes

    def _index_text(self, article_id: str, known: bool) -> None:
        pass  # FTS5 follows the articles table through its triggers (migration 0001)

    def _fts(self, query: str) -> FullText | None:
        match = match_expression(query)
        if not match:
            return None
        return FullText(
            source="articles_fts f JOIN articles a ON a.rowid = f.rowid",
            condition="articles_fts MATCH ?",
            params=[match],
            score="bm25(articles_fts, 3.0, 1.0)",
            rid="f.rowid",
            snippet=f"snippet(articles_fts, -1, '{HIT_START}', '{HIT_END}', '…', 24)",
        )

    @contextmanager
    def exclusive(self, stage: str) -> Iterator[None]:
        if self.path == ":memory:":  # one connection, one process: nobody else can enter
            yield
            return
        # An advisory lock on a file beside the store, released by the system if the process dies. flock locks
        # belong to the open file, so two store objects of one process exclude each other too.
        with open(f"{self.path}.{stage}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def own_files(self) -> set[str]:
        if self.path == ":memory:":
            return set()
        files = {self.path + suffix for suffix in ("", "-wal", "-shm", "-journal")}
        return {os.path.realpath(f) for f in files | set(glob.glob(glob.escape(self.path) + ".*.lock"))}

    def close(self) -> None:
        self._db.close()
