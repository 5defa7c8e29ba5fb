"""The REST API under /api: stories, articles, entities, search, errors, watchlists and their alerts, and
POST /api/ingest.

Lists are pages of `items` with a `next_cursor` (null on the last page): pass it back as `cursor`
to get the next page. Cursors are keyset positions, so a page never repeats or skips an item
when new stories or articles arrive. The schema is at /api/openapi.json.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from storyline.model import ALERT_KINDS
from storyline.pipeline import run
from storyline.pipeline.alerts import add_watchlist
from storyline.settings import Settings
from storyline.sources import Upload
from storyline.store.base import (
    CLAIM_STATUSES,
    HIT_END,
    HIT_START,
    STORY_SORTS,
    ArticleFilter,
    StoryFilter,
)
from storyline.web.access import StoreAccess, date_prefix, read_store
from storyline.web.watchlists import (
    MAX_FIELD,
    MAX_NAME,
    MAX_WEBHOOK,
    alert_view,
    check_same_origin,
    checked_watchlist,
    watchlist_view,
)

router = APIRouter(prefix="/api", tags=["api"])
bearer = HTTPBearer(auto_error=False, description="The ingest token (`storyline serve --token` or STORYLINE_TOKEN).")


# --- response models -----------------------------------------------------------------------------
class Message(BaseModel):
    detail: str


class EntityRef(BaseModel):
    key: str = Field(description="Language-independent entity key, e.g. 'org:huawei'.")
    label: str
    type: str
    mentions: int


class RecentWindow(BaseModel):
    until: str | None = Field(description="End of the week `recent` counts: the newest article's time, or now.")
    today: bool = Field(description="Whether the week ends now (sort growth_today) rather than at the newest article.")


class StorySummary(BaseModel):
    id: str
    label: str | None = Field(description="Headline of the story's most central article.")
    labels: dict[str, str] = Field(description="Headline per language.")
    size: int = Field(description="Articles in the story.")
    languages: list[str] = Field(description="Languages, most articles first.")
    language_counts: dict[str, int]
    sources: list[str] = Field(description="Sites, most articles first (the top five in lists).")
    n_sources: int
    first_seen: str | None
    last_seen: str | None
    entities: list[EntityRef]
    statuses: dict[str, int] = Field(description="Claim statuses in the story's timeline, with their number of events.")
    recent: int = Field(description="Articles published in the week before the newest article in the store.")
    rank: float = Field(description="(recent + 1) x (1 + ln languages) x (1 + ln sources).")
    recent_window: RecentWindow


class StoryList(BaseModel):
    items: list[StorySummary]
    next_cursor: str | None


class ArticleSummary(BaseModel):
    id: str
    title: str | None
    lang: str | None
    source: str | None
    url: str | None
    sitename: str | None
    published: str | None = Field(description="ISO 8601 truncated to its precision.")
    published_precision: str | None
    timezone_known: bool
    published_ambiguous: bool = Field(
        False, description="The date was written as numbers whose day and month could be swapped, and nothing decided."
    )
    truncated: bool
    snippet: str = Field(description="The start of the text (in search results: the passage that matches).")
    ingested_at: str = Field(description="When storyline first stored it (UTC).")
    story_id: str | None = None
    similarity: float | None = None
    duplicate_of: str | None = None


class ArticleList(BaseModel):
    items: list[ArticleSummary]
    next_cursor: str | None


class StoryDetail(StorySummary):
    source_counts: dict[str, int]
    timeline: list[dict[str, Any]] = Field(description="Claimed events, oldest first, with their status history.")
    revisions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Every text of the story's articles whose page changed when read again, newest first: number"
        " (1: the first), title, text, recorded_at, and the sentences removed and added since the one before.",
    )
    articles: ArticleList = Field(description="The story's articles by date; page on with /api/articles?story=ID.")


class SourceRef(BaseModel):
    origin_key: str
    url: str | None
    source: str | None
    origin: str
    first_seen: str


class StoryRef(BaseModel):
    story_id: str
    label: str | None
    similarity: float
    duplicate_of: str | None


class ArticleDetail(BaseModel):
    id: str
    title: str | None
    text: str
    lang: str | None
    lang_confidence: float | None
    published: str | None
    published_precision: str | None
    timezone_known: bool
    published_ambiguous: bool = Field(
        False, description="The date was written as numbers whose day and month could be swapped, and nothing decided."
    )
    source: str | None
    url: str | None = Field(description="The address the article was ingested from (else its page's canonical URL).")
    canonical_url: str | None = Field(None, description="The canonical URL its page states.")
    sitename: str | None
    authors: list[str]
    comments: list[str]
    truncated: bool
    origin: str
    sources: list[SourceRef]
    claims: list[dict[str, Any]] = Field(description="Claims with status and the evidence's character span in text.")
    story: StoryRef | None


class EntitySummary(BaseModel):
    key: str
    label: str
    type: str
    articles: int = Field(description="Articles that mention it.")
    stories: int = Field(description="Stories that mention it.")


class EntityList(BaseModel):
    items: list[EntitySummary]
    next_cursor: str | None


class EntityMonth(BaseModel):
    month: str
    stories: int
    articles: int


class EntityDetail(EntitySummary):
    months: list[EntityMonth] = Field(description="Stories mentioning it by the month they started.")
    story_page: StoryList = Field(description="Its stories, latest activity first.")


class SearchHit(ArticleSummary):
    highlights: list[tuple[int, int]] = Field(description="[start, end) character spans of the matches in snippet.")


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
    next_cursor: str | None


class ErrorItem(BaseModel):
    origin: str
    locator: str | None
    stage: str
    severity: str
    reason: str
    first_seen: str
    last_seen: str


class ErrorList(BaseModel):
    items: list[ErrorItem]
    next_cursor: str | None


class FeedHealth(BaseModel):
    url: str
    title: str | None
    added_at: str
    last_success: str | None = Field(description="When it was last read (UTC); null before its first poll.")
    last_error: str | None = Field(description="Why its last failed poll failed.")
    failures: int = Field(description="Failed polls in a row; a failing feed is polled less and less often.")
    items_seen: int
    next_poll: str | None


class FeedList(BaseModel):
    items: list[FeedHealth]


class Problem(BaseModel):
    where: str
    stage: str
    severity: str
    reason: str


class IngestResult(BaseModel):
    documents: int
    new_articles: int
    known_articles: int
    revised_articles: int = Field(0, description="Pages read again from their address whose text had changed.")
    errors: list[Problem]
    warnings: list[Problem]
    assigned: int = Field(description="Articles given a story.")
    new_stories: int


class WatchlistSummary(BaseModel):
    name: str
    query: dict[str, str] = Field(
        description="What it follows: q (words), lang, source, entity (key), status (claim status), event_type, story."
    )
    webhook: str | None = Field(description="The address each alert is POSTed to as JSON (the secret is never shown).")
    signed: bool = Field(description="Whether webhook deliveries are signed with a secret (X-Storyline-Signature).")
    created_at: str
    alerts: int = Field(description="Alerts it has given.")
    feed: str = Field(description="The path of its Atom feed of alerts.")


class WatchlistList(BaseModel):
    items: list[WatchlistSummary]


def _query_field(description: str) -> Any:
    return Field(None, max_length=MAX_FIELD, description=description)


class NewWatchlist(BaseModel):
    """A saved story-list query: a story matches when it passes every field given (at least one)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME, description="Unique; its feed is /feeds/watchlist/NAME.")
    q: str | None = _query_field("Words the story's articles contain (all of them).")
    lang: str | None = _query_field("A language the story has articles in (ISO 639-1).")
    source: str | None = _query_field("A site the story has articles from.")
    entity: str | None = _query_field("An entity key, e.g. org:leica.")
    status: str | None = _query_field(f"A claim status in the story's timeline: {', '.join(CLAIM_STATUSES)}.")
    event_type: str | None = _query_field("An event type in the story's timeline, e.g. acquisition.")
    story: str | None = _query_field("One story's id (or a unique prefix): follow that story.")
    webhook: str | None = Field(
        None, max_length=MAX_WEBHOOK, description="An http(s) address each alert is POSTed to as JSON."
    )
    secret: str | None = Field(
        None, max_length=MAX_FIELD, description="The webhook's HMAC-SHA256 key (header X-Storyline-Signature)."
    )


