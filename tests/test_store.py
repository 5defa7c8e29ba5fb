"""What only the SQLite backend does: its file, migrations, and writers of several processes taking turns.

The behaviour every backend shares is tested in test_store_contract.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storyline import IngestError, article_id, open_store
from storyline.store.migrations import migrations, numbers_agree


def test_new_store_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    latest = max(n for n, _ in migrations("sqlite"))
    assert store.schema_version == latest
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"articles", "article_sources", "errors", "articles_fts"} <= {
        r[0] for r in db.execute("SELECT name FROM sqlite_master")
    }
    store.close()
    assert open_store(tmp_path / "s.db").schema_version == latest  # reopening keeps the schema


def test_both_backends_number_their_migrations_alike() -> None:
    assert numbers_agree()


def test_identity_ignores_case_punctuation_and_spacing() -> None:
    assert article_id("Hello,  World! " * 20) == article_id("hello world " * 20)
    assert article_id("Short text.", "https://a.example/1") != article_id("Short text.", "https://b.example/2")
    long_text = "word " * 50
    assert article_id(long_text, "https://a.example/1") == article_id(long_text, "https://b.example/2")


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
    from storyline.errors import StoreError

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
