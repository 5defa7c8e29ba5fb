"""The store contract (`storyline.store.base`), run on every backend: SQLite and PostgreSQL.

Each test runs once per backend, through `open_store` and the public contract only (no SQL, no private
attributes), and expects the same values from both: what one backend answers, the other must answer too.
Most read tests share one small corpus (`populate`): five stories of thirteen articles in three languages,
dated in 2021 so that "the last 7 days before now" holds none of them.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from storyline.errors import CursorError
from storyline.model import (
    Alert,
    Analysis,
    Article,
    Claim,
    DatePrecision,
    EntityCount,
    FeedItem,
    IngestError,
    Participant,
    PublishedDate,
    StoryMember,
    StoryRecord,
    TimelineEntry,
    TimelineReport,
    TimelineStep,
    article_id,
)
from storyline.store import ArticleFilter, Page, Store, StoryFilter, open_store
from storyline.store.base import HIT_END, HIT_START, STORY_SORTS

DIM = 8  # embedding dimensions


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = str(tmp_path / "s.db") if request.param == "sqlite" else request.getfixturevalue("postgres_db_url")
    opened = open_store(url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def reopen(store: Store) -> Iterator[Callable[..., Store]]:
    """Opens another store (a connection of its own) on the same file or database as `store`."""
    opened: list[Store] = []

    def open_again(read_only: bool = False) -> Store:
        opened.append(open_store(store.url, read_only=read_only))
        return opened[-1]

    yield open_again
    for other in opened:
        other.close()


# --- small builders ---------------------------------------------------------------------------------------


def when(*parts: int) -> PublishedDate:
    """(y, m, d) is a day, (y, m, d, h, min) a minute."""
    return PublishedDate(datetime(*parts), DatePrecision.DAY if len(parts) == 3 else DatePrecision.MINUTE)


def make(text: str, **fields: Any) -> Article:
    fields.setdefault("title", "T")
    return Article(id=article_id(text), text=text, origin="test", extractor="test", **fields)


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def analysis(article: Article, seed: int, entities: tuple[tuple[str, str, str], ...] = (), **fields: Any) -> Analysis:
    signature = np.random.default_rng(seed + 1000).integers(0, 2**32, 16, dtype=np.uint64).astype(np.uint32)
    return Analysis(
        article.id,
        fields.get("embedder", "test"),
        unit(seed),
        signature,
        [EntityCount(key, label, kind, 1) for key, label, kind in entities],
    )


def kept(vector: Any) -> np.ndarray:
    """A vector as the store keeps it: rounded to float16, read back as float32."""
    return np.asarray(vector, dtype=np.float32).astype(np.float16).astype(np.float32)


def story(story_id: str, seq: int, **fields: Any) -> StoryRecord:
    values: dict[str, Any] = {
        "id": story_id,
        "number": seq,
        "label": story_id,
        "labels": {},
        "first_seen": None,
        "last_seen": None,
        "languages": {},
        "sources": {},
        "entities": {},
        "size": 1,
        "members": 1,
        "centroid": np.zeros(DIM, np.float32),
        "exemplars": [],
        "created_seq": seq,
        "updated_seq": seq,
    }
    return StoryRecord(**(values | fields))


def assert_same_record(got: StoryRecord, want: StoryRecord) -> None:
    assert got.centroid.dtype == np.float32 and np.array_equal(got.centroid, want.centroid)
    assert replace(got, centroid=None) == replace(want, centroid=None)


def assert_same_analysis(got: Analysis, want: Analysis) -> None:
    assert got.embedding.dtype == np.float32 and np.array_equal(got.embedding, kept(want.embedding))
    assert got.minhash.dtype == np.uint32 and np.array_equal(got.minhash, want.minhash)
    assert (got.article_id, got.embedder, got.entities) == (want.article_id, want.embedder, want.entities)


def ids(items: list[Any]) -> list[str]:
    """The ids of articles, stories, members or list items (dicts), in order; strings are ids already."""
    found = []
    for item in items:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.append(item["id"])
        else:
            found.append(item.article_id if isinstance(item, StoryMember) else item.id)
    return found


def walk(read: Callable[[str | None], Page], limit: int) -> list[dict[str, Any]]:
    """Every item of a list read `limit` at a time, each page continuing the previous one's cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = read(cursor)
        assert len(page.items) <= limit
        items += page.items
        if page.next_cursor is None:
            return items
        assert len(page.items) == limit  # only the last page is short
        cursor = page.next_cursor
        assert len(items) < 1000, "the cursor does not advance"


def assert_pages(
    read: Callable[[int | None, str | None], Page],
    limits: tuple[int, ...] = (1, 2, 3),
    key: Callable[[Any], Any] = lambda item: item["id"] if isinstance(item, dict) else item.id,
) -> list[Any]:
    """The whole list (limit=None, one page) and what every paging of it reads: the same items, no repeats."""
    full = read(None, None)
    assert full.next_cursor is None
    everything = [key(item) for item in full.items]
    assert len(set(everything)) == len(everything)
    for limit in limits:
        paged = [key(item) for item in walk(lambda cursor, limit=limit: read(limit, cursor), limit)]
        assert paged == everything, f"limit {limit}"
    return everything


# --- the shared corpus ------------------------------------------------------------------------------------

HUAWEI = ("org:huawei", "Huawei", "ORG")
LEICA = ("org:leica", "Leica", "ORG")
ANNA = ("per:anna", "Anna", "PER")
BERLIN = ("loc:berlin", "Berlin", "LOC")


@dataclass(frozen=True)
class Spec:
    name: str
    story: str | None
    lang: str
    source: str
    date: tuple[int, ...] | None
    text: str
    entities: tuple[tuple[str, str, str], ...] = ()
    duplicate_of: str | None = None


# In ingestion order, which is not publication order.
CORPUS = (
    Spec("b2", "st_beta", "fr", "z.example", (2021, 10, 4, 8, 0), "Anna présente le port de plaisance de Marseille.", (ANNA,)),
    Spec("a1", "st_alpha", "de", "x.example", (2021, 9, 10, 8, 0), "Die Zusammenarbeit mit Huawei endet, sagt Leica über die Kooperation.", (HUAWEI, LEICA)),
    Spec("d1", "st_delta", "de", "w.example", None, "Huawei baut ein neues Werk in Ungarn.", (HUAWEI,)),
    Spec("a2", "st_alpha", "en", "y.example", (2021, 9, 11), "Huawei and its camera partner part ways after five years.", (HUAWEI,)),
    Spec("g1", "st_gamma", "en", "x.example", (2021, 9, 15, 8, 0), "Berlin opens a new tram line to the airport.", (BERLIN,)),
    Spec("e1", "st_epsilon", "en", "v.example", (2021, 10, 7, 9, 0), "A bakery in Leeds wins the national bread award."),
    Spec("a3", "st_alpha", "en", "y.example", (2021, 9, 12, 8, 0), "Leica confirms it will design cameras without Huawei.", (HUAWEI, LEICA), "a2"),
    Spec("b1", "st_beta", "fr", "z.example", (2021, 10, 2, 8, 0), "Anna et Leica inaugurent une exposition de photographie.", (ANNA, LEICA)),
    Spec("a5", "st_alpha", "en", "y.example", None, "Analysts weigh what the split means for smartphone photography."),
    Spec("g2", "st_gamma", "fr", "z.example", (2021, 9, 20, 8, 0), "Berlin et Paris signent un accord ferroviaire."),
    Spec("a4", "st_alpha", "en", "y.example", (2021, 10, 6, 10, 0), "The phone maker shows its first camera made in house."),
    Spec("b3", "st_beta", "fr", "z.example", (2021, 10, 8, 12, 0), "Le port de Marseille accueille sa première régate."),
    Spec("n1", None, "en", "q.example", (2021, 10, 5, 7, 0), "A lone article about kites that belongs to no story."),
)  # fmt: skip
STORIES = {"st_beta": "Beta", "st_alpha": "Alpha", "st_gamma": "Gamma", "st_epsilon": "Epsilon", "st_delta": "Delta"}


def event(
    date: str | None, status: str, kind: str, participants: tuple[str, ...] = (), sure: bool = True
) -> TimelineEntry:
    """A timeline entry as build_timeline makes them, with one step (the store keeps whatever it is given)."""
    step = TimelineStep(
        status, "a" * 20, "z.example", date, "fr", f"Une phrase sur {kind}.", date, None, 1.0 if sure else 0.4
    )
    report = TimelineReport(step.article_id, step.source, step.published, status)
    return TimelineEntry(
        f"{kind}-{date}", kind, list(participants), [f"org:{p.lower()}" for p in participants], date,
        "day" if date else None, status, [step], 1, 1, report, report if status == "confirmed" else None, not sure,
    )  # fmt: skip


