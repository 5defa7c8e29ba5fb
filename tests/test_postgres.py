"""PostgreSQL end to end: the same corpus gives the same stories, timelines and pages as SQLite, and several
ingesting processes at once lose and duplicate nothing. (Each store method on both: test_store_contract.py.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import STORYLINE_BIN, run_bin

from storyline import open_store
from storyline.settings import Settings
from storyline.web.app import create_app

CORPUS = Path(__file__).parents[1] / "samples" / "corpus"


def _ingest(db: str, *args: str) -> None:
    result = run_bin("--db", db, "ingest", *args, timeout=600)
    assert result.returncode == 0, result.stderr.decode()


def _without(data: Any, keys: set[str]) -> Any:
    """`data` without the fields that say when, not what (ingestion times)."""
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def _views(db: str) -> dict[str, Any]:
    """What the API and the pages show of a store: stories, each story with its timeline and articles, articles,
    entities, search hits (ids: each backend ranks and marks hits its own way), errors; the HTML of the pages."""
    shown: dict[str, Any] = {}
    with TestClient(create_app(Settings(db=db))) as client:

        def get(path: str, **params: Any) -> Any:
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        stories = get("/api/stories", limit=100)["items"]
        shown["stories"] = stories
        for sort in ("recent", "size", "languages"):
            shown[f"stories by {sort}"] = [s["id"] for s in get("/api/stories", limit=100, sort=sort)["items"]]
        for story in stories:
            shown[story["id"]] = get(f"/api/stories/{story['id']}", limit=100)
            shown[f"page {story['id']}"] = client.get(f"/stories/{story['id']}").text
        shown["articles"] = get("/api/articles", limit=100)["items"]
        shown["entities"] = get("/api/entities", limit=100)["items"]
        shown["search"] = sorted(hit["id"] for hit in get("/api/search", q="Quantix chip", limit=50)["items"])
        shown["filtered"] = [s["id"] for s in get("/api/stories", lang="pl", status="confirmed", limit=50)["items"]]
        shown["home"] = client.get("/").text
    return _without(shown, {"ingested_at"})


def test_sample_corpus_on_postgres_shows_what_sqlite_shows(tmp_path: Path, postgres_db_url: str) -> None:
    sqlite = str(tmp_path / "s.db")
    for db in (sqlite, postgres_db_url):
        _ingest(db, str(CORPUS), "--workers", "1")
    on_sqlite, on_postgres = _views(sqlite), _views(postgres_db_url)
    assert len(on_sqlite["stories"]) > 5 and any(
        story["timeline"] for story in on_sqlite.values() if "timeline" in story
    )
    assert on_sqlite["search"] and on_sqlite["filtered"]
    assert set(on_postgres) == set(on_sqlite)
    for key, value in on_sqlite.items():
        if key.startswith("page ") or key == "home":
            # Pages are the same but for where the store is (the footer names it).
            value, other = (
                re.sub(re.escape(db), "DB", page) for db, page in ((sqlite, value), (postgres_db_url, on_postgres[key]))
            )
            assert other == value, key
        else:
            assert on_postgres[key] == value, key


def _texts(folder: Path, names: range) -> Path:
    folder.mkdir()
    for n in names:
        (folder / f"item{n}.txt").write_text(
            f"Harbour works in town {n}\n\n{1 + n % 27} October 2025\n\nThe harbour of town {n} said on Monday that it"
            f" will open a new quay with {n + 2} hundred berths next year, after {n % 5 + 2} years of planning.\n",
            encoding="utf-8",
        )
    return folder


def test_two_ingests_at_once_into_postgres_lose_and_duplicate_nothing(tmp_path: Path, postgres_url: str) -> None:
    """Overlapping corpora ingested by two processes at once: the store one ingest of both gives, to the source."""
    import psycopg

    a, b = _texts(tmp_path / "a", range(0, 30)), _texts(tmp_path / "b", range(15, 45))
    both = tmp_path / "both"
    both.mkdir()
    for folder in (a, b):
        for path in folder.iterdir():
            (both / f"{folder.name}-{path.name}").write_bytes(path.read_bytes())
    databases = {}
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        for name in ("one", "two"):
            database = f"t_{name}_{tmp_path.name[-8:].lower()}".replace("-", "_")
            admin.execute(f'CREATE DATABASE "{database}"')
            databases[name] = postgres_url.rsplit("/", 1)[0] + "/" + database
    _ingest(databases["one"], str(both), "--workers", "1")
    runs = [
        subprocess.Popen(
            [str(STORYLINE_BIN), "--db", databases["two"], "ingest", str(folder), "--workers", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in (a, b)
    ]
    results = [(run.wait(timeout=600), run.stderr.read().decode()) for run in runs]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0], results

    one, two = open_store(databases["one"]), open_store(databases["two"])
    try:
        assert two.count_articles() == one.count_articles() == 45
        ids = sorted(a.id for a in one.articles())
        assert sorted(a.id for a in two.articles()) == ids
        # Every article in exactly one story, and each story counts its members: the second run waited its turn.
        members = two.story_ids_of(ids)
        assert sorted(members) == ids
        for story in two.browse_stories(limit=None).items:
            assert story.size == sum(1 for s in members.values() if s == story.id)
        # Assignment reads in publication order: once both are in, a recluster gives the one-ingest stories.
        run_bin("--db", databases["two"], "recluster", timeout=600)
        assert two.story_ids_of(ids) == one.story_ids_of(ids)
        sources = sorted(len(two.sources(i)) for i in ids)
        assert sources == sorted(len(one.sources(i)) for i in ids) and sources.count(2) == 15  # the overlap: two files
    finally:
        one.close()
        two.close()
