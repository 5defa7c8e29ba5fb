"""The REST API under /api on a real SQLite file: lists, filters, stable cursors, ingest, errors, feeds, schema.

The store is the sample corpus (and the seeds when ../shared is there) ingested through the normal
pipeline, with stories, claims and timelines as `update_stories` makes them.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from tests.conftest import invoke, invoke_json

from storyline import ingest, open_store
from storyline.pipeline import update_stories
from storyline.settings import Settings
from storyline.web.app import INTERNAL_ERROR, create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "samples" / "corpus"
SEEDS = ROOT / ".." / "shared" / "seeds"
TOKEN = "test-token-0123456789"


def build_corpus_store(path: Path) -> Path:
    """Sample corpus + seeds through the normal pipeline, plus one unreadable file for the errors list."""
    broken = path.parent / "broken.jsonl"
    broken.write_text('{"title": "no text or html here"}\nnot json at all\n', encoding="utf-8")
    store = open_store(str(path))
    ingest([str(CORPUS), *([str(SEEDS)] if SEEDS.is_dir() else []), str(broken)], store)
    update_stories(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus_store(tmp_path_factory.mktemp("web-api") / "corpus.db")


@pytest.fixture(scope="module")
def client(corpus_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=str(corpus_db)))) as test_client:
        yield test_client


def get(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text)
    return response.json()


def walk(client: TestClient, url: str, cursor: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list (from `cursor` on), page by page through next_cursor."""
    items = []
    for _ in range(1000):
        page = get(client, url, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("the cursor never ended")


# --- stories -----------------------------------------------------------------------------------


def test_story_list_ranks_by_growth_and_spread(client: TestClient, corpus_db: Path) -> None:
    """The API's rank (kept by triggers in the browse tables) is the one computed afresh from the articles, and the
    CLI's `stories` lists the same order."""
    db = sqlite3.connect(corpus_db)
    newest = db.execute("SELECT MAX(published_sort) FROM articles").fetchone()[0]
    since = (datetime.strptime(newest[:16], "%Y-%m-%dT%H:%M") - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    expected = {}
    for story_id, languages, sources, recent in db.execute(
        """SELECT s.id, s.languages, s.sources, COUNT(a.id) FILTER (WHERE a.published_sort >= ?)
               FROM stories s JOIN story_members m ON m.story_id = s.id JOIN articles a ON a.id = m.article_id
               GROUP BY s.id""",
        (since,),
    ):
        spread = (1 + math.log(len(json.loads(languages)) or 1)) * (1 + math.log(len(json.loads(sources)) or 1))
        expected[story_id] = (recent + 1) * spread
    listed = get(client, "/api/stories", limit=100)["items"]
    assert len(listed) == len(expected) > 5
    assert {s["id"]: s["rank"] for s in listed} == pytest.approx(expected, abs=1e-4)
    assert [s["rank"] for s in listed] == sorted((s["rank"] for s in listed), reverse=True)
    # The CLI lists the same stories with the same fields: one read API behind both.
    assert invoke_json(corpus_db, "stories", "--limit", "100") == listed
    story = listed[0]
    shown = get(client, f"/api/stories/{story['id']}", limit=100)
    assert invoke_json(corpus_db, "story", story["id"]) == shown


@pytest.mark.parametrize("sort", ["growth", "recent", "size", "languages"])
def test_story_pages_cover_every_story_once_in_order(client: TestClient, sort: str) -> None:
    everything = get(client, "/api/stories", sort=sort, limit=100)["items"]
    paged = walk(client, "/api/stories", sort=sort, limit=4)
    assert [s["id"] for s in paged] == [s["id"] for s in everything]
    key = {"growth": "rank", "recent": "last_seen", "size": "size", "languages": "languages"}[sort]
    values = [len(s[key]) if key == "languages" else s[key] or "" for s in paged]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("lang", lambda s, v: v in s["languages"]),
        ("status", lambda s, v: v in s["statuses"]),
    ],
)
def test_story_filters(client: TestClient, name: str, check: Any) -> None:
    everything = get(client, "/api/stories", limit=100)["items"]
    values = {v for s in everything for v in (s["languages"] if name == "lang" else s["statuses"])}
    assert values
    for value in values:
        found = walk(client, "/api/stories", **{name: value}, limit=5)
        assert found and all(check(s, value) for s in found)
        assert {s["id"] for s in found} == {s["id"] for s in everything if check(s, value)}


