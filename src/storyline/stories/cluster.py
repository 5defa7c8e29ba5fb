"""Online story assignment: each article joins the best story or starts one, as it arrives.

Candidates come from a nearest-neighbour index over the centroids of the stories active in a time
window (`CentroidIndex`: an exact matrix product up to 4,096 active stories, usearch's HNSW graph
beyond), and from an inverted index of their rarest entities: never a scan of all stories. Each
candidate is scored with the learned pair model (`similarity.py`) against a few exemplar
articles of the story (its founder and newest members), lowered for the time gap unless both name
the same partners or products (`JoinCalibration`). Not
against a story-wide profile: the union of a growing story's entities, numbers and title words
overlaps with ever more articles (on SemEval-2022 pairs, exemplars alone: same-story F1 +0.02).
After a join,
the story is compared with its nearest neighbours and merged with one that has converged on it.

The state in memory is exactly what the store holds (float32 centroid sums, integer entity
counts, exemplar ids, float16-rounded embeddings), so a run that restarts from the store makes
the same decisions as one that never stopped.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from storyline.stories.similarity import (
    MAX_SHARED_NAMES,
    Profile,
    SimilarityModel,
    pair_bound,
    pair_features,
    same_language_of,
    shared_names,
)

ACTIVE_DAYS = 60  # stories silent for longer leave the indexes (they stay in the store)
MAX_EXEMPLARS = 6
ANN_CANDIDATES = 16
EXACT_SEARCH_MAX = 4096  # active stories searched by one exact matrix product; above, by usearch's HNSW graph
ENTITY_CANDIDATES = 12
RARE_ENTITIES = 4
SECOND_OPINIONS = 1  # stories whose best pair may ask the second encoder, per join and per merge check
MAX_POSTING = 64  # stories kept per entity key (up to twice as many between trims); candidates take the newest


def assignment_threads() -> AbstractContextManager:
    """One BLAS thread while articles are assigned (use around a whole stream of `StoryIndex.assign`).

    Its products are small (a few thousand rows): a second BLAS thread gains nothing on them, and
    OpenBLAS's idle threads spin for a while after each one, taking the cores from the second
    encoder's own threads (measured with 2,341 active stories: e5 twice as slow a text).
    """
    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class Story:
    id: str
    number: int  # key in the ANN index
    created_seq: int
    centroid_sum: np.ndarray
    size: int = 0  # members that shaped the centroid (duplicates do not)
    entities: Counter[str] = field(default_factory=Counter)
    exemplars: list[Profile] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    languages: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    members: int = 0
    updated_seq: int = 0
    # Derived from the fields above and kept until they change (add_member and merges replace them).
    _centroid: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)
    _exemplar_matrix: tuple[list[Profile], np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def centroid(self) -> np.ndarray:
        """The normalized centroid, float32."""
        if self._centroid is None or self._centroid[0] is not self.centroid_sum:
            norm = float(np.linalg.norm(self.centroid_sum))
            unit = (self.centroid_sum / norm if norm else self.centroid_sum).astype(np.float32)
            self._centroid = (self.centroid_sum, unit)
        return self._centroid[1]

    @property
    def exemplar_matrix(self) -> np.ndarray:
        """The exemplars' embeddings, a row each."""
        if self._exemplar_matrix is None or self._exemplar_matrix[0] is not self.exemplars:
            self._exemplar_matrix = (self.exemplars, np.stack([e.embedding for e in self.exemplars]))
        return self._exemplar_matrix[1]

    def time_gap_days(self, when: datetime | None) -> float:
        if when is None or self.first_seen is None or self.last_seen is None:
            return 0.0
        if when < self.first_seen:
            return (self.first_seen - when).total_seconds() / 86400
        if when > self.last_seen:
            return (when - self.last_seen).total_seconds() / 86400
        return 0.0


@dataclass(frozen=True)
class Decision:
    story: Story
    similarity: float
    created: bool
    merged: tuple[str, ...] = ()  # ids of stories absorbed into `story`
    duplicate: bool = False  # joined as a near-duplicate of one of its articles


