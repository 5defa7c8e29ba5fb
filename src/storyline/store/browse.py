"""Read queries of the web views: filtered story lists, keyset pages with opaque cursors, entity pages.

`SQLiteStore` inherits `BrowseQueries`. Everything here only reads. Story lists read `story_browse`
and `story_facets` (migration 0005, kept in step with `stories` by triggers), so a page of stories
costs index range scans, never an aggregation over every story's members.

Cursors are keyset positions (the sort key of the last item handed out), so a page never repeats or
skips an item when other stories are added before it, unlike offsets:

>>> cursor = encode_cursor("recent", ["2025-10-01T09:00:00", "st_1"])
>>> decode_cursor(cursor, "recent", 2)
['2025-10-01T09:00:00', 'st_1']
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storyline.model import Article

RECENT_DAYS = (
    7  # "recent growth": articles of the last week, before the newest article (growth) or today (growth_today)
)
STORY_SORTS = ("growth", "growth_today", "recent", "size", "languages")
CLAIM_STATUSES = ("rumoured", "reported", "planned", "confirmed", "denied")
# Sort keys (all descending, the id last so the order is total) of the plain story sorts.
_STORY_KEYS = {
    "recent": ("last_seen", "story_id"),
    "size": ("members", "last_seen", "story_id"),
    "languages": ("n_languages", "members", "last_seen", "story_id"),
}
_GROWTH_KEY = ("rank", "members", "last_seen", "story_id")
_SUMMARY_COLUMNS = (
    "a.id, a.title, a.lang, a.source, a.url, a.sitename, a.published, a.published_precision, a.timezone_known,"
    " a.published_ambiguous, a.truncated, a.published_sort, a.ingested_seq, a.ingested_at, substr(a.text, 1, 600) AS lead"
)
# Search snippets mark hits with private-use characters, which no article text contains once
# the view has escaped everything else around them.
HIT_START, HIT_END = "\ue000", "\ue001"
_TOP = "\U0010ffff"  # sorts after every other character: the upper bound of prefixes


@dataclass
class _Growth:
    version: tuple[int, int]
    since: str | None
    recent: dict[str, int]  # story id -> articles in the recent window
    keys: list[tuple[float, int, str, str]]  # (rank, members, last_seen, id) of every story, descending
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)  # story id -> story_summaries item
    until: str | None = None  # the window's end: the newest article's time, or now
    today: bool = False  # the window ends now, not at the newest article


_SUMMARY_CACHE = 5000  # stories whose summary a connection keeps (until the store changes)


class CursorError(ValueError):
    """A cursor this query did not hand out (from another list, edited, or from an older version)."""


def encode_cursor(kind: str, values: list[Any]) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, kind: str, size: int) -> list[Any]:
    """The key values in `cursor`, checked to come from a list sorted by `kind` with `size` keys."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise CursorError("invalid cursor: pass back the next_cursor of the previous page unchanged") from exc
    if not isinstance(data, list) or len(data) != size + 1 or data[0] != kind:
        raise CursorError("invalid cursor: it belongs to another list or sort order")
    values = data[1:]
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        raise CursorError("invalid cursor: unexpected values")
    return values


@dataclass(frozen=True)
class StoryFilter:
    """Filters of `browse_stories`; dates are ISO prefixes ('2025', '2025-10', '2025-10-03')."""

    q: str | None = None  # full text of the stories' articles
    lang: str | None = None
    source: str | None = None
    entity: str | None = None  # entity key, e.g. 'org:huawei'
    status: str | None = None  # a claim status in the story's timeline
    since: str | None = None  # active on or after
    until: str | None = None  # started on or before


@dataclass(frozen=True)
class ArticleFilter:
    lang: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    story: str | None = None


@dataclass
class Page:
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


def match_expression(query: str) -> str:
    """Words as quoted FTS5 strings (implicit AND), so punctuation in a query is never syntax."""
    words = re.findall(r"\w[\w'’-]*", query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words[:32])


