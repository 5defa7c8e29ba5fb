"""How sure a claim is: does its sentence report a business event at all?

The claim rules find event words ("condannato", "lancia", "stake") in any news; in general news most
such sentences are about crime, politics or sport (on our annotated SemEval dev articles, four claims in
five named an event type their sentence does not report). A logistic model over the sentence's
multilingual embedding, trained on our annotated sentences (`benchmarks/data/claims_news`, dev split
only) and the 161 business passages of `benchmarks/data/claims_gold.jsonl`, scores each claim's
evidence: claims below `threshold` are not emitted, and the score is kept on the others as their
`confidence` (the story view marks a status that rests only on claims below 0.5). Weights, threshold
and their cross-validated figures live in `claim_confidence.json` (`scripts/train_claim_confidence.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from storyline.enrich.embed import get_embedder
from storyline.settings import Settings

PARAMS_FILE = Path(__file__).with_name("claim_confidence.json")


@dataclass(frozen=True)
class ClaimConfidence:
    encoder: str  # an embedder name of storyline.enrich.embed
    weights: np.ndarray
    bias: float
    threshold: float  # claims scored below it are not emitted
    trained_on: str = ""

    def scores(self, sentences: list[str], settings: Settings | None = None) -> np.ndarray:
        """The probability that each sentence reports a business event, in [0, 1] (`settings`: the embedder's
        threads; a worker's one-thread embedder is shared, not loaded twice)."""
        if not sentences:
            return np.zeros(0)
        vectors = get_embedder(self.encoder, settings).embed(sentences).astype(np.float64)
        return 1 / (1 + np.exp(-(vectors @ self.weights + self.bias)))

    def to_json(self) -> dict:
        return {
            "encoder": self.encoder,
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }


@lru_cache(maxsize=1)
def default_confidence() -> ClaimConfidence:
    data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
    return ClaimConfidence(
        data["encoder"],
        np.array(data["weights"], dtype=np.float64),
        data["bias"],
        data["threshold"],
        data.get("trained_on", ""),
    )
