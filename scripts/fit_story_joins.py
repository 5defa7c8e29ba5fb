"""Fit how the time gap counts in story assignment (`JoinCalibration`); write it into similarity_params.json.

    python scripts/fit_story_joins.py            # grid search, print, write the best
    python scripts/fit_story_joins.py --dry-run  # print only

The content model learns from SemEval pairs, which carry no dates: how much a gap of weeks should
count against a join, and how much a deal partner, person or product both articles name should
relieve it, is chosen here, on the sample corpus and the dev half of the dated arcs
(`benchmarks/data/arcs`; never the test half). Each rule of the grid streams both sets through story
assignment; the one with the best mean B³ F1 whose B³ precision stays above PRECISION_FLOORS (and that
keeps the seeds one story) is written. Ties go to the stronger penalty. The join and merge thresholds
stay those fitted on SemEval (`scripts/train_similarity.py`): the rule only touches dated pairs, so
the undated SemEval stream is the same.
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
from storyline.pipeline import recluster
from storyline.stories.similarity import PARAMS_FILE, JoinCalibration, default_model

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
GRACE_DAYS = (7, 14, 30)
PENALTIES = (0.5, 1.0, 1.5, 2.0, 3.0)  # logit units per 30 days
RELIEFS = (0.0, 0.25, 0.5, 1.0)  # logit units per 30 days, per shared name
PRECISION_FLOORS = (0.97, 0.9)  # B³ precision the sample corpus and the dev arcs must keep: a wrong merge misleads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = parser.parse_args(argv)
    model = default_model()
    with tempfile.TemporaryDirectory() as tmp:
        sample = open_store(Path(tmp) / "sample.db")
        ingest([str(REPO / "samples" / "corpus"), *([str(SEEDS)] if SEEDS.is_dir() else [])], sample)
        arcs = open_store(Path(tmp) / "arcs.db")
        ingest([str(p) for p in sorted(ARCS_DIR.glob("*.jsonl"))], arcs)
        sets = {"sample corpus": (sample, sample_gold(sample)), "arcs dev": (arcs, arcs_gold(arcs, load_arcs(), "dev"))}
        seeds = [a.id for a in sample.articles() if "seeds" in a.origin]
        rules = [("current", model.joins)] + [
            ("", JoinCalibration(float(g), p, r)) for g, p, r in itertools.product(GRACE_DAYS, PENALTIES, RELIEFS)
        ]
        best: tuple[float, float, JoinCalibration] | None = None
        for name, rule in rules:
            candidate = replace(model, joins=rule)
            shown, scores = [], []
            for set_name, (store, gold) in sets.items():
                recluster(store, model=candidate)
                b3 = bcubed(story_of(store), gold)
                scores.append(b3)
                shown.append(f"{set_name} B³ P {b3.precision:.3f} R {b3.recall:.3f} F1 {b3.f1:.3f}")
            together = len({story_of(sample)[s] for s in seeds}) <= 1
            allowed = together and all(
                b3.precision >= floor for b3, floor in zip(scores, PRECISION_FLOORS, strict=True)
            )
            objective = sum(b3.f1 for b3 in scores) / len(scores)
            print(
                f"{name or 'grid':>7}: grace {rule.grace_days:>2g}, penalty {rule.penalty:g}, relief {rule.relief_per_shared_name:g}: "
                + "; ".join(shown)
                + f"; mean F1 {objective:.3f}{'' if allowed else ' (not allowed)'}",
                flush=True,
            )
            if name != "current" and allowed and (best is None or (objective, rule.penalty) > best[:2]):
                best = (objective, rule.penalty, rule)
    if best is None:
        print("no rule keeps precision; nothing written")
        return 1
    chosen = replace(best[2], fitted_on="samples/gold.json and the dev arcs of benchmarks/data/arcs (mean B³ F1, grid)")
    print(f"best: {json.dumps(chosen.to_json())}")
    if not args.dry_run:
        data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
        data["joins"] = chosen.to_json()
        PARAMS_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"written to {PARAMS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
