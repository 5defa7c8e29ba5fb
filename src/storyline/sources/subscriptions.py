"""Feeds to follow: an address given by hand, or a subscription list (OPML, as feed readers export them).

Only http(s) addresses of a host are taken; everything else is reported with its reason, never followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import listparser

from storyline.errors import ConfigurationError


def feed_address(url: str) -> str:
    """A feed address as the store keeps it (scheme and host in lower case, no fragment), or ConfigurationError.

    >>> feed_address("HTTPS://News.Example.org/feed.xml#top")
    'https://news.example.org/feed.xml'
    >>> feed_address("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    storyline.errors.ConfigurationError: not an http(s) feed address: 'file:///etc/passwd'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url.strip()):
        raise ConfigurationError(f"not an http(s) feed address: {url.strip()[:200]!r}")
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()  # never keep credentials typed into an address
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


@dataclass
class Subscriptions:
    feeds: list[tuple[str, str | None]] = field(default_factory=list)  # (address, title), each address once
    skipped: list[str] = field(default_factory=list)  # what could not be taken, and why


def read_subscriptions(data: bytes, origin: str) -> Subscriptions:
    """The feeds of an OPML subscription list (outlines nested in folders too).

    Raises ConfigurationError when the file holds no feed at all (not OPML, or empty)."""
    parsed = listparser.parse(data)
    found = Subscriptions()
    seen: set[str] = set()
    for feed in parsed.feeds:
        try:
            address = feed_address(feed.url or "")
        except ConfigurationError as exc:
            found.skipped.append(f"{feed.title or feed.url!s}: {exc}")
            continue
        if address not in seen:
            seen.add(address)
            found.feeds.append((address, (feed.title or "").strip() or None))
    if not found.feeds and not found.skipped:
        reason = f": {parsed.bozo_exception}" if parsed.get("bozo") else ""
        raise ConfigurationError(f"{origin} holds no feed (an OPML file of subscriptions is expected){reason}")
    return found
