"""Watchlists and alerts on the web: the Follow control, /watchlists, the REST API and the Atom feed of alerts.

The store is real: article pages written here go through the normal pipeline (`storyline.pipeline.run`). An English
article reports a rumour (Harrow Robotics to buy Quill Analytics); after watchlists are made, an Italian article
confirms it, and the pipeline's alerting gives each matching watchlist a "Rumour confirmed" alert whose evidence is
the Italian sentence. One test follows a story in Chromium (skipped without it, as tests/test_web_browser.py is).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from storyline import open_store
from storyline.model import Alert
from storyline.pipeline import run
from storyline.settings import Settings
from storyline.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RUMOUR = "Harrow Robotics reportedly plans to buy Quill Analytics, people familiar with the matter said."
CONFIRMATION = "Harrow Robotics ha confermato martedì l'acquisizione di Quill Analytics."
HARROW = "name:harrow robotics"
NORVELL = "name:norvell foods"
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ATOM = "{http://www.w3.org/2005/Atom}"


# --- the store: real articles through the pipeline -------------------------------------------------


def article_page(title: str, published: str, lang: str, url: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}"><link rel="canonical" href="{url}">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("watchlist-pages")
    texts = {
        "rumour": article_page(
            "Harrow Robotics eyes Quill Analytics deal",
            "2025-10-01T09:00:00+00:00",
            "en",
            "https://news.example.com/harrow-quill",
            [
                RUMOUR,
                "The robotics maker Harrow Robotics has been looking for software companies to expand its analytics"
                " business for months. Quill Analytics, based in Leeds, builds data tools for warehouses and factories.",
                "Neither Harrow Robotics nor Quill Analytics commented on the report on Wednesday.",
            ],
        ),
        "other": article_page(
            "Norvell Foods opens new bakery plant in Porto",
            "2025-10-02T09:00:00+00:00",
            "en",
            "https://food.example.org/norvell",
            [
                "Norvell Foods opened a new bakery plant in Porto on Thursday, the company said.",
                "The plant will employ two hundred people and produce bread for shops across Portugal and Spain.",
            ],
        ),
        "confirmation": article_page(
            "Robotica, Harrow Robotics cresce nel software",
            "2025-10-07T10:00:00+02:00",
            "it",
            "https://notizie.example.it/harrow-quill",
            [
                CONFIRMATION,
                "L'azienda di robotica Harrow Robotics cercava da mesi società di software per ampliare la sua"
                " attività di analisi dei dati. Quill Analytics, con sede a Leeds, sviluppa strumenti per magazzini"
                " e fabbriche.",
                "Il valore dell'operazione non è stato reso noto.",
            ],
        ),
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def rumour_db(tmp_path_factory: pytest.TempPathFactory, pages: dict[str, Path]) -> Path:
    """The rumour and an unrelated story, through the pipeline; no watchlist yet."""
    path = tmp_path_factory.mktemp("watchlist-store") / "rumour.db"
    store = open_store(str(path))
    run([str(pages["rumour"]), str(pages["other"])], store)
    store.close()
    return path


@pytest.fixture
def db(rumour_db: Path, tmp_path: Path) -> Path:
    """A copy of the rumour store for one test: watchlists made by one test are not in the next."""
    path = tmp_path / "store.db"
    shutil.copy(rumour_db, path)
    return path


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=str(db)))) as test_client:
        yield test_client


def ingest_confirmation(db: Path, pages: dict[str, Path]) -> None:
    """The Italian confirmation through the pipeline, as `storyline ingest` or `watch` beside the server would."""
    store = open_store(str(db))
    report = run([str(pages["confirmation"])], store)
    store.close()
    assert report.ingest.new_articles == 1


def harrow_story(client: TestClient) -> dict[str, Any]:
    stories = client.get("/api/stories", params={"entity": HARROW}).json()["items"]
    assert len(stories) == 1, stories
    return stories[0]


# --- reading pages ---------------------------------------------------------------------------------


class Html(HTMLParser):
    """Start tags with their attributes, the text, and the fields of each form (by action)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.forms: list[tuple[dict[str, str], dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "form":
            self.forms.append((values, {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"]] = values.get("value", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_class(self, name: str) -> list[tuple[str, dict[str, str]]]:
        return [(t, a) for t, a in self.tags if name in a.get("class", "").split()]

    def form(self, action: str) -> dict[str, str]:
        found = [fields for attrs, fields in self.forms if attrs.get("action") == action]
        assert len(found) == 1, (action, self.forms)
        method = next(attrs for attrs, fields in self.forms if attrs.get("action") == action)["method"]
        assert method == "post"
        return found[0]


def html(client: TestClient, url: str, **params: Any) -> Html:
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text[:500])
    return Html(response.text)


def follow_link(page: Html) -> tuple[str, dict[str, str]]:
    """The Follow control of a page: the class it shows (follow / following) and where it leads."""
    controls = page.with_class("follow")
    assert len(controls) == 1, controls
    tag, attrs = controls[0]
    assert tag == "a"
    return ("following" if "is-following" in attrs["class"] else "follow"), dict(
        parse_qsl(urlsplit(attrs["href"]).query)
    ) | {"path": urlsplit(attrs["href"]).path}


def follow_from(client: TestClient, url: str, **params: Any) -> tuple[dict[str, str], Any]:
    """Click a page's Follow control, then the form it leads to: the form's fields and the response to posting it."""
    state, target = follow_link(html(client, url, **params))
    assert state == "follow" and target.pop("path") == "/watchlists"
    fields = html(client, "/watchlists", **target).form("/watchlists")
    return fields, client.post("/watchlists", data=fields, follow_redirects=False)


def watchlists(client: TestClient) -> dict[str, dict[str, Any]]:
    return {w["name"]: w for w in client.get("/api/watchlists").json()["items"]}


def feed_entries(client: TestClient, name: str) -> list[Any]:
    response = client.get(f"/feeds/watchlist/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return list(parsed.entries)


def assert_inert(page: Html) -> None:
    """No element or attribute of the page came from a name or an alert as markup."""
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "svg") or "brand-mark" in attrs.get("class", ""), tag
        assert tag != "script" or attrs.get("src") == "/static/app.js", attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "form":
            assert attrs.get("action") in ("/search", "/watchlists", "/watchlists/remove"), attrs
        for name in ("href", "action"):
            if name in attrs:
                assert attrs[name].startswith(("/", "#")), (tag, attrs)


# --- following from the pages ----------------------------------------------------------------------


def test_follow_a_story_from_its_page(client: TestClient) -> None:
    story = harrow_story(client)
    fields, response = follow_from(client, f"/stories/{story['id']}")
    assert fields["story"] == story["id"] and fields["name"] == "story Harrow Robotics eyes Quill Analytics deal"
    assert response.status_code == 303 and response.headers["location"] == "/watchlists"
    [made] = watchlists(client).values()
    assert made["name"] == fields["name"] and made["query"] == {"story": story["id"]}
    assert made["webhook"] is None and made["alerts"] == 0
    # Followed now: the story page says so, links to /watchlists, and posting again makes no second watchlist.
    state, target = follow_link(html(client, f"/stories/{story['id']}"))
    assert state == "following" and target == {"path": "/watchlists"}
    proposal = html(client, "/watchlists", story=story["id"])
    assert "You follow this already" in "".join(proposal.text)
    assert [attrs for attrs, _ in proposal.forms if attrs.get("action") == "/watchlists"] == []
    assert client.post("/watchlists", data=fields, follow_redirects=False).status_code == 303
    assert list(watchlists(client)) == [fields["name"]]
    page = html(client, "/watchlists")
    assert fields["name"] in page.text and page.form("/watchlists/remove") == {"name": fields["name"]}
    assert any(a.get("href") == "/watchlists" and a.get("aria-current") == "page" for t, a in page.tags if t == "a")


def test_follow_an_entity_a_search_and_a_filtered_list(client: TestClient) -> None:
    fields, response = follow_from(client, f"/entities/{HARROW}")
    assert response.status_code == 303
    assert fields["name"] == "entity Harrow Robotics" and fields["entity"] == HARROW
    fields, _ = follow_from(client, "/search", q="Quill")
    assert fields["name"] == "search Quill" and fields["q"] == "Quill"
    fields, _ = follow_from(client, "/", q="Quill", lang="en", sort="size", since="2025-01")
    assert fields["name"] == "search Quill · lang en"
    assert {k: v for k, v in fields.items() if v and k != "name"} == {"q": "Quill", "lang": "en"}  # no dates, sort
    fields, _ = follow_from(client, "/", status="rumoured")
    assert fields["name"] == "stories status rumoured"
    assert {name: w["query"] for name, w in watchlists(client).items()} == {
        "entity Harrow Robotics": {"entity": HARROW},
        "search Quill": {"q": "Quill"},
        "search Quill · lang en": {"q": "Quill", "lang": "en"},
        "stories status rumoured": {"status": "rumoured"},
    }
    for url, params in ((f"/entities/{HARROW}", {}), ("/search", {"q": "Quill"}), ("/", {"status": "rumoured"})):
        assert follow_link(html(client, url, **params))[0] == "following", url
    assert html(client, "/").with_class("follow") == []  # an unfiltered list has nothing to follow
    assert html(client, "/search").with_class("follow") == []


def test_a_taken_name_gets_a_number(client: TestClient) -> None:
    # Someone called another query "search leica"; following the words "leica" then needs another name.
    assert client.post("/api/watchlists", json={"name": "search leica", "q": "leica", "lang": "de"}).status_code == 201
    fields, response = follow_from(client, "/search", q="leica")
    assert response.status_code == 303 and fields["name"] == "search leica 2"
    # A name typed into the form is kept (numbered when taken), and blank falls back to the readable one.
    client.post("/watchlists", data={"q": "quill", "name": "search leica"})
    client.post("/watchlists", data={"q": "leeds", "name": "  "})
    assert {name: w["query"] for name, w in watchlists(client).items()} == {
        "search leica": {"q": "leica", "lang": "de"},
        "search leica 2": {"q": "leica"},
        "search leica 3": {"q": "quill"},
        "search leeds": {"q": "leeds"},
    }


def test_remove_from_the_page(client: TestClient) -> None:
    client.post("/api/watchlists", json={"name": "harrow", "entity": HARROW})
    form = html(client, "/watchlists").form("/watchlists/remove")
    response = client.post("/watchlists/remove", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/watchlists"
    assert watchlists(client) == {}
    assert "You follow nothing yet" in "".join(html(client, "/watchlists").text)
    assert client.post("/watchlists/remove", data=form, follow_redirects=False).status_code == 303  # gone already


def test_bad_follow_requests(client: TestClient) -> None:
    assert client.get("/watchlists", params={"status": "maybe"}).status_code == 400
    assert client.get("/watchlists", params={"story": "st_nope"}).status_code == 404
    assert client.post("/watchlists", data={"status": "maybe"}).status_code == 400
    assert client.post("/watchlists", data={"name": "nothing"}).status_code == 400
    assert client.post("/watchlists", data={"q": "x", "webhook": "javascript:alert(1)"}).status_code == 400
    assert (
        client.post("/watchlists", content=b'{"q": "x"}', headers={"Content-Type": "application/json"}).status_code
        == 415
    )
    assert client.post("/watchlists/remove", data={"name": ""}).status_code == 400
    assert client.put("/watchlists").headers["allow"] == "GET, POST"
    assert watchlists(client) == {}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_other_sites_cannot_change_watchlists(client: TestClient, headers: dict[str, str]) -> None:
    client.post("/api/watchlists", json={"name": "kept", "q": "leica"})
    assert client.post("/watchlists", data={"q": "harrow"}, headers=headers).status_code == 403
    assert client.post("/watchlists/remove", data={"name": "kept"}, headers=headers).status_code == 403
    assert client.post("/api/watchlists", json={"name": "x", "q": "harrow"}, headers=headers).status_code == 403
    assert client.delete("/api/watchlists/kept", headers=headers).status_code == 403
    assert list(watchlists(client)) == ["kept"]
    # The same requests from the server's own pages go through: a browser says same-origin (our pages' referrer
    # policy makes their forms send Origin: null), or an older one sends our Origin.
    own = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/watchlists", data={"q": "harrow"}, headers=own, follow_redirects=False).status_code == 303
    assert client.delete("/api/watchlists/kept", headers={"Origin": "http://testserver"}).status_code == 204


# --- the REST API ----------------------------------------------------------------------------------


def test_api_create_list_and_delete(client: TestClient) -> None:
    story = harrow_story(client)
    body = {"name": "harrow", "entity": HARROW, "webhook": "https://hooks.example.org/in", "secret": "s3cret-key"}
    response = client.post("/api/watchlists", json=body)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["name"] == "harrow" and made["query"] == {"entity": HARROW} and made["alerts"] == 0
    assert made["webhook"] == "https://hooks.example.org/in" and made["signed"] is True
    assert made["feed"] == "/feeds/watchlist/harrow" and made["created_at"]
    # A story given by a prefix of its id is kept by its whole id.
    response = client.post("/api/watchlists", json={"name": "the story", "story": story["id"][:8]})
    assert response.status_code == 201 and response.json()["query"] == {"story": story["id"]}
    listed = client.get("/api/watchlists")
    assert [w["name"] for w in listed.json()["items"]] == ["harrow", "the story"]
    assert listed.json()["items"][0] == made
    assert "s3cret-key" not in listed.text and "secret" not in listed.json()["items"][0]
    assert client.post("/api/watchlists", json={"name": "harrow", "q": "other"}).status_code == 409

    refused = {
        "no query": {"name": "empty"},
        "blank query": {"name": "blank", "q": "  ", "lang": ""},
        "bad status": {"name": "s", "status": "probably"},
        "ftp webhook": {"name": "w", "q": "x", "webhook": "ftp://files.example.org/in"},
        "script webhook": {"name": "w", "q": "x", "webhook": "javascript:alert(1)"},
        "no host": {"name": "w", "q": "x", "webhook": "https://"},
        "secret alone": {"name": "w", "q": "x", "secret": "abc"},
        "unknown story": {"name": "w", "story": "st_does_not_exist"},
        "blank name": {"name": "   ", "q": "x"},
        "control characters": {"name": "a\nb", "q": "x"},
        "dots": {"name": "..", "q": "x"},
    }
    for why, body in refused.items():
        response = client.post("/api/watchlists", json=body)
        assert response.status_code == 400, (why, response.text)
        assert response.json()["detail"], why
    assert client.post("/api/watchlists", json={"name": "x", "words": "leica"}).status_code == 422
    assert client.post("/api/watchlists", json={"q": "leica"}).status_code == 422

    assert client.delete("/api/watchlists/harrow").status_code == 204
    assert client.delete("/api/watchlists/harrow").status_code == 404
    assert client.get("/api/alerts", params={"watchlist": "harrow"}).status_code == 404
    assert client.get("/feeds/watchlist/harrow").status_code == 404
    assert list(watchlists(client)) == ["the story"]


def test_api_schema_lists_the_watchlist_endpoints(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/watchlists"]) == {"get", "post"}
    assert set(paths["/api/watchlists/{name}"]) == {"delete"}
    assert set(paths["/api/alerts"]) == {"get"}
    assert {"201", "400", "409"} <= set(paths["/api/watchlists"]["post"]["responses"])
    assert "secret" not in str(paths["/api/watchlists"]["get"]["responses"]["200"])


# --- alerts: the feed, the API and the page --------------------------------------------------------


def test_a_confirmed_rumour_reaches_the_feed_the_api_and_the_page(
    client: TestClient, db: Path, pages: dict[str, Path]
) -> None:
    story = harrow_story(client)
    follow_from(client, f"/stories/{story['id']}")
    for body in (
        {"name": "harrow", "entity": HARROW, "webhook": "http://127.0.0.1:9/hook", "secret": "k"},
        {"name": "norvell", "entity": NORVELL},
    ):
        assert client.post("/api/watchlists", json=body).status_code == 201
    empty = client.get("/feeds/watchlist/harrow")
    assert empty.status_code == 200 and feedparser.parse(empty.content).entries == []

    ingest_confirmation(db, pages)

    entries = feed_entries(client, "harrow")
    confirmed = [e for e in entries if e.title.startswith("Rumour confirmed")]
    assert len(confirmed) == 1, [e.title for e in entries]
    entry = confirmed[0]
    assert entry.title == "Rumour confirmed: acquisition (Harrow Robotics, Quill Analytics)"
    assert CONFIRMATION in entry.summary and "it" in entry.summary and "notizie.example.it" in entry.summary
    assert entry.link == f"http://testserver/stories/{story['id']}"
    assert re.fullmatch(r"tag:storyline,2025:alert/\d+", entry.id)
    followed_story = feed_entries(client, "story Harrow Robotics eyes Quill Analytics deal")
    assert [e.title for e in followed_story] == [e.title for e in entries]  # the same changes, its own alerts
    assert {e.id for e in followed_story}.isdisjoint(e.id for e in entries)
    assert feed_entries(client, "norvell") == []  # another company: nothing

    # The API: newest first, with the evidence and the webhook's delivery log.
    alerts = client.get("/api/alerts", params={"watchlist": "harrow"}).json()
    assert alerts["next_cursor"] is None
    assert [f"tag:storyline,2025:alert/{a['id']}" for a in alerts["items"]] == [e.id for e in entries]
    change = next(a for a in alerts["items"] if a["kind"] == "status_change")
    assert change["title"] == entry.title and change["story_id"] == story["id"]
    assert change["story_path"] == f"/stories/{story['id']}"
    assert change["detail"]["evidence"] == CONFIRMATION and change["detail"]["lang"] == "it"
    assert change["detail"]["previous_status"] == "rumoured"
    [delivery] = change["deliveries"]
    assert delivery["url"] == "http://127.0.0.1:9/hook" and delivery["status"] == "pending"
    assert delivery["attempts"] == 1 and delivery["last_error"]  # loopback is refused without allow_loopback
    every = client.get("/api/alerts").json()["items"]
    assert {a["watchlist"] for a in every} == {"harrow", "story Harrow Robotics eyes Quill Analytics deal"}
    first = client.get("/api/alerts", params={"limit": 1}).json()
    rest = client.get("/api/alerts", params={"limit": 100, "cursor": first["next_cursor"]}).json()
    assert [a["id"] for a in first["items"] + rest["items"]] == [a["id"] for a in every]
    assert client.get("/api/alerts", params={"cursor": "garbage!"}).status_code == 422
    assert client.get("/api/alerts", params={"cursor": "abc"}).status_code == 400
    assert watchlists(client)["harrow"]["alerts"] == len(entries) and watchlists(client)["norvell"]["alerts"] == 0

    # The page: the evidence in its own language, escaped, with the delivery's state.
    response = client.get("/watchlists")
    assert "Harrow Robotics ha confermato martedì l&#39;acquisizione di Quill Analytics." in response.text
    page = Html(response.text)
    quotes = [a for t, a in page.with_class("evidence-quote")]
    assert {"lang": "it", "dir": "auto", "class": "evidence-quote"} in quotes
    assert f"/stories/{story['id']}" in {a.get("href") for t, a in page.tags if t == "a"}
    assert "/feeds/watchlist/harrow" in {a.get("href") for t, a in page.tags if t == "a"}
    text = " ".join("".join(page.text).split())
    assert "Rumour confirmed: acquisition (Harrow Robotics, Quill Analytics)" in text
    assert "pending 1 attempt so far" in text and "No alerts yet" in text  # harrow's webhook; norvell
    assert "webhook to 127.0.0.1" in text and "/hook" not in response.text  # its host only: a URL can be a key
    assert_inert(page)


def test_feed_validators_and_304(client: TestClient, db: Path, pages: dict[str, Path]) -> None:
    client.post("/api/watchlists", json={"name": "harrow", "entity": HARROW})
    before = client.get("/feeds/watchlist/harrow")
    assert before.headers["cache-control"] == "no-cache" and "last-modified" not in before.headers  # no alerts yet
    same = client.get("/feeds/watchlist/harrow", headers={"If-None-Match": before.headers["etag"]})
    assert same.status_code == 304 and same.content == b""
    ingest_confirmation(db, pages)
    after = client.get("/feeds/watchlist/harrow", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert client.get("/feeds/watchlist/harrow", headers={"If-None-Match": after.headers["etag"]}).status_code == 304
    modified = after.headers["last-modified"]
    assert client.get("/feeds/watchlist/harrow", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.head("/feeds/watchlist/harrow").headers["etag"] == after.headers["etag"]
    root = etree.fromstring(after.content)
    assert root.findtext(f"{ATOM}id") == "tag:storyline,2025:feeds/watchlist/harrow"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/watchlist/harrow"
    times = [e.findtext(f"{ATOM}updated") for e in root.iter(f"{ATOM}entry")]
    assert times and root.findtext(f"{ATOM}updated") == max(times)
    assert client.get("/feeds/watchlist/nobody").status_code == 404


def test_names_and_alerts_are_shown_as_text(client: TestClient, db: Path) -> None:
    """A name with markup, and an alert whose strings are markup (written through the store's public method, as
    tests/test_web_security.py does), come out of the page, the feed and the API as text."""
    name = f"watch {PAYLOAD}/../x?y#z"
    assert client.post("/api/watchlists", json={"name": name, "q": PAYLOAD}).status_code == 201
    story = harrow_story(client)
    store = open_store(str(db))
    [alert] = store.record_alerts(
        {},
        [
            Alert(
                name,
                story["id"],
                "status_change",
                "x",
                f"Rumour confirmed: {PAYLOAD}",
                {"evidence": PAYLOAD, "lang": 'it" onmouseover="alert(3)', "source": PAYLOAD},
            )
        ],
    )
    store.close()
    response = client.get("/watchlists")
    page = Html(response.text)
    assert_inert(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text and PAYLOAD not in response.text
    assert [a for t, a in page.with_class("evidence-quote")] == [{"class": "evidence-quote", "dir": "auto"}]
    assert page.form("/watchlists/remove") == {"name": name}
    [feed_link] = [a["href"] for t, a in page.with_class("feed-link")]
    assert feed_link == "/feeds/watchlist/" + quote(name, safe="") and "/../" not in feed_link
    feed = client.get(feed_link)
    assert feed.status_code == 200
    root = etree.fromstring(feed.content)
    [entry] = root.iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == f"Rumour confirmed: {PAYLOAD}"
    assert entry.findtext(f"{ATOM}id") == f"tag:storyline,2025:alert/{alert.id}"
    assert all(e.get("type") in (None, "text") for e in root.iter())
    assert client.get("/api/alerts", params={"watchlist": name}).json()["items"][0]["detail"]["evidence"] == PAYLOAD
    assert client.delete(feed_link.replace("/feeds/watchlist/", "/api/watchlists/")).status_code == 204


# --- in a browser ----------------------------------------------------------------------------------

if importlib.util.find_spec("playwright") is not None:
    from tests.test_web_browser import (  # noqa: F401  (browser: a fixture)
        CHROMIUM,
        PHONE,
        browser,
        fits_the_width,
        live_server,
        open_page,
        shoot,
    )
else:  # pragma: no cover
    CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed")
def test_follow_a_story_in_the_browser(browser: Any, db: Path, pages: dict[str, Path]) -> None:
    name = "story Harrow Robotics eyes Quill Analytics deal"
    with live_server(db) as base:
        with open_page(browser) as (page, _):
            story = page.request.get(f"{base}/api/stories?entity={HARROW.replace(' ', '%20')}").json()["items"][0]
            page.goto(f"{base}/stories/{story['id']}")
            page.click("a.follow")
            page.wait_for_url(re.compile(r"/watchlists\?story="))
            assert page.locator("#w-name").input_value() == name
            shoot(page, "watchlists-follow")
            page.click(".follow-form button[type=submit]")
            page.wait_for_url(re.compile(r"/watchlists$"))
            assert page.locator(".watchlist h2").all_inner_texts() == [name]
            assert page.locator(".watchlist a.feed-link").get_attribute("href").startswith("/feeds/watchlist/story%20")
            page.goto(f"{base}/stories/{story['id']}")
            following = page.locator("a.follow.is-following")
            assert following.inner_text().strip() == "✓ Following"
            ingest_confirmation(db, pages)  # beside the server, as `storyline watch` would
            following.click()
            page.wait_for_url(re.compile(r"/watchlists$"))
            assert page.locator(".alert-row").count() == 2
            assert CONFIRMATION in page.locator(".evidence-quote[lang=it]").all_inner_texts()
            shoot(page, "watchlists")
        with open_page(browser, PHONE, "dark") as (page, _):
            page.goto(f"{base}/watchlists")
            shoot(page, "watchlists-phone-dark")
            assert fits_the_width(page)
            page.click(".remove-form button")
            page.wait_for_url(re.compile(r"/watchlists$"))
            assert page.locator(".watchlist").count() == 0
