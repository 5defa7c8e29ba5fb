"""Story assignment at scale: time per new article and peak memory with 10k, 100k and 1M stored articles.

    .venv/bin/python benchmarks/stories.py                       # 10k, 100k, 1M stored articles, 300 new
    .venv/bin/python benchmarks/stories.py --quick               # 2k and 10k stored, 99 new: a quick look
    .venv/bin/python benchmarks/stories.py --sizes 10000 100000 --repeat 3 --json results.json
    .venv/bin/python benchmarks/stories.py --sizes 100000 --backends sqlite postgres   # side by side
    .venv/bin/python benchmarks/stories.py --sizes 100000 --db postgresql://USER@HOST:PORT/postgres

*Backends.* Stores are opened with ``storyline.store.open_store`` only, so the same measurement
runs on SQLite (a file, the default) and on PostgreSQL: ``--backends sqlite postgres`` runs both,
alternating run by run so both see the same load on the shared cores, and prints them side by
side. The PostgreSQL server is the one of ``--db`` (the benchmark creates and drops databases
``storyline_bench_*`` there: its user needs CREATEDB), else a throwaway cluster started for the
run with PostgreSQL's default settings (``backends.postgres_cluster``; ``--pg-setting
NAME=VALUE`` adds settings); the settings it ran with are printed and kept in ``--json``. On
PostgreSQL the store is built by ``large_store.build_store`` into a database on that server
through the same store methods (the same rows as the SQLite file), copied for each run with
``CREATE DATABASE ... TEMPLATE``, and the peak memory is this process's alone, not the server's.

For each size, a store of N analysed articles in stories (with their claims and timelines) is
built once (``large_store.py``, cached as ``benchmarks/.cache/store-N.db``; the 1M store takes
about 35 minutes and 7.9 GB), copied, and in a fresh process a fixed batch of new real articles is
stored and ``storyline.pipeline.assign.update_stories`` is run on it, as ``storyline ingest``
does after each run. The batch is the same at every size: a third texts of the similarity set
kept out of every store, a third article bodies of the scrapinghub set, and a third perturbed
copies (words dropped and swapped, embedded for real) of the founders of the biggest stories of
the store's last three days, which should join those stories; all are dated in the six hours
after the newest stored article.

What is measured is storyline's own code, timed from outside by wrapping its functions (no
product code changes):

* *load*: what a run pays once, whatever it brings: the queries that find what is new
  (unanalysed, without claims, unassigned, stale timelines: each above its stage's mark), the
  analysed-article count of the IDF, and reading the active stories into the ANN and entity
  indexes;
* *analyse*: embedding, MinHash and entities of the new articles, per article (*embed* is the
  embedding part); *claims*: the built-in claim extractor, per article;
* *assign*: the rest of ``update_stories`` but the timelines (candidates, scoring,
  near-duplicate lookup, merges, story and member writes, commits), per article, with the
  median and 90th percentile of the ``_assign_one`` calls; it includes the *second opinion*
  (multilingual-e5-small on uncertain pairs, shown apart with the texts it embedded: the
  stores keep the exemplars' vectors, as earlier runs would have, so these are the new
  articles' own; most are embedded in batches, before a batch of articles is assigned, by
  ``_prefetch_second_opinions``, whose look-ahead scoring is part of *assign* too);
* *timelines*: rebuilding the timelines of the stories the run touched, in all.

Each size is run ``--repeat`` times (a fresh copy each time) and the run with the lowest assign
time is shown: the machine's cores are shared. Peak memory is the peak RSS of the process,
embedder included. Embedding throughput is measured in another fresh process:
``get_embedder()`` (the default, ``use-multilingual``) on ``embedding_text(title, text)`` of the
similarity set's texts, in batches of 64 as the tracker sends them: once from empty caches,
then the best of three warm passes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import resource
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

from backends import (
    add_backend_arguments,
    copy_store,
    parse_settings,
    postgres_server,
    remove_store,
    server_settings,
    store_bytes,
    with_database,
)
from large_store import (
    ARTICLES_PER_DAY,
    CACHE,
    END,
    base_and_held_out,
    cached_store,
    perturb,
    similarity_texts,
    split_title,
)
from storyline.enrich.embed import DEFAULT_EMBEDDER, embedding_text, get_embedder
from storyline.eval.datasets import bench_dir
from storyline.model import Article, DatePrecision, PublishedDate, article_id
from storyline.pipeline import assign as tracker
from storyline.store import open_store
from storyline.stories import cluster, similarity

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)
_EMBED_BATCH = 64  # what tracker.analyse_new_articles sends at a time


# --- the batch of new articles ---------------------------------------------------------------


def new_articles(store_path: str | Path, n: int, articles_per_day: int = ARTICLES_PER_DAY) -> list[dict[str, Any]]:
    """``n`` (a multiple of 3) new real articles: held-out similarity texts, scrapinghub bodies, copies of recent stories."""
    third = n // 3
    _, held_out = base_and_held_out()
    held = [(t.title, t.body, t.lang, False) for t in held_out[:third]]
    truth = json.loads((bench_dir() / "extraction" / "scrapinghub" / "ground-truth.json").read_text(encoding="utf-8"))
    scraped = [(*split_title(truth[key]["articleBody"].strip()), "en", False) for key in sorted(truth)[:third]]
    # Copies of the founders of the biggest recent stories: the same at every size, as the stores are nested.
    store = open_store(store_path)
    # The last three days at the default rate; as many articles back at a slower one, for as many stories.
    days = 3 * max(1.0, ARTICLES_PER_DAY / articles_per_day)
    since = (END - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
    recent = sorted(store.story_records(active_since=since), key=lambda r: (-r.size, r.id))[:third]
    rng = np.random.default_rng(99)
    copies = []
    for row in recent:
        founder = store.article(row.exemplars[0])
        assert founder is not None
        copies.append((founder.title or "", perturb(founder.text, rng), founder.lang or "en", True))
    store.close()
    if len(held) < third or len(scraped) < third or len(copies) < third:
        raise RuntimeError(
            f"not enough texts for {n} new articles (at most {3 * min(len(held), len(scraped), len(copies))})"
        )
    out = []
    # Interleaved, and dated in the six hours after the newest stored article.
    for i, (title, text, lang, copy) in enumerate(
        item for triple in zip(held, scraped, copies, strict=True) for item in triple
    ):
        when = END + timedelta(minutes=1 + i * 360 // n)
        source = f"fresh{i % 40}.example"
        url = f"https://{source}/{when:%Y/%m/%d}/{i}"
        out.append(
            {
                "title": title or None,
                "text": text,
                "lang": lang,
                "published": when.isoformat(),
                "source": source,
                "url": url,
                "copy": copy,
            }
        )
    return out


# --- one measured run, in its own process ----------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _timed(
    totals: dict[str, float], name: str, fn: Callable[..., Any], calls: list[float] | None = None
) -> Callable[..., Any]:
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


def measure(store_path: str, batch_path: Path) -> dict[str, Any]:
    """Store the batch in the store and time ``update_stories`` on it (run in a fresh process)."""
    batch = json.loads(batch_path.read_text(encoding="utf-8"))
    embedder = get_embedder(DEFAULT_EMBEDDER)
    texts, _ = base_and_held_out()
    embedder.embed([embedding_text(t.title, t.body) for t in texts[:500]])  # load and warm, as a running tracker is
    baseline_mb = _rss_mb()

    store = open_store(store_path)
    stored = store.count_analysed()
    ids = [article_id(item["text"], item["url"]) for item in batch]
    with store.transaction():
        for item, aid in zip(batch, ids, strict=True):
            published = PublishedDate.fromisoformat(item["published"], DatePrecision.MINUTE.value, True)
            store.add_article(
                Article(
                    id=aid,
                    title=item["title"],
                    text=item["text"],
                    lang=item["lang"],
                    lang_confidence=1.0,
                    published=published,
                    source=item["source"],
                    url=item["url"],
                    sitename=item["source"],
                    origin="benchmarks/stories.py",
                    extractor="benchmark",
                ),
                item["url"],
            )

    totals: dict[str, float] = defaultdict(float)
    assign_calls: list[float] = []
    scored: list[int] = []  # candidate stories per article
    tracker.analyse_new_articles = _timed(totals, "analyse", tracker.analyse_new_articles)
    tracker.extract_new_claims = _timed(totals, "claims", tracker.extract_new_claims)
    tracker.refresh_timelines = _timed(totals, "timelines", tracker.refresh_timelines)
    tracker._load_index = _timed(totals, "load_index", tracker._load_index)
    tracker._assign_one = _timed(totals, "assign_one", tracker._assign_one, assign_calls)
    embedder.embed = _timed(totals, "embed", embedder.embed)  # type: ignore[method-assign]
    for name in (
        "unanalysed_articles",
        "articles_without_claims",
        "count_analysed",
        "story_records",
        "analysed",
        "near_duplicate_candidates",
        "entity_frequencies",
        "save_story",
        "add_member",
        "stale_timelines",
    ):
        setattr(store, name, _timed(totals, name, getattr(store, name)))
    unassigned = store.unassigned

    def unassigned_listed() -> Any:  # the query runs when the generator is first read: time it here
        start = time.perf_counter()
        rows = list(unassigned())
        totals["unassigned"] += time.perf_counter() - start
        return iter(rows)

    store.unassigned = unassigned_listed  # type: ignore[method-assign]
    best_story = cluster.StoryIndex.best_story

    looking_ahead = [False]  # best_story as tracker._prefetch_second_opinions calls it, to find texts to embed

    def counted(index: cluster.StoryIndex, profile: Any, stories: list[cluster.Story]) -> Any:
        if not looking_ahead[0]:
            scored.append(len(stories))
        return best_story(index, profile, stories)

    look_ahead = tracker._prefetch_second_opinions

    def flagged(*args: Any) -> None:
        looking_ahead[0] = True
        try:
            look_ahead(*args)
        finally:
            looking_ahead[0] = False

    tracker._prefetch_second_opinions = _timed(totals, "second_opinion_look_ahead", flagged)

    cluster.StoryIndex.best_story = _timed(totals, "score", counted)  # type: ignore[method-assign]
    second_texts: list[int] = []
    prefetch = similarity.SecondEmbeddings.prefetch

    def second_counted(self: similarity.SecondEmbeddings, profiles: list[Any], batch: int = 32) -> None:
        before = self.computed
        prefetch(self, profiles, batch)
        second_texts.append(self.computed - before)

    similarity.SecondEmbeddings.prefetch = _timed(totals, "second_opinion", second_counted)  # type: ignore[method-assign]
    start = time.perf_counter()
    report = tracker.update_stories(store)
    total = time.perf_counter() - start
    # Did the copies of recent stories join a story of the store (rather than found their own)?
    story_of = store.story_ids_of(ids)
    joined = sum(story_of[aid] != f"st_{aid[:16]}" for item, aid in zip(batch, ids, strict=True) if item["copy"])
    store.close()

    n = len(batch)
    # What a run pays once, whatever it brings: finding what is new (each a query above its stage's mark),
    # the analysed-article count of the IDF, the active stories read into the indexes.
    scans = ("unanalysed_articles", "articles_without_claims", "unassigned", "count_analysed", "stale_timelines")
    load = totals["load_index"] + sum(totals[k] for k in scans)
    assign = total - sum(
        totals[k]
        for k in ("analyse", "claims", "load_index", "unassigned", "count_analysed", "stale_timelines", "timelines")
    )
    return {
        "stored": stored,
        "new": n,
        "report": vars(report),
        "total_s": total,
        "load_s": load,
        "analyse_ms": 1000 * (totals["analyse"] - totals["unanalysed_articles"]) / n,
        "claims_ms": 1000 * (totals["claims"] - totals["articles_without_claims"]) / n,
        "timelines_s": totals["timelines"],
        "embed_ms": 1000 * totals["embed"] / n,
        "assign_ms": 1000 * assign / n,
        "assign_p50_ms": 1000 * statistics.median(assign_calls),
        "assign_p90_ms": 1000 * statistics.quantiles(assign_calls, n=10)[-1],
        "near_duplicate_ms": 1000 * totals["near_duplicate_candidates"] / n,
        "scored_per_article": sum(scored) / n,
        "score_ms": 1000 * totals["score"] / n,
        "second_opinion_ms": 1000 * totals["second_opinion"] / n,
        # the look-ahead that embeds a batch's texts at once (its scoring and the embedding it asks for)
        "second_opinion_look_ahead_ms": 1000 * totals["second_opinion_look_ahead"] / n,
        "second_opinion_texts": sum(second_texts),
        "copies": sum(item["copy"] for item in batch),
        "copies_joined": joined,
        "parts_s": {k: round(v, 4) for k, v in sorted(totals.items())},
        "baseline_mb": baseline_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def embedding_throughput(limit: int, repeat: int = 3) -> dict[str, Any]:
    """Articles per second of the default embedder on title plus lead (own process): a first pass from
    empty caches, then the best of ``repeat`` warm passes."""
    texts = [embedding_text(t.title, t.body) for t in similarity_texts()[:limit]]
    embedder = get_embedder(DEFAULT_EMBEDDER)
    seconds = []
    for _ in range(1 + repeat):
        start = time.perf_counter()
        for begin in range(0, len(texts), _EMBED_BATCH):
            embedder.embed(texts[begin : begin + _EMBED_BATCH])
        seconds.append(time.perf_counter() - start)
    return {
        "texts": len(texts),
        "embedder": embedder.name,
        "threads": getattr(embedder, "threads", None),
        "cold_per_s": len(texts) / seconds[0],
        "warm_per_s": len(texts) / min(seconds[1:]),
        "warm_runs_per_s": [round(len(texts) / s) for s in seconds[1:]],
    }


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"benchmark child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------


def _print_table(results: list[dict[str, Any]]) -> None:
    firsts: dict[str, dict[str, Any]] = {}
    for r in results:
        firsts.setdefault(r["backend"], r)
    first_stored = results[0]["stored"]
    print(
        f"\n{'backend':>8} {'stored':>10} {'load s':>7} {'analyse':>8} {'claims':>7} {'assign':>7} {'p50':>6} {'p90':>6}"
        f" {'vs ' + format(first_stored, ','):>9} {'2nd op.':>7} {'2nd texts':>9} {'timelines s':>11}"
        f" {'peak MB':>8} {'joined':>7}   (ms per new article unless said; 2nd op. is part of assign)"
    )
    for r in results:
        first = firsts[r["backend"]]["assign_ms"]
        print(
            f"{r['backend']:>8} {r['stored']:>10,} {r['load_s']:7.2f} {r['analyse_ms']:8.1f} {r['claims_ms']:7.1f}"
            f" {r['assign_ms']:7.2f} {r['assign_p50_ms']:6.2f} {r['assign_p90_ms']:6.2f} {r['assign_ms'] / first:8.2f}×"
            f" {r['second_opinion_ms']:7.2f} {r['second_opinion_texts']:9}"
            f" {r['timelines_s']:11.2f} {r['peak_mb']:8.0f} {r['copies_joined']:>3}/{r['copies']:<3}"
        )
    print(
        "assign ms of every run: "
        + "; ".join(f"{r['backend']} {r['stored']:,}: {r['assign_ms_runs']}" for r in results)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="stored articles (default 10k, 100k and 1M)")
    parser.add_argument("--new", type=int, help="new articles per run, a multiple of 3 (default 300; 99 with --quick)")
    parser.add_argument("--quick", action="store_true", help="2k and 10k stored, 99 new, 500 texts embedded")
    parser.add_argument("--embed-texts", type=int, help="texts for the embedding throughput (default 2000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per size, the fastest shown (default 2)")
    parser.add_argument(
        "--articles-per-day",
        type=int,
        default=ARTICLES_PER_DAY,
        help="news rate of the stored history (default %(default)s; at 150 even 10k fills the 60-day window)",
    )
    add_backend_arguments(parser, "stores to run on, alternating run by run (default sqlite; postgres alone with --db)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--measure", nargs=2, metavar=("STORE", "BATCH"), help=argparse.SUPPRESS)
    parser.add_argument("--embed-only", type=int, metavar="TEXTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return
    if args.embed_only:
        print(json.dumps(embedding_throughput(args.embed_only)))
        return

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    n_new = args.new or (99 if args.quick else 300)
    if n_new % 3:
        parser.error("--new must be a multiple of 3 (a third of each kind of new article)")
    backends = args.backends or (["postgres"] if args.db else ["sqlite"])
    cores = len(os.sched_getaffinity(0))
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {cores} cores, python {platform.python_version()}",
        "articles_per_day": args.articles_per_day,
        "backends": backends,
        "sizes": [],
    }
    print(
        f"Stories at scale, {results['date']}, {results['machine']}, stored history of"
        f" {args.articles_per_day:,} articles a day, on {' and '.join(backends)}",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        server = None
        if "postgres" in backends:
            server = stack.enter_context(postgres_server(args.db, parse_settings(args.pg_setting)))
            results["postgres"] = server_settings(server)
            print(f"PostgreSQL: {json.dumps(results['postgres'])}", flush=True)
        results["embedding"] = embedding = _child(
            "--embed-only", str(args.embed_texts or (500 if args.quick else 2000))
        )
        print(
            f"embedding, title + lead, {embedding['embedder']}: {embedding['cold_per_s']:.0f} articles/s from an empty"
            f" cache, {embedding['warm_per_s']:.0f} warm ({embedding['texts']} texts, batches of {_EMBED_BATCH})",
            flush=True,
        )
        for size in sorted(sizes):
            sources: dict[str, Path | str] = {}
            built: dict[str, float] = {}
            for backend in backends:
                start = time.perf_counter()
                sources[backend] = cached_store(
                    size,
                    progress=True,
                    articles_per_day=args.articles_per_day,
                    server=server if backend == "postgres" else None,
                )
                built[backend] = time.perf_counter() - start
            runs: dict[str, list[dict[str, Any]]] = {backend: [] for backend in backends}
            CACHE.mkdir(exist_ok=True)
            with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
                batch = Path(tmp) / "batch.json"
                articles = new_articles(sources[backends[0]], n_new, args.articles_per_day)  # the same on every backend
                batch.write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
                for _ in range(args.repeat):
                    for backend in backends:  # alternating: the shared cores' load falls on both alike
                        work = str(Path(tmp) / "store.db")
                        if backend == "postgres":
                            assert server is not None
                            work = with_database(server, "storyline_bench_run")
                        copy_store(sources[backend], work)  # the run adds articles and stories: keep the cache as built
                        try:
                            runs[backend].append(_child("--measure", work, str(batch)))
                        finally:
                            remove_store(work)
            for backend in backends:
                result = min(runs[backend], key=lambda r: r["assign_ms"])
                result["backend"] = backend
                result["assign_ms_runs"] = [round(r["assign_ms"], 3) for r in runs[backend]]
                result["runs"] = [  # each run's main figures: a slow run shows where the shared cores went
                    {k: round(r[k], 3) for k in ("assign_ms", "second_opinion_ms", "load_s", "timelines_s", "total_s")}
                    for r in runs[backend]
                ]
                result["store_mb"] = store_bytes(sources[backend]) / 2**20
                result["build_or_reuse_s"] = built[backend]
                results["sizes"].append(result)
                print(f"{size:,} stored, {backend}: {json.dumps(result)}", flush=True)
    _print_table(results["sizes"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
