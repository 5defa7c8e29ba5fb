"""The stories stage: analyse new articles, assign them to stories in publication order, keep the store in step.

Articles are assigned after each ingest run has stored them, in publication order (undated ones in
ingestion order), so a run killed at any moment and run again reaches the same stories.
"""

from __future__ import annotations

import gc
import math
import time
from collections import Counter
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from storyline.enrich.analysis import analyze
from storyline.enrich.claims import CLAIM_EXTRACTORS, get_extractor
from storyline.enrich.embed import EMBEDDERS, get_embedder
from storyline.enrich.entities import NER_BACKENDS
from storyline.enrich.minhash import DUPLICATE_JACCARD, band_keys, best_jaccard, estimated_jaccard
from storyline.model import Analysis, Article, StoryMember, StoryRecord
from storyline.settings import Settings
from storyline.store.base import AnalysisStore, ArticleStore, ClaimStore, StoryStore
from storyline.stories.cluster import ACTIVE_DAYS, Story, StoryIndex, add_member, assignment_threads, naive_utc
from storyline.stories.similarity import (
    Profile,
    SecondEmbeddings,
    SimilarityModel,
    default_model,
    numbers_in,
    second_text,
    title_grams,
)
from storyline.stories.timeline import build_timeline

_TIMELINE_BATCH = 50
_ANALYSE_BATCH = 64
_ASSIGN_BATCH = 200  # assignments per commit
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass
class StoriesReport:
    analysed: int = 0
    assigned: int = 0
    new_stories: int = 0
    duplicates: int = 0
    merges: int = 0
    claims: int = 0
    timelines: int = 0
    # Where the run's time went: analysis, claims, assignment (of it, second_opinion: the second encoder), timelines
    seconds: dict[str, float] = field(default_factory=dict)


def _profile(article: Article, analysis: Analysis, second_words: int = 0) -> Profile:
    published = article.published.value if article.published else None
    return Profile(
        id=article.id,
        lang=article.lang,
        title=article.title or "",
        embedding=analysis.embedding,
        entities={e.key: float(e.count) for e in analysis.entities},
        numbers=numbers_in(f"{article.title or ''} {article.text}"),
        title_grams=title_grams(article.title or article.text[:120]),
        published=published,
        source=article.source,
        minhash=analysis.minhash,
        labels={e.key: (e.label, e.type) for e in analysis.entities},
        second_text=second_text(article, second_words),
    )


class _Idf:
    """IDF of entity keys over all analysed articles, read from the store as needed."""

    def __init__(self, store: AnalysisStore) -> None:
        self._store = store
        self._total = max(store.count_analysed(), 1)
        self._cache: dict[str, float] = {}

    def prefetch(self, keys: list[str]) -> None:
        missing = [k for k in keys if k not in self._cache]
        if missing:
            counts = self._store.entity_frequencies(missing)
            for key in missing:
                self._cache[key] = math.log((self._total + 1) / (counts.get(key, 0) + 1)) + 1

    def __call__(self, key: str) -> float:
        if key not in self._cache:
            self.prefetch([key])
        return self._cache[key]


def require_components(settings: Settings) -> None:
    """Fail now, before any work, when the settings name an embedder, NER backend or claim extractor that nobody
    registered (or whose plugin cannot be loaded): a ConfigurationError."""
    EMBEDDERS.get(settings.embedder.partition(":")[0])
    CLAIM_EXTRACTORS.get(settings.claims)
    if settings.ner:
        NER_BACKENDS.get(settings.ner)


def analyse_new_articles(
    store: AnalysisStore, settings: Settings = Settings(), on_progress: Callable[[int], None] | None = None
) -> int:
    """Embed, sign and find the entities of every article not analysed yet (with the settings' embedder and NER)."""
    pending = store.unanalysed_articles()
    if pending:  # ingest's workers have usually analysed everything: spare loading the embedder (seconds)
        embedder = get_embedder(settings.embedder, settings)
        for start in range(0, len(pending), _ANALYSE_BATCH):
            batch = pending[start : start + _ANALYSE_BATCH]
            with store.transaction():
                for analysis in analyze(batch, embedder, settings.ner):
                    store.add_analysis(analysis, band_keys(analysis.minhash))
            if on_progress:
                on_progress(len(batch))
    store.advance_mark("analysis")
    return len(pending)


