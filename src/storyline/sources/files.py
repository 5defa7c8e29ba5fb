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

import fnmatch
import glob
import gzip
import io
import json
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from storyline.model import IngestError, RawDocument
from storyline.plugins import Registry
from storyline.sources.feeds import read_feed
from storyline.sources.warc import read_warc
from storyline.text.encoding import describe_binary

DEFAULT_MAX_DOCUMENT_BYTES = 20_000_000
STDIN = "-"

_GLOB_CHARS = set("*?[")


def expand_paths(paths: list[str]) -> Iterator[str | IngestError]:
    """Files to read, in a stable order: each argument's files sorted; hidden files are skipped.

    Each real file comes once, however many arguments, globs or symlinks lead to it. Symlinked folders
    are followed, but a folder is entered once: a link back to a folder being read (a loop) or to one
    already read is not followed again, and said with a warning.
    """
    expansion = _Expansion()
    for arg in paths:
        if arg == STDIN:
            yield STDIN
        else:
            yield from expansion.argument(arg)


# What a file or folder is, whatever the path to it: (device, inode), or the resolved path where the
# file system has no inode numbers.
_Identity = tuple[int, int] | str


def _identity(st: os.stat_result, path: str) -> _Identity:
    return (st.st_dev, st.st_ino) if st.st_ino else os.path.realpath(path or os.curdir)


class _Expansion:
    """The state of one `expand_paths` call: the files given so far, the folders read, the warnings said."""

    def __init__(self) -> None:
        self.files: set[_Identity] = set()
        self.folders: dict[_Identity, str] = {}  # every folder a walk has entered, and where
        self.warned: set[str] = set()
        self.pending: list[IngestError] = []

    def argument(self, arg: str) -> Iterator[str | IngestError]:
        path = Path(arg).expanduser()
        if not path.exists() and not path.is_symlink() and _GLOB_CHARS & set(arg):
            matches = sorted(_glob(arg, self.warn))
            if not matches:
                yield IngestError(arg, "source", "the pattern matched no files")
            for match in matches:
                yield from self.walk(Path(match)) if os.path.isdir(match) else self.file(match)
        elif path.is_dir():
            yield from self.walk(path)
        elif path.exists() or path.is_symlink():
            yield from self.file(str(path))
        else:
            yield IngestError(arg, "source", "no such file or directory")
        yield from self.flush()

    def file(self, path: str) -> Iterator[str]:
        try:
            key = _identity(os.stat(path), path)
        except OSError:  # a broken link, or no access: the path itself is what read_path will report on
            try:
                key = _identity(os.lstat(path), path)
            except OSError:
                key = os.path.abspath(path)
        if key not in self.files:
            self.files.add(key)
            yield path

    def walk(self, root: Path) -> Iterator[str | IngestError]:
        """Every file under a folder, folder by folder, sorted; a folder another walk read is not read again."""
        errors: list[OSError] = []
        for path, is_dir in _tree(str(root), self.folders, self.warn, errors):
            if not is_dir:
                yield from self.file(path)
        yield from self.flush()
        for error in errors:
            yield IngestError(str(error.filename or root), "source", f"cannot read directory: {error.strerror}")

    def warn(self, path: str, reason: str) -> None:
        if os.path.normpath(path) not in self.warned:
            self.warned.add(os.path.normpath(path))
            self.pending.append(IngestError(path, "source", reason, severity="warning"))

    def flush(self) -> Iterator[IngestError]:
        yield from self.pending
        self.pending.clear()


# Linux opens no path through more than 40 symbolic links, counting those inside link targets.
_MAX_LINKS_IN_A_PATH = 16


