"""The one pipeline: documents in, stories out. The CLI, the web API and the watcher all call `run`.

    ingest.py   documents from any source -> extract -> language -> the store
    assign.py   analysis, claims, story assignment in publication order, timelines (over the store)
    alerts.py   what changed in the stories each watchlist follows; webhook deliveries
    watch.py    followed feeds polled on their schedule, their items read, then all of the above

`stories/` holds the algorithms these stages apply; only this package drives them over a store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storyline.pipeline import assign
from storyline.pipeline.alerts import AlertingStore, AlertReport, DeliveryReport, check_alerts, deliver_alerts
from storyline.pipeline.assign import (
    AssignStore,
    StoriesReport,
    refresh_timelines,
    require_components,
    update_stories,
)
from storyline.pipeline.ingest import IngestReport, Input, identify_language, ingest, process_document
from storyline.settings import Settings
from storyline.stories.similarity import SimilarityModel

__all__ = [
    "AlertReport",
    "DeliveryReport",
    "IngestReport",
    "Input",
    "PipelineStore",
    "RunReport",
    "StoriesReport",
    "identify_language",
    "ingest",
    "process_document",
    "recluster",
    "refresh_timelines",
    "require_components",
    "run",
    "update_stories",
]


class PipelineStore(AssignStore, AlertingStore, Protocol):
    """What the whole pipeline needs of a store: assignment's roles, watchlists and alerts."""


@dataclass
class RunReport:
    ingest: IngestReport
    stories: StoriesReport | None = None
    alerts: AlertReport | None = None
    deliveries: DeliveryReport | None = None


def recluster(
    store: PipelineStore, settings: Settings = Settings(), model: SimilarityModel | None = None
) -> StoriesReport:
    """Rebuild every story from the stored articles. Stories get new ids: what alerts compare with starts over
    from them, without alerts."""
    report = assign.recluster(store, settings, model)
    if store.watchlists():
        check_alerts(store, settings, baseline=True)
    return report


def run(
    inputs: Sequence[Input],
    store: PipelineStore,
    settings: Settings = Settings(),
    *,
    stories: bool = True,
    on_file: Callable[[str], None] | None = None,
    on_files_found: Callable[[int], None] | None = None,
) -> RunReport:
    """Store every document of `inputs`, then (unless `stories` is false: analyse, read claims, assign stories
    and rebuild timelines) bring the stories up to date with them and with anything an earlier run left undone.
    A run killed at any point and run again reaches the same store.

    >>> from storyline.store import open_store
    >>> report = run(["does-not-exist.txt"], open_store(":memory:"), stories=False)
    >>> report.ingest.errors[0].reason, report.stories
    ('no such file or directory', None)
    """
    if stories:
        require_components(settings)  # a misnamed component fails before the ingest, not after it
    ingested = ingest(inputs, store, settings, on_file, on_files_found)
    if not stories:
        return RunReport(ingested)
    updated = update_stories(store, settings)
    return RunReport(ingested, updated, check_alerts(store, settings), deliver_alerts(store, settings))