def extract_new_claims(store: ClaimStore, settings: Settings = Settings()) -> int:
    """Read the claims of every article the settings' extractor has not read; returns how many claims it found."""
    extractor_name = settings.claims
    extract = get_extractor(settings)
    pending = store.articles_without_claims(extractor_name)
    found = 0
    for start in range(0, len(pending), _ANALYSE_BATCH):
        with store.transaction():
            for article in pending[start : start + _ANALYSE_BATCH]:
                claims = extract(article)
                store.add_claims(article.id, extractor_name, claims)
                found += len(claims)
    store.advance_mark(f"claims:{extractor_name}")
    return found


class _TimelineStore(StoryStore, ClaimStore, Protocol):
    def articles_by_id(self, article_ids: list[str]) -> dict[str, Article]: ...


class AssignStore(ArticleStore, AnalysisStore, StoryStore, ClaimStore, Protocol):
    """What assignment needs of a store: every role but the views' browsing."""


def refresh_timelines(store: _TimelineStore, story_ids: set[str]) -> int:
    """Rebuild the timelines of these stories from their articles' claims."""
    ordered = sorted(story_ids)
    # Several stories a transaction: on PostgreSQL every commit waits for the disk (timelines are derived: a
    # batch cut short is rebuilt by the next run).
    for start in range(0, len(ordered), _TIMELINE_BATCH):
        with store.transaction():
            for story_id in ordered[start : start + _TIMELINE_BATCH]:
                _refresh_timeline(store, story_id)
    return len(story_ids)


def _refresh_timeline(store: _TimelineStore, story_id: str) -> None:
    members = store.story_members(story_id)
    ids = [m.article_id for m in members]
    found = store.articles_by_id(ids)
    # duplicate_of: copies of one wire text count as one source in the timeline
    articles = [
        {**found[m.article_id].to_dict(), "duplicate_of": m.duplicate_of} for m in members if m.article_id in found
    ]
    claims = {aid: [c.to_dict() for c in found_claims] for aid, found_claims in store.claims(ids).items()}
    store.save_timeline(story_id, build_timeline(articles, claims))


def _parse_time(text: str | None) -> datetime | None:
    return datetime.strptime(text, _TIME_FORMAT) if text else None


def _story_from_record(record: StoryRecord, exemplars: list[Profile]) -> Story:
    return Story(
        id=record.id,
        number=record.number,
        created_seq=record.created_seq,
        centroid_sum=np.asarray(record.centroid, dtype=np.float32).copy(),
        size=record.size,
        entities=Counter(record.entities),
        exemplars=exemplars,
        first_seen=_parse_time(record.first_seen),
        last_seen=_parse_time(record.last_seen),
        languages=Counter(record.languages),
        sources=Counter(record.sources),
        members=record.members,
        updated_seq=record.updated_seq,
    )


