"""How the web app reaches the store: one read-only connection per worker thread, one writer behind a lock.

Readers run beside the writer (SQLite in WAL mode; PostgreSQL's snapshots); a connection must not be
shared by two threads at once, so each request thread gets its own (as datasette does).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from fastapi import HTTPException, Request

from storyline.store import Store, open_store

_ISO_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class StoreAccess:
    """Readers per thread (read-only), and the single writer the ingest endpoint uses."""

    def __init__(self, path: str) -> None:
        self.path = path
        open_store(path).close()  # create or migrate it now, and fail early when it is not a store
        self._local = threading.local()
        self._generation = 0  # bumped by close(): threads then open fresh connections
        self._readers: list[Store] = []
        self._lock = threading.Lock()
        self._writer: Store | None = None
        self._write_lock = threading.Lock()

    def reader(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None or self._local.generation != self._generation:
            store = open_store(self.path, read_only=True)
            self._local.store, self._local.generation = store, self._generation
            with self._lock:
                self._readers.append(store)
        return store

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """The one writing connection; writers wait for each other here."""
        with self._write_lock:
            if self._writer is None:
                self._writer = open_store(self.path)
            yield self._writer

    def close(self) -> None:
        with self._lock:
            self._generation += 1
            for store in self._readers:
                store.close()
            self._readers.clear()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


def read_store(request: Request) -> Store:
    """This thread's read-only store. Call it inside the endpoint, which runs on the thread that uses it."""
    access: StoreAccess = request.app.state.access
    return access.reader()


def date_prefix(value: str | None, name: str) -> str | None:
    """A date filter as an ISO prefix ('2025', '2025-10', '2025-10-03'), or a 400 that says what is wrong."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not _ISO_PREFIX.fullmatch(value):
        raise HTTPException(400, f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value[:40]!r}")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise HTTPException(400, f"{name} is not a real date: {value}") from exc
    return value
