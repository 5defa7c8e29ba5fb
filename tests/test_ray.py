"""Workers change nothing but the time: `storyline ingest` with two local worker processes (which analyse and
read claims beside extraction) and with `--engine ray` on a local Ray of two workers (which also embed the
second opinion's texts ahead) give the same articles, analyses, claims and stories as one process does with the
same corpus (each run in its own process, as a user runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_bin
from tests.local_site import LocalSite, SiteHandler, running

from storyline import open_store
from storyline.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "corpus"


def _state(store: Store) -> dict[str, object]:
    """What a run leaves: articles with their fields, analyses (entities), claims, and stories by their members."""
    articles = sorted(store.articles(), key=lambda a: a.id)
    ids = [a.id for a in articles]
    analysed = store.analysed(ids)
    stories = store.browse_stories(limit=None).items
    return {
        "articles": [a.to_dict() for a in articles],
        "entities": {i: [(e.key, e.count) for e in analysed[i][1].entities] for i in ids},
        "claims": {i: [c.to_dict() for c in found] for i, found in store.claims(ids).items()},
        "stories": sorted(sorted(m.article_id for m in store.story_members(s.id)) for s in stories),
        "timelines": sorted(
            json.dumps([(e.type, e.status, e.participants) for e in store.timeline(s.id)]) for s in stories
        ),
    }


def _run(db: Path, engine: str, workers: int) -> dict[str, object]:
    done = run_bin(
        "--db", str(db), "ingest", str(SAMPLES), "--engine", engine, "--workers", str(workers), "--json", timeout=600
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    summary = json.loads(done.stdout)
    assert summary["new_articles"] > 30 and summary["errors"] == 0
    store = open_store(db)
    try:
        return _state(store)
    finally:
        store.close()


def _assert_same(found: dict[str, object], expected: dict[str, object]) -> None:
    assert [a["id"] for a in found["articles"]] == [a["id"] for a in expected["articles"]]  # type: ignore[index]
    for key in ("articles", "entities", "claims", "stories", "timelines"):
        assert found[key] == expected[key], key
    assert len(expected["stories"]) >= 10  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return _run(tmp_path_factory.mktemp("one") / "one.db", "local", 1)


def test_two_local_workers_give_what_one_process_gives(tmp_path: Path, one_process: dict[str, object]) -> None:
    _assert_same(_run(tmp_path / "local.db", "local", 2), one_process)


def test_a_ray_run_gives_what_a_local_run_gives(tmp_path: Path, one_process: dict[str, object]) -> None:
    pytest.importorskip("ray")
    _assert_same(_run(tmp_path / "ray.db", "ray", 2), one_process)


def test_an_unknown_engine_is_refused(tmp_path: Path) -> None:
    done = run_bin("--db", str(tmp_path / "x.db"), "ingest", str(SAMPLES), "--engine", "spark")
    assert done.returncode == 2 and b"--engine must be one of local, ray" in done.stderr


class _Pages(LocalSite):
    pass


class _PagesHandler(SiteHandler):
    """A feed of the sample corpus' HTML pages, and the pages."""

    server: _Pages

    def answer(self) -> None:
        pages = sorted(p.name for p in SAMPLES.glob("*.html"))
        if self.path == "/feed.xml":
            items = "".join(f"<item><title>{n}</title><link>{self.server.base}/{n}</link></item>" for n in pages)
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>{items}</channel></rss>'
            self.send(200, feed.encode(), "application/rss+xml")
        elif self.path.lstrip("/") in pages:
            self.send(200, (SAMPLES / self.path.lstrip("/")).read_bytes())
        else:
            self.send(404)


def test_watching_on_ray_reads_what_watching_here_reads(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    env = {"STORYLINE_ALLOW_LOOPBACK": "1", "STORYLINE_HOST_DELAY": "0"}
    states = {}
    with running(_Pages, _PagesHandler) as site:
        for engine in ("local", "ray"):
            db = str(tmp_path / f"watch-{engine}.db")
            assert run_bin("--db", db, "sources", "add", site.base + "/feed.xml").returncode == 0
            done = run_bin("--db", db, "watch", "--once", "--engine", engine, "--json", env=env, timeout=600)
            assert done.returncode == 0, done.stderr.decode()[-3000:]
            assert json.loads(done.stdout)["new_articles"] >= 5
            store = open_store(db)
            states[engine] = _state(store)
            store.close()
    assert states["ray"] == states["local"]
