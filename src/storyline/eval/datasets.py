"""Readers for the development benchmark sets in ../shared/bench (see its README for the formats)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storyline.settings import Settings

DEFAULT_BENCH = Path(__file__).resolve().parents[3] / ".." / "shared" / "bench"


def bench_dir(path: str | Path | None = None) -> Path:
    """The benchmark folder: the argument, else the `bench` setting ($STORYLINE_BENCH), else ../shared/bench beside
    the repo (benchmarks and tests are entry points: they read the settings here)."""
    return Path(path or Settings.from_env().bench or DEFAULT_BENCH).resolve()


def split_of(identifier: str, salt: str = "claims-split") -> str:
    """'dev' or 'test', half each, by a hash that does not depend on anything tuned (`salt`: one split per data set)."""
    return "test" if int(hashlib.sha1(f"{salt}:{identifier}".encode()).hexdigest(), 16) % 2 else "dev"


def _read_page(path: Path) -> bytes:
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@dataclass(frozen=True)
class SnippetPage:
    """A page with snippets that must (with) and must not (without) appear in the main text."""

    url: str
    html: bytes
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]


@dataclass(frozen=True)
class BodyPage:
    url: str
    html: bytes
    body: str


@dataclass(frozen=True)
class DatedPage:
    url: str
    html: bytes
    date: str | None  # YYYY-MM-DD, None when the gold has none


def trafilatura_eval(root: Path | None = None, limit: int | None = None) -> Iterator[SnippetPage]:
    folder = bench_dir(root) / "extraction" / "trafilatura-eval"
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    for i, (url, item) in enumerate(sorted(data.items())):
        if limit is not None and i >= limit:
            return
        yield SnippetPage(
            url,
            _read_page(folder / "html" / item["file"]),
            tuple(item.get("with") or ()),
            tuple(item.get("without") or ()),
        )


def scrapinghub(root: Path | None = None, limit: int | None = None) -> Iterator[BodyPage]:
    folder = bench_dir(root) / "extraction" / "scrapinghub"
    data = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for i, (page_id, item) in enumerate(sorted(data.items())):
        if limit is not None and i >= limit:
            return
        yield BodyPage(item.get("url") or page_id, _read_page(folder / "html" / f"{page_id}.html"), item["articleBody"])


def mediacloud_dates(root: Path | None = None, limit: int | None = None) -> Iterator[DatedPage]:
    folder = bench_dir(root) / "dates" / "htmldate-mediacloud2020"
    data = json.loads((folder / "eval.json").read_text(encoding="utf-8"))
    for i, (url, item) in enumerate(sorted(data.items())):
        if limit is not None and i >= limit:
            return
        gold = item.get("date")
        gold = gold if isinstance(gold, str) and len(gold) >= 10 and gold[:4].isdigit() else None
        yield DatedPage(url, _read_page(folder / "html" / item["file"]), gold)
