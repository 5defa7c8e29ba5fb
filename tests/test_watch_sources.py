"""The feeds a store follows (`storyline sources`): added by hand or from an OPML subscription list, listed
with their health, removed; bad addresses and bad lists are usage errors that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke, invoke_json

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Feeds of a desk</title></head>
  <body>
    <outline text="Tech">
      <outline text="Rivista Foto" type="rss" xmlUrl="https://rivista.example/feed.xml" htmlUrl="https://rivista.example/"/>
      <outline text="Kamera Blog" type="rss" xmlUrl="HTTPS://Kamera.Example/rss#latest"/>
    </outline>
    <outline text="Local file" type="rss" xmlUrl="file:///etc/passwd"/>
    <outline text="Rivista Foto again" type="rss" xmlUrl="https://rivista.example/feed.xml"/>
  </body>
</opml>
"""


def test_import_follows_every_feed_once_and_says_what_it_skipped(tmp_path: Path) -> None:
    db, opml = tmp_path / "s.db", tmp_path / "desk.opml"
    opml.write_bytes(OPML)
    result = invoke(db, "sources", "import", str(opml), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["feeds"], summary["added"]) == (2, 2)
    assert len(summary["skipped"]) == 1 and "file:///etc/passwd" in summary["skipped"][0]
    listed = invoke_json(db, "sources", "list")
    assert [(f["url"], f["title"]) for f in listed] == [
        ("https://kamera.example/rss", "Kamera Blog"),
        ("https://rivista.example/feed.xml", "Rivista Foto"),
    ]
    assert all(f["last_success"] is None and f["items_seen"] == 0 for f in listed)
    again = json.loads(invoke(db, "sources", "import", str(opml), "--json").stdout)
    assert again["added"] == 0 and len(invoke_json(db, "sources", "list")) == 2  # a re-import adds nothing


def test_add_list_and_remove_by_hand(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert invoke(db, "sources", "add", "https://news.example.org/feed.xml", "--title", "News").exit_code == 0
    again = invoke(db, "sources", "add", "https://NEWS.example.org/feed.xml")
    assert again.exit_code == 0 and "already following" in again.stdout
    assert [f["title"] for f in invoke_json(db, "sources", "list")] == ["News"]
    table = invoke(db, "sources", "list")
    assert "https://news.example.org/feed.xml" in table.stdout and "never" in table.stdout
    assert invoke(db, "sources", "remove", "https://news.example.org/feed.xml").exit_code == 0
    assert invoke_json(db, "sources", "list") == []
    assert invoke(db, "sources", "remove", "https://news.example.org/feed.xml").exit_code == 4


def test_bad_addresses_and_lists_are_usage_errors_that_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for bad in ("ftp://news.example.org/feed", "news.example.org/feed", "javascript:alert(1)", "http:///x"):
        result = invoke(db, "sources", "add", bad)
        assert result.exit_code == 2 and "not an http(s) feed address" in result.stderr, (bad, result.output)
    not_opml = tmp_path / "notes.txt"
    not_opml.write_text("just some notes, no feeds here\n", encoding="utf-8")
    empty = tmp_path / "empty.opml"
    empty.write_bytes(b'<?xml version="1.0"?><opml version="2.0"><body></body></opml>')
    broken = tmp_path / "broken.opml"
    broken.write_bytes(OPML[: len(OPML) // 2])
    for path in (not_opml, empty, tmp_path / "missing.opml"):
        result = invoke(db, "sources", "import", str(path))
        assert result.exit_code == 2 and "Traceback" not in result.output, (path, result.output)
    # A list cut in half still gives the feeds before the cut.
    assert invoke(db, "sources", "import", str(broken)).exit_code == 0
    assert [f["url"] for f in invoke_json(db, "sources", "list")] == ["https://rivista.example/feed.xml"]