def naive_utc(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is None:
        return when
    return (when - when.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]


def add_member(story: Story, profile: Profile, shapes: bool, when: datetime | None, seq: int) -> None:
    """Count a member into its story; `shapes`: it moves the centroid, entities and exemplars (not a duplicate)."""
    story.members += 1
    story.updated_seq = seq
    if profile.lang:
        story.languages[profile.lang] += 1
    if profile.source:
        story.sources[profile.source] += 1
    if when is not None:
        story.first_seen = min(story.first_seen or when, when)
        story.last_seen = max(story.last_seen or when, when)
    if not shapes:
        return
    story.centroid_sum = story.centroid_sum + profile.embedding
    story.size += 1
    story.entities.update(profile.entities)
    # The founder stays; the newest members follow it.
    story.exemplars = [*story.exemplars[:1], *story.exemplars[1:], profile]
    if len(story.exemplars) > MAX_EXEMPLARS:
        story.exemplars = [story.exemplars[0], *story.exemplars[-(MAX_EXEMPLARS - 1) :]]


class CentroidIndex:
    """The nearest story centroids to a vector: exact while the window holds few stories, HNSW beyond.

    Up to EXACT_SEARCH_MAX stories one matrix product over a dense matrix is both faster than the graph
    (about 0.1 ms against 0.5 ms per search, and 0.3 ms per graph insert, at 2,300 stories of 512 dimensions) and
    exact, so a run restarted from the store finds the same candidates. Past it, usearch's HNSW index takes
    over for the rest of the run (as vector databases skip the graph for small segments).
    """

    def __init__(self) -> None:
        self._matrix = np.zeros((0, 0), dtype=np.float32)  # sized by the first vector added
        self._keys = np.zeros(0, dtype=np.int64)
        self._row: dict[int, int] = {}  # key -> row of the matrix
        self._graph: Any = None  # a usearch Index once the window outgrows the exact product

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, key: int) -> bool:
        return key in self._row

    def add(self, key: int, vector: np.ndarray) -> None:
        if key in self._row:
            self.remove(key)
        row = len(self._row)
        if not len(self._keys):
            self._matrix = np.zeros((256, len(vector)), dtype=np.float32)
            self._keys = np.zeros(256, dtype=np.int64)
        elif row == len(self._keys):
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
            self._keys = np.concatenate([self._keys, np.zeros_like(self._keys)])
        self._matrix[row], self._keys[row], self._row[key] = vector, key, row
        if self._graph is not None:
            self._graph.add(key, vector, threads=1)
        elif len(self._row) > EXACT_SEARCH_MAX:
            # Loaded here, not with the module: usearch loaded before Ray's C++ core makes Ray abort (a
            # std::regex_error at ray.init), so the Ray engine must import Ray first (pipeline/scale.py).
            from usearch.index import Index

            self._graph = Index(
                ndim=self._matrix.shape[1],
                metric="cos",
                dtype="f32",
                connectivity=16,
                expansion_add=64,
                expansion_search=96,
            )
            order = np.argsort(self._keys[: len(self._row)], kind="stable")
            self._graph.add(self._keys[order], self._matrix[order], threads=1)

    def remove(self, key: int) -> None:
        row, last = self._row.pop(key), len(self._row)
        if row != last:  # the last row fills the gap
            moved = int(self._keys[last])
            self._matrix[row], self._keys[row], self._row[moved] = self._matrix[last], moved, row
        if self._graph is not None:
            self._graph.remove(key)

    def search(self, vector: np.ndarray, count: int) -> list[int]:
        """The keys of the `count` nearest (ties: the lower key), any order."""
        n = len(self._row)
        count = min(count, n)
        if not count:
            return []
        if self._graph is not None:
            return [int(k) for k in self._graph.search(vector, count, threads=1).keys]
        scores = self._matrix[:n] @ vector.astype(np.float32)
        kth = np.partition(scores, n - count)[n - count]
        top = np.flatnonzero(scores >= kth)
        return [int(k) for k in self._keys[top[np.lexsort((self._keys[top], -scores[top]))][:count]]]