def _tree(
    root: str,
    seen: dict[_Identity, str],
    warn: Callable[[str, str], None],
    errors: list[OSError],
    dirs_only: bool = False,
) -> Iterator[tuple[str, bool]]:
    """(path, is a folder) for all under `root` ('' for the current folder), sorted, hidden names skipped.

    First the folders reached without a symbolic link, top-down as os.walk goes; then those that links
    lead to, and so on. Each folder is entered once: one in `seen` (entered before; `root` included) is
    not entered again, and a link to it is reported as a warning, as a loop when it leads back to a folder
    above it. Each entry is looked at once, so the cost is linear. A path through many links (which the
    system would refuse to open) goes on from the folder's real path.
    """
    try:
        top = _identity(os.stat(root or os.curdir), root)
    except OSError as exc:
        errors.append(exc)
        return
    if top in seen:
        return
    seen[top] = root
    stack: list[tuple[str, int, bool]] = [(root, 0, False)]  # a folder, the links in its path, reached by a link
    links: list[tuple[str, int, bool]] = []  # links to folders, met in this round, for the next one
    while stack or links:
        if not stack:
            stack, links = links[::-1], []
        folder, hops, by_link = stack.pop()
        if by_link:
            try:
                key = _identity(os.stat(folder), folder)
            except OSError as exc:
                errors.append(exc)
                continue
            if key in seen:
                first = seen[key]
                if _is_within(os.path.dirname(folder), first):
                    warn(folder, f"folder loop: leads back to {first or os.curdir}; not followed")
                else:
                    warn(folder, f"same folder as {first}, read there; not read again")
                continue
            if hops > _MAX_LINKS_IN_A_PATH:
                folder, hops = os.path.realpath(folder), 0
            seen[key] = folder
            yield folder, True
        try:
            with os.scandir(folder or os.curdir) as listing:
                entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as exc:
            errors.append(exc)
            continue
        below: list[tuple[str, int, bool]] = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            if not _is_dir(entry):
                if not dirs_only:
                    yield path, False
            elif entry.is_symlink():
                links.append((path, hops + 1, True))
            else:
                try:
                    key = _identity(entry.stat(), path)
                except OSError as exc:
                    errors.append(exc)
                    continue
                if key not in seen:  # else a folder already read by another path (a bind mount, a link)
                    seen[key] = path
                    below.append((path, hops, False))
                    yield path, True
        stack.extend(reversed(below))


