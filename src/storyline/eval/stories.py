"""Story grouping measured against gold: the sample corpus (`samples/gold.json`) and the dated story arcs.

The arcs (`benchmarks/data/arcs/*.jsonl`, written by us, fiction modelled on real reporting) are
multi-week stories told in several languages (a rumour, its confirmation, a delay, a ruling) with
distractors: the same company in another event, or the same kind of event at another company. Each
line is an article in storyline's JSONL input format plus its gold: `arc` (null for a distractor)
and `shares` (the arc a distractor echoes). Arcs are split into dev and test by a hash of the arc
id, a distractor going with the arc it echoes, fixed before anything was tuned on them.

Both are scored with B³ (per article: the share of its predicted story that is gold-same, and of
its gold story that it was grouped with) and pairwise P/R/F1 over all pairs of articles.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from storyline.eval.datasets import split_of
from storyline.store.base import Store

REPO = Path(__file__).resolve().parents[3]
SAMPLE_GOLD = REPO / "samples" / "gold.json"
ARCS_DIR = REPO / "benchmarks" / "data" / "arcs"
_SPLIT_SALT = "arcs-split"


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    """B³ precision and recall of a grouping, over the items of `gold` (each must be in `predicted`).

    >>> bcubed({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "y", "c": "y"}).recall
    0.6666666666666666
    """
    items = list(gold)
    if not items:
        return Scores(0.0, 0.0)
    both = Counter((predicted[i], gold[i]) for i in items)
    predicted_size = Counter(predicted[i] for i in items)
    gold_size = Counter(gold[i] for i in items)
    precision = sum(both[predicted[i], gold[i]] / predicted_size[predicted[i]] for i in items) / len(items)
    recall = sum(both[predicted[i], gold[i]] / gold_size[gold[i]] for i in items) / len(items)
    return Scores(precision, recall)


def pairwise(predicted: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    """Precision and recall of "same story" over every pair of `gold`'s items (1.0 where nothing is asked)."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same, same_gold = predicted[a] == predicted[b], gold[a] == gold[b]
        tp += same and same_gold
        fp += same and not same_gold
        fn += same_gold and not same
    return Scores(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def story_of(store: Store) -> dict[str, str]:
    """Article id -> story id, as the store holds them."""
    return store.story_ids_of([a.id for a in store.articles()])


def _by_origin(store: Store) -> dict[tuple[str, str], str]:
    """(file name, locator such as 'line 3' or ''), as ingest records an article's origin -> article id."""
    found = {}
    for article in store.articles():
        name, _, locator = article.origin.partition(" (")
        found[(Path(name).name, locator.rstrip(")"))] = article.id
    return found


def sample_gold(store: Store, path: Path = SAMPLE_GOLD) -> dict[str, str]:
    """Article id -> gold story of the sample corpus as stored (a distractor is a story of its own)."""
    by_origin = _by_origin(store)
    gold = {}
    for entry in json.loads(path.read_text(encoding="utf-8"))["articles"]:
        item = entry.get("item")
        locator = (
            "" if item is None else (f"line {item + 1}" if entry["file"].endswith("jsonl") else f"entry {item + 1}")
        )
        gold[by_origin[(entry["file"], locator)]] = entry["story"] or f"alone:{entry['file']}"
    return gold


@dataclass(frozen=True)
class ArcArticle:
    file: str
    line: int  # 1-based, as ingest's locator counts
    id: str
    arc: str | None
    shares: str | None
    lang: str
    published: str
    event: str

    @property
    def split(self) -> str:
        return split_of(self.arc or self.shares or self.id, _SPLIT_SALT)

    @property
    def gold(self) -> str:
        return self.arc or f"alone:{self.id}"


def arc_files(folder: Path = ARCS_DIR) -> list[Path]:
    return sorted(folder.glob("*.jsonl"))


def load_arcs(folder: Path = ARCS_DIR) -> list[ArcArticle]:
    rows = []
    for path in arc_files(folder):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    row = json.loads(line)
                    rows.append(
                        ArcArticle(
                            path.name,
                            number,
                            row["id"],
                            row["arc"],
                            row["shares"],
                            row["lang"],
                            row["published"],
                            row["event"],
                        )
                    )
    return rows


def arcs_gold(store: Store, arcs: list[ArcArticle], split: str | None = None) -> dict[str, str]:
    """Article id -> gold arc of the stored arcs articles (of one split, or all)."""
    by_origin = _by_origin(store)
    return {by_origin[(a.file, f"line {a.line}")]: a.gold for a in arcs if split in (None, a.split)}
