"""Story assignment at scale: time per new article and peak memory with 10k, 100k and 1M stored articles.

    .venv/bin/python benchmarks/stories.py                       # 10k, 100k, 1M stored articles, 300 new
    .venv/bin/python benchmarks/stories.py --quick               # 2k and 10k stored, 100 new: a quick look
    .venv/bin/python benchmarks/stories.py --sizes 10000 100000 --json results.json

For each size, a store of N analysed articles in stories is built once (``large_store.py``,
cached as ``benchmarks/.cache/store-N.db``; the 1M store takes about half an hour and 7 GB),
copied, and in a fresh process a fixed batch of new real articles is stored and
``storyline.stories.tracker.update_stories`` is run on it, as ``storyline ingest`` does after
each run. The batch is the same at every size: 100 texts of the similarity set kept out of
every store, 100 article bodies of the scrapinghub set, and 100 perturbed copies (words dropped
and swapped, embedded for real) of the founders of the newest stories of the store, which should
join those stories; all are dated in the six hours after the newest stored article.

What is measured is storyline's own code, timed from outside by wrapping its functions (no
product code changes): *load* is what a run pays once whatever its size (reading the active
stories into the ANN and entity indexes, finding the unanalysed and unassigned articles, the
analysed-article count of the IDF); *analyse* is embedding, MinHash and entities of the new
articles, per article; *assign* is the rest of ``update_stories`` (candidates, scoring,
near-duplicate lookup, merges, writes and commits), per article, with the median and 90th
percentile of ``_assign_one`` calls. Peak memory is the peak RSS of the process, embedder
included. Embedding throughput is measured in another fresh process: ``get_embedder()`` (the
default, ``use-multilingual``) on ``embedding_text(title, text)`` of the similarity set's
texts, in batches of 64 as the tracker sends them, from an empty cache.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # large_store.py beside this file

from large_store import END, base_and_held_out, cached_store, perturb, similarity_texts, split_title
from storyline.enrich.embed import DEFAULT_EMBEDDER, embedding_text, get_embedder
from storyline.eval.datasets import bench_dir
from storyline.model import Article, DatePrecision, PublishedDate, article_id
from storyline.store.sqlite import SQLiteStore
from storyline.stories import cluster, tracker

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)
_EMBED_BATCH = 64  # what tracker.analyse_new_articles sends at a time


# --- the batch of new articles ---------------------------------------------------------------


def new_articles(store_path: Path, n: int) -> list[dict[str, Any]]:
    """``n`` (a multiple of 3) new real articles: held-out similarity texts, scrapinghub bodies, copies of recent stories."""
    third = n // 3
    _, held_out = base_and_held_out()
    held = [(t.title, t.body, t.lang, False) for t in held_out[:third]]
    truth = json.loads((bench_dir() / "extraction" / "scrapinghub" / "ground-truth.json").read_text(encoding="utf-8"))
    scraped = [(*split_title(truth[key]["articleBody"].strip()), "en", False) for key in sorted(truth)[:third]]
    # Copies of the founders of the biggest recent stories: the same at every size, as the stores are nested.
    store = SQLiteStore(store_path)
    since = (END - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    recent = sorted(store.story_rows(active_since=since), key=lambda r: (-r["size"], r["id"]))[:third]
    rng = np.random.default_rng(99)
    copies = []
    for row in recent:
        founder = store.article(json.loads(row["exemplars"])[0])
        assert founder is not None
        copies.append((founder.title or "", perturb(founder.text, rng), founder.lang or "en", True))
    store.close()
    if len(held) < third or len(scraped) < third or len(copies) < third:
        raise RuntimeError(f"not enough texts for {n} new articles (at most {3 * min(len(held), len(scraped), len(copies))})")
    out = []
    # Interleaved, and dated in the six hours after the newest stored article.
    for i, (title, text, lang, copy) in enumerate(item for triple in zip(held, scraped, copies, strict=True) for item in triple):
        when = END + timedelta(minutes=1 + i * 360 // n)
        source = f"fresh{i % 40}.example"
        url = f"https://{source}/{when:%Y/%m/%d}/{i}"
        out.append({"title": title or None, "text": text, "lang": lang, "published": when.isoformat(),
                    "source": source, "url": url, "copy": copy})
    return out


# --- one measured run, in its own process ----------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _timed(totals: dict[str, float], name: str, fn: Callable[..., Any], calls: list[float] | None = None) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            totals[name] += elapsed
            if calls is not None:
                calls.append(elapsed)
    return wrapper


def measure(store_path: Path, batch_path: Path) -> dict[str, Any]:
    """Store the batch in the store and time ``update_stories`` on it (run in a fresh process)."""
    batch = json.loads(batch_path.read_text(encoding="utf-8"))
    embedder = get_embedder(DEFAULT_EMBEDDER)
    texts, _ = base_and_held_out()
    embedder.embed([embedding_text(t.title, t.body) for t in texts[:500]])  # load and warm, as a running tracker is
    baseline_mb = _rss_mb()

    store = SQLiteStore(store_path)
    stored = store.count_analysed()
    ids = [article_id(item["text"], item["url"]) for item in batch]
    with store.transaction():
        for item, aid in zip(batch, ids, strict=True):
            published = PublishedDate.fromisoformat(item["published"], DatePrecision.MINUTE.value, True)
            store.add_article(Article(
                id=aid, title=item["title"], text=item["text"], lang=item["lang"],
                lang_confidence=1.0, published=published, source=item["source"], url=item["url"],
                sitename=item["source"], origin="benchmarks/stories.py", extractor="benchmark",
            ), item["url"])

    totals: dict[str, float] = defaultdict(float)
    assign_calls: list[float] = []
    scores: list[float] = []  # one per candidate story scored
    tracker.analyse_new_articles = _timed(totals, "analyse", tracker.analyse_new_articles)
    tracker._load_index = _timed(totals, "load_index", tracker._load_index)
    tracker._assign_one = _timed(totals, "assign_one", tracker._assign_one, assign_calls)
    embedder.embed = _timed(totals, "embed", embedder.embed)  # type: ignore[method-assign]
    for name in ("unanalysed_articles", "count_analysed", "story_rows", "analysed", "near_duplicate_candidates",
                 "entity_frequencies", "save_story", "add_member"):
        setattr(store, name, _timed(totals, name, getattr(store, name)))
    unassigned = store.unassigned

    def unassigned_listed() -> Any:  # the query runs when the generator is first read: time it here
        start = time.perf_counter()
        rows = list(unassigned())
        totals["unassigned"] += time.perf_counter() - start
        return iter(rows)

    store.unassigned = unassigned_listed  # type: ignore[method-assign]
    cluster.StoryIndex.score = _timed(totals, "score", cluster.StoryIndex.score, scores)  # type: ignore[method-assign]
    start = time.perf_counter()
    report = tracker.update_stories(store)
    total = time.perf_counter() - start
    # Did the copies of recent stories join a story of the store (rather than found their own)?
    joined = sum(
        store._db.execute("SELECT story_id FROM story_members WHERE article_id = ?", (aid,)).fetchone()[0] != f"st_{aid[:16]}"
        for item, aid in zip(batch, ids, strict=True) if item["copy"]
    )
    store.close()

    n = len(batch)
    # count_analysed runs once for the IDF and is a full count: it belongs to what a run pays once.
    load = totals["load_index"] + totals["unassigned"] + totals["count_analysed"] + totals["unanalysed_articles"]
    assign = total - totals["analyse"] - totals["load_index"] - totals["unassigned"] - totals["count_analysed"]
    return {
        "stored": stored, "new": n, "report": vars(report), "total_s": total, "load_s": load,
        "analyse_ms": 1000 * (totals["analyse"] - totals["unanalysed_articles"]) / n,
        "embed_ms": 1000 * totals["embed"] / n,
        "assign_ms": 1000 * assign / n,
        "assign_p50_ms": 1000 * statistics.median(assign_calls),
        "assign_p90_ms": 1000 * statistics.quantiles(assign_calls, n=10)[-1],
        "near_duplicate_ms": 1000 * totals["near_duplicate_candidates"] / n,
        "scored_per_article": len(scores) / n, "score_ms": 1000 * totals["score"] / n,
        "copies": sum(item["copy"] for item in batch), "copies_joined": joined,
        "parts_s": {k: round(v, 4) for k, v in sorted(totals.items())},
        "baseline_mb": baseline_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def embedding_throughput(limit: int) -> dict[str, Any]:
    """Articles per second of the default embedder on title plus lead, from an empty cache (own process)."""
    texts = [embedding_text(t.title, t.body) for t in similarity_texts()[:limit]]
    embedder = get_embedder(DEFAULT_EMBEDDER)
    start = time.perf_counter()
    for begin in range(0, len(texts), _EMBED_BATCH):
        embedder.embed(texts[begin : begin + _EMBED_BATCH])
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for begin in range(0, len(texts), _EMBED_BATCH):
        embedder.embed(texts[begin : begin + _EMBED_BATCH])
    warm = time.perf_counter() - start
    return {"texts": len(texts), "embedder": embedder.name, "threads": getattr(embedder, "threads", None),
            "cold_per_s": len(texts) / cold, "warm_per_s": len(texts) / warm}


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"benchmark child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------


def _print_table(results: list[dict[str, Any]]) -> None:
    first = results[0]["assign_ms"]
    print(f"\n{'stored':>10} {'load s':>7} {'analyse ms/art':>15} {'assign ms/art':>14} {'p50':>6} {'p90':>6}"
          f" {'vs ' + format(results[0]['stored'], ','):>10} {'peak MB':>8} {'new stories':>12} {'dups':>5}")
    for r in results:
        print(f"{r['stored']:>10,} {r['load_s']:7.2f} {r['analyse_ms']:15.1f} {r['assign_ms']:14.2f}"
              f" {r['assign_p50_ms']:6.2f} {r['assign_p90_ms']:6.2f} {r['assign_ms'] / first:9.2f}×"
              f" {r['peak_mb']:8.0f} {r['report']['new_stories']:>12} {r['report']['duplicates']:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="stored articles (default 10k, 100k and 1M)")
    parser.add_argument("--new", type=int, help="new articles per run, a multiple of 3 (default 300; 99 with --quick)")
    parser.add_argument("--quick", action="store_true", help="2k and 10k stored, 99 new, 500 texts embedded")
    parser.add_argument("--embed-texts", type=int, help="texts for the embedding throughput (default 2000)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--measure", nargs=2, metavar=("STORE", "BATCH"), help=argparse.SUPPRESS)
    parser.add_argument("--embed-only", type=int, metavar="TEXTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), Path(args.measure[1]))))
        return
    if args.embed_only:
        print(json.dumps(embedding_throughput(args.embed_only)))
        return

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    n_new = args.new or (99 if args.quick else 300)
    if n_new % 3:
        parser.error("--new must be a multiple of 3 (a third of each kind of new article)")
    cores = len(os.sched_getaffinity(0))
    results: dict[str, Any] = {"date": date.today().isoformat(),
                               "machine": f"{platform.machine()}, {cores} cores, python {platform.python_version()}",
                               "sizes": []}
    print(f"Stories at scale, {results['date']}, {results['machine']}", flush=True)
    results["embedding"] = embedding = _child("--embed-only", str(args.embed_texts or (500 if args.quick else 2000)))
    print(f"embedding, title + lead, {embedding['embedder']}: {embedding['cold_per_s']:.0f} articles/s from an empty"
          f" cache, {embedding['warm_per_s']:.0f} warm ({embedding['texts']} texts, batches of {_EMBED_BATCH})", flush=True)

    for size in sorted(sizes):
        start = time.perf_counter()
        path = cached_store(size, progress=True)
        built = time.perf_counter() - start
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            work = Path(tmp) / "store.db"
            shutil.copyfile(path, work)  # the run adds articles and stories: keep the cached store as built
            batch = Path(tmp) / "batch.json"
            batch.write_text(json.dumps(new_articles(work, n_new), ensure_ascii=False), encoding="utf-8")
            result = _child("--measure", str(work), str(batch))
        result["store_mb"] = path.stat().st_size / 2**20
        result["build_or_reuse_s"] = built
        results["sizes"].append(result)
        print(f"{size:,} stored: {json.dumps(result)}", flush=True)
    _print_table(results["sizes"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