TIMELINES: dict[str, list[TimelineEntry]] = {
    "st_beta": [
        event("2021-10-02", "confirmed", "opening"),
        event(None, "rumoured", "race"),
        event("2021-10-08", "confirmed", "race", sure=False),
    ],
    "st_gamma": [event("2021-09-20", "denied", "agreement", ("Berlin", "Paris"))],
}
# The newest article is b3 (2021-10-08 12:00): the store's "last week" starts 2021-10-01 12:00. Recent articles:
# alpha 1 (a4), beta 3, gamma 0, epsilon 1, delta 0 (undated). Spread (1 + ln languages)(1 + ln sources):
# alpha and gamma (1 + ln 2)^2, the others 1. Growth rank = (recent + 1) x spread.
SPREAD_2_2 = (1 + math.log(2)) ** 2
SORTED = {
    "growth": ["st_alpha", "st_beta", "st_gamma", "st_epsilon", "st_delta"],  # 5.73, 4, 2.87, 2, 1
    "growth_today": ["st_alpha", "st_gamma", "st_beta", "st_epsilon", "st_delta"],  # spread, then members, last seen
    "recent": ["st_beta", "st_epsilon", "st_alpha", "st_gamma", "st_delta"],
    "size": ["st_alpha", "st_beta", "st_gamma", "st_epsilon", "st_delta"],
    "languages": ["st_alpha", "st_gamma", "st_beta", "st_epsilon", "st_delta"],
}
NEWEST_FIRST = [
    "b3",
    "e1",
    "a4",
    "n1",
    "b2",
    "b1",
    "g2",
    "g1",
    "a3",
    "a2",
    "a1",
    "a5",
    "d1",
]  # undated: newest ingested
OLDEST_FIRST = ["a1", "a2", "a3", "g1", "g2", "b1", "b2", "n1", "a4", "e1", "b3", "d1", "a5"]  # undated: as ingested


@dataclass
class Corpus:
    articles: dict[str, Article]  # by spec name
    analyses: dict[str, Analysis]
    members: dict[str, StoryMember]
    records: dict[str, StoryRecord]  # by story id

    def id(self, name: str) -> str:
        return self.articles[name].id

    def names(self, items: list[Any]) -> list[str]:
        """Spec names of articles (or of dicts with their 'id'), for readable assertions."""
        by_id = {a.id: name for name, a in self.articles.items()}
        return [by_id.get(i, i) for i in ids(items)]


def stamp(date: tuple[int, ...]) -> str:
    return datetime(*date).isoformat(timespec="seconds")


def populate(store: Store) -> Corpus:
    articles: dict[str, Article] = {}
    analyses: dict[str, Analysis] = {}
    for seed, spec in enumerate(CORPUS):
        article = Article(
            id=article_id(spec.text),
            title=f"Item {spec.name}",
            text=spec.text,
            lang=spec.lang,
            lang_confidence=0.9,
            published=when(*spec.date) if spec.date else None,
            source=spec.source,
            url=f"https://{spec.source}/{spec.name}",
            origin=f"feed-{spec.source}",
            extractor="test",
        )
        articles[spec.name] = article
        analyses[spec.name] = analysis(article, seed, spec.entities)
        assert store.add_article(article, article.url or "")
        store.add_analysis(analyses[spec.name], [seed])
    records: dict[str, StoryRecord] = {}
    for seq, (story_id, label) in enumerate(STORIES.items(), start=1):
        specs = [s for s in CORPUS if s.story == story_id]
        dates = sorted(stamp(s.date) for s in specs if s.date)
        records[story_id] = StoryRecord(
            id=story_id,
            number=seq - 1,
            label=label,
            labels={s.lang: f"{label} ({s.lang})" for s in specs},
            first_seen=dates[0] if dates else None,
            last_seen=dates[-1] if dates else None,
            languages=dict(Counter(s.lang for s in specs)),
            sources=dict(Counter(s.source for s in specs)),
            entities={key: float(n) for key, n in Counter(e[0] for s in specs for e in s.entities).items()},
            size=sum(not s.duplicate_of for s in specs),
            members=len(specs),
            centroid=np.sum([kept(analyses[s.name].embedding) for s in specs], axis=0, dtype=np.float32),
            exemplars=[articles[s.name].id for s in specs[:2]],
            created_seq=seq,
            updated_seq=seq + 10,
        )
        store.save_story(records[story_id])
    members: dict[str, StoryMember] = {}
    founders: set[str] = set()
    for seq, spec in enumerate(CORPUS, start=1):
        if spec.story:
            members[spec.name] = StoryMember(
                articles[spec.name].id,
                spec.story,
                0.75 if spec.story in founders else 1.0,
                articles[spec.duplicate_of].id if spec.duplicate_of else None,
                seq,
            )
            founders.add(spec.story)
            store.add_member(members[spec.name])
    for story_id, timeline in TIMELINES.items():
        store.save_timeline(story_id, timeline)
    return Corpus(articles, analyses, members, records)


@pytest.fixture
def corpus(store: Store) -> Corpus:
    return populate(store)


# --- an empty store ---------------------------------------------------------------------------------------


def test_an_empty_store_reads_nothing(store: Store) -> None:
    assert (store.count_articles(), store.count_analysed(), store.max_assigned_seq()) == (0, 0, 0)
    assert store.article("ab") is None and store.article_by_url("https://x.example/") is None
    assert list(store.articles()) == [] and store.articles_by_id(["ab"]) == {} and store.sources("ab") == []
    assert store.ids_starting_with("article", "a") == [] and store.ids_starting_with("story", "st_") == []
    assert store.unanalysed_articles() == [] and store.analysed(["ab"]) == {} and list(store.unassigned()) == []
    assert store.story_records() == [] and store.latest_story_seen() is None and store.stale_timelines() == []
    assert store.story_members("st_x") == [] and store.story_ids_of(["ab"]) == {} and store.timeline("st_x") == []
    assert store.articles_without_claims("x") == [] and store.entity_frequencies(["org:x"]).get("org:x", 0) == 0
    for sort in STORY_SORTS:
        assert store.browse_stories(sort=sort) == Page([], None)
    assert store.browse_articles() == Page([], None) and store.browse_search("huawei") == Page([], None)
    assert store.browse_entities() == Page([], None) and store.browse_errors() == Page([], None)
    assert store.story_articles("st_x") == Page([], None) and store.entity_stories("org:x") == Page([], None)
    assert store.story_overview("st_x") is None and store.story_summaries(["st_x"]) == []
    assert store.story_points("st_x") == [] and store.article_story("ab") is None
    assert store.facet_values("lang") == [] and store.recent_window() is None
    assert store.entity("org:x") is None and store.entity_names(["org:x"]) == {}


# --- ArticleStore -----------------------------------------------------------------------------------------


def test_articles_round_trip_and_a_known_one_is_not_new(store: Store) -> None:
    full = make(
        "Leica and Huawei end their camera partnership after five years. " * 3,
        title="Leica and Huawei part ways",
        lang="en",
        lang_confidence=0.97,
        published=PublishedDate(datetime(2025, 10, 3, 9, 15, tzinfo=timezone(timedelta(hours=2))), DatePrecision.MINUTE, True),
        source="x.example",
        url="https://www.x.example/a?ref=1",
        canonical_url="https://x.example/a",
        sitename="X News",
        authors=["A. Writer", "B. Writer"],
        comments=["First!"],
        truncated=True,
    )  # fmt: skip
    sparse = make(
        "Ein kurzer Text ohne Datum.",
        title=None,
        published=PublishedDate(datetime(2021, 3, 4), DatePrecision.DAY, ambiguous=True),
    )
    assert store.add_article(full, "https://www.x.example/a?ref=1")
    assert store.add_article(sparse, "file.txt")
    assert not store.add_article(full, "mirror.txt")
    assert store.count_articles() == 2
    assert store.article(full.id) == full and store.article(sparse.id) == sparse
    assert store.articles_by_id([full.id, "0" * 20, sparse.id]) == {full.id: full, sparse.id: sparse}
    assert store.articles_by_id([]) == {}


