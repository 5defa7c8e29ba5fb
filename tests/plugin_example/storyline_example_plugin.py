"""An example plugin, one component per hook, as a third-party package would write it (tests install it).

A made-up wire format: a file starting with 'WIRE/1', then 'Title:' and 'Date:' lines, a blank line, the
body. It goes through every group: a source reader, an extractor for its media type, a NER backend, an
embedder, a claim extractor and an export format.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

import numpy as np

from storyline.export import ExportFormat
from storyline.extract.dates import parse_date
from storyline.model import Article, Claim, IngestError, RawDocument
from storyline.settings import Settings
from storyline.sources.files import SourceReader, read_whole

WIRE_TYPE = "text/x-wire"


def _wire_documents(data: bytes, origin: str) -> Iterator[RawDocument | IngestError]:
    # One file may hold several stories, separated by a line of '%%'.
    for number, part in enumerate(data.split(b"\n%%\n"), 1):
        if part.strip():
            yield RawDocument(origin, part, WIRE_TYPE, locator=f"story {number}")
        else:
            yield IngestError(origin, "source", "empty wire story", f"story {number}")


reader = SourceReader(read_whole(_wire_documents), (".wire",), lambda head: head.startswith(b"WIRE/1"))


def extract_wire(text: str, raw: RawDocument) -> dict[str, Any]:
    head, _, body = text.partition("\n\n")
    fields = dict(line.split(":", 1) for line in head.splitlines()[1:] if ":" in line)
    return {
        "title": fields.get("Title", "").strip() or None,
        "published": parse_date(fields.get("Date", "").strip()),
        "source": "wire.example",
        "text": body.strip(),
    }


def shouting_entities(text: str, lang: str | None) -> list[tuple[int, int, str]]:
    """Words written in capitals of three letters or more are organisations."""
    return [(m.start(), m.end(), "ORG") for m in re.finditer(r"\b[A-Z]{3,}\b", text)]


class HashingEmbedder:
    """Words hashed into 64 dimensions: texts sharing words are close."""

    name, dim = "hashing", 64

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def embed(self, texts: Iterable[str]) -> np.ndarray:
        rows = []
        for text in texts:
            row = np.zeros(self.dim, dtype=np.float32)
            for word in re.findall(r"\w+", text.lower()):
                row[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1
            rows.append(row / (np.linalg.norm(row) or 1))
        return np.array(rows, dtype=np.float32).reshape(-1, self.dim)


def said_claims(settings: Settings) -> Any:
    def extract(article: Article) -> list[Claim]:
        claims = []
        for match in re.finditer(r"[^.]*\bannounced\b[^.]*\.", article.text):
            claims.append(Claim("other", "reported", (), match.group().strip(), match.start(), match.end()))
        return claims

    return extract


def _write_tsv(rows: Iterable[dict[str, Any]], stream: IO[bytes]) -> int:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    count = 0
    for row in rows:
        text.write(f"{row['id']}\t{row['title'] or ''}\t{row['story_id'] or ''}\n")
        count += 1
    text.flush()
    text.detach()
    return count


tsv = ExportFormat(_write_tsv)
