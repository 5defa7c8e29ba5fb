"""A large, realistic storyline store, built in minutes instead of days: ``build_store(path, n)``.

    from large_store import build_store          # with benchmarks/ on sys.path
    path = build_store("benchmarks/.cache/store-100000.db", 100_000)

    .venv/bin/python benchmarks/large_store.py 100000   # build (or reuse) benchmarks/.cache/store-100000.db

Running 1M articles through the full pipeline would take days on a 2-core machine (embedding
about 450 texts/s, assignment about 15 ms an article), so the store is written directly through
the store's own public methods (``add_article``, ``add_analysis``, ``add_claims``,
``add_member``, ``save_story``, ``save_timeline`` in ``transaction()`` batches), with everything
else real:

* **Texts.** About 3,200 real news texts in 10 languages (the SemEval-2022 Task 8 set in
  ``../shared/bench/similarity``, read at run time, never copied here) are the *base texts*;
  :data:`HELD_OUT` of them are kept out for benchmarks to ingest as new articles. Every stored
  article is a perturbed copy of a base text (words dropped and neighbours swapped), so ids,
  texts and MinHash signatures differ from copy to copy; about 10% of the copies are light
  edits of an earlier copy of the same story (near-duplicates, stored with ``duplicate_of``).
* **Analysis.** Base texts are embedded for real once (``get_embedder()``, title plus lead),
  their entities counted once (``count_entities``) and their claims read once (the built-in
  claim extractor); all three are cached under ``benchmarks/.cache/``. *Approximation:* a
  copy's embedding is not computed from its text but taken as the base vector plus Gaussian
  noise (:data:`EMBEDDING_NOISE` per dimension: cosine to the base about 0.9, between two
  copies about 0.8, like two reports of one event), renormalized and stored as float16 through
  ``storyline.enrich.embed.pack``; a copy reuses its base's entities and claims (whose evidence
  spans point into the base text, not the copy). The MinHash signature and band keys are
  computed from the copy's own text (``storyline.enrich.minhash``). *Second opinion:* every
  exemplar of a story has the second encoder's vector kept (``add_second_vector``), as if earlier
  runs had asked for it: the base text's real vector (cached) plus :data:`SECOND_NOISE`, so a
  benchmark run embeds only its new articles and the steady state is measured, not a cold start.
* **Stories.** All copies of one base text within one story *epoch* form one story: its rows are
  made by ``storyline.pipeline.assign.story_record`` from ``cluster.Story`` objects kept as the
  tracker keeps them (float32 centroid sum of the non-duplicate members, float entity counts,
  founder plus the newest exemplars, languages, sources, first and last seen, sequence numbers
  in publication order), so ``update_stories`` loads them as its own; each story's timeline is
  built when its last member is written, by ``storyline.pipeline.refresh_timelines``. Story sizes are
  log-normal (median about 14, mean about 29, up to a few thousand), a story lasts 1 to 3
  weeks with most articles early on, and base texts are reused round-robin, about every 90
  days, so no two active stories (60-day window) share a base text.
* **Dates.** :data:`ARTICLES_PER_DAY` articles a day by default (``articles_per_day`` sets
  another news rate), ending at :data:`END`: a bigger store is a longer history, not a denser
  one (at 1,000 a day 10k articles are 10 days, less than the tracker's 60-day window of active
  stories, and 100k and more fill it; at 150 a day every size from 10k up fills it). Stories are generated backwards from
  :data:`END` with a fixed seed, so the smaller stores are the newest part of the bigger ones,
  and a batch of new articles dated after :data:`END` meets the same recent stories at every
  size.

Built stores are cached as ``benchmarks/.cache/store-N.db`` with a ``.json`` sidecar that
records the build's parameters and the schema's migrations; a store whose parameters differ,
or whose migrations were edited since (new ones are applied when it is opened), is rebuilt.

**PostgreSQL.** ``build_store`` takes a ``postgresql://`` URL as well as a path: the store is
opened with ``storyline.store.open_store`` either way and written through the same public
methods, so a PostgreSQL store holds the same articles, analyses, claims, stories, members and
timelines as the SQLite file of the same parameters (building afresh was simpler than copying
an SQLite store's rows across, and costs a few minutes at 100k). ``cached_store(n, server=URL)``
keeps it as database ``storyline_bench_store_N`` on that server, with the build's record as the
database's comment instead of a sidecar (``backends.py`` has the database chores)::

    .venv/bin/python benchmarks/large_store.py 100000 --db postgresql://USER@HOST:PORT/postgres

Copies are made in a second process while the first writes; on the 2-core development machine
100k articles take about 2 minutes (780 MB) and 1M about 34 minutes (7.9 GB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import re
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from backends import (  # beside this file
    create_database,
    database_comment,
    database_exists,
    drop_database,
    is_postgres,
    remove_store,
    rename_database,
    set_database_comment,
    store_bytes,
    vacuum_analyze,
    with_database,
)
from storyline.defaults import BUILTIN_CLAIMS as BUILTIN
from storyline.enrich.analysis import count_entities
from storyline.enrich.claims import get_extractor
from storyline.enrich.embed import DEFAULT_EMBEDDER, embedding_text, get_embedder, pack, unpack
from storyline.enrich.minhash import band_keys, signature
from storyline.eval.datasets import bench_dir
from storyline.model import (
    Analysis,
    Article,
    Claim,
    DatePrecision,
    EntityCount,
    Participant,
    PublishedDate,
    StoryMember,
    article_id,
)
from storyline.pipeline import refresh_timelines
from storyline.pipeline.assign import story_record
from storyline.settings import Settings
from storyline.store import open_store
from storyline.stories.cluster import Story, add_member
from storyline.stories.similarity import Profile, SecondOpinion, default_model, second_opinion_text

CACHE = Path(__file__).resolve().with_name(".cache")
BUILD_VERSION = 4  # bump when the generated store changes, so cached stores are rebuilt
ARTICLES_PER_DAY = 1000
END = datetime(2026, 11, 1)  # newest stored article (naive UTC)
HELD_OUT = 100  # base texts kept out of every store, for benchmarks to ingest as new
EMBEDDING_NOISE = 0.02  # per dimension: |noise| ≈ 0.45, cosine to the base ≈ 0.91
# The second encoder's vectors sit closer: two perturbed copies of one text score about 0.99
# under multilingual-e5-small (measured on 48 base texts), unrelated texts about 0.75.
SECOND_NOISE = 0.006
DUPLICATE_SHARE = 0.10
SOURCES = 300
# Articles per transaction: each commit rewrites the pages its random MinHash-band and FTS
# inserts touched, which for a large store is most of those B-trees, so fewer, bigger commits.
_BATCH = 25_000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
# Story sizes: 1 + lognormal, median ~14, mean ~29 articles.
_SIZE_MU, _SIZE_SIGMA = 2.6, 1.2
_MEAN_SIZE = 1 + float(np.exp(_SIZE_MU + _SIZE_SIGMA**2 / 2))


@dataclass(frozen=True)
class BaseText:
    title: str
    body: str
    lang: str


def split_title(text: str) -> tuple[str, str]:
    """First line as title when there is a short one, else the first sentence."""
    first, sep, rest = text.partition("\n")
    if sep and len(first) <= 300 and rest.strip():
        return first.strip(), rest.strip()
    parts = _SENTENCE_END.split(text, maxsplit=1)
    if len(parts) == 2 and len(parts[0]) <= 300:
        return parts[0].strip(), parts[1].strip()
    return "", text


def similarity_texts() -> list[BaseText]:
    """The distinct texts of the similarity set, in file order (read from ../shared at run time)."""
    source = bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl"
    seen: dict[str, BaseText] = {}
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for key, lang in (("text1", "lang1"), ("text2", "lang2")):
                text = (record.get(key) or "").strip()
                if len(text.split()) >= 20 and text not in seen:  # a few are only a headline
                    title, body = split_title(text)
                    seen[text] = BaseText(title, body, record[lang])
    return list(seen.values())


def base_and_held_out() -> tuple[list[BaseText], list[BaseText]]:
    """(base texts of every store, HELD_OUT real texts never stored): a fixed split."""
    texts = similarity_texts()
    order = np.random.default_rng(1234).permutation(len(texts))
    held = {int(i) for i in order[:HELD_OUT]}
    return [t for i, t in enumerate(texts) if i not in held], [texts[i] for i in sorted(held)]


def _fingerprint(texts: list[BaseText]) -> str:
    digest = hashlib.sha256()
    for t in texts:
        digest.update(f"{t.lang}\0{t.title}\0{t.body}\0".encode())
    return digest.hexdigest()[:12]


def _migrations(backend: str = "sqlite") -> dict[str, str]:
    """The schema's migrations of a backend ('sqlite' or 'postgres'), file name -> fingerprint."""
    folder = resources.files("storyline.store.migrations")
    if backend == "postgres":
        folder = folder / "postgres"
    return {
        e.name: hashlib.sha256(e.read_bytes()).hexdigest()[:12]
        for e in sorted(folder.iterdir(), key=lambda e: e.name)
        if e.name.endswith(".sql")
    }