def _labels(story: Story, previous: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The headline of the most central exemplar, overall and per language."""
    centroid = story.centroid
    ranked = sorted(story.exemplars, key=lambda p: (-float(np.dot(p.embedding, centroid)), p.id))
    labels = dict(previous)
    for lang in {p.lang for p in ranked if p.lang}:
        labels[lang] = next(p.title for p in ranked if p.lang == lang)
    label = next((p.title for p in ranked if p.title), "")
    return label, dict(sorted(labels.items()))


def story_record(story: Story, previous_labels: dict[str, str]) -> StoryRecord:
    """What the store keeps of an assigned story."""
    label, labels = _labels(story, previous_labels)
    return StoryRecord(
        id=story.id,
        number=story.number,
        label=label,
        labels=labels,
        first_seen=story.first_seen.strftime(_TIME_FORMAT) if story.first_seen else None,
        last_seen=story.last_seen.strftime(_TIME_FORMAT) if story.last_seen else None,
        languages=dict(sorted(story.languages.items())),
        sources=dict(sorted(story.sources.items())),
        entities=dict(sorted(story.entities.items())),
        size=story.size,
        members=story.members,
        centroid=story.centroid_sum.astype(np.float32),
        exemplars=[p.id for p in story.exemplars],
        created_seq=story.created_seq,
        updated_seq=story.updated_seq,
    )


def _second_words(model: SimilarityModel) -> int:
    return model.second.words if model.second else 0


def _load_index(store: AssignStore, model: SimilarityModel, idf: _Idf) -> tuple[StoryIndex, dict[str, dict[str, str]]]:
    second = None
    if model.second is not None:
        encoder = model.second.encoder
        second = SecondEmbeddings(
            model.second,
            lambda ids: store.second_vectors(ids, encoder),
            lambda article_id, vector: store.add_second_vector(article_id, encoder, vector),
        )
    index = StoryIndex(model, idf, second)
    latest = _parse_time(store.latest_story_seen())
    since = (latest - timedelta(days=ACTIVE_DAYS)).strftime(_TIME_FORMAT) if latest else None
    active = store.story_records(active_since=since)  # only these: reading every story grows with the store
    wanted = sorted({aid for r in active for aid in r.exemplars})
    found = store.analysed(wanted)
    # Pairs are scored against exemplars: their keys' IDF in a few queries now, not one query per key later.
    idf.prefetch(sorted({e.key for _, analysis in found.values() for e in analysis.entities}))
    labels = {}
    for record in active:
        exemplars = [_profile(*found[aid], _second_words(model)) for aid in record.exemplars if aid in found]
        index.load(_story_from_record(record, exemplars))
        labels[record.id] = record.labels
    index.restore_sequence(store.max_assigned_seq())
    return index, labels


def update_stories(
    store: AssignStore,
    settings: Settings = Settings(),
    model: SimilarityModel | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> StoriesReport:
    """Analyse what is new, then give every unassigned article its story and rebuild the touched timelines.

    One run at a time per store: a second (another process) waits, then does what the first left.
    """
    with store.exclusive("stories"):
        return _update_stories(store, settings, model, on_progress)


def _update_stories(
    store: AssignStore, settings: Settings, model: SimilarityModel | None, on_progress: Callable[[int], None] | None
) -> StoriesReport:
    require_components(settings)
    started = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal started
        now = time.perf_counter()
        report.seconds[stage] = now - started
        started = now

    report = StoriesReport(analysed=analyse_new_articles(store, settings))
    lap("analysis")
    report.claims = extract_new_claims(store, settings)
    lap("claims")
    idf = _Idf(store)
    with assignment_threads():
        index, labels = _load_index(store, model or default_model(), idf)
        # The loaded stories live for the whole run: keep the collector from re-scanning them (full collections
        # otherwise cost more the more stories are active).
        gc.freeze()
        pending = list(store.unassigned())
        idf.prefetch(sorted({e.key for _, analysis in pending for e in analysis.entities}))
        for start in range(0, len(pending), _ASSIGN_BATCH):
            batch = [
                _profile(a, analysis, _second_words(index.model))
                for a, analysis in pending[start : start + _ASSIGN_BATCH]
            ]
            with store.transaction():
                _prefetch_second_opinions(index, batch)
                for profile in batch:
                    _assign_one(store, index, labels, report, profile)
            index.evict_inactive()
            if on_progress:
                on_progress(len(batch))
        gc.unfreeze()
    store.advance_mark("stories")
    lap("assignment")
    if isinstance(index.second_embedding, SecondEmbeddings):
        report.seconds["second_opinion"] = index.second_embedding.seconds
    # Stale rather than "touched in this run": a run killed before this point leaves them stale for the next.
    report.timelines = refresh_timelines(store, set(store.stale_timelines()))
    store.advance_mark("timelines")
    lap("timelines")
    return report


def _prefetch_second_opinions(index: StoryIndex, batch: list[Profile]) -> None:
    """Embed at once the texts the second opinion will read while this batch is assigned, as far as can be told
    before: each article's candidates are scored as `StoryIndex.best_story` scores them, with an encoder that only
    notes whom it is asked about, then those are embedded in batches (`SecondEmbeddings.prefetch`: vectors kept in
    the store are read, not computed). Beside the stories before the batch, each earlier article of the batch
    counts as a story of its own (one the batch starts, or the newest exemplar of one it changes: articles are
    published in bursts, so most uncertain pairs are within a batch), and an article that will join as a
    near-duplicate of an earlier one of the batch is skipped (it asks nothing; copies of older articles are rare
    enough not to be worth a store query more per article).

    Only the time changes: the encoder is deterministic and reads one text at a time, so a vector computed here, or
    one at a time when a pair needs it (a merge check, a pair the look-ahead did not foresee), or in another run,
    is the same. A text embedded here that turns out not to be needed costs only its time (and is kept for
    later)."""
    second = index.second_embedding
    if not isinstance(second, SecondEmbeddings) or second.unavailable or len(batch) < 2:
        return
    if not second.kept(batch):  # every vector kept already (Ray's workers embed them all): nothing to foresee
        return
    asked: dict[str, Profile] = {}

    def note(profile: Profile) -> None:
        asked.setdefault(profile.id, profile)

    signatures = [p.minhash for p in batch if p.minhash is not None]
    seen = 0  # signed articles of the batch before this one
    starts: list[Story] = []
    index.second_embedding = note
    try:
        for profile in batch:
            if profile.minhash is not None:
                twin = best_jaccard(profile.minhash, signatures[:seen]) >= DUPLICATE_JACCARD
                seen += 1
                if twin:
                    continue
            index.best_story(profile, index.candidates(profile.embedding, profile.entities) + starts)
            alone = Story(f"ahead_{profile.id}", -1, 0, np.zeros_like(profile.embedding))
            add_member(alone, profile, shapes=True, when=naive_utc(profile.published), seq=0)
            starts.append(alone)
    finally:
        index.second_embedding = second
    second.prefetch(list(asked.values()))


def _assign_one(
    store: StoryStore, index: StoryIndex, labels: dict[str, dict[str, str]], report: StoriesReport, profile: Profile
) -> None:
    duplicate_of, duplicate_story = _near_duplicate(store, profile, index.stories)
    decision = index.assign(profile, duplicate_story)
    story = decision.story
    report.assigned += 1
    report.new_stories += decision.created
    if decision.duplicate:
        report.duplicates += 1
    else:
        duplicate_of = None
    for gone in decision.merged:
        store.merge_stories(story.id, gone)
        labels[story.id] = {**labels.pop(gone, {}), **labels.get(story.id, {})}
        report.merges += 1
    store.add_member(StoryMember(profile.id, story.id, round(decision.similarity, 4), duplicate_of, index.sequence))
    record = story_record(story, labels.get(story.id, {}))
    store.save_story(record)
    labels[story.id] = record.labels


def _near_duplicate(store: StoryStore, profile: Profile, active: Container[str]) -> tuple[str | None, str | None]:
    """The closest near-duplicate of the article in an active story, and its story (a copy of an old article is news again)."""
    if profile.minhash is None:
        return None, None
    best: tuple[float, str, str] | None = None
    for article_id, minhash, story_id in store.near_duplicate_candidates(
        band_keys(profile.minhash), profile.id, active
    ):
        similarity = estimated_jaccard(profile.minhash, minhash)
        if similarity >= DUPLICATE_JACCARD and (best is None or similarity > best[0]):
            best = (similarity, article_id, story_id)
    return (best[1], best[2]) if best else (None, None)


def recluster(
    store: AssignStore, settings: Settings = Settings(), model: SimilarityModel | None = None
) -> StoriesReport:
    """Rebuild every story (and its timeline) from the stored articles."""
    with store.exclusive("stories"):
        store.clear_stories()
        return _update_stories(store, settings, model, None)
