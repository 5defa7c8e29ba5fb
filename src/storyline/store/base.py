"""The Store protocol: everything the pipeline and the views need from a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from storyline.model import Article, IngestError


@dataclass(frozen=True)
class ArticleQuery:
    """Filters of `Store.articles`. Dates are ISO 8601 prefixes compared at the article's precision."""

    lang: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class StoredError:
    error: IngestError
    first_seen: str
    last_seen: str

    def to_dict(self) -> dict[str, Any]:
        e = self.error
        return {
            "origin": e.origin,
            "locator": e.locator,
            "stage": e.stage,
            "severity": e.severity,
            "reason": e.reason,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


class Store(Protocol):
    """What a storyline database does. SQLite implements it; PostgreSQL will."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes; all of them land or none (a crash inside loses only this group)."""

    def add_article(self, article: Article, origin_key: str) -> bool:
        """Store an article, or add `origin_key` as one more source of the same article.

        Returns True when the article is new.
        """

    def record_error(self, error: IngestError) -> None:
        """Record (or refresh) a failure; one row per origin, locator and stage."""

    def clear_errors(self, origin: str, locator: str | None = None) -> None:
        """Forget earlier failures of a document that has now been ingested."""

    def article(self, article_id: str) -> Article | None:
        """An article by id or unique id prefix (any case)."""

    def article_by_url(self, url: str) -> Article | None:
        """The article ingested from this address, or whose page names it as canonical."""

    def story_ids_of(self, article_ids: list[str]) -> dict[str, str]:
        """The story of each of these articles (those in none left out)."""

    def ids_starting_with(self, kind: str, prefix: str, limit: int = 10) -> list[str]:
        """Up to `limit` ids of 'article's or 'story's that start with `prefix` (any case), in id order."""

    def articles(self, query: ArticleQuery | None = None) -> Iterator[Article]:
        """Articles in publication order (undated ones last, in ingestion order)."""

    def sources(self, article_id: str) -> list[dict[str, Any]]:
        """Every URL or file an article was found under, first first."""

    def search(self, query: str, limit: int = 20) -> list[tuple[Article, str]]:
        """Full-text search over titles and texts: articles with a highlighted snippet, best first."""

    def errors(self) -> list[StoredError]:
        """Recorded failures, oldest first."""

    def count_articles(self) -> int: ...

    def close(self) -> None: ...
