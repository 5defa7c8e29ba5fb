"""`storyline watch` throughput: new items per hour sustained against a local server of many feeds (issue 17, item 6).

    .venv/bin/python benchmarks/watch.py                 # 500 feeds on 50 loopback hosts (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/watch.py --quick         # 50 feeds on 10 hosts, 20 items a round: about 2 minutes
    .venv/bin/python benchmarks/watch.py --feeds 200 --rounds 5 --items-per-round 150 --json watch.json

*The server.* A local HTTP/1.1 server (keep-alive, headers and body in one write; one ThreadingHTTPServer per
loopback address 127.0.0.1 … 127.0.0.H, all on one port) runs in a separate process by default (``--server
thread`` runs it in threads of the watcher's process instead), so that its CPU does not count against the
watcher's: the server's own CPU time per round is measured and printed beside the watcher's. Where the machine
has more cores than ``--cores`` (2), the watcher is pinned to the first ones and the server to the rest; on a
2-core machine they share them. Feed f is ``http://127.0.0.(f mod H + 1):PORT/feeds/f.xml``, an RSS 2.0 feed of
its 10 newest items (title, link, guid, pubDate, description) with an ETag and ``Cache-Control: max-age=300``,
answering 304 to a matching If-None-Match; each item links to an HTML article page on the feed's host (title,
byline with a ``<time>``, ``article:published_time``, paragraphs, navigation, aside and footer) built at run time
from a news text of the similarity set (``bench_dir()/similarity/semeval2022-task8/dev.jsonl``, ten languages;
no text twice while there are enough); every host serves a robots.txt that allows everything.

*Watching.* The watcher is ``storyline.pipeline.watch.poll_due_feeds`` on a fresh SQLite store following every
feed, with ``Settings(allow_loopback=True, host_delay=…)`` and everything else default (the built-in embedder and
claim extractor, the second opinion). A simulated clock (``now=``) makes every feed due in every round: rounds are
10 simulated minutes apart (the server's max-age asks for 5). The rounds, in order:

* *warm-up*: every feed's first poll (``--initial-items`` items each) at host_delay 0, after loading the models;
  reported apart, not in the rates;
* *new items*: ``--rounds`` rounds at host_delay 0 (no pacing: what the CPU allows); before each, the server
  publishes ``--items-per-round`` new items over randomly drawn feeds; those feeds answer 200 (their new items'
  pages are fetched and ingested, and the stories updated once at the end of the round), the others 304;
* *new items, paced*: ``--paced-rounds`` more such rounds at ``--host-delay`` (default ``Settings().host_delay``,
  the watcher's default);
* *nothing new*: nothing published and no page due: every feed answers 304 (the cost of polling alone);
* *re-reads*: an hour after the last round, when every page read so far is due for its first correction check
  (``watch._check``), nothing new published.

Items per hour = new items of a kind's rounds / their wall time x 3600. These news rounds have no correction
checks due (they come within the hour after the warm-up), but a watcher that has run for days reads each item's
page again K times (K = 8 with watch's checks at 1, 2, 4, 8, 16, 28, 40 and 52 hours, counted from
``watch._check``). The *steady state* rows add to the measured news round the K x items re-reads it would then
bring, at the re-read cost measured at host_delay 0 ((re-read round − nothing-new round) / re-reads) plus, when
paced, the pacing per page fetch measured in the paced round.

*What limits it.* Storyline's functions are timed from outside by wrapping them in this process (no product code
changes), each part's time *exclusive* of the parts it calls: feed polls (``Fetcher.feed``: HTTP and feed parsing,
304s included), robots.txt (``Fetcher._read_robots``; a new Fetcher, so a new robots.txt per host, each round),
pacing sleeps (``Fetcher._pace``, told apart by what they pace: feed polls, robots.txt, pages), page fetches of
new items and of re-reads (``watch._item_page``), extraction and language (``ingest.process_document``), ingest's
store writes (the rest of ``ingest``), and, in ``update_stories``: analysis (embedding, MinHash, entities),
claims, loading the story index, the second opinion (multilingual-e5-small's ``embed``; the texts it embedded are
counted), assignment (the rest), timelines. *Watch bookkeeping* is the rest of ``poll_due_feeds`` (the feed list,
known and due items, poll records). The watcher's CPU time over wall time (all its threads: above 1 means
threads ran in parallel) tells waiting from computing; the load average before and after is printed, since other
work on the machine shows in the CPU-bound figures.

Reference in the same run: the pages of the host_delay 0 rounds fetched with one ``httpx.Client`` (``.get``,
connections kept like the watcher's) and read with plain ``trafilatura.extract(with_metadata=True)``, one
process, no store, no feeds.
"""

