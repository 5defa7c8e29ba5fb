"""The SQLite store: one file, WAL, FTS5, numbered migrations. One connection writes."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.model import Analysis, Article, Claim, IngestError, PublishedDate
from storyline.store.base import ArticleQuery, StoredError
from storyline.store.browse import BrowseQueries

_ARTICLE_COLUMNS = (
    "id, title, text, lang, lang_confidence, published, published_precision, timezone_known, published_ambiguous,"
    " source, url, sitename, authors, comments, truncated, origin, extractor, canonical_url"
)
# Dated articles first by date; undated ones after them in the order they arrived.
_ORDER = "ORDER BY published_sort IS NULL, published_sort, ingested_seq"
# Where each stage's work is found above its mark (see migration 0008): the rows, their sequence, what is still
# to do with one. Articles by ingestion for analysis, claims and stories; stories by update for timelines.
_PENDING = {
    "analysis": ("articles", "ingested_seq", "id NOT IN (SELECT article_id FROM article_analysis)"),
    "stories": ("articles", "ingested_seq", "id NOT IN (SELECT article_id FROM story_members)"),
    "claims": (
        "articles",
        "ingested_seq",
        "NOT EXISTS (SELECT 1 FROM claims_done c WHERE c.article_id = articles.id AND c.extractor = ?)",
    ),
    "timelines": (
        "stories s LEFT JOIN story_timelines t ON t.story_id = s.id",
        "s.updated_seq",
        "(t.story_id IS NULL OR t.built_seq < s.updated_seq)",
    ),
}


APPLICATION_ID = 1398033486  # PRAGMA application_id of storyline stores (see migrations/0001)
BUSY_TIMEOUT_S = 300.0  # how long a writer waits for another process's write to end (ingests commit in groups)


class StoreError(RuntimeError):
    """The database cannot be opened or is not a storyline store."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sort_key(published: PublishedDate | None) -> str | None:
    """A sortable timestamp: UTC when the zone is known, the stated local time otherwise."""
    if published is None:
        return None
    value = published.value
    if published.timezone_known and value.utcoffset() is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M")


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("storyline.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = re.match(r"(\d+)_.*\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _fts_query(query: str) -> str:
    """Words as quoted FTS5 strings (implicit AND), so punctuation in a query is never syntax."""
    words = re.findall(r"\w[\w'’-]*", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


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


def _prefix_end(prefix: str) -> str:
    """The first string after every string that starts with `prefix`, for an index range."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class SQLiteStore(BrowseQueries):
    """Store backed by one SQLite file (WAL mode; readers do not block the writer)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
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
        if not any(number > version for number, _script in _migrations()):
            return
        # All pending migrations in one transaction, user_version with them: a kill leaves the old schema or the
        # new one, never half of it. The version is read again under the write lock: a second run opening a new
        # store at the same moment waits, then finds it migrated.
        self._begin_immediate()
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            pending = [(number, script) for number, script in _migrations() if number > version]
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

    def add_article(self, article: Article, origin_key: str) -> bool:
        now = _now()
        p = article.published
        with self.transaction():
            exists = self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone()
            if exists:
                # Another copy of a known article: it may know what the first copy did not.
                self._db.execute(
                    """UPDATE articles SET
                         title = COALESCE(title, ?), url = COALESCE(url, ?), source = COALESCE(source, ?),
                         canonical_url = COALESCE(canonical_url, ?),
                         sitename = COALESCE(sitename, ?),
                         published_precision = CASE WHEN published IS NULL THEN ? ELSE published_precision END,
                         timezone_known = CASE WHEN published IS NULL THEN ? ELSE timezone_known END,
                         published_ambiguous = CASE WHEN published IS NULL THEN ? ELSE published_ambiguous END,
                         published_sort = CASE WHEN published IS NULL THEN ? ELSE published_sort END,
                         published = COALESCE(published, ?)
                       WHERE id = ?""",
                    (
                        article.title,
                        article.url,
                        article.source,
                        article.canonical_url,
                        article.sitename,
                        p.precision.value if p else None,
                        int(p.timezone_known) if p else 0,
                        int(p.ambiguous) if p else 0,
                        _sort_key(p),
                        p.isoformat() if p else None,
                        article.id,
                    ),
                )
            else:
                seq = self._db.execute("SELECT COALESCE(MAX(ingested_seq), 0) + 1 FROM articles").fetchone()[0]
                self._db.execute(
                    f"INSERT INTO articles ({_ARTICLE_COLUMNS}, published_sort, ingested_seq, ingested_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        article.title,
                        article.text,
                        article.lang,
                        article.lang_confidence,
                        p.isoformat() if p else None,
                        p.precision.value if p else None,
                        int(p.timezone_known) if p else 0,
                        int(p.ambiguous) if p else 0,
                        article.source,
                        article.url,
                        article.sitename,
                        json.dumps(article.authors, ensure_ascii=False),
                        json.dumps(article.comments, ensure_ascii=False),
                        int(article.truncated),
                        article.origin,
                        article.extractor,
                        article.canonical_url,
                        _sort_key(p),
                        seq,
                        now,
                    ),
                )
            self._db.execute(
                "INSERT OR IGNORE INTO article_sources (article_id, origin_key, url, source, origin, first_seen)"
                " VALUES (?,?,?,?,?,?)",
                (article.id, origin_key, article.url, article.source, article.origin, now),
            )
        return not exists

    def record_error(self, error: IngestError) -> None:
        now = _now()
        with self.transaction():
            self._db.execute(
                """INSERT INTO errors (origin, locator, stage, severity, reason, first_seen, last_seen)
                   VALUES (?,?,?,?,?,?,?)
                   ON CONFLICT (origin, locator, stage)
                   DO UPDATE SET severity = excluded.severity, reason = excluded.reason, last_seen = excluded.last_seen""",
                (error.origin, error.locator or "", error.stage, error.severity, error.reason, now, now),
            )

    def clear_errors(self, origin: str, locator: str | None = None) -> None:
        with self.transaction():
            self._db.execute(
                "DELETE FROM errors WHERE origin = ? AND locator = ? AND severity = 'error'", (origin, locator or "")
            )

    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        published = None
        if row["published"]:
            published = PublishedDate.fromisoformat(
                row["published"],
                row["published_precision"],
                bool(row["timezone_known"]),
                bool(row["published_ambiguous"]),
            )
        return Article(
            id=row["id"],
            title=row["title"],
            text=row["text"],
            lang=row["lang"],
            lang_confidence=row["lang_confidence"],
            published=published,
            source=row["source"],
            url=row["url"],
            canonical_url=row["canonical_url"],
            sitename=row["sitename"],
            authors=json.loads(row["authors"]),
            comments=json.loads(row["comments"]),
            truncated=bool(row["truncated"]),
            origin=row["origin"],
            extractor=row["extractor"],
        )

    def article(self, article_id: str) -> Article | None:
        row = self._by_id_or_prefix("articles", _ARTICLE_COLUMNS, article_id)
        return self._article(row) if row else None

    def article_by_url(self, url: str) -> Article | None:
        """The article ingested from this address, or whose page names it as canonical (either copy's)."""
        row = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN (SELECT id FROM articles WHERE url = ?"
            " UNION SELECT id FROM articles WHERE canonical_url = ? UNION SELECT article_id FROM article_sources"
            " WHERE url = ?) ORDER BY ingested_seq LIMIT 1",
            (url, url, url),
        ).fetchone()
        return self._article(row) if row else None

    def articles_by_id(self, article_ids: list[str]) -> dict[str, Article]:
        """These articles (exact ids; missing ones left out), a few queries for any number."""
        found = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((r["id"], self._article(r)) for r in rows)
        return found

    def _by_id_or_prefix(self, table: str, columns: str, ident: str) -> sqlite3.Row | None:
        """The row with this id, else the only one whose id starts with it (an index range, not a scan).

        Ids are lower case (hex digits, 'st_' for stories): what a user types is compared in lower case."""
        ident = ident.strip().lower()
        row = self._db.execute(f"SELECT {columns} FROM {table} WHERE id = ?", (ident,)).fetchone()
        if row is not None or not ident:
            return row
        rows = self._db.execute(
            f"SELECT {columns} FROM {table} WHERE id >= ? AND id < ? LIMIT 2", (ident, _prefix_end(ident))
        ).fetchall()
        return rows[0] if len(rows) == 1 else None

    def ids_starting_with(self, kind: str, prefix: str, limit: int = 10) -> list[str]:
        table = {"article": "articles", "story": "stories"}[kind]
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        rows = self._db.execute(
            f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", (prefix, _prefix_end(prefix), limit)
        )
        return [r[0] for r in rows]

    def articles(self, query: ArticleQuery | None = None) -> Iterator[Article]:
        query = query or ArticleQuery()
        where, params = [], []
        if query.lang:
            where.append("lang = ?")
            params.append(query.lang)
        if query.source:
            where.append("(source = ? OR id IN (SELECT article_id FROM article_sources WHERE source = ?))")
            params += [query.source.removeprefix("www."), query.source.removeprefix("www.")]
        if query.since:
            where.append("published_sort >= ?")
            params.append(query.since)
        if query.until:
            # An end date includes the whole of that day, month or year.
            where.append("published_sort < ?")
            params.append(query.until + "\uffff")
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" {_ORDER} LIMIT ? OFFSET ?"
        params += [query.limit if query.limit is not None else -1, query.offset]
        for row in self._db.execute(sql, params):
            yield self._article(row)

    def sources(self, article_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT origin_key, url, source, origin, first_seen FROM article_sources WHERE article_id = ?"
            " ORDER BY first_seen, rowid",
            (article_id,),
        )
        return [dict(r) for r in rows]

    def search(self, query: str, limit: int = 20) -> list[tuple[Article, str]]:
        if re.fullmatch(r"https?://\S+", query.strip()):  # an address: the article read from it, or naming it canonical
            found = self.article_by_url(query.strip())
            return [(found, query.strip())] if found else []
        match = _fts_query(query)
        if not match:
            return []
        rows = self._db.execute(
            f"""SELECT {", ".join("a." + c.strip() for c in _ARTICLE_COLUMNS.split(","))},
                       snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet
                FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 3.0, 1.0) LIMIT ?""",
            (match, limit),
        ).fetchall()
        return [(self._article(r), r["snippet"]) for r in rows]

    def errors(self) -> list[StoredError]:
        rows = self._db.execute("SELECT * FROM errors ORDER BY first_seen, origin, locator, stage")
        return [
            StoredError(
                IngestError(r["origin"], r["stage"], r["reason"], r["locator"] or None, r["severity"]),
                r["first_seen"],
                r["last_seen"],
            )
            for r in rows
        ]

    # --- analysis and stories ------------------------------------------------------------------
    def add_analysis(self, analysis: Analysis, embedding: bytes, band_keys: list[int]) -> None:
        """Keep what enrichment found; counts each entity once per article for its IDF."""
        with self.transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO article_analysis (article_id, embedder, embedding, minhash, entities) VALUES (?,?,?,?,?)",
                (
                    analysis.article_id,
                    analysis.embedder,
                    embedding,
                    analysis.minhash.astype("<u4").tobytes(),
                    json.dumps([[e.key, e.label, e.type, e.count] for e in analysis.entities], ensure_ascii=False),
                ),
            )
            if cursor.rowcount == 0:
                return  # analysed before: a re-run
            self._db.executemany(
                "INSERT OR IGNORE INTO minhash_bands (band_key, article_id) VALUES (?, ?)",
                [(key, analysis.article_id) for key in band_keys],
            )
            self._db.executemany(
                """INSERT INTO entity_stats (key, label, type, articles) VALUES (?,?,?,1)
                   ON CONFLICT (key) DO UPDATE SET articles = articles + 1""",
                [(e.key, e.label, e.type) for e in analysis.entities],
            )

    def unanalysed_articles(self) -> list[Article]:
        rows = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE ingested_seq > ? AND {_PENDING['analysis'][2]}"
            " ORDER BY ingested_seq",
            (self._mark("analysis"),),
        )
        return [self._article(r) for r in rows]

    def unassigned(self) -> Iterator[tuple[Article, dict[str, Any]]]:
        """Analysed articles without a story, in publication order (undated ones in ingestion order)."""
        rows = self._db.execute(
            f"""SELECT {", ".join("a." + c.strip() for c in _ARTICLE_COLUMNS.split(","))},
                       x.embedder, x.embedding, x.minhash, x.entities AS analysis_entities, a.published_sort
                FROM articles a JOIN article_analysis x ON x.article_id = a.id
                WHERE a.ingested_seq > ? AND {_PENDING["stories"][2]}
                ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq""",
            (self._mark("stories"),),
        ).fetchall()
        for row in rows:
            yield self._article(row), self._analysis_fields(row)

    def _mark(self, stage: str) -> int:
        row = self._db.execute("SELECT seq FROM stage_marks WHERE stage = ?", (stage,)).fetchone()
        return row[0] if row else 0

    def advance_mark(self, stage: str) -> None:
        """After a full pass of a stage (analysis, stories, claims:<extractor>, timelines): move its mark to just
        below the oldest row it still has to do, or to the newest row when none."""
        kind, _, extractor = stage.partition(":")
        rows, seq, pending = _PENDING[kind]
        mark = self._mark(stage)
        first = self._db.execute(
            f"SELECT MIN({seq}) FROM {rows} WHERE {seq} > ? AND {pending}", (mark, *([extractor] if extractor else []))
        ).fetchone()[0]
        if first is None:
            first = self._db.execute(f"SELECT COALESCE(MAX({seq}), 0) + 1 FROM {rows}").fetchone()[0]
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO stage_marks (stage, seq) VALUES (?, ?)", (stage, max(mark, first - 1))
            )

    @staticmethod
    def _analysis_fields(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "embedder": row["embedder"],
            "embedding": row["embedding"],
            "minhash": row["minhash"],
            "entities": json.loads(row["analysis_entities"]),
            "published_sort": row["published_sort"],
        }

    def analysed(self, article_ids: list[str]) -> dict[str, tuple[Article, dict[str, Any]]]:
        found = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self._db.execute(
                f"""SELECT {", ".join("a." + c.strip() for c in _ARTICLE_COLUMNS.split(","))},
                           x.embedder, x.embedding, x.minhash, x.entities AS analysis_entities, a.published_sort
                    FROM articles a JOIN article_analysis x ON x.article_id = a.id
                    WHERE a.id IN ({",".join("?" * len(chunk))})""",
                chunk,
            )
            for row in rows:
                found[row["id"]] = (self._article(row), self._analysis_fields(row))
        return found

    def near_duplicate_candidates(
        self, band_keys: list[int], exclude: str, in_stories: Container[str]
    ) -> list[tuple[str, bytes, str]]:
        """Assigned articles of these stories sharing a MinHash band: (article id, signature, story id).

        Signatures are read only for the articles of `in_stories` (the active ones): the band index finds copies
        from the whole history, and most of them belong to stories long closed.
        """
        sharing = self._db.execute(
            f"""SELECT DISTINCT b.article_id, m.story_id FROM minhash_bands b
                JOIN story_members m ON m.article_id = b.article_id
                WHERE b.band_key IN ({",".join("?" * len(band_keys))}) AND b.article_id != ?""",
            [*band_keys, exclude],
        ).fetchall()
        story_of = {article_id: story_id for article_id, story_id in sharing if story_id in in_stories}
        if not story_of:
            return []
        rows = self._db.execute(
            f"SELECT article_id, minhash FROM article_analysis WHERE article_id IN ({','.join('?' * len(story_of))})"
            " ORDER BY article_id",
            list(story_of),
        )
        return [(r[0], r[1], story_of[r[0]]) for r in rows]

    def second_vectors(self, article_ids: list[str], encoder: str) -> dict[str, bytes]:
        """The kept second-opinion vectors of these articles (packed float16), by article id."""
        found: dict[str, bytes] = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT article_id, vector FROM second_vectors WHERE encoder = ? AND article_id IN ({','.join('?' * len(chunk))})",
                [encoder, *chunk],
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def add_second_vector(self, article_id: str, encoder: str, vector: bytes) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO second_vectors (article_id, encoder, vector) VALUES (?, ?, ?)",
            (article_id, encoder, vector),
        )

    def entity_frequencies(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, articles FROM entity_stats WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def entity_labels(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, label, type FROM entity_stats WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update({r[0]: (r[1], r[2]) for r in rows})
        return found

    def count_analysed(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM article_analysis").fetchone()[0])

    def save_story(self, row: dict[str, Any]) -> None:
        columns = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        # An upsert, not INSERT OR REPLACE: a replace re-runs the insert trigger over every facet (0006).
        with self.transaction():
            self._db.execute(
                f"INSERT INTO stories ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                f" ON CONFLICT (id) DO UPDATE SET {updates}",
                [row[c] for c in columns],
            )

    def add_member(self, article_id: str, story_id: str, similarity: float, duplicate_of: str | None, seq: int) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO story_members (article_id, story_id, similarity, duplicate_of, assigned_seq)"
                " VALUES (?,?,?,?,?)",
                (article_id, story_id, similarity, duplicate_of, seq),
            )

    def merge_stories(self, keep: str, gone: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (keep, gone))
            self._db.execute("DELETE FROM stories WHERE id = ?", (gone,))
            self._db.execute("DELETE FROM story_timelines WHERE story_id = ?", (gone,))

    def clear_stories(self) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM story_members")
            self._db.execute("DELETE FROM stories")
            self._db.execute("DELETE FROM story_timelines")
            self._db.execute("DELETE FROM stage_marks WHERE stage IN ('stories', 'timelines')")  # sequences restart

    def story_rows(self, active_since: str | None = None) -> list[dict[str, Any]]:
        """Stored stories (the raw rows clustering reloads), optionally only those active since a date."""
        sql = "SELECT * FROM stories"
        params: list[Any] = []
        if active_since is not None:
            sql += " WHERE last_seen IS NULL OR last_seen >= ?"
            params.append(active_since)
        return [dict(r) for r in self._db.execute(sql + " ORDER BY created_seq", params)]

    def latest_story_seen(self) -> str | None:
        """The newest `last_seen` of any story (from its index), None when no story is dated."""
        return self._db.execute("SELECT MAX(last_seen) FROM stories").fetchone()[0]

    def story_row(self, story_id: str) -> dict[str, Any] | None:
        row = self._by_id_or_prefix("stories", "*", story_id)
        return dict(row) if row else None

    def story_ids_of(self, article_ids: list[str]) -> dict[str, str]:
        """The story of each of these articles (those in none left out), a few queries for any number."""
        found: dict[str, str] = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((r[0], r[1]) for r in rows)
        return found

    def story_members(self, story_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            """SELECT m.article_id, m.similarity, m.duplicate_of, m.assigned_seq FROM story_members m
               JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?
               ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq""",
            (story_id,),
        )
        return [dict(r) for r in rows]

    def stories(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stories with their article ids, ranked by recent growth and spread as the web lists them.

        rank = (articles published in the last week before the newest article + 1)
               x (1 + ln languages) x (1 + ln sources); ties by size, then the latest activity.
        The order comes from the browse tables (`browse_stories`, sort "growth"): only the listed stories are read.
        """
        growth = self._growth()
        keys = growth.keys[:limit] if limit else growth.keys
        rows: dict[str, sqlite3.Row] = {}
        for start in range(0, len(keys), 500):
            chunk = [k[-1] for k in keys[start : start + 500]]
            rows.update(
                (r["id"], r)
                for r in self._db.execute(
                    f"""SELECT s.*, (SELECT json_group_array(m.article_id) FROM story_members m WHERE m.story_id = s.id)
                       AS article_ids FROM stories s WHERE s.id IN ({",".join("?" * len(chunk))})""",
                    chunk,
                )
            )
        ranked = []
        for rank, _, _, story_id in keys:
            data = self._story_dict(rows[story_id])
            data["recent"] = growth.recent.get(story_id, 0)
            data["rank"] = round(rank, 4)
            ranked.append(data)
        return ranked

    def _story_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        entities = json.loads(row["entities"])
        top = sorted(entities.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        labels = self.entity_labels([k for k, _ in top])
        ids = (
            json.loads(row["article_ids"])
            if "article_ids" in row.keys()  # noqa: SIM118 (sqlite3.Row iterates values)
            else [m["article_id"] for m in self.story_members(row["id"])]
        )
        return {
            "id": row["id"],
            "label": row["label"],
            "labels": json.loads(row["labels"]),
            "article_ids": sorted(ids),
            "size": row["members"],
            "languages": sorted(json.loads(row["languages"])),
            "sources": sorted(json.loads(row["sources"])),
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "entities": [
                {
                    "key": k,
                    "label": labels.get(k, (k, ""))[0],
                    "type": labels.get(k, ("", "MISC"))[1],
                    "mentions": int(v),
                }
                for k, v in top
            ],
        }

    def story(self, story_id: str) -> dict[str, Any] | None:
        """One story with its members (by date), their similarity and duplicate links."""
        row = self._by_id_or_prefix("stories", "*", story_id)
        if row is None:
            return None
        data = self._story_dict(row)
        members = self.story_members(row["id"])
        articles = self.articles_by_id([m["article_id"] for m in members])
        data["articles"] = [
            {**articles[m["article_id"]].to_dict(), "similarity": m["similarity"], "duplicate_of": m["duplicate_of"]}
            for m in members
            if m["article_id"] in articles
        ]
        data["article_ids"] = [a["id"] for a in data["articles"]]
        data["timeline"] = self.timeline(row["id"])
        return data

    # --- claims and timelines -------------------------------------------------------------------
    def add_claims(self, article_id: str, extractor: str, claims: list[Claim]) -> None:
        """Replace the article's claims (a re-run with another extractor rewrites them)."""
        with self.transaction():
            self._db.execute("DELETE FROM claims WHERE article_id = ?", (article_id,))
            self._db.executemany(
                "INSERT INTO claims (article_id, position, type, status, participants, event_date, date_precision,"
                " attribution, evidence, span_start, span_end, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        article_id,
                        i,
                        c.type,
                        c.status,
                        json.dumps(c.to_dict()["participants"], ensure_ascii=False),
                        c.date,
                        c.date_precision,
                        c.attribution,
                        c.evidence,
                        c.start,
                        c.end,
                        c.confidence,
                    )
                    for i, c in enumerate(claims)
                ],
            )
            self._db.execute(
                "INSERT OR REPLACE INTO claims_done (article_id, extractor) VALUES (?, ?)", (article_id, extractor)
            )
            self._db.execute(
                "UPDATE story_timelines SET built_seq = -1 WHERE story_id IN"
                " (SELECT story_id FROM story_members WHERE article_id = ?)",
                (article_id,),
            )
            # The story may lie below the timelines' mark: lower it so the next pass finds the stale timeline.
            self._db.execute(
                "UPDATE stage_marks SET seq = MIN(seq, (SELECT MIN(s.updated_seq) - 1 FROM stories s"
                " JOIN story_members m ON m.story_id = s.id WHERE m.article_id = ?)) WHERE stage = 'timelines'"
                " AND EXISTS (SELECT 1 FROM story_members WHERE article_id = ?)",
                (article_id, article_id),
            )

    def articles_without_claims(self, extractor: str) -> list[Article]:
        """Articles whose claims this extractor has not read yet, in publication order."""
        rows = self._db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE ingested_seq > ? AND {_PENDING['claims'][2]} {_ORDER}",
            (self._mark(f"claims:{extractor}"), extractor),
        )
        return [self._article(r) for r in rows]

    def claims(self, article_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The claims of each article (as `Claim.to_dict()`), in the article's order."""
        found: dict[str, list[dict[str, Any]]] = {aid: [] for aid in article_ids}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self._db.execute(
                f"SELECT * FROM claims WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, position",
                chunk,
            )
            for r in rows:
                found[r["article_id"]].append(
                    {
                        "type": r["type"],
                        "status": r["status"],
                        "participants": json.loads(r["participants"]),
                        "date": r["event_date"],
                        "date_precision": r["date_precision"],
                        "attribution": r["attribution"],
                        "evidence": r["evidence"],
                        "start": r["span_start"],
                        "end": r["span_end"],
                        "confidence": r["confidence"],
                    }
                )
        return found

    def save_timeline(self, story_id: str, timeline: list[dict[str, Any]], built_seq: int | None = None) -> None:
        """Store the story's timeline, built from the story as of `built_seq` (default: as it is now)."""
        with self.transaction():
            if built_seq is None:
                row = self._db.execute("SELECT updated_seq FROM stories WHERE id = ?", (story_id,)).fetchone()
                built_seq = row[0] if row else 0
            self._db.execute(
                "INSERT OR REPLACE INTO story_timelines (story_id, timeline, built_seq) VALUES (?, ?, ?)",
                (story_id, json.dumps(timeline, ensure_ascii=False), built_seq),
            )

    def stale_timelines(self) -> list[str]:
        """Stories whose timeline is missing or older than their members and claims."""
        rows = self._db.execute(
            "SELECT s.id FROM stories s LEFT JOIN story_timelines t ON t.story_id = s.id"
            " WHERE s.updated_seq > ? AND (t.story_id IS NULL OR t.built_seq < s.updated_seq)",
            (self._mark("timelines"),),
        )
        return sorted(r[0] for r in rows)  # sorted here: ORDER BY s.id would walk every story by id

    def timeline(self, story_id: str) -> list[dict[str, Any]]:
        """The story's timeline entries (see stories/timeline.py), oldest event first."""
        row = self._db.execute("SELECT timeline FROM story_timelines WHERE story_id = ?", (story_id,)).fetchone()
        return json.loads(row[0]) if row else []

    def max_assigned_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(assigned_seq), 0) FROM story_members").fetchone()[0])

    def count_articles(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def close(self) -> None:
        self._db.close()
