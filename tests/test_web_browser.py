"""The web UI in a real browser: Debian's Chromium, headless, driven by Playwright, against `storyline serve`'s app.

Every page load is watched: a dialog, a console error (a refused inline script is one), a page
error or a request to a host other than 127.0.0.1 fails the test. Screenshots go to
test-artifacts/web/ (light and dark, desktop and phone width).
Needs /usr/bin/chromium (`.ci/run` installs it with apt); skipped without it.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import uvicorn

from storyline import ingest, open_store
from storyline.pipeline import update_stories
from storyline.settings import Settings
from storyline.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "samples" / "corpus"
SEEDS = ROOT / ".." / "shared" / "seeds"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
SHOTS = ROOT / "test-artifacts" / "web"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
    pytest.mark.slow,
]


# --- a live server and a watched browser ---------------------------------------------------------


@contextmanager
def live_server(db: Path) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port) in a thread, as `storyline serve` runs it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(db=str(db))), log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Watch:
    """What a page did that it must not: dialogs, console errors, page errors, requests off 127.0.0.1."""

    def __init__(self, context: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def attach(self, page: Any) -> Any:
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.set_default_timeout(15_000)
        return page

    def assert_clean(self, where: str = "") -> None:
        assert self.dialogs == [], (where, self.dialogs)
        assert self.errors == [], (where, self.errors)
        assert self.foreign == [], (where, self.foreign)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser: Any, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport=viewport, color_scheme=scheme, reduced_motion="reduce")
    watch = Watch(context)
    page = watch.attach(context.new_page())
    try:
        yield page, watch
    finally:
        context.close()
    watch.assert_clean()


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_width(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


# --- the sample corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web-browser")
    broken = folder / "broken-feed.xml"
    broken.write_text("<rss><channel><item><title>cut off", encoding="utf-8")
    store = open_store(str(folder / "corpus.db"))
    ingest([str(CORPUS), *([str(SEEDS)] if SEEDS.is_dir() else []), str(broken)], store)
    update_stories(store)
    store.close()
    with live_server(folder / "corpus.db") as url:
        yield url


def api(page: Any, base: str, path: str, **params: Any) -> Any:
    response = page.request.get(f"{base}{path}" + ("?" + urlencode(params) if params else ""))
    assert response.ok, path
    return response.json()


def test_story_list(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        page.goto(corpus_url + "/")
        cards = page.locator(".story-card")
        assert cards.count() == len(api(page, corpus_url, "/api/stories")["items"]) > 5
        assert page.locator(".story-card .badge").count() > 0  # claim statuses
        shoot(page, "stories")
        page.select_option("#f-lang", "de")
        page.click("button:has-text('Apply')")
        page.wait_for_url(re.compile(r"lang=de"))
        assert page.locator(".story-card").count() == len(api(page, corpus_url, "/api/stories", lang="de")["items"])
        shoot(page, "stories-filtered")
    with open_page(browser, PHONE) as (page, _):
        page.goto(corpus_url + "/")
        assert fits_the_width(page)
        shoot(page, "stories-phone")
    with open_page(browser, DESKTOP, "dark") as (page, _):
        page.goto(corpus_url + "/")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 18, 22)"  # the dark palette follows the OS setting
        shoot(page, "stories-dark")


def _story_with_claims(page: Any, base: str) -> dict[str, Any]:
    stories = api(page, base, "/api/stories", limit=100)["items"]
    return max(stories, key=lambda s: (len(s["statuses"]), s["size"]))


def test_open_a_story_timeline_and_claims_render(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        page.goto(corpus_url + "/")
        story = _story_with_claims(page, corpus_url)
        assert len(story["statuses"]) >= 2, story
        page.click(f"a[href='/stories/{story['id']}']")
        page.wait_for_url(f"**/stories/{story['id']}")
        timeline = page.locator("svg#timeline")
        assert timeline.is_visible()
        assert page.locator("svg#timeline circle.dot").count() == story["size"]
        assert page.locator("svg#timeline .lane-label").count() == len(story["languages"])
        assert page.locator("svg#timeline rect.step").count() >= 2
        assert page.locator(".claims .claim").count() >= 1
        for status in story["statuses"]:
            assert page.locator(f".claims .badge.status-{status}").first.is_visible()
        assert page.locator(".article-row").count() == story["size"]
        # A dot is a link to its article, and hovering it lights up the article's row.
        dot = page.locator("svg#timeline a.dot-link").first
        article_id = dot.get_attribute("data-article")
        dot.hover()
        assert "is-linked" in (page.locator(f"#a-{article_id}").get_attribute("class") or "")
        shoot(page, "story")
        dot.click()
        page.wait_for_url(f"**/articles/{article_id}")
        assert page.locator("h1").is_visible()
    with open_page(browser, PHONE, "dark") as (page, _):
        page.goto(f"{corpus_url}/stories/{story['id']}")
        assert fits_the_width(page)  # the page does not scroll sideways
        # On a phone the narrow layout is shown, drawn for that width: no sideways scrolling inside the panel
        # either, and its text stays legible (issue 15, item 14).
        assert page.locator("svg#timeline-narrow").is_visible() and not page.locator("svg#timeline").is_visible()
        box = page.locator(".chart-scroll").first
        assert box.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        label_px = page.locator("svg#timeline-narrow .lane-label").first.evaluate(
            "el => el.getBoundingClientRect().height"
        )
        assert label_px >= 10, label_px
        shoot(page, "story-phone-dark")
        page.locator("svg#timeline-narrow a.dot-link").first.click()
        page.wait_for_url("**/articles/*")


def test_article_page_evidence_and_comments(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        articles = [a for a in api(page, corpus_url, "/api/articles", limit=100)["items"]]
        chosen = None
        for summary in articles:
            article = api(page, corpus_url, f"/api/articles/{summary['id']}")
            if article["comments"] and any(c["start"] >= 0 for c in article["claims"]):
                chosen = article
                break
        assert chosen, "an article with comments and claims in the sample corpus"
        page.goto(f"{corpus_url}/articles/{chosen['id']}")
        assert page.locator("mark.evidence").count() >= 1
        comments = page.locator("details.comments")
        assert comments.get_attribute("open") is None
        assert not page.locator("details.comments li").first.is_visible()
        page.click("details.comments summary")
        assert page.locator("details.comments li").first.is_visible()
        assert page.locator("dl.facts").inner_text().count("precision") == 1
        shoot(page, "article")


def test_search_from_the_keyboard(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        page.goto(corpus_url + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")  # from the main landmark, straight into the filters
        assert page.evaluate("document.activeElement.id") == "f-q"
        page.locator("body").click(position={"x": 5, "y": 400})
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "site-q"
        page.keyboard.type("Quantix chip")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q=Quantix"))
        assert page.locator(".results .article-row").count() >= 2
        assert page.locator(".results mark").count() >= 2
        shoot(page, "search")


def test_follow_an_entity(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        story = _story_with_claims(page, corpus_url)
        page.goto(f"{corpus_url}/stories/{story['id']}")
        chip = page.locator(".entity-list a.chip").first
        label = chip.inner_text()
        chip.click()
        page.wait_for_url(re.compile(r"/entities/"))
        assert page.locator("h1").inner_text() == label
        assert page.locator(".story-card").count() >= 1
        assert page.locator(f".story-card a[href='/stories/{story['id']}']").count() == 1
        assert page.locator("svg.months rect.bar").count() >= 1
        shoot(page, "entity")
        page.click("a:has-text('Filter the story list')")
        page.wait_for_url(re.compile(r"entity="))
        assert page.locator(".story-card").count() >= 1


def test_errors_page(browser: Any, corpus_url: str) -> None:
    with open_page(browser) as (page, _):
        page.goto(corpus_url + "/errors")
        assert page.locator("table.errors tbody tr").count() >= 1
        assert "broken-feed.xml" in page.locator("table.errors").inner_text()
        shoot(page, "errors")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
@pytest.mark.skipif(
    importlib.util.find_spec("storyline.enrich.claims") is None, reason="claims extraction not there yet"
)
def test_the_seeds_in_one_story_with_timeline_and_statuses(browser: Any, corpus_url: str) -> None:
    """Done when: the story page shows the two seeds in one story, with its timeline and statuses."""
    with open_page(browser) as (page, _):
        hits = api(page, corpus_url, "/api/search", q="Leica Huawei")["items"]
        seeds = [h for h in hits if h["lang"] in ("it", "de")]
        assert len(seeds) == 2 and seeds[0]["story_id"] == seeds[1]["story_id"]
        page.goto(f"{corpus_url}/stories/{seeds[0]['story_id']}")
        for seed in seeds:
            assert page.locator(f"svg#timeline a.dot-link[data-article='{seed['id']}']").count() == 1
            assert page.locator(f"#a-{seed['id']}").is_visible()
        assert {t.strip().split()[0] for t in page.locator("svg#timeline .lane-label").all_text_contents()} >= {
            "it",
            "de",
        }
        assert page.locator("svg#timeline .claim-row").count() >= 1
        history = page.locator(".claims .history").first
        assert history.locator(".badge").count() >= 2  # a status change, e.g. rumoured → confirmed
        badges = " ".join(page.locator(".claims .badge").all_inner_texts())
        assert "rumoured" in badges and "confirmed" in badges
        shoot(page, "seeds-story")
    with open_page(browser, PHONE, "dark") as (page, _):
        page.goto(f"{corpus_url}/stories/{seeds[0]['story_id']}")
        shoot(page, "seeds-story-phone-dark")


# --- hostile articles ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web-hostile")
    named = folder / "<img src=x onerror=alert(99)>.jsonl"
    named.write_text("<script>alert(98)</script> is not JSON\n", encoding="utf-8")
    store = open_store(str(folder / "hostile.db"))
    files = ["hostile.jsonl", "hostile_page.html", "hostile_paste.txt", "hostile_feed.xml"]
    ingest([str(HOSTILE / name) for name in files] + [str(named)], store)
    update_stories(store)
    store.close()
    with live_server(folder / "hostile.db") as url:
        yield url


NOT_RUN = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    title: document.title,
    scripts: [...document.scripts].map(s => s.getAttribute('src')),
    handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on'))
                                                                  .map(a => e.tagName + ' ' + a.name)),
    badLinks: [...document.querySelectorAll('[href],[src],[action],[formaction]')].map(
        e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '').filter(
        v => /^\\s*(javascript|data|vbscript):/i.test(v)),
    frames: document.querySelectorAll('iframe,object,embed,base,img,video,audio').length,
})"""


