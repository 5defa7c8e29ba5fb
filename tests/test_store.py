"""The SQLite store: migrations, identity, sources, filters, full-text search."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from storyline import Article, ArticleQuery, DatePrecision, IngestError, PublishedDate, article_id, open_store
from storyline.store.sqlite import _migrations


def make(text: str, **fields) -> Article:
    return Article(
        id=article_id(text, fields.get("url")),
        title=fields.pop("title", "T"),
        text=text,
        origin="test",
        extractor="test",
        **fields,
    )


def test_new_store_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    latest = max(n for n, _ in _migrations())
    assert store.schema_version == latest
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"articles", "article_sources", "errors", "articles_fts"} <= {
        r[0] for r in db.execute("SELECT name FROM sqlite_master")
    }
    store.close()
    assert open_store(tmp_path / "s.db").schema_version == latest  # reopening keeps the schema


def test_identity_ignores_case_punctuation_and_spacing() -> None:
    assert article_id("Hello,  World! " * 20) == article_id("hello world " * 20)
    assert article_id("Short text.", "https://a.example/1") != article_id("Short text.", "https://b.example/2")
    long_text = "word " * 50
    assert article_id(long_text, "https://a.example/1") == article_id(long_text, "https://b.example/2")


def test_second_copy_fills_in_what_the_first_lacked(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    text = "A text long enough to be identified by its content alone. " * 5
    assert store.add_article(make(text), "file-a")
    dated = PublishedDate(datetime(2025, 10, 3, 9, 15), DatePrecision.MINUTE)
    assert not store.add_article(
        make(text, published=dated, url="https://x.example/a", source="x.example"), "https://x.example/a"
    )
    stored = store.article(article_id(text))
    assert stored.published == dated and stored.source == "x.example"
    other = PublishedDate(datetime(2020, 1, 1), DatePrecision.YEAR)
    store.add_article(make(text, published=other), "file-b")
    assert store.article(article_id(text)).published == dated  # never overwritten
    assert [s["origin_key"] for s in store.sources(article_id(text))] == ["file-a", "https://x.example/a", "file-b"]


def test_filters_and_order(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    dates = {"a": (2025, 9, 30), "b": (2025, 10, 2), "c": (2025, 10, 31), "d": None}
    for name, ymd in dates.items():
        published = PublishedDate(datetime(*ymd), DatePrecision.DAY) if ymd else None
        store.add_article(
            make(
                f"Text {name} " * 50,
                title=name,
                lang="de" if name in "ab" else "fr",
                source=f"{name}.example",
                published=published,
            ),
            name,
        )
    titles = lambda **q: [a.title for a in store.articles(ArticleQuery(**q))]  # noqa: E731
    assert titles() == ["a", "b", "c", "d"]  # dated by date, undated last
    assert titles(lang="de") == ["a", "b"]
    assert titles(since="2025-10") == ["b", "c"]
    assert titles(until="2025-10-02") == ["a", "b"]
    assert titles(since="2025-10", until="2025-10") == ["b", "c"]
    assert titles(source="www.c.example") == ["c"]
    assert titles(limit=1, offset=1) == ["b"]


def test_full_text_search_ignores_accents_and_syntax(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    store.add_article(
        make("Die Zusammenarbeit mit Huawei endet, sagt Leica über die Kooperation. " * 5, title="Kooperation"), "x"
    )
    store.add_article(make("Unrelated text about football clubs and transfers. " * 5, title="Football"), "y")
    assert [a.title for a, _ in store.search("uber kooperation")] == ["Kooperation"]
    assert [a.title for a, _ in store.search('P50-Serie "Huawei" OR (')] == []  # punctuation is never FTS syntax
    assert store.search("huawei")[0][1].count("[") >= 1  # the snippet marks the match


def test_errors_are_upserted_and_cleared(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    error = IngestError("a.txt", "extract", "no text", None)
    store.record_error(error)
    store.record_error(error)
    assert len(store.errors()) == 1
    store.clear_errors("a.txt")
    assert store.errors() == []


def test_article_by_unique_prefix(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    article = make("Some article text that is long enough. " * 10)
    store.add_article(article, "x")
    assert store.article(article.id[:8]).id == article.id
    assert store.article("zzzz") is None


def test_story_saves_keep_the_browse_tables_in_step(tmp_path: Path) -> None:
    """Facets and list rows follow every save: keys gained and lost, and deletes (facet weights count statuses only)."""
    store = open_store(tmp_path / "s.db")

    def save(story_id: str, languages: dict, sources: dict, entities: dict, members: int, last_seen: str) -> None:
        store.save_story(
            {
                "id": story_id,
                "label": story_id,
                "first_seen": "2026-01-01T00:00:00",
                "last_seen": last_seen,
                "languages": json.dumps(languages),
                "sources": json.dumps(sources),
                "entities": json.dumps(entities),
                "size": members,
                "members": members,
                "number": 0,
                "centroid": b"\0" * 8,
                "created_seq": 1,
                "updated_seq": members,
            }
        )

    def facets() -> set[tuple]:
        return {
            tuple(r)
            for r in store._db.execute("SELECT kind, value, story_id, weight FROM story_facets WHERE kind != 'status'")
        }

    def expected() -> set[tuple]:
        rows = store._db.execute("SELECT id, languages, sources, entities FROM stories").fetchall()
        return {
            (kind, key, r[0], 1)
            for r in rows
            for kind, column in (("lang", 1), ("source", 2), ("entity", 3))
            for key in json.loads(r[column])
        }

    save("a", {"de": 1}, {"x.de": 1}, {"leica": 2, "huawei": 1}, 1, "2026-01-01T00:00:00")
    save("b", {"en": 1}, {"y.com": 1}, {"leica": 1}, 1, "2026-01-02T00:00:00")
    save("a", {"de": 1, "it": 1}, {"x.de": 1, "z.it": 1}, {"leica": 3, "xiaomi": 1}, 2, "2026-01-03T00:00:00")
    assert facets() == expected()
    assert ("entity", "huawei", "a", 1) not in facets()
    browse = store._db.execute(
        "SELECT members, n_languages, n_sources, last_seen FROM story_browse WHERE story_id = 'a'"
    )
    assert tuple(browse.fetchone()) == (2, 2, 2, "2026-01-03T00:00:00")
    store._db.execute("DELETE FROM stories WHERE id = 'b'")
    assert facets() == expected()
    assert store._db.execute("SELECT COUNT(*) FROM story_browse").fetchone()[0] == 1


def test_stage_marks_skip_done_work_and_keep_what_a_pass_left(tmp_path: Path) -> None:
    """ "What is new" starts above each stage's mark; a mark stops below an article a pass left undone, and
    clearing the stories (recluster) sends the stories' stage back to the start."""
    import numpy as np

    from storyline.model import Analysis

    store = open_store(tmp_path / "s.db")
    articles = [make(f"Article number {i} has enough words in it to count as one. " * 5) for i in range(4)]

    def analyse(article: Article) -> None:
        store.add_analysis(
            Analysis(article.id, "test", np.ones(4, np.float32) / 2, np.zeros(128, np.uint32)),
            np.zeros(4, np.float16).tobytes(),
            [],
        )

    def pending() -> tuple[list[str], list[str]]:
        return [a.id for a in store.unanalysed_articles()], [a.id for a, _ in store.unassigned()]

    for article in articles[:3]:
        store.add_article(article, article.id)
    analyse(articles[0])
    analyse(articles[2])
    store.advance_mark("analysis")
    assert pending() == ([articles[1].id], [articles[0].id, articles[2].id])
    analyse(articles[1])
    store.advance_mark("analysis")
    store.add_article(articles[3], articles[3].id)
    assert pending()[0] == [articles[3].id]
    for number, article in enumerate(articles[:3]):
        store.add_member(article.id, "st_a", 1.0, None, number + 1)
    store.advance_mark("stories")
    assert pending()[1] == []
    analyse(articles[3])
    assert pending() == ([], [articles[3].id])  # above the stories' mark though analysed after it moved
    store.clear_stories()
    assert sorted(pending()[1]) == sorted(a.id for a in articles)


