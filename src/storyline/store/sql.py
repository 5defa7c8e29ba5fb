"""The store over SQL: every role of the contract, written once for SQLite and PostgreSQL.

Statements use `?` placeholders and the SQL both databases speak (upserts with ON CONFLICT, row values,
window-free keyset pages); what differs lives in the backends (`sqlite.py`, `postgres.py`): connecting,
migrations, transactions, full-text search and the change counter. Row encodings (JSON for lists and
maps, little-endian float16/float32/uint32 for vectors) are written and read only here.

Story ranking is computed here, in Python, when a story is saved: `story_browse` and `story_facets` (what
story lists filter, sort and page on) are written beside the story, so a page of stories costs index range
scans, never an aggregation over every story's members.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Container, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from storyline.model import (
    Alert,
    Analysis,
    Article,
    ArticleRevision,
    Claim,
    Delivery,
    EntityCount,
    FeedItem,
    IngestError,
    Participant,
    PublishedDate,
    StoryMember,
    StoryRecord,
    TimelineEntry,
    WatchedFeed,
    Watchlist,
)
from storyline.store.base import ArticleFilter, Page, chunks, decode_cursor, encode_cursor
from storyline.store.browse import BrowseQueries

ARTICLE_COLUMNS = (
    "id, title, text, lang, lang_confidence, published, published_precision, timezone_known, published_ambiguous,"
    " source, url, sitename, authors, comments, truncated, origin, extractor, canonical_url"
)
A_ARTICLE_COLUMNS = ", ".join("a." + c.strip() for c in ARTICLE_COLUMNS.split(","))
# Dated articles first by date; undated ones after them in the order they arrived.
ORDER = "ORDER BY published_sort IS NULL, published_sort, ingested_seq"
_ANALYSIS_COLUMNS = "x.embedder, x.embedding, x.minhash, x.entities AS analysis_entities, x.ner"
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
    "alerts": (
        "story_timelines t",
        "t.version",
        "NOT EXISTS (SELECT 1 FROM story_alert_state x WHERE x.story_id = t.story_id AND x.version >= t.version)",
    ),
}
_FACET_KINDS = {"lang": "languages", "source": "sources", "entity": "entities"}


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_key(published: PublishedDate | None) -> str | None:
    """A sortable timestamp: UTC when the zone is known, the stated local time otherwise."""
    if published is None:
        return None
    value = published.value
    if published.timezone_known and value.utcoffset() is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M")


def prefix_end(prefix: str) -> str:
    """The first string after every string that starts with `prefix`, for an index range."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def story_spread(languages: int, sources: int) -> float:
    """(1 + ln languages) x (1 + ln sources): the rank of a story with no recent growth (see browse.py)."""
    return (1 + math.log(max(languages, 1))) * (1 + math.log(max(sources, 1)))


def _average_gap(count: int, first: str | None, last: str | None) -> float | None:
    """Seconds between `count` items read from `first` to `last` on average (None for fewer than two).

    >>> _average_gap(3, "2025-10-06T10:00:00Z", "2025-10-06T12:00:00Z"), _average_gap(1, "x", "x")
    (3600.0, None)
    """
    if count < 2 or not first or not last:
        return None
    span = datetime.fromisoformat(last.replace("Z", "+00:00")) - datetime.fromisoformat(first.replace("Z", "+00:00"))
    return span.total_seconds() / (count - 1)


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _vector(data: bytes, dtype: str) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=dtype).astype(np.float32)


