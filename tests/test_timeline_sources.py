"""How a timeline entry's latest status is backed: independent sources (wire copies and one site count
once), who reported it first and who confirmed it, and a mark when it rests only on unsure claims."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import invoke, invoke_json

from storyline import ingest, open_store
from storyline.model import Claim, Participant, TimelineEntry, TimelineReport
from storyline.pipeline import refresh_timelines, update_stories
from storyline.settings import Settings
from storyline.stories.timeline import build_timeline
from storyline.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _claim(status: str, confidence: float | None = None) -> dict[str, Any]:
    parties = [{"key": f"org:{n.lower()}", "name": n, "type": "ORG", "role": None} for n in ("Helvix", "Nordane")]
    claim = {
        "type": "acquisition",
        "status": status,
        "participants": parties,
        "date": None,
        "date_precision": None,
        "evidence": f"Helvix {status} Nordane",
        "attribution": None,
    }
    return claim if confidence is None else claim | {"confidence": confidence}


def _article(aid: str, source: str | None, published: str | None, duplicate_of: str | None = None) -> dict[str, Any]:
    return {"id": aid, "source": source, "published": published, "lang": "en", "duplicate_of": duplicate_of}


# A rumour, then one wire text confirming in two papers (the second a copy of the first), then an independent report.
WIRE = [
    _article("rumour", "blog.example", "2025-09-15"),
    _article("wire", "wire.example", "2025-10-06"),
    _article("copy", "paper.example", "2025-10-06T12:00", duplicate_of="wire"),
    _article("own", "other.example", "2025-10-07"),
]


def _entry(articles: list[dict[str, Any]], claims: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    [entry] = build_timeline(articles, claims)
    return entry.to_dict()  # as the API gives it


def test_copies_of_one_wire_text_count_once() -> None:
    claims = {
        "rumour": [_claim("rumoured")],
        "wire": [_claim("confirmed")],
        "copy": [_claim("confirmed")],
        "own": [_claim("confirmed")],
    }
    entry = _entry(WIRE, claims)
    assert [s["article_id"] for s in entry["status_history"]] == ["rumour", "wire", "copy", "own"]
    assert entry["status"] == "confirmed"
    assert entry["independent_sources"] == 2  # wire + its copy, and the independent report
    assert entry["first_report"] == {
        "article_id": "rumour",
        "source": "blog.example",
        "published": "2025-09-15",
        "status": "rumoured",
    }
    assert entry["confirmed_by"] == {
        "article_id": "wire",
        "source": "wire.example",
        "published": "2025-10-06",
        "status": "confirmed",
    }
    # The fields there were before stay as they were.
    assert entry["first_reported"] == {"article_id": "rumour", "source": "blog.example", "published": "2025-09-15"}
    assert set(entry["status_history"][0]) >= {"status", "article_id", "source", "published", "lang", "evidence"}
    # Without the duplicate link the copy is a third source.
    unlinked = [a | {"duplicate_of": None} for a in WIRE]
    assert _entry(unlinked, claims)["independent_sources"] == 3


def test_independent_sources_counts_only_the_latest_status_and_merges_sites_and_chains() -> None:
    articles = [
        *WIRE,
        _article("again", "www.Other.example", "2025-10-08"),  # one site, another article
        _article("copy2", "third.example", "2025-10-09", duplicate_of="copy"),  # a copy of the copy
        _article("undated", None, None),
    ]
    claims = {
        "rumour": [_claim("rumoured")],
        "wire": [_claim("confirmed")],
        "copy": [_claim("confirmed")],
        "own": [_claim("confirmed")],
        "again": [_claim("confirmed")],
        "copy2": [_claim("confirmed")],
        "undated": [_claim("rumoured")],
    }
    entry = _entry(articles, claims)
    assert entry["independent_sources"] == 2  # the rumours do not back a confirmation
    # An article without a source is a source of its own.
    rumours = _entry(articles, {"rumour": [_claim("rumoured")], "undated": [_claim("rumoured")]})
    assert rumours["status"] == "rumoured" and rumours["independent_sources"] == 2
    assert rumours["confirmed_by"] is None


def test_low_confidence_only_when_every_latest_status_claim_is_unsure() -> None:
    def entry(wire: float | None, copy: float | None, own: float | None, rumour: float | None = 0.1) -> dict[str, Any]:
        return _entry(
            WIRE,
            {
                "rumour": [_claim("rumoured", rumour)],
                "wire": [_claim("confirmed", wire)],
                "copy": [_claim("confirmed", copy)],
                "own": [_claim("confirmed", own)],
            },
        )

    unsure = entry(0.2, 0.4, 0.49)
    assert unsure["low_confidence"] is True
    assert [s["confidence"] for s in unsure["status_history"]] == [0.1, 0.2, 0.4, 0.49]
    assert entry(0.2, 0.4, 0.5)["low_confidence"] is False  # one sure confirmation is enough
    assert entry(0.2, None, 0.3)["low_confidence"] is False  # a claim without confidence counts as sure
    assert entry(None, None, None)["low_confidence"] is False
    assert [s["confidence"] for s in entry(None, None, None)["status_history"]] == [0.1, 1.0, 1.0, 1.0]
    # Unsure earlier steps do not mark a status that sure claims back, nor the other way round.
    assert entry(0.9, 0.9, 0.9, rumour=0.1)["low_confidence"] is False
    assert entry(0.1, 0.1, 0.1, rumour=0.9)["low_confidence"] is True


# --- through the web app, over a real store -----------------------------------------------------------

DOCS = [
    (
        "https://rumour.example/helvix-nordane-talks",
        "Helvix Group in talks to buy Nordane Robotics, sources say",
        "Helvix Group is in advanced talks to buy the Danish maker of warehouse robots Nordane Robotics, according to "
        "people familiar with the matter. A deal could value Nordane Robotics at about two billion euros and might be "
        "announced within weeks, the people said. Helvix Group and Nordane Robotics declined to comment on the talks.",
        "2025-09-15",
        "rumour.example",
    ),
    (
        "https://wire.example/helvix-agrees-to-buy-nordane",
        "Helvix Group agrees to buy Nordane Robotics for two billion euros",
        "Helvix Group said on Monday it had agreed to buy Nordane Robotics, the Danish maker of warehouse robots, for two "
        "billion euros. The acquisition of Nordane Robotics is expected to close next year, Helvix Group said in a "
        "statement. Nordane Robotics shares rose sharply in Copenhagen after the announcement.",
        "2025-10-06",
        "wire.example",
    ),
    (
        "https://wire.example/nordane-deal-reactions",
        "Nordane Robotics deal: what Helvix Group gets",
        "Helvix Group confirmed on Tuesday that the purchase of Nordane Robotics includes its Aarhus plant and its "
        "warehouse robot patents. Analysts said the two billion euro acquisition gives Helvix Group a foothold in Danish "
        "robotics. Nordane Robotics employees were told the brand will stay.",
        "2025-10-07",
        "wire.example",
    ),
    (
        "https://other.example/business/helvix-nordane",
        "Helvix Group confirms Nordane Robotics takeover",
        "The German industrial group Helvix Group confirmed its takeover of Nordane Robotics, the Danish warehouse robot "
        "maker, in a call with analysts. The two billion euro acquisition is Helvix Group's largest deal, its chief "
        "executive said. Competition authorities in Denmark will review the purchase of Nordane Robotics.",
        "2025-10-08",
        "other.example",
    ),
]
STATUS_BY_SOURCE_AND_DATE = {
    ("rumour.example", "2025-09-15"): "rumoured",
    ("wire.example", "2025-10-06"): "confirmed",
    ("wire.example", "2025-10-07"): "confirmed",
    ("other.example", "2025-10-08"): "confirmed",
}


@pytest.fixture(scope="module")
def deal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, Path]]:
    """One story of four articles on one deal, its claims written through the store and its timeline rebuilt
    as the pipeline does (so the check does not depend on what the extractor finds)."""
    folder = tmp_path_factory.mktemp("timeline-sources")
    docs = folder / "deal.jsonl"
    docs.write_text(
        "".join(
            json.dumps({"url": u, "title": t, "text": x, "published": d, "lang": "en", "source": s}) + "\n"
            for u, t, x, d, s in DOCS
        ),
        encoding="utf-8",
    )
    db = folder / "deal.db"
    store = open_store(str(db))
    ingest([str(docs)], store)
    update_stories(store)
    [story] = store.browse_stories().items
    assert story.size == len(DOCS), "the four articles on the deal make one story"
    who = (
        Participant("org:helvix", "Helvix Group", "ORG", "acquirer"),
        Participant("org:nordane", "Nordane Robotics", "ORG", "target"),
    )
    for article in store.articles():
        status = STATUS_BY_SOURCE_AND_DATE[(article.source, article.to_dict()["published"][:10])]
        end = article.text.index(".") + 1
        store.add_claims(article.id, "builtin", [Claim("acquisition", status, who, article.text[:end], 0, end)])
    refresh_timelines(store, {story.id})
    store.close()
    with TestClient(create_app(Settings(db=str(db)))) as client:
        yield client, story.id, db


def _text(html: str) -> str:
    return " ".join(html.replace("\n", " ").split())


def test_story_page_shows_independent_sources_and_first_report(deal: tuple[TestClient, str, Path]) -> None:
    client, story_id, _ = deal
    [entry] = client.get(f"/api/stories/{story_id}").json()["timeline"]
    assert entry["independent_sources"] == 2  # two articles of wire.example, one of other.example
    assert entry["first_report"]["source"] == "rumour.example" and entry["confirmed_by"]["source"] == "wire.example"
    assert entry["low_confidence"] is False
    response = client.get(f"/stories/{story_id}")
    assert response.status_code == 200
    html = _text(response.text)
    assert "2 independent sources" in html
    assert (
        f'first reported by <a href="/articles/{entry["first_report"]["article_id"]}">rumour.example</a> on 15 Sep 2025'
    ) in html
    assert (
        f'confirmed by <a href="/articles/{entry["confirmed_by"]["article_id"]}">wire.example</a> on 6 Oct 2025' in html
    )
    assert "low confidence" not in html


def test_story_page_marks_a_low_confidence_status_in_words(deal: tuple[TestClient, str, Path]) -> None:
    client, story_id, db = deal
    store = open_store(str(db))
    built = store.timeline(story_id)
    try:
        members = store.story_members(story_id)
        found = store.articles_by_id([m.article_id for m in members])
        articles = [{**found[m.article_id].to_dict(), "duplicate_of": m.duplicate_of} for m in members]
        claims = {
            aid: [c.to_dict() | {"confidence": 0.3} for c in listed]
            for aid, listed in store.claims([m.article_id for m in members]).items()
        }
        store.save_timeline(story_id, build_timeline(articles, claims))
        html = _text(client.get(f"/stories/{story_id}").text)
        assert '<span class="badge low-confidence"' in html and ">low confidence</span>" in html
        assert "2 independent sources" in html
    finally:
        store.save_timeline(story_id, built)
        store.close()


def test_story_command_prints_the_backing(deal: tuple[TestClient, str, Path]) -> None:
    _, story_id, db = deal
    [entry] = invoke_json(db, "story", story_id)["timeline"]
    assert (entry["independent_sources"], entry["low_confidence"]) == (2, False)
    assert entry["first_report"]["source"] == "rumour.example" and entry["confirmed_by"]["published"] == "2025-10-06"
    result = invoke(db, "story", story_id)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "acquisition (" in line)
    assert line.endswith(
        "): confirmed · 2 independent sources · first rumour.example 2025-09-15 · confirmed wire.example 2025-10-06"
    ), line


def test_a_timeline_round_trips_and_older_stored_ones_still_read() -> None:
    entry = build_timeline(WIRE, {"rumour": [_claim("rumoured")], "wire": [_claim("confirmed")]})[0]
    assert TimelineEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry
    # As stored before first_report, confirmed_by, independent sources and confidences were kept.
    old = {
        "id": "e1",
        "type": "acquisition",
        "participants": ["Helvix Group"],
        "status": "confirmed",
        "status_history": [
            {"status": "rumoured", "article_id": "a", "source": "blog.example", "published": None, "lang": "de",
             "evidence": "Gerüchten zufolge ...", "date": None},
        ],
        "first_reported": {"article_id": "a", "source": "blog.example", "published": None},
    }  # fmt: skip
    read = TimelineEntry.from_dict(old)
    assert read.first_report == TimelineReport("a", "blog.example", None, "rumoured")
    assert read.confirmed_by is None and read.independent_sources is None and read.low_confidence is False
    assert read.status_history[0].confidence == 1.0 and read.evidence_count == 1
