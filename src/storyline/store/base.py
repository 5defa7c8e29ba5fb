"""The store contract: role protocols that together are everything the pipeline and the views ask of a database.

Each caller is typed against the narrowest role it needs (`ArticleStore` to ingest, `BrowseStore` to show
pages, ...); `Store` is all of them, what `open_store` returns for every backend. Records go in and come out
as the model's dataclasses or plain JSON-ready dicts: no SQL, row encodings or byte layouts leave `store/`.

Lists are read a page at a time, in a total order, continued by an opaque cursor (the keyset position of
the last item handed out, so a page never repeats or skips an item when others are added before it);
`limit=None` reads to the end (the CLI).

>>> cursor = encode_cursor("recent", ["2025-10-01T09:00:00", "st_1"])
>>> decode_cursor(cursor, "recent", 2)
['2025-10-01T09:00:00', 'st_1']
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Container, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from storyline.errors import CursorError
from storyline.model import (
    Alert,
    Analysis,
    Article,
    ArticleRevision,
    Claim,
    Delivery,
    FeedItem,
    IngestError,
    StoryMember,
    StoryOverview,
    StoryRecord,
    StorySummary,
    TimelineEntry,
    WatchedFeed,
    Watchlist,
)

T = TypeVar("T")

RECENT_DAYS = (
    7  # "recent growth": articles of the last week, before the newest article (growth) or today (growth_today)
)
STORY_SORTS = ("growth", "growth_today", "recent", "size", "languages")
CLAIM_STATUSES = ("rumoured", "reported", "planned", "confirmed", "denied")
# Search snippets mark hits with private-use characters, which no article text contains once
# the view has escaped everything else around them.
HIT_START, HIT_END = "\ue000", "\ue001"
MAX_QUERY_WORDS = 32


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a list holds. Dates are ISO 8601 prefixes ('2025', '2025-10', '2025-10-03') compared at the
    article's precision; an end date includes the whole day, month or year."""

    lang: str | None = None
    source: str | None = None  # a site, with or without 'www.'; any site the article was found under
    since: str | None = None
    until: str | None = None
    story: str | None = None


@dataclass(frozen=True)
class StoryFilter:
    """Which stories a list holds; dates as in `ArticleFilter`."""

    q: str | None = None  # full text of the stories' articles
    lang: str | None = None
    source: str | None = None
    entity: str | None = None  # entity key, e.g. 'org:huawei'
    status: str | None = None  # a claim status in the story's timeline
    since: str | None = None  # active on or after
    until: str | None = None  # started on or before
    ids: tuple[str, ...] = ()  # only these stories (none given: any)


@dataclass
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None = None


def chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """`values` in lists of at most `size`: what one `IN (...)` list of a query holds."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def query_words(query: str) -> list[str]:
    """The words a full-text query looks for (all of them, in any order); punctuation is never syntax.

    >>> query_words('P50-Serie "Huawei" OR (')
    ['P50-Serie', 'Huawei', 'OR']
    """
    return re.findall(r"\w[\w'’-]*", query)[:MAX_QUERY_WORDS]


def lead_snippet(text: str, limit: int = 280) -> str:
    """The start of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(",;:") + "…"