def test_story_filters_by_entity_source_dates_and_words(client: TestClient) -> None:
    everything = get(client, "/api/stories", limit=100)["items"]
    quantix = [s for s in everything if any(e["label"] == "Quantix" for e in s["entities"])]
    assert quantix
    key = next(e["key"] for e in quantix[0]["entities"] if e["label"] == "Quantix")
    by_entity = get(client, "/api/stories", entity=key, limit=100)["items"]
    assert {s["id"] for s in quantix} <= {s["id"] for s in by_entity}

    detail = get(client, f"/api/stories/{everything[0]['id']}")
    site = detail["sources"][0]
    by_source = get(client, "/api/stories", source=site, limit=100)["items"]
    assert everything[0]["id"] in {s["id"] for s in by_source}
    assert all(site in get(client, f"/api/stories/{s['id']}")["source_counts"] for s in by_source)

    november = get(client, "/api/stories", since="2025-11", until="2025-11-30", limit=100)["items"]
    assert november and all(s["last_seen"] >= "2025-11" and s["first_seen"] <= "2025-11-30\uffff" for s in november)
    assert all(s["first_seen"] for s in november)

    words = get(client, "/api/stories", q="Vesuviana", limit=100)["items"]
    assert words and all("Vesuviana" in json.dumps(s, ensure_ascii=False) for s in words)
    assert get(client, "/api/stories", q="zzzunknownwordzzz")["items"] == []


