"""The records that flow through the pipeline: plain dataclasses, no behaviour beyond formatting."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
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


@dataclass(frozen=True)
class TimelineStep:
    """One article's word on an event: the status it gives, where and when it said so, and its sentence."""

    status: str
    article_id: str
    source: str | None
    published: str | None
    lang: str | None
    evidence: str  # the sentence, in the article's language
    date: str | None  # the event's date as this article gives it
    attribution: str | None = None
    confidence: float = 1.0  # how sure the extractor is that the sentence reports such an event


@dataclass(frozen=True)
class TimelineReport:
    """Who reported an event first, or confirmed it: the article, its site, its date and the status it gave."""

    article_id: str
    source: str | None
    published: str | None
    status: str


@dataclass
class TimelineEntry:
    """One claimed event of a story: what, who, when, and how sure the reporting is, oldest word first.

    `status` is the latest surest word; `independent_sources` counts the origins behind it (copies of one text
    and articles of one site are one); `low_confidence`: every claim behind it is one the extractor doubts.
    """

    id: str
    type: str
    participants: list[str]  # names, the most named first
    participant_keys: list[str]
    date: str | None
    date_precision: str | None
    status: str
    status_history: list[TimelineStep]
    evidence_count: int
    independent_sources: int | None  # None in timelines stored before it was counted
    first_report: TimelineReport | None
    confirmed_by: TimelineReport | None
    low_confidence: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As JSON keeps it; `first_reported` (first_report without its status) is kept for older readers."""
        data = asdict(self)
        first = data["first_report"]
        data["first_reported"] = {k: first[k] for k in ("article_id", "source", "published")} if first else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimelineEntry:
        """From `to_dict`'s JSON, including timelines stored by older versions (fewer fields)."""
        history = [
            TimelineStep(
                status=step["status"],
                article_id=step["article_id"],
                source=step.get("source"),
                published=step.get("published"),
                lang=step.get("lang"),
                evidence=step.get("evidence") or "",
                date=step.get("date"),
                attribution=step.get("attribution"),
                confidence=float(step.get("confidence", 1.0)),
            )
            for step in data.get("status_history", [])
        ]

        def report(value: dict[str, Any] | None, status: str | None = None) -> TimelineReport | None:
            if not value:
                return None
            return TimelineReport(
                value["article_id"], value.get("source"), value.get("published"), value.get("status") or status or ""
            )

        first = report(data.get("first_report")) or report(
            data.get("first_reported"), history[0].status if history else None
        )
        return cls(
            id=data["id"],
            type=data["type"],
            participants=list(data.get("participants", [])),
            participant_keys=list(data.get("participant_keys", [])),
            date=data.get("date"),
            date_precision=data.get("date_precision"),
            status=data["status"],
            status_history=history,
            evidence_count=int(data.get("evidence_count", len(history))),
            independent_sources=data.get("independent_sources"),
            first_report=first,
            confirmed_by=report(data.get("confirmed_by")),
            low_confidence=bool(data.get("low_confidence", False)),
        )


@dataclass(frozen=True)
class EntityRef:
    """An entity as a story shows it: its key, its name, its type, and how often the story's articles name it."""

    key: str
    label: str
    type: str
    mentions: int


@dataclass(frozen=True)
class RecentWindow:
    """The week a story's `recent` count is of: up to the newest article in the store, or (today) up to now."""

    until: str | None
    today: bool


@dataclass(frozen=True)
class StorySummary:
    """What a list of stories shows of one: sizes, languages, sites, top entities, claim statuses and its rank."""

    id: str
    label: str | None
    labels: dict[str, str]  # language -> headline
    size: int  # articles
    languages: list[str]  # most articles first
    language_counts: dict[str, int]
    sources: list[str]  # sites, most articles first (the top five; every one in a StoryOverview)
    n_sources: int
    first_seen: str | None
    last_seen: str | None
    entities: list[EntityRef]  # the top six (twenty in a StoryOverview)
    statuses: dict[str, int]  # claim status -> events of the timeline with that status
    recent: int  # articles of the week in `recent_window`
    rank: float  # (recent + 1) x spread: the growth order
    recent_window: RecentWindow | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StoryOverview(StorySummary):
    """A story as its page shows it: its summary with every source, more entities, its timeline, and every text
    of its articles whose page changed (`revisions`, newest first, the first text of each included)."""

    source_counts: dict[str, int] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    revisions: list[ArticleRevision] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "timeline": [entry.to_dict() for entry in self.timeline],
            "revisions": [revision.to_dict() for revision in self.revisions],
        }


