"""The two documents the product was specified from (../shared/seeds) come out as the issue says."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline import ingest, open_store

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    store = open_store(tmp_path_factory.mktemp("seeds") / "seeds.db")
    report = ingest([str(SEEDS)], store)
    assert report.errors == []
    articles = [a.to_dict() for a in store.articles()]
    assert len(articles) == 2
    return {a["lang"]: a for a in articles}


def test_italian_aggregator_item(seeds: dict[str, dict]) -> None:
    it = seeds["it"]
    assert it["title"] == "Leica abbandona Huawei. E si accasa con Xiaomi per una lunga partnership Xiaomi-Leica"
    assert it["published"] == "2022-05-24T15:02"
    assert it["published_precision"] == "minute"
    assert it["timezone_known"] is False
    assert it["source"] == "fotografareindigitale.com"
    assert it["text"].startswith("Leica ha annunciato")
    assert "Fonte" not in it["text"] and "24-05-2022" not in it["text"]
    assert "Continua" not in it["text"]
    assert it["text"].rstrip().endswith("per motivi di sicurezza")
    assert it["truncated"] is True


def test_german_blog_page(seeds: dict[str, dict]) -> None:
    de = seeds["de"]
    assert de["title"] == "Leica wolle angeblich Kooperation mit Huawei zugunsten neuer Partner beenden"
    assert de["published"] is None and de["published_precision"] is None
    assert de["text"].startswith("Der Kamerahersteller Leica")
    assert de["text"].endswith("Mal abwarten, was da in Zukunft von offizieller Seite verkündet wird.")
    last_paragraph = de["text"].split("\n\n")[-1]
    assert last_paragraph.startswith("Möglich ist dadurch auch")
    for furniture in (
        "Amazon-Links",
        "teile ihn",
        "Ghostbuster",
        "Neueste Beiträge",
        "Datenschutzerklärung",
        "Kommentarregeln",
        "abonnieren",
        "Denke ich auch",
    ):
        assert furniture not in de["text"]
    assert len(de["comments"]) == 1
    assert de["comments"][0].startswith("Denke ich auch. Leica lebt ja auch vom Image.")
    assert de["comments"][0].endswith("der zuweilen eher negativ in der Presse war.")