def _schema_current(built_with: dict[str, str], backend: str = "sqlite") -> bool:
    """Whether a store built under these migrations is the current schema once opened.

    Opening a store applies the migrations numbered above its version; one that was edited
    since, or a new one numbered below the newest applied, would never reach it.
    """
    now = _migrations(backend)
    newest = max(built_with, default="")
    return all(now.get(name) == digest for name, digest in built_with.items()) and all(
        name > newest for name in now if name not in built_with
    )


def _claim(data: dict[str, Any]) -> Claim:
    return Claim(
        data["type"],
        data["status"],
        tuple(Participant(**p) for p in data["participants"]),
        data["evidence"],
        data["start"],
        data["end"],
        data["date"],
        data["date_precision"],
        data["attribution"],
    )


def base_analysis(bases: list[BaseText]) -> tuple[np.ndarray, list[list[EntityCount]], list[list[Claim]]]:
    """Real embeddings (float16-rounded, as stored), entity counts and claims of the base texts, cached."""
    CACHE.mkdir(exist_ok=True)
    embedder = get_embedder(DEFAULT_EMBEDDER)
    stem = CACHE / f"base-{embedder.name}-{BUILTIN}-{_fingerprint(bases)}"
    vectors_file, analysis_file = stem.with_suffix(".f16"), stem.with_suffix(".analysis.json")
    if not (vectors_file.exists() and analysis_file.exists()):
        vectors = embedder.embed([embedding_text(b.title, b.body) for b in bases])
        articles = [Article(id="", title=b.title, text=b.body, lang=b.lang) for b in bases]
        extract = get_extractor(Settings())
        analysis = [
            {
                "entities": [[e.key, e.label, e.type, e.count] for e in count_entities(a)],
                "claims": [c.to_dict() for c in extract(a)],
            }
            for a in articles
        ]
        vectors_file.write_bytes(pack(vectors))
        analysis_file.write_text(json.dumps(analysis, ensure_ascii=False), encoding="utf-8")
    analysis = json.loads(analysis_file.read_text(encoding="utf-8"))
    return (
        unpack(vectors_file.read_bytes(), embedder.dim),
        [[EntityCount(*e) for e in a["entities"]] for a in analysis],
        [[_claim(c) for c in a["claims"]] for a in analysis],
    )


