"""The `storyline` command: a thin layer over the library.

Exit codes (all commands):
  0  success
  1  the run finished but some input was recorded as an error (see `storyline errors`)
  2  bad command line or configuration (unknown option, missing argument, unknown component, bad setting)
  3  the database cannot be opened, or failed mid-command
  4  nothing found for the id given
  5  a component failed while running (the LLM endpoint did not answer, for instance); run again to go on

Settings come from the flags, then the environment (STORYLINE_DB, STORYLINE_CLAIMS, STORYLINE_NER, ...; see
`storyline.settings`), then the defaults, in one `Settings` built here and passed down.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from storyline.defaults import BUILTIN_CLAIMS as BUILTIN
from storyline.defaults import DEFAULT_LANGUAGES, DEFAULT_MAX_DOCUMENT_BYTES
from storyline.errors import ConfigurationError, StoreError, StorylineError
from storyline.export import FORMATS, export_articles, export_stories
from storyline.model import TimelineEntry
from storyline.settings import ENGINES, ENV, Settings
from storyline.store import ArticleFilter, Store, open_store
from storyline.store.base import CLAIM_STATUSES, HIT_END, HIT_START

T = TypeVar("T")

# The pipeline, the stories stage and date parsing are imported inside the commands that use them: the
# commands that only read the store (articles, show, search, stories, story, errors) and --help start in
# a fraction of the time (benchmarks/cli.py).

EXIT_INPUT_ERRORS, EXIT_USAGE, EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_COMPONENT = 1, 2, 3, 4, 5


class _Commands(TyperGroup):
    """`storyline articles --db news.db` as well as `storyline --db news.db articles`: the global options may
    follow the command; they are moved in front of it before parsing (never after a `--`).

    storyline's own errors end a command with one line and their exit code, never a traceback: a configuration
    error is a usage error (2), a store that fails is 3, a component that fails while running is 5. Anything
    else is a bug, and keeps its traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(EXIT_USAGE) from exc
        except StoreError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(EXIT_DATABASE) from exc
        except StorylineError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(EXIT_COMPONENT) from exc

    GLOBAL = ("--db",)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        hoisted: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                rest.extend(args[i:])
                break
            name = arg.split("=", 1)[0]
            if name in self.GLOBAL and rest:  # only after the command name: in front they parse as they are
                if "=" in arg:
                    hoisted.append(arg)
                else:
                    hoisted.extend(args[i : i + 2])
                    i += 1
            else:
                rest.append(arg)
            i += 1
        return super().parse_args(ctx, hoisted + rest)


app = typer.Typer(
    cls=_Commands,
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
    db: Annotated[
        str, typer.Option("--db", envvar="STORYLINE_DB", help="The store: an SQLite file, or a postgresql:// URL.")
    ] = "storyline.db",
) -> None:
    """Global options. Example: storyline --db news.db ingest ./downloads"""
    _state["settings"] = Settings.from_env(db=db)


def _settings() -> Settings:
    settings: Settings = _state["settings"]
    return settings


def _store() -> Store:
    try:
        return open_store(_settings().db)
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}. Check the path given with --db or STORYLINE_DB.")
        raise typer.Exit(EXIT_DATABASE) from exc


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


