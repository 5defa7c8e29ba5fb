"""storyline: a multilingual news story tracker.

>>> from storyline import ingest, open_store
>>> store = open_store(":memory:")
>>> report = ingest(["does-not-exist/"], store)
>>> report.new_articles, len(report.errors)
(0, 1)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storyline.errors import StorylineError
    from storyline.extract import extract_article
    from storyline.model import Article, DatePrecision, IngestError, PublishedDate, RawDocument, article_id
    from storyline.pipeline import (
        IngestReport,
        RunReport,
        StoriesReport,
        ingest,
        process_document,
        recluster,
        run,
        update_stories,
    )
    from storyline.settings import Settings
    from storyline.store import ArticleFilter, Store, open_store

# Where each public name lives. They load on first use (PEP 562): `storyline --help` or a query of the store
# should not pay for trafilatura, numpy and the embedders (about 0.6 s) before doing anything.
_HOMES = {
    "extract_article": "storyline.extract",
    **dict.fromkeys(
        ("Article", "DatePrecision", "IngestError", "PublishedDate", "RawDocument", "article_id"), "storyline.model"
    ),
    **dict.fromkeys(
        (
            "IngestReport",
            "RunReport",
            "StoriesReport",
            "ingest",
            "process_document",
            "recluster",
            "run",
            "update_stories",
        ),
        "storyline.pipeline",
    ),
    **dict.fromkeys(("ArticleFilter", "Store", "open_store"), "storyline.store"),
    "StorylineError": "storyline.errors",
    "Settings": "storyline.settings",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'storyline' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "Article",
    "ArticleFilter",
    "DatePrecision",
    "IngestError",
    "IngestReport",
    "PublishedDate",
    "RawDocument",
    "RunReport",
    "Settings",
    "Store",
    "StoriesReport",
    "StorylineError",
    "article_id",
    "extract_article",
    "ingest",
    "open_store",
    "process_document",
    "recluster",
    "run",
    "update_stories",
]
