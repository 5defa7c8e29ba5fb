"""The same stages on Ray (`Settings.engine == "ray"`): `run()` hands ingest and enrichment to a pool of Ray
actors and keeps, in this process, what must stay one ordered consumer.

    driver (this process)                    Ray actors (one process each, `workers` of them)
    read documents (files, archives, URLs) -> extract, language, entities, embedding, MinHash, claims,
                                              the second-opinion encoder's vector
    store each result in input order       <- (one batch of documents at a time, results in order)
    story assignment in publication order, timelines, alerts (pipeline.assign / pipeline.alerts, unchanged)

Each actor loads the embedder and claim extractor once and runs one batch at a time (trafilatura is not
thread-safe: no actor concurrency above 1); an actor is replaced after `RECYCLE_AFTER` batches, so memory that
long runs grow in the libraries is given back. Results are written in the order the documents were read, with
the same store calls as a local run, so a Ray run and a local run of the same input give the same articles,
the same analyses and claims, and (assignment being the same code over the same store) the same stories.
The workers also embed every new article with the second-opinion encoder (multilingual-e5), which a local
run asks of the articles in uncertain pairs only, as assignment needs them: on a cluster the workers have
cores to spare and the one assigner has not, and a vector is the same wherever it is computed (rounded as
kept, `second_vectors`), so the stories are too.
A document that a worker fails on is recorded as an error, as locally; a worker that dies is replaced and its
batch done again by another.

`ray_address`: a running cluster (`ray://head:10001` or `auto`); without it a local Ray of `workers` CPUs is
started for the run. The driver's documents travel to the workers by value, so a cluster needs storyline
installed on every node (`pip install 'storyline[ray]'`), nothing else: models ship inside the packages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from storyline.enrich.analysis import analyze
from storyline.enrich.claims import get_extractor
from storyline.enrich.embed import EmbedderError, get_embedder
from storyline.enrich.minhash import band_keys
from storyline.errors import ConfigurationError
from storyline.model import Analysis, Article, Claim, IngestError, RawDocument
from storyline.pipeline.assign import second_text
from storyline.pipeline.ingest import (
    IngestReport,
    IngestStore,
    Input,
    expand_inputs,
    raw_documents,
    read_document,
    store_result,
    write_in_groups,
)
from storyline.settings import Settings
from storyline.stories.similarity import default_model, second_vectors

BATCH = 16  # documents an actor takes at a time
IN_FLIGHT = 2  # batches queued per actor, so none waits for the driver
RECYCLE_AFTER = 500  # batches before an actor is replaced (memory grown by long runs is given back)
_POOL: dict[str, Any] = {}  # the workers of the running Ray: their settings, actors and batches done


@dataclass
class Enriched:
    """What a worker made of one document: the article (None when it failed), what went wrong, its analysis,
    band keys, claims and second-opinion vector (by encoder)."""

    raw: RawDocument
    article: Article | None
    problems: list[IngestError]
    analysis: Analysis | None = None
    bands: list[int] | None = None
    claims: list[Claim] | None = None
    second: tuple[str, np.ndarray] | None = None


class _Enricher:
    """A Ray actor's work: extract, language, analysis and claims of a batch, with components loaded once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = get_embedder(settings.embedder, settings)
        self.extract_claims = get_extractor(settings)
        self.second = default_model().second
        self.second_embedder = None
        if self.second is not None:
            # One thread: the actor has one CPU. Without the encoder the assigner says why, and decides alone.
            with suppress(EmbedderError):
                self.second_embedder = get_embedder(self.second.encoder, settings.but(embed_threads=1))

    def enrich(self, batch: list[RawDocument]) -> list[Enriched]:
        done = [Enriched(*read_document((raw, self.settings))) for raw in batch]
        articles = [d.article for d in done if d.article is not None]
        analyses = {a.article_id: a for a in analyze(articles, self.embedder, self.settings.ner)} if articles else {}
        seconds = self._second_vectors(articles)
        for item in done:
            if item.article is not None:
                item.analysis = analyses[item.article.id]
                item.bands = band_keys(item.analysis.minhash)
                item.claims = self.extract_claims(item.article)
                item.second = seconds.get(item.article.id)
        return done

    def _second_vectors(self, articles: list[Article]) -> dict[str, tuple[str, np.ndarray]]:
        if self.second is None or self.second_embedder is None:
            return {}
        texts = {a.id: second_text(a, self.second.words) for a in articles}
        texts = {article_id: text for article_id, text in texts.items() if text}
        vectors = second_vectors(self.second_embedder, list(texts.values())) if texts else []
        return {article_id: (self.second.encoder, v) for article_id, v in zip(texts, vectors, strict=True)}


