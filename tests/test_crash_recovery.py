"""Kill `storyline ingest` at random moments, re-run it, and get exactly what an uninterrupted run gets.

Ingest commits in groups; article ids are content hashes and error rows are keyed by
(origin, locator, stage), so a re-run after SIGKILL must converge to the same store.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from tests.conftest import STORYLINE_BIN, article_body, html_page, jsonl_line, run_bin, text_dump

pytestmark = pytest.mark.slow  # every test here drives full subprocess runs

LANGS = ("it", "en", "de")
DATELINES = {
    "it": "{d:02d}-03-2025 10:{m:02d} - Fonte: www.notizie{n}.it",
    "en": "Source: news{n}.example.com — Nov {d}, 2025 4:{m:02d} PM",
    "de": "{d:02d}.03.2025, 10:{m:02d} Uhr - Quelle: www.nachrichten{n}.de",
}


# One claim per pasted page, so that claims and timelines are part of what must survive a kill.
COMPANIES = ("Brenta AG", "Valsugana GmbH", "Kelvion AG", "Norda GmbH", "Tessari AG")
EVENTS = {
    "it": "Secondo indiscrezioni, la {a} avrebbe acquisito la {b} lunedì.",
    "en": "The {a} announced on Monday a partnership with the {b}.",
    "de": "Die {a} hat angeblich die Übernahme der {b} beschlossen.",
}


def build_corpus(root: Path) -> dict[str, int]:
    """~300 documents in every shape: .txt, .html, .html.gz, one 50-line .jsonl, one .json array,
    duplicate texts under other names, and a few bad files. Returns counts for sanity checks."""
    root.mkdir()
    counts = {"txt": 0, "html": 0, "jsonl": 0, "json": 0, "dups": 0, "bad": 0}
    seed = 0
    for i in range(140):
        seed += 1
        lang = LANGS[i % 3]
        folder = root / f"pasted{i % 4}"
        folder.mkdir(exist_ok=True)
        dateline = DATELINES[lang].format(d=1 + i % 27, m=i % 60, n=i % 7)
        body = [*article_body(seed, lang), EVENTS[lang].format(a=COMPANIES[seed % 5], b=COMPANIES[(seed + 2) % 5])]
        (folder / f"page_{i:03d}.txt").write_text(
            text_dump(f"Titolo del pezzo {seed} sul tema {lang}", dateline, body), encoding="utf-8"
        )
        counts["txt"] += 1
    for i in range(90):
        seed += 1
        lang = LANGS[i % 3]
        page = html_page(
            f"Headline number {seed} about {lang}",
            article_body(seed, lang, 4),
            published=f"2025-0{1 + i % 9}-1{i % 10}T08:{i % 60:02d}:00+01:00",
            url=f"https://site{i % 5}.example.org/story/{seed}",
        )
        folder = root / "web"
        folder.mkdir(exist_ok=True)
        if i % 6 == 0:
            (folder / f"page_{i:03d}.html.gz").write_bytes(gzip.compress(page.encode("utf-8")))
        else:
            (folder / f"page_{i:03d}.html").write_text(page, encoding="utf-8")
        counts["html"] += 1
    lines = []
    for i in range(50):
        seed += 1
        lang = LANGS[i % 3]
        lines.append(
            jsonl_line(
                url=f"https://feed.example.net/{seed}",
                title=f"Feed item {seed}",
                text="\n\n".join(article_body(seed, lang)),
                published=f"2024-12-{1 + i % 28:02d}",
                lang=lang,
            )
        )
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts["jsonl"] += 50
    items = []
    for _ in range(8):
        seed += 1
        items.append(
            {
                "url": f"https://json.example.net/{seed}",
                "title": f"Json item {seed}",
                "text": "\n\n".join(article_body(seed, "en")),
            }
        )
    (root / "items.json").write_text(json.dumps(items), encoding="utf-8")
    counts["json"] += 8
    # The same texts again under other file names (and one as HTML from another site).
    dups = root / "zz_copies"
    dups.mkdir()
    for i in (0, 7, 33, 101):
        src = root / f"pasted{i % 4}" / f"page_{i:03d}.txt"
        (dups / f"copy_of_{i:03d}.txt").write_bytes(src.read_bytes())
        counts["dups"] += 1
    # Bad files.
    (root / "empty.txt").write_text("")
    (root / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(512))
    (root / "script_only.html").write_text("<html><body><script>var a = 1;</script></body></html>")
    (root / "broken.jsonl").write_text('{"text": "a fine line with enough text"}\n{oops\n[1, 2]\n', encoding="utf-8")
    counts["bad"] += 4
    return counts


def schema_created(db_path: Path) -> bool:
    """Whether the store's tables exist; a file without any must be an intact empty database."""
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    assert not tables or "articles" in tables, f"a partial schema: {sorted(tables)}"
    return bool(tables)


