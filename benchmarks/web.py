"""Web latency: p50/p95 of the story list, a story page and search, with 20 concurrent clients.

    .venv/bin/python benchmarks/web.py                          # 100k articles; builds the store once (minutes)
    .venv/bin/python benchmarks/web.py --articles 10000 --workers 1 --requests 30

A real server (`storyline serve`: uvicorn, `--workers` processes) listens on 127.0.0.1 over a store
from ``large_store.build_store`` (kept as ``benchmarks/.cache/web-store-N.db``). Each of the
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
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from large_store import CACHE, build_store

BIN = Path(sys.executable).parent / "storyline"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _migrations() -> list[str]:
    return sorted(
        entry.name
        for entry in (resources.files("storyline.store") / "migrations").iterdir()
        if entry.name.endswith(".sql")
    )


def _store(n_articles: int) -> Path:
    """The cached store, rebuilt when the schema's migrations changed since it was built."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"web-store-{n_articles}.db"
    stamp = path.with_suffix(".migrations.json")
    if path.exists() and (not stamp.exists() or json.loads(stamp.read_text()) != _migrations()):
        path.unlink()
    built = build_store(path, n_articles, progress=True)
    stamp.write_text(json.dumps(_migrations()))
    return built


def _targets(db: Path, rng: random.Random) -> tuple[list[str], list[str]]:
    """Story ids and search words to cycle through, drawn from the store."""
    con = sqlite3.connect(db)
    stories = [r[0] for r in con.execute("SELECT id FROM stories ORDER BY id")]
    titles = [r[0] for r in con.execute("SELECT title FROM articles WHERE title IS NOT NULL AND rowid % 97 = 0")]
    con.close()
    words = sorted({w for t in titles for w in re.findall(r"[^\W\d_]{5,}", t)})
    return rng.sample(stories, min(200, len(stories))), rng.sample(words, min(50, len(words)))


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


def _serve(db: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop("STORYLINE_TOKEN", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN), "--db", str(db), "serve", "--port", str(port), "--workers", str(workers)],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="per client and page type")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    source = _store(args.articles)
    db = source.with_name(f"web-bench-{args.articles}.db")  # a copy: the server's reads never touch the cache
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, db)
    rng = random.Random(args.seed)
    stories, words = _targets(db, rng)
    pages = {
        "story list (/)": ["/"],
        "story list, API (/api/stories)": ["/api/stories"],
        "story page (/stories/ID)": [f"/stories/{s}" for s in stories],
        "search (/search?q=WORD)": ["/search?" + urlencode({"q": w}) for w in words],
    }
    port = _free_port()
    server = _serve(db, port, args.workers, db.with_suffix(".log"))
    results: dict[str, Any] = {}
    try:
        for name, paths in pages.items():
            asyncio.run(_run("127.0.0.1", port, paths, args.clients, 5))  # warm-up: threads open their connections
            results[name] = asyncio.run(_run("127.0.0.1", port, paths, args.clients, args.requests))
    finally:
        server.terminate()
        server.wait(30)
    con = sqlite3.connect(db)
    stats = {
        "articles": con.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
        "stories": con.execute("SELECT COUNT(*) FROM stories").fetchone()[0],
    }
    con.close()
    report = {
        "store": stats,
        "clients": args.clients,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{stats['articles']:,} articles in {stats['stories']:,} stories; {args.clients} concurrent clients, "
        f"{args.workers} server worker(s), {os.cpu_count()} CPUs shared with the clients"
    )
    print(f"| {'page':32} | requests | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print(f"|{'-' * 34}|---------:|-------:|-------:|-------:|-------:|------:|")
    for name, r in results.items():
        print(
            f"| {name:32} | {r['requests']:8} | {r['p50_ms']:6} | {r['p95_ms']:6} | {r['p99_ms']:6} | "
            f"{r['max_ms']:6} | {r['throughput_rps']:5} |" + (f" {r['failures']} failed" if r["failures"] else "")
        )


if __name__ == "__main__":
    main()