class SQLStore(BrowseQueries, ABC):
    """The contract over a DB-API connection; a backend supplies the hooks at the end of the class."""

    url: str

    # --- articles ---------------------------------------------------------------------------------
    def add_article(self, article: Article, origin_key: str) -> bool:
        now = now_utc()
        p = article.published
        with self.transaction():
            exists = self._execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone()
            revised = (
                None
                if exists
                else self._execute(
                    "SELECT article_id FROM article_revisions WHERE content_id = ? ORDER BY article_id LIMIT 1",
                    (article.id,),
                ).fetchone()
            )
            if revised:  # a text one article has had (or has now, after a revision): a copy of that article
                self._add_source(revised[0], origin_key, article)
                return False
            if exists:
                # Another copy of a known article: it may know what the first copy did not.
                self._execute(
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
                        sort_key(p),
                        p.isoformat() if p else None,
                        article.id,
                    ),
                )
            else:
                seq = self._execute("SELECT COALESCE(MAX(ingested_seq), 0) + 1 FROM articles").fetchone()[0]
                self._execute(
                    f"INSERT INTO articles ({ARTICLE_COLUMNS}, published_sort, ingested_seq, ingested_at)"
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
                        sort_key(p),
                        seq,
                        now,
                    ),
                )
            self._index_text(article.id, bool(exists))
            self._add_source(article.id, origin_key, article)
        return not exists

    def _add_source(self, article_id: str, origin_key: str, found: Article) -> None:
        self._execute(
            "INSERT INTO article_sources (article_id, origin_key, url, source, origin, first_seen)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (article_id, origin_key, found.url, found.source, found.origin, now_utc()),
        )

    def article_at(self, url: str) -> Article | None:
        row = self._execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = (SELECT article_id FROM article_sources WHERE url = ?"
            " ORDER BY first_seen DESC, article_id LIMIT 1)",
            (url,),
        ).fetchone()
        return self._article(row) if row else None

    def revise_article(
        self, article_id: str, revision: Article, origin_key: str, removed: list[str], added: list[str]
    ) -> bool:
        now = now_utc()
        with self.transaction():
            row = self._execute("SELECT title, text, ingested_at FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                return False
            numbers = self._execute(
                "SELECT MAX(number), (SELECT content_id FROM article_revisions WHERE article_id = ?"
                " ORDER BY number DESC LIMIT 1) FROM article_revisions WHERE article_id = ?",
                (article_id, article_id),
            ).fetchone()
            last, current = numbers[0] or 0, numbers[1] or article_id
            if current == revision.id and (revision.title or row["title"]) == row["title"]:
                self._add_source(article_id, origin_key, revision)
                return False  # the text it has now: read again, nothing changed
            if last == 0:  # the first text becomes revision 1
                self._execute(
                    "INSERT INTO article_revisions (article_id, number, content_id, title, text, recorded_at)"
                    " VALUES (?,?,?,?,?,?)",
                    (article_id, 1, article_id, row["title"], row["text"], row["ingested_at"]),
                )
                last = 1
            self._execute(
                "INSERT INTO article_revisions"
                " (article_id, number, content_id, title, text, recorded_at, removed, added) VALUES (?,?,?,?,?,?,?,?)",
                (
                    article_id,
                    last + 1,
                    revision.id,
                    revision.title or row["title"],
                    revision.text,
                    now,
                    json.dumps(removed, ensure_ascii=False),
                    json.dumps(added, ensure_ascii=False),
                ),
            )
            # The newest text, analysed and read for claims again: it moves above every stage's mark, keeps its
            # story, and the claims it gives replace the old ones in the story's timeline.
            self._execute(
                "UPDATE articles SET title = COALESCE(?, title), text = ?, lang = COALESCE(?, lang),"
                " url = COALESCE(?, url), source = COALESCE(?, source),"
                " ingested_seq = (SELECT MAX(ingested_seq) + 1 FROM articles) WHERE id = ?",
                (revision.title, revision.text, revision.lang, revision.url, revision.source, article_id),
            )
            self._index_text(article_id, True)
            self._forget_analysis(article_id)
            self._add_source(article_id, origin_key, revision)
        return True

    def _forget_analysis(self, article_id: str) -> None:
        """What was read from an article's old text: analysis (its entities uncounted), bands, vectors, claims."""
        row = self._execute("SELECT entities FROM article_analysis WHERE article_id = ?", (article_id,)).fetchone()
        if row is not None:
            self._executemany(
                "UPDATE entity_stats SET articles = articles - 1 WHERE key = ?",
                [(entity[0],) for entity in json.loads(row[0])],
            )
        for table in ("article_analysis", "minhash_bands", "second_vectors", "claims", "claims_done"):
            self._execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))

    def revisions(self, article_ids: list[str]) -> dict[str, list[ArticleRevision]]:
        found: dict[str, list[ArticleRevision]] = {}
        for chunk in chunks(article_ids):
            rows = self._execute(
                "SELECT article_id, number, content_id, title, text, recorded_at, removed, added FROM article_revisions"
                f" WHERE article_id IN ({marks(chunk)}) ORDER BY article_id, number",
                chunk,
            )
            for r in rows:
                found.setdefault(r["article_id"], []).append(
                    ArticleRevision(
                        r["article_id"],
                        r["number"],
                        r["content_id"],
                        r["title"],
                        r["text"],
                        r["recorded_at"],
                        tuple(json.loads(r["removed"])),
                        tuple(json.loads(r["added"])),
                    )
                )
        return found

    def record_error(self, error: IngestError) -> None:
        now = now_utc()
        with self.transaction():
            self._execute(
                """INSERT INTO errors (origin, locator, stage, severity, reason, first_seen, last_seen)
                   VALUES (?,?,?,?,?,?,?)
                   ON CONFLICT (origin, locator, stage) DO UPDATE SET severity = excluded.severity,
                   reason = excluded.reason, last_seen = excluded.last_seen""",
                (error.origin, error.locator or "", error.stage, error.severity, error.reason, now, now),
            )

    def clear_errors(self, origin: str, locator: str | None = None) -> None:
        with self.transaction():
            self._execute(
                "DELETE FROM errors WHERE origin = ? AND locator = ? AND (severity = 'error' OR stage = 'source')",
                (origin, locator or ""),
            )

    @staticmethod
    def _article(row: Any) -> Article:
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
        row = self._by_id_or_prefix("articles", ARTICLE_COLUMNS, article_id)
        return self._article(row) if row else None

    def article_by_url(self, url: str) -> Article | None:
        """The article ingested from this address, or whose page names it as canonical (either copy's)."""
        row = self._execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN (SELECT id FROM articles WHERE url = ?"
            " UNION SELECT id FROM articles WHERE canonical_url = ? UNION SELECT article_id FROM article_sources"
            " WHERE url = ?) ORDER BY ingested_seq LIMIT 1",
            (url, url, url),
        ).fetchone()
        return self._article(row) if row else None

    def articles_by_id(self, article_ids: list[str]) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for chunk in chunks(article_ids):
            rows = self._execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks(chunk)})", chunk)
            found.update((r["id"], self._article(r)) for r in rows)
        return found

    def _by_id_or_prefix(self, table: str, columns: str, ident: str) -> Any:
        """The row with this id, else the only one whose id starts with it (an index range, not a scan).

        Ids are lower case (hex digits, 'st_' for stories): what a user types is compared in lower case."""
        ident = ident.strip().lower()
        row = self._execute(f"SELECT {columns} FROM {table} WHERE id = ?", (ident,)).fetchone()
        if row is not None or not ident:
            return row
        rows = self._execute(
            f"SELECT {columns} FROM {table} WHERE id >= ? AND id < ? LIMIT 2", (ident, prefix_end(ident))
        ).fetchall()
        return rows[0] if len(rows) == 1 else None

    def ids_starting_with(self, kind: str, prefix: str, limit: int = 10) -> list[str]:
        table = {"article": "articles", "story": "stories"}[kind]
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        rows = self._execute(
            f"SELECT id FROM {table} WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix_end(prefix), limit),
        )
        return [r[0] for r in rows]

    def articles(self, filters: ArticleFilter | None = None, limit: int | None = None) -> Iterator[Article]:
        filters = filters or ArticleFilter()
        where, params = article_conditions(filters, "")
        sql = f"SELECT {ARTICLE_COLUMNS} FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" {ORDER}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        for row in self._execute(sql, params).fetchall():
            yield self._article(row)

    def sources(self, article_id: str) -> list[dict[str, Any]]:
        rows = self._execute(
            "SELECT origin_key, url, source, origin, first_seen FROM article_sources WHERE article_id = ?"
            f" ORDER BY first_seen, {self._source_order}",
            (article_id,),
        )
        return [dict(r) for r in rows]

    def count_articles(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # --- analysis ---------------------------------------------------------------------------------
    def add_analysis(self, analysis: Analysis, band_keys: list[int]) -> None:
        """Keep what enrichment found; counts each entity once per article for its IDF."""
        with self.transaction():
            cursor = self._execute(
                "INSERT INTO article_analysis (article_id, embedder, embedding, minhash, entities, ner)"
                " VALUES (?,?,?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                (
                    analysis.article_id,
                    analysis.embedder,
                    np.ascontiguousarray(analysis.embedding, dtype="<f2").tobytes(),
                    np.ascontiguousarray(analysis.minhash, dtype="<u4").tobytes(),
                    json.dumps([[e.key, e.label, e.type, e.count] for e in analysis.entities], ensure_ascii=False),
                    analysis.ner,
                ),
            )
            if cursor.rowcount == 0:
                return  # analysed before: a re-run
            self._executemany(
                "INSERT INTO minhash_bands (band_key, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, analysis.article_id) for key in band_keys],
            )
            self._executemany(
                """INSERT INTO entity_stats (key, label, type, articles) VALUES (?,?,?,1)
                   ON CONFLICT (key) DO UPDATE SET articles = entity_stats.articles + 1""",
                [(e.key, e.label, e.type) for e in analysis.entities],
            )

    @staticmethod
    def _analysis(row: Any) -> Analysis:
        return Analysis(
            article_id=row["id"],
            embedder=row["embedder"],
            embedding=_vector(row["embedding"], "<f2"),
            minhash=np.frombuffer(bytes(row["minhash"]), dtype="<u4"),
            entities=[EntityCount(k, label, kind, n) for k, label, kind, n in json.loads(row["analysis_entities"])],
            ner=row["ner"],
        )

    def unanalysed_articles(self) -> list[Article]:
        rows = self._execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE ingested_seq > ? AND {_PENDING['analysis'][2]}"
            " ORDER BY ingested_seq",
            (self._mark("analysis"),),
        )
        return [self._article(r) for r in rows]

    def analysed(self, article_ids: list[str]) -> dict[str, tuple[Article, Analysis]]:
        found = {}
        for chunk in chunks(article_ids):
            rows = self._execute(
                f"""SELECT {A_ARTICLE_COLUMNS}, {_ANALYSIS_COLUMNS}
                    FROM articles a JOIN article_analysis x ON x.article_id = a.id WHERE a.id IN ({marks(chunk)})""",
                chunk,
            )
            for row in rows:
                found[row["id"]] = (self._article(row), self._analysis(row))
        return found

    def entity_frequencies(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(keys):
            rows = self._execute(f"SELECT key, articles FROM entity_stats WHERE key IN ({marks(chunk)})", chunk)
            found.update({r[0]: r[1] for r in rows})
        return found

    def count_analysed(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM article_analysis").fetchone()[0])

    def second_vectors(self, article_ids: list[str], encoder: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in chunks(article_ids):
            rows = self._execute(
                f"SELECT article_id, vector FROM second_vectors WHERE encoder = ? AND article_id IN ({marks(chunk)})",
                [encoder, *chunk],
            )
            found.update({r[0]: _vector(r[1], "<f2") for r in rows})
        return found

    def add_second_vector(self, article_id: str, encoder: str, vector: Any) -> None:
        with self.transaction():
            self._execute(
                "INSERT INTO second_vectors (article_id, encoder, vector) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (article_id, encoder, np.ascontiguousarray(vector, dtype="<f2").tobytes()),
            )

    def _mark(self, stage: str) -> int:
        row = self._execute("SELECT seq FROM stage_marks WHERE stage = ?", (stage,)).fetchone()
        return int(row[0]) if row else 0

    def advance_mark(self, stage: str) -> None:
        kind, _, extractor = stage.partition(":")
        rows, seq, pending = _PENDING[kind]
        with self.transaction():
            mark = self._mark(stage)
            first = self._execute(
                f"SELECT MIN({seq}) FROM {rows} WHERE {seq} > ? AND {pending}",
                (mark, *([extractor] if extractor else [])),
            ).fetchone()[0]
            if first is None:
                first = self._execute(f"SELECT COALESCE(MAX({seq}), 0) + 1 FROM {rows}").fetchone()[0]
            self._execute(
                "INSERT INTO stage_marks (stage, seq) VALUES (?, ?) ON CONFLICT (stage) DO UPDATE SET seq = excluded.seq",
                (stage, max(mark, int(first) - 1)),
            )

    # --- stories ----------------------------------------------------------------------------------
    def unassigned(self) -> Iterator[tuple[Article, Analysis]]:
        rows = self._execute(
            f"""SELECT {A_ARTICLE_COLUMNS}, {_ANALYSIS_COLUMNS}
                FROM articles a JOIN article_analysis x ON x.article_id = a.id
                WHERE a.ingested_seq > ? AND {_PENDING["stories"][2]}
                ORDER BY a.published_sort IS NULL, a.published_sort,
                         CASE WHEN a.published_sort IS NULL THEN a.ingested_seq ELSE 0 END, a.id""",
            (self._mark("stories"),),
        ).fetchall()
        for row in rows:
            yield self._article(row), self._analysis(row)

    def near_duplicate_candidates(
        self, band_keys: list[int], exclude: str, in_stories: Container[str]
    ) -> list[tuple[str, Any, str]]:
        """Signatures are read only for the articles of `in_stories` (the active ones): the band index finds copies
        from the whole history, and most of them belong to stories long closed."""
        sharing = self._execute(
            f"""SELECT DISTINCT b.article_id, m.story_id FROM minhash_bands b
                JOIN story_members m ON m.article_id = b.article_id
                WHERE b.band_key IN ({marks(band_keys)}) AND b.article_id != ?""",
            [*band_keys, exclude],
        ).fetchall()
        story_of = {article_id: story_id for article_id, story_id in sharing if story_id in in_stories}
        if not story_of:
            return []
        rows = self._execute(
            f"SELECT article_id, minhash FROM article_analysis WHERE article_id IN ({marks(list(story_of))})"
            " ORDER BY article_id",
            list(story_of),
        )
        return [(r[0], np.frombuffer(bytes(r[1]), dtype="<u4"), story_of[r[0]]) for r in rows]

    @staticmethod
    def _story_record(row: Any) -> StoryRecord:
        return StoryRecord(
            id=row["id"],
            number=row["number"],
            label=row["label"] or "",
            labels=json.loads(row["labels"]),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            languages=json.loads(row["languages"]),
            sources=json.loads(row["sources"]),
            entities=json.loads(row["entities"]),
            size=row["size"],
            members=row["members"],
            centroid=np.frombuffer(bytes(row["centroid"]), dtype="<f4").copy(),
            exemplars=json.loads(row["exemplars"]),
            created_seq=row["created_seq"],
            updated_seq=row["updated_seq"],
        )

    def story_records(self, active_since: str | None = None) -> list[StoryRecord]:
        sql = "SELECT * FROM stories"
        params: list[Any] = []
        if active_since is not None:
            sql += " WHERE last_seen IS NULL OR last_seen >= ?"
            params.append(active_since)
        return [self._story_record(r) for r in self._execute(sql + " ORDER BY created_seq", params)]

    def latest_story_seen(self) -> str | None:
        value = self._execute("SELECT MAX(last_seen) FROM stories").fetchone()[0]
        return str(value) if value is not None else None

    def save_story(self, story: StoryRecord) -> None:
        row = {
            "id": story.id,
            "label": story.label,
            "labels": json.dumps(dict(sorted(story.labels.items())), ensure_ascii=False),
            "first_seen": story.first_seen,
            "last_seen": story.last_seen,
            "languages": json.dumps(dict(sorted(story.languages.items()))),
            "sources": json.dumps(dict(sorted(story.sources.items()))),
            "size": story.size,
            "members": story.members,
            "number": story.number,
            "centroid": np.ascontiguousarray(story.centroid, dtype="<f4").tobytes(),
            "entities": json.dumps(dict(sorted(story.entities.items())), ensure_ascii=False),
            "exemplars": json.dumps(story.exemplars),
            "created_seq": story.created_seq,
            "updated_seq": story.updated_seq,
        }
        columns = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        with self.transaction():
            self._execute(
                f"INSERT INTO stories ({', '.join(columns)}) VALUES ({marks(columns)})"
                f" ON CONFLICT (id) DO UPDATE SET {updates}",
                [row[c] for c in columns],
            )
            self._save_browse_row(story)

    def _save_browse_row(self, story: StoryRecord) -> None:
        """The story's rank inputs and its facets: only the facets it gained or lost are written (a join
        changes a language, a source and a few entities, not the hundreds of facets of a big story)."""
        self._execute(
            """INSERT INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
               VALUES (?,?,?,?,?,?,?) ON CONFLICT (story_id) DO UPDATE SET members = excluded.members,
               n_languages = excluded.n_languages, n_sources = excluded.n_sources, spread = excluded.spread,
               first_seen = excluded.first_seen, last_seen = excluded.last_seen""",
            (
                story.id,
                story.members,
                len(story.languages),
                len(story.sources),
                story_spread(len(story.languages), len(story.sources)),
                story.first_seen or "",  # '' when undated, so keyset cursors never compare NULLs
                story.last_seen or "",
            ),
        )
        wanted = {(kind, value) for kind, field in _FACET_KINDS.items() for value in getattr(story, field)}
        held = {
            (r[0], r[1])
            for r in self._execute(
                "SELECT kind, value FROM story_facets WHERE story_id = ? AND kind IN ('lang', 'source', 'entity')",
                (story.id,),
            )
        }
        if held - wanted:
            self._executemany(
                "DELETE FROM story_facets WHERE kind = ? AND value = ? AND story_id = ?",
                [(kind, value, story.id) for kind, value in sorted(held - wanted)],
            )
        if wanted - held:
            self._executemany(
                "INSERT INTO story_facets (kind, value, story_id, weight) VALUES (?, ?, ?, 1) ON CONFLICT DO NOTHING",
                [(kind, value, story.id) for kind, value in sorted(wanted - held)],
            )

    def add_member(self, member: StoryMember) -> None:
        with self.transaction():
            self._execute(
                """INSERT INTO story_members (article_id, story_id, similarity, duplicate_of, assigned_seq)
                   VALUES (?,?,?,?,?) ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id,
                   similarity = excluded.similarity, duplicate_of = excluded.duplicate_of,
                   assigned_seq = excluded.assigned_seq""",
                (member.article_id, member.story_id, member.similarity, member.duplicate_of, member.assigned_seq),
            )

    def merge_stories(self, keep: str, gone: str) -> None:
        with self.transaction():
            self._execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (keep, gone))
            for table in ("stories WHERE id", "story_timelines WHERE story_id", "story_browse WHERE story_id"):
                self._execute(f"DELETE FROM {table} = ?", (gone,))
            self._execute("DELETE FROM story_facets WHERE story_id = ?", (gone,))

    def clear_stories(self) -> None:
        with self.transaction():
            for table in ("story_members", "stories", "story_timelines", "story_browse", "story_facets"):
                self._execute(f"DELETE FROM {table}")
            self._execute("DELETE FROM story_alert_state")  # of stories that are gone; alerts given stay
            self._execute("DELETE FROM stage_marks WHERE stage IN ('stories', 'timelines', 'alerts')")  # restart

    def story_members(self, story_id: str) -> list[StoryMember]:
        rows = self._execute(
            """SELECT m.article_id, m.story_id, m.similarity, m.duplicate_of, m.assigned_seq FROM story_members m
               JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?
               ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq""",
            (story_id,),
        )
        return [StoryMember(r[0], r[1], float(r[2]), r[3], int(r[4])) for r in rows]

    def story_ids_of(self, article_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(article_ids):
            rows = self._execute(
                f"SELECT article_id, story_id FROM story_members WHERE article_id IN ({marks(chunk)})", chunk
            )
            found.update((r[0], r[1]) for r in rows)
        return found

    def max_assigned_seq(self) -> int:
        return int(self._execute("SELECT COALESCE(MAX(assigned_seq), 0) FROM story_members").fetchone()[0])

    # --- claims and timelines ---------------------------------------------------------------------
    def add_claims(self, article_id: str, extractor: str, claims: list[Claim]) -> None:
        with self.transaction():
            self._execute("DELETE FROM claims WHERE article_id = ?", (article_id,))
            self._executemany(
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
            self._execute(
                "INSERT INTO claims_done (article_id, extractor) VALUES (?, ?)"
                " ON CONFLICT (article_id) DO UPDATE SET extractor = excluded.extractor",
                (article_id, extractor),
            )
            self._execute(
                "UPDATE story_timelines SET built_seq = -1 WHERE story_id IN"
                " (SELECT story_id FROM story_members WHERE article_id = ?)",
                (article_id,),
            )
            # The story may lie below the timelines' mark: lower it so the next pass finds the stale timeline.
            oldest = (
                "(SELECT MIN(s.updated_seq) - 1 FROM stories s JOIN story_members m ON m.story_id = s.id"
                " WHERE m.article_id = ?)"
            )
            self._execute(
                f"UPDATE stage_marks SET seq = {oldest} WHERE stage = 'timelines' AND seq > {oldest}",
                (article_id, article_id),
            )

    def articles_without_claims(self, extractor: str) -> list[Article]:
        rows = self._execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE ingested_seq > ? AND {_PENDING['claims'][2]} {ORDER}",
            (self._mark(f"claims:{extractor}"), extractor),
        )
        return [self._article(r) for r in rows]

    def claims(self, article_ids: list[str]) -> dict[str, list[Claim]]:
        found: dict[str, list[Claim]] = {aid: [] for aid in article_ids}
        for chunk in chunks(article_ids):
            rows = self._execute(
                f"SELECT * FROM claims WHERE article_id IN ({marks(chunk)}) ORDER BY article_id, position", chunk
            )
            for r in rows:
                found[r["article_id"]].append(
                    Claim(
                        type=r["type"],
                        status=r["status"],
                        participants=tuple(
                            Participant(p["key"], p["name"], p["type"], p.get("role"))
                            for p in json.loads(r["participants"])
                        ),
                        evidence=r["evidence"],
                        start=r["span_start"],
                        end=r["span_end"],
                        date=r["event_date"],
                        date_precision=r["date_precision"],
                        attribution=r["attribution"],
                        confidence=r["confidence"],
                    )
                )
        return found

    def save_timeline(self, story_id: str, timeline: list[TimelineEntry], built_seq: int | None = None) -> None:
        with self.transaction():
            if built_seq is None:
                row = self._execute("SELECT updated_seq FROM stories WHERE id = ?", (story_id,)).fetchone()
                built_seq = int(row[0]) if row else 0
            self._execute(
                "INSERT INTO story_timelines (story_id, timeline, built_seq, version)"
                " VALUES (?, ?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM story_timelines)) ON CONFLICT (story_id)"
                " DO UPDATE SET timeline = excluded.timeline, built_seq = excluded.built_seq, version = excluded.version",
                (story_id, json.dumps([entry.to_dict() for entry in timeline], ensure_ascii=False), built_seq),
            )
            # The status filter of story lists: a facet per status in the timeline, weighted by its entries.
            statuses: dict[str, int] = {}
            for entry in timeline:
                statuses[entry.status] = statuses.get(entry.status, 0) + 1
            self._execute("DELETE FROM story_facets WHERE story_id = ? AND kind = 'status'", (story_id,))
            self._executemany(
                "INSERT INTO story_facets (kind, value, story_id, weight) VALUES ('status', ?, ?, ?)",
                [(status, story_id, n) for status, n in sorted(statuses.items())],
            )

    def stale_timelines(self) -> list[str]:
        rows = self._execute(
            "SELECT s.id FROM stories s LEFT JOIN story_timelines t ON t.story_id = s.id"
            " WHERE s.updated_seq > ? AND (t.story_id IS NULL OR t.built_seq < s.updated_seq)",
            (self._mark("timelines"),),
        )
        return sorted(r[0] for r in rows)  # sorted here: ORDER BY s.id would walk every story by id

    # --- watched feeds ----------------------------------------------------------------------------
    def add_feed(self, url: str, title: str | None = None) -> bool:
        with self.transaction():
            added = self._execute(
                "INSERT INTO watched_feeds (url, title, added_at) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING",
                (url, title, now_utc()),
            ).rowcount
            if not added and title:
                self._execute("UPDATE watched_feeds SET title = ? WHERE url = ? AND title IS NULL", (title, url))
        return bool(added)

    def remove_feed(self, url: str) -> bool:
        with self.transaction():
            self._execute("DELETE FROM feed_items WHERE feed_url = ?", (url,))
            return bool(self._execute("DELETE FROM watched_feeds WHERE url = ?", (url,)).rowcount)

    def feeds(self) -> list[WatchedFeed]:
        rows = self._execute(
            "SELECT url, title, added_at, last_success, last_error, failures, items_seen, next_poll, etag,"
            " last_modified, items_read, first_item_at, last_item_at FROM watched_feeds ORDER BY url"
        ).fetchall()
        return [
            WatchedFeed(
                url=r[0],
                title=r[1],
                added_at=r[2],
                last_success=r[3],
                last_error=r[4],
                failures=r[5],
                items_seen=r[6],
                next_poll=r[7],
                etag=r[8],
                last_modified=r[9],
                item_gap=_average_gap(int(r[10]), r[11], r[12]),
            )
            for r in rows
        ]

    def record_poll(
        self,
        url: str,
        next_poll: str,
        error: str | None = None,
        new_items: int = 0,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        with self.transaction():
            if error is None:
                self._execute(
                    "UPDATE watched_feeds SET last_success = ?, failures = 0, items_seen = items_seen + ?,"
                    " next_poll = ?, etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified)"
                    " WHERE url = ?",
                    (now_utc(), new_items, next_poll, etag, last_modified, url),
                )
            else:
                self._execute(
                    "UPDATE watched_feeds SET last_error = ?, failures = failures + 1, next_poll = ? WHERE url = ?",
                    (error, next_poll, url),
                )

    def feed_items(self, url: str, items: list[str]) -> dict[str, FeedItem]:
        found: dict[str, FeedItem] = {}
        for chunk in chunks(list(dict.fromkeys(items))):
            rows = self._execute(
                "SELECT item, seen_at, stamp, next_check FROM feed_items"
                f" WHERE feed_url = ? AND item IN ({marks(chunk)})",
                [url, *chunk],
            )
            found.update((r[0], FeedItem(r[0], r[1], r[2], r[3])) for r in rows)
        return found

    def items_due(self, url: str, now: str, limit: int = 100) -> list[FeedItem]:
        rows = self._execute(
            "SELECT item, seen_at, stamp, next_check FROM feed_items WHERE feed_url = ? AND next_check <= ?"
            " ORDER BY next_check, item LIMIT ?",
            (url, now, limit),
        ).fetchall()
        return [FeedItem(r[0], r[1], r[2], r[3]) for r in rows]

    def mark_read(self, url: str, items: list[FeedItem]) -> None:
        with self.transaction():
            known = self.feed_items(url, [i.item for i in items])
            self._executemany(
                """INSERT INTO feed_items (feed_url, item, seen_at, stamp, next_check) VALUES (?,?,?,?,?)
                   ON CONFLICT (feed_url, item) DO UPDATE SET stamp = excluded.stamp,
                   next_check = excluded.next_check""",
                [(url, i.item, i.first_read, i.stamp, i.next_check) for i in items],
            )
            firsts = [i.first_read for i in {i.item: i for i in items if i.item not in known}.values()]
            if firsts:  # the feed's span of items, for its average gap (feeds())
                row = self._execute(
                    "SELECT first_item_at, last_item_at FROM watched_feeds WHERE url = ?", (url,)
                ).fetchone()
                if row is not None:
                    span = [*firsts, *(when for when in (row[0], row[1]) if when)]
                    self._execute(
                        "UPDATE watched_feeds SET items_read = items_read + ?, first_item_at = ?, last_item_at = ?"
                        " WHERE url = ?",
                        (len(firsts), min(span), max(span), url),
                    )

    # --- watchlists and alerts -------------------------------------------------------------------------
    def add_watchlist(self, watchlist: Watchlist) -> bool:
        query = json.dumps(watchlist.query(), ensure_ascii=False, sort_keys=True)
        with self.transaction():
            return bool(
                self._execute(
                    "INSERT INTO watchlists (name, query, webhook, secret, created_at) VALUES (?,?,?,?,?)"
                    " ON CONFLICT (name) DO NOTHING",
                    (watchlist.name, query, watchlist.webhook, watchlist.secret, watchlist.created_at or now_utc()),
                ).rowcount
            )

    def remove_watchlist(self, name: str) -> bool:
        with self.transaction():
            self._execute(
                "DELETE FROM alert_deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE watchlist = ?)", (name,)
            )
            self._execute("DELETE FROM alerts WHERE watchlist = ?", (name,))
            return bool(self._execute("DELETE FROM watchlists WHERE name = ?", (name,)).rowcount)

    def watchlists(self) -> list[Watchlist]:
        rows = self._execute("SELECT name, query, webhook, secret, created_at FROM watchlists ORDER BY name")
        return [
            Watchlist(r[0], **json.loads(r[1]), webhook=r[2], secret=r[3], created_at=r[4]) for r in rows.fetchall()
        ]

    def stories_to_alert(self, limit: int = 500) -> list[tuple[str, int]]:
        rows = self._execute(
            f"SELECT t.story_id, t.version FROM story_timelines t WHERE t.version > ? AND {_PENDING['alerts'][2]}"
            " ORDER BY t.version LIMIT ?",
            (self._mark("alerts"), limit),
        )
        return [(r[0], int(r[1])) for r in rows]

    def alert_states(self, story_ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(story_ids):
            rows = self._execute(
                f"SELECT story_id, state FROM story_alert_state WHERE story_id IN ({marks(chunk)})", chunk
            )
            found.update((r[0], json.loads(r[1])) for r in rows)
        return found

    def record_alerts(self, states: dict[str, tuple[dict[str, Any], int]], alerts: list[Alert]) -> list[Alert]:
        now = now_utc()
        webhooks = {w.name: w.webhook for w in self.watchlists() if w.webhook}
        new: list[Alert] = []
        with self.transaction():
            self._executemany(
                "INSERT INTO story_alert_state (story_id, state, version) VALUES (?,?,?) ON CONFLICT (story_id)"
                " DO UPDATE SET state = excluded.state, version = excluded.version",
                [(sid, json.dumps(state, ensure_ascii=False, sort_keys=True), v) for sid, (state, v) in states.items()],
            )
            for alert in alerts:
                row = self._execute(
                    "INSERT INTO alerts (watchlist, story_id, kind, subject, title, detail, created_at)"
                    " VALUES (?,?,?,?,?,?,?) ON CONFLICT (watchlist, story_id, kind, subject) DO NOTHING RETURNING id",
                    (
                        alert.watchlist,
                        alert.story_id,
                        alert.kind,
                        alert.subject,
                        alert.title,
                        json.dumps(alert.detail, ensure_ascii=False, sort_keys=True),
                        now,
                    ),
                ).fetchone()
                if row is None:
                    continue  # given before (a run killed after this commit, then run again)
                new.append(replace(alert, id=int(row[0]), created_at=now))
                if alert.watchlist in webhooks:
                    self._execute(
                        "INSERT INTO alert_deliveries (alert_id, url, status, next_attempt) VALUES (?,?,'pending',?)",
                        (int(row[0]), webhooks[alert.watchlist], now),
                    )
        return new

    @staticmethod
    def _alert(r: Any) -> Alert:
        return Alert(
            r["watchlist"],
            r["story_id"],
            r["kind"],
            r["subject"],
            r["title"],
            json.loads(r["detail"]),
            int(r["id"]),
            r["created_at"],
        )

    def alerts(self, watchlist: str | None = None, limit: int | None = 50, cursor: str | None = None) -> Page[Alert]:
        after = decode_cursor(cursor, "alerts", 1) if cursor else None
        where: list[str] = []
        params: list[Any] = []
        if watchlist is not None:
            where.append("watchlist = ?")
            params.append(watchlist)
        if after:
            where.append("id < ?")
            params.append(int(after[0]))
        sql = "SELECT id, watchlist, story_id, kind, subject, title, detail, created_at FROM alerts"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit) + 1}"
        items = [self._alert(r) for r in self._execute(sql, params).fetchall()]
        more = limit is not None and len(items) > limit
        items = items[:limit] if limit is not None else items
        return Page(items, encode_cursor("alerts", [items[-1].id]) if more and items else None)

    def alert_counts(self) -> dict[str, int]:
        rows = self._execute("SELECT watchlist, COUNT(*) FROM alerts GROUP BY watchlist").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def due_deliveries(self, now: str, limit: int = 100) -> list[tuple[Delivery, Alert]]:
        rows = self._execute(
            """SELECT d.alert_id, d.url, d.status, d.attempts, d.last_error, d.next_attempt, d.delivered_at,
                      a.id, a.watchlist, a.story_id, a.kind, a.subject, a.title, a.detail, a.created_at
               FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
               WHERE d.status = 'pending' AND d.next_attempt <= ? ORDER BY d.next_attempt, d.alert_id LIMIT ?""",
            (now, limit),
        ).fetchall()
        return [(Delivery(*(r[i] for i in range(7))), self._alert(r)) for r in rows]

    def record_delivery(self, delivery: Delivery) -> None:
        with self.transaction():
            self._execute(
                """UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt = ?,
                   delivered_at = ? WHERE alert_id = ? AND url = ?""",
                (
                    delivery.status,
                    delivery.attempts,
                    delivery.last_error,
                    delivery.next_attempt,
                    delivery.delivered_at,
                    delivery.alert_id,
                    delivery.url,
                ),
            )

    def deliveries(self, alert_ids: list[int]) -> dict[int, list[Delivery]]:
        found: dict[int, list[Delivery]] = {}
        for chunk in chunks(alert_ids):
            rows = self._execute(
                "SELECT alert_id, url, status, attempts, last_error, next_attempt, delivered_at FROM alert_deliveries"
                f" WHERE alert_id IN ({marks(chunk)}) ORDER BY alert_id, url",
                chunk,
            )
            for r in rows:
                found.setdefault(int(r[0]), []).append(Delivery(*(r[i] for i in range(7))))
        return found

    # --- what a backend supplies ------------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement with `?` placeholders; a cursor with fetchone/fetchall, iteration and rowcount,
        whose rows index by position and by column name."""

    @abstractmethod
    def _executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def own_files(self) -> set[str]: ...

    @abstractmethod
    def _index_text(self, article_id: str, known: bool) -> None:
        """Keep the full-text index in step with an article just inserted (or updated, when `known`)."""

    _source_order = "origin_key"  # ties of first_seen among an article's sources: the order they were added


def article_conditions(filters: ArticleFilter, alias: str = "a.") -> tuple[list[str], list[Any]]:
    """WHERE conditions (and their parameters) of an article filter over `articles` aliased `alias`."""
    where: list[str] = []
    params: list[Any] = []
    if filters.lang:
        where.append(f"{alias}lang = ?")
        params.append(filters.lang)
    if filters.source:
        site = filters.source.removeprefix("www.")
        where.append(f"({alias}source = ? OR {alias}id IN (SELECT article_id FROM article_sources WHERE source = ?))")
        params += [site, site]
    if filters.story:
        where.append(f"{alias}id IN (SELECT article_id FROM story_members WHERE story_id = ?)")
        params.append(filters.story)
    if filters.since:
        where.append(f"{alias}published_sort >= ?")
        params.append(filters.since)
    if filters.until:
        where.append(f"{alias}published_sort < ?")
        params.append(filters.until + "\U0010ffff")  # the whole of that day, month or year
    return where, params
