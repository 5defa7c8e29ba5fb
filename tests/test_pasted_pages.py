"""Pasted pages and aggregator snippets in many languages (tests/fixtures/pasted, written by us)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline import RawDocument, extract_article
from storyline.extract.text import parse_dateline

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "pasted").glob("*.txt"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_pasted_page(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    article, warnings = extract_article(RawDocument(str(path), path.read_bytes(), "text/plain"))
    got = article.to_dict()
    assert warnings == []
    assert got["title"] == expected["title"]
    assert got["published"] == expected["published"]
    assert got["published_precision"] == expected["precision"]
    assert got["source"] == expected["source"]
    assert got["authors"] == expected["authors"]
    assert got["text"].startswith(expected["text_starts_with"])
    assert got["text"].rstrip(" .…").endswith(expected["text_ends_with"].rstrip(" .…"))
    for phrase in expected["must_not_contain"]:
        assert phrase not in got["text"]
    assert got["comments"] == expected["comments"]


@pytest.mark.parametrize(
    ("line", "lang", "published", "source", "authors"),
    [
        (
            "24-05-2022 15:02 - Fonte: www.fotografareindigitale.com",
            "it",
            "2022-05-24T15:02",
            "fotografareindigitale.com",
            [],
        ),
        ("Source: example.com — Nov 5, 2025 4:30 PM", "en", "2025-11-05T16:30", "example.com", []),
        ("Quelle: beispiel.de | 03.04.2025, 09:15", "de", "2025-04-03T09:15", "beispiel.de", []),
        ("Fuente: www.ejemplo.es - 12/10/2025 18:40", "es", "2025-10-12T18:40", "ejemplo.es", []),
        ("Źródło: przyklad.pl, 5 listopada 2025", "pl", "2025-11-05", "przyklad.pl", []),
        ("By Jane Roe | May 23, 2022", "en", "2022-05-23", None, ["Jane Roe"]),
        ("Publié le 3 mars 2025 à 14h20", "fr", "2025-03-03T14:20", None, []),
        ("Fonte: exemplo.com.br - 7 de outubro de 2025", "pt", "2025-10-07", "exemplo.com.br", []),
        ("Bron: voorbeeld.nl, 2 juni 2025", "nl", "2025-06-02", "voorbeeld.nl", []),
        ("Von Max Mustermann, 12. März 2024", "de", "2024-03-12", None, ["Max Mustermann"]),
        ("Pubblicato il 7 luglio 2023 alle 18:05", "it", "2023-07-07T18:05", None, []),
        ("Opublikowano: 14.02.2024, 08:30", "pl", "2024-02-14T08:30", None, []),
        ("Updated 2025-10-03T09:15:00+02:00", "en", "2025-10-03T09:15+02:00", None, []),
    ],
)
def test_dateline_formats(line: str, lang: str, published: str, source: str | None, authors: list[str]) -> None:
    dateline = parse_dateline(line, lang)
    assert dateline is not None
    assert dateline.published is not None and dateline.published.isoformat() == published
    assert dateline.source == source
    assert dateline.authors == authors


@pytest.mark.parametrize(
    "line",
    [
        "Der Kamerahersteller Leica ist schon seit mehreren Jahren ein Partner von Huawei.",
        "Monday",
        "Share this article",
    ],
)
def test_sentences_are_not_datelines(line: str) -> None:
    assert parse_dateline(line, "en") is None


def test_breadcrumbs_byline_and_tags_around_the_article() -> None:
    dump = (
        "Home › Tecnologia › Smartphone\nMenu\n"
        "Orbita presenta il nuovo telefono pieghevole: arriva a settembre\n"
        "Scritto da Luca Bianchi il 15 marzo 2025 alle 10:30\n\n"
        "Orbita ha presentato ieri il suo primo smartphone pieghevole, che arriverà nei negozi a settembre. "
        "Il prezzo partirà da 1.999 euro.\n\n"
        "Secondo gli analisti, il dispositivo potrebbe rilanciare le vendite del gruppo in Europa.\n\n"
        "Tag: Orbita, smartphone, pieghevole\nCondividi su Facebook\n"
    )
    article = extract_article(RawDocument("x.txt", dump.encode(), "text/plain"))[0]
    assert article.title == "Orbita presenta il nuovo telefono pieghevole: arriva a settembre"
    assert article.published.isoformat() == "2025-03-15T10:30"
    assert article.authors == ["Luca Bianchi"]
    assert article.text.startswith("Orbita ha presentato ieri")
    assert article.text.endswith("vendite del gruppo in Europa.")
