"""Write stored articles out as JSONL, CSV or Parquet, each with its story and its claims; stories as JSONL."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from storyline.model import Article

FORMATS = ("jsonl", "csv", "parquet")
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


def export_articles(articles: Iterable[Article], fmt: str, output: str | None, annotate: Annotate | None = None) -> int:
    """Write articles to `output` (stdout when None, except for Parquet), with what `annotate` adds (the CLI:
    `story_id` and `claims`). Returns the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = _rows(articles, annotate)
    if fmt == "parquet":
        if not output:
            raise ValueError("Parquet is binary: give a file with --output")
        return _write_parquet(rows, Path(output))
    return _to_text(lambda stream: _write_text(rows, fmt, stream), output)


def export_stories(stories: Iterable[dict[str, Any]], output: str | None) -> int:
    """Write stories as JSONL, one a line: their fields, members (id, similarity, duplicate_of) and timeline."""

    def write(stream: io.TextIOBase) -> int:
        count = 0
        for story in stories:
            stream.write(json.dumps(story, ensure_ascii=False) + "\n")
            count += 1
        return count

    return _to_text(write, output)


def _to_text(write: Callable[[io.TextIOBase], int], output: str | None) -> int:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            return write(stream)
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        return write(stream)
    finally:
        stream.flush()
        stream.detach()  # leave sys.stdout usable


def _write_text(rows: Iterable[dict[str, Any]], fmt: str, stream: io.TextIOBase) -> int:
    count = 0
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
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


def _write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> int:
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
    with pq.ParquetWriter(path, schema) as writer:
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
