"""The records that flow through the pipeline: plain dataclasses, no behaviour beyond formatting."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DatePrecision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    MINUTE = "minute"


@dataclass(frozen=True)
class PublishedDate:
    """A date as precise as the input says, never more.

    `value` is naive when the time zone is unknown; the fields finer than `precision` are
    zero/one and carry no meaning. `ambiguous`: the date was written as numbers whose day and
    month could be swapped ('03-04-2021'), and nothing in the document decided which is which.
    """

    value: datetime
    precision: DatePrecision
    timezone_known: bool = False
    ambiguous: bool = False

    def isoformat(self) -> str:
        """ISO 8601 truncated to the precision: '2022', '2022-05', '2022-05-24', '2022-05-24T15:02'."""
        v = self.value
        if self.precision is DatePrecision.YEAR:
            return f"{v.year:04d}"
        if self.precision is DatePrecision.MONTH:
            return f"{v.year:04d}-{v.month:02d}"
        if self.precision is DatePrecision.DAY:
            return v.date().isoformat()
        if not self.timezone_known:
            v = v.replace(tzinfo=None)
        return v.isoformat(timespec="minutes")

    @classmethod
    def fromisoformat(cls, text: str, precision: str, timezone_known: bool, ambiguous: bool = False) -> PublishedDate:
        """Inverse of `isoformat`, used by the store."""
        prec = DatePrecision(precision)
        if prec is DatePrecision.YEAR:
            value = datetime(int(text[:4]), 1, 1)
        elif prec is DatePrecision.MONTH:
            value = datetime(int(text[:4]), int(text[5:7]), 1)
        else:
            value = datetime.fromisoformat(text)
        return cls(value, prec, timezone_known, ambiguous)


@dataclass
class RawDocument:
    """One document as a source found it, before any extraction.

    `origin` says where it came from precisely enough to find it again
    (a path, plus `locator` such as 'line 12' or 'record 3' inside archives and feeds).
    `hints` carries metadata the source itself states (JSONL fields, feed entry fields).
    """

    origin: str
    content: bytes | str
    media_type: str  # 'text/html', 'text/plain' or 'application/x-article' (structured hints only)
    url: str | None = None
    locator: str | None = None
    charset: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.origin} ({self.locator})" if self.locator else self.origin


@dataclass
class Article:
    """A clean news article: what every later stage works on."""

    id: str
    title: str | None
    text: str
    lang: str | None = None
    lang_confidence: float | None = None
    published: PublishedDate | None = None
    source: str | None = None  # site domain without 'www.'
    url: str | None = None  # the address it was ingested from (else the page's canonical URL)
    canonical_url: str | None = None  # the canonical URL its page states
    sitename: str | None = None
    authors: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    truncated: bool = False  # an aggregator snippet or teaser that the source cut short
    origin: str = ""
    extractor: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape of an article (`storyline articles --json`)."""
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "lang": self.lang,
            "lang_confidence": self.lang_confidence,
            "published": self.published.isoformat() if self.published else None,
            "published_precision": self.published.precision.value if self.published else None,
            "timezone_known": self.published.timezone_known if self.published else False,
            "published_ambiguous": self.published.ambiguous if self.published else False,
            "source": self.source,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "sitename": self.sitename,
            "authors": list(self.authors),
            "comments": list(self.comments),
            "truncated": self.truncated,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class IngestError:
    """A document (or part of one) that a stage could not take, and why.

    `severity` is 'error' when nothing was stored for it, 'warning' when it was stored after a repair.
    """

    origin: str
    stage: str  # 'source', 'decode', 'extract', 'store'
    reason: str
    locator: str | None = None
    severity: str = "error"

    @property
    def where(self) -> str:
        return f"{self.origin} ({self.locator})" if self.locator else self.origin


# Short texts collide (two different "Video" pages); above this many words the text alone is identity.
_MIN_WORDS_FOR_TEXT_IDENTITY = 40
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_for_identity(text: str) -> str:
    """Case, accents' composition, punctuation and spacing removed: what identity is computed on."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def article_id(text: str, canonical_url: str | None = None) -> str:
    """Content identity: the same text gives the same id whatever URL or file it came from.

    For short texts the canonical URL (when known) is part of the identity, so two different
    pages that only say "Video" or "Live ticker" stay two articles.

    >>> article_id("Hello,  World!") == article_id("hello world")
    True
    """
    normalized = normalize_for_identity(text)
    key = normalized
    if canonical_url and normalized.count(" ") + 1 < _MIN_WORDS_FOR_TEXT_IDENTITY:
        key = f"{canonical_url}\n{normalized}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class EntityCount:
    """One entity an article mentions, aggregated over its mentions."""

    key: str  # shared across languages and spellings: 'country:US', 'org:huawei'
    label: str
    type: str  # ORG, PER, LOC, PRODUCT, QUANTITY, MISC
    count: int


@dataclass
class Analysis:
    """What enrichment found in an article: the inputs of story assignment."""

    article_id: str
    embedder: str
    embedding: Any  # numpy float32 vector, L2-normalized, rounded to what the store keeps
    minhash: Any  # numpy uint32 signature
    entities: list[EntityCount] = field(default_factory=list)
    ner: str = ""  # the statistical NER backend that helped find the entities ('' for the rules alone)


@dataclass(frozen=True)
class Participant:
    """An entity taking part in a claimed event."""

    key: str  # entity key, as in EntityCount
    name: str
    type: str
    role: str | None = None  # 'agent', 'partner', 'target', 'acquirer', ... where the sentence says


@dataclass(frozen=True)
class Claim:
    """One event an article's sentence reports, how sure the reporting is, and its evidence.

    `status`: rumoured, reported, confirmed, planned or denied. `start`/`end` are the evidence
    sentence's character span in the article's text (title claims are in the text prefixed by
    nothing: the title is not part of the text, so title claims carry start = end = -1).
    """

    type: str
    status: str
    participants: tuple[Participant, ...]
    evidence: str
    start: int
    end: int
    date: str | None = None  # ISO, truncated to its precision
    date_precision: str | None = None  # year, month, day
    attribution: str | None = None  # who says it: a participant, another outlet, 'unnamed sources'
    confidence: float | None = None  # how sure the extractor is that the sentence reports such an event

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "status": self.status,
            "participants": [{"key": p.key, "name": p.name, "type": p.type, "role": p.role} for p in self.participants],
            "date": self.date,
            "date_precision": self.date_precision,
            "attribution": self.attribution,
            "evidence": self.evidence,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }


@dataclass
class StoryRecord:
    """A story as the store keeps it between runs: what assignment reloads, and what the views list.

    Dates are 'YYYY-MM-DDTHH:MM:SS' of the members' publication (None while no member is dated);
    `languages`, `sources` and `entities` count articles (entities: mentions) per key.
    """

    id: str
    number: int  # its key in the in-memory ANN index
    label: str
    labels: dict[str, str]  # language -> headline of its most central article in that language
    first_seen: str | None
    last_seen: str | None
    languages: dict[str, int]
    sources: dict[str, int]
    entities: dict[str, float]
    size: int  # members that shaped the centroid (not near-duplicates)
    members: int
    centroid: Any  # numpy float32 sum of the members' embeddings
    exemplars: list[str]  # article ids the assignment compares new articles with
    created_seq: int
    updated_seq: int


@dataclass(frozen=True)
class StoryMember:
    """An article's place in its story."""

    article_id: str
    story_id: str
    similarity: float  # the assignment score when it joined (1 for the founder)
    duplicate_of: str | None  # the near-duplicate it copies, when it is one
    assigned_seq: int
