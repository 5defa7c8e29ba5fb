"""storyline: a multilingual news story tracker.

>>> from storyline import ingest, open_store
>>> store = open_store(":memory:")
>>> report = ingest(["does-not-exist/"], store)
>>> report.new_articles, len(report.errors)
(0, 1)
"""

from storyline.extract import extract_article
from storyline.model import Article, DatePrecision, IngestError, PublishedDate, RawDocument, article_id
from storyline.pipeline import IngestOptions, IngestReport, ingest, process_document
from storyline.store import ArticleQuery, Store, open_store
from storyline.stories.tracker import StoriesReport, recluster, update_stories

__all__ = [
    "Article",
    "ArticleQuery",
    "DatePrecision",
    "IngestError",
    "IngestOptions",
    "IngestReport",
    "PublishedDate",
    "RawDocument",
    "Store",
    "StoriesReport",
    "article_id",
    "extract_article",
    "ingest",
    "open_store",
    "process_document",
    "recluster",
    "update_stories",
]
