"""Atom feeds for feed readers: ids and links that do not follow the Host header, conditional GET, HEAD.

The store is the sample articles through the normal pipeline (ingest + update_stories) on a real
SQLite file; one test then ingests a follow-up article into a story, through the store, while the
app serves it, the way `storyline ingest` in another process would.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from tests.conftest import stored

from storyline import ingest, open_store
from storyline.pipeline import update_stories
from storyline.settings import Settings
from storyline.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARTICLES = Path(__file__).resolve().parents[1] / "samples" / "corpus" / "articles.jsonl"
ATOM = "{http://www.w3.org/2005/Atom}"
TAG = "tag:storyline,2025:"
BASE = "https://news.example.org/storyline"
HOSTS = ["testserver", "evil.example", "evil.example:8443"]
# A follow-up to the sample's Pixora article (pt): it joins that story.
FOLLOW_UP = {
    "url": "https://example.org/pixora-atraso",
    "title": "Pixora confirma atraso da estreia em Portugal",
    "text": "A carteira digital brasileira Pixora confirmou que a estreia em Portugal, prevista para janeiro, passa "
    "para o segundo trimestre de 2026. A empresa justifica o atraso com processos regulatórios, depois do "
    "ataque informático que expôs dados de 1,9 milhões de clientes no Brasil.\n\nA Pixora enfrenta no "
    "Brasil uma ação coletiva de 150 milhões de reais e ainda não revelou parceiros bancários em Portugal, "
    "onde a aplicação deverá permitir transferências imediatas e pagamentos com código QR.",
    "published": "2025-12-12T10:00:00+00:00",
    "lang": "pt",
    "source": "example.org",
}


@pytest.fixture(autouse=True)
def _no_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A STORYLINE_BASE_URL in the developer's shell must not change what these tests see."""
    monkeypatch.delenv("STORYLINE_BASE_URL", raising=False)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stored(tmp_path_factory.mktemp("web-feeds") / "sample.db", ARTICLES)


@pytest.fixture
def fresh_db(sample_db: Path, tmp_path: Path) -> Path:
    """A copy of the sample store that a test may change."""
    path = tmp_path / "copy.db"
    source, target = sqlite3.connect(sample_db), sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.close()
    return path


@pytest.fixture(scope="module")
def client(sample_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=str(sample_db)))) as test_client:
        yield test_client


def story_id(client: TestClient, word: str) -> str:
    stories = client.get("/api/stories", params={"limit": 100}).json()["items"]
    return next(s["id"] for s in stories if word in s["label"])


def feed_urls(client: TestClient) -> list[str]:
    entity = client.get("/api/entities", params={"limit": 1}).json()["items"][0]
    return [f"/feeds/story/{story_id(client, 'Pixora')}", f"/feeds/entity/{entity['key']}", "/feeds/search?q=Pixora"]