def test_a_second_copy_fills_in_what_the_first_lacked_and_never_moves_a_date(store: Store) -> None:
    text = "A text long enough to be identified by its content alone. " * 5
    assert store.add_article(make(text, title=None), "file-a")
    dated = PublishedDate(datetime(2025, 10, 3, 9, 15), DatePrecision.MINUTE)
    second = make(
        text, title="Later title", published=dated, url="https://x.example/a", source="x.example",
        canonical_url="https://x.example/c", sitename="X",
    )  # fmt: skip
    assert not store.add_article(second, "https://x.example/a")
    stored = store.article(article_id(text))
    assert stored is not None
    assert (stored.title, stored.published, stored.url, stored.source, stored.canonical_url, stored.sitename) == (
        "Later title", dated, "https://x.example/a", "x.example", "https://x.example/c", "X",
    )  # fmt: skip
    third = make(text, title="Third", published=PublishedDate(datetime(2020, 1, 1), DatePrecision.YEAR), url="file:b")
    assert not store.add_article(third, "file-b")
    assert store.article(article_id(text)) == stored  # nothing the store knew was overwritten
    sources = store.sources(article_id(text))
    assert [s["origin_key"] for s in sources] == ["file-a", "https://x.example/a", "file-b"]
    assert (sources[1]["url"], sources[1]["source"]) == ("https://x.example/a", "x.example")
    assert store.count_articles() == 1


def two_sharing_a_first_digit() -> tuple[Article, Article]:
    seen: dict[str, Article] = {}
    for n in itertools.count():
        article = make(f"Prefix probe number {n} for ambiguous ids.")
        if article.id[0] in seen:
            return seen[article.id[0]], article
        seen[article.id[0]] = article
    raise AssertionError("unreachable")


def test_an_article_by_id_or_unique_prefix_in_any_case(store: Store) -> None:
    first, second = two_sharing_a_first_digit()
    other = make("Something else entirely.")
    for article in (first, second, other):
        store.add_article(article, article.id)
    assert store.article(first.id) == first
    assert store.article(first.id.upper()) == first
    assert store.article(second.id[:12].upper()) == second
    assert store.article(first.id[0]) is None  # ambiguous
    assert store.article("zz") is None and store.article("0" * 20) is None
    stored = sorted(a.id for a in (first, second, other))
    shared = [i for i in stored if i.startswith(first.id[0])]
    assert store.ids_starting_with("article", first.id[0].upper()) == shared
    assert store.ids_starting_with("article", first.id[0], limit=1) == shared[:1]
    assert store.ids_starting_with("article", second.id[:12].upper()) == [second.id]
    assert store.ids_starting_with("article", "zz") == []
    for seq, story_id in enumerate(["st_b", "st_a", "st_ab", "xst"], start=1):
        store.save_story(story(story_id, seq))
    assert store.ids_starting_with("story", "ST_") == ["st_a", "st_ab", "st_b"]
    assert store.ids_starting_with("story", "st_a") == ["st_a", "st_ab"]
    assert store.ids_starting_with("story", "st_", limit=2) == ["st_a", "st_ab"]


def test_an_article_by_its_address_canonical_address_or_a_later_copys_address(store: Store) -> None:
    first = make(
        "Harbour news that two sites published.",
        url="https://x.example/a", canonical_url="https://x.example/canonical/a", source="x.example",
    )  # fmt: skip
    store.add_article(first, "https://x.example/a")
    copy = replace(first, url="https://mirror.example/a", canonical_url=None, source="mirror.example")
    store.add_article(copy, "https://mirror.example/a")
    store.add_article(make("Unrelated text.", url="https://x.example/b"), "https://x.example/b")
    for url in ("https://x.example/a", "https://x.example/canonical/a", "https://mirror.example/a"):
        assert store.article_by_url(url) == first, url
    assert store.article_by_url("https://x.example/missing") is None


def test_articles_in_publication_order_and_filtered(store: Store, corpus: Corpus) -> None:
    def names(limit: int | None = None, **filters: str) -> list[str]:
        return corpus.names(list(store.articles(ArticleFilter(**filters) if filters else None, limit)))

    assert names() == OLDEST_FIRST  # dated by date, undated last as ingested
    assert names(limit=3) == OLDEST_FIRST[:3]
    assert names(lang="de") == ["a1", "d1"]
    assert names(source="www.z.example") == ["g2", "b1", "b2", "b3"]
    assert names(since="2021-10") == ["b1", "b2", "n1", "a4", "e1", "b3"]
    assert names(until="2021-09-15") == ["a1", "a2", "a3", "g1"]  # an end date includes its whole day
    assert names(since="2021-10", until="2021-10") == ["b1", "b2", "n1", "a4", "e1", "b3"]  # the whole month
    assert names(since="2021-10-04", until="2021-10-06") == ["b2", "n1", "a4"]
    assert names(until="2021") == names(since="2021") == OLDEST_FIRST[:11]  # the whole year, no undated ones
    assert names(story="st_alpha") == ["a1", "a2", "a3", "a4", "a5"]
    assert names(lang="en", source="y.example") == ["a2", "a3", "a4", "a5"]
    assert store.count_articles() == len(CORPUS)
    # Any site an article was found under.
    store.add_article(replace(corpus.articles["n1"], source="mirror.example"), "https://mirror.example/n1")
    assert names(source="www.mirror.example") == ["n1"]


def test_errors_are_upserted_cleared_and_listed_newest_first(store: Store) -> None:
    store.record_error(IngestError("z-old.txt", "extract", "no text"))
    time.sleep(1.05)  # error times are kept to the second
    store.record_error(IngestError("a.txt", "extract", "no text"))
    store.record_error(IngestError("a.txt", "extract", "still no text"))
    store.record_error(IngestError("a.txt", "decode", "bad bytes, repaired", severity="warning"))
    store.record_error(IngestError("b.jsonl", "extract", "no text", locator="line 1"))
    store.record_error(IngestError("b.jsonl", "extract", "no text", locator="line 2"))

    def keys() -> list[tuple[str, str | None, str]]:
        return [(e["origin"], e["locator"], e["stage"]) for e in store.browse_errors(limit=None).items]

    rows = {(e["origin"], e["locator"], e["stage"]): e for e in store.browse_errors(limit=None).items}
    assert len(rows) == 5 and keys()[-1] == ("z-old.txt", None, "extract")  # one row each; newest first
    assert (rows["a.txt", None, "extract"]["reason"], rows["a.txt", None, "extract"]["severity"]) == (
        "still no text",
        "error",
    )
    assert rows["a.txt", None, "decode"]["severity"] == "warning"
    assert rows["b.jsonl", "line 1", "extract"]["reason"] == "no text"
    assert all(e["first_seen"] <= e["last_seen"] for e in rows.values())
    read: Callable[[int | None, str | None], Page] = lambda limit, cursor: store.browse_errors(limit, cursor)  # noqa: E731
    assert assert_pages(read, key=lambda e: (e["origin"], e["locator"], e["stage"])) == keys()
    store.clear_errors("a.txt")  # the error goes, the warning (stored after a repair) stays
    assert sorted(keys()) == [
        ("a.txt", None, "decode"), ("b.jsonl", "line 1", "extract"), ("b.jsonl", "line 2", "extract"),
        ("z-old.txt", None, "extract"),
    ]  # fmt: skip
    store.clear_errors("b.jsonl", "line 1")
    assert sorted(keys()) == [
        ("a.txt", None, "decode"),
        ("b.jsonl", "line 2", "extract"),
        ("z-old.txt", None, "extract"),
    ]


def test_own_files(store: Store) -> None:
    files = store.own_files()
    assert isinstance(files, set)
    if store.url.startswith("postgresql://"):
        assert files == set()  # nothing on this machine's disk
    else:
        assert os.path.realpath(store.url) in files and all(os.path.isabs(f) for f in files)


# --- transactions and connections -------------------------------------------------------------------------


def test_a_transaction_that_raises_stores_nothing(store: Store) -> None:
    article = make("Written inside a transaction that fails.")
    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.add_article(article, "k")
        with store.transaction():
            store.record_error(IngestError("x.txt", "extract", "no text"))
            store.save_story(story("st_x", 1))
        raise RuntimeError("boom")
    assert store.count_articles() == 0 and store.article(article.id) is None
    assert store.browse_errors().items == [] and store.story_records() == []
    assert store.add_article(article, "k")  # the store is usable after a rollback, and the article still new
    assert store.count_articles() == 1


def test_nested_transactions_commit_once_at_the_outer_end(store: Store, reopen: Callable[..., Store]) -> None:
    other = reopen()
    article = make("Written in a nested transaction.")
    with store.transaction():
        with store.transaction():
            store.add_article(article, "k")
        assert store.article(article.id) == article  # its own writes are visible inside
        assert other.article(article.id) is None and other.count_articles() == 0  # nothing committed yet
        store.record_error(IngestError("x.txt", "extract", "no text"))
    assert other.article(article.id) == article and len(other.browse_errors().items) == 1


