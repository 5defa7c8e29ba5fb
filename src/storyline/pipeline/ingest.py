"""Ingest: documents from any source -> extract -> language -> the store (errors recorded, never fatal).

With several workers (`Settings.workers`, local processes here or Ray actors in `scale.py`) each worker also
analyses what it extracted (entities, embedding, MinHash) and reads its claims (`Enricher`), so that work is
spread over the cores too; the stories stage analyses whatever was stored without (a single worker's
articles, revisions, copies), the same way."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Protocol, TypeVar

import numpy as np

from storyline.enrich.analysis import analyze
from storyline.enrich.claims import get_extractor
from storyline.enrich.embed import EmbedderError, get_embedder
from storyline.enrich.minhash import band_keys
from storyline.extract import BinaryContentError, ExtractionError, extract_article
from storyline.model import Analysis, Article, Claim, IngestError, RawDocument, article_id
from storyline.settings import Settings
from storyline.sources import Upload, expand_paths, read_path, read_upload
from storyline.sources.web import Fetcher, FetchPolicy, is_web_address
from storyline.store.base import AnalysisStore, ArticleStore, ClaimStore
from storyline.stories.similarity import default_model, second_text, second_vectors
from storyline.text.changes import changed_sentences
from storyline.text.language import DEFAULT_LANGUAGES, detect_language

T = TypeVar("T")

# Writes are grouped so a run costs few commits; a crash loses at most one group, which the
# next run redoes (article ids are content hashes, so nothing is stored twice).
COMMIT_EVERY = 100
BATCH = 16  # documents a worker takes at a time


class IngestStore(ArticleStore, AnalysisStore, ClaimStore, Protocol):
    """What ingest writes: articles (and, from several workers, their analyses and claims, made beside them)."""


@dataclass
class IngestReport:
    files: int = 0
    documents: int = 0
    new_articles: int = 0
    known_articles: int = 0  # already in the store: a re-run, or the same text under another URL
    revised_articles: int = 0  # pages read again whose text or headline changed: a revision of their article
    errors: list[IngestError] = field(default_factory=list)
    warnings: list[IngestError] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def identify_language(article: Article, languages: Iterable[str] = DEFAULT_LANGUAGES) -> Article:
    """Set the language from title and text unless the source stated it."""
    if article.lang:
        return article
    lang, confidence = detect_language(f"{article.title or ''}\n{article.text}", tuple(languages))
    return replace(article, lang=lang, lang_confidence=confidence)


def process_document(raw: RawDocument, settings: Settings = Settings()) -> tuple[Article | None, list[IngestError]]:
    """Extract and enrich one document; never raises for bad input, returns the errors instead."""
    try:
        article, warnings = extract_article(raw)
    except (ExtractionError, BinaryContentError) as exc:
        return None, [IngestError(raw.origin, "extract", str(exc), raw.locator)]
    except Exception as exc:  # a library failing on odd input must not stop the run
        return None, [IngestError(raw.origin, "extract", f"unexpected {type(exc).__name__}: {exc}", raw.locator)]
    return identify_language(article, settings.languages), warnings


def read_document(item: tuple[RawDocument, Settings]) -> tuple[RawDocument, Article | None, list[IngestError]]:
    """`process_document` for a worker process: the document comes back without its content, which the writer
    does not need (only where it came from)."""
    raw, settings = item
    article, problems = process_document(raw, settings)
    if isinstance(raw.content, bytes | str) and len(raw.content) > 4096:
        raw = replace(raw, content=b"")
    return raw, article, problems


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


class Enricher:
    """A worker's work (a local process or a Ray actor): extract, language, analysis and claims of a batch of
    documents, with the components loaded once; with `second_ahead`, also the second-opinion encoder's vector
    of each new article (which story assignment otherwise computes for the articles in uncertain pairs only).
    One thread each: a worker has one core."""

    def __init__(self, settings: Settings, second_ahead: bool = False) -> None:
        self.settings = settings = settings.but(embed_threads=1)
        self.embedder = get_embedder(settings.embedder, settings)
        self.extract_claims = get_extractor(settings)
        self.second = default_model().second if second_ahead else None
        self.second_embedder = None
        if self.second is not None:
            with suppress(EmbedderError):  # without the encoder the assigner says why, and decides alone
                self.second_embedder = get_embedder(self.second.encoder, settings)

    def enrich(self, batch: list[RawDocument]) -> list[Enriched]:
        """Each document's results, in order; documents come back without their content (see `read_document`)."""
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


