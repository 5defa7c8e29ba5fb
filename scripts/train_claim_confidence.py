"""Train the claim confidence model (`storyline.enrich.claim_confidence`); write claim_confidence.json.

    python scripts/train_claim_confidence.py            # cross-validate, fit, write
    python scripts/train_claim_confidence.py --dry-run  # print only

Examples: every annotated sentence of the dev split of `benchmarks/data/claims_news` (real news;
positive when it reports a business event) and the 161 passages of `benchmarks/data/claims_gold.jsonl`
(business news written for the claims benchmark), embedded by the default multilingual encoder.
Never the test split.

A class-balanced logistic regression says whether a sentence reports a business event. Its score is
then calibrated on what matters downstream, whether a claim the rules (`rule_claims`) found in a
sentence names an event type that sentence reports, by a logistic fit of the claims' correctness on
their sentences' cross-validated scores (folded into the weights: the model stays one logistic
regression). The threshold below which no claim is emitted is the highest that costs no claim-type
recall (within RECALL_SLACK) on the dev articles in 5-fold cross-validation grouped by article: it
drops what reads surely as no business news, and nothing the rules found right; the regularisation is
the one with the best F1 at that threshold.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from storyline.enrich.claim_confidence import PARAMS_FILE, ClaimConfidence
from storyline.enrich.claims import rule_claims
from storyline.enrich.embed import DEFAULT_EMBEDDER, get_embedder
from storyline.eval.claims import dev_articles, load_annotations
from storyline.eval.datasets import bench_dir
from storyline.model import Article

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "benchmarks" / "data" / "claims_news" / "annotations.jsonl"
PASSAGES = REPO / "benchmarks" / "data" / "claims_gold.jsonl"
REGULARISATION = (0.1, 0.3, 1.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.61, 0.05))
RECALL_SLACK = 0.01  # the gate may cost at most this much claim-type recall in cross-validation


def claim_matches(gold_types: list[str], predicted_types: list[str]) -> list[bool]:
    """Which predicted claims of a sentence pair with a gold event of their type (one to one)."""
    free = Counter(gold_types)
    matched = []
    for kind in predicted_types:
        matched.append(free[kind] > 0)
        free[kind] -= matched[-1]
    return matched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = parser.parse_args(argv)
    texts = {a.id: a for a in dev_articles(bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl")}
    sentences = [s for s in load_annotations(NEWS) if s.split == "dev" and s.article_id in texts]
    passages = [json.loads(line) for line in PASSAGES.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = get_embedder(DEFAULT_EMBEDDER)
    news_x = embedder.embed([texts[s.article_id].text[s.start : s.end] for s in sentences]).astype(np.float64)
    news_y = np.array([bool(s.events) for s in sentences])
    passage_x = embedder.embed([p["text"] for p in passages]).astype(np.float64)
    passage_y = np.array([bool(p["events"]) for p in passages])
    groups = [s.article_id for s in sentences]

    # The rules' claims on each dev sentence, and whether each names an event type the sentence reports.
    claims_of: dict[str, list] = {}
    for article_id in sorted(set(groups)):
        article = texts[article_id]
        claims_of[article_id] = rule_claims(Article(id=article.id, title=None, text=article.text, lang=article.lang))
    per_sentence = []  # (sentence index, claim correct) for every rule claim
    for i, s in enumerate(sentences):
        found = [c.type for c in claims_of[s.article_id] if s.start <= c.start < s.end]
        per_sentence.extend((i, ok) for ok in claim_matches([e.type for e in s.events], found))
    gold_events = sum(len(s.events) for s in sentences)
    print(
        f"{len(sentences)} dev sentences ({int(news_y.sum())} with an event, {gold_events} events), "
        f"{len(passages)} passages, {len(per_sentence)} rule claims ({sum(ok for _, ok in per_sentence)} of a right type)"
    )

    def fit(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)

    def f1_at(scores: np.ndarray, threshold: float) -> tuple[float, float, float]:
        kept = [(ok, scores[i] >= threshold) for i, ok in per_sentence]
        tp = sum(ok and keep for ok, keep in kept)
        fp = sum(keep and not ok for ok, keep in kept)
        return (tp / (tp + fp) if tp + fp else 0.0, tp / gold_events, 2 * tp / (2 * tp + fp + gold_events - tp))

    no_gate = f1_at(np.ones(len(sentences)), 0.5)
    best: tuple[float, float, float, np.ndarray] | None = None
    for c in REGULARISATION:
        held_out = np.zeros(len(sentences))
        for train, test in GroupKFold(5).split(news_x, news_y, groups):
            model = fit(np.r_[news_x[train], passage_x], np.r_[news_y[train], passage_y], c)
            held_out[test] = model.decision_function(news_x[test])
        # Calibrated on the claims: P(claim of a right type | its sentence's score).
        claim_z = np.array([[held_out[i]] for i, _ in per_sentence])
        platt = LogisticRegression(C=1e6, max_iter=5000).fit(claim_z, [ok for _, ok in per_sentence])
        calibrated = 1 / (1 + np.exp(-(platt.coef_[0][0] * held_out + platt.intercept_[0])))
        print(
            f"C={c}: "
            + " | ".join(
                f"t {t}: P {p:.2f} R {r:.2f} F1 {f:.3f}" for t in THRESHOLDS for p, r, f in [f1_at(calibrated, t)]
            )
        )
        for t in THRESHOLDS:
            _, recall, f1 = f1_at(calibrated, t)
            if recall >= no_gate[1] - RECALL_SLACK and (best is None or (t, f1) > (best[1], best[0])):
                best = (f1, t, c, np.array([platt.coef_[0][0], platt.intercept_[0]]))
    assert best is not None
    f1, threshold, c, (scale, shift) = best
    print(
        f"chosen: C={c}, threshold {threshold}: CV claim-type F1 {f1:.3f} (rules alone {no_gate[2]:.3f}, P {no_gate[0]:.2f})"
    )
    final = fit(np.r_[news_x, passage_x], np.r_[news_y, passage_y], c)
    weights = scale * final.coef_[0]
    bias = float(scale * final.intercept_[0] + shift)
    model = ClaimConfidence(
        DEFAULT_EMBEDDER,
        weights,
        bias,
        float(threshold),
        f"{len(sentences)} dev sentences of claims_news and {len(passages)} claims_gold passages; "
        f"5-fold CV claim-type F1 {f1:.3f} at this threshold (rules alone {no_gate[2]:.3f})",
    )
    if not math.isfinite(bias):
        raise SystemExit("the calibration did not converge")
    if not args.dry_run:
        PARAMS_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        print(f"written to {PARAMS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