def test_a_commit_is_visible_to_another_store_on_the_same_location(store: Store, reopen: Callable[..., Store]) -> None:
    other = reopen()
    assert other.browse_stories().items == [] and other.story_summaries(["st_v"]) == []  # reads before the write
    article = make("Seen by another connection.", published=when(2021, 5, 1), lang="en")
    store.add_article(article, "k")
    store.save_story(story("st_v", 1, label="V", first_seen="2021-05-01T00:00:00", last_seen="2021-05-01T00:00:00"))
    store.add_member(StoryMember(article.id, "st_v", 1.0, None, 1))
    assert other.article(article.id) == article and other.count_articles() == 1
    assert ids(other.browse_stories().items) == ["st_v"]  # no list is read from a stale cache
    assert other.story_summaries(["st_v"])[0].label == "V"
    assert other.story_ids_of([article.id]) == {article.id: "st_v"}
    other.record_error(IngestError("y.txt", "extract", "no text"))
    assert [e["origin"] for e in store.browse_errors().items] == ["y.txt"]


def test_a_read_only_store_reads_but_refuses_writes(store: Store, reopen: Callable[..., Store]) -> None:
    article = make("Read by a read-only connection.", lang="en")
    store.add_article(article, "k")
    reader = reopen(read_only=True)
    assert reader.article(article.id) == article and reader.count_articles() == 1
    assert ids(reader.browse_articles().items) == [article.id]
    with pytest.raises(Exception):  # noqa: B017 (the refusal is the database driver's own error)
        reader.add_article(make("Not to be written."), "k2")
    with pytest.raises(Exception):  # noqa: B017
        reader.record_error(IngestError("x.txt", "extract", "no text"))
    assert reader.count_articles() == 1 and store.count_articles() == 1  # still reads after a refusal
    assert store.browse_errors().items == []


# --- AnalysisStore ----------------------------------------------------------------------------------------


def test_analyses_round_trip_and_a_second_one_is_ignored(store: Store) -> None:
    articles = [make(f"Analysis subject number {n}.", lang="en") for n in range(3)]
    for article in articles:
        store.add_article(article, article.id)
    first, second = analysis(articles[0], 1, (HUAWEI, LEICA)), analysis(articles[1], 2, (HUAWEI,))
    store.add_analysis(first, [11, 12])
    store.add_analysis(second, [13])
    found = store.analysed([a.id for a in articles])
    assert set(found) == {articles[0].id, articles[1].id}
    assert found[articles[0].id][0] == articles[0] and found[articles[1].id][0] == articles[1]
    assert_same_analysis(found[articles[0].id][1], first)
    assert_same_analysis(found[articles[1].id][1], second)
    store.add_analysis(analysis(articles[0], 9, (ANNA,), embedder="other"), [99])  # a re-run: ignored
    assert_same_analysis(store.analysed([articles[0].id])[articles[0].id][1], first)
    frequencies = store.entity_frequencies(["org:huawei", "org:leica", "per:anna"])
    assert {k: frequencies.get(k, 0) for k in ("org:huawei", "org:leica", "per:anna")} == {
        "org:huawei": 2, "org:leica": 1, "per:anna": 0,
    }  # fmt: skip
    assert store.count_analysed() == 2
    assert ids(store.unanalysed_articles()) == [articles[2].id]
    assert store.analysed([]) == {}


def test_second_vectors_round_trip_rounded(store: Store) -> None:
    articles = [make(f"Second opinion subject {n}.") for n in range(2)]
    for article in articles:
        store.add_article(article, article.id)
    vector = unit(5)
    store.add_second_vector(articles[0].id, "enc", vector)
    found = store.second_vectors([a.id for a in articles], "enc")
    assert list(found) == [articles[0].id]
    assert found[articles[0].id].dtype == np.float32 and np.array_equal(found[articles[0].id], kept(vector))
    assert store.second_vectors([articles[0].id], "another-encoder") == {}


def test_stage_marks_skip_done_work_and_keep_what_a_pass_left(store: Store) -> None:
    """ "What is new" starts above each stage's mark; a mark stops below an article a pass left undone, and
    clearing the stories (recluster) sends the stories' stage back to the start."""
    articles = [make(f"Article number {n} has enough words in it to count as one. " * 5) for n in range(4)]

    def analyse(article: Article) -> None:
        store.add_analysis(analysis(article, articles.index(article)), [])

    def pending() -> tuple[set[str], list[str]]:
        return set(ids(store.unanalysed_articles())), [a.id for a, _ in store.unassigned()]

    for article in articles[:3]:
        store.add_article(article, article.id)
    analyse(articles[0])
    analyse(articles[2])
    store.advance_mark("analysis")
    assert pending() == ({articles[1].id}, [articles[0].id, articles[2].id])
    analyse(articles[1])
    store.advance_mark("analysis")
    store.add_article(articles[3], articles[3].id)
    assert pending()[0] == {articles[3].id}
    store.save_story(story("st_a", 1, members=3))
    for seq, article in enumerate(articles[:3], start=1):
        store.add_member(StoryMember(article.id, "st_a", 1.0, None, seq))
    store.advance_mark("stories")
    assert pending()[1] == []
    analyse(articles[3])
    assert pending() == (set(), [articles[3].id])  # above the stories' mark though analysed after it moved
    store.clear_stories()
    assert sorted(pending()[1]) == sorted(a.id for a in articles)
    # The claims' mark is per extractor.
    store.add_claims(articles[0].id, "x", [])
    store.add_claims(articles[2].id, "x", [])
    store.advance_mark("claims:x")
    assert set(ids(store.articles_without_claims("x"))) == {articles[1].id, articles[3].id}
    assert set(ids(store.articles_without_claims("y"))) == {a.id for a in articles}
    store.add_claims(articles[1].id, "x", [])
    store.advance_mark("claims:x")
    assert ids(store.articles_without_claims("x")) == [articles[3].id]


def test_timelines_mark_finds_the_stories_changed_since(store: Store) -> None:
    store.save_story(story("a", 1))
    store.save_story(story("b", 2))
    assert store.stale_timelines() == ["a", "b"]
    store.save_timeline("b", [])
    store.advance_mark("timelines")  # "a" has none yet: the mark stays below it
    assert store.stale_timelines() == ["a"]
    store.save_timeline("a", [])
    store.advance_mark("timelines")
    store.save_story(story("c", 3))
    store.save_story(story("a", 4))
    assert store.stale_timelines() == ["a", "c"]
    store.clear_stories()
    store.save_story(story("d", 1))  # sequences restart after a recluster
    assert store.stale_timelines() == ["d"]


# --- StoryStore -------------------------------------------------------------------------------------------


def test_stories_round_trip_and_update(store: Store) -> None:
    rich = StoryRecord(
        id="st_x", number=7, label="Leica und Huawei", labels={"de": "Leica und Huawei", "en": "Leica and Huawei"},
        first_seen="2021-09-10T08:00:00", last_seen="2021-10-06T10:00:00", languages={"de": 1, "en": 3},
        sources={"x.example": 1, "y.example": 3}, entities={"org:huawei": 3.5, "org:leica": 2.0}, size=3,
        members=4, centroid=unit(3) * 2.5, exemplars=["abc", "def"], created_seq=3, updated_seq=9,
    )  # fmt: skip
    old = story("st_o", 1, first_seen="2020-01-01T00:00:00", last_seen="2020-02-01T00:00:00", languages={"fr": 1})
    undated = story("st_u", 4)
    assert store.latest_story_seen() is None
    store.save_story(undated)
    assert store.latest_story_seen() is None  # no story is dated
    store.save_story(rich)
    store.save_story(old)
    records = store.story_records()
    assert ids(records) == ["st_o", "st_x", "st_u"]  # oldest (first created) first
    for got, want in zip(records, [old, rich, undated], strict=True):
        assert_same_record(got, want)
    active = ids(store.story_records(active_since="2021-01-01"))
    assert "st_x" in active and "st_o" not in active
    assert store.latest_story_seen() == "2021-10-06T10:00:00"
    assert ids(store.browse_stories(StoryFilter(lang="en")).items) == ["st_x"]
    changed = replace(rich, label="Changed", languages={"de": 4}, members=5, centroid=unit(4), updated_seq=12)
    store.save_story(changed)
    records = store.story_records()
    assert ids(records) == ["st_o", "st_x", "st_u"]
    assert_same_record(records[1], changed)
    assert store.browse_stories(StoryFilter(lang="en")).items == []  # filters follow the update
    assert ids(store.browse_stories(StoryFilter(lang="de")).items) == ["st_x"]
    assert store.facet_values("lang") == ["de", "fr"]