def start_ray(settings: Settings) -> bool:
    """Join the cluster of `settings.ray_address`, or start a local Ray of `settings.workers` CPUs; False when
    Ray runs already (then whoever started it stops it)."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigurationError("the ray engine needs Ray: pip install 'storyline[ray]'") from exc
    if ray.is_initialized():
        return False
    ray.init(
        address=settings.ray_address,
        num_cpus=None if settings.ray_address else max(1, settings.workers),
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}},
    )
    return True


def ingest_on_ray(
    paths: Sequence[Input],
    store: IngestStore,
    settings: Settings,
    on_file: Callable[[str], None] | None = None,
    on_files_found: Callable[[int], None] | None = None,
) -> IngestReport:
    """`pipeline.ingest` with extraction, analysis and claims on Ray actors; the store written here, in order."""
    import ray

    report = IngestReport()
    unreadable: list[IngestError] = []
    files = expand_inputs(paths, store, unreadable)
    report.files = len(files)
    if on_files_found:
        on_files_found(len(files))
    started = start_ray(settings)
    try:
        documents = raw_documents(files, settings, unreadable, on_file)
        batches = iter(lambda: list(islice((raw for raw, _ in documents), BATCH)), [])
        extractor = settings.claims

        def write(item: Enriched) -> None:
            outcome = store_result(store, report, item.raw, item.article, item.problems)
            if outcome == "new" and item.analysis is not None and item.article is not None:
                # New articles only: a revision or a copy is analysed by the stories stage as locally (its id
                # in the store is not the id of this text).
                store.add_analysis(item.analysis, item.bands or [])
                store.add_claims(item.article.id, extractor, item.claims or [])
                if item.second is not None:
                    store.add_second_vector(item.article.id, *item.second)

        results = _enrich_in_order(batches, settings, max(1, settings.workers))
        write_in_groups(store, report, (item for batch in results for item in batch), unreadable, write)
    finally:
        if started:
            _POOL.clear()
            ray.shutdown()
    return report


def _enrich_in_order(
    batches: Iterator[list[RawDocument]], settings: Settings, workers: int
) -> Iterator[list[Enriched]]:
    """Each batch's results, in the order of the batches, from `workers` actors (replaced when they die or have
    done RECYCLE_AFTER batches)."""
    import ray

    remote = ray.remote(num_cpus=1)(_Enricher)  # a synchronous actor runs one call at a time
    # Kept between calls while Ray runs (a watcher's rounds): the models are loaded once per worker.
    if _POOL.get("settings") != (settings, workers):
        for actor in _POOL.get("actors", []):
            ray.kill(actor, no_restart=True)
        _POOL.update(settings=(settings, workers), actors=[remote.remote(settings) for _ in range(workers)])
        _POOL["done_by"] = [0] * workers
    actors: list[Any] = _POOL["actors"]
    done_by: list[int] = _POOL["done_by"]
    pending: deque[tuple[Any, int, list[RawDocument]]] = deque()  # (result ref, actor slot, batch)
    slot = 0

    def submit(batch: list[RawDocument]) -> None:
        nonlocal slot
        if done_by[slot] >= RECYCLE_AFTER:
            ray.kill(actors[slot], no_restart=True)
            actors[slot], done_by[slot] = remote.remote(settings), 0
        pending.append((actors[slot].enrich.remote(batch), slot, batch))
        done_by[slot] += 1
        slot = (slot + 1) % workers

    for batch in islice(batches, workers * IN_FLIGHT):
        submit(batch)
    while pending:
        ref, used, batch = pending.popleft()
        try:
            result: list[Enriched] = ray.get(ref)
        except ray.exceptions.RayActorError:
            actors[used], done_by[used] = remote.remote(settings), 0  # died (killed, out of memory): again
            result = ray.get(actors[used].enrich.remote(batch))
        yield result
        following = next(batches, None)
        if following:
            submit(following)