def lead_snippet(text: str, limit: int = 280) -> str:
    """The start of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(",;:") + "…"


class BrowseQueries:
    """Paged, filtered reads for the REST API and web pages (mixed into SQLiteStore)."""

    _db: sqlite3.Connection
    _article: Callable[[sqlite3.Row], Article]  # SQLiteStore's row -> Article

    def read_only(self) -> None:
        """Refuse writes on this connection from now on: the views' connections only read."""
        self._db.execute("PRAGMA query_only = ON")

    # --- stories -------------------------------------------------------------------------------
    def recent_window(self, today: bool = False, days: int = RECENT_DAYS) -> tuple[str, str] | None:
        """The "recent" window (start, end): the `days` before the newest dated article (an archive's last week), or
        before now with `today`. None for a store without dated articles (and no window before the newest)."""
        if today:
            end = datetime.now(UTC).replace(tzinfo=None)
        else:
            newest = self._db.execute("SELECT MAX(published_sort) FROM articles").fetchone()[0]
            if not newest:
                return None
            end = datetime.strptime(newest[:16], "%Y-%m-%dT%H:%M")
        return (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")

    @staticmethod
    def _story_conditions(filters: StoryFilter) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for kind, value in (
            ("lang", filters.lang),
            ("source", filters.source),
            ("entity", filters.entity),
            ("status", filters.status),
        ):
            if value:
                where.append("b.story_id IN (SELECT story_id FROM story_facets WHERE kind = ? AND value = ?)")
                params += [kind, value.removeprefix("www.") if kind == "source" else value]
        if filters.since:
            where.append("b.last_seen >= ?")
            params.append(filters.since)
        if filters.until:
            where.append("b.first_seen != '' AND b.first_seen <= ?")
            params.append(filters.until + _TOP)  # an end date includes the whole day, month or year
        if filters.q is not None:
            where.append(
                "b.story_id IN (SELECT m.story_id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
                " JOIN story_members m ON m.article_id = a.id WHERE articles_fts MATCH ?)"
            )
            params.append(match_expression(filters.q) or '""')
        return where, params

    def _growth(self, today: bool = False) -> _Growth:
        """Recent counts and the growth order of every story, recomputed only when the store changed (or, measured
        from today, when the day changed).

        The key is SQLite's data_version (bumped by other connections' commits) plus this
        connection's own changes, so a cached order is never stale.
        """
        version = (
            self._db.execute("PRAGMA data_version").fetchone()[0],
            self._db.total_changes,
            datetime.now(UTC).strftime("%Y-%m-%dT%H") if today else "",
        )
        caches: dict[bool, _Growth] = self.__dict__.setdefault("_growth_caches", {})
        cached = caches.get(today)
        if cached is not None and cached.version == version:
            return cached
        window = self.recent_window(today)
        since, until = window if window else (None, None)
        recent: dict[str, int] = {}
        if since:
            # Driven by the date index: only the articles of the window, never every member of every story.
            recent = dict(
                self._db.execute(
                    """SELECT m.story_id, COUNT(*) FROM articles a CROSS JOIN story_members m ON m.article_id = a.id
                   WHERE a.published_sort >= ? GROUP BY m.story_id""",
                    (since,),
                ).fetchall()
            )
        keys = [
            ((recent.get(sid, 0) + 1) * spread, members, last_seen, sid)
            for spread, members, last_seen, sid in self._db.execute(
                "SELECT spread, members, last_seen, story_id FROM story_browse"
            )
        ]
        keys.sort(reverse=True)
        caches[today] = _Growth(version, since, recent, keys, until=until, today=today)
        return caches[today]

    def browse_stories(
        self, filters: StoryFilter | None = None, sort: str = "growth", limit: int = 25, cursor: str | None = None
    ) -> Page:
        """Stories matching `filters`, one page in `sort` order (see STORY_SORTS).

        growth: rank = (articles of the week before the newest article + 1) x (1 + ln languages) x (1 + ln
        sources), as `stories()` ranks; growth_today: the same with the week before now (an archive's stories
        all rank by spread alone); recent: last article first; size: most articles; languages: most languages.
        Each story's `recent` count is of the window of its sort (growth_today: the last 7 days; else the
        store's last week).
        """
        if sort not in STORY_SORTS:
            raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(STORY_SORTS)}")
        where, params = self._story_conditions(filters or StoryFilter())
        today = sort == "growth_today"
        growth = self._growth(today)
        if sort in ("growth", "growth_today"):
            after = decode_cursor(cursor, sort, len(_GROWTH_KEY)) if cursor else None
            keys = self._growth_page(growth, where, params, limit + 1, after)
        else:
            columns = _STORY_KEYS[sort]
            after = decode_cursor(cursor, sort, len(columns)) if cursor else None
            conditions = list(where)
            if after:
                conditions.append(f"({', '.join('b.' + k for k in columns)}) < ({', '.join('?' * len(columns))})")
            sql = (
                f"SELECT {', '.join('b.' + k for k in columns)} FROM story_browse b"
                f"{' WHERE ' + ' AND '.join(conditions) if conditions else ''}"
                f" ORDER BY {', '.join('b.' + k + ' DESC' for k in columns)} LIMIT ?"
            )
            keys = [tuple(r) for r in self._db.execute(sql, [*params, *(after or []), limit + 1])]
        more = len(keys) > limit
        keys = keys[:limit]
        items = self.story_summaries([k[-1] for k in keys], today)
        next_cursor = encode_cursor(sort, list(keys[-1])) if more else None
        return Page(items, next_cursor)

    def _growth_page(
        self, growth: _Growth, where: list[str], params: list[Any], limit: int, after: list[Any] | None
    ) -> list[tuple[Any, ...]]:
        """The next `limit` growth keys after `after`, among the stories matching the filters."""
        order = growth.keys
        start = 0
        if after:
            # Binary search in the descending order for the first key below the cursor.
            target = tuple(after)
            low, high = 0, len(order)
            while low < high:
                middle = (low + high) // 2
                if order[middle] < target:
                    high = middle
                else:
                    low = middle + 1
            start = low
        if not where:
            return order[start : start + limit]
        matching = {
            r[0] for r in self._db.execute(f"SELECT b.story_id FROM story_browse b WHERE {' AND '.join(where)}", params)
        }
        found = []
        for key in order[start:]:
            if key[-1] in matching:
                found.append(key)
                if len(found) == limit:
                    break
        return found

    def story_summaries(self, story_ids: list[str], today: bool = False) -> list[dict[str, Any]]:
        """What a story list shows of each story, in the order of `story_ids` (shared dicts: do not modify); its
        `recent` count is of the store's last week, or with `today` of the last 7 days."""
        growth = self._growth(today)
        cache = growth.summaries
        missing = [sid for sid in dict.fromkeys(story_ids) if sid not in cache]
        if missing:
            if len(cache) + len(missing) > _SUMMARY_CACHE:
                cache.clear()
            found = self._summaries(missing, growth.recent)
            for summary in found.values():  # which week `recent` counts, for the views to say so
                summary["recent_window"] = {"until": growth.until, "today": growth.today}
            cache.update(found)
        return [cache[sid] for sid in story_ids if sid in cache]

    def _summaries(self, story_ids: list[str], recent: dict[str, int]) -> dict[str, dict[str, Any]]:
        marks = ",".join("?" * len(story_ids))
        rows = {
            r["id"]: r
            for r in self._db.execute(
                f"""SELECT s.id, s.label, s.labels, s.languages, s.sources, s.entities, s.first_seen, s.last_seen,
                       s.members, b.spread FROM stories s JOIN story_browse b ON b.story_id = s.id
                WHERE s.id IN ({marks})""",
                story_ids,
            )
        }
        statuses: dict[str, dict[str, int]] = {}
        for r in self._db.execute(
            f"SELECT story_id, value, weight FROM story_facets WHERE story_id IN ({marks}) AND kind = 'status'",
            story_ids,
        ):
            statuses.setdefault(r["story_id"], {})[r["value"]] = r["weight"]
        tops = {sid: _top(json.loads(r["entities"]), 6) for sid, r in rows.items()}
        names = self.entity_names(sorted({k for top in tops.values() for k, _ in top}))
        found = {}
        for sid, row in rows.items():
            languages = json.loads(row["languages"])
            sources = json.loads(row["sources"])
            n = recent.get(sid, 0)
            found[sid] = {
                "id": sid,
                "label": row["label"],
                "labels": json.loads(row["labels"]),
                "size": row["members"],
                "languages": [k for k, _ in _top(languages)],
                "language_counts": languages,
                "sources": [k for k, _ in _top(sources, 5)],
                "n_sources": len(sources),
                "first_seen": row["first_seen"],
                "last_seen": row["last_seen"],
                "entities": [_entity_ref(k, v, names) for k, v in tops[sid]],
                "statuses": {s: statuses[sid][s] for s in CLAIM_STATUSES if s in statuses.get(sid, {})},
                "recent": n,
                "rank": round((n + 1) * row["spread"], 4),
            }
        return found

    def story_overview(self, story_id: str) -> dict[str, Any] | None:
        """A story (by id or unique prefix) as its page shows it: summary, all sources, entities, timeline."""
        row = self._db.execute("SELECT id FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None and story_id:
            found = self._db.execute(
                "SELECT id FROM stories WHERE id >= ? AND id < ? LIMIT 2", (story_id, story_id + _TOP)
            ).fetchall()
            row = found[0] if len(found) == 1 else None
        if row is None:
            return None
        sid = row["id"]
        data = dict(self.story_summaries([sid])[0])
        full = self._db.execute("SELECT sources, entities FROM stories WHERE id = ?", (sid,)).fetchone()
        sources = json.loads(full["sources"])
        top = _top(json.loads(full["entities"]), 20)
        names = self.entity_names([k for k, _ in top])
        timeline = self._db.execute("SELECT timeline FROM story_timelines WHERE story_id = ?", (sid,)).fetchone()
        data |= {
            "sources": [k for k, _ in _top(sources)],
            "source_counts": sources,
            "entities": [_entity_ref(k, v, names) for k, v in top],
            "timeline": json.loads(timeline[0]) if timeline else [],
        }
        return data

    def story_points(self, story_id: str) -> list[dict[str, Any]]:
        """Every member of a story with what a timeline draws: date, language, source, title."""
        rows = self._db.execute(
            """SELECT a.id, a.title, a.lang, a.source, a.published, a.published_precision, a.published_sort,
                      m.duplicate_of FROM story_members m JOIN articles a ON a.id = m.article_id
               WHERE m.story_id = ? ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq""",
            (story_id,),
        )
        return [dict(r) for r in rows]

    def story_articles(self, story_id: str, limit: int = 50, cursor: str | None = None) -> Page:
        """A story's articles by publication date (undated last), one page."""
        after = decode_cursor(cursor, "story_articles", 3) if cursor else None
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, m.similarity, m.duplicate_of, m.story_id FROM story_members m"
            " JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?"
        )
        params: list[Any] = [story_id]
        if after:
            sql += " AND (a.published_sort IS NULL, COALESCE(a.published_sort, ''), a.ingested_seq) > (?, ?, ?)"
            params += after
        sql += " ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq LIMIT ?"
        rows = self._db.execute(sql, [*params, limit + 1]).fetchall()
        return _article_page(rows, limit, "story_articles")

    def article_story(self, article_id: str) -> dict[str, Any] | None:
        """The story an article belongs to: id, label, similarity and duplicate link."""
        row = self._db.execute(
            """SELECT m.story_id, m.similarity, m.duplicate_of, s.label FROM story_members m
               JOIN stories s ON s.id = m.story_id WHERE m.article_id = ?""",
            (article_id,),
        ).fetchone()
        return dict(row) if row else None

    def facet_values(self, kind: str) -> list[str]:
        """Distinct values of a story facet (lang, status, ...): one index seek each, not a scan."""
        rows = self._db.execute(
            """WITH RECURSIVE v(value) AS (
                   SELECT MIN(value) FROM story_facets WHERE kind = ?1
                   UNION ALL
                   SELECT (SELECT MIN(value) FROM story_facets WHERE kind = ?1 AND value > v.value)
                   FROM v WHERE v.value IS NOT NULL)
               SELECT value FROM v WHERE value IS NOT NULL LIMIT 500""",
            (kind,),
        )
        return [r[0] for r in rows]

    # --- articles ------------------------------------------------------------------------------

    def browse_articles(self, filters: ArticleFilter | None = None, limit: int = 25, cursor: str | None = None) -> Page:
        """Articles newest first (undated ones last, newest ingested first), one page."""
        filters = filters or ArticleFilter()
        after = decode_cursor(cursor, "articles", 3) if cursor else None
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("a.lang", filters.lang), ("a.source", filters.source)):
            if value:
                where.append(f"{column} = ?")
                params.append(value.removeprefix("www.") if column == "a.source" else value)
        if filters.story:
            where.append("a.id IN (SELECT article_id FROM story_members WHERE story_id = ?)")
            params.append(filters.story)
        dated_only = bool(filters.since or filters.until)
        if filters.since:
            where.append("a.published_sort >= ?")
            params.append(filters.since)
        if filters.until:
            where.append("a.published_sort <= ?")
            params.append(filters.until + _TOP)
        rows: list[sqlite3.Row] = []
        # Two index ranges instead of one sort: dated articles newest first, then the undated ones.
        if after is None or after[0] == 0:
            conditions = [*where, "a.published_sort IS NOT NULL"]
            extra: list[Any] = []
            if after:
                conditions.append("(a.published_sort, a.ingested_seq) < (?, ?)")
                extra = after[1:]
            rows += self._db.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE {' AND '.join(conditions)}"
                " ORDER BY a.published_sort DESC, a.ingested_seq DESC LIMIT ?",
                [*params, *extra, limit + 1],
            ).fetchall()
        if len(rows) <= limit and not dated_only:
            conditions = [*where, "a.published_sort IS NULL"]
            extra = []
            if after and after[0] == 1:
                conditions.append("a.ingested_seq < ?")
                extra = [after[2]]
            rows += self._db.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE {' AND '.join(conditions)}"
                " ORDER BY a.ingested_seq DESC LIMIT ?",
                [*params, *extra, limit + 1 - len(rows)],
            ).fetchall()
        return _article_page(rows, limit, "articles")

    # --- search --------------------------------------------------------------------------------
    def browse_search(self, query: str, limit: int = 20, cursor: str | None = None) -> Page:
        """Full-text search, best first, one page; snippets mark hits with HIT_START/HIT_END."""
        match = match_expression(query)
        if not match:
            return Page([])
        after = decode_cursor(cursor, "search", 2) if cursor else None
        rows = self._db.execute(
            f"""SELECT * FROM (
                    SELECT {_SUMMARY_COLUMNS}, m.story_id, bm25(articles_fts, 3.0, 1.0) AS score, f.rowid AS rid,
                           snippet(articles_fts, -1, '{HIT_START}', '{HIT_END}', '…', 24) AS snippet
                    FROM articles_fts f JOIN articles a ON a.rowid = f.rowid
                    LEFT JOIN story_members m ON m.article_id = a.id
                    WHERE articles_fts MATCH ?)
                {"WHERE (score, rid) > (?, ?)" if after else ""}
                ORDER BY score, rid LIMIT ?""",
            [match, *(after or []), limit + 1],
        ).fetchall()
        items = [_article_summary(r) | {"story_id": r["story_id"], "snippet": r["snippet"]} for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor("search", [rows[limit - 1]["score"], rows[limit - 1]["rid"]])
        return Page(items, next_cursor)

    # --- entities ------------------------------------------------------------------------------
    def entity_names(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        """{key: (label, type)} of the entities known to the store."""
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, label, type FROM entity_stats WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update({r[0]: (r[1], r[2]) for r in rows})
        return found

    def browse_entities(
        self, q: str | None = None, kind: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page:
        """Entities, most mentioned (in most articles) first; `q` matches label or key."""
        after = decode_cursor(cursor, "entities", 2) if cursor else None
        where, params = [], []
        if q:
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(label LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if kind:
            where.append("type = ?")
            params.append(kind)
        if after:
            where.append("(articles, key) < (?, ?)")
            params += after
        rows = self._db.execute(
            f"SELECT key, label, type, articles FROM entity_stats{' WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY articles DESC, key DESC LIMIT ?",
            [*params, limit + 1],
        ).fetchall()
        counts = self._story_counts([r["key"] for r in rows[:limit]])
        items = [dict(r) | {"stories": counts.get(r["key"], 0)} for r in rows[:limit]]
        next_cursor = (
            encode_cursor("entities", [rows[limit - 1]["articles"], rows[limit - 1]["key"]])
            if len(rows) > limit
            else None
        )
        return Page(items, next_cursor)

    def _story_counts(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        rows = self._db.execute(
            f"SELECT value, COUNT(*) FROM story_facets WHERE kind = 'entity' AND value IN ({','.join('?' * len(keys))})"
            " GROUP BY value",
            keys,
        )
        return dict(rows.fetchall())

    def entity(self, key: str) -> dict[str, Any] | None:
        """One entity: label, type, articles mentioning it, stories, and its stories per month."""
        row = self._db.execute("SELECT key, label, type, articles FROM entity_stats WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        months = self._db.execute(
            """SELECT substr(b.first_seen, 1, 7) AS month, COUNT(*) AS stories, SUM(b.members) AS articles
               FROM story_facets f JOIN story_browse b ON b.story_id = f.story_id
               WHERE f.kind = 'entity' AND f.value = ? AND b.first_seen != '' GROUP BY month ORDER BY month""",
            (key,),
        ).fetchall()
        return dict(row) | {"stories": self._story_counts([key]).get(key, 0), "months": [dict(m) for m in months]}

    def entity_stories(self, key: str, limit: int = 25, cursor: str | None = None) -> Page:
        """The stories mentioning an entity, latest activity first, one page."""
        after = decode_cursor(cursor, "entity_stories", 2) if cursor else None
        rows = self._db.execute(
            f"""SELECT b.story_id, b.last_seen FROM story_facets f JOIN story_browse b ON b.story_id = f.story_id
                WHERE f.kind = 'entity' AND f.value = ? {"AND (b.last_seen, b.story_id) < (?, ?)" if after else ""}
                ORDER BY b.last_seen DESC, b.story_id DESC LIMIT ?""",
            [key, *(after or []), limit + 1],
        ).fetchall()
        items = self.story_summaries([r["story_id"] for r in rows[:limit]])
        next_cursor = (
            encode_cursor("entity_stories", [rows[limit - 1]["last_seen"], rows[limit - 1]["story_id"]])
            if len(rows) > limit
            else None
        )
        return Page(items, next_cursor)

    # --- errors --------------------------------------------------------------------------------
    def browse_errors(self, limit: int = 50, cursor: str | None = None) -> Page:
        """Recorded ingest failures and repairs, newest first, one page."""
        keys = ("first_seen", "origin", "locator", "stage")
        after = decode_cursor(cursor, "errors", 4) if cursor else None
        rows = self._db.execute(
            f"""SELECT origin, locator, stage, severity, reason, first_seen, last_seen FROM errors
                {"WHERE (first_seen, origin, locator, stage) < (?, ?, ?, ?)" if after else ""}
                ORDER BY first_seen DESC, origin DESC, locator DESC, stage DESC LIMIT ?""",
            [*(after or []), limit + 1],
        ).fetchall()
        items = [dict(r) | {"locator": r["locator"] or None} for r in rows[:limit]]
        next_cursor = encode_cursor("errors", [rows[limit - 1][k] for k in keys]) if len(rows) > limit else None
        return Page(items, next_cursor)


def _top(counts: dict[str, float], n: int | None = None) -> list[tuple[str, float]]:
    if n:
        return heapq.nsmallest(n, counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _entity_ref(key: str, mentions: float, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    label, kind = names.get(key, (key.partition(":")[2] or key, "MISC"))
    return {"key": key, "label": label, "type": kind, "mentions": int(mentions)}


def _article_page(rows: list[sqlite3.Row], limit: int, cursor_kind: str) -> Page:
    """A page of article summaries from `limit + 1` rows; the cursor continues after the last one shown."""
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        key = [int(last["published_sort"] is None), last["published_sort"] or "", last["ingested_seq"]]
        next_cursor = encode_cursor(cursor_kind, key)
    return Page([_article_summary(r) for r in rows[:limit]], next_cursor)


def _article_summary(row: sqlite3.Row) -> dict[str, Any]:
    data = {
        "id": row["id"],
        "title": row["title"],
        "lang": row["lang"],
        "source": row["source"],
        "url": row["url"],
        "sitename": row["sitename"],
        "published": row["published"],
        "published_precision": row["published_precision"],
        "timezone_known": bool(row["timezone_known"]),
        "published_ambiguous": bool(row["published_ambiguous"]),
        "truncated": bool(row["truncated"]),
        "snippet": lead_snippet(row["lead"]),
        "ingested_at": row["ingested_at"],
    }
    keys = row.keys()
    for extra in ("similarity", "duplicate_of", "story_id"):
        if extra in keys:
            data[extra] = row[extra]
    return data
