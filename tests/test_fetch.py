"""Fetching pages and feeds over HTTP (`storyline ingest URL`), against a real server on 127.0.0.1 with faults:
robots.txt, 503 with Retry-After, redirect loops, bodies over the limit, 404s; loopback refused by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.local_site import LocalSite, SiteHandler, running

from storyline import ingest, open_store
from storyline.model import IngestError, RawDocument
from storyline.settings import Settings
from storyline.sources.web import Fetcher, FetchPolicy

PARAGRAPH = (
    "The harbour authority of Brenta said on Monday that it will build a new container quay with forty berths,"
    " after years of planning and a long public consultation with the residents of the old town. "
)
PAGE = (
    "<!doctype html><html><head><title>Brenta harbour gets a new quay</title>"
    '<meta property="article:published_time" content="2025-10-06T09:00:00Z"></head><body><article>'
    "<h1>Brenta harbour gets a new quay</h1>" + "<p>" + PARAGRAPH * 3 + "</p></article></body></html>"
)
FEED = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Brenta news</title>
<item><title>Quay approved</title><link>http://news.example/quay</link><pubDate>Mon, 06 Oct 2025 09:00:00 GMT</pubDate>
<description>{PARAGRAPH}</description></item>
<item><title>Ferry strike ends</title><link>http://news.example/ferry</link><pubDate>Tue, 07 Oct 2025 10:00:00 GMT</pubDate>
<description>The ferry workers of Brenta ended their strike on Tuesday after the port agreed to hire forty more
sailors and to shorten the night shifts, the union said in a statement read at the harbour gates.</description></item>
</channel></rss>"""


class _Site(LocalSite):
    robots_status = 200
    hits: dict[str, int]


class _Handler(SiteHandler):
    server: _Site

    def answer(self) -> None:
        hits = self.server.hits
        if self.path == "/robots.txt":
            self.send(self.server.robots_status, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path in ("/news/quay.html", "/private/quay.html"):
            self.send(200, PAGE.encode())
        elif self.path == "/flaky.html":
            if hits[self.path] == 1:
                self.send(503, b"busy", Retry_After="1")
            else:
                self.send(200, PAGE.replace("new quay", "second quay").encode())
        elif self.path == "/slow-down":
            self.send(429, b"slow down", Retry_After="3600")
        elif self.path == "/moved":
            self.send(301, Location="/news/quay.html")
        elif self.path in ("/loop-a", "/loop-b"):
            self.send(302, Location="/loop-b" if self.path == "/loop-a" else "/loop-a")
        elif self.path == "/huge.html":
            self.send(200, b"<p>" + b"x" * 3_000_000 + b"</p>")
        elif self.path == "/feed.xml":
            self.send(200, FEED.encode(), "application/rss+xml")
        else:
            self.send(404, b"not here")


@pytest.fixture
def site() -> Iterator[_Site]:
    with running(_Site, _Handler) as server:
        yield server


def _base(site: _Site) -> str:
    return f"http://127.0.0.1:{site.server_address[1]}"


def _fetch(site: _Site, path: str, **policy: object) -> list[RawDocument | IngestError]:
    settings = {"allow_loopback": True, "host_delay": 0.0, "backoff": 0.1, "max_bytes": 1_000_000} | policy
    with Fetcher(FetchPolicy(**settings)) as fetcher:  # type: ignore[arg-type]
        return list(fetcher.documents(_base(site) + path))


def test_a_page_is_fetched_with_its_address_and_charset(site: _Site) -> None:
    [page] = _fetch(site, "/moved")  # a redirect is followed to the page
    assert isinstance(page, RawDocument) and page.media_type == "text/html" and page.charset == "utf-8"
    assert page.url == _base(site) + "/news/quay.html" and page.origin == _base(site) + "/moved"


def test_faults_become_errors_with_their_reason(site: _Site) -> None:
    def reason(path: str, **policy: object) -> str:
        [error] = _fetch(site, path, **policy)
        assert isinstance(error, IngestError) and error.stage == "source"
        return error.reason

    assert "robots.txt" in reason("/private/quay.html") and site.hits.get("/private/quay.html") is None
    assert "redirects" in reason("/loop-a")
    assert "larger than" in reason("/huge.html")
    assert "HTTP 404" in reason("/nothing-here")
    assert "loopback" in reason("/news/quay.html", allow_loopback=False)
    assert "retry after 3600 s" in reason("/slow-down")  # longer than anyone should wait: given up, not slept
    with Fetcher(FetchPolicy(allow_loopback=True)) as fetcher:
        [error] = fetcher.documents(f"ftp://127.0.0.1:{site.server_address[1]}/quay.html")
    assert isinstance(error, IngestError) and "not an http(s) address" in error.reason


def test_busy_servers_are_retried_after_the_time_they_ask(site: _Site) -> None:
    [page] = _fetch(site, "/flaky.html")
    assert isinstance(page, RawDocument) and site.hits["/flaky.html"] == 2
    assert b"second quay" in bytes(page.content)  # what the second try answered


def test_a_site_whose_robots_txt_fails_is_left_alone(site: _Site) -> None:
    site.robots_status = 503
    [error] = _fetch(site, "/news/quay.html", retries=0)
    assert isinstance(error, IngestError) and "robots.txt" in error.reason
    assert site.hits.get("/news/quay.html") is None


def test_ingest_takes_addresses_beside_paths(site: _Site, tmp_path: Path) -> None:
    store = open_store(tmp_path / "web.db")
    settings = Settings(allow_loopback=True)
    report = ingest(
        [_base(site) + "/news/quay.html", _base(site) + "/feed.xml", _base(site) + "/gone"], store, settings
    )
    assert report.new_articles == 3, report.errors  # the page and the feed's two entries
    assert [e.reason for e in report.errors] == ["HTTP 404 from " + _base(site) + "/gone"]
    page = next(a for a in store.articles() if a.url == _base(site) + "/news/quay.html")
    assert page.title == "Brenta harbour gets a new quay" and page.source == "127.0.0.1"
    again = ingest([_base(site) + "/news/quay.html"], store, settings)
    assert again.new_articles == 0 and again.known_articles == 1  # fetched again, stored once
    refused = ingest([_base(site) + "/news/quay.html"], store, Settings())
    assert "refused" in refused.errors[0].reason  # loopback only when allowed


def test_the_address_checked_is_the_one_connected_to(site: _Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a name that resolves to an allowed address when checked, and to another afterwards, is
    still read from the first (here the second is an address nothing listens on)."""
    import socket

    port = site.server_address[1]
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] * 2 + ["127.0.0.2"] * 20)  # the checks of the page and its robots.txt, then others

    def rebinding(host: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Fetcher(FetchPolicy(allow_loopback=True, host_delay=0.0, retries=0)) as fetcher:
        [page] = list(fetcher.documents(f"http://rebind.test:{port}/news/quay.html"))
    assert isinstance(page, RawDocument), page
    assert page.url == f"http://rebind.test:{port}/news/quay.html"  # the address as asked, not the IP
    assert site.hits["/news/quay.html"] == 1