ClaimsOption = Annotated[
    str | None,
    typer.Option(
        "--claims",
        help=f"Claim extractor (default ${ENV['claims']}, else {BUILTIN}): {BUILTIN} (offline), llm (an"
        f" OpenAI-compatible endpoint: ${ENV['llm_url']}, ${ENV['llm_model']}), or a plugin's (storyline plugins).",
        show_default=False,
    ),
]
NerOption = Annotated[
    str | None,
    typer.Option(
        "--ner",
        help=f"A statistical NER backend beside the rules (default ${ENV['ner']}, else none): spacy, or a plugin's.",
        show_default=False,
    ),
]


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories, globs, - for stdin, or http(s) addresses to fetch.")
    ],
    workers: Annotated[
        int, typer.Option(help="Worker processes: extraction, analysis and claims (default: all cores).")
    ] = os.cpu_count() or 1,
    max_mb: Annotated[
        float, typer.Option("--max-mb", help="Largest document read, in MB.")
    ] = DEFAULT_MAX_DOCUMENT_BYTES / 1e6,
    languages: Annotated[
        str | None,
        typer.Option(
            help=f"Comma-separated ISO 639-1 codes for language identification (default ${ENV['languages']},"
            f" else {','.join(DEFAULT_LANGUAGES)}).",
            show_default=False,
        ),
    ] = None,
    stories: Annotated[
        bool, typer.Option("--stories/--no-stories", help="Assign new articles to stories after reading.")
    ] = True,
    claims: ClaimsOption = None,
    ner: NerOption = None,
    engine: Annotated[
        str | None,
        typer.Option(help="Where extraction and enrichment run: local (processes here) or ray (Ray workers)."),
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="A Ray cluster to run on (auto, ray://head:10001); default a local Ray.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read news into the store and group it into stories. Re-running on the same input changes nothing.

    Example: storyline ingest ./pages '*.jsonl' feed.xml archive.warc.gz
    """
    from storyline.pipeline import run

    settings = _settings().but(
        languages=tuple(code.strip().lower() for code in languages.split(",") if code.strip()) if languages else None,
        max_document_bytes=int(max_mb * 1e6),
        workers=workers,
        claims=claims,
        ner=ner,
        engine=engine,
        ray_address=ray_address,
    )
    if settings.engine not in ENGINES:
        err.print(f"--engine must be one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    store = _store()
    progress = Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("ingest", total=None)
        result = run(
            paths,
            store,
            settings,
            stories=stories,
            on_file=lambda _path: progress.advance(task),
            on_files_found=lambda n: progress.update(task, total=n),
        )
    report, story_report = result.ingest, result.stories
    summary: dict[str, Any] = {
        "files": report.files,
        "documents": report.documents,
        "new_articles": report.new_articles,
        "known_articles": report.known_articles,
        "revised_articles": report.revised_articles,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "articles_in_store": store.count_articles(),
    }
    if story_report:
        summary |= {
            "assigned": story_report.assigned,
            "new_stories": story_report.new_stories,
            "duplicates": story_report.duplicates,
            "merges": story_report.merges,
            "seconds": {stage: round(spent, 3) for stage, spent in story_report.seconds.items()},
        }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"{report.files} files, {report.documents} documents: {report.new_articles} new articles, "
            f"{report.known_articles} already stored, {report.revised_articles} revised, {len(report.errors)} errors, {len(report.warnings)} warnings "
            f"({summary['articles_in_store']} articles in {settings.db})"
        )
        if story_report:
            out.print(
                f"stories: {story_report.assigned} articles assigned, {story_report.new_stories} new stories, "
                f"{story_report.duplicates} near-duplicates, {story_report.merges} merges"
            )
        for problem in (report.errors + report.warnings)[:10]:
            err.print(f"  [yellow]{problem.severity}:[/] {problem.where}: {problem.reason}")
        if len(report.errors) + len(report.warnings) > 10:
            err.print("  ... see all with: storyline errors")
    store.close()
    if report.failed:
        raise typer.Exit(EXIT_INPUT_ERRORS)


def _filter(lang: str | None, source: str | None, since: str | None, until: str | None) -> ArticleFilter:
    return ArticleFilter(lang=lang, source=source, since=since, until=until)


def _date_bound(value: str | None) -> str | None:
    """A --since/--until value as an ISO prefix at its own precision ('2025-10', '2025-10-03')."""
    if value is None:
        return None
    from storyline.extract.dates import parse_date, parse_iso

    parsed = parse_iso(value) or parse_date(value)
    if parsed is None:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed.isoformat()[:16]


LangOption = Annotated[str | None, typer.Option(help="Only this language (ISO 639-1).")]
SourceOption = Annotated[str | None, typer.Option(help="Only this site, e.g. example.com.")]
SinceOption = Annotated[
    str | None, typer.Option(callback=_date_bound, help="Published on or after (YYYY, YYYY-MM, YYYY-MM-DD).")
]
UntilOption = Annotated[
    str | None, typer.Option(callback=_date_bound, help="Published on or before (YYYY, YYYY-MM, YYYY-MM-DD).")
]


@app.command("articles")
def articles_command(
    lang: LangOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored articles by publication date (undated last).

    Example: storyline articles --lang de --since 2022-05 --json
    """
    store = _store()
    found = store.articles(_filter(lang, source, since, until), limit)
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


def _not_found(store: Store, kind: str, ident: str, listing: str) -> NoReturn:
    """Say that no article (or story) has this id, or that several start with it, and which; exit 4."""
    candidates = store.ids_starting_with(kind, ident, limit=11)
    if len(candidates) > 1:
        shown = ", ".join(candidates[:10]) + (", ..." if len(candidates) > 10 else "")
        err.print(
            f"[red]error:[/] {ident!r} is ambiguous: {'more than 10' if len(candidates) > 10 else len(candidates)}"
            f" {'stories' if kind == 'story' else 'articles'} start with it: {shown} (give more characters)"
        )
    else:
        err.print(f"[red]error:[/] no {kind} with id {ident!r} (list them with: {listing})")
    raise typer.Exit(EXIT_NOT_FOUND)


@app.command("show")
def show_command(
    article_id: Annotated[str, typer.Argument(help="Article id, a unique prefix of it, or its URL.")],
    as_json: JsonOption = False,
) -> None:
    """Show one article: metadata, text, comments, its claims and every source it was found under.

    Example: storyline show 5d083d46
    """
    store = _store()
    article = store.article_by_url(article_id) if "://" in article_id else store.article(article_id)
    if article is None:
        _not_found(store, "article", article_id, "storyline articles")
    data = article.to_dict() | {
        "sources": store.sources(article.id),
        "claims": [c.to_dict() for c in store.claims([article.id])[article.id]],
    }
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{article.title or '(untitled)'}[/]")
    notes = [data["published_precision"]]
    if data["timezone_known"]:
        notes.append("zone known")
    if data["published_ambiguous"]:
        notes.append("day and month could be swapped")
    published = f"{data['published']} ({', '.join(notes)})" if article.published else "unknown"
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
    if data["claims"]:
        out.print("\n[bold]claims[/]")
        for claim in data["claims"]:
            parties = ", ".join(p["name"] + (f" ({p['role']})" if p["role"] else "") for p in claim["participants"])
            when = f" {claim['date']} ({claim['date_precision']})" if claim["date"] else ""
            out.print(f"  {claim['type']} [{claim['status']}]{when}: {parties}", markup=False)
            out.print(f"    “{claim['evidence']}”", markup=False)
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
    results = [
        hit | {"snippet": hit["snippet"].replace(HIT_START, "[").replace(HIT_END, "]")}
        for hit in _store().browse_search(query, limit).items
    ]
    if as_json:
        _print_json(results)
        return
    if not results:
        out.print(f"No articles match {query!r}.", markup=False)
    for hit in results:
        out.print(f"[bold]{hit['id'][:12]}[/] {hit['published'] or '-'} {hit['lang'] or '-'} {hit['title'] or ''}")
        out.print("    " + hit["snippet"].replace("\n", " "), markup=False)


@app.command("export")
def export_command(
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help=f"{', '.join(name for name, _ in FORMATS.builtins())}, or a plugin's (storyline plugins)."
        ),
    ] = "jsonl",
    output: Annotated[
        str | None, typer.Option(help="File to write (stdout when omitted; required for parquet).")
    ] = None,
    lang: LangOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    stories: Annotated[
        bool, typer.Option("--stories", help="Export the stories instead (JSONL): members and timelines.")
    ] = False,
) -> None:
    """Export articles with all their fields, their story id and their claims; or, with --stories, the stories.

    Example: storyline export --format parquet --output articles.parquet
    """
    store = _store()
    if stories:
        if fmt != "jsonl":
            err.print("[red]error:[/] --stories exports JSONL only (a story nests its members and timeline)")
            raise typer.Exit(EXIT_USAGE)
        count = export_stories(_story_records(store), output)
        if output:
            err.print(f"{count} stories written to {output}")
        return

    def annotate(chunk: list[Any]) -> dict[str, dict[str, Any]]:
        ids = [a.id for a in chunk]
        story_of, claims = store.story_ids_of(ids), store.claims(ids)
        return {i: {"story_id": story_of.get(i), "claims": [c.to_dict() for c in claims.get(i, [])]} for i in ids}

    count = export_articles(store.articles(_filter(lang, source, since, until)), fmt, output, annotate)
    if output:
        err.print(f"{count} articles written to {output}")