def test_cursor_is_stable_when_stories_arrive(corpus_db: Path, tmp_path: Path) -> None:
    """A page after new stories were added continues where the last one ended: no repeats, no gaps."""
    db = tmp_path / "copy.db"
    shutil.copy(corpus_db, db)
    with TestClient(create_app(Settings(db=str(db), token=TOKEN))) as client:
        first = get(client, "/api/stories", sort="recent", limit=3)
        newest = json.dumps(
            {
                "title": "Quantix opens a chip plant in Porto",
                "lang": "en",
                "source": "late.example",
                "published": "2026-01-15T10:00:00Z",
                "text": "Quantix Semiconductors said on Thursday it would open a chip packaging plant "
                "in Porto, its first in Portugal, creating 600 jobs by 2028. " * 3,
            }
        )
        response = client.post(
            "/api/ingest",
            content=newest + "\n",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["new_articles"] == 1
        rest = walk(client, "/api/stories", sort="recent", limit=3, cursor=first["next_cursor"])
        everything = get(client, "/api/stories", sort="recent", limit=100)["items"]
        seen = [s["id"] for s in first["items"]] + [s["id"] for s in rest]
        assert len(seen) == len(set(seen))
        # Everything except what arrived (at the top) is seen exactly once, in order.
        assert seen == [s["id"] for s in everything if s["id"] in seen]
        assert len(everything) - len(seen) in (0, 1)


def test_story_detail(client: TestClient) -> None:
    story = get(client, "/api/stories", sort="size", limit=1)["items"][0]
    detail = get(client, f"/api/stories/{story['id']}")
    assert detail["id"] == story["id"] and detail["size"] == story["size"]
    assert len(detail["articles"]["items"]) == story["size"]
    assert sum(detail["source_counts"].values()) <= story["size"]
    moments = [
        datetime.fromisoformat(a["published"]) for a in detail["articles"]["items"] if len(a["published"] or "") > 10
    ]
    utc = [m.astimezone(UTC).replace(tzinfo=None) if m.tzinfo else m for m in moments]
    assert utc == sorted(utc)  # by publication time: UTC where the zone is known
    assert all(a["story_id"] == story["id"] for a in detail["articles"]["items"])
    assert get(client, f"/api/stories/{story['id'][:9]}")["id"] == story["id"]  # a unique prefix
    assert client.get("/api/stories/st_nosuchstory").status_code == 404


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_the_seeds_are_one_story_with_a_timeline(client: TestClient) -> None:
    hits = get(client, "/api/search", q="Leica Huawei")["items"]
    seeds = {h["id"]: h for h in hits if h["lang"] in ("it", "de")}
    assert len(seeds) == 2
    (story_id,) = {h["story_id"] for h in seeds.values()}
    detail = get(client, f"/api/stories/{story_id}")
    assert set(seeds) <= {a["id"] for a in detail["articles"]["items"]}
    assert detail["timeline"], "claims extraction gives the seed story a timeline"
    statuses = {step["status"] for entry in detail["timeline"] for step in entry["status_history"]}
    assert {"rumoured", "confirmed"} <= statuses


# --- articles, entities, search, errors --------------------------------------------------------


def test_articles_newest_first_with_stable_pages(client: TestClient, corpus_db: Path) -> None:
    paged = walk(client, "/api/articles", limit=7)
    assert len(paged) == open_store(str(corpus_db)).count_articles()
    assert len({a["id"] for a in paged}) == len(paged)
    dated = [a for a in paged if a["published"]]
    undated = [a for a in paged if not a["published"]]
    assert paged == dated + undated  # undated last
    keys = [a["published"][:16] for a in dated]
    assert keys[0] >= keys[-1]
    for lang in ("de", "pl"):
        found = walk(client, "/api/articles", lang=lang, limit=2)
        assert found and all(a["lang"] == lang for a in found)
        assert len(found) == sum(a["lang"] == lang for a in paged)
    since = walk(client, "/api/articles", since="2025-12", limit=5)
    assert since and all(a["published"] >= "2025-12" for a in since)


def test_article_detail(client: TestClient) -> None:
    story = get(client, "/api/stories", sort="size", limit=1)["items"][0]
    listed = get(client, "/api/articles", story=story["id"], limit=100)["items"]
    assert len(listed) == story["size"]
    article = get(client, f"/api/articles/{listed[0]['id']}")
    assert article["story"]["story_id"] == story["id"]
    assert article["sources"] and article["text"]
    for claim in article["claims"]:
        assert claim["status"] in ("rumoured", "reported", "confirmed", "planned", "denied")
        if claim["start"] >= 0:
            assert article["text"][claim["start"] : claim["end"]].strip()
    assert get(client, f"/api/articles/{listed[0]['id'][:10]}")["id"] == listed[0]["id"]
    assert client.get("/api/articles/0000000000000000000x").status_code == 404


def test_entities(client: TestClient) -> None:
    entities = walk(client, "/api/entities", limit=20)
    assert len({e["key"] for e in entities}) == len(entities) > 20
    counts = [e["articles"] for e in entities]
    assert counts == sorted(counts, reverse=True)
    orgs = get(client, "/api/entities", type="ORG", limit=100)["items"]
    assert orgs and all(e["type"] == "ORG" for e in orgs)
    named = get(client, "/api/entities", q="quantix")["items"]
    assert named and all("quantix" in (e["label"] + e["key"]).lower() for e in named)
    top = entities[0]
    detail = get(client, f"/api/entities/{top['key']}")
    assert detail["label"] == top["label"] and detail["stories"] == len(walk(client, "/api/stories", entity=top["key"]))
    assert sum(m["stories"] for m in detail["months"]) <= detail["stories"]
    assert {s["id"] for s in detail["story_page"]["items"]} <= {
        s["id"] for s in walk(client, "/api/stories", entity=top["key"])
    }
    assert client.get("/api/entities/org:does-not-exist").status_code == 404


def test_search_with_highlights_and_pages(client: TestClient) -> None:
    results = get(client, "/api/search", q="quantix")
    assert results["items"]
    for hit in results["items"]:
        assert hit["highlights"]
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower() == "quantix"
    paged = walk(client, "/api/search", q="quantix", limit=2)
    assert [h["id"] for h in paged] == [h["id"] for h in get(client, "/api/search", q="quantix", limit=100)["items"]]
    assert get(client, "/api/search", q="!!! ???")["items"] == []


def test_errors_list(client: TestClient) -> None:
    errors = walk(client, "/api/errors", limit=1)
    assert {e["locator"] for e in errors if e["origin"].endswith("broken.jsonl")} == {"line 1", "line 2"}
    assert all(e["severity"] in ("error", "warning") and e["reason"] for e in errors)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/stories?cursor=not-a-cursor", 400),
        ("/api/stories?sort=size&cursor=WyJncm93dGgiLDEsMiwiIiwic3QiXQ", 400),  # a growth cursor for another sort
        ("/api/stories?since=2025-13", 400),
        ("/api/stories?since=May", 422),
        ("/api/stories?until=2025-02-30", 400),
        ("/api/stories?sort=random", 400),
        ("/api/stories?limit=0", 422),
        ("/api/stories?limit=1000", 422),
        ("/api/articles?cursor=%00", 422),
        ("/api/articles?cursor=abc", 400),
        ("/api/search", 422),
    ],
)
def test_bad_requests_say_what_is_wrong(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


# --- ingest --------------------------------------------------------------------------------------


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    return tmp_path / "empty.db"


def test_ingest_is_disabled_without_a_configured_token(empty_db: Path) -> None:
    with TestClient(create_app(Settings(db=str(empty_db)))) as client:
        response = client.post("/api/ingest", content=b'{"text": "x"}', headers={"Authorization": "Bearer anything"})
        assert response.status_code == 403
        assert "disabled" in response.json()["detail"]
        assert get(client, "/api/articles")["items"] == []


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_ingest_refuses_a_missing_or_wrong_token(empty_db: Path, header: str | None) -> None:
    with TestClient(create_app(Settings(db=str(empty_db), token=TOKEN))) as client:
        response = client.post(
            "/api/ingest", content=b'{"text": "some words"}', headers={"Authorization": header} if header else {}
        )
        assert response.status_code in (401, 403)
        assert get(client, "/api/articles")["items"] == []


def test_ingest_jsonl_html_and_text_through_the_pipeline(empty_db: Path) -> None:
    with TestClient(create_app(Settings(db=str(empty_db), token=TOKEN), max_upload_bytes=200_000)) as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        lines = "\n".join(
            json.dumps(r)
            for r in [
                {
                    "title": "Harbour strike ends",
                    "lang": "en",
                    "published": "2025-10-21",
                    "source": "www.port.example",
                    "text": "Dock workers in Rotterdam ended a five-day strike on Thursday after a new wage deal. " * 4,
                },
                {
                    "title": "Hafenstreik beendet",
                    "lang": "de",
                    "published": "2025-10-22",
                    "text": "Die Hafenarbeiter in Rotterdam haben ihren fünftägigen Streik nach einer Lohneinigung beendet. "
                    * 4,
                },
                "not an object",
            ]
        )
        response = client.post("/api/ingest", content=lines, headers=auth | {"Content-Type": "application/x-ndjson"})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["documents"] == 2 and result["new_articles"] == 2 and result["assigned"] == 2
        assert [e["where"].rsplit("(", 1)[-1] for e in result["errors"]] == ["line 3)"]
        again = client.post("/api/ingest", content=lines, headers=auth | {"Content-Type": "application/x-ndjson"})
        assert again.json()["new_articles"] == 0 and again.json()["known_articles"] == 2  # identity is content

        page = (
            "<html><head><title>Port traffic recovers</title>"
            "<meta property='article:published_time' content='2025-10-25T08:00:00+02:00'></head><body><article>"
            "<h1>Port traffic recovers</h1>" + "<p>Traffic in the port of Rotterdam returned to normal on Friday, "
            "a week after the strike ended, port operators said.</p>" * 3 + "</article></body></html>"
        )
        html = client.post("/api/ingest", content=page, headers=auth | {"Content-Type": "text/html"})
        assert html.status_code == 200 and html.json()["new_articles"] == 1
        listed = get(client, "/api/articles", limit=10)["items"]
        assert {a["title"] for a in listed} == {"Harbour strike ends", "Hafenstreik beendet", "Port traffic recovers"}
        assert next(a for a in listed if a["lang"] == "en" and "strike" in a["title"])["source"] == "port.example"
        assert get(client, "/api/stories")["items"]

        assert client.post("/api/ingest", content=b"   ", headers=auth).status_code == 400
        too_big = client.post("/api/ingest", content=b"x" * 300_000, headers=auth | {"Content-Type": "text/plain"})
        assert too_big.status_code == 413


def test_an_upload_is_named_as_the_client_said_and_read_from_memory(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, item 13: errors name the upload (its name, size and time), never a server path; no temp file."""
    import tempfile as tempfile_module

    def no_temp_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload must not be written to a temporary file")

    for name in ("TemporaryDirectory", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile_module, name, no_temp_files)
    with TestClient(create_app(Settings(db=str(empty_db), token=TOKEN))) as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        body = json.dumps({"text": "x"}) + "\n"
        named = client.post("/api/ingest", params={"name": "../../etc/feed.jsonl"}, content=body, headers=auth)
        assert named.status_code == 200, named.text
        [error] = named.json()["errors"]
        assert error["where"].startswith("upload feed.jsonl (") and "bytes" in error["where"], error
        assert "/tmp" not in error["where"] and "storyline-upload" not in error["where"]
        unnamed = client.post("/api/ingest", content=body, headers=auth | {"Content-Type": "application/x-ndjson"})
        assert unnamed.json()["errors"][0]["where"].startswith("upload unnamed (")
        by_header = client.post(
            "/api/ingest", content=body, headers=auth | {"Content-Disposition": 'attachment; filename="day.jsonl"'}
        )
        assert by_header.json()["errors"][0]["where"].startswith("upload day.jsonl (")


# --- feeds ----------------------------------------------------------------------------------------


def test_atom_feeds(client: TestClient) -> None:
    story = get(client, "/api/stories", sort="size", limit=1)["items"][0]
    response = client.get(f"/feeds/story/{story['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == story["label"]
    assert len(feed.entries) == story["size"]
    assert all(
        [link.href for link in e.links] == [f"http://testserver/articles/{e.id.rsplit('/', 1)[1]}"]
        for e in feed.entries
    )
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)

    entity = get(client, "/api/entities", limit=1)["items"][0]
    entity_feed = feedparser.parse(client.get(f"/feeds/entity/{entity['key']}").content)
    assert not entity_feed.bozo and len(entity_feed.entries) == entity["stories"]
    assert all("/stories/st_" in e.link for e in entity_feed.entries)

    search_feed = feedparser.parse(client.get("/feeds/search", params={"q": "Iberavia"}).content)
    assert not search_feed.bozo and search_feed.entries
    assert all("/articles/" in e.link for e in search_feed.entries)
    assert client.get("/feeds/story/st_nosuch").status_code == 404
    assert client.get("/feeds/entity/org:nosuch").status_code == 404


# --- errors, headers, schema, CLI ----------------------------------------------------------------


def test_security_headers_everywhere(client: TestClient) -> None:
    for url in (
        "/api/stories",
        "/",
        "/static/style.css",
        "/api/nothing-here",
        "/feeds/search?q=x",
        "/api/openapi.json",
    ):
        response = client.get(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_a_server_error_shows_no_trace(corpus_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.store.sql import SQLStore

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("secret internals: /etc/passwd line 42")

    monkeypatch.setattr(SQLStore, "browse_stories", broken)
    with TestClient(create_app(Settings(db=str(corpus_db))), raise_server_exceptions=False) as client:
        for url in ("/api/stories", "/"):
            response = client.get(url)
            assert response.status_code == 500
            assert response.text == INTERNAL_ERROR
            assert "Traceback" not in response.text and "secret" not in response.text
            assert "content-security-policy" in response.headers


def test_openapi_schema_lists_every_endpoint(client: TestClient) -> None:
    schema = get(client, "/api/openapi.json")
    assert set(schema["paths"]) == {
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/entities",
        "/api/entities/{key}",
        "/api/search",
        "/api/errors",
        "/api/sources",
        "/api/watchlists",
        "/api/watchlists/{name}",
        "/api/alerts",
        "/api/ingest",
    }
    assert "post" in schema["paths"]["/api/ingest"] and "HTTPBearer" in schema["components"]["securitySchemes"]


def test_serve_check_and_bad_store(corpus_db: Path, tmp_path: Path) -> None:
    result = invoke(corpus_db, "serve", "--check")
    assert result.exit_code == 0 and "disabled" in result.stdout
    assert "enabled" in invoke(corpus_db, "serve", "--check", env={"STORYLINE_TOKEN": "abc"}).stdout
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    assert invoke(junk, "serve", "--check").exit_code == 3


# --- schemathesis ---------------------------------------------------------------------------------

# The schema is read from an app over an empty in-memory store; the requests go to the corpus app.
schema = schemathesis.openapi.from_dict(create_app(Settings(db=":memory:")).openapi())


@pytest.fixture(scope="module")
def corpus_app(corpus_db: Path) -> Any:
    return create_app(Settings(db=str(corpus_db), token=TOKEN))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, corpus_app: Any) -> None:
    """Generated requests (valid and not) never make a 5xx or a response outside the schema.

    Not checked: that every schema-valid request succeeds. A cursor is opaque and a date like
    0000-00 matches the documented pattern, yet both are rightly refused with a 400.
    """
    case.call_and_validate(app=corpus_app, excluded_checks=[schemathesis.checks.positive_data_acceptance])
