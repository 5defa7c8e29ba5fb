"""Watch: poll the feeds the store follows, read each new item's page, and bring the stories up to date.

A feed is polled when its `next_poll` is due, with a conditional request (its ETag and Last-Modified); its
next poll is when the server says the feed stops being fresh (Cache-Control max-age), else when the feed
says (RSS `<ttl>`), else after half the usual time between its items (a feed that publishes twice a day is
not polled every 15 minutes), else after 15 minutes; always within 5 minutes and 6 hours. A feed that fails is polled again after 15 minutes, doubled with
each failure in a row up to a day: never a tight loop. An item (its link) is read once: it is marked seen
only after what it gave is stored, so a watcher killed at any point reads again only what it had not
stored, and article ids (content hashes) keep a second read from storing anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import pairwise
from typing import Protocol

from storyline.model import IngestError, RawDocument
from storyline.pipeline.assign import AssignStore, StoriesReport, update_stories
from storyline.pipeline.ingest import IngestReport, ingest
from storyline.settings import Settings
from storyline.sources.web import Fetcher, FetchPolicy
from storyline.store.base import FeedStore

DEFAULT_INTERVAL = timedelta(minutes=15)
MIN_INTERVAL, MAX_INTERVAL = timedelta(minutes=5), timedelta(hours=6)
MAX_BACKOFF = timedelta(days=1)


class WatchStore(AssignStore, FeedStore, Protocol):
    """What watching needs: assignment's roles and the followed feeds."""


@dataclass
class WatchReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    ingest: IngestReport = field(default_factory=IngestReport)
    stories: StoriesReport | None = None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def poll_due_feeds(store: WatchStore, settings: Settings, now: datetime | None = None) -> WatchReport:
    """One round: every feed whose poll is due, then one update of the stories if anything new came."""
    now = now or datetime.now(UTC)
    report = WatchReport()
    due = [f for f in store.feeds() if f.next_poll is None or f.next_poll <= _iso(now)]
    if not due:
        return report
    policy = FetchPolicy(
        max_bytes=settings.max_document_bytes, allow_loopback=settings.allow_loopback, host_delay=settings.host_delay
    )
    with Fetcher(policy) as fetcher:
        for feed in due:
            report.polled += 1
            poll = fetcher.feed(feed.url, feed.etag, feed.last_modified)
            if poll.error is not None:
                report.failed += 1
                wait = min(DEFAULT_INTERVAL * 2 ** min(feed.failures, 10), MAX_BACKOFF)
                store.record_poll(feed.url, _iso(now + wait), error=poll.error)
                continue
            fresh = _fresh_for(poll.max_age, poll.ttl, [e for e in poll.entries if isinstance(e, RawDocument)])
            next_poll = _iso(now + min(max(fresh, MIN_INTERVAL), MAX_INTERVAL))
            if poll.not_modified:
                report.not_modified += 1
                store.record_poll(feed.url, next_poll, etag=poll.etag, last_modified=poll.last_modified)
                continue
            entries = {_item(e): e for e in poll.entries if isinstance(e, RawDocument)}
            unseen = store.unseen_items(feed.url, list(entries))
            documents = [_with_page(fetcher, entries[item]) for item in unseen]
            ingested = ingest([d for d in documents if isinstance(d, RawDocument)], store, settings.but(workers=1))
            _add(report.ingest, ingested, [d for d in documents if isinstance(d, IngestError)])
            store.mark_seen(feed.url, unseen)
            report.new_items += len(unseen)
            store.record_poll(
                feed.url, next_poll, new_items=len(unseen), etag=poll.etag, last_modified=poll.last_modified
            )
    if report.new_items:
        report.stories = update_stories(store, settings)
    return report


def _fresh_for(max_age: float | None, ttl: float | None, entries: list[RawDocument]) -> timedelta:
    """How long a feed stays fresh: what the server says, else the feed, else half its usual gap between items.

    >>> dates = ["Mon, 06 Oct 2025 09:00:00 GMT", "Mon, 06 Oct 2025 07:00:00 GMT", "Mon, 06 Oct 2025 05:00:00 GMT"]
    >>> _fresh_for(None, None, [RawDocument("f", "", "text/html", hints={"published": d}) for d in dates])
    datetime.timedelta(seconds=3600)
    >>> _fresh_for(600, 3600, []), _fresh_for(None, 3600, []), _fresh_for(None, None, [])
    (datetime.timedelta(seconds=600), datetime.timedelta(seconds=3600), datetime.timedelta(seconds=900))
    """
    if max_age is not None:
        return timedelta(seconds=max_age)
    if ttl is not None:
        return timedelta(seconds=ttl)
    moments = sorted(m for m in (_moment(e.hints.get("published")) for e in entries) if m is not None)
    gaps = [(b - a).total_seconds() for a, b in pairwise(moments) if b > a]
    if len(gaps) >= 2:
        return timedelta(seconds=sorted(gaps)[len(gaps) // 2] / 2)
    return DEFAULT_INTERVAL


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _item(entry: RawDocument) -> str:
    """What identifies a feed item across polls: its link, else its place in the feed."""
    return entry.url or f"{entry.origin}#{entry.locator}"


def _with_page(fetcher: Fetcher, entry: RawDocument) -> RawDocument | IngestError:
    """The item's page, with what the feed states of it (title, date, source) winning over extraction; the
    entry itself when it has no link or its page cannot be read."""
    if not entry.url:
        return entry
    for found in fetcher.documents(entry.url):
        if isinstance(found, RawDocument) and found.media_type == "text/html":
            hints = {k: v for k, v in entry.hints.items() if k not in ("text", "html")}
            return replace(found, hints=hints | {"url": found.url})
    return entry  # the page failed or is no page: the feed's own text of the item


def _add(total: IngestReport, part: IngestReport, errors: list[IngestError]) -> None:
    total.files += part.files
    total.documents += part.documents
    total.new_articles += part.new_articles
    total.known_articles += part.known_articles
    total.errors += part.errors + errors
    total.warnings += part.warnings
