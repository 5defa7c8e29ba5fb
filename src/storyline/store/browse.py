"""The browse role over SQL: filtered story lists, keyset pages with opaque cursors, entity pages, search.

Mixed into `SQLStore`; everything here only reads. Story lists read `story_browse` and `story_facets`
(written with each story, see sql.py), so a page of stories costs index range scans. A backend supplies
`_data_version` (a value that changes whenever anything was committed) and `_fts` (its full-text search).
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from storyline.model import (
    Article,
    ArticleRevision,
    EntityRef,
    RecentWindow,
    StoryOverview,
    StorySummary,
    TimelineEntry,
)
from storyline.store.base import (
    CLAIM_STATUSES,
    RECENT_DAYS,
    STORY_SORTS,
    ArticleFilter,
    Page,
    StoryFilter,
    chunks,
    decode_cursor,
    encode_cursor,
    lead_snippet,
)

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
_UNDATED = "CASE WHEN a.published_sort IS NULL THEN 1 ELSE 0 END"
_TOP = "\U0010ffff"  # sorts after every other character: the upper bound of prefixes
_SUMMARY_CACHE = 5000  # stories whose summary a connection keeps (until the store changes)
_ADDRESS = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class FullText:
    """A backend's full-text match of one query, as SQL parts over the articles aliased `a`."""

    source: str  # the FROM clause (binds `a`)
    condition: str  # the WHERE condition
    params: list[Any]  # of source, then condition
    score: str  # lower is better
    rid: str  # a unique integer per article: ties of score
    snippet: str  # the hits marked with HIT_START and HIT_END


@dataclass
class _Growth:
    version: Any
    since: str | None
    recent: dict[str, int]  # story id -> articles in the recent window
    keys: list[tuple[float, int, str, str]]  # (rank, members, last_seen, id) of every story, descending
    summaries: dict[str, StorySummary] = field(default_factory=dict)  # story id -> story_summaries item
    until: str | None = None  # the window's end: the newest article's time, or now
    today: bool = False  # the window ends now, not at the newest article


