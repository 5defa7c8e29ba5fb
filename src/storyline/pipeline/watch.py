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

from storyline.model import FeedItem, IngestError, RawDocument
from storyline.pipeline.alerts import AlertingStore, AlertReport, DeliveryReport, check_alerts, deliver_alerts
from storyline.pipeline.assign import AssignStore, StoriesReport, update_stories
from storyline.pipeline.ingest import IngestReport, ingest
from storyline.settings import Settings
from storyline.sources.web import Fetcher, FetchPolicy
from storyline.store.base import FeedStore

DEFAULT_INTERVAL = timedelta(minutes=15)
MIN_INTERVAL, MAX_INTERVAL = timedelta(minutes=5), timedelta(hours=6)
MAX_BACKOFF = timedelta(days=1)
RECHECK_FOR, RECHECK_FIRST, RECHECK_LAST = timedelta(days=2), timedelta(hours=1), timedelta(hours=12)


class WatchStore(AssignStore, AlertingStore, FeedStore, Protocol):
    """What watching needs: assignment's and alerting's roles, and the followed feeds."""


@dataclass
class WatchReport:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    reread: int = 0  # pages read again: the feed says the item was updated, or a check for corrections was due
    ingest: IngestReport = field(default_factory=IngestReport)
    stories: StoriesReport | None = None
    alerts: AlertReport | None = None
    deliveries: DeliveryReport | None = None


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
            new = _read_items(store, fetcher, feed.url, poll.entries, now, settings, report)
            report.not_modified += poll.not_modified
            store.record_poll(feed.url, next_poll, new_items=new, etag=poll.etag, last_modified=poll.last_modified)
    if report.ingest.new_articles or report.ingest.revised_articles:
        report.stories = update_stories(store, settings)
        report.alerts = check_alerts(store, settings)
    report.deliveries = deliver_alerts(store, settings)  # also those that failed before and are due again
    return report


def _read_items(
    store: WatchStore,
    fetcher: Fetcher,
    feed_url: str,
    listed: list[RawDocument | IngestError],
    now: datetime,
    settings: Settings,
    report: WatchReport,
) -> int:
    """Read the pages of a feed's new items, of those the feed says were updated, and of those due a check for
    corrections; store them, then mark them read. How many items were new."""
    entries = {_item(e): e for e in listed if isinstance(e, RawDocument)}
    known = store.feed_items(feed_url, list(entries))
    new = [item for item in entries if item not in known]
    updated = [i for i in entries if i in known and _stamp(entries[i]) not in (None, known[i].stamp)]
    checks = {i.item: i for i in store.items_due(feed_url, _iso(now)) if i.item not in updated}
    read = [*new, *updated, *checks]
    documents = [_item_page(fetcher, i, entries.get(i), i in new) for i in read]
    ingested = ingest([d for d in documents if isinstance(d, RawDocument)], store, settings.but(workers=1))
    _add(report.ingest, ingested, [d for d in documents if isinstance(d, IngestError)])
    first_read = {i: known[i].first_read for i in updated} | {i: c.first_read for i, c in checks.items()}
    stamps = {i: c.stamp for i, c in checks.items()} | {i: _stamp(e) for i, e in entries.items()}
    store.mark_read(
        feed_url,
        [FeedItem(i, first_read.get(i, _iso(now)), stamps[i], _check(first_read.get(i, _iso(now)), now)) for i in read],
    )
    report.new_items += len(new)
    report.reread += len(updated) + len(checks)
    return len(new)


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


def _stamp(entry: RawDocument) -> str | None:
    """What the feed says of when an item last changed: a new one means its page is read again."""
    value = entry.hints.get("updated") or entry.hints.get("published")
    return value if isinstance(value, str) and value.strip() else None


def _check(first_read: str, now: datetime) -> str | None:
    """When an item's page is read again for corrections: after as long as it has been known (1 hour at least,
    12 at most), for two days after it was first read; then never.

    >>> now = datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
    >>> _check("2025-10-06T12:00:00Z", now), _check("2025-10-06T02:00:00Z", now), _check("2025-10-01T12:00:00Z", now)
    ('2025-10-06T13:00:00Z', '2025-10-06T22:00:00Z', None)
    """
    age = now - datetime.fromisoformat(first_read.replace("Z", "+00:00"))
    if age >= RECHECK_FOR:
        return None
    return _iso(now + min(max(age, RECHECK_FIRST), RECHECK_LAST))


def _item(entry: RawDocument) -> str:
    """What identifies a feed item across polls: its link, else its place in the feed."""
    return entry.url or f"{entry.origin}#{entry.locator}"


def _item_page(fetcher: Fetcher, item: str, entry: RawDocument | None, first: bool) -> RawDocument | IngestError:
    """An item's page, with what the feed states of it (date, site, authors) winning over extraction but not its
    headline (the page's own is what a correction changes). When the page cannot be read: the feed's own text
    of the item the first time, an error when it is read again (what was read of it before stays)."""
    url = entry.url if entry is not None else item
    error = IngestError(item, "source", "no page at this address")
    for found in fetcher.documents(url) if url else []:
        if isinstance(found, RawDocument) and found.media_type == "text/html":
            hints = {k: v for k, v in (entry.hints if entry else {}).items() if k not in ("text", "html", "title")}
            return replace(found, hints=hints | {"url": found.url})
        if isinstance(found, IngestError):
            error = found
    return entry if first and entry is not None and entry.content else error


def _add(total: IngestReport, part: IngestReport, errors: list[IngestError]) -> None:
    total.files += part.files
    total.documents += part.documents
    total.new_articles += part.new_articles
    total.known_articles += part.known_articles
    total.revised_articles += part.revised_articles
    total.errors += part.errors + errors
    total.warnings += part.warnings
