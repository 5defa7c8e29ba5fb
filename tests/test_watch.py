"""Watching followed feeds against a real server on 127.0.0.1: conditional requests, each item's page read
once, the schedule the server asks for, failing feeds backed off, and the CLI's `watch --once`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import invoke, invoke_json
from tests.local_site import LocalSite, SiteHandler, running

from storyline import open_store
from storyline.pipeline.watch import poll_due_feeds
from storyline.settings import Settings

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
TOPICS = {
    "quay": "The harbour authority of Brenta said on Monday that it will build a new container quay with forty berths.",
    "ferry": "The ferry workers of Brenta ended their strike on Tuesday after the port agreed to hire more sailors.",
    "tram": "The city council of Brenta approved a tram line from the station to the harbour on Wednesday evening.",
}


def _page(topic: str) -> bytes:
    body = (TOPICS[topic] + " Residents and shop owners of the old town were heard at length. ") * 4
    return (
        f"<!doctype html><html><head><title>Brenta {topic} news</title></head><body><article>"
        f"<h1>Brenta {topic} news</h1><p>{body}</p></article></body></html>"
    ).encode()


class _Site(LocalSite):
    topics: list[str]
    version: int
    hits: dict[str, int]


class _Handler(SiteHandler):
    server: _Site

    def answer(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        etag = f'"v{self.server.version}"'
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == etag:
                self.send(304, ETag=etag, Cache_Control="max-age=600")
                return
            items = "".join(
                f"<item><title>{t}</title><link>{base}/news/{t}.html</link><description>{TOPICS[t]}</description></item>"
                for t in self.server.topics
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Brenta</title>{items}</channel></rss>'
            self.send(200, feed.encode(), "application/rss+xml", ETag=etag, Cache_Control="max-age=600")
        elif self.path.startswith("/news/") and self.path.endswith(".html"):
            self.send(200, _page(self.path[len("/news/") : -len(".html")]))
        elif self.path == "/ttl.xml":
            feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title><ttl>90</ttl></channel></rss>'
            self.send(200, feed.encode(), "application/rss+xml")
        elif self.path == "/broken.xml":
            self.send(500, b"oops")
        else:
            self.send(404, b"")


@pytest.fixture
def site() -> Iterator[_Site]:
    with running(_Site, _Handler) as server:
        server.topics, server.version = ["quay", "ferry"], 1
        yield server


SETTINGS = Settings(allow_loopback=True, host_delay=0.0)


def test_each_item_is_read_once_and_unchanged_feeds_cost_a_304(site: _Site, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{site.server_address[1]}"
    store = open_store(tmp_path / "watch.db")
    store.add_feed(base + "/feed.xml")
    first = poll_due_feeds(store, SETTINGS, NOW)
    assert (first.polled, first.new_items, first.ingest.new_articles) == (1, 2, 2), first.ingest.errors
    assert first.stories is not None and first.stories.assigned == 2
    articles = list(store.articles())
    assert sorted(a.title or "" for a in articles) == ["Brenta ferry news", "Brenta quay news"]  # the page's own
    assert all("shop owners of the old town" in a.text for a in articles)  # the text: its page, not the feed's line
    [feed] = store.feeds()
    assert (feed.etag, feed.items_seen, feed.failures) == ('"v1"', 2, 0)
    assert feed.next_poll == "2025-10-06T12:10:00Z"  # max-age=600
    assert poll_due_feeds(store, SETTINGS, NOW + timedelta(minutes=5)).polled == 0  # not due yet
    unchanged = poll_due_feeds(store, SETTINGS, NOW + timedelta(minutes=11))
    assert (unchanged.polled, unchanged.not_modified, unchanged.new_items) == (1, 1, 0)
    site.topics, site.version = ["tram", "quay", "ferry"], 2  # a new item on top, the old ones again
    grown = poll_due_feeds(store, SETTINGS, NOW + timedelta(minutes=22))
    assert (grown.new_items, grown.ingest.new_articles) == (1, 1)
    assert site.hits["/news/quay.html"] == site.hits["/news/ferry.html"] == 1  # old items are not read again
    assert store.count_articles() == 3 and store.feeds()[0].items_seen == 3


def test_a_failing_feed_is_backed_off_and_shown_failing(site: _Site, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{site.server_address[1]}"
    store = open_store(tmp_path / "watch.db")
    store.add_feed(base + "/broken.xml")
    assert poll_due_feeds(store, Settings(allow_loopback=True, host_delay=0.0), NOW).failed == 1
    [feed] = store.feeds()
    assert feed.failures == 1 and "HTTP 500" in (feed.last_error or "") and feed.next_poll == "2025-10-06T12:15:00Z"
    poll_due_feeds(store, SETTINGS, NOW + timedelta(minutes=16))
    [feed] = store.feeds()
    assert feed.failures == 2 and feed.next_poll == "2025-10-06T12:46:00Z"  # 30 minutes after the second failure
    assert store.count_articles() == 0


def test_watch_once_from_the_command_line(site: _Site, tmp_path: Path) -> None:
    db, base = tmp_path / "cli.db", f"http://127.0.0.1:{site.server_address[1]}"
    env = {"STORYLINE_ALLOW_LOOPBACK": "1", "STORYLINE_HOST_DELAY": "0"}
    assert invoke(db, "watch", "--once", env=env).exit_code == 4  # nothing followed yet: says how to add
    assert invoke(db, "sources", "add", base + "/feed.xml").exit_code == 0
    result = invoke(db, "watch", "--once", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert invoke_json(db, "sources", "list")[0]["items_seen"] == 2
    again = invoke(db, "watch", "--once", "--json", env=env)  # not due: nothing polled, nothing stored twice
    assert again.exit_code == 0 and '"polled": 0' in again.stdout
    assert len(invoke_json(db, "articles")) == 2


def test_feed_health_on_the_sources_page_and_api(site: _Site, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    base = f"http://127.0.0.1:{site.server_address[1]}"
    db = tmp_path / "health.db"
    store = open_store(db)
    store.add_feed(base + "/feed.xml", "Brenta <b>news</b>")
    store.add_feed(base + "/broken.xml")
    poll_due_feeds(store, SETTINGS, NOW)
    store.close()
    with TestClient(create_app(Settings(db=str(db)))) as client:
        listed = {f["url"]: f for f in client.get("/api/sources").json()["items"]}
        assert listed[base + "/feed.xml"]["items_seen"] == 2 and listed[base + "/feed.xml"]["failures"] == 0
        assert (
            listed[base + "/broken.xml"]["failures"] == 1 and "HTTP 500" in listed[base + "/broken.xml"]["last_error"]
        )
        html = client.get("/sources").text
    assert "failing (1 in a row)" in html and "HTTP 500 from" in html and ">ok<" in html
    assert "Brenta &lt;b&gt;news&lt;/b&gt;" in html and "<b>news</b>" not in html  # a feed's title is text


def test_a_feed_that_says_how_long_it_stays_fresh_is_polled_then(site: _Site, tmp_path: Path) -> None:
    store = open_store(tmp_path / "ttl.db")
    store.add_feed(f"http://127.0.0.1:{site.server_address[1]}/ttl.xml")
    report = poll_due_feeds(store, SETTINGS, NOW)
    assert (report.polled, report.failed, report.new_items) == (1, 0, 0)
    assert store.feeds()[0].next_poll == "2025-10-06T13:30:00Z"  # <ttl>90</ttl>, no Cache-Control


class _Counting(LocalSite):
    active: int
    most: int
    lock: threading.Lock


class _SlowFeeds(SiteHandler):
    """Feeds that take a while to answer, counting how many requests the server holds at once."""

    server: _Counting

    def answer(self) -> None:
        with self.server.lock:
            self.server.active += 1
            self.server.most = max(self.server.most, self.server.active)
            _ACTIVE.append(sum(s.active for s in _SERVERS))
        time.sleep(0.2)
        feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title></channel></rss>'
        with self.server.lock:
            self.server.active -= 1
        self.send(200, feed.encode(), "application/rss+xml")


_ACTIVE: list[int] = []
_SERVERS: list[_Counting] = []


def test_hosts_are_polled_in_parallel_and_each_one_request_at_a_time(tmp_path: Path) -> None:
    store = open_store(tmp_path / "hosts.db")
    with running(_Counting, _SlowFeeds) as one, running(_Counting, _SlowFeeds) as two:
        for server in (one, two):
            server.active, server.most, server.lock = 0, 0, threading.Lock()
            _SERVERS.append(server)
            for n in range(3):
                store.add_feed(f"{server.base}/feed{n}.xml")
        report = poll_due_feeds(store, SETTINGS, NOW)
        _SERVERS.clear()
    assert report.polled == 6 and report.failed == 0
    assert one.most == 1 and two.most == 1  # never two requests at once to one host
    assert max(_ACTIVE) == 2  # but both hosts at the same time