def store_enriched(store: IngestStore, report: IngestReport, settings: Settings, item: Enriched) -> None:
    """Store a worker's result and count it; the analysis, claims and vector of new articles only (a revision
    or a copy is analysed by the stories stage: its id in the store is not the id of this text)."""
    outcome = store_result(store, report, item.raw, item.article, item.problems)
    if outcome == "new" and item.analysis is not None and item.article is not None:
        store.add_analysis(item.analysis, item.bands or [])
        store.add_claims(item.article.id, settings.claims, item.claims or [])
        if item.second is not None:
            store.add_second_vector(item.article.id, *item.second)


_worker: list[Enricher | Exception] = []  # a local worker process's own Enricher, or why it could not start


def _start_worker(settings: Settings) -> None:
    try:
        _worker.append(Enricher(settings))
    except Exception as exc:  # raised from the first batch instead: a pool respawns workers whose start fails
        _worker.append(exc)


def _enrich_in_worker(batch: list[RawDocument]) -> list[Enriched]:
    if isinstance(_worker[0], Exception):
        raise _worker[0]
    return _worker[0].enrich(batch)


def _warm_up(settings: Settings) -> None:
    page = (
        "<html><body><article><h1>Warm-up</h1><p>Published on 3 March 2025. "
        + "Some words of text. " * 30
        + "</p></article></body></html>"
    )
    process_document(RawDocument("warm-up", page, "text/html"), settings)
    process_document(
        RawDocument(
            "warm-up",
            "Title line\n\n03-03-2025 10:00 - Source: www.example.com\n\n" + "Words of the text. " * 30,
            "text/plain",
        ),
        settings,
    )


Input = str | Upload | RawDocument  # a path (file, folder, glob, "-") or http(s) address, bytes in memory, a page


def raw_documents(
    files: list[Input],
    settings: Settings,
    unreadable: list[IngestError],
    on_file: Callable[[str], None] | None,
) -> Iterator[tuple[RawDocument, Settings]]:
    fetcher: Fetcher | None = None
    try:
        for path in files:
            if isinstance(path, RawDocument):
                yield path, settings
                if on_file:
                    on_file(path.where)
                continue
            items: Iterable[RawDocument | IngestError]
            if isinstance(path, Upload):
                items = read_upload(path, settings.max_document_bytes)
            elif is_web_address(path):
                if fetcher is None:  # one client for the run: connections, robots.txt and host pacing are kept
                    fetcher = Fetcher(
                        FetchPolicy(
                            max_bytes=settings.max_document_bytes,
                            allow_loopback=settings.allow_loopback,
                            host_delay=settings.host_delay,
                        )
                    )
                items = fetcher.documents(path)
            else:
                items = read_path(path, settings.max_document_bytes)
            for item in items:
                if isinstance(item, IngestError):
                    unreadable.append(item)
                else:
                    yield item, settings
            if on_file:
                on_file(path.origin if isinstance(path, Upload) else path)
    finally:
        if fetcher is not None:
            fetcher.close()


def expand_inputs(paths: Sequence[Input], store: ArticleStore, unreadable: list[IngestError]) -> list[Input]:
    """Every file under the paths (folders, globs), beside addresses and documents in memory; what cannot be
    listed goes to `unreadable`. The store's own files are never input, even in a folder being ingested."""
    files: list[Input] = [p for p in paths if not isinstance(p, str) or is_web_address(p)]
    own = store.own_files()
    for item in expand_paths([p for p in paths if isinstance(p, str) and not is_web_address(p)]):
        if isinstance(item, IngestError):
            unreadable.append(item)
        elif item == "-" or os.path.realpath(item) not in own:
            files.append(item)
    return files


