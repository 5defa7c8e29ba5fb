"""`storyline eval similarity`: pair similarity and story grouping on SemEval-2022 Task 8 style files.

Each line: {"pair_id", "lang1", "lang2", "text1", "text2", "Overall", "machine_translated", ...}
with Overall from 1 (very similar) to 4. Texts are "title\\nbody". Reported, with baselines run in
the same call: Pearson of the similarity with -Overall (all pairs, original vs machine-translated,
per language pair); and, from one stream of every text through story assignment, pairwise
precision/recall/F1 of "same story" (Overall <= 1.5 same, >= 3.0 different, the rest unscored).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from storyline.enrich.analysis import analyze
from storyline.enrich.embed import DEFAULT_EMBEDDER, embedding_text, get_embedder
from storyline.model import Article, article_id
from storyline.stories.cluster import StoryIndex, assignment_threads
from storyline.stories.similarity import (
    Profile,
    SecondEmbeddings,
    SimilarityModel,
    default_model,
    numbers_in,
    pair_features,
    second_opinion_text,
    title_grams,
)
from storyline.text.encoding import fix_text
from storyline.text.language import detect_language

SAME_STORY_MAX = 1.5
DIFFERENT_MIN = 3.0


@dataclass(frozen=True)
class Pair:
    pair_id: str
    lang1: str
    lang2: str
    text1: str
    text2: str
    overall: float
    machine_translated: bool


def load_pairs(path: str | Path) -> list[Pair]:
    pairs = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                pairs.append(
                    Pair(
                        str(r["pair_id"]),
                        r["lang1"],
                        r["lang2"],
                        fix_text(r["text1"]).strip(),
                        fix_text(r["text2"]).strip(),
                        float(r["Overall"]),
                        bool(r.get("machine_translated")),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}, line {number}: not a similarity pair ({exc})") from exc
    return pairs


def _article(text: str, lang: str | None) -> Article:
    title, _, body = text.partition("\n")
    body = body.strip() or title
    return Article(id=article_id(text), title=title.strip(), text=body, lang=lang or detect_language(text)[0])


class PairData:
    """Profiles of every text of a pair file, and the IDF of their entities."""

    def __init__(self, pairs: list[Pair], embedder_name: str = DEFAULT_EMBEDDER, second_words: int = 0) -> None:
        """`second_words`: what the second-opinion encoder reads of each text (0: no second opinion)."""
        self.pairs = pairs
        texts: dict[str, str] = {}
        for p in pairs:
            texts.setdefault(p.text1, p.lang1)
            texts.setdefault(p.text2, p.lang2)
        self.texts = list(texts)
        embedder = get_embedder(embedder_name)
        self.by_text: dict[str, Profile] = {}
        for start in range(0, len(self.texts), 128):
            chunk = self.texts[start : start + 128]
            batch = [_article(t, texts[t]) for t in chunk]
            for text, article, analysis in zip(chunk, batch, analyze(batch, embedder), strict=True):
                self.by_text[text] = Profile(
                    id=article.id,
                    lang=article.lang,
                    title=article.title or "",
                    embedding=analysis.embedding,
                    entities={e.key: float(e.count) for e in analysis.entities},
                    numbers=numbers_in(f"{article.title} {article.text}"),
                    title_grams=title_grams(article.title or ""),
                    minhash=analysis.minhash,
                    second_text=second_opinion_text(embedding_text(article.title, article.text), second_words)
                    if second_words
                    else "",
                )
        frequency: dict[str, int] = defaultdict(int)
        for profile in self.by_text.values():
            for key in profile.entities:
                frequency[key] += 1
        self._second: SecondEmbeddings | None = None
        self.asked: set[str] = set()  # profiles whose second-opinion vector was asked for (what a stream would embed)
        total = len(self.by_text)
        self._idf = {k: float(np.log((total + 1) / (v + 1)) + 1) for k, v in frequency.items()}

    def idf(self, key: str) -> float:
        return self._idf.get(key, 1.0)

    def features(self, pair: Pair) -> np.ndarray:
        return pair_features(self.by_text[pair.text1], self.by_text[pair.text2], self.idf)

    def probability(self, model: SimilarityModel, pair: Pair) -> float:
        """The pair's final probability: the first model's, or the second opinion's where it is uncertain."""
        features = self.features(pair)
        first = model.probability(features)
        if model.second is None or not model.needs_second_opinion(first):
            return first
        a, b = (
            self.second_embedding(model, self.by_text[pair.text1]),
            self.second_embedding(model, self.by_text[pair.text2]),
        )
        return first if a is None or b is None else model.second.probability(features, float(np.dot(a, b)))

    def second_embedding(self, model: SimilarityModel, profile: Profile) -> np.ndarray | None:
        """Vectors are kept on the profiles: every stream and score of this data reuses them."""
        if model.second is None:
            return None
        self.asked.add(profile.id)
        if self._second is None or self._second.second.encoder != model.second.encoder:
            self._second = SecondEmbeddings(model.second)
        return self._second(profile)

    def prefetch_second(self, model: SimilarityModel) -> None:
        """Every text's second-opinion vector, in batches (for training, which needs them all)."""
        if model.second is not None and self.by_text:
            self.second_embedding(model, next(iter(self.by_text.values())))
            assert self._second is not None
            self._second.prefetch(list(self.by_text.values()))

    def cosine(self, pair: Pair) -> float:
        return float(np.dot(self.by_text[pair.text1].embedding, self.by_text[pair.text2].embedding))


