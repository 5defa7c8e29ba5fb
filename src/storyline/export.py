"""Write stored articles out as JSONL, CSV or Parquet (or a plugin's format), each with its story and its claims;
stories as JSONL."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from storyline.errors import ConfigurationError
from storyline.model import Article
from storyline.plugins import Registry

_CSV_LISTS = ("authors", "comments", "claims")  # JSON text in a CSV cell
_CHUNK = 500

# What an export adds to each article: its story id and claims (or nothing), for a chunk of articles at a time.
Annotate = Callable[[list[Article]], dict[str, dict[str, Any]]]


def _rows(articles: Iterable[Article], annotate: Annotate | None) -> Iterator[dict[str, Any]]:
    iterator = iter(articles)
    while chunk := list(islice(iterator, _CHUNK)):
        extra = annotate(chunk) if annotate else {}
        for article in chunk:
            yield article.to_dict() | {"story_id": None, "claims": []} | extra.get(article.id, {})


@dataclass(frozen=True)
class ExportFormat:
    """One way to write articles out (a `storyline.exporters` plugin is one of these).

    `write(rows, stream)` writes the rows (dicts: every Article field, `story_id` and `claims`) to a binary
    stream and returns how many it wrote."""

    write: Callable[[Iterable[dict[str, Any]], IO[bytes]], int]
    binary: bool = False  # never to a terminal: needs --output


def export_articles(articles: Iterable[Article], fmt: str, output: str | None, annotate: Annotate | None = None) -> int:
    """Write articles to `output` (stdout when None, except for binary formats), with what `annotate` adds (the
    CLI: `story_id` and `claims`). Returns the count."""
    export = FORMATS.get(fmt)
    if export.binary and not output:
        raise ConfigurationError(f"{fmt} is binary: give a file with --output")
    return _write(export, _rows(articles, annotate), output)


def export_stories(stories: Iterable[dict[str, Any]], output: str | None) -> int:
    """Write stories as JSONL, one a line: their fields, members (id, similarity, duplicate_of) and timeline."""
    return _write(FORMATS.get("jsonl"), stories, output)


def _write(export: ExportFormat, rows: Iterable[dict[str, Any]], output: str | None) -> int:
    if output:
        with open(output, "wb") as stream:
            return export.write(rows, stream)
    return export.write(rows, sys.stdout.buffer)


def _text(
    write: Callable[[Iterable[dict[str, Any]], io.TextIOBase], int],
) -> Callable[[Iterable[dict[str, Any]], IO[bytes]], int]:
    def write_bytes(rows: Iterable[dict[str, Any]], stream: IO[bytes]) -> int:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        try:
            return write(rows, text)
        finally:
            text.flush()
            text.detach()  # leave the stream (stdout) usable

    return write_bytes


def _write_jsonl(rows: Iterable[dict[str, Any]], stream: io.TextIOBase) -> int:
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_csv(rows: Iterable[dict[str, Any]], stream: io.TextIOBase) -> int:
    count = 0
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        for key in _CSV_LISTS:
            row[key] = json.dumps(row[key], ensure_ascii=False)
        if writer is None:
            writer = csv.DictWriter(stream, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        count += 1
    return count


def _write_parquet(rows: Iterable[dict[str, Any]], stream: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("text", pa.string()),
            ("lang", pa.string()),
            ("lang_confidence", pa.float64()),
            ("published", pa.string()),
            ("published_precision", pa.string()),
            ("timezone_known", pa.bool_()),
            ("published_ambiguous", pa.bool_()),
            ("source", pa.string()),
            ("url", pa.string()),
            ("canonical_url", pa.string()),
            ("sitename", pa.string()),
            ("authors", pa.list_(pa.string())),
            ("comments", pa.list_(pa.string())),
            ("truncated", pa.bool_()),
            ("origin", pa.string()),
            ("story_id", pa.string()),
            ("claims", pa.string()),
        ]
    )
    count = 0
    with pq.ParquetWriter(stream, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row | {"claims": json.dumps(row["claims"], ensure_ascii=False)})  # JSON text, as in CSV
            count += 1
            if len(batch) == 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count


FORMATS: Registry[ExportFormat] = Registry("storyline.exporters", "export format")
FORMATS.register("jsonl", ExportFormat(_text(_write_jsonl)), "storyline.export:_write_jsonl")
FORMATS.register("csv", ExportFormat(_text(_write_csv)), "storyline.export:_write_csv")
FORMATS.register("parquet", ExportFormat(_write_parquet, binary=True), "storyline.export:_write_parquet")