def _story_records(store: Store) -> Iterator[dict[str, Any]]:
    """Each story as the store holds it, its members by id (their articles are in the article export)."""
    for summary in store.browse_stories(limit=None).items:  # members by id: their texts are in the article export
        story = {k: v for k, v in summary.to_dict().items() if k not in ("recent", "rank", "recent_window")}
        members = store.story_members(story["id"])
        story["article_ids"] = [m.article_id for m in members]
        story["members"] = [
            {"article_id": m.article_id, "similarity": m.similarity, "duplicate_of": m.duplicate_of} for m in members
        ]
        story["timeline"] = [entry.to_dict() for entry in store.timeline(story["id"])]
        yield story


@app.command("errors")
def errors_command(as_json: JsonOption = False) -> None:
    """List what failed to ingest (or was repaired) and why.

    Example: storyline errors --json
    """
    stored = _store().browse_errors(limit=None).items
    if as_json:
        _print_json(stored)
        return
    if not stored:
        out.print("no errors recorded")
        return
    table = Table("severity", "stage", "where", "reason", box=None)
    for e in stored:
        where = f"{e['origin']} ({e['locator']})" if e["locator"] else e["origin"]
        table.add_row(e["severity"], e["stage"], where, e["reason"])
    out.print(table)


@app.command("stories")
def stories_command(
    limit: Annotated[int, typer.Option(help="At most this many.")] = 30,
    as_json: JsonOption = False,
) -> None:
    """List stories, those growing now and spread across languages and sources first.

    Example: storyline stories --limit 10 --json
    """
    found = _store().browse_stories(limit=limit).items
    if as_json:
        _print_json([story.to_dict() for story in found])
        return
    table = Table(box=None)
    table.add_column("id", no_wrap=True, min_width=14)
    table.add_column("size", justify="right")
    table.add_column("languages", no_wrap=True)
    table.add_column("first seen", no_wrap=True, min_width=10)
    table.add_column("last seen", no_wrap=True, min_width=10)
    table.add_column("label", no_wrap=True, overflow="ellipsis")
    for story in found:
        table.add_row(
            story.id,
            str(story.size),
            ",".join(story.languages),
            (story.first_seen or "-")[:10],
            (story.last_seen or "-")[:10],
            story.label or "",
        )
    out.print(table)