class DeliveryLog(BaseModel):
    url: str
    status: str = Field(description="pending (retried later), delivered, or failed (given up).")
    attempts: int
    last_error: str | None
    next_attempt: str | None
    delivered_at: str | None


class AlertItem(BaseModel):
    id: int
    watchlist: str
    story_id: str
    kind: str = Field(description=f"One of {', '.join(ALERT_KINDS)}.")
    subject: str = Field(description="What tells apart alerts of one kind in one story (an event, a language).")
    title: str = Field(description="E.g. 'Rumour confirmed: acquisition (Harrow Robotics, Quill Analytics)'.")
    detail: dict[str, Any] = Field(
        description="The evidence: the sentence in its own language (evidence), lang, source, published, article_id."
    )
    created_at: str
    story_path: str = Field(description="The story's page.")
    deliveries: list[DeliveryLog] = Field(description="Its webhook delivery log (empty without a webhook).")


class AlertList(BaseModel):
    items: list[AlertItem]
    next_cursor: str | None


# --- parameters ------------------------------------------------------------------------------------
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]*$", description="The next_cursor of the previous page.")
]
Text = Annotated[str | None, Query(max_length=200)]
_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SinceParam = Annotated[str | None, Query(pattern=_DATE, description="On or after: YYYY, YYYY-MM or YYYY-MM-DD.")]
UntilParam = Annotated[str | None, Query(pattern=_DATE, description="On or before: YYYY, YYYY-MM or YYYY-MM-DD.")]
# Typed as FastAPI's `responses=` parameter is, so that the routes can share them.
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Message, "description": "No such item."}}
BAD_REQUEST: dict[int | str, dict[str, Any]] = {400: {"model": Message, "description": "A malformed cursor or date."}}


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