def base_second_vectors(bases: list[BaseText], second: SecondOpinion) -> np.ndarray:
    """The second encoder's real vectors of the base texts (float16-rounded, as kept), cached."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"base-{second.encoder}-{second.words}w-{_fingerprint(bases)}.f16"
    embedder = get_embedder(second.encoder)
    if not path.exists():
        path.write_bytes(
            pack(embedder.embed([second_opinion_text(embedding_text(b.title, b.body), second.words) for b in bases]))
        )
    return unpack(path.read_bytes(), embedder.dim)


def _second_vector(base: np.ndarray, seed: int, article: str) -> np.ndarray:
    noise = np.random.default_rng([seed, 6, int(hashlib.sha256(article.encode()).hexdigest()[:15], 16)])
    vector = base + SECOND_NOISE * noise.standard_normal(base.shape[0]).astype(np.float32)
    return unpack(pack((vector / np.linalg.norm(vector))[None, :]), base.shape[0])[0]  # rounded as kept


def perturb(text: str, rng: np.random.Generator, drop: float = 0.12, swap: float = 0.08) -> str:
    """The text with each word dropped with probability ``drop`` and neighbours swapped with ``swap``.

    The defaults leave a rewording of the same report (word 5-gram Jaccard about 0.3, not a
    near-duplicate); ``drop=0.01, swap=0.01`` leaves a near-duplicate (Jaccard about 0.9).
    """
    words = text.split()
    if len(words) < 3:
        return text
    keep = rng.random(len(words)) >= drop
    if keep.all():  # always an edit: an unchanged text would be the same article, not a copy
        keep[int(rng.integers(len(words)))] = False
    kept = [w for w, k in zip(words, keep, strict=True) if k]
    swaps = rng.random(len(kept)) < swap
    for i in range(len(kept) - 1):
        if swaps[i]:
            kept[i], kept[i + 1] = kept[i + 1], kept[i]
    return " ".join(kept)


@dataclass(slots=True)
class _Member:
    story: int  # story number counted backwards from END (0 = newest start)
    ordinal: int  # position in the story, by time
    minute: int  # minutes before END (0 = END)
    duplicate_of: int  # ordinal of the member it near-duplicates, -1 if none


def _plan(n_articles: int, seed: int, articles_per_day: int) -> list[_Member]:
    """The newest ``n_articles`` members of stories generated backwards from END, oldest first."""
    starts = np.random.default_rng([seed, 0])
    story_rate = articles_per_day / _MEAN_SIZE  # new stories a day, in the steady state
    horizon = (n_articles / articles_per_day) * 1.15 + 22  # days back: the window plus a story's length
    members: list[_Member] = []
    start_days = 0.0
    story = 0
    while start_days < horizon:
        start_days += float(starts.exponential(1 / story_rate))
        rng = np.random.default_rng([seed, 1, story])
        size = 1 + int(rng.lognormal(_SIZE_MU, _SIZE_SIGMA))
        length = float(rng.uniform(7, 21))
        # Most of a story's coverage comes early; the founder opens it.
        offsets = np.sort(np.concatenate([[0.0], rng.beta(1.0, 3.0, size - 1) * length]))
        duplicate = rng.random(size) < DUPLICATE_SHARE
        originals = rng.integers(0, np.maximum(np.arange(size), 1))
        for ordinal, offset in enumerate(offsets):
            minute = round((start_days - offset) * 1440)
            if minute < 0:
                break  # after END: not published yet
            dup = int(originals[ordinal]) if duplicate[ordinal] and ordinal else -1
            members.append(_Member(story, ordinal, minute, dup))
        story += 1
    members.sort(key=lambda m: (m.minute, m.story, m.ordinal))
    if len(members) < n_articles:
        raise RuntimeError(f"planned only {len(members)} articles for {n_articles}; raise the horizon")
    kept = members[:n_articles]
    kept.sort(key=lambda m: (-m.minute, m.ordinal, -m.story))  # within a minute, a story's members in order
    return kept


def _member_vector(base: np.ndarray, seed: int, story: int, ordinal: int) -> np.ndarray:
    noise = np.random.default_rng([seed, 2, story, ordinal]).standard_normal(base.shape[0]).astype(np.float32)
    vector = base + EMBEDDING_NOISE * noise
    return vector / np.linalg.norm(vector)


def _member_text(base: BaseText, seed: int, story: int, ordinal: int, attempt: int) -> str:
    return perturb(base.body, np.random.default_rng([seed, 3, story, ordinal, attempt]))


# (seed, story, ordinal, ordinal of the original or -1, base index, attempt)
_Job = tuple[int, int, int, int, int, int]
_WORKER: dict[str, Any] = {}  # base texts and vectors, inherited by the forked preparing process


def _copy(job: _Job) -> tuple[str, bytes, np.ndarray]:
    """Text, packed embedding and MinHash of one stored copy (deterministic in the job)."""
    seed, story, ordinal, original, b, attempt = job
    base, base_vector = _WORKER["bases"][b], _WORKER["vectors"][b]
    if original >= 0:  # a light edit of an earlier copy: its vector, nearly its text
        text = perturb(
            _member_text(base, seed, story, original, 0),
            np.random.default_rng([seed, 5, story, ordinal, attempt]),
            0.01,
            0.01,
        )
        vector = _member_vector(base_vector, seed, story, original)
    else:
        text = _member_text(base, seed, story, ordinal, attempt)
        vector = _member_vector(base_vector, seed, story, ordinal)
    return text, pack(vector[None, :]), signature(text)


def _copies(jobs: list[_Job]) -> list[tuple[str, bytes, np.ndarray]]:
    return [_copy(job) for job in jobs]


def _prepared(chunks: Iterator[list[_Job]]) -> Iterator[list[tuple[str, bytes, np.ndarray]]]:
    """The copies of each chunk, made in a second process while this one writes (a few chunks ahead)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        ahead: deque[Future[list[tuple[str, bytes, np.ndarray]]]] = deque()
        for chunk in chunks:
            ahead.append(pool.submit(_copies, chunk))
            if len(ahead) > 3:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _sidecar(n_articles: int, seed: int, embedder: str, bases: str, articles_per_day: int) -> dict:
    second = default_model().second
    return {
        "version": BUILD_VERSION,
        "n_articles": n_articles,
        "seed": seed,
        "embedder": embedder,
        "second_opinion": f"{second.encoder}:{second.words}" if second else None,
        "claims": BUILTIN,
        "bases": bases,
        "articles_per_day": articles_per_day,
        "end": END.isoformat(),
    }


