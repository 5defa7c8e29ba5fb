"""Hostile articles, ingested through the normal pipeline, come out of every page, API response and feed as text.

The corpus (tests/fixtures/hostile) carries script tags, event-handler attributes, javascript:/data:
URLs, SVG payloads and HTML in titles, texts, comments, authors and source names. Here the served
HTML is parsed and checked element by element; tests/test_web_browser.py opens the same pages in
Chromium and checks that nothing runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from markupsafe import escape

from storyline import ingest, open_store
from storyline.model import Claim, IngestError, Participant, TimelineEntry
from storyline.pipeline import update_stories
from storyline.settings import Settings
from storyline.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
HOSTILE_FILES = ["hostile.jsonl", "hostile_page.html", "hostile_paste.txt", "hostile_feed.xml"]
OWN_SCRIPT = "/static/app.js"
# Tags no page of ours writes; an article string that became markup would bring one of these.
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "base",
    "img",
    "video",
    "audio",
    "math",
    "style",
    "frame",
    "frameset",
    "applet",
    "animate",
    "set",
    "foreignobject",
    "textarea",
    "mglyph",
    "b",
    "i",
}
OUR_FORMS = {"/", "/search", "/entities"}


def hostile_store(path: Path) -> Path:
    """The hostile corpus through ingest + update_stories, and a failed file whose name is a payload."""
    folder = path.parent / "named"
    folder.mkdir()
    bad = folder / "<img src=x onerror=alert(99)>.jsonl"
    bad.write_text("<script>alert(98)</script> is not JSON\n", encoding="utf-8")
    store = open_store(str(path))
    report = ingest([str(HOSTILE / name) for name in HOSTILE_FILES] + [str(bad)], store)
    assert report.new_articles >= 10
    update_stories(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_store(tmp_path_factory.mktemp("hostile") / "hostile.db")


@pytest.fixture(scope="module")
def client(hostile_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=str(hostile_db)))) as test_client:
        yield test_client


class Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def every_page(client: TestClient) -> list[str]:
    """The URL of every page built from the hostile store: lists, each story, article and entity, search, errors."""
    urls = [
        "/",
        "/?sort=recent",
        "/?lang=en",
        "/entities",
        "/errors",
        "/search?q=script",
        "/search?q=alert+onerror",
        "/search?q=javascript",
        "/?q=script",
        "/entities?q=script",
    ]
    stories = client.get("/api/stories", params={"limit": 100}).json()["items"]
    urls += [f"/stories/{s['id']}" for s in stories]
    urls += [f"/articles/{a['id']}" for a in client.get("/api/articles", params={"limit": 100}).json()["items"]]
    urls += [f"/entities/{e['key']}" for e in client.get("/api/entities", params={"limit": 100}).json()["items"]]
    for story in stories:
        for source in client.get(f"/api/stories/{story['id']}").json()["sources"]:
            urls.append("/?" + urlencode({"source": source}))
    return urls


def assert_inert(url: str, html: str) -> None:
    """No element, attribute or URL in `html` came from article data as markup."""
    parsed = Elements(html)
    for tag, attrs in parsed.elements:
        assert tag not in FORBIDDEN_TAGS or (tag == "script" and attrs.get("src") == OWN_SCRIPT and len(attrs) <= 2), (
            url,
            tag,
            attrs,
        )
        for name, value in attrs.items():
            assert not name.startswith("on"), (url, tag, name, value)
            assert name not in ("style", "srcdoc", "formaction", "xlink:href", "background"), (url, tag, name)
            if name in ("href", "src", "action", "data", "poster"):
                lowered = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not lowered.startswith(("javascript:", "data:", "vbscript:")), (url, tag, name, value)
                assert lowered.startswith(("/", "#", "?", "http://", "https://")), (url, tag, name, value)
                if lowered.startswith("http") and name == "href":
                    assert "original" in attrs.get("class", "") or (
                        tag == "a" and "noopener" in attrs.get("rel", "")
                    ), (url, tag, attrs)
        if tag == "form":
            assert attrs.get("action") in OUR_FORMS, (url, attrs)
        if tag == "svg":
            assert set(attrs.get("class", "").split()) & {"timeline", "months", "brand-mark"}, (url, attrs)
        if tag == "link":
            assert attrs.get("href", "").startswith("/"), (url, attrs)
        if tag == "meta":
            assert "http-equiv" not in attrs, (url, attrs)


def test_every_page_renders_the_payloads_as_text(client: TestClient) -> None:
    urls = every_page(client)
    assert len(urls) > 25
    seen_payload_text = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(url, response.text)
        text = "".join(Elements(response.text).text)
        seen_payload_text += "<script>" in text or "onerror=" in text
    assert seen_payload_text > 10  # the payloads are shown, as text, not silently dropped


def test_links_to_the_original_only_for_http_urls(client: TestClient) -> None:
    articles = client.get("/api/articles", params={"limit": 100}).json()["items"]
    checked = 0
    for article in articles:
        html = Elements(client.get(f"/articles/{article['id']}").text)
        originals = [a for t, a in html.elements if t == "a" and "original" in a.get("class", "")]
        url = article["url"] or ""
        if url.startswith(("http://", "https://")) and "<" not in url and " " not in url:
            assert [a["href"] for a in originals] == [url], article
            assert "noopener" in originals[0]["rel"] and "noreferrer" in originals[0]["rel"]
        else:
            assert originals == [], (article["url"], originals)
        checked += bool(url)
    assert checked >= 8
    assert any(a["url"] == "https://legit.example/news/widgets?id=7&ref=feed" for a in articles)


def test_titles_sources_and_comments_keep_their_text(client: TestClient) -> None:
    articles = client.get("/api/articles", params={"limit": 100}).json()["items"]
    acme = next(a for a in articles if a["title"] and a["title"].startswith("<script>window.__pwned=1;alert('title')"))
    html = client.get(f"/articles/{acme['id']}").text
    assert "&lt;script&gt;window.__pwned=1;alert(&#39;title&#39;)&lt;/script&gt;" in html
    assert acme["source"].startswith('evil.example"><script>')
    assert str(escape(acme["source"])) in html and acme["source"] not in html  # the source name, escaped
    assert "&lt;b onmouseover=alert(6)&gt;Evil Site&lt;/b&gt;" in html
    pasted = next(a for a in articles if a["title"] and "Porto tram line gets European funding" in a["title"])
    detail = client.get(f"/api/articles/{pasted['id']}").json()
    assert len(detail["comments"]) == 3
    page = client.get(f"/articles/{pasted['id']}").text
    assert "&lt;script&gt;alert(39)&lt;/script&gt; Finally some good news" in page
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in page


def test_errors_page_escapes_file_names(client: TestClient) -> None:
    errors = client.get("/api/errors").json()["items"]
    assert any("<img src=x onerror=alert(99)>" in e["origin"] for e in errors)
    html = client.get("/errors").text
    assert "&lt;img src=x onerror=alert(99)&gt;.jsonl" in html
    assert_inert("/errors", html)


def test_api_answers_json_only(client: TestClient) -> None:
    for url in ("/api/stories", "/api/articles", "/api/search?q=script", "/api/errors", "/api/entities"):
        response = client.get(url)
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        json.loads(response.text)


def test_feeds_carry_payloads_as_text(client: TestClient) -> None:
    stories = client.get("/api/stories", params={"limit": 100}).json()["items"]
    feeds = [f"/feeds/story/{s['id']}" for s in stories] + ["/feeds/search?q=script", "/feeds/search?q=alert"]
    feeds += [f"/feeds/entity/{e['key']}" for e in client.get("/api/entities", params={"limit": 20}).json()["items"]]
    atom = "{http://www.w3.org/2005/Atom}"
    titles = []
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, url
        root = etree.fromstring(response.content)
        for element in root.iter():
            assert isinstance(element.tag, str) and element.tag.startswith(atom), (
                url,
                element.tag,
            )  # no foreign markup
            if element.tag == f"{atom}link":
                assert element.get("href", "").startswith("http://testserver/"), (url, element.get("href"))
            assert element.get("type") in (None, "text"), (url, element.tag, element.get("type"))
        titles += [t.text for t in root.iter(f"{atom}title")]
    assert any(t and "<script>" in t for t in titles)  # the payload is the entry's plain-text title


def test_nothing_is_written_without_the_token(hostile_db: Path) -> None:
    before = open_store(str(hostile_db)).count_articles()
    body = json.dumps({"title": "x", "text": "Injected article " * 20}).encode()
    with TestClient(create_app(Settings(db=str(hostile_db), token="the-real-token"))) as client:
        for headers in (
            {},
            {"Authorization": "Bearer guess"},
            {"Authorization": "the-real-token"},
            {"Cookie": "token=the-real-token"},
            {"Authorization": "Bearer the-real-tokenx"},
            {"Authorization": "Bearer the-real-toke"},
        ):
            response = client.post("/api/ingest", content=body, headers=headers | {"Content-Type": "application/json"})
            assert response.status_code == 401, headers
        assert client.put("/api/ingest", content=body).status_code == 405
        assert client.post("/api/stories", content=body).status_code == 405
        assert client.post("/", content=body).status_code == 405
    with TestClient(create_app(Settings(db=str(hostile_db)))) as client:
        assert client.post("/api/ingest", content=body, headers={"Authorization": "Bearer "}).status_code == 403
    assert open_store(str(hostile_db)).count_articles() == before


def test_reader_connections_cannot_write(hostile_db: Path) -> None:
    app = create_app(Settings(db=str(hostile_db)))
    store = app.state.access.reader()
    with pytest.raises(Exception, match=r"readonly|read-only|attempt to write"):
        store.record_error(IngestError("x", "source", "should not be written"))


def test_content_security_policy(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and "unsafe" not in policy
    assert directives["style-src"] == "'self'" and directives["img-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"


def test_claims_and_timelines_with_hostile_strings(client: TestClient, hostile_db: Path) -> None:
    """Claims and timeline entries carry article strings too (evidence, names, sources): written here
    through the store's public methods, so the check does not depend on what the extractor finds."""
    payload = "<script>alert(60)</script><img src=x onerror=alert(61)>"
    store = open_store(str(hostile_db))
    article = next(a for a in store.articles() if a.title and "Acme Widgets to merge" in a.title)
    story = client.get(f"/api/articles/{article.id}").json()["story"]["story_id"]
    evidence_end = article.text.index(".") + 1
    who = (Participant(f"org:{payload}", f"Acme {payload}", "ORG", "agent"),)
    store.add_claims(
        article.id,
        "hostile",
        [
            Claim(
                f"merger{payload}", "confirmed", who, article.text[:evidence_end], 0, evidence_end, attribution=payload
            ),
            Claim("merger", f"rumoured{payload}", who, payload, -1, -1),
        ],
    )
    store.save_timeline(
        story,
        [
            TimelineEntry.from_dict(
                {
                    "id": "x",
                    "type": f"merger{payload}",
                    "participants": [f"Acme {payload}"],
                    "participant_keys": ["org:acme"],
                    "date": "2025-11",
                    "date_precision": "month",
                    "status": f"confirmed{payload}",
                    "status_history": [
                        {
                            "status": "rumoured",
                            "article_id": article.id,
                            "source": payload,
                            "published": "2025-11-03T09:15+01:00",
                            "evidence": payload,
                            "lang": f'en"{payload}',
                        },
                        {
                            "status": f"denied{payload}",
                            "article_id": f"../{payload}",
                            "source": None,
                            "published": "javascript:x",
                            "evidence": None,
                            "lang": None,
                        },
                    ],
                    "first_reported": {"article_id": article.id, "source": payload, "published": "2025-11-03"},
                    "independent_sources": 2,
                    "low_confidence": True,
                    "first_report": {
                        "article_id": f"../{payload}",
                        "source": payload,
                        "published": "2025-11-03",
                        "status": "rumoured",
                    },
                    "confirmed_by": {
                        "article_id": article.id,
                        "source": payload,
                        "published": "javascript:x",
                        "status": payload,
                    },
                }
            )
        ],
    )
    store.close()
    for url in (f"/stories/{story}", f"/articles/{article.id}", "/?status=confirmed", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(url, response.text)
        assert "&lt;script&gt;alert(60)&lt;/script&gt;" in response.text or not url.startswith(
            ("/stories", "/articles")
        )
    assert client.get(f"/feeds/story/{story}").status_code == 200