def stream_stories(data: PairData, model: SimilarityModel, only: set[str] | None = None) -> dict[str, str]:
    """Every text (or those in `only`) through story assignment, in file order: text -> story id."""
    index = StoryIndex(
        model, data.idf, (lambda profile: data.second_embedding(model, profile)) if model.second else None
    )
    story_of: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    with assignment_threads():
        for text in data.texts if only is None else [t for t in data.texts if t in only]:
            decision = index.assign(data.by_text[text])
            members[decision.story.id].append(text)
            for gone in decision.merged:
                members[decision.story.id].extend(members.pop(gone, []))
    for story_id, texts in members.items():
        for text in texts:
            story_of[text] = story_id
    return story_of


def pearson(x: Iterable[float], y: Iterable[float]) -> float:
    a, b = np.asarray(list(x), float), np.asarray(list(y), float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _tfidf_cosines(pairs: list[Pair], texts: list[str]) -> list[float]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    row = {t: i for i, t in enumerate(texts)}
    return [float(matrix[row[p.text1]].multiply(matrix[row[p.text2]]).sum()) for p in pairs]


def _correlations(pairs: list[Pair], values: list[float]) -> dict[str, Any]:
    target = [-p.overall for p in pairs]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        groups[f"{p.lang1}-{p.lang2}"].append(i)
    return {
        "all": pearson(values, target),
        "original": pearson(
            [v for v, p in zip(values, pairs, strict=True) if not p.machine_translated],
            [t for t, p in zip(target, pairs, strict=True) if not p.machine_translated],
        ),
        "machine_translated": pearson(
            [v for v, p in zip(values, pairs, strict=True) if p.machine_translated],
            [t for t, p in zip(target, pairs, strict=True) if p.machine_translated],
        ),
        "by_language_pair": {
            k: pearson([values[i] for i in v], [target[i] for i in v]) for k, v in sorted(groups.items())
        },
    }


def same_story_prf(pairs: list[Pair], same: list[bool]) -> dict[str, float]:
    tp = fp = fn = 0
    for p, predicted in zip(pairs, same, strict=True):
        if SAME_STORY_MAX < p.overall < DIFFERENT_MIN:
            continue
        gold = p.overall <= SAME_STORY_MAX
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def evaluate(
    path: str | Path, model: SimilarityModel | None = None, embedder_name: str = DEFAULT_EMBEDDER
) -> dict[str, Any]:
    """All figures of `storyline eval similarity`, as a dict."""
    model = model or default_model()
    pairs = load_pairs(path)
    data = PairData(pairs, embedder_name, model.second.words if model.second else 0)
    similarity = [data.probability(model, p) for p in pairs]
    cosine = [data.cosine(p) for p in pairs]
    tfidf = _tfidf_cosines(pairs, data.texts)
    story_of = stream_stories(data, model)
    same = [story_of[p.text1] == story_of[p.text2] for p in pairs]
    scored = [
        (c, p.overall <= SAME_STORY_MAX)
        for c, p in zip(cosine, pairs, strict=True)
        if p.overall <= SAME_STORY_MAX or p.overall >= DIFFERENT_MIN
    ]
    best_cosine = max(
        (same_story_prf(pairs, [c >= t for c in cosine])["f1"], float(t)) for t in np.linspace(0.2, 0.9, 71)
    )
    return {
        "pairs": len(pairs),
        "scored_pairs": len(scored),
        "pearson": {
            "storyline": _correlations(pairs, similarity),
            "embedding_cosine": _correlations(pairs, cosine),
            "tfidf_char_3_5": _correlations(pairs, tfidf),
        },
        "same_story": {
            "storyline_stream": same_story_prf(pairs, same),
            "embedding_cosine_best_threshold": {
                **same_story_prf(pairs, [c >= best_cosine[1] for c in cosine]),
                "threshold": best_cosine[1],
            },
        },
        "stories": len(set(story_of.values())),
        "per_pair": [
            {"pair_id": p.pair_id, "similarity": round(s, 4), "same_story": g}
            for p, s, g in zip(pairs, similarity, same, strict=True)
        ],
    }