from __future__ import annotations

import argparse
import functools
import html
import importlib
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import trafilatura

from storyline import open_store
from storyline.enrich.embed import get_embedder
from storyline.eval.datasets import bench_dir
from storyline.settings import Settings
from storyline.sources.web import Fetcher
from storyline.stories.similarity import default_model

# The modules whose functions are timed (`storyline.pipeline` exports a function named `ingest`, so by import_module).
assign = importlib.import_module("storyline.pipeline.assign")
ingest_module = importlib.import_module("storyline.pipeline.ingest")
watch = importlib.import_module("storyline.pipeline.watch")

BASE = datetime(2025, 10, 6, 6, 0, tzinfo=UTC)  # the simulated clock of round 0
ROUND_GAP = timedelta(minutes=10)  # simulated time between two rounds (the server's max-age asks for 5 minutes)
FEED_ITEMS = 10  # a feed shows its newest items
MAX_AGE = 300

# The parts of a round, in the order printed (exclusive times); "watch bookkeeping" is what is left.
PARTS = (
    "feed polls (HTTP + parse, 304s)",
    "robots.txt",
    "pacing: feed polls",
    "pacing: robots.txt",
    "page fetches: new items",
    "page fetches: re-reads",
    "pacing: page fetches",
    "extraction + language",
    "ingest: store writes",
    "analysis (embed, MinHash, entities)",
    "claims",
    "story index load",
    "second opinion (e5)",
    "assignment",
    "timelines",
    "watch bookkeeping",
)


# --- the news: texts, pages, feeds, and when each item is published ----------------------------------------------


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]
    lang: str


def news_texts() -> list[Text]:
    """The distinct news texts of the similarity set (200 characters or more), each as a title and paragraphs."""
    source = bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl"
    texts: list[Text] = []
    seen: set[str] = set()
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for text, lang in ((record["text1"], record["lang1"]), (record["text2"], record["lang2"])):
                text = " ".join(text.split())
                if len(text) < 200 or text[:200] in seen:
                    continue
                seen.add(text[:200])
                sentences = [s for s in re.split(r"(?<=[.!?。！？])\s*", text) if s.strip()]
                title = sentences[0][:150].rstrip(".。 ")
                body = sentences[1:] or [text]
                paragraphs = tuple(" ".join(body[i : i + 4]) for i in range(0, len(body), 4))
                texts.append(Text(title, paragraphs, lang))
    return texts


@dataclass(frozen=True)
class Item:
    id: int
    feed: int
    round: int  # published just before this round's poll
    published: datetime
    text: int  # index into the texts


@dataclass
class Schedule:
    """Every item of the run, decided before it starts (the server process gets a copy): feeds and hosts too."""

    feeds: int
    hosts: int
    items: list[Item] = field(default_factory=list)
    by_feed: list[list[Item]] = field(default_factory=list)

    def host(self, feed: int) -> str:
        return f"127.0.0.{feed % self.hosts + 1}"

    def feed_path(self, feed: int) -> str:
        return f"/feeds/{feed:04d}.xml"

    def page_path(self, item: Item) -> str:
        return f"/{item.published:%Y/%m/%d}/story-{item.id}.html"

    def round_items(self, round_: int) -> list[Item]:
        return [item for item in self.items if item.round == round_]


def make_schedule(feeds: int, hosts: int, initial: int, rounds: int, per_round: int, texts: int) -> Schedule:
    """`initial` items in every feed before round 0, then `per_round` items over random feeds before each round."""
    rng = random.Random(17)
    schedule = Schedule(feeds, hosts, by_feed=[[] for _ in range(feeds)])
    order = list(range(texts))
    rng.shuffle(order)

    def publish(feed: int, round_: int, when: datetime) -> None:
        item = Item(len(schedule.items), feed, round_, when, order[len(schedule.items) % texts])
        schedule.items.append(item)
        schedule.by_feed[feed].append(item)

    for k in range(initial):  # the backlog: the last two days
        for feed in range(feeds):
            publish(feed, 0, BASE - timedelta(hours=48) + timedelta(hours=48) * (k * feeds + feed) / (initial * feeds))
    for round_ in range(1, rounds + 1):
        start = BASE + (round_ - 1) * ROUND_GAP
        for k in range(per_round):
            publish(rng.randrange(feeds), round_, start + ROUND_GAP * (k + 0.5) / per_round)
    for items in schedule.by_feed:
        items.sort(key=lambda item: item.published)
    return schedule


