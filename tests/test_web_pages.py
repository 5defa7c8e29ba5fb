"""The HTML pages, rendered by the app over a real store (no browser: tests/test_web_browser.py drives one).

The store is the sample corpus through the normal pipeline; one article also gets claims written
through the store's public write methods, to check evidence marking exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from fastapi.testclient import TestClient
from tests.conftest import stored

from storyline import open_store
from storyline.model import Claim, Participant, TimelineEntry, TimelineReport, TimelineStep
from storyline.settings import Settings
from storyline.web import charts
from storyline.web.app import create_app
from storyline.web.pages import hit_segments, safe_url, text_paragraphs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "samples" / "corpus"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def with_class(self, name: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.tags if name in (a.get("class") or "").split()]


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stored(tmp_path_factory.mktemp("web-pages") / "corpus.db", CORPUS)


@pytest.fixture(scope="module")
def client(corpus_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=str(corpus_db)))) as test_client:
        yield test_client


def page(client: TestClient, url: str, **params: Any) -> Tags:
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return Tags(response.text)


def api(client: TestClient, url: str, **params: Any) -> Any:
    return client.get(url, params=params).json()


def test_story_list_page(client: TestClient) -> None:
    html = page(client, "/")
    stories = api(client, "/api/stories")["items"]
    titles = [a.get("href") for t, a in html.tags if t == "a" and (a.get("href") or "").startswith("/stories/")]
    assert titles[: len(stories)] == [f"/stories/{s['id']}" for s in stories]
    assert html.find("form", action="/") and html.find("input", name="q") and html.find("select", name="lang")
    assert {a.get("value") for a in html.find("option") if a.get("value")} >= {
        "de",
        "it",
        "growth",
        "size",
        "confirmed",
    }
    assert html.find("link", rel="stylesheet", href="/static/style.css")
    assert html.find("script", src="/static/app.js")
    assert all(t != "script" or a.get("src") == "/static/app.js" for t, a in html.tags)
    assert not [a for t, a in html.tags if "style" in a]  # no inline styles: the CSP refuses them


def test_story_list_filters_and_pages(client: TestClient) -> None:
    german = page(client, "/", lang="de")
    expected = api(client, "/api/stories", lang="de", limit=100)["items"]
    links = [a["href"] for t, a in german.tags if t == "a" and (a.get("href") or "").startswith("/stories/")]
    assert links == [f"/stories/{s['id']}" for s in expected]
    assert "lang: de" in "".join(german.text)
    assert "selected" in german.find("option", value="de")[0]
    sized = page(client, "/", sort="size")
    next_links = [a["href"] for t, a in sized.tags if t == "a" and a.get("rel") == "next"]
    total = len(api(client, "/api/stories", limit=100)["items"])
    if total > 25:
        assert next_links and "cursor=" in next_links[0] and "sort=size" in next_links[0]
        second = page(
            client,
            next_links[0].split("?", 1)[0] or "/",
            **dict(p.split("=", 1) for p in next_links[0].split("?", 1)[1].split("&")),
        )
        assert second.find("a", href="/?sort=size")  # back to the first page
    assert client.get("/", params={"since": "yesterday"}).status_code == 400
    assert client.get("/", params={"cursor": "nonsense"}).status_code == 400


def test_story_page_shows_timeline_claims_articles(client: TestClient) -> None:
    story = api(client, "/api/stories", sort="size", limit=1)["items"][0]
    detail = api(client, f"/api/stories/{story['id']}")
    html = page(client, f"/stories/{story['id']}")
    # Two layouts of the timeline (wide, and narrow for a phone: CSS shows one), each with every article.
    assert [a.get("id") for _, a in html.with_class("timeline")] == ["timeline", "timeline-narrow"]
    dots = html.with_class("dot")
    assert len(dots) == 2 * story["size"]
    assert {a["data-article"] for _, a in html.with_class("dot-link")} == {a["id"] for a in detail["articles"]["items"]}
    lanes = [t for t in html.text if re.fullmatch(r"[a-z?]{1,3} \(\d+\)", t)]
    assert sorted(lane.split()[0] for lane in lanes) == sorted(2 * story["languages"])
    assert len(html.with_class("tick-label")) >= 2
    assert len(html.with_class("article-row")) == story["size"]
    assert html.find("link", rel="alternate", type="application/atom+xml", href=f"/feeds/story/{story['id']}")
    if detail["timeline"]:
        shown = detail["timeline"][: charts.MAX_CLAIM_ROWS]
        assert len(html.with_class("claim-row")) == 2 * len(shown)
        assert len([1 for t, a in html.tags if t == "rect" and "step" in (a.get("class") or "")]) == 2 * sum(
            len(e["status_history"]) for e in shown
        )
        badges = [a.get("class") for t, a in html.with_class("badge")]
        assert any(f"status-{e['status']}" in " ".join(b or "" for b in badges) for e in detail["timeline"])
    for entity in detail["entities"][:3]:
        assert any((a.get("href") or "").startswith("/entities/") for t, a in html.tags if t == "a")
        assert entity["label"] in html.text
    assert client.get("/stories/st_nothing").status_code == 404


@pytest.fixture(scope="module")
def claimed_article(corpus_db: Path) -> dict[str, Any]:
    """An article with claims written through the store: two on one sentence, one in the title, one out of range."""
    store = open_store(str(corpus_db))
    article = next(a for a in store.articles() if a.comments and len(a.text) > 400)
    sentence_end = article.text.index(".") + 1
    second = article.text.index(".", sentence_end) + 1
    people = (Participant("org:acme", "Acme", "ORG", "agent"),)
    claims = [
        Claim("acquisition", "rumoured", people, article.text[:sentence_end], 0, sentence_end),
        Claim("merger", "confirmed", people, article.text[:sentence_end], 0, sentence_end),
        Claim("launch", "planned", people, article.text[sentence_end:second], sentence_end, second, "2026-02", "month"),
        Claim("denial", "denied", people, article.title or "", -1, -1),
        Claim("broken", "reported", people, "not in the text", len(article.text) + 5, len(article.text) + 9),
    ]
    store.add_claims(article.id, "test", claims)
    store.close()
    return article.to_dict() | {"claims": [c.to_dict() for c in claims]}


def test_article_page_marks_evidence_and_collapses_comments(client: TestClient, claimed_article: dict) -> None:
    response = client.get(f"/articles/{claimed_article['id']}")
    html = Tags(response.text)
    marks = html.find("mark")
    assert [m["id"] for m in marks] == ["claim-0", "claim-2"]
    assert "status-rumoured" in marks[0]["class"] and "status-planned" in marks[1]["class"]
    first, second = (c["evidence"] for c in claimed_article["claims"][::2][:2])
    assert (
        re.search(
            r'<mark class="evidence status-rumoured" id="claim-0" [^>]*>'
            + re.escape(first.replace("'", "&#39;").replace('"', "&#34;"))
            + "</mark>",
            response.text.replace("&amp;", "&"),
        )
        or first in response.text
    )
    assert second.strip() in "".join(html.text)
    claim_links = [a["href"] for t, a in html.tags if t == "a" and (a.get("href") or "").startswith("#claim-")]
    assert claim_links == ["#claim-0", "#claim-0", "#claim-2"]  # the second claim on one sentence points to its mark
    assert "(in the title)" in "".join(html.text)
    assert html.find("details", **{"class": "comments"}) and not html.find("details", open="")
    assert sum(1 for t, a in html.tags if t == "li" and a.get("dir") == "auto") >= len(claimed_article["comments"])
    assert f"precision: {claimed_article['published_precision']}" in "".join(html.text)
    original = [a for t, a in html.tags if t == "a" and "original" in (a.get("class") or "")]
    if safe_url(claimed_article["url"]):
        assert original[0]["href"] == claimed_article["url"] and "noopener" in original[0]["rel"]


def test_entity_search_errors_pages(client: TestClient) -> None:
    entity = api(client, "/api/entities", limit=1)["items"][0]
    html = page(client, f"/entities/{entity['key']}")
    assert entity["label"] in html.text
    assert len(html.with_class("story-card")) == entity["stories"]
    assert len(html.with_class("bar")) >= 1
    assert html.find("a", href="/?" + urlencode({"entity": entity["key"]}))
    listing = page(client, "/entities", q=entity["label"][:4])
    assert f"/entities/{entity['key']}" in {unquote(a.get("href") or "") for t, a in listing.tags if t == "a"}

    results = page(client, "/search", q="Quantix chip")
    marks = [t for t, a in results.tags if t == "mark"]
    assert marks and len(results.with_class("article-row")) == len(
        api(client, "/api/search", q="Quantix chip")["items"]
    )
    assert page(client, "/search").find("input", name="q")
    assert "Nothing matches" in "".join(page(client, "/search", q="zzqqxx").text)
    errors = page(client, "/errors")
    assert "Errors" in errors.text
    assert client.get("/entities/org:nobody").status_code == 404


def test_not_found_page_is_html_for_people_and_json_for_the_api(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Not found" in response.text and "<html" in response.text
    assert client.get("/api/no-such").json() == {"detail": "Not Found"}


# --- the pieces the pages are built from -----------------------------------------------------------


def test_safe_url_keeps_only_http_links() -> None:
    assert safe_url("http://example.com/a") == "http://example.com/a"
    assert safe_url("HTTPS://Example.com/?q=1&x=2") == "HTTPS://Example.com/?q=1&x=2"
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>",
        "vbscript:msgbox",
        "//evil.example/x",
        "/relative",
        "http:///nohost",
        "https://example.com/<script>",
        "https://exa mple.com",
        "",
        None,
        "file:///etc/passwd",
    ):
        assert safe_url(bad) is None, bad


def test_text_paragraphs_and_hit_segments() -> None:
    text = "First sentence. Second one.\n\nA new paragraph here."
    claims = [{"start": 0, "end": 15}, {"start": 16, "end": 44}, {"start": 5, "end": 9}, {"start": -1, "end": -1}]
    paragraphs, anchors = text_paragraphs(text, claims)
    assert paragraphs == [
        [("First sentence.", 0), (" ", None), ("Second one.", 1)],
        [("A new paragraph", 1), (" here.", None)],
    ]
    assert anchors == {0: 0, 1: 1, 2: 0}
    assert hit_segments("a \ue000b\ue001 c") == [("a ", False), ("b", True), (" c", False)]


def test_charts_layout() -> None:
    points = [
        {
            "id": "a",
            "title": "A",
            "lang": "en",
            "source": "x.example",
            "published": "2025-10-01",
            "published_precision": "day",
            "published_sort": "2025-10-01T00:00",
            "duplicate_of": None,
        },
        {
            "id": "b",
            "title": "B",
            "lang": "de",
            "source": None,
            "published": "2025-11-15T10:00+01:00",
            "published_precision": "minute",
            "published_sort": "2025-11-15T09:00",
            "duplicate_of": "a",
        },
        {
            "id": "c",
            "title": None,
            "lang": "de",
            "source": None,
            "published": None,
            "published_precision": None,
            "published_sort": None,
            "duplicate_of": None,
        },
    ]
    steps = [
        TimelineStep("rumoured", "a", "x.example", "2025-10-01", "en", "Acme may buy Globex.", None),
        TimelineStep("confirmed", "b", None, "2025-11-15T10:00+01:00", "de", "Acme kauft Globex.", None),
    ]
    timeline = [
        TimelineEntry(
            "e1", "merger", ["Acme", "Globex"], ["org:acme", "org:globex"], None, None, "confirmed", steps, 2, 2,
            TimelineReport("a", "x.example", "2025-10-01", "rumoured"), TimelineReport("b", None, None, "confirmed"),
        )
    ]  # fmt: skip
    chart = charts.story_timeline(points, timeline)
    assert [lane.lang for lane in chart.lanes] == ["de", "en"]
    x = {d.id: d.x for d in chart.dots}
    assert chart.left < x["a"] < x["b"] <= chart.plot_right < x["c"]  # undated in their own column
    assert [t.label for t in chart.ticks][:2] in (["Oct 2025", "Nov 2025"], ["1 Oct", "15 Oct"]) or len(
        chart.ticks
    ) >= 2
    (row,) = chart.claim_rows
    assert [s.status for s in row.steps] == ["rumoured", "confirmed"] and row.segments == [(x["a"], x["b"])]
    assert charts.claim_label(timeline[0]) == "merger: Acme, Globex"
    assert charts.human_date("2022-05-24T15:02", "minute") == "24 May 2022, 15:02"
    assert charts.human_date("2022-05", "month") == "May 2022" and charts.human_date(None) == ""
    months = charts.entity_months(
        [{"month": "2025-01", "stories": 2, "articles": 5}, {"month": "2025-04", "stories": 1, "articles": 1}]
    )
    assert months is not None and len(months.bars) == 4 and months.bars[1].height == 0


def test_growth_says_which_week_it_counts_and_sorts_by_either(client: TestClient) -> None:
    """Issue 15, item 15: the sample corpus is an archive (its newest article is from 2025): "growing" measured
    from its newest article says the week it counts, and the list can also be sorted by the last 7 days."""
    store_week = client.get("/")
    assert store_week.status_code == 200
    text = store_week.text
    assert "in the week to " in text and "this week" not in text
    assert "Growing (the store&#39;s last week)" in text or "Growing (the store's last week)" in text
    today = client.get("/", params={"sort": "growth_today"})
    assert today.status_code == 200
    assert "in the last 7 days" not in today.text  # nothing of an archive is from the last 7 days
    assert 'class="growth"' not in today.text
    api = client.get("/api/stories", params={"sort": "growth_today", "limit": 50}).json()["items"]
    assert api and sorted(s["id"] for s in api) == sorted(
        s["id"] for s in client.get("/api/stories", params={"limit": 50}).json()["items"]
    )


def test_story_lists_show_no_invented_times(client: TestClient) -> None:
    """Issue 15, item 9: a story's span is shown, and marked up, to the day; no midnight invented for it."""
    html = client.get("/").text
    assert "<time" in html and "T00:00:00" not in html
