"""Scores used by the benchmarks, as the bench README defines them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _squash(text: str) -> str:
    return " ".join(text.split())


def score_snippets(
    output: str | None, with_snippets: tuple[str, ...], without_snippets: tuple[str, ...], into: PRF
) -> None:
    """trafilatura-eval scoring: a `with` snippet found is a TP, missed an FN; a `without` found is an FP."""
    text = _squash(output or "")
    for snippet in with_snippets:
        if _squash(snippet) in text:
            into.tp += 1
        else:
            into.fn += 1
    for snippet in without_snippets:
        if _squash(snippet) in text:
            into.fp += 1


_TOKEN = re.compile(r"\w+", re.UNICODE)


def token_prf(output: str | None, gold: str) -> tuple[float, float, float]:
    """Token-level P/R/F1 of one page (bag of words with counts), as the scrapinghub benchmark scores."""
    predicted = Counter(t.lower() for t in _TOKEN.findall(output or ""))
    expected = Counter(t.lower() for t in _TOKEN.findall(gold))
    common = sum((predicted & expected).values())
    p = common / sum(predicted.values()) if predicted else 0.0
    r = common / sum(expected.values()) if expected else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class DateScore:
    correct: int = 0
    true_negatives: int = 0  # no date in the gold and none returned
    returned: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, found: str | None, gold: str | None, url: str = "") -> None:
        self.total += 1
        if found:
            self.returned += 1
        if found and gold and found[:10] == gold[:10]:
            self.correct += 1
        elif not found and not gold:
            self.true_negatives += 1
        elif url:
            self.misses.append(url)

    @property
    def precision(self) -> float:
        return self.correct / self.returned if self.returned else 0.0

    @property
    def recall(self) -> float:
        return self.returned / self.total if self.total else 0.0

    @property
    def accuracy(self) -> float:
        return (self.correct + self.true_negatives) / self.total if self.total else 0.0
