"""Learn the story-similarity combination on SemEval-2022 Task 8 pairs; write similarity_params.json.

    python scripts/train_similarity.py [../shared/bench/similarity/semeval2022-task8/dev.jsonl]

The model is a logistic combination of the features in `storyline.stories.similarity.FEATURES`,
fitted as a fractional logistic regression on every pair (target (4 - Overall) / 3), so one set of
a few weights serves both the similarity score (Pearson with -Overall) and the join decision.
5-fold cross-validated figures are printed before the final fit on all pairs. The join threshold
and the merge threshold are the pair that maximises same-story F1 of the full streaming assignment
(ties: the higher thresholds, the more careful joins).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from storyline.eval.datasets import bench_dir
from storyline.eval.similarity import PairData, _prf, load_pairs, pearson, stream_stories
from storyline.stories.similarity import FEATURES, PARAMS_FILE, SimilarityModel

C = 10.0


def fit(features: np.ndarray, overall: np.ndarray) -> LogisticRegression:
    target = (4.0 - overall) / 3.0
    doubled = np.r_[features, features]
    labels = np.r_[np.ones(len(features)), np.zeros(len(features))]
    weights = np.r_[target, 1.0 - target]
    return LogisticRegression(C=C, max_iter=5000).fit(doubled, labels, sample_weight=weights)


def cross_validated_stream_f1(pairs: list, data: PairData, features: np.ndarray, overall: np.ndarray,
                              model: SimilarityModel) -> float:
    """Same-story F1 pooled over folds; a fold streams only its own pairs' texts (fewer distractors than the whole file)."""
    same = np.zeros(len(pairs), dtype=bool)
    for train, test in KFold(5, shuffle=True, random_state=0).split(features):
        fitted = fit(features[train], overall[train])
        fold_model = replace(model, weights=tuple(float(w) for w in fitted.coef_[0]), bias=float(fitted.intercept_[0]))
        fold = [pairs[i] for i in test]
        story_of = stream_stories(data, fold_model, {t for p in fold for t in (p.text1, p.text2)})
        same[test] = [story_of[p.text1] == story_of[p.text2] for p in fold]
    return _prf(pairs, list(same))["f1"]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl"
    pairs = load_pairs(path)
    data = PairData(pairs)
    features = np.array([data.features(p) for p in pairs])
    overall = np.array([p.overall for p in pairs])
    original = np.array([not p.machine_translated for p in pairs])

    predicted = np.zeros(len(pairs))
    for train, test in KFold(5, shuffle=True, random_state=0).split(features):
        predicted[test] = fit(features[train], overall[train]).predict_proba(features[test])[:, 1]
    print(f"5-fold CV Pearson: original {pearson(predicted[original], -overall[original]):.3f}, "
          f"all {pearson(predicted, -overall):.3f}")

    final = fit(features, overall)
    model = SimilarityModel(tuple(float(w) for w in final.coef_[0]), float(final.intercept_[0]), 0.5, 0.7,
                            trained_on=f"{path.name}: {len(pairs)} pairs")
    best = (-1.0, 0.5, 0.7)
    for join in (0.5, 0.55, 0.6, 0.65):
        for merge in (0.7, 0.75, 0.8, 0.85, 0.95):
            candidate = replace(model, join_threshold=join, merge_threshold=merge)
            story_of = stream_stories(data, candidate)
            f1 = _prf(pairs, [story_of[p.text1] == story_of[p.text2] for p in pairs])["f1"]
            print(f"join threshold {join:.2f}, merge {merge:.2f}: same-story F1 {f1:.3f}")
            best = max(best, (round(f1, 3), join, merge))
    model = replace(model, join_threshold=best[1], merge_threshold=best[2])
    print(f"5-fold CV same-story F1 (each fold's texts streamed with weights fitted on the other folds, these"
          f" thresholds): {cross_validated_stream_f1(pairs, data, features, overall, model):.3f}")
    import json

    PARAMS_FILE.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    print(f"features {FEATURES}\nwrote {PARAMS_FILE} (join {model.join_threshold}, merge {model.merge_threshold})")


if __name__ == "__main__":
    main()