class StoryIndex:
    """The active stories, their ANN and entity indexes, and the assignment rule."""

    def __init__(
        self,
        model: SimilarityModel,
        idf: Callable[[str], float],
        second_embedding: Callable[[Profile], np.ndarray | None] | None = None,
    ) -> None:
        """`second_embedding`: the second-opinion encoder's vector of an article (None: no second opinion)."""
        self.model = model
        self.idf = idf
        self.second_embedding = second_embedding
        self.stories: dict[str, Story] = {}
        self._by_number: dict[int, Story] = {}
        self._ann = CentroidIndex()
        self._postings: dict[str, dict[str, int]] = {}  # entity key -> {story id: updated_seq}, bounded
        self._next_number = 0
        self._seq = 0
        self._now: datetime | None = None

    @property
    def sequence(self) -> int:
        """Number of the latest assignment: orders decisions across runs."""
        return self._seq

    def restore_sequence(self, seq: int) -> None:
        self._seq = max(self._seq, seq)

    # --- index maintenance -------------------------------------------------------------------
    def load(self, story: Story) -> None:
        """Put a story (new, or read back from the store) into the indexes."""
        self._next_number = max(self._next_number, story.number + 1)
        self._seq = max(self._seq, story.updated_seq, story.created_seq)
        self.stories[story.id] = story
        self._by_number[story.number] = story
        self._ann.add(story.number, story.centroid)
        self._post(story)
        if story.last_seen and (self._now is None or story.last_seen > self._now):
            self._now = story.last_seen

    def _unload(self, story: Story) -> None:
        self.stories.pop(story.id, None)
        self._by_number.pop(story.number, None)
        if story.number in self._ann:
            self._ann.remove(story.number)
        for key in story.entities:
            holders = self._postings.get(key)
            if holders:
                holders.pop(story.id, None)
                if not holders:
                    del self._postings[key]

    def _refresh(self, story: Story) -> None:
        self._ann.add(story.number, story.centroid)
        self._post(story)

    def _post(self, story: Story) -> None:
        for key in story.entities:
            holders = self._postings.setdefault(key, {})
            holders[story.id] = story.updated_seq
            if len(holders) > 2 * MAX_POSTING:  # a common entity: keep the stories that moved last
                kept = heapq.nlargest(MAX_POSTING, holders, key=lambda sid: (holders[sid], sid))
                self._postings[key] = {sid: holders[sid] for sid in kept}

    def evict_inactive(self) -> list[Story]:
        """Drop stories silent for ACTIVE_DAYS before the newest date seen; returns them."""
        if self._now is None:
            return []
        horizon = self._now - timedelta(days=ACTIVE_DAYS)
        old = [s for s in self.stories.values() if s.last_seen is not None and s.last_seen < horizon]
        for story in old:
            self._unload(story)
        return old

    # --- scoring ------------------------------------------------------------------------------
    def _first_score(self, a: Profile, b: Profile, gap_days: float) -> tuple[float, float, np.ndarray]:
        """The first model on a pair: (its join probability, its content probability, features)."""
        features = pair_features(a, b, self.idf)
        probability = self.model.probability(features)
        return self._joined(probability, a, b, gap_days), probability, features

    def _second_score(
        self, a: Profile, b: Profile, gap_days: float, features: np.ndarray, needed: float
    ) -> float | None:
        """The second opinion's join probability of a pair (below `needed`: any value below it); None without
        the second encoder's vectors, when the first model decides alone."""
        second = self.model.second
        if self.second_embedding is None or second is None:
            return None
        bound = self._joined(second.max_probability_given(features), a, b, gap_days)
        if bound < needed:
            return bound  # whatever the second encoder says, the pair cannot matter: spare it
        x, y = self.second_embedding(a), self.second_embedding(b)
        if x is None or y is None:
            return None
        return self._joined(second.probability(features, float(np.dot(x, y))), a, b, gap_days)

    def _joined(self, probability: float, a: Profile, b: Profile, gap_days: float) -> float:
        return self.model.joins.join_probability(probability, shared_names(a, b), gap_days)

    def best_story(self, profile: Profile, stories: list[Story]) -> tuple[Story | None, float]:
        """The story the article should join, with its score, or (None, 0) when none reaches the join threshold.

        A story's first score is its best exemplar pair's join probability under the first model (the content
        probability lowered for the time gap, `JoinCalibration`); pairs whose bound (`max_probability` from one matrix product, then `pair_bound`) cannot reach
        the join threshold are not computed. Then the second opinion is asked on the best pair of at most
        SECOND_OPINIONS stories, those with the highest first scores whose pair is uncertain, and replaces their
        score: the second encoder costs tens of milliseconds a text, and stories further down rarely win. Ties
        go to the older story.
        """
        if not stories:
            return None, 0.0
        when = naive_utc(profile.published)
        owners = [(story, exemplar) for story in stories for exemplar in story.exemplars]
        cosines = np.concatenate([story.exemplar_matrix for story in stories]) @ profile.embedding
        gaps = np.repeat([story.time_gap_days(when) for story in stories], [len(story.exemplars) for story in stories])
        same_language = [same_language_of(profile, exemplar) for _, exemplar in owners]
        joins = self.model.joins
        # The most names relieve the most: a bound for every pair.
        bounds = joins.join_probabilities(self.model.max_probability(cosines, same_language), MAX_SHARED_NAMES, gaps)
        join = self.model.join_threshold
        first: dict[str, tuple[float, float, Profile, np.ndarray, float]] = {}  # story id -> its best pair
        for k in np.flatnonzero(bounds >= join):
            story, exemplar = owners[k]
            if (
                self._joined(pair_bound(self.model, profile, exemplar, float(cosines[k])), profile, exemplar, gaps[k])
                < join
            ):
                continue
            score, probability, features = self._first_score(profile, exemplar, float(gaps[k]))
            if story.id not in first or score > first[story.id][0]:
                first[story.id] = (score, probability, exemplar, features, float(gaps[k]))
        by_id = {story.id: story for story in stories}
        ranked = sorted(first, key=lambda sid: (-first[sid][0], by_id[sid].created_seq))
        scores = {sid: first[sid][0] for sid in ranked}
        uncertain = [sid for sid in ranked if self.model.needs_second_opinion(first[sid][1])][:SECOND_OPINIONS]
        for sid in uncertain:
            _, _, exemplar, features, gap = first[sid]
            needed = max([join, *(v for k, v in scores.items() if k != sid)])
            second = self._second_score(profile, exemplar, gap, features, needed)
            if second is not None:
                scores[sid] = second
        best = min(scores, key=lambda sid: (-scores[sid], by_id[sid].created_seq), default=None)
        if best is None or scores[best] < join:
            return None, 0.0
        return by_id[best], scores[best]

    def candidates(self, embedding: np.ndarray, entities: Iterable[str], exclude: str | None = None) -> list[Story]:
        found: dict[str, Story] = {}
        for key in self._ann.search(embedding, ANN_CANDIDATES):
            story = self._by_number.get(key)
            if story is not None:
                found[story.id] = story
        rare = sorted((k for k in entities if k in self._postings), key=lambda k: (-self.idf(k), k))[:RARE_ENTITIES]
        for name in rare:
            holders = self._postings[name]
            for story_id in heapq.nlargest(ENTITY_CANDIDATES, holders, key=lambda sid: (holders[sid], sid)):
                found[story_id] = self.stories[story_id]
        found.pop(exclude or "", None)
        return [found[k] for k in sorted(found)]

    # --- decisions ----------------------------------------------------------------------------
    def assign(self, profile: Profile, duplicate_story: str | None = None) -> Decision:
        """Join the best story (or the story of a near-duplicate), or start a new one."""
        self._seq += 1
        when = naive_utc(profile.published)
        if when and (self._now is None or when > self._now):
            self._now = when
        if duplicate_story and duplicate_story in self.stories:
            story = self.stories[duplicate_story]
            add_member(story, profile, shapes=False, when=when, seq=self._seq)
            return Decision(story, 1.0, created=False, duplicate=True)

        best, best_score = self.best_story(profile, self.candidates(profile.embedding, profile.entities))
        if best is None:
            story = Story(
                id=f"st_{profile.id[:16]}",
                number=self._next_number,
                created_seq=self._seq,
                centroid_sum=np.zeros_like(profile.embedding, dtype=np.float32),
            )
            self._next_number += 1
            add_member(story, profile, shapes=True, when=when, seq=self._seq)
            self.load(story)
            return Decision(story, 1.0, created=True)
        add_member(best, profile, shapes=True, when=when, seq=self._seq)
        self._refresh(best)
        kept, merged = self._merge_converged(best)
        return Decision(kept, best_score, created=False, merged=merged)

    def _converged(self, a: Story, b: Story, second_opinion: bool) -> tuple[bool, bool]:
        """Whether some exemplar pair of the two stories reaches the merge threshold, and whether the second
        opinion was asked (only on their best pair, when it is uncertain and `second_opinion` allows)."""
        merge = self.model.merge_threshold
        gap = 0.0
        if a.first_seen and a.last_seen and b.first_seen and b.last_seen:
            gap = max(0.0, (max(a.first_seen, b.first_seen) - min(a.last_seen, b.last_seen)).total_seconds() / 86400)
        cosines = a.exemplar_matrix @ b.exemplar_matrix.T
        same = [[same_language_of(x, y) for y in b.exemplars] for x in a.exemplars]
        best: tuple[float, float, int, int, np.ndarray] | None = None
        # One gap for every pair: as a 0-d array, which _penalty makes of it anyway.
        bounds = self.model.joins.join_probabilities(
            self.model.max_probability(cosines, same), MAX_SHARED_NAMES, np.asarray(gap, dtype=float)
        )
        for i, j in np.argwhere(bounds >= merge):
            x, y = a.exemplars[i], b.exemplars[j]
            if self._joined(pair_bound(self.model, x, y, float(cosines[i, j])), x, y, gap) < merge:
                continue
            score, probability, features = self._first_score(x, y, gap)
            if score >= merge:
                return True, False
            if best is None or score > best[0]:
                best = (score, probability, int(i), int(j), features)
        if not second_opinion or best is None or not self.model.needs_second_opinion(best[1]):
            return False, False
        second = self._second_score(a.exemplars[best[2]], b.exemplars[best[3]], gap, best[4], merge)
        return second is not None and second >= merge, True

    def _merge_converged(self, story: Story) -> tuple[Story, tuple[str, ...]]:
        """Merge the story with neighbours that converged on it; the oldest story's id survives. The second
        opinion is asked for at most SECOND_OPINIONS neighbours."""
        absorbed = []
        asked = 0
        for other in self.candidates(story.centroid, story.entities, exclude=story.id):
            converged, used = self._converged(story, other, asked < SECOND_OPINIONS)
            asked += used
            if not converged:
                continue
            keep, gone = (story, other) if story.created_seq <= other.created_seq else (other, story)
            self._absorb(keep, gone)
            absorbed.append(gone.id)
            story = keep
        return story, tuple(absorbed)

    def _absorb(self, keep: Story, gone: Story) -> None:
        self._unload(gone)
        keep.centroid_sum = keep.centroid_sum + gone.centroid_sum
        keep.size += gone.size
        keep.members += gone.members
        keep.entities.update(gone.entities)
        keep.languages.update(gone.languages)
        keep.sources.update(gone.sources)
        for when in (gone.first_seen, gone.last_seen):
            if when is not None:
                keep.first_seen = min(keep.first_seen or when, when)
                keep.last_seen = max(keep.last_seen or when, when)
        founders = [keep.exemplars[0], gone.exemplars[0]]
        rest = sorted(keep.exemplars[1:] + gone.exemplars[1:], key=lambda p: p.id)[-(MAX_EXEMPLARS - 2) :]
        keep.exemplars = founders + rest
        keep.updated_seq = self._seq
        self._refresh(keep)
