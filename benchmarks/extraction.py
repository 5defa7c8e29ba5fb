"""Main-text and date extraction: storyline against plain trafilatura and htmldate, same pages, same run.

    python benchmarks/extraction.py            # all pages of ../shared/bench
    python benchmarks/extraction.py --limit 50 # a quick look
    python benchmarks/extraction.py --warm     # steady state: every system reads the pages once untimed first

Scoring as in ../shared/bench/README.md. Times are per page on one core, parse included. The systems take turns
going first on a page: the second to read a page runs faster (warm caches and allocator), by about 1.5 ms here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import htmldate
import trafilatura

from storyline.eval.datasets import mediacloud_dates, scrapinghub, trafilatura_eval
from storyline.eval.metrics import PRF, DateScore, score_snippets, token_prf
from storyline.extract import ExtractionError, extract_article
from storyline.model import RawDocument


def storyline_text(html: bytes, url: str) -> str | None:
    try:
        article, _ = extract_article(RawDocument(url, html, "text/html", url=url))
    except ExtractionError:
        return None
    return article.text


def storyline_date(html: bytes, url: str) -> str | None:
    try:
        article, _ = extract_article(RawDocument(url, html, "text/html", url=url))
    except ExtractionError:
        return None
    return (
        article.published.value.strftime("%Y-%m-%d")
        if article.published and article.published.precision in ("day", "minute")
        else None
    )


def trafilatura_text(html: bytes, url: str) -> str | None:
    return trafilatura.extract(html, url=url)


def htmldate_date(html: bytes, url: str) -> str | None:
    return htmldate.find_date(html, url=url)


def _timed(fn: Callable[[bytes, str], str | None], html: bytes, url: str, times: list[float]) -> str | None:
    start = time.perf_counter()
    try:
        result = fn(html, url)
    except Exception as exc:  # a crash counts as no output, and is reported
        print(f"  {fn.__name__} failed on {url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        result = None
    times.append(time.perf_counter() - start)
    return result


def _in_turn(systems: Mapping[str, Callable[[bytes, str], str | None]], page: int) -> list[tuple[str, Callable]]:
    """The systems in the order they read page number `page`: each goes first on every other page."""
    order = list(systems.items())
    return order if page % 2 == 0 else order[::-1]


def _warm_up(systems: Mapping[str, Callable[[bytes, str], str | None]], pages: Iterable[Any]) -> None:
    """One untimed read of every page: what a process pays once (dateparser compiles its tables for all
    languages on first use, 1-3 s) stays out of the per-page times."""
    for page in pages:
        for fn in systems.values():
            with contextlib.suppress(Exception):
                fn(page.html, page.url)


def run(limit: int | None, warm: bool = False) -> dict:
    results: dict = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
        "warm": warm,
    }
    systems = {"storyline": storyline_text, "trafilatura": trafilatura_text}

    scores = {name: PRF() for name in systems}
    times: dict[str, list[float]] = {name: [] for name in systems}
    pages = 0
    if warm:
        _warm_up(systems, trafilatura_eval(limit=limit))
    for page in trafilatura_eval(limit=limit):
        pages += 1
        for name, fn in _in_turn(systems, pages):
            score_snippets(
                _timed(fn, page.html, page.url, times[name]), page.with_snippets, page.without_snippets, scores[name]
            )
    results["trafilatura-eval"] = {
        name: {
            "pages": pages,
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "ms_per_page": 1000 * statistics.mean(times[name]),
            "pages_per_s": len(times[name]) / sum(times[name]),
        }
        for name, s in scores.items()
    }

    token_scores: dict[str, list[tuple[float, float, float]]] = {name: [] for name in systems}
    times = {name: [] for name in systems}
    if warm:
        _warm_up(systems, scrapinghub(limit=limit))
    for i, page in enumerate(scrapinghub(limit=limit)):
        for name, fn in _in_turn(systems, i):
            token_scores[name].append(token_prf(_timed(fn, page.html, page.url, times[name]), page.body))
    results["scrapinghub"] = {
        name: {
            "pages": len(rows),
            "precision": statistics.mean(r[0] for r in rows),
            "recall": statistics.mean(r[1] for r in rows),
            "f1": statistics.mean(r[2] for r in rows),
            "ms_per_page": 1000 * statistics.mean(times[name]),
        }
        for name, rows in token_scores.items()
    }

    date_systems = {"storyline": storyline_date, "htmldate": htmldate_date}
    date_scores = {name: DateScore() for name in date_systems}
    times = {name: [] for name in date_systems}
    if warm:
        _warm_up(date_systems, mediacloud_dates(limit=limit))
    for i, page in enumerate(mediacloud_dates(limit=limit)):
        for name, fn in _in_turn(date_systems, i):
            date_scores[name].add(_timed(fn, page.html, page.url, times[name]), page.date, page.url)
    results["dates"] = {
        name: {
            "pages": s.total,
            "precision": s.precision,
            "recall": s.recall,
            "accuracy": s.accuracy,
            "ms_per_page": 1000 * statistics.mean(times[name]),
        }
        for name, s in date_scores.items()
    }
    return results


def print_table(results: dict) -> None:
    print(f"\nExtraction benchmark, {results['date']}, {results['machine']}" + (", warm" if results["warm"] else ""))
    for dataset in ("trafilatura-eval", "scrapinghub"):
        print(f"\n{dataset:18} {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8}")
        for name, r in results[dataset].items():
            print(f"  {name:16} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['ms_per_page']:8.1f}")
    print(f"\n{'dates':18} {'P':>6} {'R':>6} {'acc':>6} {'ms/page':>8}")
    for name, r in results["dates"].items():
        print(f"  {name:16} {r['precision']:6.3f} {r['recall']:6.3f} {r['accuracy']:6.3f} {r['ms_per_page']:8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="pages per dataset")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--warm", action="store_true", help="read every page once untimed before timing")
    args = parser.parse_args()
    figures = run(args.limit, args.warm)
    print_table(figures)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
