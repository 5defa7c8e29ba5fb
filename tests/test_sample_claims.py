"""Every claim shown for the bundled sample corpus, against what a person reading the texts wrote down.

`tests/data/sample_claims.jsonl` holds, for each sentence of the corpus that reports a business event,
the events written by hand from the texts (never from the extractor's output), following the guidelines
of `benchmarks/data/claims_news/README.md` with relative dates resolved against the publication date.
A shown claim is right when its sentence holds an expected event of its type with the same status and
date, and every participant it names is one of that event's. Issue 14 asks for every shown claim to be
right; the floors below are where the extractor stands, so that it can only move up.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from storyline import ingest, open_store, update_stories

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).with_name("data") / "sample_claims.jsonl"


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if c.isalnum() or c.isspace()).split())


def _same_party(found: str, expected: str) -> bool:
    """'Helvora' is 'Helvora Pharma'; an inflected 'Vesuvianą' is 'Vesuviana' (a shared start of six letters)."""
    a, b = _fold(found), _fold(expected)
    if not a or not b:
        return False
    if a in b.split() or b in a.split() or a == b or a in b or b in a:
        return True
    return any(x[:6] == y[:6] and min(len(x), len(y)) >= 6 for x in a.split() for y in b.split())


def _locator(origin: str) -> tuple[str, str]:
    name, _, locator = origin.partition(" (")
    return Path(name).name, locator.rstrip(")")


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = open_store(tmp_path_factory.mktemp("sample-claims") / "s.db")
    ingest([str(ROOT / "samples" / "corpus")], store)
    update_stories(store)
    expected: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        expected.setdefault(_locator(row["origin"]), []).append(row)
    articles = {_locator(a.origin): a for a in store.articles()}
    assert set(expected) <= set(articles), "every annotated article is in the corpus"
    shown = {
        aid: [c.to_dict() for c in found] for aid, found in store.claims([a.id for a in articles.values()]).items()
    }
    verdicts: Counter[str] = Counter()
    wrong: list[str] = []
    found_events = 0
    for where, article in sorted(articles.items()):
        sentences = expected.get(where, [])
        unpaired = {id(e): e for row in sentences for e in row["events"]}
        for claim in shown[article.id]:
            evidence = claim["evidence"]
            candidates = [
                e for row in sentences if row["sentence"] in evidence for e in row["events"] if id(e) in unpaired
            ]
            event = next((e for e in candidates if e["type"] == claim["type"]), None)
            verdicts["shown"] += 1
            if event is None:
                wrong.append(
                    f"{where[0]} {where[1]}: {claim['type']}/{claim['status']} not in this sentence: {evidence[:90]}"
                )
                continue
            del unpaired[id(event)]
            verdicts["type"] += 1
            names = [p["name"] for p in event["participants"]]
            checks = {
                "status": claim["status"] == event["status"],
                "date": (claim["date"], claim["date_precision"]) == (event["date"], event["date_precision"]),
                "participants": all(any(_same_party(p["name"], n) for n in names) for p in claim["participants"]),
            }
            verdicts.update(k for k, ok in checks.items() if ok)
            if all(checks.values()):
                verdicts["right"] += 1
            else:
                wrong.append(
                    f"{where[0]} {where[1]}: {claim['type']} "
                    + ", ".join(
                        f"{k} {claim[k] if k != 'participants' else [p['name'] for p in claim[k]]}"
                        f" (expected {event[k] if k != 'participants' else names})"
                        for k, ok in checks.items()
                        if not ok
                    )
                    + f": {evidence[:70]}"
                )
        found_events += sum(len(row["events"]) for row in sentences) - len(unpaired)
    return {
        "verdicts": verdicts,
        "wrong": wrong,
        "expected_events": sum(
            len(r) for rows in expected.values() for r in [[e for row in rows for e in row["events"]]]
        ),
        "found_events": found_events,
    }


def test_the_hand_written_claims_cover_the_corpus(judged: dict[str, Any]) -> None:
    assert judged["expected_events"] >= 150


def test_shown_claims_name_events_their_sentences_report(judged: dict[str, Any]) -> None:
    v = judged["verdicts"]
    # 2026-12-07: 66 claims shown, 49 of a type their sentence reports; issue 14 asks for all
    assert v["type"] / v["shown"] >= 0.72, "\n".join(judged["wrong"])


def test_shown_claims_are_right_in_every_field(judged: dict[str, Any]) -> None:
    v = judged["verdicts"]
    print("\n".join(judged["wrong"]))
    # 2026-12-07: of the 49 claims of a right type, status right 41, date 38, participants 39; all right 23 of 66
    assert v["right"] / v["shown"] >= 0.33, (v, "\n".join(judged["wrong"]))
    assert v["status"] / max(v["type"], 1) >= 0.8, v


def test_claims_find_the_events_of_the_corpus(judged: dict[str, Any]) -> None:
    # 2026-12-07: 49 of the 153 hand-written events are found with their type
    assert judged["found_events"] / judged["expected_events"] >= 0.3, judged["found_events"]
