"""WARC archives (plain or gzip): each HTML response record is one document."""

from __future__ import annotations

import io
from collections.abc import Iterator

from fastwarc.warc import ArchiveIterator, WarcRecordType

from storyline.model import IngestError, RawDocument

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _split_http(block: bytes) -> tuple[dict[str, str], bytes] | None:
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = block.partition(b"\n\n")
    if not sep or not head.startswith(b"HTTP/"):
        return None
    headers = {}
    for line in head.decode("latin-1").splitlines()[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, body


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def read_warc(stream: io.BufferedIOBase, origin: str, max_bytes: int) -> Iterator[RawDocument | IngestError]:
    """HTML responses of a WARC file, in file order; truncated or oversized records become errors."""
    count = 0
    for count, record in enumerate(ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=False), 1):
        locator = f"record {count}"
        url = record.headers.get("WARC-Target-URI")
        # fastwarc returns a short block rather than raising when the file ends early.
        block = record.reader.read(max_bytes + 1)
        if len(block) > max_bytes:
            yield IngestError(origin, "source", f"record larger than {max_bytes // 1_000_000} MB ({url})", locator)
            continue
        if len(block) < record.content_length:
            yield IngestError(
                origin,
                "source",
                f"truncated WARC record: {len(block)} of {record.content_length} bytes ({url}); the file was cut short",
                locator,
            )
            return
        http = _split_http(block)
        if http is None:
            yield IngestError(origin, "source", f"response record without an HTTP message ({url})", locator)
            continue
        headers, body = http
        content_type = headers.get("content-type", "text/html")
        if not content_type.lower().startswith(_HTML_TYPES):
            continue
        yield RawDocument(origin, body, "text/html", url=url, locator=locator, charset=_charset(content_type))
    if count == 0:
        yield IngestError(origin, "source", "no WARC response records found (is this a WARC file?)")
