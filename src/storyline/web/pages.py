"""The HTML pages: story list, story, article, entities, entity, search, errors, sources and watchlists.

Server-rendered Jinja2 templates with autoescaping on: every article-derived string is escaped
where it is written, links to originals are kept for http(s) URLs only, and the pages' own
script is a static file (the Content-Security-Policy refuses inline scripts).

The story, entity, search and filtered story-list pages have a Follow control: a link to /watchlists with the
query, where a form (prefilled with a readable name) makes the watchlist. The only forms that write are on
/watchlists (follow, remove), and they refuse requests a browser says come from another site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from storyline.model import Watchlist
from storyline.pipeline.alerts import add_watchlist
from storyline.settings import Settings
from storyline.store import Store
from storyline.store.base import CLAIM_STATUSES, HIT_END, HIT_START, STORY_SORTS, StoryFilter
from storyline.web import charts
from storyline.web.access import StoreAccess, date_prefix, read_store
from storyline.web.feeds import FEED_SIZE
from storyline.web.watchlists import (
    alert_view,
    check_same_origin,
    checked_name,
    checked_watchlist,
    feed_path,
    followed,
    query_of,
    suggested_name,
    unique_name,
)

router = APIRouter(include_in_schema=False)

SORT_LABELS = {
    "growth": "Growing (the store's last week)",
    "growth_today": "Growing (the last 7 days)",
    "recent": "Latest activity",
    "size": "Most articles",
    "languages": "Most languages",
}
_LANG_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
# Characters a browser drops or treats specially before reading a URL's scheme.
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\<>\"'`]")


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else None: never javascript:, data: or anything else.

    >>> safe_url("https://example.com/a?b=1"), safe_url("javascript:alert(1)"), safe_url(" https://x.org")
    ('https://example.com/a?b=1', None, None)
    """
    if not url or _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def lang_attr(code: str | None) -> str | None:
    """A language code fit for a lang="" attribute, or None."""
    return code if code and _LANG_CODE.fullmatch(code) else None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("storyline.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals |= {
        "safe_url": safe_url,
        "lang_attr": lang_attr,
        "human_date": charts.human_date,
        "claim_label": charts.claim_label,
        "statuses": CLAIM_STATUSES,
        "sort_labels": SORT_LABELS,
    }
    return env


templates = _environment()
_card_template = templates.get_template("story_card.html")
# Rendered story cards by summary: the store hands out the same summary dict until its data changes,
# so a card is rendered once per story and change, not once per request. The entry keeps the dict
# alive, so its id cannot be reused by another while cached.
_cards: dict[int, tuple[dict[str, Any], Markup]] = {}


def story_card(summary: dict[str, Any]) -> Markup:
    entry = _cards.get(id(summary))
    if entry is None or entry[0] is not summary:
        if len(_cards) > 5000:
            _cards.clear()
        entry = (summary, Markup(_card_template.render(s=summary)))
        _cards[id(summary)] = entry
    return entry[1]


templates.globals["story_card"] = story_card


