"""How alike an article is to another article or to a story: features and the learned combination.

Features are language-independent: multilingual embedding cosine, IDF-weighted overlap of entity
keys (aliased across languages), overlap of numbers, title character trigrams (useful within one
language), and whether the languages match. The weights are learned on SemEval-2022 Task 8 pairs
(`scripts/train_similarity.py`, cross-validated) and live in `similarity_params.json` beside this
file. The time gap cannot be learned from that data (it has no dates): it enters as a fixed,
documented penalty in `cluster.py`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from storyline.model import normalize_for_identity

FEATURES = ("cosine", "cosine_sq", "entity_overlap", "number_overlap", "title_overlap", "same_language")
PARAMS_FILE = Path(__file__).with_name("similarity_params.json")
_BOUND_SLACK = 1e-4  # logit units: covers float32 rounding between a batched and a single dot product
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


@dataclass
class Profile:
    """What story assignment knows of one article."""

    id: str
    lang: str | None
    title: str
    embedding: np.ndarray  # float32, L2-normalized, already rounded as stored
    entities: dict[str, float]  # entity key -> mentions
    numbers: frozenset[str] = frozenset()
    title_grams: frozenset[str] = frozenset()
    published: datetime | None = None
    source: str | None = None
    minhash: np.ndarray | None = None
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # entity key -> (label, type)


def numbers_in(text: str) -> frozenset[str]:
    """Numbers of two or more digits, separators removed: '1.100', '1,100' and '1100' are one."""
    found = set()
    for match in _NUMBER.finditer(text):
        digits = re.sub(r"[.,]", "", match.group())
        if len(digits) >= 2:
            found.add(digits.lstrip("0") or "0")
    return frozenset(found)


def title_grams(title: str) -> frozenset[str]:
    text = f" {normalize_for_identity(title)} "
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


def _jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def entity_overlap(a: Mapping[str, float], b: Mapping[str, float], idf: Callable[[str], float],
                   total_b: float | None = None) -> float:
    """IDF-weighted overlap of two entity profiles (weighted Jaccard of presence), in [0, 1].

    Only `a`'s keys are visited when the caller passes `total_b`, the IDF sum of `b`'s keys: an article
    against a story with many entities.
    """
    if not a or not b:
        return 0.0
    shared = sum(idf(k) for k in a if k in b)
    if total_b is None:
        total_b = sum(idf(k) for k in b)
    union = sum(idf(k) for k in a) + total_b - shared
    return shared / union if union > 0 else 0.0


def pair_features(
    cosine: float,
    entities_a: Mapping[str, float],
    entities_b: Mapping[str, float],
    numbers_a: frozenset[str],
    numbers_b: frozenset[str],
    grams_a: frozenset[str],
    grams_b: frozenset[str],
    same_language: bool,
    idf: Callable[[str], float],
    entities_b_total: float | None = None,
) -> np.ndarray:
    return np.array([
        cosine,
        cosine * cosine,
        entity_overlap(entities_a, entities_b, idf, entities_b_total),
        _jaccard(numbers_a, numbers_b),
        _jaccard(grams_a, grams_b),
        1.0 if same_language else 0.0,
    ], dtype=np.float64)


@dataclass(frozen=True)
class SimilarityModel:
    """A logistic combination of the features: P(same story | features)."""

    weights: tuple[float, ...]
    bias: float
    join_threshold: float  # join the best story above this probability
    merge_threshold: float  # merge two stories above this
    trained_on: str = ""

    def probability(self, features: np.ndarray) -> float:
        z = float(np.dot(self.weights, features) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def max_probability(self, cosine: np.ndarray) -> np.ndarray:
        """An upper bound of `probability` for pairs with these embedding cosines.

        The first two features are the cosine and its square and every other one lies in [0, 1], so
        assignment can skip pairs that cannot reach a threshold without computing their features.
        """
        z = self.weights[0] * cosine + self.weights[1] * cosine * cosine + self._bound_rest
        return 1.0 / (1.0 + np.exp(-z))  # |z| stays small: cosines lie in [-1, 1]

    @cached_property
    def _bound_rest(self) -> float:
        return sum(max(w, 0.0) for w in self.weights[2:]) + self.bias + _BOUND_SLACK

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "join_threshold": self.join_threshold, "merge_threshold": self.merge_threshold,
                "trained_on": self.trained_on}


@lru_cache(maxsize=1)
def default_model() -> SimilarityModel:
    data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{PARAMS_FILE} was trained on other features; re-run scripts/train_similarity.py")
    return SimilarityModel(tuple(data["weights"]), data["bias"], data["join_threshold"], data["merge_threshold"],
                           data.get("trained_on", ""))
