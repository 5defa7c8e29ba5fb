"""RSS and Atom feed files: each entry is one document, its content the entry's HTML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import feedparser

from storyline.model import IngestError, RawDocument


def _entry_html(entry: Any) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    return best if len(best) >= len(summary) else summary


def read_feed(data: bytes, origin: str) -> Iterator[RawDocument | IngestError]:
    """Entries of an RSS/Atom feed, with the metadata the feed states as hints."""
    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = (
            f"not a readable RSS/Atom feed: {parsed.get('bozo_exception')}" if parsed.bozo else "feed has no entries"
        )
        yield IngestError(origin, "source", reason)
        return
    feed_title = parsed.feed.get("title")
    for index, entry in enumerate(parsed.entries):
        html = _entry_html(entry)
        locator = f"entry {index + 1}"
        if not html.strip() and not entry.get("link"):
            yield IngestError(origin, "source", "feed entry has no content, summary or link", locator)
            continue
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        yield RawDocument(
            origin,
            # A link alone is no text, but a watcher reads the page it links to.
            f"<html><body><article>{html}</article></body></html>" if html.strip() else "",
            "text/html",
            url=entry.get("link"),
            locator=locator,
            hints={
                "title": entry.get("title"),
                "published": entry.get("published") or entry.get("updated"),
                "updated": dict.get(entry, "updated"),  # when the feed says the item changed (no fallback)
                "authors": authors,
                "sitename": feed_title,
            },
        )