_FURNITURE = (
    '<header><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a> '
    '<a href="/sport">Sport</a> <form><input name="q" placeholder="Search"></form></header>'
)
_FOOTER = (
    "<aside><h2>Most read</h2><ul><li>Five things to know this week</li><li>What the numbers say about the market"
    "</li></ul></aside><footer><p>Subscribe to our newsletter and get the news every morning.</p>"
    "<p>© 2025 Example Media. All rights reserved.</p></footer>"
)


def page_html(schedule: Schedule, texts: list[Text], item: Item) -> bytes:
    text = texts[item.text]
    when = item.published.isoformat()
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.paragraphs)
    title = html.escape(text.title)
    return (
        f'<!doctype html><html lang="{text.lang}"><head><meta charset="utf-8"><title>{title} | Example News'
        f' {item.feed % schedule.hosts}</title><meta property="article:published_time" content="{when}">'
        f'</head><body>{_FURNITURE}<main><article><h1>{title}</h1><p class="byline">By the news desk, <time'
        f' datetime="{when}">{item.published:%d %B %Y, %H:%M}</time></p>{paragraphs}</article></main>{_FOOTER}'
        "</body></html>"
    ).encode()


def feed_xml(schedule: Schedule, texts: list[Text], feed: int, visible: list[Item], port: int) -> bytes:
    host = f"http://{schedule.host(feed)}:{port}"
    entries = []
    for item in reversed(visible[-FEED_ITEMS:]):
        text = texts[item.text]
        link = html.escape(host + schedule.page_path(item))
        entries.append(
            f"<item><title>{html.escape(text.title)}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>"
            f"<description>{html.escape(text.paragraphs[0][:200])}</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example News {feed}</title>'
        f"<link>{host}/</link><description>Feed {feed}</description>{''.join(entries)}</channel></rss>"
    ).encode()


# --- the server ----------------------------------------------------------------------------------------------------


class NewsSite(ThreadingHTTPServer):
    daemon_threads = True
    schedule: Schedule
    texts: list[Text]
    current: Any  # multiprocessing.Value("i"): the round whose items are published


