"""Near-duplicates: MinHash signatures over word shingles, banded for lookup.

Syndicated copies and updated versions of one article share most of their word 5-grams; their
estimated Jaccard similarity is high while two reports of the same event in other words stay low.
A duplicate adds a source to its story, not new coverage. The band keys are stored with the
article, so the lookup scales with the store, not with memory.
"""

from __future__ import annotations

import hashlib

import numpy as np
from rensa import RMinHash

from storyline.model import normalize_for_identity

NUM_PERM = 128
ROWS_PER_BAND = 4  # 32 bands: pairs above ~0.5 Jaccard almost always share a band
SHINGLE_WORDS = 5
DUPLICATE_JACCARD = 0.7
_SEED = 1729


def shingles(text: str) -> list[str]:
    """Word n-grams of the normalized text (case, accents' composition and punctuation ignored)."""
    words = normalize_for_identity(text).split()
    if len(words) <= SHINGLE_WORDS:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]


def signature(text: str) -> np.ndarray:
    """MinHash signature (NUM_PERM uint32 values) of the text's shingles."""
    minhash = RMinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update(shingles(text))
    return np.asarray(minhash.digest(), dtype=np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite integers), band number mixed in."""
    keys = []
    for band in range(NUM_PERM // ROWS_PER_BAND):
        chunk = sig[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


def best_jaccard(signature: np.ndarray, others: list[np.ndarray]) -> float:
    """The highest `estimated_jaccard` of `signature` with any of `others` (0.0 without others), in one pass."""
    return float((np.stack(others) == signature).mean(axis=1).max()) if others else 0.0
