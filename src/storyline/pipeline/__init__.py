"""The one pipeline: documents in, stories out. The CLI, the web API and the watcher all call `run`.

    ingest.py   documents from any source -> extract -> language -> the store
    assign.py   analysis, claims, story assignment in publication order, timelines (over the store)

`stories/` holds the algorithms these stages apply; only this package drives them over a store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from storyline.defaults import BUILTIN_CLAIMS
from storyline.enrich.embed import DEFAULT_EMBEDDER
from storyline.pipeline.assign import StoriesReport, recluster, refresh_timelines, update_stories
from storyline.pipeline.ingest import IngestOptions, IngestReport, Input, identify_language, ingest, process_document
from storyline.store.base import Store

__all__ = [
    "IngestOptions",
    "IngestReport",
    "Input",
    "RunOptions",
    "RunReport",
    "StoriesReport",
    "identify_language",
    "ingest",
    "process_document",
    "recluster",
    "refresh_timelines",
    "run",
    "update_stories",
]


@dataclass(frozen=True)
class RunOptions:
    ingest: IngestOptions = field(default_factory=IngestOptions)
    stories: bool = True  # analyse, read claims, assign stories and rebuild timelines after storing
    claims_extractor: str = BUILTIN_CLAIMS
    embedder: str = DEFAULT_EMBEDDER


@dataclass
class RunReport:
    ingest: IngestReport
    stories: StoriesReport | None = None


def run(
    inputs: Sequence[Input],
    store: Store,
    options: RunOptions = RunOptions(),
    on_file: Callable[[str], None] | None = None,
    on_files_found: Callable[[int], None] | None = None,
) -> RunReport:
    """Store every document of `inputs`, then bring the stories up to date with them (and with anything an
    earlier run left undone). A run killed at any point and run again reaches the same store.

    >>> from storyline.store import open_store
    >>> report = run(["does-not-exist.txt"], open_store(":memory:"), RunOptions(stories=False))
    >>> report.ingest.errors[0].reason, report.stories
    ('no such file or directory', None)
    """
    ingested = ingest(inputs, store, options.ingest, on_file, on_files_found)
    if not options.stories:
        return RunReport(ingested)
    return RunReport(ingested, update_stories(store, options.embedder, claims_extractor=options.claims_extractor))