def built_record(path: str | Path) -> dict[str, Any] | None:
    """What the store at ``path`` was built from (``build``, ``migrations``, ``stats``), None if not built here."""
    if is_postgres(path):
        comment = database_comment(str(path)) if database_exists(str(path)) else None
        return json.loads(comment) if comment and comment.startswith("{") else None
    sidecar = Path(f"{path}.json")
    return json.loads(sidecar.read_text()) if Path(path).exists() and sidecar.exists() else None


def build_store(
    path: str | Path, n_articles: int, seed: int = 0, progress: bool = False, articles_per_day: int = ARTICLES_PER_DAY
) -> Path | str:
    """Write a storyline store of ``n_articles`` analysed articles in stories at ``path``; return ``path``.

    ``path`` is an SQLite file path or a ``postgresql://`` URL of a database this function may
    create, drop and replace (see ``backends.py``); either is opened with ``open_store`` and written
    through the store contract alone, so both backends get the same rows. Reuses ``path`` when what
    it was built from (an SQLite store's ``.json`` sidecar, a PostgreSQL database's comment) has
    the same parameters under the same migrations (delete the store to force a rebuild); otherwise
    builds into ``path.tmp`` (database ``NAME_tmp``) and renames it, so an interrupted build is
    never reused. A PostgreSQL build ends with ``VACUUM (ANALYZE)``: the planner statistics that
    autovacuum would have gathered over the months such a store takes to write. The newest article is dated
    :data:`END` (2026-11-01), the oldest ``n_articles / articles_per_day`` days before; the
    store holds every table the stories stage and the views read (articles with their sources
    and full-text index, analysis, MinHash bands, entity statistics, claims, stories, members,
    timelines and the browse tables), nothing left for ``update_stories`` to do. See the module
    docstring for what is real and what is approximated (copies' embeddings, entities, claims).

    >>> build_store("benchmarks/.cache/store-10000.db", 10_000)  # doctest: +SKIP
    PosixPath('benchmarks/.cache/store-10000.db')
    """
    postgres = is_postgres(path)
    backend = "postgres" if postgres else "sqlite"
    path = str(path) if postgres else Path(path)
    bases, _ = base_and_held_out()
    expected = _sidecar(n_articles, seed, DEFAULT_EMBEDDER, _fingerprint(bases), articles_per_day)
    built = built_record(path)
    if built and built["build"] == expected and _schema_current(built.get("migrations", {}), backend):
        return path
    embedder = get_embedder(DEFAULT_EMBEDDER)
    vectors, entities, claims = base_analysis(bases)
    second = default_model().second
    second_vectors = base_second_vectors(bases, second) if second else None
    plan = _plan(n_articles, seed, articles_per_day)
    base_of = np.random.default_rng([seed, 4]).permutation(len(bases))  # story k uses base_of[k % len(bases)]

    if postgres:
        tmp: Path | str = with_database(path, f"{urlsplit(path).path.lstrip('/')}_tmp")
        drop_database(tmp)
        create_database(tmp)
    else:
        tmp = Path(path).with_name(Path(path).name + ".tmp")
        remove_store(tmp)
    started = time.perf_counter()
    migrations = _migrations(backend)
    store = open_store(tmp)
    if not postgres:
        # Build speed only (the file is the same): a transaction's dirty pages of the band and FTS
        # B-trees stay in memory instead of spilling from SQLite's default 2 MB page cache.
        store._execute("PRAGMA cache_size = -2097152")  # type: ignore[attr-defined]
    # A story ends when its last stored member is written: then its row is saved and its state freed.
    last_index = {m.story: i for i, m in enumerate(plan)}
    stories: dict[int, Story] = {}
    ids: dict[int, dict[int, str]] = {}  # story -> {ordinal: article id}, for duplicate_of, while it runs
    seen: set[str] = set()  # every id written: a repeated text would be a second source, not a new article
    written = duplicates = 0
    seen_stories: set[int] = set()
    _WORKER.update(bases=bases, vectors=vectors)
    jobs = (
        [
            (seed, m.story, m.ordinal, m.duplicate_of, int(base_of[m.story % len(bases)]), 0)
            for m in plan[begin : begin + _BATCH]
        ]
        for begin in range(0, len(plan), _BATCH)
    )
    for begin, prepared in zip(range(0, len(plan), _BATCH), _prepared(jobs), strict=True):
        with store.transaction():
            for i, (text, packed, minhash) in enumerate(prepared, start=begin):
                m = plan[i]
                b = int(base_of[m.story % len(bases)])
                duplicate_of = ids.get(m.story, {}).get(m.duplicate_of) if m.duplicate_of >= 0 else None
                if m.duplicate_of >= 0 and duplicate_of is None:  # its original is older than the store
                    text, packed, minhash = _copy((seed, m.story, m.ordinal, -1, b, 0))
                when = END - timedelta(minutes=m.minute)
                source = f"news{(m.story * 7 + m.ordinal * 13) % SOURCES}.example"
                url = f"https://{source}/{when:%Y/%m}/{m.story}-{m.ordinal}"
                attempt = 0
                while (aid := article_id(text, url)) in seen:  # rare: two light edits that came out the same
                    attempt += 1
                    text, packed, minhash = _copy(
                        (seed, m.story, m.ordinal, m.duplicate_of if duplicate_of else -1, b, attempt)
                    )
                seen.add(aid)
                base = bases[b]
                article = Article(
                    id=aid,
                    title=base.title or None,
                    text=text,
                    lang=base.lang,
                    lang_confidence=1.0,
                    published=PublishedDate(when.replace(tzinfo=UTC), DatePrecision.MINUTE, True),
                    source=source,
                    url=url,
                    sitename=source,
                    origin=f"large_store:{m.story}:{m.ordinal}",
                    extractor="large_store",
                )
                store.add_article(article, url)
                stored = unpack(packed, embedder.dim)[0]  # what the tracker reads back
                store.add_analysis(Analysis(aid, embedder.name, stored, minhash, entities[b]), band_keys(minhash))
                store.add_claims(aid, BUILTIN, claims[b])
                written += 1
                ids.setdefault(m.story, {})[m.ordinal] = aid
                story = stories.get(m.story)
                created = story is None
                if created:
                    story = Story(
                        id=f"st_{aid[:16]}",
                        number=len(seen_stories),
                        created_seq=written,
                        centroid_sum=np.zeros(embedder.dim, dtype=np.float32),
                    )
                    stories[m.story] = story
                    seen_stories.add(m.story)
                similarity = 1.0 if created or duplicate_of else round(float(np.dot(stored, story.centroid)), 4)
                add_member(
                    story,
                    Profile(
                        aid,
                        article.lang,
                        article.title or "",
                        stored,
                        {e.key: float(e.count) for e in entities[b]},
                        source=source,
                    ),
                    shapes=not duplicate_of,
                    when=when,
                    seq=written,
                )
                duplicates += bool(duplicate_of)
                store.add_member(StoryMember(aid, story.id, similarity, duplicate_of, written))
                if last_index[m.story] == i:  # the story as the store ends: its row, then its timeline
                    ended = stories.pop(m.story)
                    if second_vectors is not None:  # as kept by earlier runs that asked the second opinion
                        for exemplar in ended.exemplars:
                            store.add_second_vector(
                                exemplar.id, second.encoder, _second_vector(second_vectors[b], seed, exemplar.id)
                            )
                    store.save_story(story_record(ended, {}))
                    refresh_timelines(store, {story.id})
                    del ids[m.story]
        if progress:
            rate = (begin + _BATCH) / (time.perf_counter() - started)
            print(
                f"\r  {min(begin + _BATCH, len(plan)):,}/{len(plan):,} articles, {rate:,.0f}/s",
                end="",
                file=sys.stderr,
                flush=True,
            )
    if progress:
        print(file=sys.stderr)
    for stage in ("analysis", "stories", f"claims:{BUILTIN}"):  # all done, as after a run of the tracker
        store.advance_mark(stage)
    store.close()
    if postgres:
        vacuum_analyze(str(tmp))
        drop_database(str(path))
        rename_database(str(tmp), str(path))
    else:
        remove_store(path)
        Path(tmp).replace(path)
    stats = {
        "articles": written,
        "duplicates": duplicates,
        "stories": len(seen_stories),
        "build_seconds": round(time.perf_counter() - started, 1),
        "bytes": store_bytes(path),
    }
    record = {"build": expected, "migrations": migrations, "stats": stats}
    if postgres:
        set_database_comment(str(path), json.dumps(record))
    else:
        Path(f"{path}.json").write_text(json.dumps(record, indent=2))
    return path


