"""Watchlists from the web: checking one before it is kept, the readable name the Follow control gives it, and
what the views show of an alert. The REST API, the pages and the Atom feed all go through here.

Watchlists are written through `pipeline.alerts.add_watchlist` (it records the baseline first) on the app's one
writer connection. Requests that change them are refused when a browser says they come from another site
(`check_same_origin`): a page elsewhere cannot make a reader's browser follow or remove anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request

from storyline.model import Alert, Delivery, Watchlist
from storyline.store import Store
from storyline.store.base import CLAIM_STATUSES

QUERY_FIELDS = ("q", "lang", "source", "entity", "status", "event_type", "story")
MAX_NAME = 100
MAX_FIELD = 200
MAX_WEBHOOK = 2000
_NAME_LABEL = 60  # the part of a generated name taken from a headline or a query
# Control characters (and the line and paragraph separators) belong in no name, query or address.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def feed_path(name: str) -> str:
    """The path of a watchlist's Atom feed.

    >>> feed_path("search leica/huawei")
    '/feeds/watchlist/search%20leica%2Fhuawei'
    """
    return "/feeds/watchlist/" + quote(name, safe="")


def _text(value: Any, field: str, limit: int = MAX_FIELD) -> str | None:
    """A field's text, trimmed (None when blank), or a 400 that says what is wrong with it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise HTTPException(400, f"{field} must be text")
    value = value.strip()
    if _CONTROL.search(value):
        raise HTTPException(400, f"{field} must not contain control characters")
    if len(value) > limit:
        raise HTTPException(400, f"{field} is longer than {limit} characters")
    return value or None


def query_of(fields: Mapping[str, Any]) -> dict[str, str]:
    """The query fields that are set among `fields` (blank ones dropped), checked as `checked_watchlist` does."""
    query: dict[str, str] = {}
    for field in QUERY_FIELDS:
        value = _text(fields.get(field), field)
        if value is not None:
            query[field] = value
    if "status" in query and query["status"] not in CLAIM_STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(CLAIM_STATUSES)}")
    return query


def checked_name(value: Any) -> str:
    name = _text(value, "name", MAX_NAME)
    if name is None:
        raise HTTPException(400, "a watchlist needs a name")
    name = _SPACES.sub(" ", name)
    if name.strip(".") == "":
        raise HTTPException(400, "a watchlist's name cannot be only dots")  # '..' in its feed's path
    return name


def checked_webhook(value: Any) -> str | None:
    webhook = _text(value, "webhook", MAX_WEBHOOK)
    if webhook is None:
        return None
    try:
        parts = urlsplit(webhook)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or re.search(r"\s", webhook):
        raise HTTPException(400, "webhook must be an http(s) address such as https://hooks.example.org/storyline")
    return webhook


def checked_watchlist(store: Store, fields: Mapping[str, Any]) -> Watchlist:
    """A watchlist from request fields (name, the query fields, webhook, secret), or a 400 that says what is wrong:
    no query field set, a status that is not a claim status, a webhook that is not an http(s) address, a story that
    is not there. A story given by a unique prefix of its id is kept by its whole id (what alerts compare)."""
    name = checked_name(fields.get("name"))
    query = query_of(fields)
    if not query:
        raise HTTPException(400, f"say what to follow: set at least one of {', '.join(QUERY_FIELDS)}")
    if "story" in query:
        story = store.story_overview(query["story"])
        if story is None:
            raise HTTPException(400, f"no story with id {query['story']!r}")
        query["story"] = story.id
    webhook = checked_webhook(fields.get("webhook"))
    secret = _text(fields.get("secret"), "secret")
    if secret and not webhook:
        raise HTTPException(400, "a secret signs webhook deliveries: give a webhook too")
    return Watchlist(name, **query, webhook=webhook, secret=secret)


