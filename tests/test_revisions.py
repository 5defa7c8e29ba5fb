"""Revisions: a watched page read again whose text or headline changed stays the same article, keeps every
text it had, and its story's timeline follows the new claims; a page read again unchanged is no news."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.local_site import LocalSite, SiteHandler, running

from storyline import open_store
from storyline.pipeline import run
from storyline.pipeline.watch import poll_due_feeds
from storyline.settings import Settings

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
SETTINGS = Settings(allow_loopback=True, host_delay=0.0)
RUMOUR = "Harrow Robotics reportedly plans to buy Quill Analytics, people familiar with the matter said."
CONFIRMED = "Harrow Robotics announced on Monday that it has agreed to buy Quill Analytics."
FILLER = " The robot maker from Leeds employs nine hundred people and sells warehouse arms across Europe."


class _Site(LocalSite):
    headline: str
    lead: str


class _Handler(SiteHandler):
    server: _Site

    def answer(self) -> None:
        base = self.server.base
        if self.path == "/feed.xml":
            item = (
                f"<item><title>Harrow and Quill</title><link>{base}/deal.html</link><description>x</description></item>"
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item}</channel></rss>'
            self.send(200, feed.encode(), "application/rss+xml")
        elif self.path == "/deal.html":
            page = (
                f"<html><head><title>{self.server.headline}</title></head><body><article><h1>{self.server.headline}</h1>"
                f"<p>Published on 6 October 2025.</p><p>{self.server.lead}{FILLER * 3}</p></article></body></html>"
            )
            self.send(200, page.encode())
        else:
            self.send(404)


@pytest.fixture
def site() -> Iterator[_Site]:
    with running(_Site, _Handler) as server:
        server.headline, server.lead = "Harrow eyes Quill", RUMOUR
        yield server


def test_a_changed_page_is_a_revision_and_the_timeline_follows_its_claims(site: _Site, tmp_path: Path) -> None:
    store = open_store(tmp_path / "rev.db")
    store.add_feed(site.base + "/feed.xml")
    first = poll_due_feeds(store, SETTINGS, NOW)
    assert (first.new_items, first.ingest.new_articles) == (1, 1), first.ingest.errors
    [article] = list(store.articles())
    story_id = store.story_ids_of([article.id])[article.id]
    assert [e.status for e in store.timeline(story_id)] == ["rumoured"]

    unchanged = poll_due_feeds(store, SETTINGS, NOW + timedelta(minutes=61))  # the check for corrections is due
    assert (unchanged.reread, unchanged.ingest.revised_articles, unchanged.ingest.known_articles) == (1, 0, 1)

    site.headline, site.lead = "Harrow buys Quill", CONFIRMED
    changed = poll_due_feeds(store, SETTINGS, NOW + timedelta(hours=3))
    assert (changed.reread, changed.ingest.revised_articles, changed.ingest.new_articles) == (1, 1, 0)
    assert store.count_articles() == 1
    now = store.article(article.id)
    assert now is not None and now.title == "Harrow buys Quill" and CONFIRMED in now.text
    assert store.story_ids_of([article.id]) == {article.id: story_id}  # the same article, in the same story
    [entry] = store.timeline(story_id)
    assert entry.status == "confirmed"  # the old text's rumour is gone with it
    overview = store.story_overview(story_id)
    assert overview is not None
    revision, first_text = overview.revisions  # newest first
    assert first_text.number == 1 and first_text.text.count(RUMOUR) == 1
    assert (revision.number, revision.title, revision.removed, revision.added) == (
        2,
        "Harrow buys Quill",
        (RUMOUR,),
        (CONFIRMED,),
    )
    assert [r.title for r in store.revisions([article.id])[article.id]] == ["Harrow eyes Quill", "Harrow buys Quill"]

    store.close()
    with TestClient(_app(tmp_path / "rev.db")) as client:
        html = client.get(f"/stories/{story_id}").text
        data = client.get(f"/api/stories/{story_id}").json()
    assert "Harrow eyes Quill" in html and "Harrow buys Quill" in html and "people familiar with the matter" in html
    assert data["revisions"][0]["added"] == [CONFIRMED]


def test_a_page_ingested_again_by_address_is_revised_and_a_file_copy_is_not_new(site: _Site, tmp_path: Path) -> None:
    store = open_store(tmp_path / "url.db")
    assert run([site.base + "/deal.html"], store, SETTINGS).ingest.new_articles == 1
    assert run([site.base + "/deal.html"], store, SETTINGS).ingest.known_articles == 1  # unchanged: no news
    site.lead = CONFIRMED
    again = run([site.base + "/deal.html"], store, SETTINGS)
    assert (again.ingest.revised_articles, again.ingest.new_articles) == (1, 0)
    # a revision of the headline alone is one too
    site.headline = "Harrow buys Quill, at last"
    assert run([site.base + "/deal.html"], store, SETTINGS).ingest.revised_articles == 1
    # the page's text saved to a file and ingested is a copy of the article, not a new one
    saved = tmp_path / "deal.jsonl"
    [current] = list(store.articles())
    saved.write_text(f'{{"title": "x", "text": {__import__("json").dumps(current.text)}}}\n', encoding="utf-8")
    assert run([str(saved)], store, SETTINGS).ingest.known_articles == 1
    assert store.count_articles() == 1 and len(store.revisions([current.id])[current.id]) == 3


def _app(db: Path):  # type: ignore[no-untyped-def]
    from storyline.web.app import create_app

    return create_app(Settings(db=str(db)))