def test_hostile_articles_run_nothing_in_the_browser(browser: Any, hostile_url: str) -> None:
    with open_page(browser) as (page, watch):
        stories = api(page, hostile_url, "/api/stories", limit=100)["items"]
        articles = api(page, hostile_url, "/api/articles", limit=100)["items"]
        entities = api(page, hostile_url, "/api/entities", limit=30)["items"]
        urls = [
            "/",
            "/?q=script",
            "/entities",
            "/errors",
            "/sources",
            "/search?q=script",
            "/search?q=alert+onerror",
            "/search?q=javascript",
        ]
        urls += [f"/stories/{s['id']}" for s in stories] + [f"/articles/{a['id']}" for a in articles]
        urls += [f"/entities/{e['key']}" for e in entities]
        assert len(urls) > 25
        for path in urls:
            page.goto(hostile_url + path)
            page.wait_for_load_state("load")
            state = page.evaluate(NOT_RUN)
            assert state["pwned"] is None and "pwned-by-script" not in state["title"], (path, state)
            assert state["scripts"] == ["/static/app.js"], (path, state["scripts"])
            assert state["handlers"] == [] and state["badLinks"] == [] and state["frames"] == 0, (path, state)
            watch.assert_clean(path)
        # Opening the comments and following every in-page link runs nothing either.
        pasted = next(a for a in articles if a["title"] and "Porto tram line gets European funding" in a["title"])
        page.goto(f"{hostile_url}/articles/{pasted['id']}")
        page.click("details.comments summary")
        assert "<script>alert(39)</script>" in page.locator("details.comments").inner_text()
        shoot(page, "hostile-article")
        acme = next(s for s in stories if s["size"] >= 2)
        page.goto(f"{hostile_url}/stories/{acme['id']}")
        for dot in page.locator("svg#timeline a.dot-link").all():
            dot.hover()
        shoot(page, "hostile-story")
        page.goto(hostile_url + "/errors")
        assert "<img src=x onerror=alert(99)>" in page.locator("table.errors").inner_text()
        watch.assert_clean("after interaction")