def test_timelines_mark_finds_the_stories_changed_since(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")

    def save(story_id: str, seq: int) -> None:
        store.save_story(
            {
                "id": story_id,
                "label": story_id,
                "first_seen": None,
                "last_seen": None,
                "languages": "{}",
                "sources": "{}",
                "entities": "{}",
                "size": 1,
                "members": 1,
                "number": seq,
                "centroid": b"\0" * 8,
                "created_seq": seq,
                "updated_seq": seq,
            }
        )

    save("a", 1)
    save("b", 2)
    assert store.stale_timelines() == ["a", "b"]
    store.save_timeline("b", [])
    store.advance_mark("timelines")  # "a" has none yet: the mark stays below it
    assert store.stale_timelines() == ["a"]
    store.save_timeline("a", [])
    store.advance_mark("timelines")
    save("c", 3)
    save("a", 4)
    assert store.stale_timelines() == ["a", "c"]
    store.clear_stories()
    save("d", 1)  # sequences restart after a recluster
    assert store.stale_timelines() == ["d"]


# --- concurrent writers (issue 15, item 2) -------------------------------------------------------------


def _texts(folder: Path, topic: str, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"{topic}{n}.txt").write_text(
            f"{topic.title()} story {n}\n\n1 October 2025\n\nThe {topic} of town {n} said on Monday that it will"
            f" open a new site with {n + 2} hundred places next year.\n",
            encoding="utf-8",
        )
    return folder


def test_two_ingests_into_one_new_store_both_finish(tmp_path: Path) -> None:
    """Run at the same moment on a store neither has created: both wait their turn, none dies 'database is locked'
    or finds the other's half-made schema; every article of both is stored once."""
    import subprocess

    from tests.conftest import STORYLINE_BIN

    a, b = _texts(tmp_path / "a", "harbour", 12), _texts(tmp_path / "b", "bakery", 12)
    for attempt in range(4):
        db = tmp_path / f"s{attempt}.db"
        runs = [
            subprocess.Popen(
                [str(STORYLINE_BIN), "--db", str(db), "ingest", str(folder), "--no-stories"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for folder in (a, b)
        ]
        results = [(run.wait(timeout=120), run.stderr.read().decode()) for run in runs]  # type: ignore[union-attr]
        assert [code for code, _ in results] == [0, 0], results
        assert open_store(db).count_articles() == 24


def test_a_writer_waits_for_another_then_says_in_one_line_when_it_cannot(tmp_path: Path, monkeypatch) -> None:
    import threading
    import time

    import storyline.store.sqlite as sqlite_store
    from storyline.store.sqlite import StoreError

    db = tmp_path / "busy.db"
    store = open_store(db)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    threading.Timer(1.0, lambda: holder.execute("COMMIT")).start()
    started = time.monotonic()
    with store.transaction():  # waits for the other writer, then writes
        store.record_error(IngestError("x.txt", "read", "test"))
    assert time.monotonic() - started >= 0.9
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.5)
    slow = open_store(db)  # a store opened while the other writes, that gives up after half a second
    try:
        with slow.transaction():
            pass
        raise AssertionError("the transaction should not have begun")
    except StoreError as exc:
        assert "busy" in str(exc) and "another process" in str(exc)
    finally:
        holder.execute("COMMIT")