def split_hits(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """A snippet with hit markers as plain text plus the [start, end) spans of the hits."""
    text, spans, start = [], [], None
    length = 0
    for part in re.split(f"([{HIT_START}{HIT_END}])", snippet):
        if part == HIT_START:
            start = length
        elif part == HIT_END:
            if start is not None:
                spans.append((start, length))
            start = None
        else:
            text.append(part)
            length += len(part)
    return "".join(text), spans


# --- stories ---------------------------------------------------------------------------------------
@router.get("/stories", response_model=StoryList, responses=BAD_REQUEST, summary="List stories")
def list_stories(
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="Words in the stories' articles.")] = None,
    lang: Text = None,
    source: Text = None,
    entity: Annotated[str | None, Query(max_length=200, description="Entity key, e.g. org:huawei.")] = None,
    status: Annotated[str | None, Query(description=f"A claim status: {', '.join(CLAIM_STATUSES)}.")] = None,
    since: SinceParam = None,
    until: UntilParam = None,
    sort: Annotated[str, Query(description=f"One of {', '.join(STORY_SORTS)}.")] = "growth",
    limit: Limit = 25,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Stories, those growing now and spread across languages and sources first (sort=growth)."""
    if sort not in STORY_SORTS:
        raise HTTPException(400, f"sort must be one of {', '.join(STORY_SORTS)}")
    filters = StoryFilter(
        q=_blank(q),
        lang=_blank(lang),
        source=_blank(source),
        entity=_blank(entity),
        status=_blank(status),
        since=date_prefix(since, "since"),
        until=date_prefix(until, "until"),
    )
    page = read_store(request).browse_stories(filters, sort, limit, cursor)
    return {"items": [story.to_dict() for story in page.items], "next_cursor": page.next_cursor}


@router.get("/stories/{story_id}", response_model=StoryDetail, responses=NOT_FOUND, summary="One story")
def get_story(request: Request, story_id: str, limit: Limit = 50) -> dict[str, Any]:
    """A story (id or unique prefix): summary, sources, entities, timeline, and its first articles by date."""
    store = read_store(request)
    story = store.story_overview(story_id)
    if story is None:
        raise HTTPException(404, f"no story with id {story_id!r}")
    page = store.story_articles(story.id, limit)
    return story.to_dict() | {"articles": {"items": page.items, "next_cursor": page.next_cursor}}


# --- articles --------------------------------------------------------------------------------------
@router.get("/articles", response_model=ArticleList, responses=BAD_REQUEST, summary="List articles")
def list_articles(
    request: Request,
    lang: Text = None,
    source: Text = None,
    since: SinceParam = None,
    until: UntilParam = None,
    story: Annotated[str | None, Query(max_length=200, description="Only this story's articles.")] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Articles, newest first (undated ones last)."""
    filters = ArticleFilter(
        lang=_blank(lang),
        source=_blank(source),
        since=date_prefix(since, "since"),
        until=date_prefix(until, "until"),
        story=_blank(story),
    )
    page = read_store(request).browse_articles(filters, limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND, summary="One article")
def get_article(request: Request, article_id: str) -> dict[str, Any]:
    """An article (id or unique prefix) with its text, comments, every source, its claims and its story."""
    store = read_store(request)
    article = store.article(article_id)
    if article is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    return article.to_dict() | {
        "sources": store.sources(article.id),
        "claims": [c.to_dict() for c in store.claims([article.id]).get(article.id, [])],
        "story": store.article_story(article.id),
    }


