"""Atom feeds (feedgen), so people can follow a story, an entity or a search in their feed reader.

/feeds/story/ID       the story's articles, newest first
/feeds/entity/KEY     the stories that mention the entity, latest activity first
/feeds/search?q=...   the articles that match, newest first
/feeds/watchlist/NAME a watchlist's alerts, newest first (a rumour confirmed, a new event, a new language...)

Ids are tag: URIs (RFC 4151) that name the story, article, alert or query, never the host that served them,
so a reader sees the same entries whichever address it polled. Links start with the configured
public base URL (STORYLINE_BASE_URL, see `public_base_url`); without one, with the request's own.

Every feed carries an ETag (a hash of what the feed shows and of the configured base URL: the same
store state gives the same ETag on every request and host) and a Last-Modified (its newest item),
and answers 304 Not Modified to If-None-Match / If-Modified-Since when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from storyline.errors import ConfigurationError
from storyline.model import Alert
from storyline.store.base import ArticleFilter
from storyline.web.access import read_store
from storyline.web.charts import moment
from storyline.web.watchlists import feed_path

router = APIRouter(prefix="/feeds", include_in_schema=False)
FEED_SIZE = 50
ATOM = "application/atom+xml; charset=utf-8"
# The authority and date of our tag: URIs (RFC 4151). Fixed: entry ids must never change.
TAG = "tag:storyline,2025:"
# Bump when the rendering changes, so readers holding an old ETag get the new rendering.
FEED_FORMAT = "1"
# Caches may keep a feed but must ask (conditionally) before reusing it: no heuristic freshness.
CACHE_CONTROL = "no-cache"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# XML 1.0 cannot carry these at all (lxml refuses them), whatever the escaping.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def public_base_url(value: str | None) -> str | None:
    """The public base URL for feed links ('https://news.example.org' or with a path prefix), or None.

    Blank means not configured. Raises ConfigurationError for anything but an absolute http(s) URL without
    credentials, query or fragment.

    >>> public_base_url("https://news.example.org/storyline/"), public_base_url("  ")
    ('https://news.example.org/storyline', None)
    """
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or value.endswith(("?", "#"))
        or re.search(r"[\s<>\"'`\\]", value)
    ):
        raise ConfigurationError(
            f"the public base URL must be an absolute http(s) URL such as https://news.example.org, not {value[:100]!r}"
        )
    return value.rstrip("/")


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _when(text: str | None, fallback: datetime) -> datetime:
    """A feed timestamp: the date at its precision, in UTC when no zone was given."""
    if text:
        try:
            value = datetime.fromisoformat(text) if len(text) > 10 else moment(text)
        except ValueError:
            value = moment(text)
        if value is not None:
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return fallback


@dataclass
class Entry:
    id: str
    title: str
    path: str  # the page it links to, from the base URL on
    published: datetime
    updated: datetime
    summary: str


@dataclass
class Feed:
    """What a feed shows, with paths instead of links: the ETag is made from this, the body from this and a base."""

    id: str
    title: str
    subtitle: str
    page_path: str
    self_path: str
    updated: datetime
    modified: datetime | None = None  # Last-Modified: the newest item (None: no items)
    entries: list[Entry] = field(default_factory=list)

    def note(self, when: datetime) -> None:
        self.modified = when if self.modified is None else max(self.modified, when)

    def etag(self, configured_base: str | None) -> str:
        shown = asdict(self) | {"format": FEED_FORMAT, "base": configured_base or ""}
        digest = hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:32]
        # Without a configured base the links follow the request's host, so bodies with this ETag
        # differ in their links: a weak ETag (RFC 9110 8.8.1) says they are equivalent, not identical.
        return f'"{digest}"' if configured_base else f'W/"{digest}"'

    def atom(self, base: str) -> bytes:
        feed = FeedGenerator()
        feed.id(self.id)
        feed.title(self.title)
        feed.subtitle(self.subtitle)
        feed.author({"name": "storyline"})
        feed.link(href=f"{base}{self.page_path}", rel="alternate")
        feed.link(href=f"{base}{self.self_path}", rel="self")
        feed.generator("storyline")
        feed.updated(self.updated)
        for item in self.entries:
            entry = feed.add_entry(order="append")
            entry.id(item.id)
            entry.title(item.title)
            # One link only: feedgen 1.0 writes no rel on entry links, so a second one would read as another
            # alternate. The article page links to the original when it is an http(s) URL.
            entry.link(href=f"{base}{item.path}", rel="alternate")
            entry.published(item.published)
            entry.updated(item.updated)
            entry.summary(item.summary)
        return feed.atom_str(pretty=True)


def _article_entry(feed: Feed, article: dict[str, Any], fallback: datetime) -> None:
    ingested = _when(article.get("ingested_at"), fallback)
    when = _when(article["published"], ingested)
    feed.entries.append(
        Entry(
            id=f"{TAG}article/{quote(article['id'], safe='')}",
            title=_clean(article["title"]) or "(untitled)",
            path=f"/articles/{article['id']}",
            published=when,
            updated=when,
            summary=_clean(" · ".join(filter(None, [article["lang"], article["source"]])) + " — " + article["snippet"]),
        )
    )
    # An article ingested late with an old date still changes the feed: its ingestion time counts too.
    feed.note(max(when, ingested))


def _last_modified(feed: Feed, now: datetime) -> datetime | None:
    if feed.modified is None:
        return None
    # Whole seconds, as HTTP dates carry them; never later than the response (RFC 9110 8.8.2.1).
    return min(feed.modified.astimezone(UTC), now).replace(microsecond=0)


def _not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110 13.1.2, 13.1.3, 13.2.2): If-None-Match, else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        ours = etag.removeprefix("W/")
        # Weak comparison: W/"x" and "x" match.
        return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified <= since
    return False


def _response(request: Request, feed: Feed) -> Response:
    configured: str | None = getattr(request.app.state, "base_url", None)
    etag = feed.etag(configured)
    last_modified = _last_modified(feed, datetime.now(UTC))
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
    if _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    base = configured or str(request.base_url).rstrip("/")
    return Response(feed.atom(base), media_type=ATOM, headers=headers)


@router.get("/story/{story_id}")
def story_feed(request: Request, story_id: str) -> Response:
    store = read_store(request)
    story = store.story_overview(story_id)
    if story is None:
        raise HTTPException(404, f"no story with id {story_id!r}")
    sid = story.id
    updated = _when(story.last_seen, EPOCH)
    feed = Feed(
        id=f"{TAG}feeds/story/{quote(sid, safe='')}",
        title=_clean(story.label) or "Story",
        subtitle=_clean(f"{story.size} articles in {', '.join(story.languages)}"),
        page_path=f"/stories/{sid}",
        self_path=f"/feeds/story/{sid}",
        updated=updated,
    )
    if story.last_seen:
        feed.note(updated)
    for article in store.browse_articles(ArticleFilter(story=sid), FEED_SIZE).items:
        _article_entry(feed, article, updated)
    return _response(request, feed)


@router.get("/entity/{key:path}")
def entity_feed(request: Request, key: str) -> Response:
    store = read_store(request)
    entity = store.entity(key)
    if entity is None:
        raise HTTPException(404, f"no entity with key {key!r}")
    stories = store.entity_stories(key, FEED_SIZE).items
    feed = Feed(
        id=f"{TAG}feeds/entity/{quote(key, safe='/:')}",
        title=_clean(f"{entity['label']} · storyline"),
        subtitle=_clean(f"Stories that mention {entity['label']}"),
        page_path=f"/entities/{quote(key)}",
        self_path=f"/feeds/entity/{quote(key)}",
        updated=max((_when(s.last_seen, EPOCH) for s in stories), default=EPOCH),
    )
    for story in stories:
        last_seen = _when(story.last_seen, EPOCH)
        feed.entries.append(
            Entry(
                id=f"{TAG}story/{quote(story.id, safe='')}",
                title=_clean(story.label) or "(untitled story)",
                path=f"/stories/{story.id}",
                published=_when(story.first_seen, EPOCH),
                updated=last_seen,
                summary=_clean(
                    f"{story.size} articles in {', '.join(story.languages)} from "
                    f"{story.n_sources} sources" + (f"; claims: {', '.join(story.statuses)}" if story.statuses else "")
                ),
            )
        )
        feed.note(last_seen)
    return _response(request, feed)


@router.get("/search")
def search_feed(request: Request, q: str = Query(max_length=200)) -> Response:
    store = read_store(request)
    hits = store.browse_search(q, FEED_SIZE).items
    # Best matches are chosen, then shown newest first, as feed readers expect.
    hits.sort(key=lambda a: _when(a["published"], _when(a.get("ingested_at"), EPOCH)), reverse=True)
    query = urlencode({"q": q})
    feed = Feed(
        id=f"{TAG}feeds/search?{query}",
        title=_clean(f"“{q}” · storyline"),
        subtitle=_clean(f"Articles that match “{q}”"),
        page_path=f"/search?{query}",
        self_path=f"/feeds/search?{query}",
        updated=max((_when(a["published"], EPOCH) for a in hits), default=EPOCH),
    )
    for article in hits:
        _article_entry(feed, article | {"snippet": re.sub("[\ue000\ue001]", "", article["snippet"])}, EPOCH)
    return _response(request, feed)


def _alert_summary(alert: Alert) -> str:
    """The evidence of an alert: the sentence in its own language, with that language and the site; or, for a new
    story or language, its headline."""
    detail = alert.detail
    where = " · ".join(str(detail[k]) for k in ("lang", "source") if detail.get(k))
    said = detail.get("evidence") or detail.get("headline")
    if said:
        return f"“{said}”" + (f" — {where}" if where else "")
    parts = [str(detail.get("story_label") or alert.story_id)]
    for key in ("languages", "sources"):
        if isinstance(detail.get(key), list) and detail[key]:
            parts.append(f"{key}: {', '.join(str(v) for v in detail[key])}")
    return " — ".join(parts)


@router.get("/watchlist/{name:path}")
def watchlist_feed(request: Request, name: str) -> Response:
    store = read_store(request)
    watchlist = next((w for w in store.watchlists() if w.name == name), None)
    if watchlist is None:
        raise HTTPException(404, f"no watchlist named {name!r}")
    alerts = store.alerts(watchlist.name, FEED_SIZE).items
    created = _when(watchlist.created_at, EPOCH)
    query = ", ".join(f"{k}={v}" for k, v in watchlist.query().items())
    feed = Feed(
        id=f"{TAG}feeds/watchlist/{quote(watchlist.name, safe='')}",
        title=_clean(f"{watchlist.name} · storyline alerts"),
        subtitle=_clean(f"Alerts on the stories that match {query}"),
        page_path="/watchlists",
        self_path=feed_path(watchlist.name),
        updated=max((_when(a.created_at, created) for a in alerts), default=created),
    )
    for alert in alerts:  # newest first, as the store gives them
        when = _when(alert.created_at, created)
        feed.entries.append(
            Entry(
                id=f"{TAG}alert/{alert.id}",
                title=_clean(alert.title) or "(alert)",
                path=f"/stories/{alert.story_id}",
                published=when,
                updated=when,
                summary=_clean(_alert_summary(alert)),
            )
        )
        feed.note(when)
    return _response(request, feed)
