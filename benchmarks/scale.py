"""Whole-pipeline throughput, files to stories and timelines: the local engine vs Ray with 1 and 2 workers.

    python benchmarks/scale.py                  # 20,000 pages (the bench sets' HTML, replicated with changed text)
    python benchmarks/scale.py --pages 2000     # a quicker look
    python benchmarks/scale.py --runs ray:2     # only some runs (local:1 local:2 ray:1 ray:2)
    python benchmarks/scale.py --before /tmp/old --runs before:2 local:2 ray:1 ray:2
                                                # "before:N": the local engine of an older checkout, same corpus
    python benchmarks/scale.py --stages 500     # CPU per article of each stage, in this one process

Each run is two commands in a fresh store, each a process of its own as a user runs them:
`storyline ingest PAGES --no-stories` (reading and extraction; on Ray also analysis and claims, which the
workers do beside extraction) and `storyline ingest EMPTY` (what is left: analysis and claims for the local
engine, then story assignment in publication order and timelines, always in one process). Memory: the
largest resident set of the run's processes (its workers, Ray's raylet and actors included), sampled every
0.5 s. The corpus: the HTML pages of ../shared/bench (trafilatura-eval, scrapinghub, the dates set), each
copy after the first with its paragraphs in another order and one sentence of its own, so no two pages are
the same article (copies are found as near-duplicates of one another, as reposts are).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from storyline.eval.datasets import mediacloud_dates, scrapinghub, trafilatura_eval

BIN = Path(sys.executable).with_name("storyline")


def _pages() -> list[str]:
    pages = [p.html for p in trafilatura_eval()] + [p.html for p in scrapinghub()]
    pages += [p.html for p in mediacloud_dates()]
    return [p if isinstance(p, str) else p.decode("utf-8", "replace") for p in pages]


def _variant(html: str, copy: int, rng: random.Random) -> str:
    """A copy with its paragraphs in another order and a sentence of its own."""
    if copy == 0:
        return html
    paragraphs = re.findall(r"<p\b[^>]*>.*?</p>", html, flags=re.S | re.I)
    if len(paragraphs) > 2:
        shuffled = paragraphs[:]
        rng.shuffle(shuffled)
        parts = iter(shuffled)
        html = re.sub(r"<p\b[^>]*>.*?</p>", lambda _: next(parts), html, flags=re.S | re.I)
    note = f"<p>Edition {copy}: this copy was filed under reference {rng.randrange(10**9)} for desk {copy % 17}.</p>"
    return re.sub(r"</body>", note + "</body>", html, count=1, flags=re.I) if "</body>" in html.lower() else html + note


def write_corpus(folder: Path, count: int) -> int:
    pages = _pages()
    rng = random.Random(11)
    for i in range(count):
        copy, index = divmod(i, len(pages))
        (folder / f"p{i:06d}.html").write_text(_variant(pages[index], copy, rng), encoding="utf-8")
    return count


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, object], dict[str, int]]:
    """Run one command; its wall time, its JSON summary, and the largest RSS of each kind of process it ran."""
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peaks: dict[str, int] = {}

    def watch() -> None:
        while process.poll() is None:
            for pid in _descendants(process.pid):
                try:
                    name = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
                except OSError:
                    continue
                kind = "ray worker" if "_Enricher" in name else ("driver" if pid == process.pid else "other")
                peaks[kind] = max(peaks.get(kind, 0), _rss(pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=watch, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    if process.returncode not in (0, 1):  # 1: some documents could not be read (counted in the summary)
        raise SystemExit(f"{' '.join(args)} failed:\n{err.decode()[-3000:]}")
    return time.perf_counter() - started, json.loads(out), peaks


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def stage_costs(count: int) -> None:
    """Milliseconds of CPU per article of each stage a worker runs, then of the second-opinion encoder, over the
    first `count` pages of the corpus (one process, one thread, after a warm-up batch)."""
    from storyline.enrich.analysis import count_entities
    from storyline.enrich.claims import get_extractor
    from storyline.enrich.embed import embedding_text, get_embedder
    from storyline.enrich.minhash import signature
    from storyline.extract import extract_article
    from storyline.model import Article, RawDocument
    from storyline.pipeline.ingest import identify_language
    from storyline.settings import Settings
    from storyline.stories.similarity import default_model, second_text

    settings = Settings(embed_threads=1)
    pages, rng = _pages(), random.Random(11)
    documents = [
        RawDocument(f"p{i}.html", _variant(pages[i % len(pages)], i // len(pages), rng), "text/html")
        for i in range(count)
    ]
    embedder, claims = get_embedder(settings.embedder, settings), get_extractor(settings)
    second = default_model().second
    e5 = get_embedder(second.encoder, settings) if second else None
    stages: dict[str, Callable[[list[Article]], object]] = {
        "embedding": lambda articles: embedder.embed([embedding_text(a.title, a.text) for a in articles]),
        "minhash": lambda articles: [signature(a.text) for a in articles],
        "entities": lambda articles: [count_entities(a) for a in articles],
        "claims": lambda articles: [claims(a) for a in articles],
    }
    if e5 is not None and second is not None:
        words = second.words
        stages["second opinion (e5)"] = lambda articles: e5.embed([second_text(a, words) for a in articles])

    def measure(batch: list[RawDocument]) -> tuple[dict[str, float], int]:
        spent = dict.fromkeys(["extraction", "language", *stages], 0.0)
        articles = []
        for document in batch:
            started = time.process_time()
            try:
                article = extract_article(document)[0]
            except Exception:  # pages that are not articles: their time counts as extraction
                spent["extraction"] += time.process_time() - started
                continue
            extracted = time.process_time()
            spent["extraction"] += extracted - started
            articles.append(identify_language(article, settings.languages))
            spent["language"] += time.process_time() - extracted
        for start in range(0, len(articles), 16):  # batches of 16, as a worker takes them (entities then claims)
            for stage, work in stages.items():
                started = time.process_time()
                work(articles[start : start + 16])
                spent[stage] += time.process_time() - started
        return spent, len(articles)

    measure(documents[:16])  # models loaded, caches warm
    spent, articles = measure(documents)
    print(f"\n## CPU per article by stage, {date.today()}, {count} pages, {articles} articles, one thread\n")
    print("| stage | ms per article |")
    print("|---|---|")
    for stage, seconds in spent.items():
        print(f"| {stage} | {1000 * seconds / articles:.1f} |")
    print(f"| **all** | **{1000 * sum(spent.values()) / articles:.1f}** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--runs", nargs="+", default=["local:1", "local:2", "ray:1", "ray:2"])
    parser.add_argument("--json", help="write the figures to this file too")
    parser.add_argument("--before", help="a checkout of older code, for runs named before:N")
    parser.add_argument("--stages", type=int, help="only the CPU per article of each stage, over so many pages")
    args = parser.parse_args()
    if args.stages:
        stage_costs(args.stages)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus, empty = Path(tmp) / "corpus", Path(tmp) / "empty"
        corpus.mkdir()
        empty.mkdir()
        write_corpus(corpus, args.pages)
        for number, run in enumerate(args.runs):
            engine, workers = run.split(":")
            db = Path(tmp) / f"{number}-{engine}{workers}.db"  # a run named twice gets a fresh store each time
            env = dict(os.environ, STORYLINE_DB=str(db))
            common = ["--engine", engine, "--workers", workers, "--json"]
            if engine == "before":  # an older checkout's code first on the path; it may not know --engine
                env["PYTHONPATH"] = str(Path(args.before, "src"))
                common = common[2:]
            read_s, read, read_mem = _timed(["ingest", str(corpus), "--no-stories", *common], env)
            rest_s, rest, rest_mem = _timed(["ingest", str(empty), *common], env)
            total = read_s + rest_s
            row = {
                "run": f"{engine}, {workers} worker{'s' if workers != '1' else ''}",
                "articles": read["new_articles"],
                "read_s": read_s,
                "stories_s": rest_s,
                "articles_per_s": read["new_articles"] / total,
                "assigned": rest.get("assigned"),
                "unreadable": read.get("errors"),
                "peak_worker_mb": max(read_mem.get("ray worker", 0), read_mem.get("other", 0)) / 1e6,
                "peak_driver_mb": max(read_mem.get("driver", 0), rest_mem.get("driver", 0)) / 1e6,
                "stages_s": rest.get("seconds", {}),
                "second_vectors": _count(db, "second_vectors"),
                "store_mb": sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 1e6,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(
        f"\n## Whole pipeline, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print(f"{args.pages} pages (bench HTML replicated with changed text), files to stories and timelines\n")
    print("| run | articles | reading s | stories s | **articles/s** | peak worker MB | peak driver MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['run']} | {r['articles']} | {r['read_s']:.0f} | {r['stories_s']:.0f} | **{r['articles_per_s']:.1f}** |"
            f" {r['peak_worker_mb']:.0f} | {r['peak_driver_mb']:.0f} |"
        )
    print(
        "\nThe stories command's time by stage, seconds (second_opinion: e5 inside assignment), e5 vectors kept, store size\n"
    )
    stages = ["analysis", "claims", "assignment", "second_opinion", "timelines"]
    print("| run | " + " | ".join(stages) + " | e5 vectors | store MB |")
    print("|---|" + "---|" * (len(stages) + 2))
    for r in rows:
        spent = " | ".join(f"{r['stages_s'].get(stage, 0):.0f}" for stage in stages)
        print(f"| {r['run']} | {spent} | {r['second_vectors']} | {r['store_mb']:.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
