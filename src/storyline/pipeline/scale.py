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
from itertools import islice
from typing import Any

from storyline.errors import ConfigurationError
from storyline.model import IngestError, RawDocument
from storyline.pipeline.ingest import (
    Enriched,
    Enricher,
    IngestReport,
    IngestStore,
    Input,
    expand_inputs,
    raw_documents,
    store_enriched,
    write_in_groups,
)
from storyline.settings import Settings

BATCH = 16  # documents an actor takes at a time
IN_FLIGHT = 2  # batches queued per actor, so none waits for the driver
RECYCLE_AFTER = 500  # batches before an actor is replaced (memory grown by long runs is given back)
_POOL: dict[str, Any] = {}  # the workers of the running Ray: their settings, actors and batches done


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
        results = _enrich_in_order(batches, settings, max(1, settings.workers))
        items = (item for batch in results for item in batch)
        write_in_groups(store, report, items, unreadable, lambda item: store_enriched(store, report, settings, item))
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

    remote = ray.remote(num_cpus=1)(Enricher)  # a synchronous actor runs one call at a time

    def spawn() -> Any:  # an actor that also embeds the second opinion's texts ahead
        return remote.remote(settings, True)

    # Kept between calls while Ray runs (a watcher's rounds): the models are loaded once per worker.
    if _POOL.get("settings") != (settings, workers):
        for actor in _POOL.get("actors", []):
            ray.kill(actor, no_restart=True)
        _POOL.update(settings=(settings, workers), actors=[spawn() for _ in range(workers)])
        _POOL["done_by"] = [0] * workers
    actors: list[Any] = _POOL["actors"]
    done_by: list[int] = _POOL["done_by"]
    pending: deque[tuple[Any, int, list[RawDocument]]] = deque()  # (result ref, actor slot, batch)
    slot = 0

    def submit(batch: list[RawDocument]) -> None:
        nonlocal slot
        if done_by[slot] >= RECYCLE_AFTER:
            ray.kill(actors[slot], no_restart=True)
            actors[slot], done_by[slot] = spawn(), 0
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
            actors[used], done_by[used] = spawn(), 0  # died (killed, out of memory): again
            result = ray.get(actors[used].enrich.remote(batch))
        yield result
        following = next(batches, None)
        if following:
            submit(following)
