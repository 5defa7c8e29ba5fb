"""A story's timeline: the same event across articles and languages as one entry with its status history.

Claims of the story's articles join one entry when they have the same type, share their parties
(two of them, or the only one either names) and do not name products or years that differ.
Each article adds one step to the entry's status history: its confirmation if it quotes one, else
a denial, else its hedges ("sources say") over a terse headline's plain statement;
steps go by publication date. An undated article's step goes where its status fits: before the
first dated step that is surer than it (a rumour precedes the confirmation it anticipates), so
"rumoured in an undated blog → confirmed by the company" reads in that order.

How well an entry's latest status is backed: by how many independent sources (copies of one wire
text, linked by the story's `duplicate_of`, count once, and so do articles of one site), who
reported it first and who confirmed it first; and whether it rests only on claims the extractor
was unsure of (`confidence` < 0.5; a claim without one counts as sure).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from storyline.model import TimelineEntry, TimelineReport, TimelineStep

_SURENESS = {"rumoured": 0, "planned": 1, "reported": 2, "confirmed": 3, "denied": 3}
# Which claim speaks for an article: a statement it quotes, then a denial, then its hedges over a terse headline.
_ARTICLE_VOICE = {"reported": 0, "planned": 1, "rumoured": 2, "denied": 3, "confirmed": 4}
_PRECISION = {"year": 0, "month": 1, "week": 2, "day": 3}
LOW_CONFIDENCE = 0.5  # a status that rests only on claims below this is marked low_confidence


@dataclass
class _Entry:
    type: str
    keys: dict[str, str] = field(default_factory=dict)  # participant key -> name
    support: dict[str, int] = field(default_factory=dict)  # participant key -> claims naming it
    claims: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (claim, article)


def _keys(claim: dict[str, Any], kind: str | None = None) -> set[str]:
    return {p["key"] for p in claim["participants"] if kind is None or p["type"] == kind}


def _matches(entry: _Entry, claim: dict[str, Any]) -> bool:
    if claim["type"] != entry.type:
        return False
    keys = _keys(claim)
    shared = keys & set(entry.keys)
    if len(shared) < min(2, len(keys), len(entry.keys)) or not shared:
        return False
    products = _keys(claim, "PRODUCT")
    known = {k for c, _ in entry.claims for k in _keys(c, "PRODUCT")}
    if products and known and not products & known:
        return False
    years = {c["date"][:4] for c, _ in entry.claims if c["date"]}
    return not (claim["date"] and years and all(abs(int(claim["date"][:4]) - int(y)) > 1 for y in years))


def _order(steps: list[TimelineStep]) -> list[TimelineStep]:
    dated = sorted((s for s in steps if s.published), key=lambda s: (s.published or "", s.article_id))
    for step in (s for s in steps if not s.published):
        at = next((i for i, d in enumerate(dated) if _SURENESS[d.status] > _SURENESS[step.status]), len(dated))
        dated.insert(at, step)
    return dated


class _Origins:
    """Which articles are copies of one text: each article with what it duplicates, transitively (union-find)."""

    def __init__(self, articles: list[dict[str, Any]]) -> None:
        self._parent: dict[str, str] = {}
        for article in articles:
            if article.get("duplicate_of"):
                self.join(article["id"], article["duplicate_of"])

    def root(self, key: str) -> str:
        while self._parent.get(key, key) != key:
            key = self._parent[key]
        return key

    def join(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


def _independent_sources(steps: list[TimelineStep], copies: _Origins) -> int:
    """Distinct origins of these steps: the copies of one text are one, and so are the articles of one site."""
    groups = _Origins([])
    for step in steps:
        if step.source:
            groups.join("text:" + copies.root(step.article_id), "site:" + step.source.lower().removeprefix("www."))
    return len({groups.root("text:" + copies.root(s.article_id)) for s in steps})


def _report(step: TimelineStep | None) -> TimelineReport | None:
    return TimelineReport(step.article_id, step.source, step.published, step.status) if step else None


def build_timeline(articles: list[dict[str, Any]], claims: dict[str, list[dict[str, Any]]]) -> list[TimelineEntry]:
    """Timeline entries of a story from its articles (dicts as `Article.to_dict()`) and their claims.

    An article dict may carry `duplicate_of` (the story member it copies, as `story_members` holds it):
    copies then count as one source in `independent_sources`.

    >>> a = {"id": "a1", "source": "blog.de", "published": None, "lang": "de"}
    >>> b = {"id": "b1", "source": "news.it", "published": "2022-05-24", "lang": "it"}
    >>> party = lambda n: {"key": "name:" + n, "name": n, "type": "ORG", "role": None}
    >>> claim = lambda s, d: {"type": "partnership_end", "status": s, "participants": [party("x"), party("y")],
    ...                       "date": d, "date_precision": "day" if d else None, "evidence": s, "attribution": None}
    >>> [entry] = build_timeline([b, a], {"a1": [claim("rumoured", None)], "b1": [claim("confirmed", "2022-03-31")]})
    >>> [step.status for step in entry.status_history], entry.status, entry.date
    (['rumoured', 'confirmed'], 'confirmed', '2022-03-31')
    >>> entry.independent_sources, entry.first_report.source, entry.confirmed_by.source
    (1, 'blog.de', 'news.it')
    """
    entries: list[_Entry] = []
    ordered = sorted(articles, key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))
    for article in ordered:
        for claim in claims.get(article["id"], []):
            entry = next((e for e in entries if _matches(e, claim)), None)
            if entry is None:
                entry = _Entry(claim["type"])
                entries.append(entry)
            for party in claim["participants"]:
                entry.keys.setdefault(party["key"], party["name"])
                entry.support[party["key"]] = entry.support.get(party["key"], 0) + 1
            entry.claims.append((claim, article))
    copies = _Origins(articles)
    return sorted((_timeline_entry(e, copies) for e in entries), key=lambda t: (t.date is None, t.date or "", t.id))


def _confidence(claim: dict[str, Any]) -> float:
    value = claim.get("confidence")
    return 1.0 if value is None else float(value)  # extractors that give none are taken as sure


def _timeline_entry(entry: _Entry, copies: _Origins) -> TimelineEntry:
    by_article: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for claim, article in entry.claims:
        held = by_article.get(article["id"])
        if held is None or _ARTICLE_VOICE[claim["status"]] > _ARTICLE_VOICE[held[0]["status"]]:
            by_article[article["id"]] = (claim, article)
    history = _order(
        [
            TimelineStep(
                status=c["status"],
                article_id=a["id"],
                source=a.get("source"),
                published=a.get("published"),
                lang=a.get("lang"),
                evidence=c["evidence"],
                date=c["date"],
                attribution=c.get("attribution"),
                confidence=_confidence(c),
            )
            for c, a in by_article.values()
        ]
    )
    # The date of the event: the surest, most precise one any article gives.
    dated = [c for c, _ in entry.claims if c["date"]]
    best = max(dated, key=lambda c: (_SURENESS[c["status"]], _PRECISION.get(c["date_precision"], 0)), default=None)
    # Parties: those named by at least half the claims, the most named first (a rumour's extra candidates drop out).
    most = max(entry.support.values(), default=0)  # a claim may name no party (an LLM's, a plugin's)
    keys = sorted((k for k, n in entry.support.items() if n * 2 >= most), key=lambda k: (-entry.support[k], k))
    first, status = history[0], history[-1].status
    latest = [s for s in history if s.status == status]
    identity = f"{entry.type}|{'|'.join(sorted(keys))}|{first.article_id}"
    return TimelineEntry(
        id=hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12],
        type=entry.type,
        participants=[entry.keys[k] for k in keys],
        participant_keys=keys,
        date=best["date"] if best else None,
        date_precision=best["date_precision"] if best else None,
        status=status,
        status_history=history,
        evidence_count=len(entry.claims),
        independent_sources=_independent_sources(latest, copies),
        first_report=_report(first),
        confirmed_by=_report(next((s for s in history if s.status == "confirmed"), None)),
        low_confidence=all(s.confidence < LOW_CONFIDENCE for s in latest),
    )
