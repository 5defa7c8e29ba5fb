"""The `storyline` command: a thin layer over the library.

Exit codes (all commands):
  0  success
  1  the run finished but some input was recorded as an error (see `storyline errors`)
  2  bad command line (unknown option, missing argument)
  3  the database cannot be opened
  4  nothing found for the id given
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyline.enrich.language import DEFAULT_LANGUAGES
from storyline.export import FORMATS, export_articles
from storyline.extract.dates import parse_date, parse_iso
from storyline.pipeline import IngestOptions, ingest
from storyline.sources import DEFAULT_MAX_DOCUMENT_BYTES
from storyline.store import ArticleQuery, Store, open_store
from storyline.store.sqlite import StoreError

EXIT_INPUT_ERRORS, EXIT_DATABASE, EXIT_NOT_FOUND = 1, 3, 4

app = typer.Typer(
    help="storyline: read news in any language and shape, and keep it as clean articles.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)  # pipes get wide lines, not 80 columns
err = Console(stderr=True)
_state: dict[str, Any] = {}

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.callback()
def main(
    db: Annotated[str, typer.Option("--db", envvar="STORYLINE_DB", help="The SQLite store.")] = "storyline.db",
) -> None:
    """Global options. Example: storyline --db news.db ingest ./downloads"""
    _state["db"] = db


def _store() -> Store:
    try:
        return open_store(_state.get("db", "storyline.db"))
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}. Check the path given with --db or STORYLINE_DB.")
        raise typer.Exit(EXIT_DATABASE) from exc


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs, or - for stdin.")],
    workers: Annotated[int, typer.Option(help="Extraction processes (default: all cores).")] = os.cpu_count() or 1,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Largest document read, in MB.")] = DEFAULT_MAX_DOCUMENT_BYTES / 1e6,
    languages: Annotated[str, typer.Option(envvar="STORYLINE_LANGUAGES", help="Comma-separated ISO 639-1 codes for language identification.")] = ",".join(DEFAULT_LANGUAGES),
    as_json: JsonOption = False,
) -> None:
    """Read news into the store. Re-running on the same input changes nothing.

    Example: storyline ingest ./pages '*.jsonl' feed.xml archive.warc.gz
    """
    store = _store()
    options = IngestOptions(
        languages=tuple(code.strip() for code in languages.split(",") if code.strip()),
        max_document_bytes=int(max_mb * 1e6),
        workers=workers,
    )
    progress = Progress(
        TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TextColumn("files"), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("ingest", total=None)
        report = ingest(
            paths, store, options,
            on_file=lambda _path: progress.advance(task),
            on_files_found=lambda n: progress.update(task, total=n),
        )
    summary = {
        "files": report.files, "documents": report.documents, "new_articles": report.new_articles,
        "known_articles": report.known_articles, "errors": len(report.errors), "warnings": len(report.warnings),
        "articles_in_store": store.count_articles(),
    }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"{report.files} files, {report.documents} documents: {report.new_articles} new articles, "
            f"{report.known_articles} already stored, {len(report.errors)} errors, {len(report.warnings)} warnings "
            f"({summary['articles_in_store']} articles in {_state['db']})"
        )
        for problem in (report.errors + report.warnings)[:10]:
            err.print(f"  [yellow]{problem.severity}:[/] {problem.where}: {problem.reason}")
        if len(report.errors) + len(report.warnings) > 10:
            err.print("  ... see all with: storyline errors")
    store.close()
    if report.failed:
        raise typer.Exit(EXIT_INPUT_ERRORS)


def _query(lang: str | None, source: str | None, since: str | None, until: str | None, limit: int | None) -> ArticleQuery:
    return ArticleQuery(lang=lang, source=source, since=since, until=until, limit=limit)


def _date_bound(value: str | None) -> str | None:
    """A --since/--until value as an ISO prefix at its own precision ('2025-10', '2025-10-03')."""
    if value is None:
        return None
    parsed = parse_iso(value) or parse_date(value)
    if parsed is None:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed.isoformat()[:16]


LangOption = Annotated[str | None, typer.Option(help="Only this language (ISO 639-1).")]
SourceOption = Annotated[str | None, typer.Option(help="Only this site, e.g. example.com.")]
SinceOption = Annotated[str | None, typer.Option(callback=_date_bound, help="Published on or after (YYYY, YYYY-MM, YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option(callback=_date_bound, help="Published on or before (YYYY, YYYY-MM, YYYY-MM-DD).")]


@app.command("articles")
def articles_command(
    lang: LangOption = None, source: SourceOption = None, since: SinceOption = None, until: UntilOption = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored articles by publication date (undated last).

    Example: storyline articles --lang de --since 2022-05 --json
    """
    store = _store()
    found = store.articles(_query(lang, source, since, until, limit))
    if as_json:
        _print_json([a.to_dict() for a in found])
        return
    table = Table(box=None)
    table.add_column("id", no_wrap=True, min_width=12)
    table.add_column("published", no_wrap=True, min_width=16)
    table.add_column("lang", no_wrap=True, min_width=4)
    table.add_column("source", no_wrap=True, max_width=22, overflow="ellipsis")
    table.add_column("title", no_wrap=True, overflow="ellipsis")
    for a in found:
        published = a.published.isoformat()[:16] if a.published else "-"
        table.add_row(a.id[:12], published, a.lang or "-", a.source or "-", a.title or "")
    out.print(table)


