"""Persistence: the store contract (`base.py`) and its backends, SQLite (default) and PostgreSQL.

Nothing outside this package knows which backend it has: `open_store` picks it from the address.
"""

from __future__ import annotations

import os

from storyline.errors import ConfigurationError, StoreError
from storyline.store.base import (
    AnalysisStore,
    ArticleFilter,
    ArticleStore,
    BrowseStore,
    ClaimStore,
    Page,
    Store,
    StoryFilter,
    StoryStore,
)

__all__ = [
    "AnalysisStore",
    "ArticleFilter",
    "ArticleStore",
    "BrowseStore",
    "ClaimStore",
    "Page",
    "Store",
    "StoreError",
    "StoryFilter",
    "StoryStore",
    "is_server_address",
    "open_store",
]


def is_server_address(url: str | os.PathLike[str]) -> bool:
    return os.fspath(url).startswith(("postgresql://", "postgres://"))


def open_store(url: str | os.PathLike[str], read_only: bool = False) -> Store:
    """Open the store at `url`: an SQLite file path (created and migrated when new), ':memory:', or a
    `postgresql://user:password@host:port/database` URL (the database must exist; its tables are created).

    `read_only`: the connection refuses writes (the web views' readers).
    """
    url = os.fspath(url)
    if is_server_address(url):
        try:
            from storyline.store.postgres import PostgresStore
        except ImportError as exc:  # psycopg is a dependency; a broken install says so
            raise ConfigurationError(f"PostgreSQL support is not installed: {exc}") from exc
        return PostgresStore(url, read_only)
    if "://" in url:
        raise ConfigurationError(f"unknown store address {url!r}: give an SQLite file path or a postgresql:// URL")
    from storyline.store.sqlite import SQLiteStore

    return SQLiteStore(url, read_only)
