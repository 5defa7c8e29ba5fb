"""Watch: poll the feeds the store follows, read each new item's page, and bring the stories up to date.

A feed is polled when its `next_poll` is due, with a conditional request (its ETag and Last-Modified); its
next poll is when the server says the feed stops being fresh (Cache-Control max-age), else when the feed
says (RSS `<ttl>`), else after half the usual time between its items (a feed that publishes twice a day is
not polled every 15 minutes), else after 15 minutes; always within 5 minutes and 6 hours. A feed that fails is
polled again after 15 minutes, doubled with each failure in a row up to a day: never a tight loop. Hosts are
fetched from in parallel (up to HOSTS_AT_ONCE), each one request at a time with its delay between requests, so
one slow or paced host holds up only its own feeds; the store is written from one thread. An item (its link) is read once: it is marked seen
only after what it gave is stored, so a watcher killed at any point reads again only what it had not
stored, and article ids (content hashes) keep a second read from storing anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import pairwise
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from storyline.model import FeedItem, IngestError, RawDocument, WatchedFeed
from storyline.pipeline.alerts import AlertingStore, AlertReport, DeliveryReport, check_alerts, deliver_alerts
from storyline.pipeline.assign import AssignStore, StoriesReport, update_stories
from storyline.pipeline.ingest import IngestReport, ingest
from storyline.settings import Settings
from storyline.sources.web import FeedPoll, Fetcher, FetchPolicy
from storyline.store.base import FeedStore

DEFAULT_INTERVAL = timedelta(minutes=15)
MIN_INTERVAL, MAX_INTERVAL = timedelta(minutes=5), timedelta(hours=6)
MAX_BACKOFF = timedelta(days=1)
HOSTS_AT_ONCE = 16  # hosts fetched from at the same time (each one request at a time, paced)
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


def poll_due_feeds(
    store: WatchStore, settings: Settings, now: datetime | None = None, fetcher: Fetcher | None = None
) -> WatchReport:
    """One round: every feed whose poll is due, then one update of the stories if anything new came, then the
    webhook deliveries that are due. `fetcher`: one kept across rounds (robots.txt, connections, host pacing)."""
    now = now or datetime.now(UTC)
    report = WatchReport()
    due = [f for f in store.feeds() if f.next_poll is None or f.next_poll <= _iso(now)]
    if due:
        if fetcher is None:
            with Fetcher(fetch_policy(settings)) as own:
                _poll(store, own, due, now, settings, report)
        else:
            _poll(store, fetcher, due, now, settings, report)
    if due:  # also when nothing came: what a watcher killed before its update stored gets its stories now
        report.stories = update_stories(store, settings)
        report.alerts = check_alerts(store, settings)
    report.deliveries = deliver_alerts(store, settings)  # also those that failed before and are due again
    return report


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        max_bytes=settings.max_document_bytes, allow_loopback=settings.allow_loopback, host_delay=settings.host_delay
    )


def _poll(
    store: WatchStore, fetcher: Fetcher, due: list[WatchedFeed], now: datetime, settings: Settings, report: WatchReport
) -> None:
    """Poll the due feeds and read their items' pages: the network in parallel across hosts (one request at a
    time per host, paced), the store in this thread, feed by feed (items marked read after they are stored)."""
    polls = by_host(due, lambda feed: feed.url, lambda feed: fetcher.feed(feed.url, feed.etag, feed.last_modified))
    plans: list[tuple[WatchedFeed, FeedPoll, _Plan]] = []
    for feed, poll in zip(due, polls, strict=True):
        report.polled += 1
        if poll.error is not None:
            report.failed += 1
            wait = min(DEFAULT_INTERVAL * 2 ** min(feed.failures, 10), MAX_BACKOFF)
            if poll.retry_after is not None:  # the server asked to be left alone longer: it is
                wait = max(wait, min(timedelta(seconds=poll.retry_after), MAX_BACKOFF))
            store.record_poll(feed.url, _iso(now + wait), error=poll.error)
            continue
        plans.append((feed, poll, _plan(store, feed.url, poll.entries, now)))
    reads = [(plan, item) for _, _, plan in plans for item in plan.read]
    pages = by_host(
        reads,
        lambda read: read[0].address(read[1]),
        lambda read: _item_page(fetcher, read[1], read[0].entries.get(read[1]), read[1] in read[0].new),
    )
    documents = dict(zip([(id(plan), item) for plan, item in reads], [page for page, _ in pages], strict=True))
    # One ingest of the round's documents (a bounded micro-batch, on Ray too); then each feed's items are
    # marked read: a watcher killed before that reads them again, and stores nothing twice.
    found = list(documents.values())
    local = settings.but(workers=1) if settings.engine == "local" else settings
    ingested = ingest([d for d in found if isinstance(d, RawDocument)], store, local)
    kept = [problem for _, problem in pages if problem is not None]  # in the store until the page is read
    for problem in kept:
        store.record_error(problem)
    ingested.warnings += [problem for problem in kept if problem.severity == "warning"]  # errors are in `found`
    _add(report.ingest, ingested, [d for d in found if isinstance(d, IngestError)])
    for feed, poll, plan in plans:
        fresh = _fresh_for(poll.max_age, poll.ttl, list(plan.entries.values()))
        with store.transaction():  # items read and the poll's count of them land together
            unread = {item for item in plan.read if isinstance(documents[id(plan), item], IngestError)}
            store.mark_read(feed.url, plan.marks(now, unread))
            store.record_poll(
                feed.url,
                _iso(now + min(max(fresh, MIN_INTERVAL), MAX_INTERVAL)),
                new_items=len(plan.new),
                etag=poll.etag,
                last_modified=poll.last_modified,
            )
        report.new_items += len(plan.new)
        report.reread += len(plan.read) - len(plan.new)
        report.not_modified += poll.not_modified


T = TypeVar("T")
R = TypeVar("R")


def by_host(jobs: list[T], address: Callable[[T], str], work: Callable[[T], R]) -> list[R]:
    """`work` on every job, in parallel across hosts (up to HOSTS_AT_ONCE) and one after another within a host,
    so a host's pacing never holds up another host; results in the order of `jobs`.

    >>> by_host(["http://a/1", "http://b/1", "http://a/2"], str, lambda url: url[-3:])
    ['a/1', 'b/1', 'a/2']
    """
    groups: dict[str, list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault(urlsplit(address(job)).netloc.lower(), []).append(index)
    results: list[Any] = [None] * len(jobs)

    def run(indexes: list[int]) -> None:
        for index in indexes:
            results[index] = work(jobs[index])

    if len(groups) <= 1:
        for indexes in groups.values():
            run(indexes)
        return results
    with ThreadPoolExecutor(max_workers=min(HOSTS_AT_ONCE, len(groups))) as pool:
        for future in [pool.submit(run, indexes) for indexes in groups.values()]:
            future.result()
    return results


@dataclass
class _Plan:
    """What to read of one feed this round: its items new, updated by the feed, or due a check for corrections."""

    entries: dict[str, RawDocument]
    new: list[str]
    updated: list[str]
    checks: dict[str, FeedItem]
    known: dict[str, FeedItem]

    def address(self, item: str) -> str:
        """Where an item's page is: the feed entry's link, else the item (read again from the store)."""
        entry = self.entries.get(item)
        return (entry.url if entry is not None else None) or item

    @property
    def read(self) -> list[str]:
        return [*self.new, *self.updated, *self.checks]

    def marks(self, now: datetime, unread: set[str]) -> list[FeedItem]:
        """The items as read now. One read again whose page could not be read (`unread`) keeps the stamp it had,
        so a change the feed announced is read when the page answers again; its checks go on as scheduled."""
        first_read = {i: self.known[i].first_read for i in self.updated} | {
            i: c.first_read for i, c in self.checks.items()
        }
        stamps = {i: c.stamp for i, c in self.checks.items()} | {i: _stamp(e) for i, e in self.entries.items()}
        stamps |= {
            i: (self.checks.get(i) or self.known[i]).stamp for i in unread if i in self.known or i in self.checks
        }
        return [
            FeedItem(i, first_read.get(i, _iso(now)), stamps[i], _check(first_read.get(i, _iso(now)), now))
            for i in self.read
        ]


def _plan(store: WatchStore, feed_url: str, listed: list[RawDocument | IngestError], now: datetime) -> _Plan:
    entries = {_item(e): e for e in listed if isinstance(e, RawDocument)}
    known = store.feed_items(feed_url, list(entries))
    new = [item for item in entries if item not in known]
    updated = [i for i in entries if i in known and _stamp(entries[i]) not in (None, known[i].stamp)]
    checks = {i.item: i for i in store.items_due(feed_url, _iso(now)) if i.item not in updated}
    return _Plan(entries, new, updated, checks, known)


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


def _item_page(
    fetcher: Fetcher, item: str, entry: RawDocument | None, first: bool
) -> tuple[RawDocument | IngestError, IngestError | None]:
    """An item's page, with what the feed states of it (date, site, authors) winning over extraction but not its
    headline (the page's own is what a correction changes), and the problem to keep in the store's errors until
    the page is read. When the page cannot be read the first time: the feed's own text of the item, with a
    warning saying so, or, where the feed has no text of it, the error (the item is read again next poll).
    Read again for corrections, an error for the round's report only: what was read of it before stands."""
    url = entry.url if entry is not None else item
    error = IngestError(item, "source", "no page at this address")
    for found in fetcher.documents(url) if url else []:
        if isinstance(found, RawDocument) and found.media_type == "text/html":
            hints = {k: v for k, v in (entry.hints if entry else {}).items() if k not in ("text", "html", "title")}
            return replace(found, hints=hints | {"url": found.url or url}), None  # a page read as a file has none
        if isinstance(found, IngestError):
            error = found
    if first and entry is not None and entry.content:
        reason = f"{error.reason}; the feed's own text of the item is stored until its page can be read"
        return entry, replace(error, reason=reason, severity="warning")
    return error, error if first else None


def _add(total: IngestReport, part: IngestReport, errors: list[IngestError]) -> None:
    total.files += part.files
    total.documents += part.documents
    total.new_articles += part.new_articles
    total.known_articles += part.known_articles
    total.revised_articles += part.revised_articles
    total.errors += part.errors + errors
    total.warnings += part.warnings