@app.command("story")
def story_command(
    story_id: Annotated[str, typer.Argument(help="Story id or a unique prefix of it.")], as_json: JsonOption = False
) -> None:
    """Show one story: its articles by date and language, sources and top entities.

    Example: storyline story st_5d083d462f28
    """
    store = _store()
    overview = store.story_overview(story_id)
    if overview is None:
        _not_found(store, "story", story_id, "storyline stories")
    # As the API's /api/stories/{id}, with every article on its one page.
    story = overview.to_dict() | {
        "articles": {"items": store.story_articles(overview.id, limit=None).items, "next_cursor": None}
    }
    if as_json:
        _print_json(story)
        return
    out.print(f"[bold]{story['label']}[/]", markup=True)
    # Each end of the span at its article's own precision (a day-precision date has no time to show).
    dated = [a["published"] for a in story["articles"]["items"] if a["published"]]
    span = f"{min(dated)} → {max(dated)}" if dated else "undated"
    out.print(f"{story['id']} | {story['size']} articles | {', '.join(story['languages'])} | {span}")
    for lang, label in story["labels"].items():
        out.print(f"  {lang}: {label}", markup=False)
    out.print("entities: " + ", ".join(f"{e['label']} ({e['type']})" for e in story["entities"]), markup=False)
    out.print("sources: " + ", ".join(story["sources"]), markup=False)
    table = Table(box=None)
    for column in ("published", "lang", "source", "similarity", "title"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for a in story["articles"]["items"]:
        similarity = "duplicate" if a["duplicate_of"] else f"{a['similarity']:.2f}"
        table.add_row(a["published"] or "-", a["lang"] or "-", a["source"] or "-", similarity, a["title"] or "")
    out.print(table)
    if overview.timeline:
        out.print("\n[bold]timeline[/] (what happened; status history: first report → latest)", markup=True)
        events = Table(box=None)
        for column in ("date", "event", "participants", "status", "history"):
            events.add_column(column, overflow="fold")
        for entry in overview.timeline:
            history = " → ".join(
                f"{step.status} ({step.lang or '?'}, {step.source or '?'}, {(step.published or 'undated')[:10]})"
                for step in entry.status_history
            )
            events.add_row(entry.date or "-", entry.type, ", ".join(entry.participants), entry.status, history)
        out.print(events)
        out.print(
            "\n[bold]backing[/] (of each event's latest status: independent sources, first report, first confirmation)",
            markup=True,
        )
        for entry in overview.timeline:
            out.print(
                f"  {entry.date or '-'} {entry.type} ({', '.join(entry.participants)}): {_timeline_backing(entry)}",
                markup=False,
            )
    changed = [r for r in overview.revisions if r.number > 1]
    if changed:
        out.print("\n[bold]changes[/] (pages read again whose text or headline had changed)", markup=True)
        for revision in changed:
            out.print(f"  {revision.recorded_at} {revision.article_id} revision {revision.number}: {revision.title}")
            for sentence in revision.removed:
                out.print(f"    - {sentence}", markup=False)
            for sentence in revision.added:
                out.print(f"    + {sentence}", markup=False)


def _timeline_backing(entry: TimelineEntry) -> str:
    """One line on how an entry's latest status is backed; timelines stored before these fields show what they have."""
    parts = [entry.status]
    if entry.independent_sources:
        n = entry.independent_sources
        parts.append(f"{n} independent source{'' if n == 1 else 's'}")
    for label, step in (("first", entry.first_report), ("confirmed", entry.confirmed_by)):
        if step:
            parts.append(f"{label} {step.source or '?'} {(step.published or 'undated')[:10]}")
    if entry.low_confidence:
        parts.append("LOW CONFIDENCE")
    return " · ".join(parts)


@app.command("recluster")
def recluster_command(claims: ClaimsOption = None, ner: NerOption = None, as_json: JsonOption = False) -> None:
    """Rebuild all stories from the stored articles (after a model change, for instance).

    Example: storyline recluster
    """
    from storyline.pipeline import recluster

    store = _store()
    report = recluster(store, _settings().but(claims=claims, ner=ner))
    summary = {
        "assigned": report.assigned,
        "stories": report.new_stories - report.merges,
        "duplicates": report.duplicates,
        "merges": report.merges,
    }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"{report.assigned} articles in {summary['stories']} stories "
            f"({report.duplicates} near-duplicates, {report.merges} merges)"
        )


