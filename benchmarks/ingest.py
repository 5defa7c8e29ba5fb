"""End-to-end ingest throughput: files on disk to articles in a fresh SQLite store.

    python benchmarks/ingest.py               # HTML: the 990 trafilatura-eval pages; text: 1,500 pasted pages
    python benchmarks/ingest.py --limit 200   # a quick look

HTML is read straight from ../shared/bench (gzip files); the text corpus is written to a temporary
folder from the news texts of the similarity set, each dressed as a pasted page (title, dateline,
paragraphs, page furniture). Reference in the same run: plain trafilatura.extract on the same HTML
pages, one process, no store.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import trafilatura

from storyline import Settings, ingest, open_store
from storyline.eval.datasets import bench_dir, trafilatura_eval

_FURNITURE = [
    "Share this article\n\nFacebook Twitter LinkedIn",
    "Related posts\n\nFive things to know this week\nWhat the numbers say about the market",
    "Subscribe to our newsletter and get the news every morning.",
    "3 comments\n\n  1. Interesting piece, thanks.\n  2. I am not convinced at all.\n\nLeave a Reply\n\nYour email address will not be published. Required fields are marked *",
    "© 2025 Example Media. All rights reserved.",
]


def _write_text_corpus(folder: Path, limit: int) -> int:
    source = bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl"
    rng = random.Random(7)
    count = 0
    seen: set[str] = set()
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for text in (record["text1"], record["text2"]):
                text = text.strip()
                if count >= limit or text[:200] in seen or len(text) < 200:
                    continue
                seen.add(text[:200])
                sentences = text.split(". ")
                title, body = sentences[0][:150], ". ".join(sentences[1:])
                words = body.split()
                paragraphs = [" ".join(words[i : i + 80]) for i in range(0, len(words), 80)]
                day = date(2025, 1, 1).toordinal() + rng.randrange(300)
                dateline = f"{date.fromordinal(day).strftime('%d-%m-%Y')} 10:{rng.randrange(60):02d} - Source: www.example{count % 50}.com"
                page = "\n\n".join([title, dateline, *paragraphs, *rng.sample(_FURNITURE, 3)])
                (folder / f"page{count:05d}.txt").write_text(page, encoding="utf-8")
                count += 1
    return count


def _run_ingest(paths: list[str], workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        start = time.perf_counter()
        report = ingest(paths, store, Settings(workers=workers))
        elapsed = time.perf_counter() - start
        stored = store.count_articles()
        store.close()
    return {
        "documents": report.documents,
        "articles": stored,
        "errors": len(report.errors),
        "seconds": elapsed,
        "articles_per_s": stored / elapsed,
        "documents_per_s": report.documents / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="documents per corpus")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    results: dict = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {cores} cores, python {platform.python_version()}",
    }

    pages = list(trafilatura_eval(limit=args.limit))
    with tempfile.TemporaryDirectory() as tmp:
        html_dir = Path(tmp) / "html"
        html_dir.mkdir()
        for i, page in enumerate(pages):
            (html_dir / f"page{i:05d}.html").write_bytes(page.html)
        start = time.perf_counter()
        for page in pages:
            trafilatura.extract(page.html, url=page.url, with_metadata=True)
        reference = len(pages) / (time.perf_counter() - start)
        results["html"] = {f"storyline, {w} worker(s)": _run_ingest([str(html_dir)], w) for w in sorted({1, cores})}
        results["html"]["plain trafilatura.extract, 1 process, no store (reference)"] = {"documents_per_s": reference}

        text_dir = Path(tmp) / "text"
        text_dir.mkdir()
        written = _write_text_corpus(text_dir, args.limit or 1500)
        results["text"] = {f"storyline, {w} worker(s)": _run_ingest([str(text_dir)], w) for w in sorted({1, cores})}
        results["text_documents"] = written

        # One 19 MB line of text (issue 15): bounded by MAX_TEXT_CHARS and MAX_ARTICLE_CHARS, timed with its peak memory
        # in a fresh process (ru_maxrss is per process); the reference is reading the file.
        huge = Path(tmp) / "one-line.txt"
        words = [
            "the",
            "harbour",
            "authority",
            "said",
            "on",
            "monday",
            "it",
            "will",
            "expand",
            "the",
            "quay",
            "next",
            "year",
        ]
        huge.write_text(
            "One line\n\n" + " ".join(words[i % len(words)] for i in range(2_900_000)) + "\n", encoding="utf-8"
        )
        code = (
            "import json, resource, sys, tempfile, time; from pathlib import Path; from storyline import ingest, open_store;"
            " store = open_store(Path(tempfile.mkdtemp()) / 'b.db'); t = time.perf_counter();"
            " r = ingest([sys.argv[1]], store); print(json.dumps({'seconds': time.perf_counter() - t,"
            " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'warnings': len(r.warnings)}))"
        )
        ran = subprocess.run([sys.executable, "-c", code, str(huge)], capture_output=True, text=True, check=True)
        start = time.perf_counter()
        huge.read_bytes()
        results["one_line"] = {
            "bytes": huge.stat().st_size,
            **json.loads(ran.stdout),
            "read_seconds (reference)": time.perf_counter() - start,
        }

    print(f"\nIngest throughput, {results['date']}, {results['machine']}")
    for corpus in ("html", "text"):
        print(f"\n{corpus:62} {'docs/s':>8} {'articles/s':>10}")
        for name, r in results[corpus].items():
            print(f"  {name:60} {r['documents_per_s']:8.1f} {r.get('articles_per_s', float('nan')):10.1f}")
    line = results["one_line"]
    print(
        f"\none line of {line['bytes'] / 1e6:.0f} MB: {line['seconds']:.1f} s, peak {line['peak_mb']:.0f} MB,"
        f" {line['warnings']} warning (reading the file alone: {line['read_seconds (reference)']:.2f} s)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