def test_members_in_publication_order(store: Store, corpus: Corpus) -> None:
    assert store.story_members("st_alpha") == [corpus.members[n] for n in ("a1", "a2", "a3", "a4", "a5")]
    assert store.story_members("st_beta") == [corpus.members[n] for n in ("b1", "b2", "b3")]
    assert store.story_members("st_none") == []
    wanted = [corpus.id(n) for n in ("a1", "g1", "n1")] + ["0" * 20]
    assert store.story_ids_of(wanted) == {corpus.id("a1"): "st_alpha", corpus.id("g1"): "st_gamma"}
    assert store.max_assigned_seq() == 12
    assert [(a.id, x.article_id) for a, x in store.unassigned()] == [(corpus.id("n1"), corpus.id("n1"))]
    for got, want in zip(store.story_records(), corpus.records.values(), strict=True):
        assert_same_record(got, want)


def test_unassigned_articles_in_publication_order(store: Store) -> None:
    dates: list[tuple[int, ...] | None] = [(2021, 1, 3), None, (2021, 1, 1), None, (2021, 1, 2), (2020, 1, 1)]
    articles = [make(f"Waiting article {n}.", published=when(*d) if d else None) for n, d in enumerate(dates)]
    for n, article in enumerate(articles):
        store.add_article(article, article.id)
        if n != 5:  # the last one is not analysed
            store.add_analysis(analysis(article, n), [])
    store.save_story(story("st_a", 1))
    store.add_member(StoryMember(articles[4].id, "st_a", 1.0, None, 1))
    found = list(store.unassigned())
    assert [a.id for a, _ in found] == [articles[n].id for n in (2, 0, 1, 3)]  # undated ones last, as ingested
    by_id = {a.id: a for a in articles}
    assert all(a == by_id[a.id] and x.article_id == a.id for a, x in found)


def test_near_duplicate_candidates_share_a_band_in_the_given_stories(store: Store) -> None:
    big, low = 2**62 + 3, -(2**63) + 7  # band keys are signed 64-bit integers
    bands = {"a": [1, big], "b": [3], "c": [big, low], "d": [big, 3], "e": [low]}
    stories = {"a": "st_1", "b": "st_1", "c": "st_2", "d": "st_1"}  # e is in no story
    articles = {n: make(f"Near duplicate probe {n} with words of its own.") for n in bands}
    analyses = {}
    for seed, (name, article) in enumerate(articles.items()):
        store.add_article(article, article.id)
        analyses[name] = analysis(article, seed)
        store.add_analysis(analyses[name], bands[name])
    for seq, (name, story_id) in enumerate(stories.items(), start=1):
        store.add_member(StoryMember(articles[name].id, story_id, 1.0, None, seq))

    def found(keys: list[int], exclude: str, in_stories: set[str]) -> list[tuple[str, str]]:
        rows = store.near_duplicate_candidates(keys, articles[exclude].id, in_stories)
        for article, signature, _ in rows:
            want = next(x.minhash for x in analyses.values() if x.article_id == article)
            assert signature.dtype == np.uint32 and np.array_equal(signature, want)
        by_id = {a.id: n for n, a in articles.items()}
        return sorted((by_id[article], story_id) for article, _, story_id in rows)

    assert found([big, 5], "d", {"st_1"}) == [("a", "st_1")]  # not d itself, not c of another story
    assert found([big, low], "d", {"st_1", "st_2"}) == [("a", "st_1"), ("c", "st_2")]  # not e, in no story
    assert found([3], "b", {"st_1"}) == [("d", "st_1")]
    assert found([3], "b", {"st_2"}) == []
    assert found([12345], "a", {"st_1", "st_2"}) == []


def test_merging_stories_moves_the_members_and_forgets_the_gone_story(store: Store, corpus: Corpus) -> None:
    store.merge_stories("st_alpha", "st_gamma")
    assert corpus.names(store.story_members("st_alpha")) == ["a1", "a2", "a3", "g1", "g2", "a4", "a5"]
    assert store.story_members("st_gamma") == []
    assert store.story_ids_of([corpus.id("g1"), corpus.id("g2")]) == dict.fromkeys(
        [corpus.id("g1"), corpus.id("g2")], "st_alpha"
    )
    assert ids(store.story_records()) == ["st_beta", "st_alpha", "st_epsilon", "st_delta"]
    for sort in STORY_SORTS:
        assert ids(store.browse_stories(sort=sort, limit=None).items) == [s for s in SORTED[sort] if s != "st_gamma"]
    assert store.browse_stories(StoryFilter(entity="loc:berlin")).items == []
    assert store.facet_values("status") == ["confirmed", "rumoured"]  # 'denied' was gamma's only
    assert store.facet_values("entity") == ["org:huawei", "org:leica", "per:anna"]
    assert store.story_overview("st_gamma") is None and store.story_summaries(["st_gamma"]) == []
    assert store.timeline("st_gamma") == [] and "st_gamma" not in store.stale_timelines()
    assert store.ids_starting_with("story", "st_g") == []
    assert (store.article_story(corpus.id("g1")) or {}).get("story_id") == "st_alpha"
    assert corpus.names(store.story_articles("st_alpha", limit=None).items) == [
        "a1",
        "a2",
        "a3",
        "g1",
        "g2",
        "a4",
        "a5",
    ]


def test_clearing_stories_forgets_every_story_member_and_timeline(store: Store, corpus: Corpus) -> None:
    store.clear_stories()
    assert store.story_records() == [] and store.latest_story_seen() is None and store.max_assigned_seq() == 0
    assert store.story_members("st_alpha") == [] and store.story_ids_of(list(ids(corpus.articles.values()))) == {}
    assert store.timeline("st_beta") == [] and store.stale_timelines() == []
    for sort in STORY_SORTS:
        assert store.browse_stories(sort=sort, limit=None) == Page([], None)
    assert all(store.facet_values(kind) == [] for kind in ("lang", "source", "entity", "status"))
    assert store.story_overview("st_alpha") is None and store.article_story(corpus.id("a1")) is None
    assert store.entity_stories("org:huawei").items == [] and store.ids_starting_with("story", "st_") == []
    assert corpus.names([a for a, _ in store.unassigned()]) == OLDEST_FIRST  # every analysed article again
    assert store.count_articles() == store.count_analysed() == len(CORPUS)  # articles and analyses stay


# --- ClaimStore -------------------------------------------------------------------------------------------

CLAIMS = [
    Claim(
        "partnership_end", "confirmed",
        (Participant("org:huawei", "Huawei", "ORG", "agent"), Participant("org:leica", "Leica", "ORG")),
        "Leica confirms it will design cameras without Huawei.", 0, 53, date="2021-10", date_precision="month",
        attribution="Leica", confidence=0.8,
    ),
    Claim("product_launch", "rumoured", (), "Die Kooperation endet", -1, -1),
    Claim("hire", "denied", (Participant("per:anna", "Anna", "PER", "target"),), "Anna was not hired.", 54, 73, confidence=None),
]  # fmt: skip


def test_claims_round_trip_in_order_and_are_replaced(store: Store) -> None:
    a, b = make("Claims of the first article."), make("Claims of the second article.")
    for article in (a, b):
        store.add_article(article, article.id)
    assert set(ids(store.articles_without_claims("x"))) == {a.id, b.id}
    store.add_claims(a.id, "x", CLAIMS)
    assert store.claims([a.id, b.id]) == {a.id: CLAIMS, b.id: []}
    assert ids(store.articles_without_claims("x")) == [b.id]
    assert set(ids(store.articles_without_claims("y"))) == {a.id, b.id}  # another extractor has read neither
    store.add_claims(a.id, "x", CLAIMS[1:])
    assert store.claims([a.id]) == {a.id: CLAIMS[1:]}
    store.add_claims(b.id, "x", [])  # read, nothing found: done all the same
    assert store.articles_without_claims("x") == [] and store.claims([b.id]) == {b.id: []}


def test_timelines_round_trip_and_go_stale_when_a_members_claims_change(store: Store) -> None:
    member, outsider = make("A member's text."), make("An outsider's text.")
    for article in (member, outsider):
        store.add_article(article, article.id)
    store.save_story(story("st_s", 5))
    store.add_member(StoryMember(member.id, "st_s", 1.0, None, 1))
    assert store.stale_timelines() == ["st_s"]  # none yet
    timeline = [
        event("2021-10-02", "confirmed", "partnership", ("X", "Y")),
        event(None, "rumoured", "Über die Kooperation"),
    ]
    store.save_timeline("st_s", timeline)
    assert store.timeline("st_s") == timeline and store.timeline("st_none") == []
    assert store.stale_timelines() == []
    store.advance_mark("timelines")
    store.add_claims(outsider.id, "x", CLAIMS)
    assert store.stale_timelines() == []
    store.add_claims(member.id, "x", CLAIMS)
    assert store.stale_timelines() == ["st_s"]  # though the story lies below the timelines' mark
    store.save_timeline("st_s", timeline[:1])
    assert store.timeline("st_s") == timeline[:1] and store.stale_timelines() == []
    store.save_timeline("st_s", timeline, built_seq=4)  # built from an older state of the story
    assert store.stale_timelines() == ["st_s"]
    store.save_timeline("st_s", timeline, built_seq=5)
    assert store.stale_timelines() == []


