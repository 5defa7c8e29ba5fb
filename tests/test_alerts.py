"""Watchlists and alerts against real servers on 127.0.0.1: a rumour on an English site, its confirmation a day
later on an Italian one, read by the watcher; exactly one "rumour confirmed" alert to the watchlist on one of its
companies (by Atom feed, by a webhook that fails then recovers, and by `storyline alerts`), none to a watchlist
on another company; restarts give nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import invoke, invoke_json
from tests.local_site import LocalSite, SiteHandler, running

from storyline import open_store
from storyline.model import Alert, Watchlist
from storyline.pipeline.alerts import add_watchlist, deliver_alerts, signature
from storyline.pipeline.watch import poll_due_feeds
from storyline.settings import Settings
from storyline.stories.alerts import story_changes, story_state

DAY1 = datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
SETTINGS = Settings(allow_loopback=True, host_delay=0.0)
SECRET = "s3cret-key"
RUMOUR_PAGE = """<html><head><title>Harrow Robotics eyes Quill Analytics</title>
<meta property="article:published_time" content="2025-10-06T09:00:00+00:00"></head><body><article>
<h1>Harrow Robotics eyes Quill Analytics</h1>
<p>Harrow Robotics reportedly plans to buy Quill Analytics, people familiar with the matter said.</p>
<p>The robot maker from Leeds employs nine hundred people and sells warehouse arms across Europe. Quill Analytics,
based in Bristol, writes software that plans the routes of warehouse robots.</p>
<p>Neither Harrow Robotics nor Quill Analytics answered requests for comment on Monday.</p></article></body></html>"""
CONFIRMATION = "Harrow Robotics ha confermato martedì l'acquisizione di Quill Analytics."
CONFIRMATION_PAGE = f"""<html><head><title>Harrow Robotics compra Quill Analytics</title>
<meta property="article:published_time" content="2025-10-07T10:00:00+02:00"></head><body><article>
<h1>Harrow Robotics compra Quill Analytics</h1>
<p>{CONFIRMATION}</p>
<p>Il produttore di robot di Leeds, che impiega novecento persone, vende bracci robotici per magazzini in tutta
Europa. Quill Analytics, con sede a Bristol, sviluppa software che pianifica i percorsi dei robot di magazzino.</p>
<p>L'operazione era nell'aria da giorni.</p></article></body></html>"""
OTHER_PAGE = """<html><head><title>Brenta Motori opens a plant</title>
<meta property="article:published_time" content="2025-10-06T08:00:00+00:00"></head><body><article>
<h1>Brenta Motori opens a plant</h1><p>Brenta Motori opened a new van plant near Padua on Monday, the carmaker said.
The plant will build four thousand electric vans a year and employ six hundred workers from the region.</p>
<p>Regional officials welcomed the investment, the largest in the province for a decade.</p></article></body></html>"""


class _News(LocalSite):
    day: int


class _NewsHandler(SiteHandler):
    """Two sites in one: an English blog's feed (day 1: the rumour) and an Italian aggregator's (day 2)."""

    server: _News

    def answer(self) -> None:
        pages = {"/en/harrow.html": RUMOUR_PAGE, "/it/harrow.html": CONFIRMATION_PAGE, "/en/brenta.html": OTHER_PAGE}
        if self.path in pages:
            self.send(200, pages[self.path].encode())
        elif self.path in ("/en/feed.xml", "/it/feed.xml"):
            links = {"/en/feed.xml": ["/en/harrow.html", "/en/brenta.html"], "/it/feed.xml": ["/it/harrow.html"]}
            shown = links[self.path] if self.path == "/en/feed.xml" or self.server.day >= 2 else []
            items = "".join(
                f"<item><title>t</title><link>{self.server.base}{p}</link><description>d</description></item>"
                for p in shown
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'
            self.send(200, feed.encode(), "application/rss+xml")
        else:
            self.send(404)


class _Receiver(LocalSite):
    failures_left: int
    received: list[tuple[dict[str, str], bytes]]


class _ReceiverHandler(SiteHandler):
    """A webhook receiver that fails (503) a number of times, then takes every POST."""

    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.server.failures_left > 0:
            self.server.failures_left -= 1
            self.send(503, b"busy")
            return
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send(204)


@pytest.fixture
def news() -> Iterator[_News]:
    with running(_News, _NewsHandler) as server:
        server.day = 1
        yield server


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    with running(_Receiver, _ReceiverHandler) as server:
        server.failures_left, server.received = 2, []
        yield server


def test_a_rumour_then_its_confirmation_in_another_language_alerts_once(
    news: _News, receiver: _Receiver, tmp_path: Path
) -> None:
    db = tmp_path / "alerts.db"
    store = open_store(db)
    store.add_feed(news.base + "/en/feed.xml")
    store.add_feed(news.base + "/it/feed.xml")
    harrow = Watchlist("harrow", entity="name:harrow robotics", webhook=receiver.base + "/hook", secret=SECRET)
    assert add_watchlist(store, harrow, SETTINGS)
    assert add_watchlist(store, Watchlist("brenta", entity="name:brenta motori"), SETTINGS)
    assert add_watchlist(store, Watchlist("nobody", entity="name:quill analytics", status="denied"), SETTINGS)
    assert not add_watchlist(store, Watchlist("harrow", q="anything"), SETTINGS)  # one of a name

    day1 = poll_due_feeds(store, SETTINGS, DAY1)
    assert day1.ingest.new_articles == 2 and day1.alerts is not None
    assert sorted((a.watchlist, a.kind) for a in day1.alerts.alerts) == [
        ("brenta", "new_story"),
        ("harrow", "new_story"),
    ]
    store.close()

    news.day = 2  # the Italian aggregator confirms, a day later; the watcher restarted in between
    store = open_store(db)
    day2 = poll_due_feeds(store, SETTINGS, DAY1 + timedelta(days=1))
    assert day2.ingest.new_articles == 1 and day2.alerts is not None
    got = {(a.watchlist, a.kind): a for a in day2.alerts.alerts}
    assert set(got) == {("harrow", "status_change"), ("harrow", "new_language")}, got
    confirmed = got["harrow", "status_change"]
    assert confirmed.title.startswith("Rumour confirmed")
    assert confirmed.detail["evidence"] == CONFIRMATION and confirmed.detail["lang"] == "it"
    assert confirmed.detail["previous_status"] == "rumoured"

    # The webhook failed twice (503): retried with backoff until it took them; each alert delivered once.
    assert len(receiver.received) <= 1
    for minutes in (1, 3, 10):
        deliver_alerts(store, SETTINGS, datetime.now(UTC) + timedelta(minutes=minutes))
    posted = [json.loads(body) for _, body in receiver.received]
    assert sorted(p["kind"] for p in posted) == ["new_language", "new_story", "status_change"]
    assert [p["title"] for p in posted if p["kind"] == "status_change"] == [confirmed.title]
    for headers, body in receiver.received:
        assert headers["x-storyline-signature"] == signature(SECRET, body)
        assert headers["content-type"] == "application/json" and headers["x-storyline-alert"].isdigit()
    log = store.deliveries([a.id for a in store.alerts("harrow", limit=None).items if a.id is not None])
    assert all(d.status == "delivered" for ds in log.values() for d in ds) and len(log) == 3
    assert max(d.attempts for ds in log.values() for d in ds) >= 2  # the failures are in the log
    store.close()

    # A second restart, polling and delivering again: nothing is given or posted twice.
    store = open_store(db)
    again = poll_due_feeds(store, SETTINGS, DAY1 + timedelta(days=1, hours=7))
    assert again.alerts is None or again.alerts.alerts == []
    deliver_alerts(store, SETTINGS, datetime.now(UTC) + timedelta(hours=2))
    assert len(receiver.received) == 3
    assert [a.kind for a in store.alerts("brenta", limit=None).items] == ["new_story"]  # only its own story
    assert store.alerts("nobody", limit=None).items == []
    store.close()

    result = invoke_json(db, "alerts", "--watchlist", "harrow")
    assert sum(a["title"].startswith("Rumour confirmed") for a in result) == 1
    assert all(d["status"] == "delivered" for a in result for d in a["deliveries"])
    from storyline.web.app import create_app

    with TestClient(create_app(Settings(db=str(db)))) as client:
        atom = client.get("/feeds/watchlist/harrow")
        assert atom.status_code == 200 and atom.text.count("<entry>") == 3
        assert atom.text.count("<title>Rumour confirmed") == 1 and "confermato" in atom.text
        assert client.get("/feeds/watchlist/brenta").text.count("Rumour confirmed") == 0


def test_watchlists_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert invoke(db, "watchlists", "add", "leica").exit_code == 2  # nothing to follow
    assert invoke(db, "watchlists", "add", "x", "--status", "maybe").exit_code == 2
    assert invoke(db, "watchlists", "add", "x", "--entity", "org:leica", "--webhook", "ftp://a").exit_code == 2
    assert (
        invoke(db, "watchlists", "add", "leica", "--entity", "org:leica", "--event", "partnership_end").exit_code == 0
    )
    assert invoke(db, "watchlists", "add", "leica", "--words", "Leica").exit_code == 1  # the name is taken
    [listed] = invoke_json(db, "watchlists", "list")
    assert listed["query"] == {"entity": "org:leica", "event_type": "partnership_end"} and listed["alerts"] == 0
    assert invoke(db, "watchlists", "remove", "leica").exit_code == 0
    assert invoke(db, "watchlists", "remove", "leica").exit_code == 4
    assert invoke_json(db, "watchlists", "list") == []


def test_changes_that_alert_and_those_that_do_not(tmp_path: Path) -> None:
    """The comparison itself, on a story built by the pipeline: a status that goes back to rumoured, or an event
    read again with the same status, is no alert; each alert names what it is about."""
    from storyline.pipeline import run

    (tmp_path / "a.html").write_text(RUMOUR_PAGE, encoding="utf-8")
    (tmp_path / "b.html").write_text(CONFIRMATION_PAGE, encoding="utf-8")
    store = open_store(tmp_path / "c.db")
    run([str(tmp_path / "a.html")], store)
    [summary] = store.browse_stories().items
    rumour = store.story_overview(summary.id)
    assert rumour is not None
    run([str(tmp_path / "b.html")], store)
    confirmed = store.story_overview(summary.id)
    assert confirmed is not None
    forward = story_changes(story_state(rumour), confirmed)
    assert sorted(a.kind for a in forward) == ["new_language", "status_change"]
    assert all(isinstance(a, Alert) and a.story_id == summary.id and a.watchlist == "" for a in forward)
    assert story_changes(story_state(confirmed), rumour) == []  # back to rumoured, a language fewer: nothing
    assert story_changes(story_state(confirmed), confirmed) == []
