"""Fit the time-gap rule of story assignment on dated stories; write it into similarity_params.json.

    python scripts/fit_time_gap.py            # grid search, print, write the best rule
    python scripts/fit_time_gap.py --dry-run  # print only

The SemEval pairs the similarity model learns from carry no dates, so how much a gap of weeks
should count against a join is chosen here: on the sample corpus and the dev half of the dated
arcs (`benchmarks/data/arcs`), never the test half. The objective is the mean B³ F1 of the two
sets; a rule may not lower B³ precision of either below the current rule's, nor split the seeds.
Ties go to the stronger penalty (joins that need more evidence).
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from storyline import ingest, open_store
from storyline.eval.stories import ARCS_DIR, arcs_gold, bcubed, load_arcs, sample_gold, story_of
from storyline.stories.similarity import PARAMS_FILE, TimeGap, default_model
from storyline.stories.tracker import recluster

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
GRACE_DAYS = (7, 14, 21, 30, 45)
PENALTIES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the grid, write nothing")
    args = parser.parse_args(argv)
    model = default_model()
    with tempfile.TemporaryDirectory() as tmp:
        sample = open_store(Path(tmp) / "sample.db")
        ingest([str(REPO / "samples" / "corpus"), *([str(SEEDS)] if SEEDS.is_dir() else [])], sample)
        arcs = open_store(Path(tmp) / "arcs.db")
        ingest([str(p) for p in sorted(ARCS_DIR.glob("*.jsonl"))], arcs)
        golds = {"sample": (sample, sample_gold(sample)), "arcs dev": (arcs, arcs_gold(arcs, load_arcs(), "dev"))}
        seeds = [a.id for a in sample.articles() if "seeds" in a.origin]

        def score(gap: TimeGap) -> tuple[dict[str, tuple[float, float]], bool]:
            candidate = replace(model, time_gap=gap)
            recluster(sample, model=candidate)
            recluster(arcs, model=candidate)
            found = {}
            for name, (store, gold) in golds.items():
                b3 = bcubed(story_of(store), gold)
                found[name] = (b3.precision, b3.f1)
            return found, len({story_of(sample)[s] for s in seeds}) <= 1

        current, _ = score(model.time_gap)
        best: tuple[float, float, TimeGap] | None = None
        for grace, penalty in itertools.product(GRACE_DAYS, PENALTIES):
            gap = TimeGap(float(grace), penalty)
            found, seeds_together = score(gap)
            objective = sum(f1 for _, f1 in found.values()) / len(found)
            allowed = seeds_together and all(found[k][0] >= current[k][0] - 1e-9 for k in found)
            print(f"grace {grace:>3} days, penalty {penalty:>4} per 30 days: "
                  + "  ".join(f"{k} B³ P {p:.3f} F1 {f:.3f}" for k, (p, f) in found.items())
                  + f"  mean F1 {objective:.3f}{'' if allowed else '  (not allowed)'}")
            if allowed and (best is None or (objective, penalty) > (best[0], best[1])):
                best = (objective, penalty, gap)
    if best is None:
        print("no rule keeps precision; nothing written")
        return 1
    chosen = replace(best[2], fitted_on="samples/gold.json and the dev arcs of benchmarks/data/arcs (mean B³ F1)")
    print(f"best: grace {chosen.grace_days:g} days, penalty {chosen.penalty:g} per 30 days, mean B³ F1 {best[0]:.3f}")
    if not args.dry_run:
        data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
        data["time_gap"] = chosen.to_json()
        PARAMS_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"written to {PARAMS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
