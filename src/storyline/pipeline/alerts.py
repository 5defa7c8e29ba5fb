"""Alerts: after stories are brought up to date, tell each watchlist what changed in the stories it matches, and
deliver what its webhook has not had yet.

`check_alerts` reads the stories whose timeline was rebuilt since their state was last kept (every change to a
story's articles or claims rebuilds it), compares each with its kept state (stories/alerts.py), and stores, in
one transaction per batch, the new states with the alerts of the watchlists that match: an alert given before
is never given again (the store keeps one per watchlist, story, kind and subject), so a run killed anywhere and
run again gives each alert once. Nothing is compared while no watchlist exists; the first watchlist, and a
recluster (which renames every story), take the stories as they are as the baseline, without alerts.

`deliver_alerts` POSTs each pending alert as JSON to its watchlist's webhook with an HMAC-SHA256 signature
(`X-Storyline-Signature: sha256=<hex>` of the body with the watchlist's secret) and the alert's id
(`X-Storyline-Alert`, for the receiver to drop a repeat: a process killed after the POST and before recording
it posts again once). Failures are retried after 30 s, doubled each time up to an hour, ten attempts in all;
every attempt is in the delivery log (`storyline alerts --json`, /api/alerts).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from storyline.model import Alert, Delivery, StoryOverview, Watchlist
from storyline.settings import Settings
from storyline.sources.web import Fetcher, FetchPolicy
from storyline.store.base import AlertStore, BrowseStore, StoryFilter
from storyline.stories.alerts import story_changes, story_state

FIRST_RETRY, LAST_RETRY, MAX_ATTEMPTS = timedelta(seconds=30), timedelta(hours=1), 10
_BATCH = 200


class AlertingStore(AlertStore, BrowseStore, Protocol):
    """What alerting needs: watchlists and alerts, and the stories as the views read them."""


@dataclass
class AlertReport:
    stories: int = 0  # stories looked at
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0  # given up after MAX_ATTEMPTS


def add_watchlist(store: AlertingStore, watchlist: Watchlist, settings: Settings = Settings()) -> bool:
    """Keep a watchlist, after alerting the others on what changed so far; with it, alerts start from now."""
    if not store.watchlists():
        check_alerts(store, settings, baseline=True)  # the stories as they are: what the first one starts from
    else:
        check_alerts(store, settings)
    return store.add_watchlist(watchlist)


def check_alerts(store: AlertingStore, settings: Settings = Settings(), baseline: bool = False) -> AlertReport:
    """Compare every story changed since the last look with its kept state; store the alerts of the watchlists
    that match it (`baseline`: keep the states only)."""
    report = AlertReport()
    watchlists = store.watchlists()
    if not watchlists and not baseline:
        return report
    with store.exclusive("alerts"):
        while batch := store.stories_to_alert(_BATCH):
            ids = [story_id for story_id, _ in batch]
            before = store.alert_states(ids)
            stories = {story_id: store.story_overview(story_id) for story_id in ids}
            states: dict[str, tuple[dict[str, Any], int]] = {}
            changes: dict[str, list[Alert]] = {}
            for story_id, version in batch:
                story = stories[story_id]
                states[story_id] = (story_state(story) if story else {}, version)  # {}: merged into another
                if story is not None and not baseline:
                    changes[story_id] = story_changes(before.get(story_id), story)
            alerts = [
                replace(alert, watchlist=watchlist.name)
                for watchlist in watchlists
                for story_id in _matching(store, watchlist, [s for s, found in changes.items() if found], stories)
                for alert in changes[story_id]
            ]
            report.alerts += store.record_alerts(states, alerts)
            report.stories += len(batch)
        store.advance_mark("alerts")
    return report


def _matching(
    store: AlertingStore, watchlist: Watchlist, story_ids: list[str], stories: dict[str, StoryOverview | None]
) -> list[str]:
    """Those of `story_ids` the watchlist matches: its filters as the story list reads them, then its event type."""
    candidates = [s for s in story_ids if watchlist.story in (None, s)]
    if not candidates:
        return []
    filters = StoryFilter(
        q=watchlist.q,
        lang=watchlist.lang,
        source=watchlist.source,
        entity=watchlist.entity,
        status=watchlist.status,
        ids=tuple(candidates),
    )
    matched = {s.id for s in store.browse_stories(filters, sort="recent", limit=None).items}
    if watchlist.event_type:
        matched = {
            s for s in matched if (story := stories[s]) and any(e.type == watchlist.event_type for e in story.timeline)
        }
    return [s for s in candidates if s in matched]


def alert_payload(alert: Alert) -> dict[str, Any]:
    """What a webhook receives, and an Atom entry shows: the alert and where to read the story."""
    return alert.to_dict() | {"story_path": f"/stories/{alert.story_id}"}


def signature(secret: str, body: bytes) -> str:
    """The X-Storyline-Signature of a body: 'sha256=' and the hex HMAC-SHA256 with the watchlist's secret.

    >>> signature("s3cret", b'{"id": 1}')[:15]
    'sha256=ce7b1d91'
    """
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def deliver_alerts(store: AlertStore, settings: Settings = Settings(), now: datetime | None = None) -> DeliveryReport:
    """POST every alert whose delivery is due to its webhook; record each attempt."""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    due = store.due_deliveries(_iso(now))
    if not due:
        return report
    secrets = {w.name: w.secret for w in store.watchlists()}
    policy = FetchPolicy(allow_loopback=settings.allow_loopback, host_delay=0.0, timeout=10.0)
    with Fetcher(policy) as fetcher:
        for delivery, alert in due:
            body = json.dumps(alert_payload(alert), ensure_ascii=False, sort_keys=True).encode("utf-8")
            headers = {
                "Content-Type": "application/json",
                "X-Storyline-Alert": str(alert.id),
                "X-Storyline-Event": alert.kind,
            }
            if secret := secrets.get(alert.watchlist):
                headers["X-Storyline-Signature"] = signature(secret, body)
            error = fetcher.post(delivery.url, body, headers)
            attempts = delivery.attempts + 1
            if error is None:
                store.record_delivery(replace(delivery, status="delivered", attempts=attempts, delivered_at=_iso(now)))
                report.delivered += 1
            elif attempts >= MAX_ATTEMPTS:
                store.record_delivery(replace(delivery, status="failed", attempts=attempts, last_error=error))
                report.failed += 1
            else:
                wait = min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)
                store.record_delivery(
                    Delivery(delivery.alert_id, delivery.url, "pending", attempts, error, _iso(now + wait))
                )
                report.retrying += 1
    return report


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