class NewsHandler(BaseHTTPRequestHandler):
    server: NewsSite
    protocol_version = "HTTP/1.1"  # keep-alive, as news sites do
    wbufsize = 1 << 16  # headers and body in one write (two small writes stall 40 ms on delayed ACKs)

    def log_message(self, *_: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", kind: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site, round_ = self.server, self.server.current.value
        path = self.path
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif match := re.fullmatch(r"/feeds/(\d+)\.xml", path):
            feed = int(match.group(1))
            if feed >= site.schedule.feeds:
                self._send(404)
                return
            visible = [item for item in site.schedule.by_feed[feed] if item.round <= round_]
            etag = f'"{feed}-{len(visible)}"'
            cache = f"max-age={MAX_AGE}"
            if self.headers.get("If-None-Match") == etag:
                self._send(304, ETag=etag, Cache_Control=cache)
                return
            body = feed_xml(site.schedule, site.texts, feed, visible, self.server.server_address[1])
            self._send(200, body, "application/rss+xml; charset=utf-8", ETag=etag, Cache_Control=cache)
        elif (match := re.fullmatch(r"/\d{4}/\d\d/\d\d/story-(\d+)\.html", path)) and int(match.group(1)) < len(
            site.schedule.items
        ):
            item = site.schedule.items[int(match.group(1))]
            if item.round > round_:
                self._send(404)
                return
            self._send(200, page_html(site.schedule, site.texts, item))
        else:
            self._send(404)


def _start_servers(schedule: Schedule, texts: list[Text], current: Any) -> tuple[int, list[NewsSite]]:
    """One server per host address, all on one port (a free one that every address can bind)."""
    for _ in range(20):
        servers: list[NewsSite] = []
        try:
            first = NewsSite(("127.0.0.1", 0), NewsHandler)
            servers.append(first)
            port = first.server_address[1]
            servers += [NewsSite((f"127.0.0.{h + 1}", port), NewsHandler) for h in range(1, schedule.hosts)]
        except OSError:
            for server in servers:
                server.server_close()
            continue
        for server in servers:
            server.schedule, server.texts, server.current = schedule, texts, current
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return port, servers
    raise RuntimeError("no port free on every loopback address")


def _serve(schedule: Schedule, texts: list[Text], current: Any, commands: Connection, cpus: set[int] | None) -> None:
    """The server process: serve until told to stop, answering requests for its CPU time."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    port, servers = _start_servers(schedule, texts, current)
    commands.send(port)
    while (command := commands.recv()) != "stop":
        if command == "cpu":
            times = os.times()
            commands.send(times.user + times.system)
    for server in servers:
        server.shutdown()
        server.server_close()


class LocalNewsServer:
    """The news site, in another process (`process`) or in threads of this one (`thread`)."""

    def __init__(self, schedule: Schedule, texts: list[Text], mode: str, cpus: set[int] | None) -> None:
        context = multiprocessing.get_context("fork")
        self.mode = mode
        self.current = context.Value("i", 0, lock=False)
        self._servers: list[NewsSite] = []
        if mode == "process":
            self._commands, theirs = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(schedule, texts, self.current, theirs, cpus), daemon=True
            )
            self._process.start()
            self.port = self._commands.recv()
        else:
            self.port, self._servers = _start_servers(schedule, texts, self.current)

    def publish(self, round_: int) -> None:
        self.current.value = round_

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far; None when it runs in this process (counted in the watcher's)."""
        if self.mode != "process":
            return None
        self._commands.send("cpu")
        return float(self._commands.recv())

    def close(self) -> None:
        if self.mode == "process":
            self._commands.send("stop")
            self._process.join(10)
        for server in self._servers:
            server.shutdown()
            server.server_close()


# --- timing storyline's parts from outside --------------------------------------------------------------------------


def _page_part(_parent: str, args: tuple[Any, ...]) -> str:
    first = args[3] if len(args) > 3 else True  # watch._item_page(fetcher, item, entry, first)
    return "page fetches: new items" if first else "page fetches: re-reads"


def _pace_part(parent: str, _args: tuple[Any, ...]) -> str:
    if parent.startswith("robots"):
        return "pacing: robots.txt"
    if parent.startswith("feed"):
        return "pacing: feed polls"
    return "pacing: page fetches"


class Breakdown:
    """Exclusive time per part: wrapped callables, a part's time less that of the wrapped parts it called. A part
    may be a function of the enclosing part and the call's arguments (pacing is told by what it paces)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.sizes: Counter[str] = Counter()  # what the calls were given, where it is counted (texts embedded)
        self._open: list[tuple[str, list[float]]] = []  # per open call: its part, and time in wrapped calls it made
        self._undo: list[Callable[[], None]] = []

    def timed(
        self,
        part: str | Callable[[str, tuple[Any, ...]], str],
        function: Callable[..., Any],
        size: Callable[[tuple[Any, ...]], int] | None = None,
    ) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            label = part(self._open[-1][0] if self._open else "", args) if callable(part) else part
            if size is not None:
                self.sizes[label] += size(args)
            children = [0.0]
            self._open.append((label, children))
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self._open.pop()
                self.seconds[label] += elapsed - children[0]
                self.calls[label] += 1
                if self._open:
                    self._open[-1][1][0] += elapsed

        return wrapper

    def wrap(
        self,
        owner: Any,
        name: str,
        part: str | Callable[[str, tuple[Any, ...]], str],
        size: Callable[[tuple[Any, ...]], int] | None = None,
    ) -> None:
        """Replace `owner.name` (a module's function, a class's method, an object's bound method) by its timed self."""
        if not hasattr(owner, name):  # storyline changed under the benchmark: its time falls to the enclosing part
            print(f"note: {getattr(owner, '__name__', owner)}.{name} is gone: not timed apart")
            return
        own = name in vars(owner)
        original = getattr(owner, name)
        setattr(owner, name, self.timed(part, original, size))
        self._undo.append(lambda: setattr(owner, name, original) if own else delattr(owner, name))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()


def instrument(breakdown: Breakdown, second_encoder: Any) -> None:
    """Wrap the parts of a watch round (see the module's docstring)."""
    breakdown.wrap(Fetcher, "feed", "feed polls (HTTP + parse, 304s)")
    breakdown.wrap(Fetcher, "_read_robots", "robots.txt")
    breakdown.wrap(Fetcher, "_pace", _pace_part)
    breakdown.wrap(watch, "_item_page", _page_part)
    breakdown.wrap(ingest_module, "process_document", "extraction + language")
    breakdown.wrap(watch, "ingest", "ingest: store writes")
    breakdown.wrap(assign, "analyse_new_articles", "analysis (embed, MinHash, entities)")
    breakdown.wrap(assign, "extract_new_claims", "claims")
    breakdown.wrap(assign, "_load_index", "story index load")
    breakdown.wrap(assign, "refresh_timelines", "timelines")
    breakdown.wrap(watch, "update_stories", "assignment")
    if second_encoder is not None:
        breakdown.wrap(second_encoder, "embed", "second opinion (e5)", size=lambda args: len(args[0]))
    breakdown.wrap(watch, "poll_due_feeds", "watch bookkeeping")


def load_models(settings: Settings) -> tuple[float, Any]:
    """Load what update_stories loads on first use (embedder, similarity model, second encoder): seconds, and the
    second encoder (None without one)."""
    start = time.perf_counter()
    get_embedder(settings.embedder, settings).embed(["A warm-up sentence for the encoder."])
    model = default_model()
    second = get_embedder(model.second.encoder) if model.second else None
    if second is not None:
        second.embed(["A warm-up sentence for the encoder."])
    return time.perf_counter() - start, second


def rereads_per_item() -> int:
    """How many times the watcher reads an item's page again after the first read (watch's correction checks)."""
    check = getattr(watch, "_check", None)
    if check is None:
        return 0
    first, now, count = watch._iso(BASE), BASE, 0
    while (due := check(first, now)) is not None and count < 1000:
        now, count = datetime.strptime(due, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), count + 1
    return count


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the rounds -----------------------------------------------------------------------------------------------------


@dataclass
class RoundResult:
    round: int
    kind: str
    host_delay: float
    wall: float
    polled: int
    not_modified: int
    failed: int
    published: int
    new_items: int
    reread: int
    new_articles: int
    known_articles: int
    errors: int
    assigned: int
    second_texts: int  # texts the second encoder embedded
    watcher_cpu: float
    server_cpu: float | None
    parts: dict[str, float]


def watch_round(
    store: Any,
    settings: Settings,
    server: LocalNewsServer,
    breakdown: Breakdown,
    schedule: Schedule,
    round_: int,
    now: datetime,
    kind: str,
) -> RoundResult:
    """Publish the round's items, then one poll_due_feeds at the round's simulated time."""
    server.publish(round_)
    before_parts, before_cpu, before_server = dict(breakdown.seconds), _cpu_seconds(), server.cpu_seconds()
    before_texts = breakdown.sizes["second opinion (e5)"]
    start = time.perf_counter()
    report = watch.poll_due_feeds(store, settings, now=now)
    wall = time.perf_counter() - start
    watcher_cpu, after_server = _cpu_seconds() - before_cpu, server.cpu_seconds()
    parts = {part: breakdown.seconds.get(part, 0.0) - before_parts.get(part, 0.0) for part in PARTS}
    result = RoundResult(
        round=round_,
        kind=kind,
        host_delay=settings.host_delay,
        wall=wall,
        polled=report.polled,
        not_modified=report.not_modified,
        failed=report.failed,
        published=len(schedule.round_items(round_)),
        new_items=report.new_items,
        reread=getattr(report, "reread", 0),
        new_articles=report.ingest.new_articles,
        known_articles=report.ingest.known_articles,
        errors=len(report.ingest.errors),
        assigned=report.stories.assigned if report.stories else 0,
        second_texts=breakdown.sizes["second opinion (e5)"] - before_texts,
        watcher_cpu=watcher_cpu,
        server_cpu=None if before_server is None or after_server is None else after_server - before_server,
        parts=parts,
    )
    print(
        f"  round {round_:2d}, {kind}, host_delay {settings.host_delay:g} s, {now:%H:%M} simulated:"
        f" {result.polled} polled ({result.not_modified} unchanged, {result.failed} failed), {result.new_items} new"
        f" items of {result.published} published, {result.reread} re-read, {result.new_articles} new articles,"
        f" {result.errors} errors, {result.second_texts} texts through the second encoder: {result.wall:.1f} s",
        flush=True,
    )
    return result


def reference(schedule: Schedule, port: int, rounds: list[int]) -> dict[str, float]:
    """The same pages, fetched with one httpx.Client and read by plain trafilatura.extract: no feeds, no store."""
    items = [item for round_ in rounds for item in schedule.round_items(round_)]
    start = time.perf_counter()
    with httpx.Client(timeout=20.0) as client:
        for item in items:
            url = f"http://{schedule.host(item.feed)}:{port}{schedule.page_path(item)}"
            response = client.get(url)
            trafilatura.extract(response.text, url=url, with_metadata=True)
    wall = time.perf_counter() - start
    return {"pages": len(items), "wall": wall, "items_per_hour": 3600 * len(items) / max(wall, 1e-9)}


def _pin(cores: int) -> tuple[set[int] | None, set[int] | None]:
    """CPUs for the watcher and the server: the first `cores` and the rest, when the machine has more."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) <= cores:
        return None, None
    return set(available[:cores]), set(available[cores:])


@contextmanager
def news_site(schedule: Schedule, texts: list[Text], mode: str, cpus: set[int] | None) -> Iterator[LocalNewsServer]:
    server = LocalNewsServer(schedule, texts, mode, cpus)
    try:
        yield server
    finally:
        server.close()


# Round kinds, in the order they run and print.
NEW, PACED, IDLE, REREAD = "new items", "new items, paced", "nothing new", "re-reads"


def measure_throughput(args: argparse.Namespace, texts: list[Text]) -> dict[str, Any]:
    """Warm-up, the host_delay 0 rounds, the paced rounds, a round with nothing new and one of re-reads; and the
    reference on the pages of the host_delay 0 rounds."""
    news_rounds = args.rounds + args.paced_rounds
    schedule = make_schedule(args.feeds, args.hosts, args.initial_items, news_rounds, args.items_per_round, len(texts))
    if len(schedule.items) > len(texts):
        print(f"note: {len(schedule.items)} items but {len(texts)} texts: some pages repeat a text (known articles)")
    watcher_cpus, server_cpus = _pin(args.cores)
    results: dict[str, Any] = {}
    with news_site(schedule, texts, args.server, server_cpus) as server, tempfile.TemporaryDirectory() as tmp:
        if watcher_cpus:
            os.sched_setaffinity(0, watcher_cpus)
        settings = Settings(db=str(Path(tmp) / "watch.db"), allow_loopback=True, host_delay=0.0)
        paced = settings.but(host_delay=args.host_delay)
        store = open_store(settings.db)
        for feed in range(schedule.feeds):
            store.add_feed(f"http://{schedule.host(feed)}:{server.port}{schedule.feed_path(feed)}")
        models, second_encoder = load_models(settings)
        breakdown = Breakdown()
        instrument(breakdown, second_encoder)
        last = BASE + news_rounds * ROUND_GAP
        plan = (
            [(0, BASE, settings, "warm-up")]
            + [(r, BASE + r * ROUND_GAP, settings, NEW) for r in range(1, args.rounds + 1)]
            + [(r, BASE + r * ROUND_GAP, paced, PACED) for r in range(args.rounds + 1, news_rounds + 1)]
            # Nothing published and no page due: every feed answers 304 (the cost of polling alone).
            + [(news_rounds + 1, last + ROUND_GAP, settings, IDLE)]
            # An hour after the last read, every page read so far is due for its first correction check.
            + [(news_rounds + 2, last + timedelta(hours=1), settings, REREAD)]
        )
        done: list[RoundResult] = []
        try:
            print(f"warm-up: every feed's first poll ({len(schedule.round_items(0))} items), host_delay 0", flush=True)
            for round_, now, round_settings, kind in plan:
                done.append(watch_round(store, round_settings, server, breakdown, schedule, round_, now, kind))
        finally:
            breakdown.restore()
            store.close()
        results["models_seconds"] = models
        results["warm_up"] = vars(done[0])
        results["rows"] = {}
        for kind in (NEW, PACED, IDLE, REREAD):
            group = [r for r in done if r.kind == kind]
            if group:
                results["rows"][kind] = summarize(group)
        print("reference: plain httpx + trafilatura.extract on the host_delay 0 rounds' pages", flush=True)
        results["reference"] = reference(schedule, server.port, list(range(1, args.rounds + 1)))
        results["server"] = args.server
        results["watcher_cpus"] = sorted(watcher_cpus) if watcher_cpus else "all (shared with the server)"
    results["steady"] = steady_state(results["rows"], rereads_per_item())
    return results


def summarize(rounds: list[RoundResult]) -> dict[str, Any]:
    wall = sum(r.wall for r in rounds)
    servers = [r.server_cpu for r in rounds if r.server_cpu is not None]
    return {
        "rounds": len(rounds),
        "host_delay": rounds[0].host_delay,
        "polls": sum(r.polled for r in rounds),
        "not_modified": sum(r.not_modified for r in rounds),
        "failed": sum(r.failed for r in rounds),
        "published": sum(r.published for r in rounds),
        "new_items": sum(r.new_items for r in rounds),
        "reread": sum(r.reread for r in rounds),
        "second_texts": sum(r.second_texts for r in rounds),
        "new_articles": sum(r.new_articles for r in rounds),
        "errors": sum(r.errors for r in rounds),
        "wall": wall,
        "wall_per_round": wall / len(rounds),
        "items_per_hour": 3600 * sum(r.new_items for r in rounds) / wall,
        "watcher_cpu_share": sum(r.watcher_cpu for r in rounds) / wall,
        "server_cpu_per_round": sum(servers) / len(servers) if servers else None,
        "parts": {part: sum(r.parts[part] for r in rounds) for part in PARTS},
        "per_round": [vars(r) for r in rounds],
    }


def polling(row: dict[str, Any]) -> float:
    """Seconds per round spent polling the feeds themselves (requests, robots.txt, their pacing)."""
    parts = ("feed polls (HTTP + parse, 304s)", "robots.txt", "pacing: feed polls", "pacing: robots.txt")
    return sum(row["parts"][p] for p in parts) / row["rounds"]


def steady_state(rows: dict[str, Any], rereads: int) -> dict[str, Any]:
    """Per-unit costs from the rounds (differences of whole rounds at host_delay 0), and the rate of a round of
    the benchmark's shape once the watcher has run for days: each of its new items then brings `rereads` page
    reads of older items (correction checks), at the measured cost of a re-read (plus, when paced, the measured
    pacing per page fetch)."""
    idle, new, reread = rows.get(IDLE), rows.get(NEW), rows.get(REREAD)
    if not (idle and new and reread and new["new_items"] and reread["reread"] > idle["reread"]):
        return {}
    poll = idle["wall_per_round"] / max(idle["polls"] / idle["rounds"], 1)
    per_new = (new["wall_per_round"] - idle["wall_per_round"]) / (new["new_items"] / new["rounds"])
    per_reread = (reread["wall"] - idle["wall_per_round"] - per_new * reread["new_items"]) / (
        reread["reread"] - idle["reread"]
    )
    steady: dict[str, Any] = {
        "rereads_per_item": rereads,
        "seconds_per_feed_poll": poll,
        "seconds_per_new_item": per_new,
        "seconds_per_reread": per_reread,
        "rates": {},
    }
    for kind in (NEW, PACED):
        row = rows.get(kind)
        if not row or not row["new_items"]:
            continue
        fetches = sum(row["per_round"][i]["new_items"] + row["per_round"][i]["reread"] for i in range(row["rounds"]))
        pace = row["parts"]["pacing: page fetches"] / max(fetches, 1)
        items = row["new_items"] / row["rounds"]
        wall = row["wall_per_round"] + rereads * items * (per_reread + pace)
        steady["rates"][kind] = {
            "host_delay": row["host_delay"],
            "pacing_per_page_fetch": pace,
            "wall_per_round": wall,
            "items_per_hour": 3600 * items / wall,
            # Rounds so long that polling the feeds costs next to nothing per item.
            "ceiling_items_per_hour": 3600
            / ((row["wall_per_round"] - polling(row)) / items + rereads * (per_reread + pace)),
        }
    return steady


def print_throughput(results: dict[str, Any], args: argparse.Namespace) -> None:
    rows, ref, steady = results["rows"], results["reference"], results["steady"]
    where = "a separate process" if args.server == "process" else "threads of the watcher's process"
    print(f"\n## Watch throughput, {results['date']}, {results['machine']}\n")
    print(
        f"{args.feeds} feeds on {args.hosts} loopback hosts, server in {where}, watcher on CPUs"
        f" {results['watcher_cpus']}; {args.items_per_round} new items published before each news round over random"
        " feeds; every feed is due in every round; a fresh SQLite store, default components. Load average (1 min)"
        f" {results['load_before']:.2f} before the run, {results['load_after']:.2f} after.\n"
    )
    print(
        "| round | host_delay | rounds | polls (304) | new items | re-reads | wall s/round | **new items/hour** |"
        " watcher CPU/wall | server CPU s/round |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    default = Settings().host_delay
    for kind, row in rows.items():
        server = "–" if row["server_cpu_per_round"] is None else f"{row['server_cpu_per_round']:.2f}"
        delay = f"{row['host_delay']:g} s" + (" (default)" if row["host_delay"] == default else "")
        rate = f"**{row['items_per_hour']:,.0f}**" if row["new_items"] else "–"
        print(
            f"| {kind} | {delay} | {row['rounds']} | {row['polls']} ({row['not_modified']}) | {row['new_items']} |"
            f" {row['reread']} | {row['wall_per_round']:.1f} | {rate} | {row['watcher_cpu_share']:.2f} | {server} |"
        )
    for kind, rate in steady.get("rates", {}).items():
        delay = f"{rate['host_delay']:g} s" + (" (default)" if rate["host_delay"] == default else "")
        row = rows[kind]
        print(
            f"| steady state: {kind} + {steady['rereads_per_item']} re-reads per item (from the costs below) | {delay} |"
            f" – | – | {row['new_items'] // row['rounds']} | {steady['rereads_per_item'] * row['new_items'] // row['rounds']} |"
            f" {rate['wall_per_round']:.1f} | **{rate['items_per_hour']:,.0f}** | – | – |"
        )
    print(
        "| reference: httpx.Client.get + trafilatura.extract of the host_delay 0 rounds' pages, 1 process, no store |"
        f" – | – | – | {ref['pages']} | – | – | {ref['items_per_hour']:,.0f} | – | – |"
    )
    warm = results["warm_up"]
    print(
        f"\nWarm-up (not in the rates): models loaded in {results['models_seconds']:.1f} s, then every feed's first"
        f" poll, {warm['new_items']} items at host_delay 0: {warm['wall']:.1f} s"
        f" ({3600 * warm['new_items'] / warm['wall']:,.0f} items/hour)."
    )
    if steady:
        print(
            f"\nCosts at host_delay 0, from whole rounds: a feed poll {1000 * steady['seconds_per_feed_poll']:.1f} ms"
            f" (the round with nothing new / feeds), a new item {1000 * steady['seconds_per_new_item']:.0f} ms"
            f" ((news round − that round) / new items), a re-read {1000 * steady['seconds_per_reread']:.0f} ms"
            f" ((re-read round − that round) / re-reads). The watcher reads each item's page again"
            f" {steady['rereads_per_item']} times in the two days after it first reads it (watch._check)."
        )
        for kind, rate in steady["rates"].items():
            print(
                f"- {kind}, host_delay {rate['host_delay']:g} s: pacing {1000 * rate['pacing_per_page_fetch']:.0f} ms"
                f" per page fetch; polling the feeds {polling(rows[kind]):.1f} s a round; ceiling in the steady state"
                f" with rounds so long that polling costs nothing per item: {rate['ceiling_items_per_hour']:,.0f}"
                " new items/hour."
            )
    keys = list(rows)
    print("\nWhere the time goes (exclusive seconds per round, and share of the rounds' wall time):\n")
    print("| part | " + " | ".join(f"{k}, {rows[k]['host_delay']:g} s | share" for k in keys) + " |")
    print("|---|" + "---|---|" * len(keys))
    for part in PARTS:
        cells = []
        for key in keys:
            row = rows[key]
            seconds = row["parts"][part]
            cells.append(f"{seconds / row['rounds']:.2f} | {100 * seconds / row['wall']:.1f}%")
        print(f"| {part} | " + " | ".join(cells) + " |")
    print("| **total** | " + " | ".join(f"{rows[k]['wall_per_round']:.2f} | 100%" for k in keys) + " |")
    print(f"\nreference: {1000 * ref['wall'] / max(ref['pages'], 1):.0f} ms per page (fetch + extract).")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=500, help="feeds followed (default 500)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses the feeds are spread over (max 254)")
    parser.add_argument("--rounds", type=int, default=3, help="news rounds with host_delay 0 (default 3)")
    parser.add_argument(
        "--paced-rounds", type=int, default=1, help="news rounds with --host-delay after them (default 1)"
    )
    parser.add_argument("--items-per-round", type=int, default=100, help="new items published before each news round")
    parser.add_argument("--initial-items", type=int, default=1, help="items in each feed before the warm-up round")
    parser.add_argument(
        "--host-delay",
        type=float,
        default=Settings().host_delay,
        help=f"the paced rounds' seconds between two requests to one host (default {Settings().host_delay:g}, storyline's)",
    )
    parser.add_argument("--server", choices=("process", "thread"), default="process", help="where the server runs")
    parser.add_argument("--cores", type=int, default=2, help="CPUs the watcher is pinned to when there are more")
    parser.add_argument("--quick", action="store_true", help="50 feeds on 10 hosts, 2 + 1 news rounds of 20 items")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.hosts, args.rounds, args.paced_rounds, args.items_per_round = 50, 10, 2, 1, 20
    args.hosts = max(1, min(args.hosts, args.feeds, 254))
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()} {_cpu_name()}, {os.cpu_count()} cores, python {platform.python_version()},"
        f" trafilatura {trafilatura.__version__}",
        "args": vars(args),
        "load_before": os.getloadavg()[0],
    }
    texts = news_texts()
    results |= measure_throughput(args, texts)
    results["load_after"] = os.getloadavg()[0]
    print_throughput(results, args)
    # A second section (alert latency, issue 17) goes here: it can reuse news_site() and make_schedule() with a
    # fresh store, and add its figures to `results`.
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