class Transactional(Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """Group writes: all of them land or none (a crash inside loses only this group). Writers take turns."""
        ...

    def close(self) -> None: ...


class ArticleStore(Transactional, Protocol):
    """Articles, where each was found, and what failed to become one."""

    def add_article(self, article: Article, origin_key: str) -> bool:
        """Store an article, or add `origin_key` as one more source of the same article. True when it is new."""
        ...

    def record_error(self, error: IngestError) -> None:
        """Record (or refresh) a failure; one row per origin, locator and stage."""
        ...

    def clear_errors(self, origin: str, locator: str | None = None) -> None:
        """Forget earlier failures of a document that has now been ingested, and the warnings about reading it
        (stage 'source': a feed's text of an item stored until its page could be read). Warnings about what was
        stored (a repaired encoding) stay."""
        ...

    def own_files(self) -> set[str]:
        """The files the store itself keeps on disk (never input, even in a folder being ingested)."""
        ...

    def article(self, article_id: str) -> Article | None:
        """An article by id or unique id prefix (any case)."""
        ...

    def article_by_url(self, url: str) -> Article | None:
        """The article ingested from this address, or whose page names it as canonical."""
        ...

    def article_at(self, url: str) -> Article | None:
        """The article last read from exactly this address (a page read again is compared with it)."""
        ...

    def revise_article(
        self, article_id: str, revision: Article, origin_key: str, removed: list[str], added: list[str]
    ) -> bool:
        """Make `revision` (a new text or headline of the page `article_id` was read from) the article's text, and
        its address the one the page was read at, keeping its id, its story and every earlier text (`revisions`);
        what enrichment found in the old text is forgotten, so the next pass analyses it and reads its claims
        again. False when nothing changed."""
        ...

    def revisions(self, article_ids: list[str]) -> dict[str, list[ArticleRevision]]:
        """Every text of these articles that have had more than one, first first."""
        ...

    def articles_by_id(self, article_ids: list[str]) -> dict[str, Article]:
        """These articles (exact ids; missing ones left out)."""
        ...

    def articles(self, filters: ArticleFilter | None = None, limit: int | None = None) -> Iterator[Article]:
        """Whole articles in publication order (undated ones last, in ingestion order): for exports."""
        ...

    def ids_starting_with(self, kind: str, prefix: str, limit: int = 10) -> list[str]:
        """Up to `limit` ids of 'article's or 'story's that start with `prefix` (any case), in id order."""
        ...

    def sources(self, article_id: str) -> list[dict[str, Any]]:
        """Every URL or file an article was found under, first first."""
        ...

    def count_articles(self) -> int: ...


class StageMarks(Transactional, Protocol):
    """Where each stage's search for new work starts, and who is running it."""

    def exclusive(self, stage: str) -> AbstractContextManager[None]:
        """Run a stage alone: another process (or store object) entering the same stage waits until this one
        leaves it. Story assignment reads the stories as they are and writes them back: two at once would not
        see each other's stories."""
        ...

    def advance_mark(self, stage: str) -> None:
        """After a full pass of a stage (analysis, stories, claims:<extractor>, timelines): move its mark to just
        below the oldest row it still has to do, so the next pass reads only what is newer."""
        ...


class AnalysisStore(StageMarks, Protocol):
    """What enrichment found in each article."""

    def add_analysis(self, analysis: Analysis, band_keys: list[int]) -> None:
        """Keep an article's analysis (a second one is ignored) and its MinHash band keys."""
        ...

    def unanalysed_articles(self) -> list[Article]: ...

    def analysed(self, article_ids: list[str]) -> dict[str, tuple[Article, Analysis]]: ...

    def entity_frequencies(self, keys: list[str]) -> dict[str, int]:
        """How many analysed articles mention each of these entities."""
        ...

    def count_analysed(self) -> int: ...

    def second_vectors(self, article_ids: list[str], encoder: str) -> dict[str, Any]:
        """The kept second-opinion vectors (float32 arrays, as rounded when written) of these articles."""
        ...

    def add_second_vector(self, article_id: str, encoder: str, vector: Any) -> None: ...


class StoryStore(StageMarks, Protocol):
    """Stories as assignment keeps them, and their members."""

    def unassigned(self) -> Iterator[tuple[Article, Analysis]]:
        """Analysed articles without a story, in publication order (undated ones in ingestion order).

        Same-time ties go by article id, so stories do not depend on which of several processes ingested first."""
        ...

    def near_duplicate_candidates(
        self, band_keys: list[int], exclude: str, in_stories: Container[str]
    ) -> list[tuple[str, Any, str]]:
        """Members of these stories sharing a MinHash band: (article id, signature, story id)."""
        ...

    def story_records(self, active_since: str | None = None) -> list[StoryRecord]:
        """Stored stories (those active since a date, when given), oldest first."""
        ...

    def latest_story_seen(self) -> str | None:
        """The newest `last_seen` of any story, None when no story is dated."""
        ...

    def save_story(self, story: StoryRecord) -> None:
        """Insert or update a story, and what its list rank and filters read from it."""
        ...

    def add_member(self, member: StoryMember) -> None: ...

    def merge_stories(self, keep: str, gone: str) -> None: ...

    def clear_stories(self) -> None:
        """Forget every story, member and timeline (a recluster starts over)."""
        ...

    def story_members(self, story_id: str) -> list[StoryMember]:
        """A story's members in publication order."""
        ...

    def story_ids_of(self, article_ids: list[str]) -> dict[str, str]:
        """The story of each of these articles (those in none left out)."""
        ...

    def max_assigned_seq(self) -> int: ...


class ClaimStore(StageMarks, Protocol):
    """What each article claims happened, and each story's timeline built from it."""

    def add_claims(self, article_id: str, extractor: str, claims: list[Claim]) -> None:
        """Replace the article's claims, mark it read by `extractor`, and its story's timeline stale."""
        ...

    def articles_without_claims(self, extractor: str) -> list[Article]: ...

    def claims(self, article_ids: list[str]) -> dict[str, list[Claim]]:
        """The claims of each article, in the article's order."""
        ...

    def save_timeline(self, story_id: str, timeline: list[TimelineEntry], built_seq: int | None = None) -> None:
        """Store the story's timeline (entries of stories/timeline.py), built from the story as of `built_seq`."""
        ...

    def stale_timelines(self) -> list[str]:
        """Stories whose timeline is missing or older than their members and claims."""
        ...

    def timeline(self, story_id: str) -> list[TimelineEntry]: ...


class BrowseStore(Protocol):
    """Paged, filtered reads for the views (CLI, REST API, pages, feeds). Everything here only reads."""

    def browse_stories(
        self,
        filters: StoryFilter | None = None,
        sort: str = "growth",
        limit: int | None = 25,
        cursor: str | None = None,
    ) -> Page[StorySummary]:
        """Stories matching `filters`, one page in `sort` order (see STORY_SORTS)."""
        ...

    def story_summaries(self, story_ids: list[str], today: bool = False) -> list[StorySummary]:
        """What a story list shows of each story, in the order of `story_ids`."""
        ...

    def story_overview(self, story_id: str) -> StoryOverview | None:
        """A story (by id or unique prefix) as its page shows it: summary, all sources, entities, timeline."""
        ...

    def story_points(self, story_id: str) -> list[dict[str, Any]]:
        """Every member of a story with what a timeline chart draws: date, language, source, title."""
        ...

    def story_articles(self, story_id: str, limit: int | None = 50, cursor: str | None = None) -> Page[dict[str, Any]]:
        """A story's articles by publication date (undated last), one page."""
        ...

    def article_story(self, article_id: str) -> dict[str, Any] | None:
        """The story an article belongs to: id, label, similarity and duplicate link."""
        ...

    def facet_values(self, kind: str) -> list[str]:
        """Distinct values of a story facet (lang, source, entity, status)."""
        ...

    def recent_window(self, today: bool = False, days: int = RECENT_DAYS) -> tuple[str, str] | None: ...

    def browse_articles(
        self, filters: ArticleFilter | None = None, limit: int | None = 25, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """Article summaries newest first (undated ones last, newest ingested first), one page."""
        ...

    def browse_search(self, query: str, limit: int | None = 20, cursor: str | None = None) -> Page[dict[str, Any]]:
        """Full-text search (or the article read from an address), best first; snippets mark hits with
        HIT_START/HIT_END."""
        ...

    def entity_names(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        """{key: (label, type)} of the entities known to the store."""
        ...

    def browse_entities(
        self, q: str | None = None, kind: str | None = None, limit: int | None = 50, cursor: str | None = None
    ) -> Page[dict[str, Any]]: ...

    def entity(self, key: str) -> dict[str, Any] | None: ...

    def entity_stories(self, key: str, limit: int | None = 25, cursor: str | None = None) -> Page[StorySummary]: ...

    def browse_errors(self, limit: int | None = 50, cursor: str | None = None) -> Page[dict[str, Any]]:
        """Recorded ingest failures and repairs, newest first."""
        ...


class FeedStore(Transactional, Protocol):
    """The feeds the store follows: what `storyline sources` keeps and a watcher polls."""

    def add_feed(self, url: str, title: str | None = None) -> bool:
        """Follow a feed; False when it is followed already (its title is then filled in if it had none)."""
        ...

    def remove_feed(self, url: str) -> bool:
        """Stop following a feed; False when it was not followed. What was read from it stays."""
        ...

    def feeds(self) -> list[WatchedFeed]:
        """Every followed feed, by address."""
        ...

    def record_poll(
        self,
        url: str,
        next_poll: str,
        error: str | None = None,
        new_items: int = 0,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """How a poll went: a success (error None: its validators and new items) or a failure (counted in a row)."""
        ...

    def feed_items(self, url: str, items: list[str]) -> dict[str, FeedItem]:
        """What is known of those of a feed's items (links) read from it before."""
        ...

    def items_due(self, url: str, now: str, limit: int = 100) -> list[FeedItem]:
        """A feed's items read before whose page is due to be read again (next_check at or before `now`)."""
        ...

    def mark_read(self, url: str, items: list[FeedItem]) -> None:
        """Remember these items of a feed as read (after what they gave is stored), or read again: an item keeps
        its first_read, takes the new stamp and next_check."""
        ...


class AlertStore(StageMarks, Protocol):
    """Watchlists, the state of each story that alerts compare with, the alerts given and their webhook deliveries."""

    def add_watchlist(self, watchlist: Watchlist) -> bool:
        """Keep a watchlist; False when one of that name exists (it is left as it is)."""
        ...

    def remove_watchlist(self, name: str) -> bool:
        """Forget a watchlist, its alerts and their deliveries; False when there was none of that name."""
        ...

    def watchlists(self) -> list[Watchlist]:
        """Every watchlist, by name."""
        ...

    def stories_to_alert(self, limit: int = 500) -> list[tuple[str, int]]:
        """(story id, timeline version) of stories whose timeline was rebuilt since their state was last kept,
        above the 'alerts' mark, oldest rebuild first."""
        ...

    def alert_states(self, story_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The kept state of these stories (those with none left out)."""
        ...

    def record_alerts(self, states: dict[str, tuple[dict[str, Any], int]], alerts: list[Alert]) -> list[Alert]:
        """In one transaction: keep each story's state as of a timeline version, and the alerts not given before,
        each with a pending delivery to its watchlist's webhook. The alerts that were new, with their ids."""
        ...

    def alerts(self, watchlist: str | None = None, limit: int | None = 50, cursor: str | None = None) -> Page[Alert]:
        """Alerts given (to one watchlist, or all), newest first."""
        ...

    def alert_counts(self) -> dict[str, int]:
        """How many alerts each watchlist has given (those with none left out)."""
        ...

    def due_deliveries(self, now: str, limit: int = 100) -> list[tuple[Delivery, Alert]]:
        """Pending webhook deliveries whose next attempt is due, oldest first, with their alerts."""
        ...

    def record_delivery(self, delivery: Delivery) -> None:
        """How an attempt went: delivered, pending again (attempts, next_attempt, last_error), or failed."""
        ...

    def deliveries(self, alert_ids: list[int]) -> dict[int, list[Delivery]]:
        """The delivery log of these alerts."""
        ...


class Store(ArticleStore, AnalysisStore, StoryStore, ClaimStore, BrowseStore, FeedStore, AlertStore, Protocol):
    """Everything: what `open_store` returns, for SQLite and PostgreSQL alike."""

    url: str  # where it is: a file path, ':memory:', or a postgresql:// URL
