"""Web latency: p50/p95 of the story list, a story page and search, with 20 concurrent clients.

    .venv/bin/python benchmarks/web.py                          # 100k articles; builds the store once (minutes)
    .venv/bin/python benchmarks/web.py --articles 10000 --workers 1 --requests 30
    .venv/bin/python benchmarks/web.py --backends sqlite postgres --rounds 2   # side by side, alternating
    .venv/bin/python benchmarks/web.py --db postgresql://USER@HOST:PORT/postgres

A real server (`storyline serve`: uvicorn, `--workers` processes) listens on 127.0.0.1 over a store
from ``large_store.cached_store`` (the stories benchmark's, ``benchmarks/.cache/store-N.db``,
served from a copy, ``web-bench-N.db``, so the server's reads never touch the cache). With
``--backends ... postgres`` (or ``--db``) the same store is built in a PostgreSQL database
(``storyline_bench_store_N``) on the server of ``--db``, else on a throwaway cluster with
PostgreSQL's default settings, and served from a copy (``storyline_bench_web``; see the stories
benchmark and ``backends.py``); backends are measured one after the other, ``--rounds`` times,
alternating, and printed side by side. The benchmark reads the store only through ``open_store``
and the store contract (story ids, titles, counts). Each of the
`--clients` clients is an asyncio task in this process (a minimal keep-alive HTTP/1.1 client) that sends its next request as
soon as the last one is answered (a closed loop), `--requests` times per page type, after a
warm-up. Story pages cycle through 200 stories drawn at random (any size); searches through 50
words drawn from stored titles. Latency is measured at the client, from sending to the last byte.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backends import (
    add_backend_arguments,
    copy_store,
    parse_settings,
    postgres_server,
    remove_store,
    server_settings,
    with_database,
)
from large_store import CACHE, cached_store
from storyline.store import open_store

BIN = Path(sys.executable).parent / "storyline"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _titles(store: Any, every: int = 97) -> list[str]:
    """The title of every ``every``-th article in ingestion order (the store's articles listed oldest first: the
    large stores are written in publication order, so that is the order of their rowids)."""
    summaries: list[dict[str, Any]] = []
    cursor = None
    while True:  # newest first, a page at a time
        page = store.browse_articles(limit=5000, cursor=cursor)
        summaries += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    oldest_first = summaries[::-1]
    return [a["title"] for a in oldest_first[every - 1 :: every] if a["title"] is not None]


def _targets(db: str, rng: random.Random) -> tuple[list[str], list[str], dict[str, int]]:
    """Story ids and search words to cycle through, drawn from the store, and its counts."""
    store = open_store(db, read_only=True)
    try:
        stories = sorted(r.id for r in store.story_records())
        titles = _titles(store)
        stats = {"articles": store.count_articles(), "stories": len(stories)}
    finally:
        store.close()
    words = sorted({w for t in titles for w in re.findall(r"[^\W\d_]{5,}", t)})
    return rng.sample(stories, min(200, len(stories))), rng.sample(words, min(50, len(words))), stats


class _Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the CPUs with the server, so it
    should spend as little of them as it can (httpx costs several times more per request)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer to {path}")
        await self.reader.readexactly(int(length.group(1)))
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _run(host: str, port: int, paths: list[str], clients: int, requests: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0

    async def client(number: int) -> None:
        nonlocal failures
        connection = _Connection(host, port)
        try:
            for i in range(requests):
                path = paths[(number * requests + i) % len(paths)]
                started = time.perf_counter()
                status = await connection.get(path)
                latencies.append(time.perf_counter() - started)
                failures += status != 200
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {
        "requests": len(latencies),
        "failures": failures,
        "p50_ms": round(percentile(50), 1),
        "p95_ms": round(percentile(95), 1),
        "p99_ms": round(percentile(99), 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
        "throughput_rps": round(len(latencies) / elapsed, 1),
    }


def _serve(db: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("STORYLINE_TOKEN", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN), "--db", db, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/stories?limit=1", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not answer within 120 s")


def _measure(db: str, pages: dict[str, list[str]], args: argparse.Namespace, log: Path) -> dict[str, Any]:
    port = _free_port()
    server = _serve(db, port, args.workers, log)
    results: dict[str, Any] = {}
    try:
        for name, paths in pages.items():
            asyncio.run(_run("127.0.0.1", port, paths, args.clients, 5))  # warm-up: threads open their connections
            results[name] = asyncio.run(_run("127.0.0.1", port, paths, args.clients, args.requests))
    finally:
        server.terminate()
        server.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="per client and page type")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seed", type=int, default=0)
    add_backend_arguments(parser, "stores to serve, one after the other (default sqlite; postgres alone with --db)")
    parser.add_argument("--rounds", type=int, default=1, help="measure every backend this many times, alternating")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    backends = args.backends or (["postgres"] if args.db else ["sqlite"])

    report: dict[str, Any] = {
        "clients": args.clients,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "rounds": [],
    }
    with ExitStack() as stack:
        server = None
        if "postgres" in backends:
            server = stack.enter_context(postgres_server(args.db, parse_settings(args.pg_setting)))
            report["postgres"] = server_settings(server)
        served: dict[str, str] = {}
        for backend in backends:
            source = cached_store(args.articles, progress=True, server=server if backend == "postgres" else None)
            if backend == "postgres":
                assert server is not None
                served[backend] = with_database(server, "storyline_bench_web")
            else:  # a copy: the server's reads never touch the cache
                served[backend] = str(CACHE / f"web-bench-{args.articles}.db")
            copy_store(source, served[backend])
            stack.callback(remove_store, served[backend])
        targets = {backend: _targets(db, random.Random(args.seed)) for backend, db in served.items()}
        stories, words, stats = targets[backends[0]]
        if any(t != targets[backends[0]] for t in targets.values()):
            raise RuntimeError("the backends' stores differ: " + json.dumps({b: t[2] for b, t in targets.items()}))
        report["store"] = stats
        pages = {
            "story list (/)": ["/"],
            "story list, API (/api/stories)": ["/api/stories"],
            "story page (/stories/ID)": [f"/stories/{s}" for s in stories],
            "search (/search?q=WORD)": ["/search?" + urlencode({"q": w}) for w in words],
        }
        for number in range(args.rounds):
            for backend in backends:
                log = CACHE / f"web-bench-{backend}.log"
                results = _measure(served[backend], pages, args, log)
                report["rounds"].append({"round": number + 1, "backend": backend, "results": results})
                if not args.json:
                    print(f"round {number + 1}, {backend}: {json.dumps(results)}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "postgres" in report:
        print(f"PostgreSQL settings: {json.dumps(report['postgres'])}")
    print(
        f"{stats['articles']:,} articles in {stats['stories']:,} stories; {args.clients} concurrent clients, "
        f"{args.workers} server worker(s), {os.cpu_count()} CPUs shared with the clients"
    )
    several = len(report["rounds"]) > 1
    label = "backend, round" if several else "backend"
    print(f"| {'page':32} | {label:14} | requests | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print(f"|{'-' * 34}|{'-' * 16}|---------:|-------:|-------:|-------:|-------:|------:|")
    for name in pages:
        for run in report["rounds"]:
            r = run["results"][name]
            who = f"{run['backend']}, {run['round']}" if several else run["backend"]
            print(
                f"| {name:32} | {who:14} | {r['requests']:8} | {r['p50_ms']:6} | {r['p95_ms']:6} | {r['p99_ms']:6} | "
                f"{r['max_ms']:6} | {r['throughput_rps']:5} |" + (f" {r['failures']} failed" if r["failures"] else "")
            )


if __name__ == "__main__":
    main()
