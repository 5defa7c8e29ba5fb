"""Issue 17: a watch over a local server with 50 feeds, with the faults a real watch meets (slow answers, 429/500/503
with Retry-After, a redirect loop, huge bodies, malformed XML, wrong content types, feeds that repeat and reorder their
items, pages that are corrected later, a server that disappears mid-run) and two watcher restarts (one clean, one a
SIGKILL in the middle of a round), ingests every item exactly once and records every revision.

The watch runs on a simulated clock (`now`): rounds hours apart, so every feed, every backed-off feed and the checks
for corrections come due as they would over a day.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from hashlib import sha1
from pathlib import Path

import pytest
from tests.local_site import LocalSite, SiteHandler

from storyline import open_store
from storyline.model import WatchedFeed
from storyline.pipeline.watch import WatchReport, poll_due_feeds
from storyline.settings import Settings

MAX_BYTES = 200_000  # the document limit of these tests: a "huge" body is 300 KB
SETTINGS = Settings(allow_loopback=True, host_delay=0.0, max_document_bytes=MAX_BYTES)
T0 = datetime(2025, 10, 6, 6, 0, tzinfo=UTC)
# The rounds of the watch, on the simulated clock: R0 start; R1 after a clean restart; R2 the watcher is killed
# mid-round and run again; R3 the server disappears mid-round; R4 it is back on the same port, faults healed.
ROUNDS = [T0, T0 + timedelta(hours=2), T0 + timedelta(hours=4), T0 + timedelta(hours=7), T0 + timedelta(hours=26)]
N_FEEDS = 50

# --- articles: distinct, dated texts from templates ------------------------------------------------------------

PLACES = [
    "Brenta",
    "Valmora",
    "Castelrock",
    "Idrisport",
    "Lunavik",
    "Morrowdale",
    "Pellano",
    "Quarzheim",
    "Ravensholt",
    "Sorvino",
    "Tallinor",
    "Ustavik",
    "Wendmere",
    "Ardenfels",
    "Corvasta",
    "Elmsworth",
    "Ferrania",
    "Gildbrook",
    "Halvoran",
    "Kestrelby",
    "Nordhavn",
    "Ostrava Nova",
    "Porthallow",
    "Zelmark",
]
PEOPLE = [
    "Amara Okafor",
    "Bruno Keller",
    "Chiara Bellandi",
    "Dmitri Volkov",
    "Elena Marsh",
    "Farid Haddad",
    "Greta Lindqvist",
    "Hugo Ferreira",
    "Ingrid Solberg",
    "Jonas Weber",
    "Kavya Raman",
    "Lucien Moreau",
    "Marta Kowalska",
    "Nikolai Petrenko",
    "Olivia Grant",
    "Paolo Ricci",
    "Rosa Delgado",
    "Samuel Achterberg",
    "Tomasz Zielinski",
    "Yara Nascimento",
]
ORGS = [
    "Harrow Logistics",
    "Quill Analytics",
    "Northwind Energy",
    "Bellweather Foods",
    "Cobalt Rail",
    "Tidemark Shipping",
    "Verdant Health",
    "Ironleaf Steel",
    "Solenne Textiles",
    "Pinecrest Software",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# (headline, three paragraphs); {n1} is the figure a correction changes.
TOPICS = [
    (
        "{place} harbour to build {n1} new berths",
        "The harbour authority of {place} said on {day} that it will build {n1} new berths for container ships, at a "
        "cost of {n2} million euros. {person}, who chairs the authority, told reporters that the work would start in "
        "spring and last about {n3} months.",
        "Dock workers welcomed the plan but asked for guarantees on night shifts. The union at {org} said it would "
        "study the contracts before giving its support, and warned that earlier projects had run over budget.",
        "The city council is expected to vote on the financing before the end of the year.",
    ),
    (
        "New wing of {place} hospital opens with {n1} beds",
        "A new wing of the general hospital in {place} opened on {day} with {n1} beds for children and elderly "
        "patients. The building cost {n2} million euros and was financed partly by {org}, the regional health "
        "director {person} said.",
        "Nurses said the wards had been overcrowded for years, with patients waiting in corridors during the winter. "
        "The hospital will hire {n3} more nurses and two surgeons before December.",
        "Visitors were shown the new operating theatres and a playground on the roof.",
    ),
    (
        "Teachers in {place} strike for {n1} hours over pay",
        "Teachers in {place} stopped work for {n1} hours on {day}, closing most primary schools in the district. "
        "Their union, led by {person}, wants a pay rise of {n3} per cent and smaller classes.",
        "Parents queued outside the town hall to ask for childcare, and {org} opened its staff canteen to pupils for "
        "the afternoon. The education office said talks would resume next week.",
        "About {n2} pupils were sent home, according to the district.",
    ),
    (
        "Old bridge in {place} closed after {n1} cracks found",
        "The old stone bridge over the river in {place} was closed to traffic on {day} after engineers found {n1} "
        "cracks in its arches. The mayor, {person}, said the repairs would take at least {n3} weeks.",
        "Buses are being diverted through the industrial zone, where {org} has agreed to open a private road. Shop "
        "owners near the bridge fear losing customers during the works.",
        "The bridge carries about {n2} hundred cars a day.",
    ),
    (
        "{org} to hire {n1} workers at its {place} plant",
        "{org} will hire {n1} workers at its plant in {place} after winning a large export order, the company said "
        "on {day}. Production manager {person} said a second shift would start within {n3} weeks.",
        "The plant had cut jobs two years ago, when demand collapsed. Local officials said the hiring would lower "
        "unemployment in the valley, which stands at {n2} per thousand.",
        "Applications open at the job centre on Monday morning.",
    ),
    (
        "{person} wins {place} mayoral vote with {n1} votes to spare",
        "{person} was elected mayor of {place} on {day}, beating the incumbent by {n1} votes after a recount. "
        "Turnout was {n3} per cent, the electoral office said, the highest in a decade.",
        "The new mayor promised cheaper buses and a review of the contract with {org}, which runs the city's waste "
        "collection. The outgoing mayor conceded defeat late in the evening.",
        "The council will hold its first session with {n2} new members next month.",
    ),
    (
        "River floods {n1} homes in {place}",
        "The river burst its banks in {place} on {day}, flooding {n1} homes and a school after two days of heavy "
        "rain. Firefighters evacuated {n3} families by boat, the civil protection chief {person} said.",
        "Volunteers filled sandbags through the night. {org} sent pumps and generators, and the regional government "
        "promised emergency aid of {n2} thousand euros.",
        "Forecasters expect the water to fall by the weekend.",
    ),
    (
        "Night train from {place} returns after {n1} years",
        "A night train between {place} and the capital ran again on {day} for the first time in {n1} years. The "
        "service is operated by {org} and will run {n3} times a week, its director {person} said.",
        "Tickets for the first month sold out within hours. Passengers said they preferred sleeping on the train to "
        "taking early flights, although the journey lasts almost eleven hours.",
        "The sleeper cars were rebuilt in a workshop that employs {n2} people.",
    ),
    (
        "{place} museum recovers {n1} stolen paintings",
        "The city museum of {place} has recovered {n1} paintings stolen from its storage rooms, police said on "
        "{day}. The works were found in a warehouse rented by a former employee of {org}, investigator {person} said.",
        "Two men were arrested. The museum said the paintings were slightly damaged and would be restored before "
        "going back on display in about {n3} months.",
        "The collection holds {n2} works by regional artists.",
    ),
    (
        "{place} start-up raises {n1} million for battery recycling",
        "A battery recycling start-up from {place} has raised {n1} million euros from investors led by {org}, its "
        "founder {person} said on {day}. The money will pay for a plant that can process {n3} tonnes a day.",
        "The company recovers lithium and cobalt from old car batteries. It employs {n2} people and plans to open "
        "offices in two neighbouring countries next year.",
        "Competitors have announced similar plants in the north.",
    ),
]


def article(key: int, version: int = 1, new_headline: bool = False) -> tuple[str, list[str]]:
    """The headline and paragraphs of article `key` as its `version` says: 2 corrects a figure, 3 adds an update."""
    rng = random.Random(key)
    headline, *paras = TOPICS[key % len(TOPICS)]
    n1 = rng.randint(12, 480)
    values = {
        "place": PLACES[key % len(PLACES)],
        "person": rng.choice(PEOPLE),
        "org": rng.choice(ORGS),
        "n1": n1 + (7 if version >= 2 else 0),
        "n2": rng.randint(3, 900),
        "n3": rng.randint(2, 48),
        "day": DAYS[key % len(DAYS)],
    }
    title = headline.format(**values)
    text = [p.format(**values) for p in paras]
    text[-1] += f" Reference SL-{key:04d}."
    if version >= 2:
        text.append(f"Correction: an earlier version of this report gave the figure as {n1} instead of {n1 + 7}.")
        if new_headline:
            title += ", officials confirm"
    if version >= 3:
        text.append(f"Update: {values['person']} said late on {values['day']} that a decision is expected next week.")
    return title, text


def teaser(key: int) -> str:
    """What a feed says of an item: its first sentence, with the reference."""
    return article(key)[1][0].split(". ")[0] + f". (SL-{key:04d})"


def key_of(text: str) -> int:
    [found] = set(re.findall(r"SL-(\d{4})", text))
    return int(found)


# --- the feeds, their items and their faults -------------------------------------------------------------------


@dataclass
class Item:
    key: int
    feed: int
    since: int  # the round it is first listed in its feed
    published: datetime
    changes: tuple[int, ...] = ()  # the rounds from which its page says something new
    new_headline: bool = False  # the change is of the headline too
    stamp_moves: bool = False  # the feed's date of the item moves with the change

    def version(self, round_: int) -> int:
        return 1 + sum(1 for r in self.changes if r <= round_)

    @property
    def path(self) -> str:
        """Where its page is."""
        if self.feed == TEXT_PLAIN_PAGES:
            return f"/text/{self.key:04d}.html"
        if self.feed == OCTET_PAGES:
            return f"/story/{self.key:04d}"
        return f"/news/{self.feed:02d}/{self.key:04d}.html"

    @property
    def link(self) -> str:
        """What its feed links to."""
        return f"/r/{self.key:04d}" if self.feed == REDIRECTED_LINKS else self.path


# Feeds with a fault (by index; feeds are polled in the order of their addresses, which is this order).
SLOW_FEEDS = {1: 0.5, 33: 0.5}  # seconds, every round
VERY_SLOW_FIRST = 45  # 1.5 s in R0
FAILS_500 = 2  # 500 with Retry-After: 0 in R0 (every retry)
FAILS_429 = 3  # 429 with Retry-After: 120 (longer than the fetcher waits) in R0 and R1
FAILS_503_DATE = 4  # 503 with an HTTP-date Retry-After two hours ahead in R0
BUSY_ONCE = 5  # 503 with Retry-After: 1 to the first request of R0 and R1: the fetcher waits and gets it
REDIRECT_LOOP = 6  # never readable: /feeds/06.xml and LOOP_BACK redirect to each other
LOOP_BACK = "/feeds/06-b.xml"
MOVED = 7  # a 301 to where the feed now is
HUGE_FEED = 8  # 300 KB in R0
TRUNCATED = 9  # cut in the middle of its second item in R0 and R1
ERROR_PAGE_FEED = 10  # an HTML error page with status 200 at the feed's address in R0
RSS_AS_HTML = 11  # a valid feed served as text/html
NO_SUFFIX_TEXT = 12  # a valid feed at an address with no suffix, served as text/plain
NO_SUFFIX_ATOM = 13  # an Atom feed at an address with no suffix, served as application/octet-stream
TEXT_PLAIN_PAGES = 14  # its pages are served as text/plain
OCTET_PAGES = 15  # its pages have no suffix and are served as application/octet-stream
REPEATS = 16  # lists every item twice, in a new order each round
REDIRECTED_LINKS = 17  # its items link to a redirect to the page
HUGE_PAGE = 18  # its first item's page is 300 KB in R0 and R1: the feed's text is read first
FLAKY_PAGES = 19  # first item: 503 Retry-After: 1 once; second: 500 in R0 (the feed's text is read first)
SLOW_PAGE = 24  # its first item's page takes 1.2 s in R0-R2
KILLED_AT = 25  # R2: the watcher is killed while it reads this feed's new (slow) page
DRIP = 31  # its first item's page comes in slow chunks in R0
GONE_AT = 48  # R3: the server disappears when this feed's new page is asked for
ATOM = {3, 13, 23, 33, 43}
WITH_ETAG = {f for f in range(N_FEEDS) if f % 3 == 0}
WITH_TTL = {f for f in range(N_FEEDS) if f % 10 == 7}  # <ttl> in the feed rather than Cache-Control

# Pages corrected during the run: (feed, which of its items) -> (rounds of the changes, headline too, stamp moves).
CHANGED: dict[tuple[int, int], tuple[tuple[int, ...], bool, bool]] = {
    (20, 0): ((1,), False, False),  # read again at R1 (a check is due): a revision
    (21, 0): ((1,), True, False),  # the headline too
    (22, 0): ((1, 4), False, False),  # corrected twice: three texts
    (26, 0): ((3,), False, False),  # its next check is after R3: the revision comes at R4
    (27, 0): ((3,), False, True),  # the feed's date of the item moves: read again at R3 at once
    (30, 2): ((3,), False, False),  # first read in R2 (the run after the kill), revised at R3
    (NO_SUFFIX_TEXT, 0): ((1,), False, False),
    (REPEATS, 0): ((1,), False, False),
    (REDIRECTED_LINKS, 0): ((1,), False, False),
}


def new_in(feed: int, round_: int) -> bool:
    """Whether `feed` has a new item in `round_` (R0: 2-4 items each)."""
    return {
        1: feed % 5 == 1,
        2: True,  # every feed: the killed watcher has work in every feed
        3: feed % 7 == 3 or feed == GONE_AT,
        4: feed % 4 == 0,
    }.get(round_, False)


class World:
    """What the server serves: the same across server restarts."""

    def __init__(self) -> None:
        self.round = 0
        self.items: list[Item] = []
        key = 0
        for feed in range(N_FEEDS):
            plan = [0] * (2 + feed % 3) + [r for r in range(1, len(ROUNDS)) if new_in(feed, r)]
            for n, since in enumerate(plan):
                changes, headline, stamp = CHANGED.get((feed, n), ((), False, False))
                published = ROUNDS[since] - timedelta(minutes=40) - timedelta(hours=3 * (len(plan) - n))
                self.items.append(Item(key, feed, since, published, changes, headline, stamp))
                key += 1
        self.routes: dict[str, tuple[str, int]] = {}
        for feed in range(N_FEEDS):
            self.routes[feed_path(feed) if feed != MOVED else "/moved/07.xml"] = ("feed", feed)
        for item in self.items:
            self.routes[item.path] = ("page", item.key)
        self.hits: Counter[tuple[int, str]] = Counter()
        self.lock = threading.Lock()
        self.kill_point = self.first(KILLED_AT, since=2).key
        self.gone_point = self.first(GONE_AT, since=3).key
        self.kill_reached = threading.Event()
        self.gone = threading.Event()

    def first(self, feed: int, since: int = 0) -> Item:
        return next(i for i in self.items if i.feed == feed and i.since == since)

    def of(self, feed: int) -> list[Item]:
        return [i for i in self.items if i.feed == feed]

    def listed(self, feed: int) -> list[Item]:
        """The items the feed lists this round: its newest four, newest first (oldest first in odd rounds)."""
        items = sorted((i for i in self.of(feed) if i.since <= self.round), key=lambda i: -i.key)[:4]
        if feed == REPEATS:
            items = items + items
            random.Random(self.round).shuffle(items)
        elif self.round % 2:
            items.reverse()
        return items


def feed_path(feed: int) -> str:
    if feed in (NO_SUFFIX_TEXT, NO_SUFFIX_ATOM):
        return f"/feeds/{feed:02d}"
    return f"/feeds/{feed:02d}.xml"


def feed_xml(world: World, feed: int, base: str) -> bytes:
    site = f"The {PLACES[feed % len(PLACES)]} Courier"
    entries = []
    for item in world.listed(feed):
        title = article(item.key, item.version(world.round), item.new_headline)[0]
        moved = item.stamp_moves and item.version(world.round) > 1
        stamp = item.published + (timedelta(hours=5) if moved else timedelta())
        if feed in ATOM:
            entries.append(
                f'<entry><title>{title}</title><link href="{base}{item.link}"/><id>{base}{item.link}</id>'
                f"<updated>{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated><summary>{teaser(item.key)}</summary></entry>"
            )
        else:
            entries.append(
                f"<item><title>{title}</title><link>{base}{item.link}</link><guid>{base}{item.link}</guid>"
                f"<pubDate>{format_datetime(stamp, usegmt=True)}</pubDate><description>{teaser(item.key)}</description>"
                "</item>"
            )
    if feed in ATOM:
        return (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{site}</title>'
            f"<id>{base}/feeds/{feed}</id><updated>2025-10-06T06:00:00Z</updated>{''.join(entries)}</feed>"
        ).encode()
    ttl = "<ttl>10</ttl>" if feed in WITH_TTL else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{site}</title>'
        f"<link>{base}/</link><description>News from {PLACES[feed % len(PLACES)]}</description>{ttl}"
        f"{''.join(entries)}</channel></rss>"
    ).encode()


def page_html(item: Item, round_: int) -> bytes:
    title, paras = article(item.key, item.version(round_), item.new_headline)
    site = f"The {PLACES[item.feed % len(PLACES)]} Courier"
    when = item.published
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | {site}</title>'
        f'<meta property="article:published_time" content="{when.strftime("%Y-%m-%dT%H:%M:%SZ")}"></head><body>'
        '<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>'
        f'<article><h1>{title}</h1><p class="byline">By our correspondent, {when.strftime("%d %B %Y")}</p>'
        + "".join(f"<p>{p}</p>" for p in paras)
        + f"</article><footer>Copyright {site} 2025. All rights reserved.</footer></body></html>"
    ).encode()


# --- the server ------------------------------------------------------------------------------------------------


class _Site(LocalSite):
    allow_reuse_address = True  # a new server on the same port once the old one is gone
    daemon_threads = True
    world: World

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client killed mid-answer (a broken pipe) is part of these tests


class _Handler(SiteHandler):
    server: _Site

    def answer(self) -> None:
        world = self.server.world
        with world.lock:
            world.hits[(world.round, self.path)] += 1
            nth = world.hits[(world.round, self.path)]
        kind, which = world.routes.get(self.path, ("", 0))
        if self.path == "/robots.txt":
            self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif self.path in (feed_path(REDIRECT_LOOP), LOOP_BACK):
            self.send(302, Location=LOOP_BACK if self.path == feed_path(REDIRECT_LOOP) else feed_path(REDIRECT_LOOP))
        elif self.path == "/feeds/07.xml":
            self.send(301, Location="/moved/07.xml")
        elif self.path.startswith("/r/"):
            self.send(301, Location=next(i.path for i in world.items if i.link == self.path))
        elif kind == "feed":
            self.feed(world, which, nth)
        elif kind == "page":
            self.page(world, world.items[which], nth)
        else:
            self.send(404, b"not here", "text/plain")

    def feed(self, world: World, feed: int, nth: int) -> None:
        r = world.round
        time.sleep(SLOW_FEEDS.get(feed, 1.5 if feed == VERY_SLOW_FIRST and r == 0 else 0.0))
        if feed == FAILS_500 and r == 0:
            return self.send(500, b"internal error", "text/plain", Retry_After="0")
        if feed == FAILS_429 and r <= 1:
            return self.send(429, b"too many requests", "text/plain", Retry_After="120")
        if feed == FAILS_503_DATE and r == 0:
            later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
            return self.send(503, b"down for maintenance", "text/plain", Retry_After=later)
        if feed == BUSY_ONCE and r <= 1 and nth == 1:
            return self.send(503, b"busy", "text/plain", Retry_After="1")
        body = feed_xml(world, feed, self.server.base)
        if feed == HUGE_FEED and r == 0:
            body = body.replace(b"<channel>", b"<channel><!-- " + b"padding " * 40_000 + b"-->")
        if feed == TRUNCATED and r <= 1:
            second = body.index(b"<item>", body.index(b"<item>") + 1)
            body = body[: second + 60]
        if feed == ERROR_PAGE_FEED and r == 0:
            body = b"<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
        kind = {
            RSS_AS_HTML: "text/html; charset=utf-8",
            NO_SUFFIX_TEXT: "text/plain",
            NO_SUFFIX_ATOM: "application/octet-stream",
        }.get(feed, "application/atom+xml" if feed in ATOM else "application/rss+xml")
        headers = {} if feed in WITH_TTL else {"Cache_Control": "max-age=600"}
        if feed in WITH_ETAG:
            etag = f'"{sha1(body).hexdigest()[:12]}"'
            if self.headers.get("If-None-Match") == etag:
                return self.send(304, ETag=etag, **headers)
            headers["ETag"] = etag
        self.send(200, body, kind, **headers)

    def page(self, world: World, item: Item, nth: int) -> None:
        r = world.round
        if item.key == world.kill_point and r == 2 and not world.kill_reached.is_set():
            world.kill_reached.set()  # the watcher is killed while it waits for this page
            time.sleep(1.5)
        if item.key == world.gone_point and r == 3 and not world.gone.is_set():
            world.gone.set()  # the server goes away, and this request gets no answer at all
            self.server.shutdown()
            self.server.server_close()
            self.close_connection = True
            return
        if item.key == world.first(SLOW_PAGE).key and r <= 2:
            time.sleep(1.2)
        flaky = world.of(FLAKY_PAGES)
        if item.key == flaky[0].key and sum(n for (_, p), n in world.hits.items() if p == item.path) == 1:
            return self.send(503, b"busy", "text/plain", Retry_After="1")
        if item.key == flaky[1].key and r == 0:
            return self.send(500, b"internal error", "text/plain", Retry_After="0")
        body = page_html(item, r)
        if item.key == world.first(HUGE_PAGE).key and r <= 1:
            body = body.replace(b"<footer>", b"<aside>" + b"<p>more</p>" * 30_000 + b"</aside><footer>")
        kind = {TEXT_PLAIN_PAGES: "text/plain", OCTET_PAGES: "application/octet-stream"}.get(
            item.feed, "text/html; charset=utf-8"
        )
        if item.key == world.first(DRIP).key and r == 0:
            return self.drip(body)
        self.send(200, body, kind)

    def drip(self, body: bytes) -> None:
        """A page that comes slowly: its bytes in four parts, 0.25 s apart (each well within the fetcher's timeout)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = len(body) // 4 + 1
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            time.sleep(0.25)


class Web:
    """The server of a World, which can disappear and come back on the same port."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.server = self._start(0)
        self.port = self.server.server_address[1]
        self.base = self.server.base

    def _start(self, port: int) -> _Site:
        server = _Site(("127.0.0.1", port), _Handler)
        server.world, server.hits = self.world, {}
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def come_back(self) -> None:
        self.server = self._start(self.port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web() -> Iterator[Web]:
    site = Web(World())
    try:
        yield site
    finally:
        site.close()


# --- the watcher -----------------------------------------------------------------------------------------------

# One round of the watcher in a process of its own, to be killed.
WATCHER = """
import sys
from datetime import datetime
from storyline import open_store
from storyline.pipeline.watch import poll_due_feeds
from storyline.settings import Settings

store = open_store(sys.argv[1])
settings = Settings(allow_loopback=True, host_delay=0.0, max_document_bytes=int(sys.argv[3]))
poll_due_feeds(store, settings, datetime.fromisoformat(sys.argv[2]))
store.close()
"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def health(store: object, web: Web) -> dict[int, WatchedFeed]:
    """The followed feeds by index."""
    by_url = {web.base + feed_path(f): f for f in range(N_FEEDS)}
    return {by_url[f.url]: f for f in store.feeds()}  # type: ignore[attr-defined]


def failing(feeds: dict[int, WatchedFeed]) -> dict[int, str]:
    return {f: feed.last_error or "" for f, feed in feeds.items() if feed.failures}


def by_key(store: object) -> dict[int, list]:
    found: dict[int, list] = {}
    for a in store.articles():  # type: ignore[attr-defined]
        found.setdefault(key_of(a.text), []).append(a)
    return found


def watch_round(store: object, world: World, round_: int) -> WatchReport:
    world.round = round_
    return poll_due_feeds(store, SETTINGS, ROUNDS[round_])  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_watch_of_50_faulty_feeds_ingests_every_item_once_and_every_revision(web: Web, tmp_path: Path) -> None:
    world, db = web.world, tmp_path / "watch.db"
    store = open_store(db)
    for f in range(N_FEEDS):
        assert store.add_feed(web.base + feed_path(f))
    item = {(i.feed, n): i for f in range(N_FEEDS) for n, i in enumerate(world.of(f))}

    # R0: the first round meets most faults.
    r0 = watch_round(store, world, 0)
    assert r0.polled == N_FEEDS and r0.failed == 5
    feeds = health(store, web)
    reasons = failing(feeds)
    assert sorted(reasons) == [FAILS_500, FAILS_429, FAILS_503_DATE, REDIRECT_LOOP, HUGE_FEED], reasons
    assert "HTTP 500" in reasons[FAILS_500]
    assert "HTTP 429" in reasons[FAILS_429] and "retry after 120 s" in reasons[FAILS_429]
    assert "HTTP 503" in reasons[FAILS_503_DATE]
    assert "more than 5 redirects" in reasons[REDIRECT_LOOP]
    assert "larger than" in reasons[HUGE_FEED]
    assert all(feeds[f].next_poll == iso(ROUNDS[0] + timedelta(minutes=15)) for f in reasons)  # backed off
    assert world.hits[(0, feed_path(BUSY_ONCE))] == 2  # the fetcher waited as its 503 asked, then read it
    assert world.hits[(0, feed_path(FAILS_429))] == 1  # a Retry-After longer than a minute: given up, not slept
    assert world.hits[(0, feed_path(FAILS_500))] == 3  # tried again twice at once (Retry-After: 0)
    first_items = {f: sum(1 for i in world.of(f) if i.since == 0) for f in range(N_FEEDS) if f not in reasons}
    assert {f: feeds[f].items_seen for f in range(N_FEEDS) if f not in reasons} == first_items | {
        TRUNCATED: 1,  # what could be read of a cut feed
        ERROR_PAGE_FEED: 0,  # an error page where the feed should be: nothing
    }  # wrong content types, a moved feed, a busy one, repeated items: every item once
    seen = by_key(store)
    assert all(len(a) == 1 for a in seen.values())
    repeated = [i for i in world.of(REPEATS) if i.since == 0]
    assert {i.key for i in repeated} <= set(seen) and all(world.hits[(0, i.path)] == 1 for i in repeated)
    # pages that could not be read the first time: the feed's own text of the item stands in for now
    for fallback in (world.first(HUGE_PAGE), world.of(FLAKY_PAGES)[1]):
        [stored] = seen[fallback.key]
        assert teaser(fallback.key).split(". (")[0] in stored.text and "Reference SL-" not in stored.text
    [busy] = seen[world.of(FLAKY_PAGES)[0].key]
    assert "Reference SL-" in busy.text  # the page, after the wait its 503 asked for
    assert world.hits[(0, world.of(FLAKY_PAGES)[0].path)] == 2
    assert "Reference SL-" in seen[world.first(DRIP).key][0].text  # a page that came slowly, whole

    # Restart 1: the watcher stops cleanly and starts again on the same store.
    store.close()
    store = open_store(db)

    # R1: the 500, the 503 with a date and the huge feed heal; corrected pages come due for a check.
    r1 = watch_round(store, world, 1)
    assert r1.polled == N_FEEDS and r1.failed == 2 and r1.ingest.new_articles > 0
    reasons = failing(health(store, web))
    assert sorted(reasons) == [FAILS_429, REDIRECT_LOOP], reasons
    revisions = store.revisions([a.id for a in store.articles()])
    revised = {key_of(texts[0].text) for texts in revisions.values()}
    assert revised == {
        item[20, 0].key,
        item[21, 0].key,
        item[22, 0].key,
        item[NO_SUFFIX_TEXT, 0].key,
        item[REPEATS, 0].key,
        item[REDIRECTED_LINKS, 0].key,
        world.of(FLAKY_PAGES)[1].key,  # its page, readable now, replaces the feed's text
    }, revised
    assert r1.ingest.revised_articles == len(revised)
    assert any("larger than" in e.reason for e in r1.ingest.errors)  # the huge page, checked again: an error
    store.close()

    # R2, restart 2: a watcher in a process of its own is killed (SIGKILL) while it reads a slow page, mid-round.
    world.round = 2
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER, str(db), ROUNDS[2].isoformat(), str(MAX_BYTES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while not world.kill_reached.wait(0.2):
            if watcher.poll() is not None or time.monotonic() > deadline:
                watcher.kill()
                pytest.fail(f"the watcher never reached the page it is killed on: {watcher.communicate()}")
        os.kill(watcher.pid, signal.SIGKILL)
        assert watcher.wait(30) == -signal.SIGKILL
    finally:
        if watcher.poll() is None:
            watcher.kill()
        watcher.communicate()
    store = open_store(db)
    feeds = health(store, web)
    done = {f for f, feed in feeds.items() if feed.next_poll and feed.next_poll > iso(ROUNDS[2])}
    assert done == set(range(KILLED_AT)), sorted(done)  # killed mid-round: the feeds before it are recorded
    seen = by_key(store)
    assert world.kill_point not in seen and world.first(KILLED_AT - 1, since=2).key in seen
    assert all(len(a) == 1 for a in seen.values())
    [huge] = seen[world.first(HUGE_PAGE).key]
    assert "Reference SL-" in huge.text  # revised by the killed watcher before it died: kept
    rerun = poll_due_feeds(store, SETTINGS, ROUNDS[2])
    assert rerun.polled == N_FEEDS - KILLED_AT and rerun.failed == 0  # only what the killed round had not done
    reasons = failing(health(store, web))
    assert sorted(reasons) == [REDIRECT_LOOP], reasons  # the 429 healed (polled by the killed watcher)

    # R3: the server disappears while the watcher reads a page of feed 48; feed 49 then cannot be reached.
    r3 = watch_round(store, world, 3)
    assert world.gone.is_set()
    assert r3.polled == N_FEEDS and r3.failed == 2, failing(health(store, web))
    reasons = failing(health(store, web))
    assert sorted(reasons) == [REDIRECT_LOOP, GONE_AT + 1] and "cannot fetch" in reasons[GONE_AT + 1], reasons
    seen = by_key(store)
    [gone] = seen[world.gone_point]
    assert "Reference SL-" not in gone.text  # its page could not be read: the feed's text for now
    revisions = store.revisions([a.id for a in store.articles()])
    revised_count = {key_of(texts[0].text): len(texts) for texts in revisions.values()}
    assert revised_count.get(item[27, 0].key) == 2  # the feed said the item changed: read again at once
    assert item[26, 0].key not in revised_count  # changed too, but its next check is later
    assert revised_count.get(item[30, 2].key) == 2

    # R4: the server is back on the same port, every fault but the redirect loop healed; one more restart.
    web.come_back()
    store.close()
    store = open_store(db)
    r4 = watch_round(store, world, 4)
    assert r4.polled == N_FEEDS and r4.failed == 1
    feeds = health(store, web)
    assert failing(feeds).keys() == {REDIRECT_LOOP}
    assert feeds[REDIRECT_LOOP].failures == 5  # every round, each time backed off longer
    assert feeds[REDIRECT_LOOP].next_poll == iso(ROUNDS[4] + timedelta(minutes=15 * 2**4))
    assert feeds[GONE_AT + 1].failures == 0 and feeds[GONE_AT + 1].last_success

    # Every item of every readable feed is one article, with the page's latest text.
    expected = {i.key: i for i in world.items if i.feed != REDIRECT_LOOP}
    articles = list(store.articles())
    keys = Counter(key_of(a.text) for a in articles)
    assert keys == Counter(list(expected)), (
        f"twice: {sorted(k for k, n in keys.items() if n > 1)}, missing: {sorted(set(expected) - set(keys))}"
    )
    assert store.count_articles() == len(articles) == len(expected)
    urls = [a.url for a in articles if a.url]
    assert len(urls) == len(set(urls))
    for a in articles:
        it = expected[key_of(a.text)]
        title, paras = article(it.key, it.version(4), it.new_headline)
        assert a.title == title, (it, a.title)
        assert all(p in a.text for p in paras), (it, a.text)
        # (a page served with a content type other than HTML is stored without its address: see the xfail below)
        assert a.url == web.base + it.path or (a.url is None and it.feed in (TEXT_PLAIN_PAGES, OCTET_PAGES)), it
    assert not any(world.hits[(r, i.path)] for r in range(len(ROUNDS)) for i in world.of(REDIRECT_LOOP))
    assert {f: feed.items_seen for f, feed in feeds.items()} == {
        f: 0 if f == REDIRECT_LOOP else len(world.of(f)) for f in range(N_FEEDS)
    }

    # Every revision once: the corrected pages, and the items first stored from their feed's text.
    revisions = store.revisions([a.id for a in articles])
    counts = {key_of(texts[-1].text): [t.number for t in texts] for texts in revisions.values()}
    assert counts == {
        item[20, 0].key: [1, 2],
        item[21, 0].key: [1, 2],
        item[22, 0].key: [1, 2, 3],
        item[26, 0].key: [1, 2],
        item[27, 0].key: [1, 2],
        item[30, 2].key: [1, 2],
        item[NO_SUFFIX_TEXT, 0].key: [1, 2],
        item[REPEATS, 0].key: [1, 2],
        item[REDIRECTED_LINKS, 0].key: [1, 2],
        world.first(HUGE_PAGE).key: [1, 2],
        world.of(FLAKY_PAGES)[1].key: [1, 2],
        world.gone_point: [1, 2],
    }, counts
    [headline] = [a for a in articles if key_of(a.text) == item[21, 0].key]
    titles = [article(item[21, 0].key)[0], article(item[21, 0].key, 2, True)[0]]
    assert [t.title for t in revisions[headline.id]] == titles and headline.title == titles[1]

    # And every article is in a story, those the killed watcher stored included.
    assert len(store.story_ids_of([a.id for a in articles])) == len(articles)
    store.close()