sources_app = typer.Typer(
    help="The feeds the store follows: add, import (OPML), list, remove. Example: storyline sources list",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add_command(
    url: Annotated[str, typer.Argument(help="The feed's address (RSS or Atom, http or https).")],
    title: Annotated[str | None, typer.Option(help="A name to list it by.")] = None,
) -> None:
    """Follow a feed. Example: storyline sources add https://news.example.org/feed.xml"""
    from storyline.sources.subscriptions import feed_address

    address = feed_address(url)
    store = _store()
    added = store.add_feed(address, title)
    out.print(f"{'following' if added else 'already following'} {address}", markup=False)
    store.close()


@sources_app.command("import")
def sources_import_command(
    path: Annotated[str, typer.Argument(help="An OPML file, as feed readers export their subscriptions.")],
    as_json: JsonOption = False,
) -> None:
    """Follow every feed of a subscription list (folders included). Example: storyline sources import feeds.opml"""
    from storyline.sources.subscriptions import read_subscriptions

    try:
        with open(path, "rb") as handle:
            data = handle.read(DEFAULT_MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > DEFAULT_MAX_DOCUMENT_BYTES:
        raise ConfigurationError(f"{path} is larger than {DEFAULT_MAX_DOCUMENT_BYTES // 1_000_000} MB")
    found = read_subscriptions(data, path)
    store = _store()
    with store.transaction():
        added = sum(store.add_feed(url, title) for url, title in found.feeds)
    store.close()
    summary = {"feeds": len(found.feeds), "added": added, "skipped": found.skipped}
    if as_json:
        _print_json(summary)
        return
    out.print(f"{len(found.feeds)} feeds in {path}: {added} newly followed, {len(found.feeds) - added} already")
    for reason in found.skipped:
        err.print(f"  [yellow]skipped:[/] {reason}")


@sources_app.command("list")
def sources_list_command(as_json: JsonOption = False) -> None:
    """The feeds the store follows, and how reading them has gone. Example: storyline sources list --json"""
    feeds = _store().feeds()
    if as_json:
        _print_json([vars(feed) for feed in feeds])
        return
    table = Table(box=None)
    for column in ("feed", "title", "added", "last success", "last error", "items", "every", "next poll"):
        table.add_column(column, overflow="fold")
    for feed in feeds:
        table.add_row(
            feed.url,
            feed.title or "",
            feed.added_at[:10],
            (feed.last_success or "never")[:16],
            f"{feed.last_error} ({feed.failures} in a row)" if feed.last_error else "",
            str(feed.items_seen),
            _duration(feed.item_gap),
            (feed.next_poll or "now")[:16],
        )
    out.print(table)


def _duration(seconds: float | None) -> str:
    """'45 min', '3.5 h', '2.0 d'; '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 172800 else f"{seconds / 86400:.1f} d"


@sources_app.command("remove")
def sources_remove_command(
    url: Annotated[str, typer.Argument(help="The feed's address, as listed.")],
) -> None:
    """Stop following a feed; what was read from it stays. Example: storyline sources remove URL"""
    from storyline.sources.subscriptions import feed_address

    address = feed_address(url)
    store = _store()
    removed = store.remove_feed(address)
    store.close()
    if not removed:
        err.print(f"not following {address} (see storyline sources list)")
        raise typer.Exit(EXIT_NOT_FOUND)
    out.print(f"no longer following {address}", markup=False)


watchlists_app = typer.Typer(
    help="Saved story queries you follow. Example: storyline watchlists list",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(watchlists_app, name="watchlists")


@watchlists_app.command("add")
def watchlists_add_command(
    name: Annotated[str, typer.Argument(help="A name for it (its Atom feed is /feeds/watchlist/NAME).")],
    q: Annotated[str | None, typer.Option("--words", help="Words the story's articles contain (all of them).")] = None,
    lang: Annotated[str | None, typer.Option(help="A language the story has articles in (ISO 639-1).")] = None,
    source: Annotated[str | None, typer.Option(help="A site the story has articles from.")] = None,
    entity: Annotated[str | None, typer.Option(help="An entity key, e.g. org:leica (see storyline entities).")] = None,
    status: Annotated[str | None, typer.Option(help="A claim status in the story's timeline.")] = None,
    event: Annotated[str | None, typer.Option(help="An event type, e.g. acquisition, partnership_end.")] = None,
    story: Annotated[str | None, typer.Option(help="One story's id: follow that story.")] = None,
    webhook: Annotated[str | None, typer.Option(help="An http(s) address each alert is POSTed to as JSON.")] = None,
    secret: Annotated[
        str | None, typer.Option(help="The webhook's HMAC-SHA256 key (header X-Storyline-Signature).")
    ] = None,
) -> None:
    """Follow the stories a query matches: alerts when a new one appears or one changes (a rumour confirmed or
    denied, a new event, the first report in a language).

    Example: storyline watchlists add leica --entity org:leica
    """
    from storyline.model import Watchlist
    from storyline.pipeline.alerts import add_watchlist

    if status is not None and status not in CLAIM_STATUSES:
        err.print(f"--status must be one of {', '.join(CLAIM_STATUSES)}")
        raise typer.Exit(2)
    if webhook is not None and not webhook.lower().startswith(("http://", "https://")):
        err.print("--webhook must be an http(s) address")
        raise typer.Exit(2)
    watchlist = Watchlist(name, q, lang, source, entity, status, event, story, webhook, secret)
    if not watchlist.query():
        err.print("say what to follow: --words, --lang, --source, --entity, --status, --event or --story")
        raise typer.Exit(2)
    store = _store()
    added = add_watchlist(store, watchlist, _settings())
    store.close()
    if not added:
        err.print(f"a watchlist named {name!r} exists (see storyline watchlists list)")
        raise typer.Exit(1)
    out.print(f"following {name}: {watchlist.query()}", markup=False)


@watchlists_app.command("list")
def watchlists_list_command(as_json: JsonOption = False) -> None:
    """The watchlists, their queries and how many alerts each gave. Example: storyline watchlists list --json"""
    store = _store()
    counts = store.alert_counts()
    rows: list[dict[str, Any]] = [
        {
            "name": w.name,
            "query": w.query(),
            "webhook": w.webhook,
            "created_at": w.created_at,
            "alerts": counts.get(w.name, 0),
        }
        for w in store.watchlists()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(box=None)
    for column in ("name", "query", "webhook", "alerts"):
        table.add_column(column, overflow="fold")
    for row in rows:
        query = ", ".join(f"{k}={v}" for k, v in row["query"].items())
        table.add_row(row["name"], query, row["webhook"] or "", str(row["alerts"]))
    out.print(table)


@watchlists_app.command("remove")
def watchlists_remove_command(name: Annotated[str, typer.Argument(help="The watchlist's name.")]) -> None:
    """Stop following a watchlist; its alerts go with it. Example: storyline watchlists remove leica"""
    store = _store()
    removed = store.remove_watchlist(name)
    store.close()
    if not removed:
        err.print(f"no watchlist named {name!r} (see storyline watchlists list)")
        raise typer.Exit(EXIT_NOT_FOUND)
    out.print(f"removed {name}", markup=False)


@app.command("alerts")
def alerts_command(
    watchlist: Annotated[str | None, typer.Option(help="Only this watchlist's alerts.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The alerts given, newest first, with the evidence and the delivery log of their webhooks.

    Example: storyline alerts --watchlist leica
    """
    store = _store()
    alerts = store.alerts(watchlist, limit=limit).items
    deliveries = store.deliveries([a.id for a in alerts if a.id is not None])
    if as_json:
        _print_json([a.to_dict() | {"deliveries": [vars(d) for d in deliveries.get(a.id or 0, [])]} for a in alerts])
        return
    for alert in alerts:
        out.print(f"{alert.created_at} [{alert.watchlist}] {alert.title}", markup=False)
        if alert.detail.get("evidence"):
            where = ", ".join(str(alert.detail[k]) for k in ("lang", "source", "published") if alert.detail.get(k))
            out.print(f"    “{alert.detail['evidence']}” ({where})", markup=False)
        out.print(f"    story {alert.story_id}", markup=False)
        for d in deliveries.get(alert.id or 0, []):
            out.print(f"    webhook {d.url}: {d.status} after {d.attempts} attempts {d.last_error or ''}", markup=False)


@app.command("watch")
def watch_command(
    once: Annotated[bool, typer.Option("--once", help="Poll the feeds that are due once, then stop.")] = False,
    engine: Annotated[
        str | None, typer.Option(help="Where the pages' extraction and enrichment run: local or ray.")
    ] = None,
    ray_address: Annotated[str | None, typer.Option(help="A Ray cluster to run on; default a local Ray.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Follow the feeds of `storyline sources`: poll each when due, read new items' pages, update the stories.

    Example: storyline watch --once
    """
    import time
    from datetime import UTC, datetime

    from storyline.pipeline.scale import start_ray
    from storyline.pipeline.watch import fetch_policy, poll_due_feeds
    from storyline.sources.web import Fetcher

    settings, store = _settings().but(engine=engine, ray_address=ray_address), _store()
    if settings.engine not in ENGINES:
        err.print(f"--engine must be one of {', '.join(ENGINES)}")
        raise typer.Exit(2)
    if not store.feeds():
        err.print("no feeds followed yet: add some with storyline sources add URL (or sources import FILE.opml)")
        raise typer.Exit(EXIT_NOT_FOUND)
    fetcher = Fetcher(fetch_policy(settings))  # kept across rounds: robots.txt, connections, host pacing
    if settings.engine == "ray":
        start_ray(settings)  # for the whole watch: its workers keep their models between rounds
    try:
        while True:
            report = poll_due_feeds(store, settings, fetcher=fetcher)
            summary = {
                "polled": report.polled,
                "not_modified": report.not_modified,
                "failed": report.failed,
                "new_items": report.new_items,
                "new_articles": report.ingest.new_articles,
                "reread": report.reread,
                "revised_articles": report.ingest.revised_articles,
                "errors": len(report.ingest.errors),
                "assigned": report.stories.assigned if report.stories else 0,
            }
            if as_json:
                _print_json(summary)
            elif report.polled:
                out.print(
                    f"{datetime.now(UTC):%H:%M:%S} {report.polled} feeds polled ({report.not_modified} unchanged,"
                    f" {report.failed} failed): {report.new_items} new items, {report.ingest.new_articles} new articles,"
                    f" {report.ingest.revised_articles} revised"
                )
            if once:
                break
            upcoming = [f.next_poll for f in store.feeds() if f.next_poll]
            wait = 60.0
            if upcoming:
                due = datetime.strptime(min(upcoming), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
                wait = min(max((due - datetime.now(UTC)).total_seconds(), 1.0), 60.0)
            time.sleep(wait)
    except KeyboardInterrupt:
        err.print("stopped; the next watch goes on where this one stopped")
    finally:
        fetcher.close()
        store.close()


eval_app = typer.Typer(
    help="Measure storyline on labelled data. Example: storyline eval --help",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(eval_app, name="eval")


@eval_app.command("similarity")
def eval_similarity_command(
    path: Annotated[str, typer.Argument(help="Pairs in the SemEval-2022 Task 8 JSONL format.")],
    as_json: JsonOption = False,
) -> None:
    """Pearson of pair similarity with -Overall, and same-story P/R/F1 of streaming assignment, with baselines.

    Example: storyline eval similarity ../shared/bench/similarity/semeval2022-task8/dev.jsonl
    """
    from storyline.eval.similarity import evaluate

    try:
        figures = evaluate(path)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        _print_json(figures)
        return
    out.print(
        f"{figures['pairs']} pairs ({figures['scored_pairs']} scored for same story), {figures['stories']} stories"
    )
    out.print(f"\n{'Pearson with -Overall':28} {'all':>6} {'original':>9} {'translated':>11}")
    for name, r in figures["pearson"].items():
        out.print(f"  {name:26} {r['all']:6.3f} {r['original']:9.3f} {r['machine_translated']:11.3f}")
    out.print(f"\n{'same story':40} {'P':>6} {'R':>6} {'F1':>6}")
    for name, r in figures["same_story"].items():
        out.print(f"  {name:38} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f}")
    out.print(
        "\nPearson by language pair (storyline): "
        + ", ".join(f"{k} {v:.2f}" for k, v in figures["pearson"]["storyline"]["by_language_pair"].items())
    )


@app.command("plugins")
def plugins_command(as_json: JsonOption = False) -> None:
    """List the components storyline can use: the built-ins and what installed packages add (entry points).

    Example: storyline plugins
    """
    from storyline.enrich.claims import CLAIM_EXTRACTORS
    from storyline.enrich.embed import EMBEDDERS
    from storyline.enrich.entities import NER_BACKENDS
    from storyline.extract import EXTRACTORS
    from storyline.plugins import Registry
    from storyline.sources.files import READERS

    registries: list[Registry[Any]] = [READERS, EXTRACTORS, NER_BACKENDS, EMBEDDERS, CLAIM_EXTRACTORS, FORMATS]
    rows = [entry for registry in registries for entry in registry.registered()]
    if as_json:
        _print_json([vars(entry) for entry in rows])
        return
    table = Table(box=None, pad_edge=False)
    for column in ("group", "name", "provider", "loads"):
        table.add_column(column, no_wrap=column != "loads")
    for entry in rows:
        provider = entry.provider + (" (shadowed by the built-in)" if entry.shadowed else "")
        table.add_row(entry.group, entry.name, provider, entry.target)
    out.print(table)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(help=f"Token that enables POST /api/ingest (default ${ENV['token']}; without one, disabled)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    check: Annotated[
        bool, typer.Option("--check", help="Open the store and build the app, then exit without serving.")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The public address of the server (https://news.example.org): feed links point there"
            f" (default ${ENV['base_url']}).",
        ),
    ] = None,
) -> None:
    """Serve the web pages, the REST API (/api, schema at /api/openapi.json) and Atom feeds (/feeds).

    Run it with: storyline serve, then open http://127.0.0.1:8000
    Example: storyline serve --port 8080 --check
    """
    from storyline.web.app import create_app, serve

    settings = _settings().but(token=token, base_url=base_url)
    try:
        create_app(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}. Check the path given with --db or STORYLINE_DB.")
        raise typer.Exit(EXIT_DATABASE) from exc
    if check:
        out.print(
            f"ok: {settings.db} can be served; ingest through the API is "
            f"{'enabled' if settings.token else 'disabled (no --token or STORYLINE_TOKEN)'}"
        )
        return
    serve(settings, host, port, workers)