def _is_within(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or under it, as written ('' is the current folder: over every relative path)."""
    base = folder.rstrip(os.sep)
    return not folder or path == base or path.startswith(base + os.sep)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _glob(pattern: str, warn: Callable[[str, str], None]) -> Iterator[str]:
    """What glob.glob(pattern, recursive=True) matches, but a `**` enters each folder once.

    glob follows symlinked folders under `**` without end when they loop.
    """
    return (path for path in _iglob(pattern, False, warn) if path)


def _iglob(pattern: str, dirs_only: bool, warn: Callable[[str, str], None]) -> Iterator[str]:
    folder, name = os.path.split(pattern)
    if not glob.has_magic(pattern):
        if os.path.lexists(pattern) if name else os.path.isdir(folder):
            yield pattern
        return
    folders = _iglob(folder, True, warn) if folder and folder != pattern and glob.has_magic(folder) else [folder]
    for parent in folders:
        yield from _glob_in(parent, name, dirs_only, warn)


def _glob_in(folder: str, name: str, dirs_only: bool, warn: Callable[[str, str], None]) -> Iterator[str]:
    """The paths in `folder` ('' for the current one) that one component of a pattern matches."""
    if name == "**":
        if not folder or os.path.isdir(folder):
            yield os.path.join(folder, "")
            yield from (path for path, _ in _tree(folder, {}, warn, [], dirs_only))
    elif glob.has_magic(name):
        try:
            with os.scandir(folder or os.curdir) as listing:
                names = [e.name for e in listing if not dirs_only or _is_dir(e)]
        except OSError:
            return
        if not name.startswith("."):
            names = [n for n in names if not n.startswith(".")]
        yield from (os.path.join(folder, n) for n in fnmatch.filter(names, name))
    elif os.path.lexists(os.path.join(folder, name)) if name else os.path.isdir(folder):
        yield os.path.join(folder, name)


class _Readable(Protocol):
    """What _read_all needs: a file, a GzipFile or a BytesIO."""

    def read(self, size: int, /) -> bytes: ...


def _read_all(stream: _Readable, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge()
    return data


class _TooLarge(Exception):
    pass


Reader = Callable[[io.BufferedIOBase, str, int], Iterator[RawDocument | IngestError]]


@dataclass(frozen=True)
class SourceReader:
    """One shape of input (what a `storyline.sources` plugin provides): the file suffixes that name it, a test
    of a document's first bytes for when no suffix does, and how to read its documents from a byte stream.

    `read(stream, origin, max_bytes)` yields RawDocuments, and an IngestError for each part it cannot read;
    a stream longer than it may read raises nothing of its own: `read_whole` stops at `max_bytes`. A plugin
    that yields a media type of its own registers an extractor for it (`storyline.extractors`).
    """

    read: Reader
    suffixes: tuple[str, ...] = ()  # lower case, with the dot: (".warc", ".arc"); a trailing .gz is looked through
    sniff: Callable[[bytes], bool] | None = None  # given the first 4 KB (after gzip), when no suffix decided
    own_compression: bool = False  # reads gzip itself (fastwarc keeps every WARC record before a cut)


def read_whole(parse: Callable[[bytes, str], Iterator[RawDocument | IngestError]]) -> Reader:
    """A reader for shapes parsed whole (a page, a feed): the bytes up to the size limit; none is an error."""

    def read(stream: io.BufferedIOBase, origin: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
        data = _read_all(stream, max_bytes)
        if not data.strip():
            yield IngestError(origin, "source", "empty file")
            return
        yield from parse(data, origin)

    return read


def _start(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()


def _page(media_type: str) -> Callable[[bytes, str], Iterator[RawDocument | IngestError]]:
    def parse(data: bytes, origin: str) -> Iterator[RawDocument | IngestError]:
        yield RawDocument(origin, data, media_type)

    return parse


def _read_warc(stream: io.BufferedIOBase, origin: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    return read_warc(stream, origin, max_bytes)


def read_path(path: str, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Iterator[RawDocument | IngestError]:
    """Every document in one file (or stdin), and an error for whatever cannot be read."""
    try:
        yield from _read(path, max_bytes)
    except _TooLarge:
        yield IngestError(
            path, "source", f"larger than the {max_bytes / 1e6:.0f} MB document limit (raise it with --max-mb)"
        )
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield IngestError(path, "source", f"truncated or corrupt gzip data: {exc or 'unexpected end of file'}")
    except PermissionError:
        yield IngestError(path, "source", "permission denied")
    except IsADirectoryError:
        yield IngestError(path, "source", "is a directory")
    except OSError as exc:
        yield IngestError(path, "source", f"cannot read: {exc.strerror or exc}")


@dataclass(frozen=True)
class Upload:
    """A document given in memory (a POST to the API): read like a file, named by what the client said."""

    data: bytes
    origin: str  # how errors and sources name it: "upload feed.jsonl (2,310 bytes, 2025-10-06T09:12:03Z)"
    name: str = ""  # the client's name for it: its suffix says the shape, as a file's does


def read_upload(upload: Upload, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Iterator[RawDocument | IngestError]:
    """Every document in an upload, and an error for whatever cannot be read (the same code as for files)."""
    try:
        yield from _read_bytes(upload.data, upload.origin, upload.name, max_bytes)
    except _TooLarge:
        yield IngestError(upload.origin, "source", f"larger than the {max_bytes / 1e6:.0f} MB document limit")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield IngestError(upload.origin, "source", f"truncated or corrupt gzip data: {exc or 'unexpected end of file'}")


def _read_bytes(data: bytes, origin: str, name: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    if len(data) > max_bytes:
        raise _TooLarge()
    if data[:2] == b"\x1f\x8b":
        data = _read_all(gzip.GzipFile(fileobj=io.BytesIO(data)), max_bytes)
    yield from _reader(name, data[:4096]).read(io.BytesIO(data), origin, max_bytes)


def _read(path: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    if path == STDIN:
        yield from _read_bytes(_read_all(sys.stdin.buffer, max_bytes), STDIN, "", max_bytes)
        return
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        yield IngestError(path, "source", "not a regular file (a device, socket or pipe)")
        return
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw) if compressed else raw
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        reader = _reader(path, head)
        if reader.own_compression:
            raw.seek(0)
            stream = raw
        yield from reader.read(stream, path, max_bytes)


# JSONL fields and what they become; anything else is ignored.
JSONL_FIELDS = ("url", "title", "text", "html", "published", "lang", "source", "authors", "sitename")


def _read_jsonl(stream: io.BufferedIOBase, origin: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    seen_any = False
    for number, line in enumerate(stream, 1):
        if len(line) > max_bytes:
            yield IngestError(
                origin, "source", f"line longer than the {max_bytes / 1e6:.0f} MB document limit", f"line {number}"
            )
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
            yield IngestError(
                origin, "source", f"expected a JSON object, found {type(record).__name__}", f"item {index}"
            )


def _record_document(record: dict[str, Any], origin: str, locator: str | None) -> RawDocument | IngestError:
    hints = {k: record[k] for k in JSONL_FIELDS if record.get(k) not in (None, "", [])}
    url = hints.get("url") if isinstance(hints.get("url"), str) else None
    if isinstance(hints.get("html"), str):
        return RawDocument(origin, hints.pop("html"), "text/html", url=url, locator=locator, hints=hints)
    if isinstance(hints.get("text"), str):
        return RawDocument(origin, hints.pop("text"), "application/x-article", url=url, locator=locator, hints=hints)
    return IngestError(
        origin, "source", 'record has neither "text" nor "html" (see the JSONL format in the README)', locator
    )


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


READERS: Registry[SourceReader] = Registry("storyline.sources", "source reader")
# In this order the built-in sniffers are tried (a plugin's first); plain text is what is left.
READERS.register(
    "warc",
    SourceReader(_read_warc, (".warc", ".arc"), lambda head: _start(head).startswith(b"warc/"), own_compression=True),
    "storyline.sources.warc:read_warc",
)
READERS.register(
    "feed",
    SourceReader(
        read_whole(read_feed),
        (".xml", ".rss", ".atom", ".feed"),
        lambda head: any(tag in _start(head) for tag in (b"<rss", b"<feed", b"<rdf:rdf")),
    ),
    "storyline.sources.feeds:read_feed",
)
READERS.register(
    "html",
    SourceReader(
        read_whole(_page("text/html")),
        (".html", ".htm", ".xhtml", ".shtml"),
        lambda head: (
            _start(head).startswith((b"<!doctype html", b"<html", b"<?xml"))
            or any(tag in _start(head) for tag in (b"<body", b"<p>"))
        ),
    ),
    "storyline.sources.files:RawDocument(text/html)",
)
READERS.register(
    "jsonl",
    SourceReader(_read_jsonl, (".jsonl", ".ndjson"), lambda head: _start(head).startswith(b"{")),
    "storyline.sources.files:_read_jsonl",
)
READERS.register("json", SourceReader(read_whole(_read_json), (".json",)), "storyline.sources.files:_read_json")
_FALLBACK = READERS.register(
    "text",
    SourceReader(read_whole(_page("text/plain")), (".txt", ".text", ".md")),
    "storyline.sources.files:RawDocument(text/plain)",
)


def _reader(name: str, head: bytes) -> SourceReader:
    """The reader of a document, from its name (built-in suffixes first) and else its first bytes (plugins first)."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    builtins = [reader for _, reader in READERS.builtins()]
    plugins = [reader for _, reader in READERS.plugins()]
    if suffixes:
        for reader in builtins + plugins:
            if suffixes[-1] in reader.suffixes:
                return reader
    for reader in plugins + builtins:
        if reader.sniff is not None and reader.sniff(head):
            return reader
    return _FALLBACK
