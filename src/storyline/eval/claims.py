"""The claims evaluation on real news: SemEval-2022 Task 8 dev articles, sentences annotated by us.

The annotations (`benchmarks/data/claims_news/annotations.jsonl`) name each sentence by its article's id
(a hash of the repaired text) and character offsets, never by its text: the texts stay in ../shared.
Articles are split into dev and test by a hash of their id (`split_of`), fixed before any tuning.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import ftfy

from storyline.eval.datasets import split_of


@dataclass(frozen=True)
class NewsArticle:
    id: str
    lang: str
    text: str


def article_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def dev_articles(path: str | Path) -> list[NewsArticle]:
    """The distinct texts of the SemEval pairs file, mojibake repaired, with their language."""
    seen: dict[str, NewsArticle] = {}
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            for text, lang in ((row["text1"], row["lang1"]), (row["text2"], row["lang2"])):
                clean = ftfy.fix_text(text).strip()
                if clean:
                    key = article_id(clean)
                    seen.setdefault(key, NewsArticle(key, lang, clean))
    return list(seen.values())


# Frozen with the annotations: a change here would move the offsets they were written against.
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"”»’']))\s+(?=[\"“«„‘'(]?[^\s\w]?[A-ZÀ-ÖØ-ÞĀ-ŽА-ЯΑ-Ω0-9])|(?<=[。！？])|\n+"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets of a text, the line breaks and CJK full stops included as ends."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = match.end()
    piece = text[start:]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + len(piece.rstrip())))
    return [(s, e) for s, e in spans if e - s >= 2]


def sentence_hash(sentence: str) -> str:
    return hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class GoldEvent:
    type: str
    status: str
    participants: tuple[str, ...]
    date: str | None
    date_precision: str | None
    attribution: str | None


@dataclass(frozen=True)
class GoldSentence:
    article_id: str
    lang: str
    split: str
    start: int
    end: int
    events: tuple[GoldEvent, ...]
    sha: str | None = None  # of the sentence as annotated: a mismatch means the text moved


def load_annotations(path: str | Path) -> list[GoldSentence]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        events = tuple(
            GoldEvent(
                e["type"],
                e["status"],
                tuple(p["name"] if isinstance(p, dict) else p for p in e.get("participants", [])),
                e.get("date"),
                e.get("date_precision"),
                e.get("attribution"),
            )
            for e in row.get("events", [])
        )
        out.append(
            GoldSentence(
                row["article_id"],
                row["lang"],
                split_of(row["article_id"]),
                row["start"],
                row["end"],
                events,
                row.get("sha"),
            )
        )
    return out
