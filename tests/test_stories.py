"""Stories: the seeds become one story, the sample corpus groups as its gold file says, reruns agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storyline import ingest, open_store
from storyline.eval.stories import bcubed, pairwise, sample_gold, story_of
from storyline.model import Article, DatePrecision, PublishedDate, article_id
from storyline.pipeline import recluster, update_stories

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / ".." / "shared" / "seeds"
CORPUS = ROOT / "samples" / "corpus"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory):
    store = open_store(tmp_path_factory.mktemp("stories") / "s.db")
    paths = [str(CORPUS)] + ([str(SEEDS)] if SEEDS.is_dir() else [])
    ingest(paths, store)
    update_stories(store)
    return store


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_seeds_are_one_story(corpus_store) -> None:
    seeds = [a for a in corpus_store.articles() if "seeds" in a.origin]
    grouped = story_of(corpus_store)
    assert len(seeds) == 2
    assert grouped[seeds[0].id] == grouped[seeds[1].id]
    story = corpus_store.story_overview(grouped[seeds[0].id])
    assert story is not None and set(story.languages) >= {"it", "de"}
    members = {m.article_id for m in corpus_store.story_members(story.id)}
    assert {s.id for s in seeds} <= members


def test_sample_corpus_groups_as_gold(corpus_store) -> None:
    gold = sample_gold(corpus_store)
    predicted = story_of(corpus_store)
    b3, pairs = bcubed(predicted, gold), pairwise(predicted, gold)
    assert b3.precision >= 0.97, (b3, pairs)
    # 2026-12: 0.915 (0.872 before); the Pixora class action and launch delay and the Polish Vesuviana report
    # still stand apart (issue 14 asks for 0.95)
    assert b3.f1 >= 0.9, (b3, pairs)


def test_distractors_stay_apart(corpus_store) -> None:
    gold = sample_gold(corpus_store)
    grouped = story_of(corpus_store)
    for article, story in gold.items():
        if story.startswith("alone:"):
            mates = [a for a, s in grouped.items() if s == grouped[article] and a != article and a in gold]
            assert not mates, f"{story} joined {[gold[m] for m in mates]}"


def test_stories_json_shape(corpus_store) -> None:
    stories = corpus_store.browse_stories(limit=None).items
    assert stories
    for story in stories:
        assert {"id", "label", "size", "languages", "first_seen", "last_seen"} <= set(story.to_dict())
    assert sum(s.size for s in stories) == corpus_store.count_articles()


def _snapshot(path: Path) -> tuple:
    db = sqlite3.connect(path)
    members = sorted(db.execute("SELECT article_id, story_id, similarity, duplicate_of FROM story_members"))
    stories = sorted(db.execute("SELECT id, label, labels, languages, size, members, entities FROM stories"))
    return members, stories


def test_same_input_same_stories_and_recluster_agrees(tmp_path: Path) -> None:
    snapshots = []
    for name in ("a", "b"):
        store = open_store(tmp_path / f"{name}.db")
        ingest([str(CORPUS)], store)
        update_stories(store)
        store.close()
        snapshots.append(_snapshot(tmp_path / f"{name}.db"))
    assert snapshots[0] == snapshots[1]
    kept = _second_vectors(tmp_path / "a.db")
    assert kept, "the sample corpus has uncertain pairs: the second opinion was asked and its vectors kept"
    store = open_store(tmp_path / "a.db")
    recluster(store)
    store.close()
    # Rebuilt from the kept vectors (read back as float16, as first used): the same stories, nothing added.
    assert _snapshot(tmp_path / "a.db") == snapshots[0]
    assert _second_vectors(tmp_path / "a.db") == kept


def _second_vectors(path: Path) -> dict[str, bytes]:
    with sqlite3.connect(path) as con:
        return dict(con.execute("SELECT article_id || ' ' || encoder, vector FROM second_vectors"))


def test_incremental_runs_keep_earlier_stories(tmp_path: Path) -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.suffix == ".txt")
    store = open_store(tmp_path / "s.db")
    ingest([str(p) for p in files[:10]], store)
    update_stories(store)
    first = story_of(store)
    ingest([str(p) for p in files[10:]], store)
    report = update_stories(store)
    assert report.assigned == len(files) - 10
    after = story_of(store)
    assert set(first) <= set(after)
    assert len(after) == store.count_articles()


def test_pruning_bound_covers_every_pair() -> None:
    """Assignment skips pairs whose cosine-only bound is below the best so far: the bound must never be lower
    than the real probability (the second opinion's where it is asked), whatever the other features are."""
    import numpy as np

    from storyline.stories.similarity import Profile, default_model, pair_bound, pair_features

    model = default_model()
    assert model.second is not None
    rng = np.random.default_rng(7)

    def random_profile() -> Profile:
        return Profile(
            id="x",
            lang=str(rng.choice(["de", "it"])),
            title="",
            embedding=np.zeros(4, np.float32),
            entities={f"k{i}": 1.0 for i in rng.choice(12, rng.integers(0, 6), replace=False)},
            numbers=frozenset(map(str, rng.integers(10, 14, rng.integers(0, 4)))),
            title_grams=frozenset(rng.choice(list("abcdef"), rng.integers(0, 5))),
        )

    pruned = asked = 0
    for cosine in np.linspace(-1, 1, 81):
        bound = model.max_probability(float(cosine))
        for _ in range(50):
            a, b = random_profile(), random_profile()
            features = pair_features(a, b, lambda k: 1.0, float(cosine))
            probability = model.probability(features)
            if model.needs_second_opinion(probability):
                asked += 1
                probability = model.second.probability(features, float(rng.uniform(-1, 1)))
            assert probability <= pair_bound(model, a, b, float(cosine)) <= bound
            pruned += pair_bound(model, a, b, float(cosine)) < model.join_threshold
    assert pruned > 1000  # not vacuous: most random pairs cannot reach a join
    assert asked > 100  # and the second opinion's bound is exercised


def _dated(text: str, when: str, source: str) -> Article:
    url = f"https://{source}/{when[:10]}"
    return Article(
        id=article_id(text, url),
        title=text.split("\n", 1)[0],
        text=text,
        lang=None,
        published=PublishedDate.fromisoformat(when, DatePrecision.MINUTE.value, True),
        source=source,
        url=url,
        origin="test_stories.py",
        extractor="test",
    )


def test_near_duplicates_join_the_active_story_of_their_copy(tmp_path: Path) -> None:
    """A copy joins its original's story as a duplicate while that story is active; once closed, copies are news."""
    base = (CORPUS / "d2_es_01.txt").read_text(encoding="utf-8").strip()
    other = (CORPUS / "d3_pl_01.txt").read_text(encoding="utf-8").strip()
    store = open_store(tmp_path / "s.db")

    def run(*articles: Article) -> None:
        for article in articles:
            store.add_article(article, article.url)
        update_stories(store)

    def member(article: Article) -> tuple[str, str | None]:
        [found] = [
            m for m in store.story_members(store.story_ids_of([article.id])[article.id]) if m.article_id == article.id
        ]
        return found.story_id, found.duplicate_of

    original = _dated(base, "2026-01-01T08:00", "a.example")
    syndicated = _dated(base + "\nFuente: agencias.", "2026-01-02T08:00", "b.example")
    run(original, syndicated)
    assert member(syndicated) == (member(original)[0], original.id)

    # Months later the original's story has closed: a new copy starts a story of its own, and a copy of that
    # copy joins it as a duplicate, though it is closer still to the closed original.
    run(_dated(other, "2026-05-30T08:00", "c.example"))
    reprint = _dated(base + "\nActualizado: la ruta se retrasa.", "2026-06-01T08:00", "d.example")
    run(reprint)
    assert member(reprint) == (f"st_{reprint.id[:16]}", None)
    again = _dated(base + "\nVía: prensa local.", "2026-06-02T08:00", "e.example")
    run(again)
    assert member(again) == (member(reprint)[0], reprint.id)


def test_centroid_index_finds_the_nearest_exactly_then_through_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact up to EXACT_SEARCH_MAX stories (ties: the lower key), through usearch's HNSW graph beyond; rows move
    on removal without losing a key."""
    import numpy as np

    from storyline.stories import cluster

    monkeypatch.setattr(cluster, "EXACT_SEARCH_MAX", 200)
    rng = np.random.default_rng(3)
    index = cluster.CentroidIndex()
    alive: dict[int, np.ndarray] = {}
    checked = {"exact": 0, "graph": 0}
    for key in range(400):
        vector = rng.standard_normal(32).astype(np.float32)
        index.add(key, vector / np.linalg.norm(vector))
        alive[key] = vector / np.linalg.norm(vector)
        if key % 3 == 0 and key - 1 in alive:
            index.remove(key - 1)
            del alive[key - 1]
        if key % 20 == 19:
            query = rng.standard_normal(32).astype(np.float32)
            keys = np.array(sorted(alive))
            truth = set(keys[np.argsort(-(np.stack([alive[k] for k in keys]) @ query), kind="stable")[:10]].tolist())
            found = set(index.search(query, 10))
            assert len(index) == len(alive) and all(k in index for k in alive)
            if index._graph is None:
                assert found == truth
                checked["exact"] += 1
            else:
                assert len(found & truth) >= 9
                checked["graph"] += 1
    assert checked["exact"] >= 5 and checked["graph"] >= 5
    twins = cluster.CentroidIndex()
    for key in (7, 3, 5):
        twins.add(key, np.array([1, 0, 0, 0], np.float32))
    assert twins.search(np.array([1, 0, 0, 0], np.float32), 2) == [3, 5]


def test_second_opinion_vectors_do_not_depend_on_batching() -> None:
    """Second-opinion vectors are computed lazily, in whatever batches the pairs ask for: a run that
    asks in another order (a re-run after a kill) must get the same vectors, hence the same stories."""
    import numpy as np

    from storyline.stories.similarity import Profile, SecondEmbeddings, default_model

    second = default_model().second
    assert second is not None
    texts = [
        "Leica verlässt Huawei und geht zu Xiaomi",
        "Leica lascia Huawei per Xiaomi: la partnership è finita",
        "A new Huawei phone launches with a periscope camera",
        "",
        "Borsa di Milano chiude in rialzo",
    ]

    def profiles() -> list[Profile]:
        return [
            Profile(id=str(i), lang=None, title="", embedding=np.zeros(4, np.float32), entities={}, second_text=t)
            for i, t in enumerate(texts)
        ]

    batched, single = profiles(), profiles()
    SecondEmbeddings(second).prefetch(batched)
    lazy = SecondEmbeddings(second)
    vectors = [lazy(p) for p in reversed(single)][::-1]
    assert lazy.computed == 4 and vectors[3] is None  # nothing to read: no second opinion for that article
    for a, b in zip(batched, vectors, strict=True):
        if b is not None:
            assert a.second_embedding is not None
            np.testing.assert_allclose(a.second_embedding, b, atol=1e-6)
            assert abs(float(np.linalg.norm(b)) - 1) < 1e-3  # unit length, rounded to float16 as kept
    # Related stories score closer than unrelated ones, across languages.
    assert float(np.dot(vectors[0], vectors[1])) > float(np.dot(vectors[0], vectors[4]))


def test_bcubed_and_pairwise_against_hand_computed_values() -> None:
    gold = {"a": "x", "b": "x", "c": "x", "d": "y"}
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2"}
    b3 = bcubed(predicted, gold)
    # precision: a, b 2/2; c, d 1/2 -> 0.75; recall: a, b 2/3; c 1/3; d 1/1 -> 2/3
    assert b3.precision == pytest.approx(0.75)
    assert b3.recall == pytest.approx(2 / 3)
    pairs = pairwise(predicted, gold)
    # gold pairs ab, ac, bc; predicted ab, cd: one right of two, one found of three
    assert (pairs.precision, pairs.recall) == (pytest.approx(0.5), pytest.approx(1 / 3))
    assert bcubed(gold, gold).f1 == 1.0


def test_join_calibration_lowers_for_time_gaps_unless_names_are_shared() -> None:
    import numpy as np

    from storyline.stories.similarity import MAX_SHARED_NAMES, JoinCalibration

    rule = JoinCalibration(grace_days=14, penalty=1.5, relief_per_shared_name=0.5)
    assert rule.join_probability(0.42, 0, 14.0) == 0.42  # within the grace
    by_gap = [rule.join_probability(0.5, 1, gap) for gap in (20.0, 40.0, 80.0)]
    assert by_gap == sorted(by_gap, reverse=True) and by_gap[-1] < 0.5
    by_names = [rule.join_probability(0.5, n, 60.0) for n in range(MAX_SHARED_NAMES + 3)]
    assert by_names == sorted(by_names) and by_names[MAX_SHARED_NAMES] == by_names[-1] == 0.5  # relieved, capped
    assert JoinCalibration(penalty=1.0, relief_per_shared_name=0.5).join_probability(0.5, 5, 400.0) == 0.5
    probabilities, gaps = np.linspace(0.01, 0.99, 25), np.linspace(0, 120, 25)
    many = rule.join_probabilities(probabilities, 1, gaps)
    assert many == pytest.approx([rule.join_probability(p, 1, g) for p, g in zip(probabilities, gaps, strict=True)])
    # What assignment prunes with (the most names) bounds every pair of a lower content probability.
    bound = rule.join_probabilities(probabilities, MAX_SHARED_NAMES, gaps)
    assert all(
        rule.join_probability(p * 0.9, n, g) <= b
        for p, g, b in zip(probabilities, gaps, bound, strict=True)
        for n in range(6)
    )


def test_shared_names_count_each_organisation_person_and_product_once() -> None:
    import numpy as np

    from storyline.stories.similarity import Profile, shared_names

    def profile(*keys: str) -> Profile:
        return Profile(
            id="x", lang="en", title="", embedding=np.zeros(4, np.float32), entities=dict.fromkeys(keys, 1.0)
        )

    a = profile("name:quantix semiconductors", "name:quantix", "product:qx7", "city:2759794", "qty:EUR:1e+09")
    b = profile("name:quantix", "product:qx7", "city:2759794", "qty:EUR:1e+09", "name:femke de wit")
    assert shared_names(a, b) == 2  # the company once, the product; not the city or the amount
    assert shared_names(a, profile("name:quantix semiconductors", "name:quantix")) == 1
    assert shared_names(a, profile("city:2759794")) == 0


def test_dated_arcs_keep_their_stories_and_leave_out_their_distractors(tmp_path: Path) -> None:
    """The quality gate of benchmarks/arcs.py: the dated multi-week arcs, every split, above a recorded floor."""
    from storyline.eval.stories import ARCS_DIR, arcs_gold, load_arcs

    store = open_store(tmp_path / "arcs.db")
    ingest([str(p) for p in sorted(ARCS_DIR.glob("*.jsonl"))], store)
    update_stories(store)
    gold = arcs_gold(store, load_arcs())
    b3 = bcubed(story_of(store), gold)
    assert len(gold) >= 300
    assert b3.precision >= 0.9 and b3.recall >= 0.75, b3  # 2026-12: 0.925 / 0.774 (0.929 / 0.549 before)


def test_second_opinions_of_a_batch_are_embedded_ahead(tmp_path: Path) -> None:
    """Story assignment embeds ahead, in batches, the texts the second opinion will read while a batch is assigned.
    Most uncertain pairs lie within a batch (news comes in bursts), so the look-ahead counts each earlier article
    of the batch as a story of its own: few texts are left to embed one at a time, and no decision changes
    (vectors depend on their text alone, `test_second_opinion_vectors_do_not_depend_on_batching`)."""
    from storyline.pipeline import assign
    from storyline.stories.similarity import SecondEmbeddings, default_model

    store = open_store(tmp_path / "s.db")
    ingest([str(CORPUS)], store)
    assign.analyse_new_articles(store)
    index, labels = assign._load_index(store, default_model(), assign._Idf(store))
    second = index.second_embedding
    assert isinstance(second, SecondEmbeddings)
    batch = [assign._profile(a, analysis, default_model().second.words) for a, analysis in store.unassigned()]
    with store.transaction():
        assign._prefetch_second_opinions(index, batch)
        ahead = second.computed
        for profile in batch:
            assign._assign_one(store, index, labels, assign.StoriesReport(), profile)
    late = second.computed - ahead
    assert len(batch) > 40 and ahead >= 10  # the corpus does ask the second opinion, and the look-ahead saw it coming
    assert late <= ahead // 10, (ahead, late)