class BrowseQueries:
    """Paged, filtered reads for the REST API, web pages, feeds and the CLI (mixed into SQLStore)."""

    _execute: Callable[..., Any]
    _article: Callable[[Any], Article]
    _driving_join = "JOIN"  # a join whose left side the planner must read first (SQLite: CROSS JOIN)

    def _data_version(self) -> Any:
        raise NotImplementedError

    def _fts(self, query: str) -> FullText | None:
        """The backend's match of the query's words (None when it has none)."""
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._execute(sql, params).fetchall())

    # --- stories -------------------------------------------------------------------------------
    def recent_window(self, today: bool = False, days: int = RECENT_DAYS) -> tuple[str, str] | None:
        """The "recent" window (start, end): the `days` before the newest dated article (an archive's last week), or
        before now with `today`. None for a store without dated articles (and no window before the newest)."""
        if today:
            end = datetime.now(UTC).replace(tzinfo=None)
        else:
            newest = self._execute("SELECT MAX(published_sort) FROM articles").fetchone()[0]
            if not newest:
                return None
            end = datetime.strptime(newest[:16], "%Y-%m-%dT%H:%M")
        return (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")

    def _story_conditions(self, filters: StoryFilter) -> tuple[list[str], list[Any]]:
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
        if filters.ids:
            where.append(f"b.story_id IN ({','.join('?' * len(filters.ids))})")
            params += list(filters.ids)
        if filters.q is not None:
            match = self._fts(filters.q)
            if match is None:
                where.append("1 = 0")  # no words: nothing matches
            else:
                where.append(
                    f"b.story_id IN (SELECT m.story_id FROM {match.source} JOIN story_members m ON m.article_id = a.id"
                    f" WHERE {match.condition})"
                )
                params += match.params
        return where, params

    def _growth(self, today: bool = False) -> _Growth:
        """Recent counts and the growth order of every story, recomputed only when the store changed (or, measured
        from today, when the hour changed): the key is the backend's data version, so a cached order is never stale.
        """
        version = (self._data_version(), datetime.now(UTC).strftime("%Y-%m-%dT%H") if today else "")
        caches: dict[bool, _Growth] = self.__dict__.setdefault("_growth_caches", {})
        cached = caches.get(today)
        if cached is not None and cached.version == version:
            return cached
        window = self.recent_window(today)
        since, until = window if window else (None, None)
        recent: dict[str, int] = {}
        if since:
            # Driven by the date index: only the articles of the window, never every member of every story.
            recent = {
                r[0]: int(r[1])
                for r in self._rows(
                    f"""SELECT m.story_id, COUNT(*) FROM articles a {self._driving_join} story_members m ON m.article_id = a.id
                       WHERE a.published_sort >= ? GROUP BY m.story_id""",
                    (since,),
                )
            }
        keys = [
            ((recent.get(sid, 0) + 1) * float(spread), int(members), last_seen, sid)
            for spread, members, last_seen, sid in self._rows(
                "SELECT spread, members, last_seen, story_id FROM story_browse"
            )
        ]
        keys.sort(reverse=True)
        caches[today] = _Growth(version, since, recent, keys, until=until, today=today)
        return caches[today]

    def browse_stories(
        self,
        filters: StoryFilter | None = None,
        sort: str = "growth",
        limit: int | None = 25,
        cursor: str | None = None,
    ) -> Page[StorySummary]:
        """Stories matching `filters`, one page in `sort` order (see STORY_SORTS).

        growth: rank = (articles of the week before the newest article + 1) x (1 + ln languages) x (1 + ln
        sources); growth_today: the same with the week before now (an archive's stories all rank by spread
        alone); recent: last article first; size: most articles; languages: most languages. Each story's
        `recent` count is of the window of its sort (growth_today: the last 7 days; else the store's last week).
        """
        if sort not in STORY_SORTS:
            raise ValueError(f"unknown sort {sort!r}; use one of {', '.join(STORY_SORTS)}")
        where, params = self._story_conditions(filters or StoryFilter())
        today = sort == "growth_today"
        growth = self._growth(today)
        wanted = None if limit is None else limit + 1
        if sort in ("growth", "growth_today"):
            after = decode_cursor(cursor, sort, len(_GROWTH_KEY)) if cursor else None
            keys = self._growth_page(growth, where, params, wanted, after)
        else:
            columns = _STORY_KEYS[sort]
            after = decode_cursor(cursor, sort, len(columns)) if cursor else None
            conditions = list(where)
            if after:
                conditions.append(f"({', '.join('b.' + k for k in columns)}) < ({', '.join('?' * len(columns))})")
            sql = (
                f"SELECT {', '.join('b.' + k for k in columns)} FROM story_browse b"
                f"{' WHERE ' + ' AND '.join(conditions) if conditions else ''}"
                f" ORDER BY {', '.join('b.' + k + ' DESC' for k in columns)}"
            )
            extra: list[Any] = []
            if wanted is not None:
                sql += " LIMIT ?"
                extra = [wanted]
            keys = [tuple(r) for r in self._rows(sql, [*params, *(after or []), *extra])]
        more = limit is not None and len(keys) > limit
        keys = keys[:limit]
        items = self.story_summaries([k[-1] for k in keys], today)
        next_cursor = encode_cursor(sort, list(keys[-1])) if more else None
        return Page(items, next_cursor)

    def _growth_page(
        self, growth: _Growth, where: list[str], params: list[Any], limit: int | None, after: list[Any] | None
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
        end = None if limit is None else start + limit
        if not where:
            return list(order[start:end])
        matching = {
            r[0] for r in self._rows(f"SELECT b.story_id FROM story_browse b WHERE {' AND '.join(where)}", params)
        }
        found = []
        for key in order[start:]:
            if key[-1] in matching:
                found.append(key)
                if len(found) == limit:
                    break
        return found

    def story_summaries(self, story_ids: list[str], today: bool = False) -> list[StorySummary]:
        """What a story list shows of each story, in the order of `story_ids`; its `recent` count is of the store's
        last week, or with `today` of the last 7 days."""
        growth = self._growth(today)
        cache = growth.summaries
        missing = [sid for sid in dict.fromkeys(story_ids) if sid not in cache]
        if missing:
            if len(cache) + len(missing) > _SUMMARY_CACHE:
                cache.clear()
            window = RecentWindow(growth.until, growth.today)  # which week `recent` counts, for the views to say so
            for chunk in chunks(missing):
                cache.update(self._summaries(chunk, growth.recent, window))
        return [cache[sid] for sid in story_ids if sid in cache]

    def _summaries(self, story_ids: list[str], recent: dict[str, int], window: RecentWindow) -> dict[str, StorySummary]:
        marks = ",".join("?" * len(story_ids))
        rows = {
            r["id"]: r
            for r in self._rows(
                f"""SELECT s.id, s.label, s.labels, s.languages, s.sources, s.entities, s.first_seen, s.last_seen,
                       s.members, b.spread FROM stories s JOIN story_browse b ON b.story_id = s.id
                WHERE s.id IN ({marks})""",
                story_ids,
            )
        }
        statuses: dict[str, dict[str, int]] = {}
        for r in self._rows(
            f"SELECT story_id, value, weight FROM story_facets WHERE story_id IN ({marks}) AND kind = 'status'",
            story_ids,
        ):
            statuses.setdefault(r["story_id"], {})[r["value"]] = int(r["weight"])
        tops = {sid: _top(json.loads(r["entities"]), 6) for sid, r in rows.items()}
        names = self.entity_names(sorted({k for top in tops.values() for k, _ in top}))
        found = {}
        for sid, row in rows.items():
            languages = json.loads(row["languages"])
            sources = json.loads(row["sources"])
            n = recent.get(sid, 0)
            found[sid] = StorySummary(
                id=sid,
                label=row["label"],
                labels=json.loads(row["labels"]),
                size=row["members"],
                languages=[k for k, _ in _top(languages)],
                language_counts=languages,
                sources=[k for k, _ in _top(sources, 5)],
                n_sources=len(sources),
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
                entities=[_entity_ref(k, v, names) for k, v in tops[sid]],
                statuses={s: statuses[sid][s] for s in CLAIM_STATUSES if s in statuses.get(sid, {})},
                recent=n,
                rank=round((n + 1) * float(row["spread"]), 4),
                recent_window=window,
            )
        return found

    def story_overview(self, story_id: str) -> StoryOverview | None:
        """A story (by id or unique prefix, any case) as its page shows it: summary, all sources, entities,
        timeline."""
        ident = story_id.strip().lower()
        row = self._execute("SELECT id FROM stories WHERE id = ?", (ident,)).fetchone()
        if row is None and ident:
            found = self._rows("SELECT id FROM stories WHERE id >= ? AND id < ? LIMIT 2", (ident, ident + _TOP))
            row = found[0] if len(found) == 1 else None
        if row is None:
            return None
        sid = row[0]
        summary = self.story_summaries([sid])[0]
        full = self._execute("SELECT sources, entities FROM stories WHERE id = ?", (sid,)).fetchone()
        sources = json.loads(full["sources"])
        top = _top(json.loads(full["entities"]), 20)
        names = self.entity_names([k for k, _ in top])
        return StoryOverview(
            **{f.name: getattr(summary, f.name) for f in fields(StorySummary)}
            | {"sources": [k for k, _ in _top(sources)], "entities": [_entity_ref(k, v, names) for k, v in top]},
            source_counts=sources,
            timeline=self.timeline(sid),
            revisions=self._story_revisions(sid),
        )

    def _story_revisions(self, story_id: str) -> list[ArticleRevision]:
        rows = self._rows(
            """SELECT r.article_id, r.number, r.content_id, r.title, r.text, r.recorded_at, r.removed, r.added
               FROM story_members m JOIN article_revisions r ON r.article_id = m.article_id
               WHERE m.story_id = ? ORDER BY r.recorded_at DESC, r.article_id, r.number DESC""",
            (story_id,),
        )
        return [
            ArticleRevision(r[0], r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6])), tuple(json.loads(r[7])))
            for r in rows
        ]

    def timeline(self, story_id: str) -> list[TimelineEntry]:
        row = self._execute("SELECT timeline FROM story_timelines WHERE story_id = ?", (story_id,)).fetchone()
        return [TimelineEntry.from_dict(entry) for entry in json.loads(row[0])] if row else []

    def story_points(self, story_id: str) -> list[dict[str, Any]]:
        rows = self._rows(
            """SELECT a.id, a.title, a.lang, a.source, a.published, a.published_precision, a.published_sort,
                      m.duplicate_of FROM story_members m JOIN articles a ON a.id = m.article_id
               WHERE m.story_id = ? ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq""",
            (story_id,),
        )
        return [dict(r) for r in rows]

    def story_articles(self, story_id: str, limit: int | None = 50, cursor: str | None = None) -> Page[dict[str, Any]]:
        after = decode_cursor(cursor, "story_articles", 3) if cursor else None
        sql = (
            f"SELECT {_SUMMARY_COLUMNS}, m.similarity, m.duplicate_of, m.story_id FROM story_members m"
            " JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?"
        )
        params: list[Any] = [story_id]
        if after:
            sql += f" AND ({_UNDATED}, COALESCE(a.published_sort, ''), a.ingested_seq) > (?, ?, ?)"
            params += after
        sql += " ORDER BY a.published_sort IS NULL, a.published_sort, a.ingested_seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        return _article_page(self._rows(sql, params), limit, "story_articles")

    def article_story(self, article_id: str) -> dict[str, Any] | None:
        row = self._execute(
            """SELECT m.story_id, m.similarity, m.duplicate_of, s.label FROM story_members m
               JOIN stories s ON s.id = m.story_id WHERE m.article_id = ?""",
            (article_id,),
        ).fetchone()
        return dict(row) if row else None

    def facet_values(self, kind: str) -> list[str]:
        """Distinct values of a story facet (lang, status, ...): one index seek each, not a scan."""
        rows = self._rows(
            """WITH RECURSIVE v(value) AS (
                   SELECT MIN(value) FROM story_facets WHERE kind = ?
                   UNION ALL
                   SELECT (SELECT MIN(f.value) FROM story_facets f WHERE f.kind = ? AND f.value > v.value)
                   FROM v WHERE v.value IS NOT NULL)
               SELECT value FROM v WHERE value IS NOT NULL LIMIT 500""",
            (kind, kind),
        )
        return [r[0] for r in rows]

    # --- articles ------------------------------------------------------------------------------
    def browse_articles(
        self, filters: ArticleFilter | None = None, limit: int | None = 25, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        from storyline.store.sql import article_conditions

        filters = filters or ArticleFilter()
        after = decode_cursor(cursor, "articles", 3) if cursor else None
        where, params = article_conditions(filters)
        wanted = None if limit is None else limit + 1
        rows: list[Any] = []
        # Two index ranges instead of one sort: dated articles newest first, then the undated ones.
        if after is None or after[0] == 0:
            conditions = [*where, "a.published_sort IS NOT NULL"]
            extra: list[Any] = []
            if after:
                conditions.append("(a.published_sort, a.ingested_seq) < (?, ?)")
                extra = after[1:]
            sql = (
                f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE {' AND '.join(conditions)}"
                " ORDER BY a.published_sort DESC, a.ingested_seq DESC"
            )
            rows += self._rows(sql + (" LIMIT ?" if wanted else ""), [*params, *extra, *([wanted] if wanted else [])])
        dated_only = bool(filters.since or filters.until)
        if (wanted is None or len(rows) < wanted) and not dated_only:
            conditions = [*where, "a.published_sort IS NULL"]
            extra = []
            if after and after[0] == 1:
                conditions.append("a.ingested_seq < ?")
                extra = [after[2]]
            sql = f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE {' AND '.join(conditions)} ORDER BY a.ingested_seq DESC"
            rest = None if wanted is None else wanted - len(rows)
            rows += self._rows(sql + (" LIMIT ?" if rest else ""), [*params, *extra, *([rest] if rest else [])])
        return _article_page(rows, limit, "articles")

    # --- search --------------------------------------------------------------------------------
    def browse_search(self, query: str, limit: int | None = 20, cursor: str | None = None) -> Page[dict[str, Any]]:
        if _ADDRESS.fullmatch(query.strip()):  # an address: the article read from it, or naming it canonical
            found = getattr(self, "article_by_url")(query.strip())  # noqa: B009 (ArticleStore, beside this mixin)
            if found is None or cursor:
                return Page([])
            rows = self._rows(f"SELECT {_SUMMARY_COLUMNS} FROM articles a WHERE a.id = ?", (found.id,))
            story = self.article_story(found.id)
            return Page(
                [
                    _article_summary(r) | {"story_id": story and story["story_id"], "snippet": query.strip()}
                    for r in rows
                ]
            )
        match = self._fts(query)
        if match is None:
            return Page([])
        after = decode_cursor(cursor, "search", 2) if cursor else None
        sql = f"""SELECT * FROM (
                    SELECT {_SUMMARY_COLUMNS}, m.story_id, {match.score} AS score, {match.rid} AS rid,
                           {match.snippet} AS snippet
                    FROM {match.source} LEFT JOIN story_members m ON m.article_id = a.id
                    WHERE {match.condition}) hits
                {"WHERE (score, rid) > (?, ?)" if after else ""}
                ORDER BY score, rid"""
        params = [*match.params, *(after or [])]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._rows(sql, params)
        items = [_article_summary(r) | {"story_id": r["story_id"], "snippet": r["snippet"]} for r in rows[:limit]]
        next_cursor = None
        if limit is not None and len(rows) > limit:
            next_cursor = encode_cursor("search", [float(rows[limit - 1]["score"]), int(rows[limit - 1]["rid"])])
        return Page(items, next_cursor)

    # --- entities ------------------------------------------------------------------------------
    def entity_names(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for chunk in chunks(keys):
            rows = self._rows(
                f"SELECT key, label, type FROM entity_stats WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update({r[0]: (r[1], r[2]) for r in rows})
        return found

    def browse_entities(
        self, q: str | None = None, kind: str | None = None, limit: int | None = 50, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """Entities, most mentioned (in most articles) first; `q` matches label or key (any case)."""
        after = decode_cursor(cursor, "entities", 2) if cursor else None
        where: list[str] = []
        params: list[Any] = []
        if q:
            pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(LOWER(label) LIKE ? ESCAPE '\\' OR LOWER(key) LIKE ? ESCAPE '\\')")
            params += [pattern, pattern]
        if kind:
            where.append("type = ?")
            params.append(kind)
        if after:
            where.append("(articles, key) < (?, ?)")
            params += after
        sql = (
            f"SELECT key, label, type, articles FROM entity_stats{' WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY articles DESC, key DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._rows(sql, params)
        counts = self._story_counts([r["key"] for r in rows[:limit]])
        items = [dict(r) | {"stories": counts.get(r["key"], 0)} for r in rows[:limit]]
        next_cursor = None
        if limit is not None and len(rows) > limit:
            next_cursor = encode_cursor("entities", [rows[limit - 1]["articles"], rows[limit - 1]["key"]])
        return Page(items, next_cursor)

    def _story_counts(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(keys):
            rows = self._rows(
                f"SELECT value, COUNT(*) FROM story_facets WHERE kind = 'entity' AND value IN ({','.join('?' * len(chunk))})"
                " GROUP BY value",
                chunk,
            )
            found.update({r[0]: int(r[1]) for r in rows})
        return found

    def entity(self, key: str) -> dict[str, Any] | None:
        """One entity: label, type, articles mentioning it, stories, and its stories per month."""
        row = self._execute("SELECT key, label, type, articles FROM entity_stats WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        months = self._rows(
            """SELECT substr(b.first_seen, 1, 7) AS month, COUNT(*) AS stories, CAST(SUM(b.members) AS INTEGER) AS articles
               FROM story_facets f JOIN story_browse b ON b.story_id = f.story_id
               WHERE f.kind = 'entity' AND f.value = ? AND b.first_seen != ''
               GROUP BY substr(b.first_seen, 1, 7) ORDER BY month""",
            (key,),
        )
        return dict(row) | {
            "stories": self._story_counts([key]).get(key, 0),
            "months": [{"month": m[0], "stories": int(m[1]), "articles": int(m[2])} for m in months],
        }

    def entity_stories(self, key: str, limit: int | None = 25, cursor: str | None = None) -> Page[StorySummary]:
        """The stories mentioning an entity, latest activity first, one page."""
        after = decode_cursor(cursor, "entity_stories", 2) if cursor else None
        sql = f"""SELECT b.story_id, b.last_seen FROM story_facets f JOIN story_browse b ON b.story_id = f.story_id
                WHERE f.kind = 'entity' AND f.value = ? {"AND (b.last_seen, b.story_id) < (?, ?)" if after else ""}
                ORDER BY b.last_seen DESC, b.story_id DESC"""
        params = [key, *(after or [])]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._rows(sql, params)
        items = self.story_summaries([r["story_id"] for r in rows[:limit]])
        next_cursor = None
        if limit is not None and len(rows) > limit:
            next_cursor = encode_cursor("entity_stories", [rows[limit - 1]["last_seen"], rows[limit - 1]["story_id"]])
        return Page(items, next_cursor)

    # --- errors --------------------------------------------------------------------------------
    def browse_errors(self, limit: int | None = 50, cursor: str | None = None) -> Page[dict[str, Any]]:
        keys = ("first_seen", "origin", "locator", "stage")
        after = decode_cursor(cursor, "errors", 4) if cursor else None
        sql = f"""SELECT origin, locator, stage, severity, reason, first_seen, last_seen FROM errors
                {"WHERE (first_seen, origin, locator, stage) < (?, ?, ?, ?)" if after else ""}
                ORDER BY first_seen DESC, origin DESC, locator DESC, stage DESC"""
        params = list(after or [])
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit + 1)
        rows = self._rows(sql, params)
        items = [dict(r) | {"locator": r["locator"] or None} for r in rows[:limit]]
        next_cursor = None
        if limit is not None and len(rows) > limit:
            next_cursor = encode_cursor("errors", [rows[limit - 1][k] for k in keys])
        return Page(items, next_cursor)


def _top(counts: dict[str, float], n: int | None = None) -> list[tuple[str, float]]:
    if n:
        return heapq.nsmallest(n, counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _entity_ref(key: str, mentions: float, names: dict[str, tuple[str, str]]) -> EntityRef:
    label, kind = names.get(key, (key.partition(":")[2] or key, "MISC"))
    return EntityRef(key, label, kind, int(mentions))


def _article_page(rows: list[Any], limit: int | None, cursor_kind: str) -> Page[dict[str, Any]]:
    """A page of article summaries from `limit + 1` rows; the cursor continues after the last one shown."""
    next_cursor = None
    if limit is not None and len(rows) > limit:
        last = rows[limit - 1]
        key = [int(last["published_sort"] is None), last["published_sort"] or "", last["ingested_seq"]]
        next_cursor = encode_cursor(cursor_kind, key)
    return Page([_article_summary(r) for r in rows[:limit]], next_cursor)


def _article_summary(row: Any) -> dict[str, Any]:
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