def render(
    request: Request, name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = templates.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(request: Request, status_code: int, message: str, headers: dict[str, str]) -> HTMLResponse:
    titles = {400: "Bad request", 401: "Not allowed", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
    return render(
        request,
        "error.html",
        status_code,
        headers,
        title=titles.get(status_code, "Error"),
        message=message,
        code=status_code,
    )


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _query(params: dict[str, Any], **changes: Any) -> str:
    """A query string of the non-empty params, with `changes` applied."""
    merged = {k: v for k, v in (params | changes).items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else ""


def hit_segments(snippet: str) -> list[tuple[str, bool]]:
    """A snippet with hit markers as (text, is_hit) pieces, for the template to escape and mark."""
    pieces: list[tuple[str, bool]] = []
    hit = False
    for part in re.split(f"([{HIT_START}{HIT_END}])", snippet):
        if part in (HIT_START, HIT_END):
            hit = part == HIT_START
        elif part:
            pieces.append((part, hit))
    return pieces


def text_paragraphs(
    text: str, claims: list[dict[str, Any]]
) -> tuple[list[list[tuple[str, int | None]]], dict[int, int]]:
    """The text in paragraphs of (piece, claim index or None), so the evidence of each claim can be marked.

    Evidence spans may overlap (one sentence, several claims): the first marks the text, and the
    others point to that mark. Returns (paragraphs, {claim index: index of the claim whose mark shows it}).
    """
    marks: list[tuple[int, int, int]] = []
    anchor: dict[int, int] = {}
    for index, claim in sorted(enumerate(claims), key=lambda ic: (ic[1].get("start", -1), ic[0])):
        start, end = claim.get("start", -1), claim.get("end", -1)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        covering = next((m for m in marks if m[0] <= start < m[1]), None)
        if covering:
            anchor[index] = covering[2]
        else:
            marks.append((start, end, index))
            anchor[index] = index
    blocks, begin = [], 0
    for gap in re.finditer(r"\n[ \t]*\n\s*", text):
        blocks.append((begin, gap.start()))
        begin = gap.end()
    blocks.append((begin, len(text)))
    paragraphs = []
    for block_start, block_end in blocks:
        pieces: list[tuple[str, int | None]] = []
        position = block_start
        for start, end, index in marks:
            start, end = max(start, block_start, position), min(end, block_end)
            if start >= end:
                continue
            if start > position:
                pieces.append((text[position:start], None))
            pieces.append((text[start:end], index))
            position = end
        if position < block_end:
            pieces.append((text[position:block_end], None))
        if pieces:
            paragraphs.append(pieces)
    return paragraphs, anchor


# --- pages -----------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def story_list(
    request: Request,
    q: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    entity: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: str = "growth",
    cursor: str | None = None,
) -> HTMLResponse:
    store = read_store(request)
    if sort not in STORY_SORTS:
        raise HTTPException(400, f"sort must be one of {', '.join(STORY_SORTS)}")
    params = {
        "q": _blank(q),
        "lang": _blank(lang),
        "source": _blank(source),
        "entity": _blank(entity),
        "status": _blank(status),
        "since": _blank(since),
        "until": _blank(until),
        "sort": sort if sort != "growth" else None,
    }
    filters = StoryFilter(
        q=params["q"],
        lang=params["lang"],
        source=params["source"],
        entity=params["entity"],
        status=params["status"],
        since=date_prefix(since, "since"),
        until=date_prefix(until, "until"),
    )
    page = store.browse_stories(filters, sort, 25, _blank(cursor))
    entity_name = store.entity_names([params["entity"]]).get(params["entity"]) if params["entity"] else None
    filtered = any(v for k, v in params.items() if k != "sort")
    return render(
        request,
        "stories.html",
        follow=follow_control(
            store,
            {k: params[k] for k in ("q", "lang", "source", "entity")}
            | {"status": params["status"] if params["status"] in CLAIM_STATUSES else None},
        ),
        page=page,
        params=params,
        sort=sort,
        sorts=STORY_SORTS,
        languages=store.facet_values("lang"),
        entity_name=entity_name,
        filtered=filtered,
        next_link=_query(params, cursor=page.next_cursor) if page.next_cursor else None,
        first_link=_query(params) if cursor else None,
        clear_link=_query({}, sort=params["sort"]),
    )


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str, cursor: str | None = None) -> HTMLResponse:
    store = read_store(request)
    story = store.story_overview(story_id)
    if story is None:
        raise HTTPException(404, f"No story with id {story_id!r}.")
    points = store.story_points(story.id)
    articles = store.story_articles(story.id, 100, _blank(cursor))
    chart = charts.story_timeline(points, story.timeline)
    narrow = charts.story_timeline(points, story.timeline, width=charts.NARROW_WIDTH)
    titles = {(r.article_id, r.number): r.title for r in story.revisions}
    changes = [(r, titles.get((r.article_id, r.number - 1))) for r in story.revisions if r.number > 1]
    return render(
        request,
        "story.html",
        story=story,
        follow=follow_control(store, {"story": story.id}),
        changes=changes,
        chart=chart,
        narrow_chart=narrow,
        articles=articles,
        next_link=_query({}, cursor=articles.next_cursor) if articles.next_cursor else None,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> HTMLResponse:
    store = read_store(request)
    article = store.article(article_id)
    if article is None:
        raise HTTPException(404, f"No article with id {article_id!r}.")
    claims = [c.to_dict() for c in store.claims([article.id]).get(article.id, [])]
    paragraphs, anchors = text_paragraphs(article.text, claims)
    return render(
        request,
        "article.html",
        article=article.to_dict(),
        claims=claims,
        paragraphs=paragraphs,
        anchors=anchors,
        sources=store.sources(article.id),
        story=store.article_story(article.id),
    )


@router.get("/entities", response_class=HTMLResponse)
def entity_list(
    request: Request, q: str | None = None, type: str | None = None, cursor: str | None = None
) -> HTMLResponse:
    params = {"q": _blank(q), "type": _blank(type)}
    page = read_store(request).browse_entities(params["q"], params["type"], 50, _blank(cursor))
    return render(
        request,
        "entities.html",
        page=page,
        params=params,
        next_link=_query(params, cursor=page.next_cursor) if page.next_cursor else None,
        first_link=_query(params) if cursor else None,
    )


@router.get("/entities/{key:path}", response_class=HTMLResponse)
def entity_page(request: Request, key: str, cursor: str | None = None) -> HTMLResponse:
    store = read_store(request)
    entity = store.entity(key)
    if entity is None:
        raise HTTPException(404, f"No entity with key {key!r}.")
    page = store.entity_stories(key, 25, _blank(cursor))
    return render(
        request,
        "entity.html",
        entity=entity,
        follow=follow_control(store, {"entity": entity["key"]}),
        page=page,
        chart=charts.entity_months(entity["months"]),
        next_link=_query({}, cursor=page.next_cursor) if page.next_cursor else None,
        stories_link=_query({"entity": key}),
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str | None = None, cursor: str | None = None) -> HTMLResponse:
    query = _blank(q)
    store = read_store(request)
    page = store.browse_search(query, 20, _blank(cursor)) if query else None
    hits = [(item, hit_segments(item["snippet"])) for item in page.items] if page else []
    return render(
        request,
        "search.html",
        follow=follow_control(store, {"q": query}) if query else None,
        query=query,
        hits=hits,
        page=page,
        search_q=query,
        next_link=_query({"q": query}, cursor=page.next_cursor) if page and page.next_cursor else None,
        stories_link=_query({"q": query}),
    )


@router.get("/errors", response_class=HTMLResponse)
def errors_page(request: Request, cursor: str | None = None) -> HTMLResponse:
    page = read_store(request).browse_errors(100, _blank(cursor))
    return render(
        request, "errors.html", page=page, next_link=_query({}, cursor=page.next_cursor) if page.next_cursor else None
    )


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> HTMLResponse:
    return render(request, "sources.html", feeds=read_store(request).feeds())


# --- watchlists -------------------------------------------------------------------------------------
RECENT_ALERTS = 10
_FIELD_LABELS = {"q": "words", "lang": "language", "event_type": "event"}
MAX_FORM_BYTES = 20_000


def follow_control(store: Store, query: Mapping[str, str | None]) -> dict[str, Any] | None:
    """What a page's Follow control shows for `query`: the watchlist that follows it already (then 'Following'),
    else the link to /watchlists that proposes it. None when nothing is set that a watchlist could follow."""
    wanted = {k: v for k, v in query.items() if v}
    if not wanted:
        return None
    return {"following": followed(store.watchlists(), wanted), "link": "/watchlists" + _query(wanted), "query": wanted}


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def _describe(store: Store, query: Mapping[str, str]) -> list[tuple[str, str]]:
    """A watchlist's query as (field, what to show): entities by name, a story by its headline."""
    names = store.entity_names([query["entity"]]) if query.get("entity") else {}
    shown = []
    for field, value in query.items():
        if field == "entity" and value in names:
            value = f"{names[value][0]} ({value})"
        elif field == "story" and (story := store.story_overview(value)) and story.label:
            value = story.label
        shown.append((_FIELD_LABELS.get(field, field), value))
    return shown


@router.get("/watchlists", response_class=HTMLResponse)
def watchlists_page(
    request: Request,
    q: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    entity: str | None = None,
    status: str | None = None,
    event_type: str | None = None,
    story: str | None = None,
) -> HTMLResponse:
    """The watchlists with their recent alerts; with query fields (a Follow control's link), the form that
    follows them first."""
    store = read_store(request)
    watchlists = store.watchlists()
    anchors = {w.name: f"w-{number}" for number, w in enumerate(watchlists, 1)}
    proposal = None
    fields = {"q": q, "lang": lang, "source": source, "entity": entity, "status": status, "event_type": event_type}
    query = query_of(fields | {"story": story})
    if query:
        if "story" in query:
            found = store.story_overview(query["story"])
            if found is None:
                raise HTTPException(404, f"No story with id {query['story']!r}.")
            query["story"] = found.id
        already = followed(watchlists, query)
        proposal = {
            "query": query,
            "shown": _describe(store, query),
            "already": already,
            "anchor": anchors.get(already.name) if already else None,
            "name": None if already else unique_name(suggested_name(store, query), anchors),
        }
    items = []
    counts = store.alert_counts()
    for watchlist in watchlists:
        alerts = store.alerts(watchlist.name, RECENT_ALERTS).items
        deliveries = store.deliveries([a.id for a in alerts if a.id is not None])
        items.append(
            {
                "name": watchlist.name,
                "anchor": anchors[watchlist.name],
                "query": _describe(store, watchlist.query()),
                # Its host only: a webhook's address can itself be the credential (https://hooks.example/T0/B0/XyZ).
                "webhook": _host(watchlist.webhook) if watchlist.webhook else None,
                "created_at": watchlist.created_at,
                "feed": feed_path(watchlist.name),
                "count": counts.get(watchlist.name, 0),
                "alerts": [alert_view(a, deliveries) for a in alerts],
            }
        )
    return render(request, "watchlists.html", watchlists=items, proposal=proposal, feed_size=FEED_SIZE)


async def _form(request: Request) -> dict[str, str]:
    """The fields of a form POST (application/x-www-form-urlencoded, UTF-8; the first of a repeated field)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form as application/x-www-form-urlencoded.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, "The form could not be read.") from exc
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


def _follow(access: StoreAccess, settings: Settings, fields: dict[str, str]) -> str:
    """Make the watchlist a follow form asks for (unless its query is followed already); its name."""
    with access.writer() as store:
        given = fields.get("name", "").strip()
        watchlist: Watchlist = checked_watchlist(store, fields | {"name": given or "new"})
        existing = store.watchlists()
        already = followed(existing, watchlist.query())
        if already is not None:
            return already.name
        base = checked_name(given) if given else suggested_name(store, watchlist.query())
        watchlist = replace(watchlist, name=unique_name(base, [w.name for w in existing]))
        add_watchlist(store, watchlist, settings)
        return watchlist.name


@router.post("/watchlists")
async def follow(request: Request) -> RedirectResponse:
    """Follow what the form says (the fields of a watchlist), then show the watchlists (303)."""
    check_same_origin(request)
    fields = await _form(request)
    await run_in_threadpool(_follow, request.app.state.access, request.app.state.settings, fields)
    return RedirectResponse("/watchlists", status_code=303)


def _unfollow(access: StoreAccess, name: str) -> None:
    with access.writer() as store:
        store.remove_watchlist(name)


@router.post("/watchlists/remove")
async def unfollow(request: Request) -> RedirectResponse:
    """Remove the watchlist the form names (gone already: nothing to do), then show the watchlists (303)."""
    check_same_origin(request)
    name = (await _form(request)).get("name")
    if not name:
        raise HTTPException(400, "Say which watchlist to remove.")
    await run_in_threadpool(_unfollow, request.app.state.access, name)
    return RedirectResponse("/watchlists", status_code=303)


def filter_summary(params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in params.items() if v and k != "sort"]


templates.globals["filter_summary"] = filter_summary