def followed(watchlists: Iterable[Watchlist], query: Mapping[str, str]) -> Watchlist | None:
    """The watchlist that already follows exactly this query, if any."""
    wanted = {k: v for k, v in query.items() if v}
    return next((w for w in watchlists if wanted and w.query() == wanted), None)


def _short(text: str, limit: int = _NAME_LABEL) -> str:
    """A one-line text cut at a word boundary.

    >>> _short("Harrow Robotics reportedly plans to buy Quill Analytics, people said", 40)
    'Harrow Robotics reportedly plans to buy…'
    """
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:·-") + "…"


def suggested_name(store: Store, query: Mapping[str, str]) -> str:
    """A readable name for a watchlist of `query`: 'story <headline>', 'entity <its name>', 'search <words> · lang
    it', or 'stories status confirmed' (not yet made unique: see `unique_name`)."""
    entity = None
    if query.get("entity"):
        entity = store.entity_names([query["entity"]]).get(query["entity"], (query["entity"], ""))[0]
    if set(query) == {"story"}:
        story = store.story_overview(query["story"])
        return "story " + _short(story.label if story and story.label else query["story"])
    if set(query) == {"entity"}:
        return "entity " + _short(entity or query["entity"])
    parts = [_short(query["q"])] if query.get("q") else []
    for field in QUERY_FIELDS[1:]:
        if query.get(field):
            value = entity if field == "entity" and entity else query[field]
            parts.append(f"{field.replace('_', ' ')} {_short(value, 40)}")
    return ("search " if query.get("q") else "stories ") + " · ".join(parts)


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or with the first number that makes it unique: 'search leica 2' (cut to fit MAX_NAME).

    >>> unique_name("search leica", ["search leica", "search leica 2"])
    'search leica 3'
    """
    names = set(taken)
    base = base[:MAX_NAME].strip()
    if base not in names:
        return base
    number = 2
    while (name := f"{base[: MAX_NAME - len(str(number)) - 1].rstrip()} {number}") in names:
        number += 1
    return name


def check_same_origin(request: Request) -> None:
    """Refuse (403) a request that changes watchlists when the browser says another site sent it.

    Browsers send `Sec-Fetch-Site`, which no page can set: only same-origin (our own forms) and none (typed by the
    reader) pass. Without it, an `Origin` must be the address the request came to (its Host) or the configured
    public base URL; our pages' forms send `Origin: null` (their referrer policy is no-referrer), so that fallback
    refuses them in a browser too old to send `Sec-Fetch-Site`. Clients that are not browsers (curl, scripts) send
    neither header, and nothing here stops them.
    """
    refused = HTTPException(403, "watchlists cannot be changed from another site")
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise refused
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {request.headers.get("host", "").lower()}
    base: str | None = getattr(request.app.state, "base_url", None)
    if base:
        allowed.add(urlsplit(base).netloc.lower())
    try:
        parts = urlsplit(origin)
        netloc = parts.netloc.lower() if parts.scheme in ("http", "https") else None
    except ValueError:
        netloc = None
    if netloc not in allowed:
        raise refused


def watchlist_view(watchlist: Watchlist, alert_count: int) -> dict[str, Any]:
    """What the API and the pages show of a watchlist: never its secret."""
    return {
        "name": watchlist.name,
        "query": watchlist.query(),
        "webhook": watchlist.webhook,
        "signed": bool(watchlist.secret),
        "created_at": watchlist.created_at,
        "alerts": alert_count,
        "feed": feed_path(watchlist.name),
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "url": delivery.url,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "next_attempt": delivery.next_attempt,
        "delivered_at": delivery.delivered_at,
    }


def alert_view(alert: Alert, deliveries: Mapping[int, list[Delivery]]) -> dict[str, Any]:
    """An alert as the API and the pages show it: its fields, where to read the story, and its delivery log."""
    return alert.to_dict() | {
        "story_path": f"/stories/{alert.story_id}",
        "deliveries": [delivery_view(d) for d in deliveries.get(alert.id or 0, [])],
    }
