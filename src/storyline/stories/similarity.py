"""How alike an article is to another article or to a story: features and the learned combination.

Features are language-independent: multilingual embedding cosine, IDF-weighted overlap and
containment of entity keys (aliased across languages), overlap of numbers, title character trigrams
(their containment counted within one language only), and whether the languages match. The
weights are learned on SemEval-2022 Task 8 pairs
(`scripts/train_similarity.py`, cross-validated) and live in `similarity_params.json` beside this
file. The time gap cannot be learned from that data (it has no dates): it enters as a fixed,
documented penalty in `cluster.py`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from storyline.model import normalize_for_identity

FEATURES = ("cosine", "cosine_sq", "entity_overlap", "number_overlap", "title_overlap", "same_language",
            "entity_containment", "title_containment_same_language")
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
    _entity_weight: tuple[Callable[[str], float], float] | None = field(default=None, repr=False, compare=False)

    def entity_weight(self, idf: Callable[[str], float]) -> float:
        """The IDF sum of the article's entity keys (kept per IDF: an article is compared many times)."""
        if self._entity_weight is None or self._entity_weight[0] is not idf:
            self._entity_weight = (idf, sum(idf(k) for k in self.entities))
        return self._entity_weight[1]


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


def _overlaps(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    """(Jaccard, containment: the share of the smaller set found in the other), both in [0, 1]."""
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared), shared / min(len(a), len(b))


def entity_overlaps(a: Profile, b: Profile, idf: Callable[[str], float]) -> tuple[float, float]:
    """IDF-weighted overlap of two articles' entity keys: (weighted Jaccard, weighted containment), both in [0, 1].

    Containment divides the shared weight by the smaller profile's: a short report naming two of a long
    report's entities is still about the same thing.
    """
    shared_keys = a.entities.keys() & b.entities.keys()
    if not shared_keys:
        return 0.0, 0.0
    shared = sum(idf(k) for k in shared_keys)
    total_a, total_b = a.entity_weight(idf), b.entity_weight(idf)
    union, smaller = total_a + total_b - shared, min(total_a, total_b)
    return (shared / union if union > 0 else 0.0, shared / smaller if smaller > 0 else 0.0)


def same_language_of(a: Profile, b: Profile) -> bool:
    return a.lang is not None and a.lang == b.lang


def pair_bound(model: SimilarityModel, a: Profile, b: Profile, cosine: float) -> float:
    """`model.max_probability` of one pair, with what set checks tell without computing the features."""
    return float(model.max_probability(cosine, same_language_of(a, b), not a.entities.keys().isdisjoint(b.entities),
                                       not a.numbers.isdisjoint(b.numbers)))


def pair_features(a: Profile, b: Profile, idf: Callable[[str], float], cosine: float | None = None) -> np.ndarray:
    """The features of FEATURES, in order: the embedding cosine and its square, then values in [0, 1]."""
    if cosine is None:
        cosine = float(np.dot(a.embedding, b.embedding))
    entity_jaccard, entity_containment = entity_overlaps(a, b, idf)
    title_jaccard, title_containment = _overlaps(a.title_grams, b.title_grams)
    same_language = same_language_of(a, b)
    return np.array([
        cosine,
        cosine * cosine,
        entity_jaccard,
        _overlaps(a.numbers, b.numbers)[0],
        title_jaccard,
        1.0 if same_language else 0.0,
        entity_containment,
        title_containment if same_language else 0.0,  # trigrams say little across languages
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

    def max_probability(self, cosine: Any, same_language: Any = True, shares_entity: Any = True,
                        shares_number: Any = True) -> Any:
        """An upper bound of `probability` for pairs with these cosines (floats or arrays, which broadcast).

        From what `pair_features` guarantees: every feature but the cosine ones lies in [0, 1], a Jaccard never
        exceeds the containment of the same sets, entity and number features are 0 without a shared key, and
        title containment counts within one language only. Assignment skips pairs whose bound cannot reach
        a threshold or the best score so far without computing their features: the decisions stay the same.
        """
        cosine_part, number, entity, same, other = self._bound_terms
        if isinstance(same_language, list):
            same_language = np.array(same_language, dtype=bool)
        z = (cosine_part[0] * cosine + cosine_part[1] * cosine * cosine + number * shares_number
             + entity * shares_entity + other + (same - other) * same_language)
        if isinstance(z, float):
            return 1.0 / (1.0 + math.exp(-z))
        return 1.0 / (1.0 + np.exp(-z))  # |z| stays small: cosines lie in [-1, 1]

    @cached_property
    def _bound_terms(self) -> tuple[tuple[float, float], float, float, float, float]:
        w = dict(zip(FEATURES, self.weights, strict=True))
        base = self.bias + _BOUND_SLACK
        return (
            (w["cosine"], w["cosine_sq"]),
            max(0.0, w["number_overlap"]),
            max(0.0, w["entity_containment"], w["entity_overlap"] + w["entity_containment"]),
            base + w["same_language"] + max(0.0, w["title_containment_same_language"],
                                            w["title_overlap"] + w["title_containment_same_language"]),
            base + max(0.0, w["title_overlap"]),
        )

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