@app.command("show")
def show_command(article_id: Annotated[str, typer.Argument(help="Article id or a unique prefix of it.")], as_json: JsonOption = False) -> None:
    """Show one article: metadata, text, comments and every source it was found under.

    Example: storyline show 5d083d46
    """
    store = _store()
    article = store.article(article_id)
    if article is None:
        err.print(f"[red]error:[/] no article with id {article_id!r} (list ids with: storyline articles)")
        raise typer.Exit(EXIT_NOT_FOUND)
    data = article.to_dict() | {"sources": store.sources(article.id)}
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{article.title or '(untitled)'}[/]")
    published = f"{data['published']} ({data['published_precision']}{', zone known' if data['timezone_known'] else ''})" if article.published else "unknown"
    out.print(f"id {article.id} | {article.lang or '?'} | published {published} | {article.source or '?'}")
    if article.authors:
        out.print("by " + ", ".join(article.authors))
    if article.url:
        out.print(article.url)
    out.print()
    out.print(article.text + (" [cut short by the source]" if article.truncated else ""), markup=False)
    if article.comments:
        out.print(f"\n[bold]{len(article.comments)} comment(s)[/]")
        for comment in article.comments:
            out.print("  - " + comment, markup=False)
    out.print("\n[bold]sources[/]")
    for source in data["sources"]:
        out.print(f"  {source['origin_key']}  (first seen {source['first_seen']})", markup=False)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words to find in titles and texts.")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Full-text search (accents and case ignored), best matches first.

    Example: storyline search "Leica Huawei"
    """
    results = _store().search(query, limit)
    if as_json:
        _print_json([a.to_dict() | {"snippet": snippet} for a, snippet in results])
        return
    for a, snippet in results:
        out.print(f"[bold]{a.id[:12]}[/] {a.published.isoformat() if a.published else '-'} {a.lang or '-'} {a.title or ''}")
        out.print("    " + snippet.replace("\n", " "), markup=False)


@app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")] = "jsonl",
    output: Annotated[str | None, typer.Option(help="File to write (stdout when omitted; required for parquet).")] = None,
    lang: LangOption = None, source: SourceOption = None, since: SinceOption = None, until: UntilOption = None,
) -> None:
    """Export articles with all their fields.

    Example: storyline export --format parquet --output articles.parquet
    """
    store = _store()
    try:
        count = export_articles(store.articles(_query(lang, source, since, until, None)), fmt, output)
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if output:
        err.print(f"{count} articles written to {output}")


@app.command("errors")
def errors_command(as_json: JsonOption = False) -> None:
    """List what failed to ingest (or was repaired) and why.

    Example: storyline errors --json
    """
    stored = _store().errors()
    if as_json:
        _print_json([e.to_dict() for e in stored])
        return
    if not stored:
        out.print("no errors recorded")
        return
    table = Table("severity", "stage", "where", "reason", box=None)
    for e in stored:
        table.add_row(e.error.severity, e.error.stage, e.error.where, e.error.reason)
    out.print(table)
