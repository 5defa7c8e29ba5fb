"""Atom feeds (feedgen), so people can follow a story, an entity or a search in their feed reader.

/feeds/story/ID       the story's articles, newest first
/feeds/entity/KEY     the stories that mention the entity, latest activity first
/feeds/search?q=...   the articles that match, newest first
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from storyline.store.browse import ArticleFilter
from storyline.web.access import read_store
from storyline.web.charts import moment

router = APIRouter(prefix="/feeds", include_in_schema=False)
FEED_SIZE = 50
ATOM = "application/atom+xml; charset=utf-8"
# XML 1.0 cannot carry these at all (lxml refuses them), whatever the escaping.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


def _feed(request: Request, feed_id: str, title: str, page_path: str, subtitle: str) -> FeedGenerator:
    base = str(request.base_url).rstrip("/")
    feed = FeedGenerator()
    feed.id(f"{base}{feed_id}")
    feed.title(_clean(title) or "storyline")
    feed.subtitle(_clean(subtitle))
    feed.author({"name": "storyline"})
    feed.link(href=f"{base}{page_path}", rel="alternate")
    feed.link(href=str(request.url), rel="self")
    feed.generator("storyline")
    return feed


def _article_entry(feed: FeedGenerator, base: str, article: dict[str, Any], fallback: datetime) -> None:
    entry = feed.add_entry(order="append")
    entry.id(f"{base}/articles/{article['id']}")
    entry.title(_clean(article["title"]) or "(untitled)")
    # One link only: feedgen 1.0 writes no rel on entry links, so a second one would read as another alternate.
    # The article page links to the original when it is an http(s) URL.
    entry.link(href=f"{base}/articles/{article['id']}", rel="alternate")
    when = _when(article["published"], _when(article.get("ingested_at"), fallback))
    entry.published(when)
    entry.updated(when)
    entry.summary(_clean(" · ".join(filter(None, [article["lang"], article["source"]])) + " — " + article["snippet"]))


def _response(feed: FeedGenerator) -> Response:
    return Response(feed.atom_str(pretty=True), media_type=ATOM)


@router.get("/story/{story_id}")
def story_feed(request: Request, story_id: str) -> Response:
    store = read_store(request)
    story = store.story_overview(story_id)
    if story is None:
        raise HTTPException(404, f"no story with id {story_id!r}")
    base = str(request.base_url).rstrip("/")
    updated = _when(story["last_seen"], datetime(1970, 1, 1, tzinfo=UTC))
    feed = _feed(request, f"/stories/{story['id']}", story["label"] or "Story", f"/stories/{story['id']}",
                 f"{story['size']} articles in {', '.join(story['languages'])}")
    feed.updated(updated)
    for article in store.browse_articles(ArticleFilter(story=story["id"]), FEED_SIZE).items:
        _article_entry(feed, base, article, updated)
    return _response(feed)


@router.get("/entity/{key:path}")
def entity_feed(request: Request, key: str) -> Response:
    store = read_store(request)
    entity = store.entity(key)
    if entity is None:
        raise HTTPException(404, f"no entity with key {key!r}")
    base = str(request.base_url).rstrip("/")
    stories = store.entity_stories(key, FEED_SIZE).items
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    path = f"/entities/{quote(key)}"
    feed = _feed(request, path, f"{entity['label']} · storyline", path, f"Stories that mention {entity['label']}")
    feed.updated(max((_when(s["last_seen"], epoch) for s in stories), default=epoch))
    for story in stories:
        entry = feed.add_entry(order="append")
        entry.id(f"{base}/stories/{story['id']}")
        entry.title(_clean(story["label"]) or "(untitled story)")
        entry.link(href=f"{base}/stories/{story['id']}", rel="alternate")
        entry.published(_when(story["first_seen"], epoch))
        entry.updated(_when(story["last_seen"], epoch))
        entry.summary(_clean(f"{story['size']} articles in {', '.join(story['languages'])} from "
                             f"{story['n_sources']} sources" + (f"; claims: {', '.join(story['statuses'])}"
                                                                if story["statuses"] else "")))
    return _response(feed)


@router.get("/search")
def search_feed(request: Request, q: str = Query(max_length=200)) -> Response:
    store = read_store(request)
    base = str(request.base_url).rstrip("/")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    hits = store.browse_search(q, FEED_SIZE).items
    # Best matches are chosen, then shown newest first, as feed readers expect.
    hits.sort(key=lambda a: _when(a["published"], _when(a.get("ingested_at"), epoch)), reverse=True)
    path = "/search?" + urlencode({"q": q})
    feed = _feed(request, path, f"“{q}” · storyline", path, f"Articles that match “{q}”")
    feed.updated(max((_when(a["published"], epoch) for a in hits), default=epoch))
    for article in hits:
        _article_entry(feed, base, article | {"snippet": re.sub("[\ue000\ue001]", "", article["snippet"])}, epoch)
    return _response(feed)