def cached_store(
    n_articles: int,
    seed: int = 0,
    progress: bool = False,
    articles_per_day: int = ARTICLES_PER_DAY,
    server: str | None = None,
) -> Path | str:
    """``build_store`` at ``benchmarks/.cache/store-N.db``, with ``-sSEED`` and ``-dRATE`` when not the defaults;
    with ``server`` (a ``postgresql://`` URL), in database ``storyline_bench_store_N`` (``_sSEED``, ``_dRATE``) there."""
    name = f"store-{n_articles}" + (f"-s{seed}" if seed else "")
    name += f"-d{articles_per_day}" if articles_per_day != ARTICLES_PER_DAY else ""
    if server:
        return build_store(
            with_database(server, "storyline_bench_" + name.replace("-", "_")),
            n_articles,
            seed,
            progress,
            articles_per_day,
        )
    CACHE.mkdir(exist_ok=True)
    return build_store(CACHE / f"{name}.db", n_articles, seed, progress, articles_per_day)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n_articles", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--articles-per-day", type=int, default=ARTICLES_PER_DAY, help="news rate (default %(default)s)"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="build in databases storyline_bench_store_N of this PostgreSQL server (a postgresql:// URL; needs"
        " CREATEDB) instead of SQLite files",
    )
    args = parser.parse_args()
    for n in args.n_articles:
        path = cached_store(n, args.seed, progress=True, articles_per_day=args.articles_per_day, server=args.db)
        record = built_record(path)
        print(path, record and record["stats"])


if __name__ == "__main__":
    main()
