"""Persistence: the Store protocol and its backends (SQLite by default)."""

from storyline.store.base import ArticleQuery, Store, StoredError
from storyline.store.sqlite import SQLiteStore

__all__ = ["ArticleQuery", "SQLiteStore", "Store", "StoredError", "open_store"]


def open_store(path: str) -> Store:
    """Open the store at `path` (an SQLite file; created and migrated when new)."""
    return SQLiteStore(path)
