"""Pick the SemEval dev articles and sentences for the claims annotation (benchmarks/data/claims_news/).

    python scripts/sample_claim_sentences.py OUT.jsonl [--round 2|3]

Round 1, per language, 40 articles: 28 ranked by how close their lead is (multilingual USE cosine) to
short descriptions of business events, so that events are frequent enough to measure, and 12 drawn at
random, so that sentences without events are a fair share. Round 2 (events were still rare: 152 in
1,806 sentences) adds the next 40 articles of the ranking per language. Each article contributes its
first six sentences. Articles are split into dev and test by a hash of their id, before anything is tuned.
Round 3 (training data for the learned claim models: the dev split had 107 events) takes only dev-split
articles not annotated before: per language, the sentences of the 120 articles whose leads rank highest,
ranked themselves by closeness to the event descriptions, the first 190 kept and 30 more drawn at random
from the rest. Its sentences are therefore event-rich and never scored: the test split is unchanged.

The output carries the sentence texts for the annotators and is never committed (the texts stay in
../shared); the committed annotations keep only article ids and character offsets.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

from storyline.enrich.embed import get_embedder
from storyline.eval.claims import article_id, dev_articles, sentence_spans
from storyline.eval.datasets import bench_dir, split_of

LANGUAGES = ("en", "de", "es", "fr", "it", "pl", "tr", "zh")
PER_LANGUAGE, RANKED, SENTENCES = 40, 28, 6
ROUND3_ARTICLES, ROUND3_RANKED, ROUND3_RANDOM = 120, 190, 30
ANNOTATIONS = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "claims_news" / "annotations.jsonl"
PROTOTYPES = [
    "The company agreed to acquire its rival in a deal worth billions of dollars.",
    "The startup raised new funding from investors in a financing round.",
    "The firm launched a new product and will start selling it next month.",
    "Regulators fined the company and a court ruled in a lawsuit against it.",
    "The chief executive resigned and the board appointed a new CEO.",
    "The company will cut thousands of jobs, it said.",
    "The group reported quarterly revenue and profit above expectations.",
    "The two companies announced a partnership and a joint venture.",
]


def main(out: Path, round_: int) -> None:
    articles = dev_articles(bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl")
    embedder = get_embedder()
    prototypes = embedder.embed(PROTOTYPES)
    rng = random.Random(14)
    rows = []
    if round_ == 3:
        done = {json.loads(line)["article_id"] for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines() if line}
        articles = [a for a in articles if split_of(a.id) == "dev" and a.id not in done]
    for lang in LANGUAGES:
        pool = sorted(
            (a for a in articles if a.lang == lang and len(a.text) >= (150 if round_ == 3 and lang == "zh" else 400)),
            key=lambda a: a.id,
        )
        leads = embedder.embed([a.text[:600] for a in pool])
        score = (leads @ prototypes.T).max(axis=1)
        if round_ == 3:
            rows.extend(
                round3_rows([pool[i] for i in np.argsort(-score)[:ROUND3_ARTICLES]], lang, embedder, prototypes, rng)
            )
            continue
        ranked = [pool[i] for i in np.argsort(-score)[:RANKED]]
        rest = [a for a in pool if a not in ranked]
        chosen = ranked + rng.sample(rest, PER_LANGUAGE - RANKED)
        if round_ == 2:
            chosen = [pool[i] for i in np.argsort(-score)[RANKED:] if pool[i] not in chosen][:PER_LANGUAGE]
        for article in chosen:
            for index, (start, end) in enumerate(sentence_spans(article.text)[:SENTENCES]):
                rows.append(
                    {
                        "article_id": article.id,
                        "lang": lang,
                        "split": split_of(article.id),
                        "index": index,
                        "start": start,
                        "end": end,
                        "sentence": article.text[start:end],
                        "context": article.text[:start][-300:],
                    }
                )
    assert all(article_id(a.text) == a.id for a in articles)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences from {len({r['article_id'] for r in rows})} articles -> {out}")


def round3_rows(chosen: list, lang: str, embedder, prototypes: np.ndarray, rng: random.Random) -> list[dict]:
    candidates = [
        (article, index, start, end)
        for article in chosen
        for index, (start, end) in enumerate(sentence_spans(article.text))
        if end - start >= (12 if lang == "zh" else 30)
    ]
    score = (embedder.embed([a.text[s:e] for a, _, s, e in candidates]) @ prototypes.T).max(axis=1)
    order = list(np.argsort(-score))
    picked = order[:ROUND3_RANKED] + rng.sample(
        order[ROUND3_RANKED:], max(0, min(ROUND3_RANDOM, len(order) - ROUND3_RANKED))
    )
    return [
        {
            "article_id": a.id,
            "lang": lang,
            "split": "dev",
            "index": index,
            "start": start,
            "end": end,
            "sentence": a.text[start:end],
            "context": a.text[:start][-300:],
        }
        for a, index, start, end in (candidates[i] for i in sorted(picked))
    ]


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[3]) if sys.argv[2:3] == ["--round"] else 1)