# --- entities --------------------------------------------------------------------------------------
@router.get("/entities", response_model=EntityList, responses=BAD_REQUEST, summary="List entities")
def list_entities(
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="Part of the label or key.")] = None,
    type: Annotated[str | None, Query(max_length=20, description="ORG, PER, LOC, PRODUCT, ...")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Entities, those mentioned in most articles first."""
    page = read_store(request).browse_entities(_blank(q), _blank(type), limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/entities/{key:path}", response_model=EntityDetail, responses=NOT_FOUND | BAD_REQUEST, summary="One entity"
)
def get_entity(request: Request, key: str, limit: Limit = 25, cursor: Cursor = None) -> dict[str, Any]:
    """An entity, its stories per month, and one page of its stories (latest activity first)."""
    store = read_store(request)
    entity = store.entity(key)
    if entity is None:
        raise HTTPException(404, f"no entity with key {key!r}")
    page = store.entity_stories(key, limit, cursor)
    return entity | {"story_page": {"items": page.items, "next_cursor": page.next_cursor}}


# --- search and errors -----------------------------------------------------------------------------
@router.get("/search", response_model=SearchResults, responses=BAD_REQUEST, summary="Full-text search")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Words to find (accents and case ignored).")],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Articles whose title or text has all the words, best match first."""
    page = read_store(request).browse_search(q, limit, cursor)
    items = []
    for item in page.items:
        snippet, spans = split_hits(item["snippet"])
        items.append(item | {"snippet": snippet, "highlights": spans})
    return {"query": q, "items": items, "next_cursor": page.next_cursor}


@router.get("/errors", response_model=ErrorList, responses=BAD_REQUEST, summary="Ingest errors")
def list_errors(request: Request, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    """What failed to ingest (severity error) or was stored after a repair (warning), and why; newest first."""
    page = read_store(request).browse_errors(limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/sources", response_model=FeedList, summary="Followed feeds and their health")
def list_sources(request: Request) -> dict[str, Any]:
    """The feeds the store follows (`storyline sources`), with how reading them has gone: last success, last
    error, failures in a row, items read, next poll."""
    return {"items": [vars(feed) for feed in read_store(request).feeds()]}


# --- watchlists and alerts --------------------------------------------------------------------------
CROSS_SITE: dict[int | str, dict[str, Any]] = {
    403: {"model": Message, "description": "Sent by a page of another site (the browser's Origin says so)."}
}


@router.get("/watchlists", response_model=WatchlistList, summary="List watchlists")
def list_watchlists(request: Request) -> dict[str, Any]:
    """Every watchlist, by name: its query, webhook (never the secret), and how many alerts it has given."""
    store = read_store(request)
    counts = store.alert_counts()
    return {"items": [watchlist_view(w, counts.get(w.name, 0)) for w in store.watchlists()]}


@router.post(
    "/watchlists",
    response_model=WatchlistSummary,
    status_code=201,
    summary="Follow a query",
    responses=CROSS_SITE
    | {
        400: {"model": Message, "description": "No query field, an unknown status or story, a non-http(s) webhook."},
        409: {"model": Message, "description": "A watchlist of that name exists."},
    },
)
def create_watchlist(request: Request, body: NewWatchlist) -> dict[str, Any]:
    """Follow the stories a query matches: from now on, alerts when one appears or changes (a rumour confirmed or
    denied, a new event, the first report in a language) in its Atom feed, /api/alerts and its webhook."""
    check_same_origin(request)
    access: StoreAccess = request.app.state.access
    with access.writer() as store:
        watchlist = checked_watchlist(store, body.model_dump())
        conflict = HTTPException(409, f"a watchlist named {watchlist.name!r} exists")
        if any(w.name == watchlist.name for w in store.watchlists()):
            raise conflict
        if not add_watchlist(store, watchlist, request.app.state.settings):
            raise conflict  # made by another process meanwhile
        kept = next(w for w in store.watchlists() if w.name == watchlist.name)
    return watchlist_view(kept, 0)


@router.delete(
    "/watchlists/{name:path}",
    status_code=204,
    response_class=Response,
    summary="Stop following",
    responses=NOT_FOUND | CROSS_SITE,
)
def delete_watchlist(request: Request, name: str) -> Response:
    """Forget a watchlist, its alerts and their deliveries."""
    check_same_origin(request)
    access: StoreAccess = request.app.state.access
    with access.writer() as store:
        if not store.remove_watchlist(name):
            raise HTTPException(404, f"no watchlist named {name!r}")
    return Response(status_code=204)


@router.get("/alerts", response_model=AlertList, responses=NOT_FOUND | BAD_REQUEST, summary="List alerts")
def list_alerts(
    request: Request,
    watchlist: Annotated[str | None, Query(max_length=MAX_NAME, description="Only this watchlist's alerts.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Alerts given, newest first, each with its evidence and its webhook delivery log."""
    store = read_store(request)
    name = watchlist or None  # exactly: a name made elsewhere (the CLI) may have spaces at its ends
    if name is not None and not any(w.name == name for w in store.watchlists()):
        raise HTTPException(404, f"no watchlist named {name!r}")
    page = store.alerts(name, limit, cursor)
    deliveries = store.deliveries([a.id for a in page.items if a.id is not None])
    return {"items": [alert_view(a, deliveries) for a in page.items], "next_cursor": page.next_cursor}


# --- ingest ----------------------------------------------------------------------------------------
# The file name's extension tells the sources stage the shape, as for files on disk.
_SUFFIXES = {
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/jsonlines": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
}
_BODY_SCHEMA = {"type": "string", "description": "The document or JSONL records"}
_INGEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "One document: a JSON article object (or an array of them), JSONL (one per line, the "
        "format of `storyline ingest`), an HTML page, a pasted text page or an RSS/Atom feed.",
        "content": {
            "application/json": {
                "schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
            },
            "application/x-ndjson": {"schema": _BODY_SCHEMA},
            "text/html": {"schema": _BODY_SCHEMA},
            "text/plain": {"schema": _BODY_SCHEMA},
        },
    }
}


def _check_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    token: str | None = request.app.state.token
    if not token:
        raise HTTPException(403, "ingest is disabled: start the server with --token or set STORYLINE_TOKEN")
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise HTTPException(
            401, "a valid token is required: send 'Authorization: Bearer TOKEN'", headers={"WWW-Authenticate": "Bearer"}
        )


def _upload(body: bytes, name: str | None, suffix: str) -> Upload:
    """The body as an upload, named by what the client said (never a server path), its size and time."""
    given = Path(name or "").name  # a name, not a path: "../../x.jsonl" is "x.jsonl"
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return Upload(body, f"upload {given or 'unnamed'} ({len(body):,} bytes, {when})", given or f"upload{suffix}")


def _ingest_bytes(access: StoreAccess, settings: Settings, upload: Upload) -> dict[str, Any]:
    with access.writer() as store:  # read from memory through the sources, as a file is: no temp file
        result = run([upload], store, settings.but(workers=1))
        report, stories = result.ingest, result.stories
        assert stories is not None  # run(stories=True)

    def problems(found: list[Any]) -> list[dict[str, str]]:
        return [{"where": p.where, "stage": p.stage, "severity": p.severity, "reason": p.reason} for p in found]

    return {
        "documents": report.documents,
        "new_articles": report.new_articles,
        "known_articles": report.known_articles,
        "revised_articles": report.revised_articles,
        "errors": problems(report.errors),
        "warnings": problems(report.warnings),
        "assigned": stories.assigned,
        "new_stories": stories.new_stories,
    }


@router.post(
    "/ingest",
    response_model=IngestResult,
    summary="Ingest a document or JSONL",
    openapi_extra=_INGEST_BODY,
    responses={
        400: {"model": Message, "description": "An empty body."},
        401: {"model": Message, "description": "Missing or wrong token."},
        403: {"model": Message, "description": "Ingest is disabled (no token configured)."},
        413: {"model": Message, "description": "Larger than the upload limit."},
    },
)
async def ingest_document(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    name: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The document's name (feed.jsonl): errors name it so,"
            " and its suffix tells the shape where Content-Type does not.",
        ),
    ] = None,
) -> dict[str, Any]:
    """Run the normal ingest pipeline on the body, then assign the new articles to stories.

    Needs `Authorization: Bearer TOKEN` with the server's token; disabled when none is configured.
    The shape comes from Content-Type (JSON, JSONL, HTML, text, RSS/Atom), else from the content.
    """
    _check_token(request, credentials)
    limit: int = request.app.state.max_upload_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the body is larger than the {limit / 1e6:.0f} MB upload limit")
    if not body.strip():
        raise HTTPException(400, "the body is empty: send a document or JSONL")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    disposition = re.search(r'filename="?([^";]+)"?', request.headers.get("content-disposition", ""))
    upload = _upload(
        bytes(body), name or (disposition.group(1) if disposition else None), _SUFFIXES.get(media_type, "")
    )
    return await run_in_threadpool(_ingest_bytes, request.app.state.access, request.app.state.settings, upload)
