"""Pages and feeds fetched over HTTP, politely and safely: `storyline ingest URL`, and what a watcher polls.

Polite: robots.txt is honoured (a site whose robots.txt fails with 5xx is left alone, as RFC 9309 says), one
request at a time per host with a delay between them, retries with backoff that follow `Retry-After`.
Safe: only http(s); addresses that resolve to private, loopback, link-local, multicast or reserved networks
are refused (`allow_loopback` lets tests reach 127.0.0.1, nothing else), and the request goes to the address
that was checked, never to a second lookup's (DNS rebinding); every hop of a redirect is checked again, and
there are at most `max_redirects`; a body larger than `max_bytes` is cut off, not read.
Every failure is an IngestError with its reason, never an exception.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import urllib.robotparser
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from storyline.defaults import DEFAULT_MAX_DOCUMENT_BYTES
from storyline.model import IngestError, RawDocument
from storyline.sources.feeds import read_feed
from storyline.sources.files import Upload, read_upload

USER_AGENT = "storyline/0.1 (news story tracker; +https://github.com/storyline)"
_RETRY_STATUSES = {429, 500, 502, 503, 504}
DOWN_FOR = 120.0  # seconds a host that could not be reached is skipped
ROBOTS_TTL = 86400.0  # seconds a site's robots.txt is kept (RFC 9309 asks for no more than a day)


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 20.0  # seconds, for connecting and between bytes
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_redirects: int = 5
    retries: int = 2  # after the first try
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest Retry-After followed; a longer one gives up
    host_delay: float = 1.0  # seconds between two requests to one host
    allow_loopback: bool = False
    user_agent: str = USER_AGENT


class _Refused(Exception):
    """A request that must not or cannot be made: its reason, and how long the server asked to wait (Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Fetcher:
    """One client for many fetches: connections, robots.txt files and per-host timing are kept between them."""

    def __init__(self, policy: FetchPolicy = FetchPolicy()) -> None:
        self.policy = policy
        self._client = httpx.Client(
            follow_redirects=False, timeout=policy.timeout, headers={"User-Agent": policy.user_agent}
        )
        # Per site: its rules (None: the site refuses all) and when they were read; read again after a day.
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, float]] = {}
        self._last: dict[str, float] = {}
        self._down: dict[str, float] = {}  # hosts that refused or timed out a connection, and when

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def documents(self, url: str) -> Iterator[RawDocument | IngestError]:
        """The documents at `url`: a page, or the entries of a feed; an IngestError for what failed."""
        try:
            final, _, headers, body = self._get(url, robots=True)
        except _Refused as exc:
            yield IngestError(url, "source", str(exc))
            return
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith(("text/html", "application/xhtml")):
            declared = content_type.partition("charset=")[2].split(";")[0].strip("\"' ") or None
            yield RawDocument(url, body, "text/html", url=final, charset=declared)
            return
        yield from self._as_file(url, final, body)  # a feed, JSON lines, plain text

    def feed(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FeedPoll:
        """A conditional request for a feed: its entries, or `not_modified`, or the error; with its validators."""
        validators = {"If-None-Match": etag, "If-Modified-Since": last_modified}
        try:
            _, status, headers, body = self._get(url, True, {k: v for k, v in validators.items() if v})
        except _Refused as exc:
            return FeedPoll(error=str(exc), retry_after=exc.retry_after)
        found = FeedPoll(etag=headers.get("etag"), last_modified=headers.get("last-modified"))
        found.max_age = _max_age(headers.get("cache-control"))
        if status == 304:
            found.not_modified = True
            return found
        # Read as a feed whatever its content type says (feeds are often served as text/html or text/plain);
        # what feedparser cannot read at all (an error page, a sign-in wall) is a failed poll, not a document.
        found.entries = list(read_feed(body, url))
        unreadable = [e for e in found.entries if isinstance(e, IngestError) and e.reason.startswith("not a readable")]
        if unreadable and len(unreadable) == len(found.entries):
            return FeedPoll(error=f"{url}: {unreadable[0].reason}")
        found.entries = [e for e in found.entries if isinstance(e, RawDocument) or e.reason != "feed has no entries"]
        ttl = re.search(rb"<ttl>\s*(\d{1,6})\s*</ttl>", body[:65536])  # RSS: minutes it may be cached
        found.ttl = float(ttl.group(1)) * 60 if ttl else None
        return found

    def _as_file(self, url: str, final: str, body: bytes) -> Iterator[RawDocument | IngestError]:
        """A body read as a file of its address's name would be: the sources stage tells its shape."""
        name = urlsplit(final).path.rsplit("/", 1)[-1]
        return read_upload(Upload(body, url, name), self.policy.max_bytes)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        """POST one body (a webhook's alert), once: None when the server took it (2xx), else why not. Redirects are
        not followed (a webhook address is given exactly); retrying is the caller's, which keeps its schedule."""
        try:
            target, pinned = _pinned(url, self._check_address(url))
            self._pace(url)
            response = self._client.post(target, content=body, headers=headers | pinned.headers, extensions=pinned.tls)
        except _Refused as exc:
            return str(exc)
        except httpx.HTTPError as exc:
            return f"cannot post to {url}: {type(exc).__name__} {exc}".strip()
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code} from {url}"

    def _get(
        self, url: str, robots: bool, headers: dict[str, str] | None = None
    ) -> tuple[str, int, httpx.Headers, bytes]:
        current = url
        for _ in range(self.policy.max_redirects + 1):
            address = self._check_address(current)
            if robots and not self._allowed(current):
                raise _Refused(f"robots.txt of {urlsplit(current).netloc} disallows {current}")
            response_url, status, answer, body = self._request(current, address, headers or {})
            if status in (301, 302, 303, 307, 308) and answer.get("location"):
                current = urljoin(response_url, answer["location"])
                continue
            if status >= 400:
                raise _Refused(f"HTTP {status} from {current}", _retry_after(answer.get("retry-after")))
            return current, status, answer, body
        raise _Refused(f"more than {self.policy.max_redirects} redirects from {url}")

    def _request(self, url: str, address: str, headers: dict[str, str]) -> tuple[str, int, httpx.Headers, bytes]:
        """GET `url` from the `address` checked for it (a second lookup could give another: DNS rebinding)."""
        target, pinned = _pinned(url, address)
        wait = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            self._pace(url)
            try:
                with self._client.stream(
                    "GET", target, headers=headers | pinned.headers, extensions=pinned.tls
                ) as response:
                    if response.status_code in _RETRY_STATUSES and attempt < self.policy.retries:
                        delay = _retry_after(response.headers.get("retry-after"))
                        if delay is not None and delay > self.policy.max_wait:
                            raise _Refused(f"HTTP {response.status_code} from {url}, retry after {delay:.0f} s", delay)
                        time.sleep(delay if delay is not None else wait)
                        wait *= 2
                        continue
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > self.policy.max_bytes:
                            raise _Refused(
                                f"{url} is larger than the {self.policy.max_bytes / 1e6:.0f} MB document limit"
                            )
                    return url, response.status_code, response.headers, bytes(body)
            except httpx.HTTPError as exc:
                if attempt == self.policy.retries:
                    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                        self._down[urlsplit(url).netloc] = time.monotonic()
                    raise _Refused(f"cannot fetch {url}: {type(exc).__name__} {exc}".strip()) from exc
                time.sleep(wait)
                wait *= 2
        raise _Refused(f"cannot fetch {url}: still failing after {self.policy.retries} retries")

    def _pace(self, url: str) -> None:
        host = urlsplit(url).netloc
        if time.monotonic() - self._down.get(host, float("-inf")) < DOWN_FOR:
            # A host that could not be reached is not tried again at once: its other feeds fail fast.
            raise _Refused(f"{host} could not be reached in the last {DOWN_FOR:.0f} s: not tried again yet")
        since = time.monotonic() - self._last.get(host, float("-inf"))
        if since < self.policy.host_delay:
            time.sleep(self.policy.host_delay - since)
        self._last[host] = time.monotonic()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        if site not in self._robots or time.monotonic() - self._robots[site][1] > ROBOTS_TTL:
            self._robots[site] = (self._read_robots(site), time.monotonic())
        rules = self._robots[site][0]
        return rules is not None and rules.can_fetch(self.policy.user_agent, url)

    def _read_robots(self, site: str) -> urllib.robotparser.RobotFileParser | None:
        rules = urllib.robotparser.RobotFileParser()
        try:
            _, _, _, body = self._get(f"{site}/robots.txt", robots=False)
        except _Refused as exc:
            if str(exc).startswith("HTTP 5"):
                return None  # the site is failing: fetch nothing from it (RFC 9309)
            rules.parse([])  # none, or unreachable for another reason: everything allowed
            return rules
        rules.parse(body.decode("utf-8", errors="replace").splitlines())
        return rules

    def _check_address(self, url: str) -> str:
        """The address to connect to for `url`, once every address its host resolves to has been checked."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Refused(f"not an http(s) address: {url[:200]}")
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        except (socket.gaierror, UnicodeError) as exc:
            raise _Refused(f"cannot resolve {parts.hostname}: {exc}") from exc
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if address.is_loopback and self.policy.allow_loopback:
                continue
            if not address.is_global or address.is_multicast:
                raise _Refused(f"{parts.hostname} is a private, loopback or reserved address ({address}): refused")
        if not infos:
            raise _Refused(f"cannot resolve {parts.hostname}: no address")
        return str(infos[0][4][0]).split("%")[0]


@dataclass(frozen=True)
class _Pin:
    headers: dict[str, str]  # the Host the address is asked for
    tls: dict[str, str]  # the name TLS checks the certificate against (and sends as SNI)


def _pinned(url: str, address: str) -> tuple[str, _Pin]:
    """`url` with its host replaced by the checked `address`, and what keeps the request meant for the host.

    >>> _pinned("https://news.example:8443/a?b=1", "203.0.113.5")
    ('https://203.0.113.5:8443/a?b=1', _Pin(headers={'Host': 'news.example:8443'}, tls={'sni_hostname': 'news.example'}))
    """
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = host + (f":{parts.port}" if parts.port else "")
    tls = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
    return urlunsplit(parts._replace(netloc=netloc)), _Pin({"Host": parts.netloc.rpartition("@")[2]}, tls)


@dataclass
class FeedPoll:
    """What one poll of a feed gave."""

    entries: list[RawDocument | IngestError] = field(default_factory=list)
    not_modified: bool = False  # 304: nothing new since the validators
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None  # seconds the server says the feed stays fresh (Cache-Control)
    ttl: float | None = None  # seconds the feed itself says it may be cached (RSS <ttl>)
    retry_after: float | None = None  # seconds a failing server asked to be left alone


def _max_age(value: str | None) -> float | None:
    for part in (value or "").split(","):
        name, _, number = part.strip().partition("=")
        if name.lower() in ("max-age", "s-maxage") and number.strip().isdigit():
            return float(number.strip())
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def is_web_address(value: str) -> bool:
    """Whether an ingest argument is an address to fetch rather than a path."""
    return value.lower().startswith(("http://", "https://"))