# --- BrowseStore: stories ---------------------------------------------------------------------------------


def test_story_lists_in_every_sort_page_by_cursor(store: Store, corpus: Corpus) -> None:
    for sort in STORY_SORTS:

        def read(limit: int | None, cursor: str | None, sort: str = sort) -> Page:
            return store.browse_stories(sort=sort, limit=limit, cursor=cursor)

        assert assert_pages(read, (1, 2, 4, 5, 6)) == SORTED[sort], sort
        assert ids(store.browse_stories(sort=sort).items) == SORTED[sort]  # the default page holds them all
    assert ids(store.browse_stories().items) == SORTED["growth"]  # the default sort


def test_story_lists_filtered(store: Store, corpus: Corpus) -> None:
    def listed(**filters: str) -> list[str]:
        return ids(store.browse_stories(StoryFilter(**filters), limit=None).items)

    assert listed(lang="de") == ["st_alpha", "st_delta"]
    assert listed(lang="fr") == ["st_beta", "st_gamma"]
    assert listed(source="www.z.example") == listed(source="z.example") == ["st_beta", "st_gamma"]
    assert listed(source="v.example") == ["st_epsilon"]
    assert listed(entity="org:leica") == ["st_alpha", "st_beta"]
    assert listed(status="confirmed") == ["st_beta"] and listed(status="denied") == ["st_gamma"]
    assert listed(status="planned") == []
    assert listed(since="2021-10-07") == ["st_beta", "st_epsilon"]  # active on or after
    assert listed(until="2021-09-15") == ["st_alpha", "st_gamma"]  # started on or before (the whole day)
    assert listed(since="2021-09", until="2021-09") == ["st_alpha", "st_gamma"]
    assert listed(q="uber kooperation") == ["st_alpha"]
    assert listed(q="Leica") == ["st_alpha", "st_beta"]
    assert listed(q='P50-Serie "Huawei" OR (') == []
    assert listed(lang="fr", entity="org:leica") == ["st_beta"]
    for sort in STORY_SORTS:
        read = lambda limit, cursor, sort=sort: store.browse_stories(StoryFilter(lang="fr"), sort, limit, cursor)  # noqa: E731
        assert assert_pages(read, (1,)) == [s for s in SORTED[sort] if s in ("st_beta", "st_gamma")]


def test_story_summaries(store: Store, corpus: Corpus) -> None:
    want = {
        "st_beta": {
            "id": "st_beta", "label": "Beta", "size": 3, "languages": ["fr"], "sources": ["z.example"],
            "n_sources": 1, "recent": 3, "rank": 4.0,
            "entities": [
                {"key": "per:anna", "label": "Anna", "type": "PER", "mentions": 2},
                {"key": "org:leica", "label": "Leica", "type": "ORG", "mentions": 1},
            ],
        },
        "st_alpha": {
            "id": "st_alpha", "label": "Alpha", "size": 5, "languages": ["en", "de"],
            "sources": ["y.example", "x.example"], "n_sources": 2, "statuses": {}, "recent": 1,
            "rank": pytest.approx(2 * SPREAD_2_2, abs=1e-4),
            "entities": [
                {"key": "org:huawei", "label": "Huawei", "type": "ORG", "mentions": 3},
                {"key": "org:leica", "label": "Leica", "type": "ORG", "mentions": 2},
            ],
        },
        "st_gamma": {"id": "st_gamma", "size": 2, "statuses": {"denied": 1}, "recent": 0},
    }  # fmt: skip
    summaries = store.story_summaries(["st_gamma", "st_beta", "st_alpha"])
    assert ids(summaries) == ["st_gamma", "st_beta", "st_alpha"]  # in the order asked for
    for summary in summaries:
        assert {k: summary.to_dict()[k] for k in want[summary.id]} == want[summary.id]
    assert list(summaries[1].statuses.items()) == [("rumoured", 1), ("confirmed", 2)]  # in CLAIM_STATUSES order
    today = store.story_summaries(["st_alpha"], today=True)[0]  # the week before now holds no article
    assert today.recent == 0 and today.rank == pytest.approx(SPREAD_2_2, abs=1e-4)


def test_story_overview_by_id_or_unique_prefix(store: Store, corpus: Corpus) -> None:
    overview = store.story_overview("st_beta")
    assert overview is not None
    assert (overview.id, overview.label, overview.size) == ("st_beta", "Beta", 3)
    assert overview.sources == ["z.example"] and overview.source_counts == {"z.example": 3}
    assert [e.key for e in overview.entities] == ["per:anna", "org:leica"]
    assert overview.timeline == TIMELINES["st_beta"]
    assert store.story_overview("st_be") == overview
    assert getattr(store.story_overview("st_ep"), "id", None) == "st_epsilon"
    assert getattr(store.story_overview("st_delta"), "timeline", None) == []
    assert store.story_overview("st_") is None  # ambiguous
    assert store.story_overview("st_nope") is None


def test_story_points_articles_and_article_story(store: Store, corpus: Corpus) -> None:
    alpha = ["a1", "a2", "a3", "a4", "a5"]
    points = store.story_points("st_alpha")
    assert corpus.names(points) == alpha
    for point, name in zip(points, alpha, strict=True):
        article = corpus.articles[name]
        published = article.published.isoformat() if article.published else None
        assert (point["title"], point["lang"], point["source"], point["published"]) == (
            article.title, article.lang, article.source, published,
        )  # fmt: skip
    read = lambda limit, cursor: store.story_articles("st_alpha", limit, cursor)  # noqa: E731
    assert corpus.names(store.story_articles("st_alpha", limit=None).items) == alpha
    assert_pages(read, (1, 2, 4, 5))
    a3 = next(i for i in store.story_articles("st_alpha").items if i["id"] == corpus.id("a3"))
    assert (a3["story_id"], a3["similarity"], a3["duplicate_of"]) == ("st_alpha", 0.75, corpus.id("a2"))
    found = store.article_story(corpus.id("a3"))
    assert found is not None
    assert {k: found[k] for k in ("story_id", "label", "similarity", "duplicate_of")} == {
        "story_id": "st_alpha", "label": "Alpha", "similarity": 0.75, "duplicate_of": corpus.id("a2"),
    }  # fmt: skip
    assert (store.article_story(corpus.id("a1")) or {}).get("duplicate_of") is None
    assert store.article_story(corpus.id("n1")) is None


def test_facet_values_and_the_recent_window(store: Store, corpus: Corpus) -> None:
    assert store.facet_values("lang") == ["de", "en", "fr"]
    assert store.facet_values("source") == ["v.example", "w.example", "x.example", "y.example", "z.example"]
    assert store.facet_values("entity") == ["loc:berlin", "org:huawei", "org:leica", "per:anna"]
    assert store.facet_values("status") == ["confirmed", "denied", "rumoured"]
    assert store.recent_window() == ("2021-10-01T12:00", "2021-10-08T12:00")  # the week before the newest article
    assert store.recent_window(days=1) == ("2021-10-07T12:00", "2021-10-08T12:00")
    window = store.recent_window(today=True)
    assert window is not None
    start, end = (datetime.strptime(w, "%Y-%m-%dT%H:%M") for w in window)
    assert end - start == timedelta(days=7)
    assert abs(end - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=2)


# --- BrowseStore: articles, search, entities, cursors -----------------------------------------------------


def test_article_lists_newest_first_paged_and_filtered(store: Store, corpus: Corpus) -> None:
    def listed(**filters: str) -> list[str]:
        read = lambda limit, cursor: store.browse_articles(ArticleFilter(**filters), limit, cursor)  # noqa: E731
        return corpus.names(assert_pages(read, (1, 2, 4)))

    read = lambda limit, cursor: store.browse_articles(None, limit, cursor)  # noqa: E731
    assert corpus.names(assert_pages(read, (1, 2, 4, 10, 11, 12, 13))) == NEWEST_FIRST
    assert corpus.names(store.browse_articles(limit=3).items) == NEWEST_FIRST[:3]
    assert listed(lang="de") == ["a1", "d1"]
    assert listed(source="www.z.example") == ["b3", "b2", "b1", "g2"]
    assert listed(story="st_alpha") == ["a4", "a3", "a2", "a1", "a5"]
    assert listed(since="2021-10") == ["b3", "e1", "a4", "n1", "b2", "b1"]
    assert listed(until="2021-09-15") == ["g1", "a3", "a2", "a1"]
    assert listed(since="2021-10-04", until="2021-10-06") == ["a4", "n1", "b2"]
    item = next(i for i in store.browse_articles(limit=None).items if i["id"] == corpus.id("a2"))
    assert (item["title"], item["lang"], item["source"], item["url"], item["published"]) == (
        "Item a2", "en", "y.example", "https://y.example/a2", "2021-09-11",
    )  # fmt: skip
    assert item["published_precision"] == "day" and item["snippet"] == corpus.articles["a2"].text