@dataclass(frozen=True)
class ArticleRevision:
    """One text an article has had: a page read again whose text or headline had changed is kept as a revision
    of the same article (its id stays), the newest text in the article itself and every one here, first first.

    `removed` and `added` are the sentences of the previous revision gone from this one and new in it (empty
    for the first); `content_id` is this text's content identity, so reading the same text again is no news.
    """

    article_id: str
    number: int  # 1: the text first stored
    content_id: str
    title: str | None
    text: str
    recorded_at: str  # ISO 8601 UTC, when this text was read
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"removed": list(self.removed), "added": list(self.added)}


@dataclass(frozen=True)
class FeedItem:
    """An item of a followed feed that has been read: when first, what the feed said of it then, and when its
    page is read again to catch corrections (None: no more)."""

    item: str  # its link (or its place in the feed when it has none)
    first_read: str  # ISO 8601 UTC
    stamp: str | None = None  # the feed's updated (else published) date of the item when it was read
    next_check: str | None = None


@dataclass(frozen=True)
class WatchedFeed:
    """A feed the store follows (`storyline sources`), with how reading it has gone so far.

    Times are ISO 8601 UTC; the health fields stay empty until a watcher has polled the feed.
    """

    url: str
    title: str | None
    added_at: str
    last_success: str | None = None
    last_error: str | None = None  # the reason of the last failed poll
    failures: int = 0  # failed polls in a row (a feed that keeps failing is backed off)
    items_seen: int = 0
    next_poll: str | None = None
    etag: str | None = None  # the validators of the last answer, for a conditional request
    last_modified: str | None = None
    item_gap: float | None = None  # seconds between two new items on average, as they were first read


@dataclass(frozen=True)
class Watchlist:
    """A saved query over stories (`storyline watchlists`): a story matches when it passes every field given, as
    the story list's filters read them (words in its articles, a language, a site, an entity key, a claim status),
    has an event of `event_type`, or is `story`. Alerts on matching stories go to its Atom feed, to `storyline
    alerts` and, when `webhook` is set, to that address, signed with `secret` (HMAC-SHA256)."""

    name: str
    q: str | None = None
    lang: str | None = None
    source: str | None = None
    entity: str | None = None
    status: str | None = None
    event_type: str | None = None
    story: str | None = None
    webhook: str | None = None
    secret: str | None = None
    created_at: str = ""

    def query(self) -> dict[str, str]:
        """The fields of its query that are set."""
        fields = ("q", "lang", "source", "entity", "status", "event_type", "story")
        return {name: value for name in fields if (value := getattr(self, name))}


ALERT_KINDS = ("new_story", "status_change", "new_event", "new_language", "independent_confirmation")


@dataclass(frozen=True)
class Alert:
    """A change a watchlist's reader cares about, in one story: it matches for the first time (new_story), an
    event's status changed to confirmed or denied (status_change), an event of a new type (new_event), the first
    article in a language (new_language), or a confirmation backed by a second independent source.

    `subject` tells apart alerts of one kind in one story (an event and status, a language, a type): each
    (watchlist, story, kind, subject) alerts once. `detail` holds the evidence: sentence, language, site, article.
    """

    watchlist: str
    story_id: str
    kind: str
    subject: str
    title: str
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # given by the store
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Delivery:
    """An alert's delivery to a webhook: pending (attempts so far, next_attempt), delivered, or failed (given up)."""

    alert_id: int
    url: str
    status: str  # pending | delivered | failed
    attempts: int = 0
    last_error: str | None = None
    next_attempt: str | None = None
    delivered_at: str | None = None