def snapshot(db_path: Path) -> dict[str, object]:
    """What must be identical between an interrupted-and-rerun store and an uninterrupted one."""
    con = sqlite3.connect(db_path)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        articles = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT id, title, text, lang, published, published_precision, timezone_known, source, url, origin"
                " FROM articles"
            )
        }
        sources = set(con.execute("SELECT article_id, origin_key FROM article_sources"))
        errors = set(con.execute("SELECT origin, locator, stage, severity, reason FROM errors"))
        fts_count = con.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0]
        # Stories too: assignment resumed after a kill must reach the same grouping.
        analysed = con.execute("SELECT COUNT(*) FROM article_analysis").fetchone()[0]
        groups = {
            frozenset(json.loads(ids))
            for (ids,) in con.execute("SELECT json_group_array(article_id) FROM story_members GROUP BY story_id")
        }
        # Claims and timelines as well: none lost, none doubled, none stale.
        claims = sorted(
            con.execute("SELECT article_id, position, type, status, participants, event_date, evidence FROM claims")
        )
        timelines = dict(con.execute("SELECT story_id, timeline FROM story_timelines"))
        stories = {r[0] for r in con.execute("SELECT id FROM stories")}
    finally:
        con.close()
    return {
        "integrity": integrity,
        "articles": articles,
        "sources": sources,
        "errors": errors,
        "fts": fts_count,
        "analysed": analysed,
        "story_groups": groups,
        "claims": claims,
        "timelines": timelines,
        "every_story_has_a_timeline": stories == set(timelines),
    }


def start_ingest(db: Path, corpus: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("STORYLINE_DB", None)
    return subprocess.Popen(
        [str(STORYLINE_BIN), "--db", str(db), "ingest", str(corpus), "--workers", "2", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group, so the pool workers die with it
    )


def kill_group(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the ingest and its workers; True when it was still running."""
    running = proc.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return running


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "corpus"
    counts = build_corpus(root)
    assert counts["txt"] + counts["html"] + counts["jsonl"] + counts["json"] >= 280
    return root


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], float]:
    """An uninterrupted run, and how long it took (to place the kills mid-run)."""
    db = tmp_path_factory.mktemp("ref") / "reference.db"
    started = time.monotonic()
    done = run_bin("--db", str(db), "ingest", str(corpus), "--workers", "2", "--json", timeout=300)
    elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stderr.decode()  # the bad files make it exit 1
    snap = snapshot(db)
    assert snap["integrity"] == [("ok",)]
    return snap, elapsed


def test_reference_run_stores_corpus(reference: tuple[dict[str, object], float]) -> None:
    snap, _ = reference
    articles = snap["articles"]
    assert isinstance(articles, dict)
    # 140 txt + 90 html + 50 jsonl + 8 json + 1 good line in broken.jsonl, the 4 copies adding no article.
    assert len(articles) == 289
    # Each copy adds a source row to an existing article.
    assert len(snap["sources"]) == 289 + 4
    errors = snap["errors"]
    assert {(e[0].rsplit("/", 1)[-1], e[1]) for e in errors if e[3] == "error"} == {
        ("empty.txt", ""),
        ("image.html", ""),
        ("script_only.html", ""),
        ("broken.jsonl", "line 2"),
        ("broken.jsonl", "line 3"),
    }
    assert snap["fts"] == len(articles)
    assert len(snap["claims"]) >= 100 and snap["every_story_has_a_timeline"]


def test_sigkill_then_rerun_matches_uninterrupted_run(
    corpus: Path, reference: tuple[dict[str, object], float], tmp_path: Path
) -> None:
    expected, elapsed = reference
    db = tmp_path / "crashed.db"
    # Kill during start-up and the first group, then at growing fractions of a full run, so
    # that later kills land after some groups were committed (each re-run starts over).
    delays = [0.3, 0.8, 1.5, elapsed * 0.6, elapsed * 0.8, elapsed * 0.95]
    killed_mid_run = 0
    stored_at_kill = []
    for delay in delays:
        proc = start_ingest(db, corpus)
        time.sleep(delay)
        killed_mid_run += kill_group(proc)
        # Whatever was committed before the kill is a valid database: empty when killed before the schema was
        # created (all migrations are one transaction), else a store.
        if db.exists() and schema_created(db):
            partial = snapshot(db)
            assert partial["integrity"] == [("ok",)]
            stored_at_kill.append(len(partial["articles"]))  # type: ignore[arg-type]
        elif db.exists():
            stored_at_kill.append(0)
    print(f"full run {elapsed:.1f}s; articles stored at each kill: {stored_at_kill}")
    final = run_bin("--db", str(db), "ingest", str(corpus), "--workers", "2", "--json", timeout=300)
    assert final.returncode == 1, final.stderr.decode()
    got = snapshot(db)
    assert got["integrity"] == [("ok",)]
    assert set(got["articles"]) == set(expected["articles"])  # type: ignore[arg-type]
    assert got["articles"] == expected["articles"]
    assert got["sources"] == expected["sources"]
    assert got["errors"] == expected["errors"]
    assert got["fts"] == expected["fts"]
    assert killed_mid_run >= 1, f"every run finished before its kill (run takes {elapsed:.1f}s)"


def test_rerun_after_complete_run_changes_nothing(
    corpus: Path, reference: tuple[dict[str, object], float], tmp_path: Path
) -> None:
    expected, _ = reference
    db = tmp_path / "twice.db"
    for _ in range(2):
        run_bin("--db", str(db), "ingest", str(corpus), "--workers", "2", timeout=120)
    assert snapshot(db) == expected
