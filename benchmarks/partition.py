"""What partitioning the one story assigner by entity would cost in story F1 (the CC-NEWS plan, issue 18).

    python benchmarks/partition.py                      # the SemEval dev file, 1 to 64 shards
    python benchmarks/partition.py PAIRS.jsonl --shards 1 8
    python benchmarks/partition.py --windows 14 30 91   # the dev arcs in time windows of so many days

Story assignment is one ordered consumer. To spread it over a cluster, each article would go to one of N
assigners by a key of its own, and each assigner would keep its own stories: two articles of one story that
get different keys can never meet. The key measured here is the article's *leading entity* (the name it
mentions most, ties to the rarer name, then to the key itself), hashed to a shard; an article without a name
goes by its id. Beside it, the same number of shards drawn at random (by article id): what partitioning costs
without a key that follows the stories. Every shard's texts are streamed through the same assignment as
`storyline eval similarity` (file order, the shipped model, the second opinion), and the pairs' same-story
precision, recall and F1 are scored as there. Nothing here is tuned: the key was chosen before the run.
The dev texts carry no dates, so a partition by time window cannot be measured on them: `--windows` measures
it on the dated dev arcs (`benchmarks/arcs.py`: multi-week stories in several languages with same-company
distractors) instead. Each window of so many days (from four starting offsets, averaged) is grouped alone, as
an assigner of its own would group it, and scored with B³ against the gold arcs; no pass joins a story across
a window's edge afterwards, so this is what windows cost at most.
"""

from __future__ import annotations

import argparse
import tempfile
import zlib
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from storyline import ingest, open_store
from storyline.enrich.embed import DEFAULT_EMBEDDER
from storyline.eval.datasets import bench_dir
from storyline.eval.similarity import PairData, load_pairs, same_story_prf, stream_stories
from storyline.eval.stories import ARCS_DIR, arcs_gold, bcubed, load_arcs, story_of
from storyline.pipeline import recluster
from storyline.stories.similarity import Profile, default_model

DEV = bench_dir() / "similarity/semeval2022-task8/dev.jsonl"


def leading_entity(profile: Profile, idf: dict[str, float]) -> str:
    if not profile.entities:
        return "id:" + profile.id
    return max(profile.entities, key=lambda k: (profile.entities[k], idf.get(k, 1.0), k))


def shard_of(key: str, shards: int) -> int:
    return zlib.crc32(key.encode()) % shards


def windows(days: list[int], offsets: int = 4) -> None:
    """B³ of the dev arcs grouped whole and in windows of each length in `days`."""
    print("| window | offsets | stories | B³ precision | B³ recall | **B³ F1** |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        whole = open_store(Path(tmp) / "arcs.db")
        ingest([str(p) for p in sorted(ARCS_DIR.glob("*.jsonl"))], whole)
        gold = arcs_gold(whole, load_arcs(ARCS_DIR), "dev")
        articles = [a for a in whole.articles() if a.id in gold and a.published is not None]
        gold = {a.id: gold[a.id] for a in articles}  # the dated ones (all of them, as written)
        recluster(whole)
        predicted = story_of(whole)
        scores = bcubed(predicted, gold)
        print(
            f"| none | – | {len({predicted[a] for a in gold})} | {scores.precision:.3f} | {scores.recall:.3f} |"
            f" **{scores.f1:.3f}** |",
            flush=True,
        )
        start = datetime(2024, 1, 1)  # windows by the date as written (naive)
        for length in days:
            found = []
            for offset in range(offsets):
                shift = timedelta(days=length * offset / offsets)
                parts: dict[int, list] = defaultdict(list)
                for article in articles:
                    parts[
                        (article.published.value.replace(tzinfo=None) - start + shift) // timedelta(days=length)
                    ].append(article)
                predicted = {}
                for number, part in parts.items():
                    store = open_store(Path(tmp) / f"w{length}-{offset}-{number}.db")
                    with store.transaction():
                        for article in part:
                            store.add_article(article, article.url or article.origin)
                    recluster(store)
                    predicted |= {a: f"{number}/{s}" for a, s in story_of(store).items()}
                    store.close()
                found.append((bcubed(predicted, gold), len(set(predicted.values()))))
            p, r, f = (sum(getattr(s, k) for s, _ in found) / offsets for k in ("precision", "recall", "f1"))
            stories = sum(n for _, n in found) / offsets
            print(f"| {length} days | {offsets} | {stories:.0f} | {p:.3f} | {r:.3f} | **{f:.3f}** |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", nargs="?", default=str(DEV))
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4, 8, 16, 64])
    parser.add_argument("--windows", type=int, nargs="+", help="days: the dev arcs in windows instead")
    args = parser.parse_args()
    if args.windows:
        windows(args.windows)
        return
    model = default_model()
    pairs = load_pairs(args.pairs)
    data = PairData(pairs, DEFAULT_EMBEDDER, model.second.words if model.second else 0)
    data.prefetch_second(model)  # once for all runs: the vectors do not depend on the partition
    idf = {key: data.idf(key) for profile in data.by_text.values() for key in profile.entities}
    keys = {
        "leading entity": {t: leading_entity(p, idf) for t, p in data.by_text.items()},
        "random": {t: "id:" + p.id for t, p in data.by_text.items()},
    }
    print(f"{args.pairs}: {len(pairs)} pairs, {len(data.texts)} texts\n")
    print("| shards | key | gold pairs split | largest shard | precision | recall | **F1** |")
    print("|---|---|---|---|---|---|---|")
    gold = [p for p in pairs if p.overall <= 1.5]
    for shards in args.shards:
        for name, key_of in keys.items():
            if shards == 1 and name == "random":
                continue
            members: dict[int, set[str]] = defaultdict(set)
            for text in data.texts:
                members[shard_of(key_of[text], shards)].add(text)
            story_of: dict[str, str] = {}
            for shard, texts in members.items():
                story_of |= {t: f"{shard}/{s}" for t, s in stream_stories(data, model, only=texts).items()}
            scores = same_story_prf(pairs, [story_of[p.text1] == story_of[p.text2] for p in pairs])
            split = sum(shard_of(key_of[p.text1], shards) != shard_of(key_of[p.text2], shards) for p in gold)
            largest = max(len(t) for t in members.values()) / len(data.texts)
            print(
                f"| {shards} | {name if shards > 1 else 'none'} | {split / len(gold):.1%} | {largest:.0%} |"
                f" {scores['precision']:.3f} | {scores['recall']:.3f} | **{scores['f1']:.3f}** |",
                flush=True,
            )


if __name__ == "__main__":
    main()