def test_pages_go_on_where_they_stopped_when_items_are_added_before_the_cursor(store: Store, corpus: Corpus) -> None:
    growth, recent = store.browse_stories(limit=2), store.browse_stories(sort="recent", limit=2)
    articles = store.browse_articles(limit=3)
    assert ids(growth.items) == SORTED["growth"][:2] and ids(recent.items) == SORTED["recent"][:2]
    many = {f"l{n}": 1 for n in range(5)}
    store.save_story(
        story(
            "st_zeta",
            9,
            languages=many,
            sources=many,
            last_seen="2021-12-01T00:00:00",
            first_seen="2021-12-01T00:00:00",
        )
    )
    assert (
        ids(store.browse_stories(limit=1).items)
        == ids(store.browse_stories(sort="recent", limit=1).items)
        == ["st_zeta"]
    )
    assert ids(store.browse_stories(limit=None, cursor=growth.next_cursor).items) == SORTED["growth"][2:]
    assert ids(store.browse_stories(sort="recent", limit=None, cursor=recent.next_cursor).items) == SORTED["recent"][2:]
    store.add_article(make("A newer article than any other.", published=when(2021, 12, 1)), "newer")
    assert corpus.names(store.browse_articles(limit=None, cursor=articles.next_cursor).items) == NEWEST_FIRST[3:]


def test_search_ignores_case_and_accents_and_punctuation_is_never_syntax(store: Store, corpus: Corpus) -> None:
    def found(query: str) -> list[str]:
        return corpus.names(store.browse_search(query, limit=None).items)

    assert found("uber kooperation") == ["a1"]
    assert found("ÜBER Kooperation") == ["a1"]
    assert found("KOOPERATION, über!") == ["a1"]
    assert found('P50-Serie "Huawei" OR (') == []  # every word must match; quotes and OR are plain text
    assert found('"(*') == [] and found("   ") == []
    assert found("Huawei and") == ["a2"]  # all the words, stop words too: a3 says Huawei but not 'and'
    assert sorted(found("leica")) == ["a1", "a3", "b1"]


def test_search_snippets_pages_and_addresses(store: Store, corpus: Corpus) -> None:
    hits = store.browse_search("huawei", limit=None).items
    assert sorted(corpus.names(hits)) == ["a1", "a2", "a3", "d1"]
    for hit in hits:
        assert f"{HIT_START}huawei{HIT_END}" in hit["snippet"].lower(), hit["snippet"]
    assert {corpus.names([h])[0]: h["story_id"] for h in hits} == {
        "a1": "st_alpha", "a2": "st_alpha", "a3": "st_alpha", "d1": "st_delta",
    }  # fmt: skip
    read = lambda limit, cursor: store.browse_search("huawei", limit, cursor)  # noqa: E731
    assert_pages(read, (1, 2, 3, 4))
    lone = store.browse_search("kites").items
    assert corpus.names(lone) == ["n1"] and lone[0]["story_id"] is None
    by_address = store.browse_search("https://y.example/a2").items
    assert corpus.names(by_address) == ["a2"]
    assert (by_address[0]["story_id"], by_address[0]["snippet"]) == ("st_alpha", "https://y.example/a2")
    assert store.browse_search("https://y.example/nothing-here").items == []


def test_entities(store: Store, corpus: Corpus) -> None:
    assert store.entity_names(["org:huawei", "per:anna", "org:nope"]) == {
        "org:huawei": ("Huawei", "ORG"), "per:anna": ("Anna", "PER"),
    }  # fmt: skip

    def listed(q: str | None = None, kind: str | None = None) -> list[tuple[str, int, int]]:
        read = lambda limit, cursor: store.browse_entities(q, kind, limit, cursor)  # noqa: E731
        assert_pages(read, (1, 2), key=lambda e: e["key"])
        return [(e["key"], e["articles"], e["stories"]) for e in store.browse_entities(q, kind, limit=None).items]

    assert listed() == [("org:huawei", 4, 2), ("org:leica", 3, 2), ("per:anna", 2, 1), ("loc:berlin", 1, 1)]
    item = store.browse_entities(limit=1).items[0]
    assert (item["label"], item["type"]) == ("Huawei", "ORG")
    assert [k for k, _, _ in listed(q="LEI")] == ["org:leica"]
    assert [k for k, _, _ in listed(q="ORG:")] == ["org:huawei", "org:leica"]  # the key matches too
    assert [k for k, _, _ in listed(q="%")] == []  # no wildcards
    assert [k for k, _, _ in listed(kind="PER")] == ["per:anna"]
    assert [k for k, _, _ in listed(q="a", kind="ORG")] == ["org:huawei", "org:leica"]
    leica = store.entity("org:leica")
    assert leica is not None
    assert {k: leica[k] for k in ("key", "label", "type", "articles", "stories", "months")} == {
        "key": "org:leica", "label": "Leica", "type": "ORG", "articles": 3, "stories": 2,
        "months": [{"month": "2021-09", "stories": 1, "articles": 5}, {"month": "2021-10", "stories": 1, "articles": 3}],
    }  # fmt: skip
    assert (store.entity("org:huawei") or {}).get("months") == [{"month": "2021-09", "stories": 1, "articles": 5}]
    assert store.entity("org:nope") is None
    for key, want in (("org:huawei", ["st_alpha", "st_delta"]), ("org:leica", ["st_beta", "st_alpha"])):
        read = lambda limit, cursor, key=key: store.entity_stories(key, limit, cursor)  # noqa: E731
        assert assert_pages(read, (1, 2)) == want  # latest activity first
    assert store.entity_stories("org:nope").items == []


def test_a_cursor_from_another_list_is_refused(store: Store, corpus: Corpus) -> None:
    store.record_error(IngestError("x.txt", "extract", "no text"))
    store.record_error(IngestError("y.txt", "extract", "no text"))
    readers: dict[str, Callable[[str | None], Page]] = {
        "articles": lambda c: store.browse_articles(limit=1, cursor=c),
        "size": lambda c: store.browse_stories(sort="size", limit=1, cursor=c),
        "growth": lambda c: store.browse_stories(limit=1, cursor=c),
        "recent": lambda c: store.browse_stories(sort="recent", limit=1, cursor=c),
        "story_articles": lambda c: store.story_articles("st_alpha", limit=1, cursor=c),
        "search": lambda c: store.browse_search("huawei", limit=1, cursor=c),
        "entities": lambda c: store.browse_entities(limit=1, cursor=c),
        "entity_stories": lambda c: store.entity_stories("org:huawei", limit=1, cursor=c),
        "errors": lambda c: store.browse_errors(limit=1, cursor=c),
    }
    cursors: dict[str, str] = {}
    for name, read in readers.items():
        first = read(None)
        assert first.next_cursor is not None, name
        assert read(first.next_cursor).items != first.items, name  # its own cursor goes on
        cursors[name] = first.next_cursor
    for reader, read in readers.items():
        for source, cursor in [*cursors.items(), ("garbage", "not a cursor!"), ("edited", cursors["articles"][:-3])]:
            if source != reader:
                with pytest.raises(CursorError):
                    read(cursor)


def test_followed_feeds_are_kept_once_each_with_their_health_empty_until_polled(store: Store) -> None:
    assert store.feeds() == []
    assert store.add_feed("https://b.example/feed.xml") is True
    assert store.add_feed("https://a.example/rss", "A news") is True
    assert store.add_feed("https://b.example/feed.xml", "B news") is False  # followed once; the title filled in
    assert store.add_feed("https://a.example/rss", "Another name") is False  # a title given first is kept
    feeds = store.feeds()
    assert [(f.url, f.title) for f in feeds] == [
        ("https://a.example/rss", "A news"),
        ("https://b.example/feed.xml", "B news"),
    ]
    assert all(f.added_at.endswith("Z") and f.last_success is None and f.failures == 0 for f in feeds)
    assert store.remove_feed("https://a.example/rss") is True and store.remove_feed("https://a.example/rss") is False
    assert [f.url for f in store.feeds()] == ["https://b.example/feed.xml"]


