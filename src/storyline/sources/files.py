"""Local inputs: files, directories (recursive), globs and stdin, in every shape storyline reads.

Shapes, by extension (with or without `.gz`) and otherwise by content:
  .txt .text           a pasted page or aggregator snippet (plain text)
  .html .htm .xhtml    a web page
  .jsonl .ndjson       one article per line: {"url", "title", "text" or "html", "published", "lang", "source"}
  .json                one such article object, or an array of them
  .warc                a web archive (HTML response records)
  .xml .rss .atom      an RSS or Atom feed (each entry an article)
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyline.extract.encoding import describe_binary
from storyline.model import IngestError, RawDocument
from storyline.sources.feeds import read_feed
from storyline.sources.warc import read_warc

DEFAULT_MAX_DOCUMENT_BYTES = 20_000_000
STDIN = "-"

_KIND_BY_SUFFIX = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".shtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".warc": "warc", ".arc": "warc",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".feed": "feed",
}
_GLOB_CHARS = set("*?[")


def expand_paths(paths: list[str]) -> Iterator[str | IngestError]:
    """Files to read, in a stable order: each argument's files sorted; hidden files are skipped."""
    for arg in paths:
        if arg == STDIN:
            yield STDIN
            continue
        path = Path(arg).expanduser()
        if not path.exists() and not path.is_symlink() and _GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                yield IngestError(arg, "source", "the pattern matched no files")
            for match in matches:
                yield from expand_paths([match]) if os.path.isdir(match) else [match]
            continue
        if path.is_dir():
            yield from _walk(path)
        elif path.exists() or path.is_symlink():
            yield str(path)
        else:
            yield IngestError(arg, "source", "no such file or directory")


def _walk(root: Path) -> Iterator[str | IngestError]:
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(folder, name)
    for error in errors:
        yield IngestError(str(error.filename or root), "source", f"cannot read directory: {error.strerror}")


def _kind(name: str, head: bytes) -> str:
    """The shape of a document, from its name and else its first bytes."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in _KIND_BY_SUFFIX:
        return _KIND_BY_SUFFIX[suffixes[-1]]
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if start.startswith(b"warc/"):
        return "warc"
    if b"<rss" in start or b"<feed" in start or b"<rdf:rdf" in start:
        return "feed"
    if start.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in start or b"<p>" in start:
        return "html"
    if start.startswith(b"{"):
        return "jsonl"
    return "text"


def _read_all(stream: io.BufferedIOBase, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge()
    return data


class _TooLarge(Exception):
    pass


def read_path(path: str, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Iterator[RawDocument | IngestError]:
    """Every document in one file (or stdin), and an error for whatever cannot be read."""
    try:
        yield from _read(path, max_bytes)
    except _TooLarge:
        yield IngestError(path, "source", f"larger than the {max_bytes / 1e6:.0f} MB document limit (raise it with --max-mb)")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield IngestError(path, "source", f"truncated or corrupt gzip data: {exc or 'unexpected end of file'}")
    except PermissionError:
        yield IngestError(path, "source", "permission denied")
    except IsADirectoryError:
        yield IngestError(path, "source", "is a directory")
    except OSError as exc:
        yield IngestError(path, "source", f"cannot read: {exc.strerror or exc}")


def _read(path: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    if path == STDIN:
        data = _read_all(sys.stdin.buffer, max_bytes)
        if data[:2] == b"\x1f\x8b":
            data = _read_all(gzip.GzipFile(fileobj=io.BytesIO(data)), max_bytes)
        yield from _documents(STDIN, _kind("", data[:4096]), data, max_bytes)
        return
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        yield IngestError(path, "source", "not a regular file (a device, socket or pipe)")
        return
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        kind = _kind(path, head)
        if kind == "warc":
            # fastwarc reads gzip members itself and so keeps every record before a cut.
            raw.seek(0)
            yield from read_warc(raw, path, max_bytes)
        elif kind == "jsonl":
            yield from _read_jsonl(stream, path, max_bytes)
        else:
            yield from _documents(path, kind, _read_all(stream, max_bytes), max_bytes)


def _documents(origin: str, kind: str, data: bytes, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    if not data.strip():
        yield IngestError(origin, "source", "empty file")
        return
    if kind == "warc":
        yield from read_warc(io.BytesIO(data), origin, max_bytes)
    elif kind == "jsonl":
        yield from _read_jsonl(io.BytesIO(data), origin, max_bytes)
    elif kind == "json":
        yield from _read_json(data, origin)
    elif kind == "feed":
        yield from read_feed(data, origin)
    else:
        yield RawDocument(origin, data, "text/html" if kind == "html" else "text/plain")


# JSONL fields and what they become; anything else is ignored.
JSONL_FIELDS = ("url", "title", "text", "html", "published", "lang", "source", "authors", "sitename")


def _read_jsonl(stream: io.BufferedIOBase, origin: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    seen_any = False
    for number, line in enumerate(stream, 1):
        if len(line) > max_bytes:
            yield IngestError(origin, "source", f"line longer than the {max_bytes / 1e6:.0f} MB document limit", f"line {number}")
            continue
        if not line.strip():
            continue
        seen_any = True
        record = _parse_jsonl_line(line)
        if isinstance(record, str):
            yield IngestError(origin, "source", record, f"line {number}")
        else:
            yield _record_document(record, origin, f"line {number}")
    if not seen_any:
        yield IngestError(origin, "source", "empty file")


def _read_json(data: bytes, origin: str) -> Iterator[RawDocument | IngestError]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield IngestError(origin, "source", f"invalid JSON: {exc}")
        return
    records = parsed if isinstance(parsed, list) else [parsed]
    for index, record in enumerate(records, 1):
        if isinstance(record, dict):
            yield _record_document(record, origin, f"item {index}" if isinstance(parsed, list) else None)
        else:
            yield IngestError(origin, "source", f"expected a JSON object, found {type(record).__name__}", f"item {index}")


def _record_document(record: dict[str, Any], origin: str, locator: str | None) -> RawDocument | IngestError:
    hints = {k: record[k] for k in JSONL_FIELDS if record.get(k) not in (None, "", [])}
    url = hints.get("url") if isinstance(hints.get("url"), str) else None
    if isinstance(hints.get("html"), str):
        return RawDocument(origin, hints.pop("html"), "text/html", url=url, locator=locator, hints=hints)
    if isinstance(hints.get("text"), str):
        return RawDocument(origin, hints.pop("text"), "application/x-article", url=url, locator=locator, hints=hints)
    return IngestError(origin, "source", 'record has neither "text" nor "html" (see the JSONL format in the README)', locator)


def _parse_jsonl_line(line: bytes) -> dict[str, Any] | str:
    """The record on a line, or the reason it is not one."""
    kind = describe_binary(line)
    if kind:
        return f"binary content: looks like {kind}"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = line.decode("utf-8", errors="replace")
        if text.count("\ufffd") > 3:
            return f"invalid UTF-8 at byte {exc.start}"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(record, dict):
        return f"expected a JSON object, found {type(record).__name__}"
    return record
