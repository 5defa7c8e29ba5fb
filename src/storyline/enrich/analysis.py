"""Per-article enrichment for story assignment: entities, near-duplicate signature, embedding."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from storyline.enrich.embed import Embedder, embedding_text, pack, unpack
from storyline.enrich.entities import extract_mentions, split_known_chains
from storyline.enrich.minhash import signature
from storyline.model import Analysis, Article, EntityCount


def count_entities(article: Article, ner: str = "") -> list[EntityCount]:
    """Entities of title and text, one entry per key, most mentioned first (`ner`: a statistical backend too)."""
    counts: dict[str, list] = defaultdict(lambda: ["", "", 0])
    text = extract_mentions(article.text, article.lang, ner=ner)
    title = extract_mentions(article.title, article.lang, ner=ner) if article.title else []
    for part in (split_known_chains(title, text), text):
        for mention in part:
            entry = counts[mention.key]
            entry[0] = entry[0] or mention.label
            entry[1] = entry[1] or mention.type
            entry[2] += 1
    return sorted((EntityCount(k, v[0], v[1], v[2]) for k, v in counts.items()), key=lambda e: (-e.count, e.key))


def analyze(articles: list[Article], embedder: Embedder, ner: str = "") -> list[Analysis]:
    """Analyse a batch (embedding is much faster in batches); the NER backend is recorded with each analysis."""
    vectors = embedder.embed([embedding_text(a.title, a.text) for a in articles])
    # Round through the storage format so what clustering sees now is what it reads back later.
    vectors = unpack(pack(vectors.astype(np.float32)), embedder.dim)
    return [
        Analysis(a.id, embedder.name, vector, signature(a.text), count_entities(a, ner), ner)
        for a, vector in zip(articles, vectors, strict=True)
    ]