def test_a_feeds_polls_and_read_items_are_kept(store: Store) -> None:
    feed_url = "https://a.example/rss"
    store.add_feed(feed_url)
    assert store.feed_items(feed_url, ["i1", "i2"]) == {}
    store.mark_read(feed_url, [FeedItem("i1", "2025-10-06T12:00:00Z", "Mon, 06 Oct", "2025-10-06T13:00:00Z")])
    store.mark_read(feed_url, [FeedItem("i3", "2025-10-06T14:00:00Z", None, None)])
    # read again: the first reading stays, the stamp and the next check are the new ones
    store.mark_read(feed_url, [FeedItem("i1", "2025-10-06T13:00:00Z", "Tue, 07 Oct", "2025-10-06T14:00:00Z")])
    assert store.feed_items(feed_url, ["i2", "i1", "i1"]) == {
        "i1": FeedItem("i1", "2025-10-06T12:00:00Z", "Tue, 07 Oct", "2025-10-06T14:00:00Z")
    }
    assert store.feed_items("https://b.example/rss", ["i1"]) == {}  # items are per feed
    assert store.items_due(feed_url, "2025-10-06T13:59:59Z") == []
    assert [i.item for i in store.items_due(feed_url, "2025-10-06T14:00:00Z")] == ["i1"]  # i3: never again
    store.record_poll(feed_url, "2025-10-06T12:10:00Z", new_items=2, etag='"v1"', last_modified="x")
    store.record_poll(feed_url, "2025-10-06T12:30:00Z", error="HTTP 500 from https://a.example/rss")
    store.record_poll(feed_url, "2025-10-06T13:00:00Z", error="HTTP 503 from https://a.example/rss")
    [feed] = store.feeds()
    assert (feed.items_seen, feed.etag, feed.last_modified, feed.failures) == (2, '"v1"', "x", 2)
    assert feed.item_gap == 7200  # two hours between the two items read
    assert feed.last_error == "HTTP 503 from https://a.example/rss" and feed.next_poll == "2025-10-06T13:00:00Z"
    store.record_poll(feed_url, "2025-10-06T13:10:00Z")  # a 304: the validators stay
    [feed] = store.feeds()
    assert (feed.failures, feed.etag, feed.items_seen) == (0, '"v1"', 2) and feed.last_success is not None
    assert store.remove_feed(feed_url)
    store.add_feed(feed_url)
    assert store.feed_items(feed_url, ["i1"]) == {}  # followed anew: read anew


def test_a_page_read_again_with_another_text_is_a_revision_of_the_same_article(store: Store) -> None:
    text = "The harbour of Brenta will get a new quay with forty berths, the port authority said on Monday."
    first = make(text, url="https://news.example/quay", title="Quay planned")
    assert store.add_article(first, "https://news.example/quay")
    store.add_claims(first.id, "rules", [])
    assert store.article_at("https://news.example/quay").id == first.id
    assert store.article_at("https://news.example/other") is None
    corrected = text.replace("forty", "fifty") + " Work starts in May."
    second = make(corrected, url="https://news.example/quay", title="Quay confirmed")
    assert store.revise_article(first.id, second, "https://news.example/quay", ["old sentence"], ["new", "ones"])
    # the same text read again (by its address or as a copy elsewhere): nothing new
    assert not store.revise_article(first.id, second, "https://news.example/quay", [], [])
    assert store.add_article(replace(second, url="https://mirror.example/q"), "https://mirror.example/q") is False
    assert store.count_articles() == 1
    now = store.article(first.id)
    assert (now.text, now.title) == (corrected, "Quay confirmed")
    [one, two] = store.revisions([first.id, "unknown"])[first.id]
    assert (one.number, one.content_id, one.title, one.text) == (1, first.id, "Quay planned", text)
    assert (two.number, two.content_id, two.title, two.removed, two.added) == (
        2,
        second.id,
        "Quay confirmed",
        ("old sentence",),
        ("new", "ones"),
    )
    # the new text is analysed and read for claims again
    assert [a.id for a in store.unanalysed_articles()] == [first.id]
    assert [a.id for a in store.articles_without_claims("rules")] == [first.id]
    assert [r["url"] for r in store.sources(first.id)] == ["https://news.example/quay", "https://mirror.example/q"]
    assert store.browse_search("fifty").items and not store.browse_search("forty").items


# --- AlertStore ------------------------------------------------------------------------------------------


def test_watchlists_are_kept_once_each_and_removed_with_their_alerts(store: Store) -> None:
    from storyline.model import Watchlist

    assert store.watchlists() == []
    assert store.add_watchlist(Watchlist("leica", entity="org:leica", webhook="https://hook.example/a", secret="k"))
    assert store.add_watchlist(Watchlist("deals", q="Übernahme", event_type="acquisition", status="rumoured"))
    assert not store.add_watchlist(Watchlist("leica", q="other"))  # one of a name: the first stays
    deals, leica = store.watchlists()
    assert deals.query() == {"q": "Übernahme", "event_type": "acquisition", "status": "rumoured"}
    assert (leica.entity, leica.webhook, leica.secret, leica.q) == ("org:leica", "https://hook.example/a", "k", None)
    assert leica.created_at.endswith("Z")
    store.save_story(story("st_a", 1))
    store.save_timeline("st_a", [])
    [alert] = store.record_alerts({}, [Alert("leica", "st_a", "new_story", "", "New story: A", {"x": 1})])
    assert store.remove_watchlist("leica") and not store.remove_watchlist("leica")
    assert [w.name for w in store.watchlists()] == ["deals"]
    assert store.alerts(limit=None).items == [] and store.deliveries([alert.id or 0]) == {}


def test_alerts_are_given_once_with_a_delivery_to_the_webhook_and_its_log(store: Store) -> None:
    from storyline.model import Delivery, Watchlist

    store.add_watchlist(Watchlist("leica", entity="org:leica", webhook="https://hook.example/a"))
    store.add_watchlist(Watchlist("quiet", entity="org:leica"))
    for sid, seq in (("st_a", 1), ("st_b", 2)):
        store.save_story(story(sid, seq))
        store.save_timeline(sid, [])
    assert [s for s, _ in store.stories_to_alert()] == ["st_a", "st_b"]  # timelines rebuilt, no state kept yet
    drafts = [
        Alert("leica", "st_a", "status_change", "acq|x>confirmed", "Rumour confirmed: acquisition", {"lang": "it"}),
        Alert("quiet", "st_a", "new_language", "it", "First report in it", {}),
    ]
    versions = dict(store.stories_to_alert())
    new = store.record_alerts({"st_a": ({"languages": ["en", "it"]}, versions["st_a"])}, drafts)
    assert [(a.watchlist, a.kind) for a in new] == [("leica", "status_change"), ("quiet", "new_language")]
    assert all(a.id is not None and a.created_at.endswith("Z") for a in new)
    assert store.alert_states(["st_a", "st_b"]) == {"st_a": {"languages": ["en", "it"]}}
    assert [s for s, _ in store.stories_to_alert()] == ["st_b"]  # st_a's state is as of its timeline
    assert store.record_alerts({}, drafts) == []  # given before: never again (a re-run after a crash)
    assert store.alert_counts() == {"leica": 1, "quiet": 1}
    store.advance_mark("alerts")
    store.save_timeline("st_a", [])  # rebuilt again: above the mark, its state older
    assert [s for s, _ in store.stories_to_alert()] == ["st_b", "st_a"]  # oldest rebuild first

    page = store.alerts(limit=1)
    assert [a.kind for a in page.items] == ["new_language"] and page.next_cursor  # newest first
    assert [a.kind for a in store.alerts(limit=1, cursor=page.next_cursor).items] == ["status_change"]
    assert [a.kind for a in store.alerts("leica", limit=None).items] == ["status_change"]
    assert store.alerts("leica", limit=None).items[0].detail == {"lang": "it"}

    [(due, alert)] = store.due_deliveries("2999-01-01T00:00:00Z")  # only the watchlist with a webhook
    assert (due.url, due.status, due.attempts, alert.kind) == ("https://hook.example/a", "pending", 0, "status_change")
    assert store.due_deliveries("2000-01-01T00:00:00Z") == []  # not due before it was created
    store.record_delivery(Delivery(due.alert_id, due.url, "pending", 1, "HTTP 503", "2999-01-01T00:00:30Z"))
    assert store.due_deliveries("2999-01-01T00:00:29Z") == []
    store.record_delivery(Delivery(due.alert_id, due.url, "delivered", 2, None, None, "2999-01-01T00:00:31Z"))
    assert store.due_deliveries("2999-12-31T00:00:00Z") == []
    [logged] = store.deliveries([due.alert_id])[due.alert_id]
    assert (logged.status, logged.attempts, logged.delivered_at) == ("delivered", 2, "2999-01-01T00:00:31Z")
