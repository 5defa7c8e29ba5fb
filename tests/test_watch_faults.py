"""Issue 17: a watch over a local server with 50 feeds, with the faults a real watch meets (slow answers, 429/500/503
with Retry-After, a redirect loop, huge bodies, malformed XML, wrong content types, feeds that repeat and reorder their
items, pages that are corrected later, a server that disappears mid-run) and watcher restarts (two clean ones, and a
watcher process killed with SIGKILL in the middle of a round), ingests every item exactly once and records every
revision. Faults the watch once mishandled have a test each at the end.

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
from tests.local_site import LocalSite, SiteHandler, running

from storyline import open_store
from storyline.errors import EmbedderError
from storyline.model import Article, WatchedFeed
from storyline.pipeline.watch import WatchReport, poll_due_feeds
from storyline.settings import Settings
from storyline.store import Store
from storyline.stories import similarity

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
FIRST_NAMES = [
    "Amara",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ingrid",
    "Jonas",
    "Kavya",
    "Lucien",
    "Marta",
    "Nikolai",
    "Olivia",
    "Paolo",
]
LAST_NAMES = [
    "Okafor",
    "Keller",
    "Bellandi",
    "Volkov",
    "Marsh",
    "Haddad",
    "Lindqvist",
    "Ferreira",
    "Solberg",
    "Weber",
    "Raman",
    "Moreau",
    "Petrenko",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# What an article is about: its name, who runs it, its head, what it counts, a fact about it.
SUBJECTS = [
    ("harbour", "the {place} port authority", "harbour master", "berths", "ships grain and timber across the sea"),
    ("general hospital", "the regional health service", "medical director", "beds", "serves eleven villages"),
    ("stone bridge", "the roads department", "chief engineer", "lanes", "has stood since the eighteenth century"),
    ("teachers' college", "the education office", "rector", "classrooms", "trains most teachers of the province"),
    ("steel works", "Ironleaf Steel", "plant manager", "furnaces", "supplies beams to shipyards on three continents"),
    (
        "city museum",
        "the {place} culture department",
        "curator",
        "galleries",
        "holds the largest collection of the region",
    ),
    (
        "railway station",
        "Cobalt Rail",
        "station manager",
        "platforms",
        "links the valley with the capital and the coast",
    ),
    ("water works", "the {place} municipal utility", "operations chief", "pumps", "supplies half a million residents"),
    ("football stadium", "the {place} sports club", "club president", "stands", "hosted the national cup final"),
    (
        "public library",
        "the {place} city council",
        "head librarian",
        "reading rooms",
        "lends the most books in the region",
    ),
    ("regional airport", "Tidemark Aviation", "airport director", "gates", "handles charter flights to the islands"),
    (
        "farmers' market",
        "the {place} market association",
        "market chairwoman",
        "stalls",
        "sells cheese from nearby farms",
    ),
    ("wind farm", "Northwind Energy", "site manager", "turbines", "produces a fifth of the district's electricity"),
    ("zoo", "the {place} zoological society", "zoo director", "enclosures", "breeds snow leopards and red pandas"),
    ("textile mill", "Solenne Textiles", "mill owner", "looms", "weaves wool for fashion houses in Milan and Paris"),
]
# What happened to it: a headline and two paragraphs; {n1} is the figure a correction changes.
EVENTS = [
    (
        "{Place} {subject} to add {n1} {unit}",
        "The {subject} of {place} will add {n1} {unit} by the end of next year, {owner} announced on {day}, in a project "
        "worth {n2} million euros.",
        "{person}, the {head}, said the work would be done in stages so that the {subject} can stay open.",
    ),
    (
        "Workers at {place} {subject} strike for {n1} hours",
        "Staff at the {subject} in {place} walked out for {n1} hours on {day} in a dispute with {owner} over pay and "
        "night shifts.",
        "Their union said {n2} workers took part; {person}, the {head}, called the strike regrettable and offered talks.",
    ),
    (
        "Fire damages {place} {subject}",
        "A fire broke out at the {subject} of {place} early on {day} and damaged {n1} {unit} before firefighters brought "
        "it under control.",
        "Nobody was hurt. {person}, the {head}, said the damage could reach {n2} thousand euros and that investigators "
        "suspect faulty wiring.",
    ),
    (
        "{Place} {subject} wins {n1} million in funding",
        "The {subject} in {place} has been awarded {n1} million euros from a national modernisation fund, {owner} said "
        "on {day}.",
        "The money will pay for {n2} new jobs and new {unit}, according to {person}, the {head}.",
    ),
    (
        "Inspectors find {n1} faults at {place} {subject}",
        "Safety inspectors found {n1} faults during a surprise visit to the {subject} of {place} on {day}, their report "
        "says.",
        "The owners have {n2} days to fix them. {person}, the {head}, said most of the faults were minor and some "
        "already repaired.",
    ),
    (
        "{Place} {subject} to close {n1} {unit} to save money",
        "{Owner} will close {n1} {unit} at the {subject} of {place} from January, it confirmed on {day}, blaming rising "
        "energy costs.",
        "Residents collected {n2} signatures against the plan. {person}, the {head}, promised that no one would lose "
        "their job.",
    ),
    (
        "{Place} {subject} celebrates {n1} years",
        "The {subject} of {place} marked its {n1}th anniversary on {day} with an open day that drew thousands of "
        "visitors.",
        "{person}, the {head}, unveiled a plaque and a book of {n2} photographs from its archives.",
    ),
    (
        "Thieves take {n1} items from {place} {subject}",
        "Burglars broke into the {subject} in {place} on the night to {day} and took {n1} items, police said.",
        "Cameras filmed two men in a van. {person}, the {head}, said the loss was about {n2} thousand euros.",
    ),
    (
        "New {head} named at {place} {subject} after {n1} weeks",
        "{Owner} named {person} as the new {head} of the {subject} in {place} on {day}, after a search that lasted {n1} "
        "weeks.",
        "{person} previously managed {n2} staff abroad and said the first task would be to renew the {unit}.",
    ),
    (
        "Cyber attack shuts {place} {subject} for {n1} hours",
        "A cyber attack shut down the computer systems of the {subject} in {place} on {day} for {n1} hours, {owner} "
        "said.",
        "The attackers demanded a ransom, which will not be paid. {person}, the {head}, said {n2} records may have "
        "been copied.",
    ),
]
CLOSINGS = [
    "Opposition councillors in {place} asked for a public hearing before the end of the month.",
    "Neighbours of the {subject} said they had expected news like this for years.",
    "Shopkeepers in {place} fear the news will keep visitors away during the holidays.",
    "The mayor of {place} said the city would publish every document on its website.",
    "A spokesman for the provincial government said it was following the matter closely.",
    "Readers can send their questions about the {subject} to our newsroom in {place}.",
    "Our newspaper first reported the story on its website on {day} evening.",
]


def article(key: int, version: int = 1, new_headline: bool = False) -> tuple[str, list[str]]:
    """The headline and paragraphs of article `key` as its `version` says: 2 corrects a figure, 3 adds an update."""
    rng = random.Random(key)
    subject, owner, head, unit, fact = SUBJECTS[key % len(SUBJECTS)]
    headline, first, second = EVENTS[(key // len(SUBJECTS) + key) % len(EVENTS)]
    place = PLACES[key * 7 % len(PLACES)]
    n1 = rng.randint(12, 480)
    owner = owner.format(place=place)
    values = {
        "place": place,
        "Place": place,
        "subject": subject,
        "owner": owner,
        "Owner": owner[0].upper() + owner[1:],
        "head": head,
        "unit": unit,
        "person": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "n1": n1 + (7 if version >= 2 else 0),
        "n2": rng.randint(3, 900),
        "day": DAYS[key % len(DAYS)],
    }
    title = headline.format(**values)
    paras = [
        first.format(**values),
        second.format(**values)
        + f" The {subject} {fact} and employs {rng.randint(40, 2000)} people. Last year its budget grew by"
        + f" {rng.randint(2, 19)} per cent, to {rng.randint(5, 90)} million euros, the annual report shows.",
        CLOSINGS[key % len(CLOSINGS)].format(**values) + f" Reference SL-{key:04d}.",
    ]
    if version >= 2:
        paras.append(f"Correction: an earlier version of this report gave the figure as {n1} instead of {n1 + 7}.")
        if new_headline:
            title += ", officials confirm"
    if version >= 3:
        paras.append(f"Update: {values['person']} said late on {values['day']} that a decision is expected next week.")
    return title[0].upper() + title[1:], paras


def teaser(key: int) -> str:
    """What a feed says of an item: its first sentence, with the reference."""
    return re.split(r"(?<=\.) ", article(key)[1][0])[0] + f" (SL-{key:04d})"


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
SLOW_FEED = 1  # 0.5 s every round
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
SLOW_PAGE = 24  # its first item's page takes 1.2 s in R0
KILLED_AT = 25  # R2: a watcher that has read this feed's new (slow) page is killed as soon as it stores anything
DRIP = 31  # its first item's page comes in slow chunks in R0
GONE_AT = 48  # R3: the server disappears when this feed is asked for, and is back on the same port 4.5 s later
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
    """Whether `feed` has a new item in `round_` (R0 gives each feed 2-4)."""
    return {
        1: feed % 5 == 1,
        2: feed % 3 == 1 or feed in (KILLED_AT - 1, 30),
        3: feed % 7 == 3 or feed == GONE_AT,
        4: feed % 10 == 0,
    }.get(round_, False)


class World:
    """What the server serves: the same across server restarts."""

    def __init__(self) -> None:
        self.round = 0
        self.items: list[Item] = []
        key = 0
        for feed in range(N_FEEDS):
            plan = [0] * (2 + (feed % 3 == 1) + (feed % 9 == 4)) + [r for r in range(1, len(ROUNDS)) if new_in(feed, r)]
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
        self.not_modified: Counter[int] = Counter()  # 304 answers by round
        self.lock = threading.Lock()
        self.kill_point = self.first(KILLED_AT, since=2).key
        self.kill_reached = threading.Event()
        self.gone, self.back = threading.Event(), threading.Event()

    def first(self, feed: int, since: int = 0) -> Item:
        return next(i for i in self.items if i.feed == feed and i.since == since)

    def of(self, feed: int) -> list[Item]:
        return [i for i in self.items if i.feed == feed]

    def listed(self, feed: int) -> list[Item]:
        """The items the feed lists this round: its newest four, newest first (odd feeds: oldest first in odd
        rounds; the repeating feed: each twice, shuffled)."""
        items = sorted((i for i in self.of(feed) if i.since <= self.round), key=lambda i: -i.key)[:4]
        if feed == REPEATS:
            items = items + items
            random.Random(self.round).shuffle(items)
        elif self.round % 2 and feed % 2:
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
                f"<published>{item.published.strftime('%Y-%m-%dT%H:%M:%SZ')}</published>"
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
    web: Web

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
        time.sleep(0.5 if feed == SLOW_FEED else 1.5 if feed == VERY_SLOW_FIRST and r == 0 else 0.0)
        if feed == FAILS_500 and r == 0:
            return self.send(500, b"internal error", "text/plain", Retry_After="0")
        if feed == FAILS_429 and r <= 1:
            return self.send(429, b"too many requests", "text/plain", Retry_After="120")
        if feed == FAILS_503_DATE and r == 0:
            later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
            return self.send(503, b"down for maintenance", "text/plain", Retry_After=later)
        if feed == BUSY_ONCE and r <= 1 and nth == 1:
            return self.send(503, b"busy", "text/plain", Retry_After="1")
        if feed == GONE_AT and r == 3 and not world.gone.is_set():
            world.gone.set()  # the server goes away, and this request gets no answer at all
            self.server.web.disappear(4.5)
            self.close_connection = True
            return None
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
                with world.lock:
                    world.not_modified[r] += 1
                return self.send(304, b"", kind, ETag=etag, **headers)
            headers["ETag"] = etag
        self.send(200, body, kind, **headers)

    def page(self, world: World, item: Item, nth: int) -> None:
        r = world.round
        if item.key == world.kill_point and r == 2 and not world.kill_reached.is_set():
            world.kill_reached.set()  # the watcher is at this page: it is killed once it has stored something
            time.sleep(1.5)
        if item.key == world.first(SLOW_PAGE).key and r == 0:
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
        self.closed = False
        self.server = self._start(0)
        self.port = self.server.server_address[1]
        self.base = self.server.base

    def _start(self, port: int) -> _Site:
        server = _Site(("127.0.0.1", port), _Handler)
        server.world, server.web, server.hits = self.world, self, {}
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server

    def disappear(self, seconds: float) -> None:
        """(From a request's thread.) Close the server now: connections are refused; a new one listens on the same
        port `seconds` later."""
        self.server.shutdown()
        self.server.server_close()

        def come_back() -> None:
            time.sleep(seconds)
            if not self.closed:
                self.server = self._start(self.port)
                self.world.back.set()

        threading.Thread(target=come_back, daemon=True).start()

    def close(self) -> None:
        self.closed = True
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _no_second_opinion(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stories' second-opinion encoder costs this machine about half a second of CPU for each article whose
    story is uncertain (most of these templated ones): here it is unavailable, as when it is not installed, and the
    first model decides alone (in this process; a watcher process of its own keeps it). The watch is under test."""

    def unavailable(name: str, settings: Settings | None = None) -> None:
        raise EmbedderError(f"the {name} encoder is left out of these tests")

    monkeypatch.setattr(similarity, "get_embedder", unavailable)


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


def stored_in_round(reader: Store, moment: datetime) -> bool:
    """Whether a watcher has stored a feed it polled at `moment` (read from another connection while it runs)."""
    return any(not f.failures and f.next_poll and f.next_poll > iso(moment) for f in reader.feeds())


def health(store: Store, web: Web) -> dict[int, WatchedFeed]:
    """The followed feeds by index."""
    by_url = {web.base + feed_path(f): f for f in range(N_FEEDS)}
    return {by_url[f.url]: f for f in store.feeds()}


def failing(feeds: dict[int, WatchedFeed]) -> dict[int, str]:
    return {f: feed.last_error or "" for f, feed in feeds.items() if feed.failures}


def by_key(store: Store) -> dict[int, list[Article]]:
    """The stored articles by the number of the item they are."""
    found: dict[int, list[Article]] = {}
    for a in store.articles():
        found.setdefault(key_of(a.text), []).append(a)
    return found


def watch_round(store: Store, world: World, round_: int) -> WatchReport:
    world.round = round_
    return poll_due_feeds(store, SETTINGS, ROUNDS[round_])


@pytest.mark.slow
def stand_ins(store: Store) -> set[str]:
    """The pages whose items are stored from their feed's own text, as the store's warnings name them."""
    return {
        e["origin"]
        for e in store.browse_errors(limit=None).items
        if e["severity"] == "warning" and "feed's own text" in e["reason"]
    }


def test_a_watch_of_50_faulty_feeds_ingests_every_item_once_and_every_revision(web: Web, tmp_path: Path) -> None:
    world, db = web.world, tmp_path / "watch.db"
    store = open_store(db)
    for f in range(N_FEEDS):
        assert store.add_feed(web.base + feed_path(f))
    item = {(i.feed, n): i for f in range(N_FEEDS) for n, i in enumerate(world.of(f))}

    # R0: the first round meets most faults.
    r0 = watch_round(store, world, 0)
    assert r0.polled == N_FEEDS and r0.failed == 6
    feeds = health(store, web)
    reasons = failing(feeds)
    assert sorted(reasons) == sorted([FAILS_500, FAILS_429, FAILS_503_DATE, REDIRECT_LOOP, HUGE_FEED, ERROR_PAGE_FEED])
    assert "not a readable RSS/Atom feed" in reasons[ERROR_PAGE_FEED]  # an error page where the feed should be
    assert "HTTP 500" in reasons[FAILS_500]
    assert "HTTP 429" in reasons[FAILS_429] and "retry after 120 s" in reasons[FAILS_429]
    assert "HTTP 503" in reasons[FAILS_503_DATE]
    assert "more than 5 redirects" in reasons[REDIRECT_LOOP]
    assert "larger than" in reasons[HUGE_FEED]
    backed_off = iso(ROUNDS[0] + timedelta(minutes=15))
    assert all(feeds[f].next_poll == backed_off for f in (FAILS_500, REDIRECT_LOOP, HUGE_FEED))
    assert all((feeds[f].next_poll or "") >= backed_off for f in (FAILS_429, FAILS_503_DATE))  # (or when they said)
    assert world.hits[(0, feed_path(BUSY_ONCE))] == 2  # the fetcher waited as its 503 asked, then read it
    assert world.hits[(0, feed_path(FAILS_429))] == 1  # a Retry-After longer than a minute: given up, not slept
    assert world.hits[(0, feed_path(FAILS_500))] == 3  # tried again twice at once (Retry-After: 0)
    first_items = {f: sum(1 for i in world.of(f) if i.since == 0) for f in range(N_FEEDS) if f not in reasons}
    assert {f: feeds[f].items_seen for f in range(N_FEEDS) if f not in reasons} == first_items | {
        TRUNCATED: 1,  # what could be read of a cut feed
    }  # wrong content types, a moved feed, a busy one, repeated items: every item once
    seen = by_key(store)
    assert all(len(a) == 1 for a in seen.values()) and len(seen) == sum(f.items_seen for f in feeds.values())
    fallbacks = {world.first(HUGE_PAGE).key, world.of(FLAKY_PAGES)[1].key}
    # the page itself, read whatever its type (text/plain, none), however slowly it came (within the timeout)
    assert all("Reference SL-" in seen[k][0].text for k in set(seen) - fallbacks)
    assert {world.first(SLOW_PAGE).key, world.first(DRIP).key, *(i.key for i in world.of(OCTET_PAGES))} <= set(seen)
    repeated = [i for i in world.of(REPEATS) if i.since == 0]
    assert {i.key for i in repeated} <= set(seen) and all(world.hits[(0, i.path)] == 1 for i in repeated)
    # pages that could not be read the first time: the feed's own text of the item stands in for now
    for fallback in (world.first(HUGE_PAGE), world.of(FLAKY_PAGES)[1]):
        [stored] = seen[fallback.key]
        assert teaser(fallback.key).split(". (")[0] in stored.text and "Reference SL-" not in stored.text
    # ... and say so: a warning under the page's address, in the round's report and in the store's errors
    assert stand_ins(store) == {web.base + world.first(HUGE_PAGE).path, web.base + world.of(FLAKY_PAGES)[1].path}
    assert {w.origin for w in r0.ingest.warnings if "feed's own text" in w.reason} == stand_ins(store)
    assert world.hits[(0, world.of(FLAKY_PAGES)[0].path)] == 2  # read after the wait its 503 asked for

    # Restart 1: the watcher stops cleanly and starts again on the same store.
    store.close()
    store = open_store(db)

    # R1: the 500, the 503 with a date and the huge feed heal; corrected pages come due for a check.
    r1 = watch_round(store, world, 1)
    assert r1.polled == N_FEEDS and r1.failed == 2 and r1.ingest.new_articles > 0
    assert r1.not_modified == world.not_modified[1] > 0  # unchanged feeds: a conditional request, a 304
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
    assert stand_ins(store) == {web.base + world.first(HUGE_PAGE).path}  # the flaky page was read: its warning goes
    assert any("larger than" in e.reason for e in r1.ingest.errors)  # the huge page, checked again: an error
    store.close()

    # R2, restart 2: a watcher in a process of its own is killed (SIGKILL) mid-round: once it has reached a slow
    # page and stored the first of the round's feeds (a watcher that stores feed by feed as it reads them has stored
    # the feeds before that page by then; one that reads every page first has begun to store).
    world.round = 2
    log = tmp_path / "watcher.log"
    with log.open("wb") as output:
        watcher = subprocess.Popen(
            [sys.executable, "-c", WATCHER, str(db), ROUNDS[2].isoformat(), str(MAX_BYTES)],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    reader = open_store(db, read_only=True)
    try:
        deadline = time.monotonic() + 120
        while not (world.kill_reached.is_set() and stored_in_round(reader, ROUNDS[2])):
            if watcher.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the watcher ended or stalled before the point it is killed at: {log.read_text()[-3000:]}")
            time.sleep(0.01)
        os.kill(watcher.pid, signal.SIGKILL)
        assert watcher.wait(30) == -signal.SIGKILL
    finally:
        reader.close()
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait(30)
    store = open_store(db)
    feeds = health(store, web)
    done = {f for f, feed in feeds.items() if feed.next_poll and feed.next_poll > iso(ROUNDS[2])}
    stored = {f for f in done if not feeds[f].failures}
    assert REDIRECT_LOOP in done and stored, sorted(done)  # killed mid-round, after it had stored something
    seen = by_key(store)
    assert all(len(a) == 1 for a in seen.values())
    assert all(i.key in seen for f in stored for i in world.of(f) if i.since == 2)  # marked read: stored
    # a feed killed between marking its items read and recording its poll: they are not counted as seen again
    # (test_a_watcher_killed_before_it_records_a_poll_still_counts_the_items_it_stored, below)
    marked = {
        f: store.feed_items(web.base + feed_path(f), [web.base + i.link for i in world.of(f)]) for f in range(N_FEEDS)
    }
    interrupted = {
        f for f in set(range(N_FEEDS)) - done if any(m.first_read == iso(ROUNDS[2]) for m in marked[f].values())
    }
    rerun = poll_due_feeds(store, SETTINGS, ROUNDS[2])
    assert rerun.polled == N_FEEDS - len(done) and rerun.failed == 0  # only what the killed round had not done
    reasons = failing(health(store, web))
    assert sorted(reasons) == [REDIRECT_LOOP], reasons  # the 429 healed

    # R3: the server disappears when feed 48 is asked for, and comes back on the same port 4.5 s later: feed 48
    # fails (its tries run out while the port is closed), and feed 49, on the same host, fails at once: a host
    # that could not be reached is not tried again in the same round (50 feeds of a dead host would take minutes).
    r3 = watch_round(store, world, 3)
    assert world.gone.is_set()
    assert r3.polled == N_FEEDS and r3.failed == 3, failing(health(store, web))
    feeds = health(store, web)
    reasons = failing(feeds)
    assert sorted(reasons) == [REDIRECT_LOOP, GONE_AT, GONE_AT + 1] and "cannot fetch" in reasons[GONE_AT], reasons
    assert "could not be reached" in reasons[GONE_AT + 1] and world.hits.get((3, feed_path(GONE_AT + 1)), 0) == 0
    assert world.back.wait(10)  # the server is back before the next round
    # Items new in R3 whose feed was read before the server went: their pages were not, so their feed's text stands
    # in for now (revised into the page in R4).
    gone_teasers = {i.key for i in world.items if i.since == 3 and i.feed not in (REDIRECT_LOOP, GONE_AT, GONE_AT + 1)}
    assert gone_teasers and all("Reference SL-" not in by_key(store)[k][0].text for k in gone_teasers)
    revisions = store.revisions([a.id for a in store.articles()])
    revised_count = {key_of(texts[0].text): len(texts) for texts in revisions.values()}
    # Pages are read after the feeds: the server was gone by then, so these changes wait for the next round.
    assert item[27, 0].key not in revised_count and item[30, 2].key not in revised_count
    assert item[26, 0].key not in revised_count  # changed too, but its next check is later

    # R4: every fault but the redirect loop healed; one more clean restart first.
    store.close()
    store = open_store(db)
    r4 = watch_round(store, world, 4)
    assert r4.polled == N_FEEDS and r4.failed == 1
    feeds = health(store, web)
    assert failing(feeds).keys() == {REDIRECT_LOOP}
    assert feeds[REDIRECT_LOOP].failures == 5  # every round, each time backed off longer
    assert feeds[REDIRECT_LOOP].next_poll == iso(ROUNDS[4] + timedelta(minutes=15 * 2**4))
    assert feeds[GONE_AT].failures == 0 and feeds[GONE_AT].last_success and feeds[GONE_AT + 1].failures == 0
    revisions = store.revisions([a.id for a in store.articles()])
    revised_count = {key_of(texts[0].text): len(texts) for texts in revisions.values()}
    assert revised_count.get(item[27, 0].key) == 2  # the feed said the item changed: read once the page answered
    assert revised_count.get(item[30, 2].key) == 2  # first read in R2 (by either watcher), checked again

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
        # (a page served with a content type other than HTML keeps its address: see the test below)
        assert a.url == web.base + it.path or (a.url is None and it.feed in (TEXT_PLAIN_PAGES, OCTET_PAGES)), it
    assert not any(world.hits[(r, i.path)] for r in range(len(ROUNDS)) for i in world.of(REDIRECT_LOOP))
    assert {f: feed.items_seen for f, feed in feeds.items() if f not in interrupted} == {
        f: 0 if f == REDIRECT_LOOP else len(world.of(f)) for f in range(N_FEEDS) if f not in interrupted
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
    } | {key: [1, 2] for key in gone_teasers}, counts
    [headline] = [a for a in articles if key_of(a.text) == item[21, 0].key]
    titles = [article(item[21, 0].key)[0], article(item[21, 0].key, 2, True)[0]]
    assert [t.title for t in revisions[headline.id]] == titles and headline.title == titles[1]

    # And every article is in a story, those the killed watcher stored included.
    assert len(store.story_ids_of([a.id for a in articles])) == len(articles)
    store.close()


# --- focused tests --------------------------------------------------------------------------------------------


class _Pages(LocalSite):
    routes: dict[str, tuple[int, bytes, str, dict[str, str]]]


class _PagesHandler(SiteHandler):
    server: _Pages

    def answer(self) -> None:
        status, body, kind, headers = self.server.routes.get(self.path, (404, b"not here", "text/plain", {}))
        self.send(status, body, kind, **headers)


@pytest.fixture
def pages() -> Iterator[_Pages]:
    with running(_Pages, _PagesHandler) as site:
        site.routes = {}
        yield site


def rss(base: str, links: list[tuple[str, Item]]) -> tuple[int, bytes, str, dict[str, str]]:
    """A feed answer: its items (link, item) as listed, fresh for 10 minutes."""
    items = "".join(
        f"<item><title>{article(i.key)[0]}</title><link>{base}{link}</link>"
        f"<pubDate>{format_datetime(i.published, usegmt=True)}</pubDate><description>{teaser(i.key)}</description></item>"
        for link, i in links
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>The Courier</title>{items}</channel></rss>'
    return 200, body.encode(), "application/rss+xml", {"Cache_Control": "max-age=600"}


def html(item: Item, round_: int = 0, kind: str = "text/html; charset=utf-8") -> tuple[int, bytes, str, dict[str, str]]:
    return 200, page_html(item, round_), kind, {}


def test_an_item_listed_twice_and_moved_about_is_read_once(pages: _Pages, tmp_path: Path) -> None:
    items = [Item(900 + n, 0, 0, T0 - timedelta(hours=n)) for n in range(3)]
    pages.routes |= {f"/news/{i.key}.html": html(i) for i in items}
    store = open_store(tmp_path / "repeats.db")
    store.add_feed(pages.base + "/feed.xml")
    for n, order in enumerate([[0, 1, 0, 2, 1], [2, 1, 1, 0, 2, 0], [1, 2, 0, 0]]):
        pages.routes["/feed.xml"] = rss(pages.base, [(f"/news/{items[o].key}.html", items[o]) for o in order])
        report = poll_due_feeds(store, SETTINGS, T0 + timedelta(minutes=20 * n))  # no check for corrections due yet
        assert (report.polled, report.new_items, report.reread) == (1, 3 if n == 0 else 0, 0)
    assert [pages.hits[f"/news/{i.key}.html"] for i in items] == [1, 1, 1]
    assert sorted(key_of(a.text) for a in store.articles()) == [900, 901, 902]
    assert store.feeds()[0].items_seen == 3


# Faults the watch once mishandled, each reproduced.


def test_a_page_served_as_plain_text_keeps_its_address_and_its_correction_is_a_revision(
    pages: _Pages, tmp_path: Path
) -> None:
    item = Item(910, 0, 0, T0, changes=(1,))
    pages.routes |= {
        "/feed.xml": rss(pages.base, [("/plain/910.html", item)]),
        "/plain/910.html": html(item, 0, "text/plain"),
    }
    store = open_store(tmp_path / "plain.db")
    store.add_feed(pages.base + "/feed.xml")
    assert poll_due_feeds(store, SETTINGS, T0).ingest.new_articles == 1
    pages.routes["/plain/910.html"] = html(item, 1, "text/plain")  # corrected
    again = poll_due_feeds(store, SETTINGS, T0 + timedelta(hours=2))  # its check for corrections is due
    assert (again.ingest.revised_articles, again.ingest.new_articles, store.count_articles()) == (1, 0, 1)
    [stored] = list(store.articles())
    assert stored.url == pages.base + "/plain/910.html"


def test_a_redirected_item_first_stored_from_its_feed_is_revised_not_doubled(pages: _Pages, tmp_path: Path) -> None:
    item = Item(920, 0, 0, T0)
    pages.routes |= {
        "/feed.xml": rss(pages.base, [("/r/920", item)]),
        "/r/920": (301, b"", "text/plain", {"Location": "/news/920.html"}),
        "/news/920.html": (500, b"internal error", "text/plain", {"Retry_After": "0"}),
    }
    store = open_store(tmp_path / "redirect.db")
    store.add_feed(pages.base + "/feed.xml")
    assert poll_due_feeds(store, SETTINGS, T0).ingest.new_articles == 1  # the feed's text, for now
    pages.routes["/news/920.html"] = html(item)
    later = poll_due_feeds(store, SETTINGS, T0 + timedelta(hours=2))
    assert (later.ingest.revised_articles, later.ingest.new_articles, store.count_articles()) == (1, 0, 1)


def test_a_feed_that_cannot_be_read_is_shown_failing(pages: _Pages, tmp_path: Path) -> None:
    error_page = b"<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
    pages.routes["/feed.xml"] = (200, error_page, "text/html", {})
    store = open_store(tmp_path / "unreadable.db")
    store.add_feed(pages.base + "/feed.xml")
    report = poll_due_feeds(store, SETTINGS, T0)
    [feed] = store.feeds()
    assert report.failed == 1 and feed.failures == 1 and feed.last_error


def test_a_feed_address_that_answers_a_web_page_stores_no_article(pages: _Pages, tmp_path: Path) -> None:
    wall = "Our news service is for subscribers only. Sign in with your account or subscribe today to read on. " * 4
    page = (
        f"<!doctype html><html><head><title>Please sign in</title></head><body><main><h1>Please sign in</h1><p>{wall}"
    )
    pages.routes["/rss"] = (200, (page + "</p></main></body></html>").encode(), "text/html", {})
    store = open_store(tmp_path / "wall.db")
    store.add_feed(pages.base + "/rss")
    poll_due_feeds(store, SETTINGS, T0)
    assert store.count_articles() == 0 and store.feeds()[0].failures == 1


def test_a_watcher_killed_before_it_records_a_poll_still_counts_the_items_it_stored(
    pages: _Pages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [Item(930 + n, 0, 0, T0 - timedelta(hours=n)) for n in range(2)]
    pages.routes |= {f"/news/{i.key}.html": html(i) for i in items}
    pages.routes["/feed.xml"] = rss(pages.base, [(f"/news/{i.key}.html", i) for i in items])
    store = open_store(tmp_path / "killed.db")
    store.add_feed(pages.base + "/feed.xml")

    def killed(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # the process ends here: what it committed stays, nothing after runs

    with monkeypatch.context() as patch:
        patch.setattr(store, "record_poll", killed)
        with pytest.raises(KeyboardInterrupt):
            poll_due_feeds(store, SETTINGS, T0)
    assert store.count_articles() == 2  # stored and marked read before the kill
    poll_due_feeds(store, SETTINGS, T0)  # the watcher again: the feed's poll was not recorded, so it is due
    assert store.count_articles() == 2 and store.feeds()[0].items_seen == 2


def test_articles_stored_by_a_killed_watcher_get_their_stories_in_the_next_round(
    pages: _Pages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = Item(940, 0, 0, T0)
    pages.routes |= {"/feed.xml": rss(pages.base, [("/news/940.html", item)]), "/news/940.html": html(item)}
    store = open_store(tmp_path / "stories.db")
    store.add_feed(pages.base + "/feed.xml")

    def killed(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("storyline.pipeline.watch.update_stories", killed)
        with pytest.raises(KeyboardInterrupt):
            poll_due_feeds(store, SETTINGS, T0)
    poll_due_feeds(store, SETTINGS, T0 + timedelta(minutes=20))  # the feed is due again; nothing new in it
    [stored] = list(store.articles())
    assert store.story_ids_of([stored.id])


def test_a_new_item_whose_page_cannot_be_read_is_an_error_in_the_store_until_it_is_read(
    pages: _Pages, tmp_path: Path
) -> None:
    item = Item(950, 0, 0, T0)
    link = f"{pages.base}/news/950.html"
    body = (  # no description: the feed has no text of its own to stand in for the page
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>The Courier</title><item><title>{article(item.key)[0]}'
        f"</title><link>{link}</link><pubDate>{format_datetime(item.published, usegmt=True)}</pubDate></item>"
        "</channel></rss>"
    )
    pages.routes["/feed.xml"] = (200, body.encode(), "application/rss+xml", {})
    store = open_store(tmp_path / "lost.db")
    store.add_feed(pages.base + "/feed.xml")
    first = poll_due_feeds(store, SETTINGS, T0)  # the page answers 404
    errors = store.browse_errors(limit=None).items
    assert store.count_articles() == 0 and [e.origin for e in first.ingest.errors] == [link]
    assert [(e["origin"], e["severity"], e["stage"]) for e in errors] == [(link, "error", "source")]
    assert "404" in errors[0]["reason"]
    pages.routes["/news/950.html"] = html(item)
    later = poll_due_feeds(store, SETTINGS, T0 + timedelta(hours=1))  # read again as new: stored, the error gone
    assert later.ingest.new_articles == 1 and store.browse_errors(limit=None).items == []