def atom(content: bytes) -> tuple[list[str], list[str]]:
    """The ids (feed first, then entries) and every link href of a feed."""
    root = etree.fromstring(content)
    ids = [root.findtext(f"{ATOM}id")] + [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
    return [i or "" for i in ids], [link.get("href", "") for link in root.iter(f"{ATOM}link")]


def fetch(client: TestClient, url: str, host: str = "testserver", **headers: str) -> Any:
    return client.get(url, headers={"Host": host, **headers})


# --- ids and links ------------------------------------------------------------------------------------


def test_feed_ids_are_tag_uris_that_do_not_follow_the_host(client: TestClient) -> None:
    for url in feed_urls(client):
        answers = [fetch(client, url, host) for host in HOSTS]
        assert all(a.status_code == 200 for a in answers), url
        ids = [atom(a.content)[0] for a in answers]
        assert len(ids[0]) >= 2, url  # the feed and at least one entry
        assert all(i == ids[0] for i in ids), (url, ids)
        assert all(i.startswith(TAG) and "evil" not in i and "testserver" not in i for i in ids[0]), ids[0]
        assert len({a.headers["etag"] for a in answers}) == 1, url  # same store state, same ETag on every host
    url = f"/feeds/story/{story_id(client, 'Pixora')}"
    ids, links = atom(fetch(client, url, "evil.example:8443").content)
    assert ids[0] == f"{TAG}feeds/story/{story_id(client, 'Pixora')}"
    assert all(i.startswith(f"{TAG}article/") for i in ids[1:])
    # With no base URL configured (the default), links, unlike ids, follow the address the request was made to.
    assert links and all(link.startswith("http://evil.example:8443/") for link in links)
    assert f"http://evil.example:8443{url}" in links  # rel=self


@pytest.mark.parametrize("how", ["environment", "argument"])
def test_a_configured_base_url_is_used_for_every_link(sample_db: Path, how: str) -> None:
    if how == "environment":
        app = create_app(Settings.from_env({"STORYLINE_BASE_URL": BASE + "/"}, db=str(sample_db)))
    else:  # a flag over the environment
        app = create_app(
            Settings.from_env({"STORYLINE_BASE_URL": "https://overridden.example"}, db=str(sample_db), base_url=BASE)
        )
    with TestClient(app) as client:
        sid = story_id(client, "Pixora")
        for url in feed_urls(client):
            answers = [fetch(client, url, host) for host in HOSTS]
            assert len({a.content for a in answers}) == 1, url  # byte for byte the same on every host
            assert len({a.headers["etag"] for a in answers}) == 1, url
            assert not answers[0].headers["etag"].startswith("W/")
            ids, links = atom(answers[0].content)
            assert all(i.startswith(TAG) for i in ids)
            assert links and all(link.startswith(BASE + "/") for link in links), (url, links)
            assert b"evil.example" not in answers[0].content and b"testserver" not in answers[0].content
        _, links = atom(fetch(client, f"/feeds/story/{sid}").content)
        assert f"{BASE}/feeds/story/{sid}" in links and f"{BASE}/stories/{sid}" in links


def test_the_etag_depends_on_the_configured_base_url_not_the_app_instance(sample_db: Path) -> None:
    def etag(**kwargs: str) -> str:
        with TestClient(create_app(Settings(db=str(sample_db), **kwargs))) as client:
            return fetch(client, f"/feeds/story/{story_id(client, 'Pixora')}").headers["etag"]

    assert etag() == etag()
    assert etag(base_url=BASE) == etag(base_url=BASE) != etag(base_url="https://other.example")


@pytest.mark.parametrize(
    "bad",
    [
        "news.example.org",
        "ftp://news.example.org",
        "https://user:pw@news.example.org",
        "https://news.example.org/?a=1",
        "https://news.example.org/#top",
        "javascript:x",
    ],
)
def test_a_bad_base_url_is_refused_when_the_app_is_built(sample_db: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        create_app(Settings(db=str(sample_db), base_url=bad))


# --- conditional requests -------------------------------------------------------------------------------


def test_if_none_match_answers_304_without_a_body(client: TestClient) -> None:
    for url in feed_urls(client):
        first = fetch(client, url)
        etag = first.headers["etag"]
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
        again = fetch(client, url, **{"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == etag and again.headers["last-modified"] == first.headers["last-modified"]
        assert "content-type" not in again.headers
        listed = fetch(client, url, "evil.example", **{"If-None-Match": f'"other", {etag.removeprefix("W/")}'})
        assert listed.status_code == 304, url  # another host, a list, the tag without W/: still a match
        assert fetch(client, url, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_if_modified_since_answers_304_from_the_newest_item(client: TestClient) -> None:
    url = f"/feeds/story/{story_id(client, 'Pixora')}"
    first = fetch(client, url)
    last_modified = first.headers["last-modified"]
    updated = [
        datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "")
        for e in etree.fromstring(first.content).iter(f"{ATOM}entry")
    ]
    assert parsedate_to_datetime(last_modified) >= max(updated).replace(microsecond=0)
    same = fetch(client, url, **{"If-Modified-Since": last_modified})
    assert same.status_code == 304 and same.content == b""
    assert fetch(client, url, **{"If-Modified-Since": "Wed, 01 Jan 2020 00:00:00 GMT"}).status_code == 200
    assert fetch(client, url, **{"If-Modified-Since": "not a date"}).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110 13.1.3).
    both = fetch(client, url, **{"If-Modified-Since": last_modified, "If-None-Match": '"stale"'})
    assert both.status_code == 200


def test_a_story_that_changes_gets_a_new_etag(fresh_db: Path, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(db=str(fresh_db)))) as client:
        url = f"/feeds/story/{story_id(client, 'Pixora')}"
        before = fetch(client, url)
        assert before.status_code == 200 and len(atom(before.content)[0]) == 2  # the feed and one article
        assert fetch(client, url, **{"If-None-Match": before.headers["etag"]}).status_code == 304

        follow_up = tmp_path / "follow-up.jsonl"
        follow_up.write_text(json.dumps(FOLLOW_UP) + "\n", encoding="utf-8")
        time.sleep(1.1)  # Last-Modified counts whole seconds: the follow-up must be ingested in a later one
        store = open_store(str(fresh_db))  # another connection, as `storyline ingest` would be
        assert ingest([str(follow_up)], store).new_articles == 1
        assert update_stories(store).assigned == 1
        store.close()

        after = fetch(
            client,
            url,
            **{"If-None-Match": before.headers["etag"], "If-Modified-Since": before.headers["last-modified"]},
        )
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert len(atom(after.content)[0]) == 3
        assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(
            before.headers["last-modified"]
        )
        assert fetch(client, url, **{"If-Modified-Since": before.headers["last-modified"]}).status_code == 200
        assert fetch(client, url, **{"If-None-Match": after.headers["etag"]}).status_code == 304


# --- HEAD -------------------------------------------------------------------------------------------------


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    sid = story_id(client, "Pixora")
    for url in ["/", f"/stories/{sid}", "/entities", "/search?q=Pixora", "/api/stories", *feed_urls(client)]:
        get, head = client.get(url), client.head(url)
        assert get.status_code == head.status_code == 200, url
        assert head.content == b"", url
        assert head.headers["content-type"] == get.headers["content-type"], url
        assert head.headers["content-length"] == str(len(get.content)), url
        assert head.headers["content-security-policy"] == get.headers["content-security-policy"]
        if url.startswith("/feeds/"):
            assert head.headers["etag"] == get.headers["etag"]
            assert head.headers["last-modified"] == get.headers["last-modified"]
            conditional = client.head(url, headers={"If-None-Match": get.headers["etag"]})
            assert conditional.status_code == 304 and conditional.content == b""
    missing = client.head("/feeds/story/st_nosuch")
    assert missing.status_code == 404 and missing.content == b""
    assert client.head("/stories/st_nosuch").status_code == 404
