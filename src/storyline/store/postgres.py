"""The PostgreSQL backend (psycopg 3): a shared store for a team, the same contract as SQLite.

Connections come from a pool per server URL. Writes take turns as SQLite's do: each write transaction
first takes one advisory lock, so ingest sequences are handed out and committed in order and several
ingesting processes lose and duplicate nothing (ids are content hashes; a second copy is a no-op).
Full-text search runs in the server: a tsvector per article of its accent-folded title (weight A) and text
(weight B), plus the stems of its language's text-search configuration; a query matches the folded words,
or their stems in any configured language. The in-process ANN index is rebuilt from the store, as with SQLite.
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from storyline.errors import StoreError
from storyline.store.base import HIT_END, HIT_START, query_words
from storyline.store.browse import FullText
from storyline.store.migrations import migrations
from storyline.store.sql import SQLStore

WRITE_LOCK = 0x53534C4E  # pg_advisory_xact_lock key of storyline writes ('SSLN')
POOL_SIZE = 32
# ISO 639-1 codes and PostgreSQL's text-search configurations (those the server has are used).
_CONFIGURATIONS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
_pools: dict[str, tuple[Any, int]] = {}  # URL -> (pool, stores open on it)
_pools_lock = threading.Lock()


def fold(text: str) -> str:
    """Lower case without accents, as SQLite's FTS5 tokenizer (remove_diacritics 2) compares words.

    >>> fold("Über Kooperation")
    'uber kooperation'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class _Row:
    """A result row that indexes by position and by column name, as sqlite3.Row does."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values, self._index = values, index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: Any) -> Any:
    index = {column.name: i for i, column in enumerate(cursor.description or [])}
    return lambda values: _Row(values, index)


def _pool(url: str) -> Any:
    """The pool of this server URL, shared by the stores open on it (closed with the last of them)."""
    from psycopg_pool import ConnectionPool

    def configure(connection: Any) -> None:
        connection.autocommit = True
        connection.row_factory = _row_factory

    with _pools_lock:
        pool, users = _pools.get(url, (None, 0))
        if pool is None:
            pool = ConnectionPool(
                url, min_size=1, max_size=POOL_SIZE, configure=configure, reset=lambda c: c.execute("RESET ALL"),
                open=False,
            )  # fmt: skip
            try:
                pool.open(wait=True, timeout=30)
            except Exception as exc:
                pool.close()
                raise StoreError(f"cannot connect to {_redacted(url)}: {exc}") from exc
        _pools[url] = (pool, users + 1)
        return pool


def _release(url: str) -> None:
    with _pools_lock:
        pool, users = _pools.pop(url)
        if users > 1:
            _pools[url] = (pool, users - 1)
        else:
            pool.close()


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, _, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        return f"{scheme}://{credentials.split(':')[0]}:***@{host}" if ":" in credentials else url
    return url


class PostgresStore(SQLStore):
    """Store on a PostgreSQL server (`postgresql://user:password@host:port/database`)."""

    _source_order = "seq"

    def __init__(self, url: str, read_only: bool = False) -> None:
        import psycopg

        self.url = url
        self._pool = _pool(url)
        try:
            self._conn = self._pool.getconn(timeout=60)
        except Exception as exc:
            _release(url)
            raise StoreError(f"no connection to {_redacted(url)} free within 60 s: {exc}") from exc
        self._depth = 0
        self._sql: dict[str, str] = {}
        try:
            self._migrate()
            if read_only:
                self._conn.execute("SET default_transaction_read_only = on")
            available = {r[0] for r in self._conn.execute("SELECT cfgname FROM pg_ts_config")}
        except psycopg.Error as exc:
            self.close()
            raise StoreError(f"cannot use {_redacted(url)} as a storyline database: {exc}") from exc
        self._configurations = {lang: cfg for lang, cfg in _CONFIGURATIONS.items() if cfg in available}

    def _migrate(self) -> None:
        with self.transaction():
            tables = {
                r[0]
                for r in self._conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                )
            }
            if "storyline_schema" not in tables:
                if "articles" in tables:
                    raise StoreError(
                        f"{_redacted(self.url)} holds an 'articles' table that storyline did not create; "
                        "give storyline a database (or schema) of its own"
                    )
                self._conn.execute("CREATE TABLE storyline_schema (version INTEGER NOT NULL)")
                self._conn.execute("INSERT INTO storyline_schema VALUES (0)")
            version = self._conn.execute("SELECT version FROM storyline_schema").fetchone()[0]
            pending = [(number, script) for number, script in migrations("postgres") if number > version]
            for _number, script in pending:
                self._conn.execute(script)
            if pending:
                self._conn.execute("UPDATE storyline_schema SET version = %s", (pending[-1][0],))

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("SELECT version FROM storyline_schema").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN")
        self._depth = 1
        try:
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def _convert(self, sql: str) -> str:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return converted

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(self._convert(sql), list(params))

    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._conn.cursor() as cursor:
                cursor.executemany(self._convert(sql), [list(r) for r in rows])

    def _data_version(self) -> Any:
        # Moves with every write on the server (any database), as soon as it is written (the flushed LSN lags
        # behind with synchronous_commit off): a cached order is then recomputed, never stale.
        return self._conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]

    def _index_text(self, article_id: str, known: bool) -> None:
        row = self._execute("SELECT title, text, lang FROM articles WHERE id = ?", (article_id,)).fetchone()
        title, text, lang = fold(row[0] or ""), fold(row[1]), row[2]
        configuration = self._configurations.get(lang or "")
        stems = "to_tsvector(?::regconfig, ?)" if configuration else "''::tsvector"
        self._execute(
            "UPDATE articles SET fts = setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?),"
            f" 'B') || {stems} WHERE id = ?",
            [title, text, *([configuration, f"{title} {text}"] if configuration else []), article_id],
        )

    def _fts(self, query: str) -> FullText | None:
        words = [fold(w) for w in query_words(query)]
        if not words:
            return None
        # Every word (AND), each as written or by its stem in any language (the article's language is not the
        # query's). Per word, so a language whose stop words hold it drops only its own alternative. Each form
        # once: the planner reads twenty copies of one word as a query most articles match, and scans them all.
        configurations = ["simple", *sorted(set(self._configurations.values()))]
        count = len(words) * len(configurations)
        row = self._execute(
            "SELECT " + ", ".join(["plainto_tsquery(?::regconfig, ?)::text"] * count),
            [v for word in words for c in configurations for v in (c, word)],
        ).fetchone()
        found = [row[i] for i in range(count)]
        alternatives = []
        for start in range(0, count, len(configurations)):
            forms = list(dict.fromkeys(f for f in found[start : start + len(configurations)] if f))
            if forms:  # a word no configuration keeps (punctuation) asks for nothing
                alternatives.append("(" + " | ".join(f"({form})" for form in forms) + ")")
        if not alternatives:
            return None
        options = f'StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=24, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        return FullText(
            source="articles a CROSS JOIN (SELECT ?::tsquery AS q) tq",
            condition="a.fts @@ tq.q",
            params=[" & ".join(alternatives)],
            score="-ts_rank_cd(a.fts, tq.q)",
            rid="a.ingested_seq",
            snippet=f"ts_headline('simple', COALESCE(a.title, '') || ' ' || a.text, tq.q, '{options}')",
        )

    @contextmanager
    def exclusive(self, stage: str) -> Iterator[None]:
        # A session advisory lock: released with the connection if the process dies.
        key = zlib.crc32(f"storyline:{stage}".encode())
        self._conn.execute("SELECT pg_advisory_lock(%s, %s)", (WRITE_LOCK, key))
        try:
            yield
        finally:
            self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (WRITE_LOCK, key))

    def own_files(self) -> set[str]:
        return set()

    def close(self) -> None:
        conn, self._conn = getattr(self, "_conn", None), None
        if conn is not None:
            self._pool.putconn(conn)
            _release(self.url)
