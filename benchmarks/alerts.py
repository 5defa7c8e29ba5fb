"""Alert latency: from an item's appearance in a feed to its alert at a webhook, through the whole watcher.

    python benchmarks/alerts.py              # 20 rounds over a store of 300 background articles
    python benchmarks/alerts.py --rounds 5   # a quick look

A local server (127.0.0.1) serves a feed and article pages, and a webhook receiver records when each POST
arrives. Each round publishes a rumour about a new pair of companies (a new story) and, in the next, its
confirmation in another language; a watchlist follows every rumoured event's first party by word. The watcher
polls as soon as the item appears (its schedule set due): the figure is the work from appearance to webhook
(poll, page fetch, extraction, analysis, claims, assignment, timeline, alert, POST). Waiting for the poll is
extra and set by the feed's schedule (5 minutes to 6 hours, see pipeline/watch.py). Reference in the same run:
the time of one plain `trafilatura.extract` of the same page, the floor of reading it at all.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trafilatura

from storyline import Settings, open_store
from storyline.eval.datasets import bench_dir
from storyline.model import Watchlist
from storyline.pipeline.alerts import add_watchlist
from storyline.pipeline.watch import poll_due_feeds

RUMOUR = "{a} reportedly plans to buy {b}, people familiar with the matter said."
CONFIRMED = "{a} ha confermato oggi l'acquisizione di {b}."
FILLER_EN = "The company from {city} employs {n} people and sells its products across Europe."
FILLER_IT = "L'azienda di {city} impiega {n} persone e vende i suoi prodotti in tutta Europa."
CITIES = ["Leeds", "Bristol", "Lyon", "Graz", "Porto", "Utrecht", "Aarhus", "Brno", "Turku", "Gdansk"]


def _page(title: str, lead: str, filler: str, published: str) -> bytes:
    return (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{published}'>"
        f"</head><body><article><h1>{title}</h1><p>{lead}</p><p>{filler} {filler}</p></article></body></html>"
    ).encode()


class _Site(ThreadingHTTPServer):
    pages: dict[str, bytes]
    items: list[str]
    received: list[tuple[float, dict[str, object]]]


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(f"<item><title>t</title><link>{base}{p}</link></item>" for p in self.server.items[-30:])
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>{items}</channel></rss>'
            self._send(200, body.encode(), "application/rss+xml")
        elif self.path in self.server.pages:
            self._send(200, self.server.pages[self.path], "text/html; charset=utf-8")
        else:
            self._send(404, b"", "text/plain")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append((time.perf_counter(), json.loads(body)))
        self._send(204, b"", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _background(folder: Path, count: int) -> list[Path]:
    """News texts of the similarity set as pages: a store that is not empty."""
    source = bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl"
    paths: list[Path] = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = record["text1"].strip()
            if len(text) < 300 or len(paths) >= count:
                continue
            path = folder / f"bg{len(paths)}.html"
            path.write_bytes(_page(text[:90], text[:2000], "", "2025-09-01T08:00:00+00:00"))
            paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--background", type=int, default=300)
    args = parser.parse_args()

    from storyline.pipeline import run

    server = _Site(("127.0.0.1", 0), _Handler)
    server.pages, server.items, server.received = {}, [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = Settings(allow_loopback=True, host_delay=0.0)
    latencies: dict[str, list[float]] = {"rumour (new story)": [], "confirmation (status change)": []}
    extract_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(folder / "alerts.db")
        run([str(p) for p in _background(folder, args.background)], store, settings)
        store.add_feed(base + "/feed.xml")
        now = datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
        poll_due_feeds(store, settings, now)  # warm: models loaded, the feed known
        add_watchlist(store, Watchlist("deals", event_type="acquisition", webhook=base + "/hook"), settings)
        for round_ in range(args.rounds):
            a, b = f"Vantor{round_} Robotics", f"Quillon{round_} Analytics"
            city, n = CITIES[round_ % len(CITIES)], 200 + 37 * round_
            for kind, lead, filler, day in (
                ("rumour (new story)", RUMOUR, FILLER_EN, 6),
                ("confirmation (status change)", CONFIRMED, FILLER_IT, 7),
            ):
                path = f"/{day}/{round_}.html"
                page = _page(
                    f"{a} and {b}",
                    lead.format(a=a, b=b),
                    filler.format(city=city, n=n),
                    f"2025-10-{day:02d}T{8 + round_ % 10:02d}:00:00+00:00",
                )
                server.pages[path] = page
                started = time.perf_counter()
                trafilatura.extract(page.decode())
                extract_ms.append((time.perf_counter() - started) * 1000)
                before = len(server.received)
                appeared = time.perf_counter()
                server.items.append(path)
                now += timedelta(hours=7)  # the feed is due: the poll comes right after the item appears
                poll_due_feeds(store, settings, now)
                # The first alert the item gave (a rumour about an event of a known pair joins its story)
                arrived = [t for t, _ in server.received[before:]]
                if arrived:
                    latencies[kind].append(arrived[0] - appeared)
        store.close()
    server.shutdown()

    print(f"# Alert latency, {datetime.now(UTC):%Y-%m-%d}, {platform.machine()} {platform.processor() or ''}")
    print(f"# Python {sys.version.split()[0]}, {args.rounds} rounds, store of {args.background} background articles")
    print("| item | items that alerted | median s | p95 s | max s |")
    print("|---|---|---|---|---|")
    for kind, values in latencies.items():
        if values:
            p95 = sorted(values)[max(0, int(len(values) * 0.95) - 1)]
            print(
                f"| {kind} | {len(values)} / {args.rounds} | {statistics.median(values):.2f} | {p95:.2f} |"
                f" {max(values):.2f} |"
            )
        else:
            print(f"| {kind} | 0 / {args.rounds} | - | - | - |")
    print(
        f"| reference: plain trafilatura.extract of the page | - | {statistics.median(extract_ms) / 1000:.3f} | - | - |"
    )


if __name__ == "__main__":
    main()
