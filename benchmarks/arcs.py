"""Stories that keep their arc: B³ and pairwise F1 of story grouping, today's time-gap rule beside the fitted one.

    python benchmarks/arcs.py            # sample corpus, arcs dev and test, both rules side by side
    python benchmarks/arcs.py --errors   # also every gold story split or joined, article by article
    python benchmarks/arcs.py --json

Two sets, each ingested into a fresh SQLite store as `storyline ingest` reads them, then grouped by
`recluster` once per rule:

* the sample corpus (`samples/corpus`, gold `samples/gold.json`), plus the seeds when ../shared/seeds
  is there (they must stay one story: shown as "seeds together");
* the dated story arcs (`benchmarks/data/arcs`, see `storyline.eval.stories`): multi-week stories in
  several languages with same-company and same-kind distractors, split by arc into dev and test.

"before" is story assignment as it was until 2026-12: the content model's probability lowered by 1.5
logit units per 30 days beyond 7 days of grace. "now" is the rule of `similarity_params.json`, fitted
on the sample corpus and the dev arcs (`scripts/fit_story_joins.py`): its grace, its penalty, and how
much each partner, person or product both articles name relieves it. The test arcs were not used to
choose anything.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from storyline import ingest, open_store
from storyline.eval.stories import ARCS_DIR, arcs_gold, bcubed, load_arcs, pairwise, sample_gold, story_of
from storyline.pipeline import recluster
from storyline.store.base import Store
from storyline.stories.similarity import JoinCalibration, SimilarityModel, default_model

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
BEFORE = JoinCalibration(grace_days=7.0, penalty=1.5, fitted_on="the rule until 2026-12")


def figures(store: Store, gold: dict[str, str]) -> dict:
    predicted = story_of(store)
    b3, pairs = bcubed(predicted, gold), pairwise(predicted, gold)
    return {
        "articles": len(gold),
        "gold_stories": len(set(gold.values())),
        "stories": len({predicted[a] for a in gold}),
        "b3": b3.to_dict(),
        "pairwise": pairs.to_dict(),
    }


def errors(store: Store, gold: dict[str, str], titles: dict[str, str]) -> list[str]:
    """Each predicted story that mixes gold stories, and each gold story spread over several."""
    predicted = story_of(store)
    lines = []
    by_gold, by_predicted = defaultdict(set), defaultdict(set)
    for article, story in gold.items():
        by_gold[story].add(predicted[article])
        by_predicted[predicted[article]].add(article)
    for story, parts in sorted(by_gold.items()):
        if len(parts) > 1 and not story.startswith("alone:"):
            lines.append(f"split {story}:")
            for part in sorted(parts):
                lines.extend(
                    f"    [{part[-6:]}] {titles[a][:90]}" for a in sorted(by_predicted[part]) if gold[a] == story
                )
    for part, members in sorted(by_predicted.items()):
        if len({gold[a] for a in members}) > 1:
            lines.append(
                f"joined in [{part[-6:]}]: " + " | ".join(f"{gold[a]}: {titles[a][:50]}" for a in sorted(members))
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list split and wrongly joined stories (dev sets only)")
    parser.add_argument("--arcs", type=Path, default=ARCS_DIR, help="folder of arcs *.jsonl")
    args = parser.parse_args(argv)

    now = default_model()
    rules: dict[str, SimilarityModel] = {"before": replace(now, joins=BEFORE), "now": now}
    arcs = load_arcs(args.arcs)
    results: dict[str, dict] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        sample = open_store(Path(tmp) / "sample.db")
        ingest([str(REPO / "samples" / "corpus"), *([str(SEEDS)] if SEEDS.is_dir() else [])], sample)
        arc_store = open_store(Path(tmp) / "arcs.db")
        ingest([str(p) for p in sorted(args.arcs.glob("*.jsonl"))], arc_store)
        sets = {
            "sample corpus": (sample, sample_gold(sample)),
            **{f"arcs {split}": (arc_store, arcs_gold(arc_store, arcs, split)) for split in ("dev", "test")},
            "arcs all": (arc_store, arcs_gold(arc_store, arcs)),
        }
        seeds = [a.id for a in sample.articles() if "seeds" in a.origin]
        for rule, model in rules.items():
            recluster(sample, model=model)
            recluster(arc_store, model=model)
            results[rule] = {name: figures(store, gold) for name, (store, gold) in sets.items()}
            predicted = story_of(sample)
            results[rule]["seeds together"] = len({predicted[s] for s in seeds}) == 1 if seeds else None
            if args.errors and not args.json:
                titles = {
                    a.id: f"{a.lang} {a.published.isoformat()[:10] if a.published else '?'} {a.title}"
                    for store in (sample, arc_store)
                    for a in store.articles()
                }
                for name in ("sample corpus", "arcs dev"):
                    store, gold = sets[name]
                    print(f"--- {rule}: {name}")
                    print("\n".join(errors(store, gold, titles)) or "    (none)")
    if args.json:
        print(json.dumps({"joins": {k: m.joins.to_json() for k, m in rules.items()}, "figures": results}, indent=2))
        return 0
    for rule, model in rules.items():
        j = model.joins
        print(
            f"{rule}: -{j.penalty:g} logit per 30 days after {j.grace_days:g} days, relieved by {j.relief_per_shared_name:g}"
            f" a shared name; join {model.join_threshold}, merge {model.merge_threshold}"
        )
    print(
        f"{'set':<15}{'articles':>9}{'gold':>6}  {'stories':>15}  {'B³ P':>11}  {'B³ R':>11}  {'B³ F1':>11}"
        f"  {'pair P':>11}  {'pair R':>11}  {'pair F1':>11}"
    )
    print(f"{'':<15}{'':>9}{'':>6}  {'before   now':>15}" + "  before  now" * 6)
    for name in results["now"]:
        if name == "seeds together":
            continue
        b, n = results["before"][name], results["now"][name]
        cells = [f"{b[m][k]:>6.3f}{n[m][k]:>6.3f}" for m in ("b3", "pairwise") for k in ("precision", "recall", "f1")]
        print(
            f"{name:<15}{n['articles']:>9}{n['gold_stories']:>6}  {b['stories']:>7}{n['stories']:>8}  "
            + "  ".join(cells)
        )
    print(f"seeds one story: before {results['before']['seeds together']}, now {results['now']['seeds together']}")
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