def ingest(
    paths: Sequence[Input],
    store: IngestStore,
    settings: Settings = Settings(),
    on_file: Callable[[str], None] | None = None,
    on_files_found: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read every document under `paths` (files, folders, globs, "-" for stdin, `Upload`s held in memory, or
    `RawDocument`s already fetched) into `store`; bad input is recorded, never fatal.

    >>> from storyline.store import open_store
    >>> ingest(["does-not-exist.txt"], open_store(":memory:")).errors[0].reason
    'no such file or directory'
    """
    if settings.engine == "ray":
        from storyline.pipeline.scale import ingest_on_ray

        return ingest_on_ray(paths, store, settings, on_file, on_files_found)
    report = IngestReport()
    unreadable: list[IngestError] = []
    files = expand_inputs(paths, store, unreadable)
    report.files = len(files)
    if on_files_found:
        on_files_found(len(files))

    documents = raw_documents(files, settings, unreadable, on_file)
    workers = max(1, min(settings.workers, os.cpu_count() or 1, len(files)))
    if workers == 1:
        results = (Enriched(*read_document(document)) for document in documents)
        write_in_groups(store, report, results, unreadable, lambda item: store_enriched(store, report, settings, item))
        return report
    _warm_up(settings)  # workers fork from here: load the libraries' lazy tables once, not per worker
    pool = multiprocessing.get_context("fork").Pool(workers, _start_worker, (settings,))
    batches = iter(lambda: list(islice((raw for raw, _ in documents), BATCH)), [])
    results = (item for batch in pool.imap(_enrich_in_worker, batches) for item in batch)
    try:
        write_in_groups(store, report, results, unreadable, lambda item: store_enriched(store, report, settings, item))
    finally:
        pool.terminate()
    return report


def write_in_groups(
    store: ArticleStore,
    report: IngestReport,
    results: Iterable[T],
    unreadable: list[IngestError],
    write: Callable[[T], object],
) -> None:
    """`write` every result, COMMIT_EVERY to a transaction, each group with the inputs found unreadable meanwhile
    (files that could not be read at all, met while reading ahead, and warnings on paths such as a folder loop
    not followed, which do not fail the run)."""
    results = iter(results)
    while True:
        chunk = list(islice(results, COMMIT_EVERY))
        with store.transaction():
            for result in chunk:
                report.documents += 1
                write(result)
            for error in unreadable:
                store.record_error(error)
                (report.warnings if error.severity == "warning" else report.errors).append(error)
            unreadable.clear()
        if not chunk:
            break


def _read_from_web(raw: RawDocument) -> bool:
    """A page fetched from its address (not a file or feed entry naming one): read again, it may have changed."""
    return raw.media_type == "text/html" and raw.locator is None and is_web_address(raw.origin)


def _changed(current: Article, page: Article) -> bool:
    """Whether a page read again says something else than the article last read from it: another text (by content
    identity) or another headline."""
    if article_id(current.text, current.canonical_url or current.url) != page.id:
        return True
    return bool(page.title) and page.title != current.title


def store_result(
    store: ArticleStore, report: IngestReport, raw: RawDocument, article: Article | None, problems: list[IngestError]
) -> str | None:
    """Store what a document gave and count it: 'new', 'known' (stored before), 'revised' (a page read again
    whose text changed), or None (nothing to store)."""
    if article is not None and not any(p.severity == "error" for p in problems):
        store.clear_errors(raw.origin, raw.locator)  # before this reading's own warnings are recorded
    for problem in problems:
        store.record_error(problem)
        (report.warnings if problem.severity == "warning" else report.errors).append(problem)
    if article is None:
        return None
    outcome = "known"
    current = None
    if _read_from_web(raw):  # by the address it ended at, else the one asked for (a feed's link that redirects)
        current = (store.article_at(article.url) if article.url else None) or store.article_at(raw.origin)
    if current is not None:
        if _changed(current, article):
            removed, added = changed_sentences(current.text, article.text)
            store.revise_article(current.id, article, article.url or raw.where, removed, added)
            outcome = "revised"
        else:
            store.add_article(article, article.url or raw.where)
    elif store.add_article(article, article.url or raw.where):
        outcome = "new"
    if outcome == "new":
        report.new_articles += 1
    elif outcome == "revised":
        report.revised_articles += 1
    else:
        report.known_articles += 1
    return outcome
