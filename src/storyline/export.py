"""Write stored articles out as JSONL, CSV or Parquet."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storyline.model import Article

FORMATS = ("jsonl", "csv", "parquet")
_CSV_LISTS = ("authors", "comments")


def _rows(articles: Iterable[Article]) -> Iterable[dict[str, Any]]:
    return (a.to_dict() for a in articles)


def export_articles(articles: Iterable[Article], fmt: str, output: str | None) -> int:
    """Write articles to `output` (stdout when None, except for Parquet). Returns the count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not output:
            raise ValueError("Parquet is binary: give a file with --output")
        return _write_parquet(_rows(articles), Path(output))
    if output:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            return _write_text(articles, fmt, stream)
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        return _write_text(articles, fmt, stream)
    finally:
        stream.flush()
        stream.detach()  # leave sys.stdout usable


def _write_text(articles: Iterable[Article], fmt: str, stream: io.TextIOBase) -> int:
    count = 0
    if fmt == "jsonl":
        for row in _rows(articles):
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer: csv.DictWriter[str] | None = None
    for row in _rows(articles):
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

    schema = pa.schema([
        ("id", pa.string()), ("title", pa.string()), ("text", pa.string()), ("lang", pa.string()),
        ("lang_confidence", pa.float64()), ("published", pa.string()), ("published_precision", pa.string()),
        ("timezone_known", pa.bool_()), ("published_ambiguous", pa.bool_()), ("source", pa.string()),
        ("url", pa.string()), ("sitename", pa.string()),
        ("authors", pa.list_(pa.string())), ("comments", pa.list_(pa.string())), ("truncated", pa.bool_()),
        ("origin", pa.string()),
    ])
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) == 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count
