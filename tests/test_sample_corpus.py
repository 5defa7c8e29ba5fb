"""The bundled sample corpus, ingested through the normal pipeline, matches its gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline import ingest, open_store

SAMPLES = Path(__file__).parents[1] / "samples"
CORPUS = SAMPLES / "corpus"
GOLD = json.loads((SAMPLES / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def articles_by_origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    store = open_store(tmp_path_factory.mktemp("corpus") / "corpus.db")
    report = ingest([str(CORPUS)], store)
    assert report.errors == []
    assert report.new_articles == len(GOLD["articles"])
    found = {}
    for article in store.articles():
        found[article.origin] = article.to_dict()
    return found


def _find(articles: dict[str, dict], entry: dict) -> dict:
    for origin, article in articles.items():
        name, _, locator = origin.partition(" (")
        if Path(name).name != entry["file"]:
            continue
        if entry.get("item") is None or locator.rstrip(")") in (
            f"line {entry['item'] + 1}",
            f"entry {entry['item'] + 1}",
        ):
            return article
    raise AssertionError(f"{entry['file']} item {entry.get('item')} was not ingested")


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("entry", GOLD["articles"], ids=lambda e: f"{e['file']}#{e.get('item')}")
def test_article_matches_gold(articles_by_origin: dict[str, dict], entry: dict) -> None:
    article = _find(articles_by_origin, entry)
    assert article["title"] == entry["title"]
    assert article["lang"] == entry["lang"]
    assert article["published"] == entry["published"]
    assert article["published_precision"] == entry["precision"]
    if entry["source"]:
        assert article["source"] == entry["source"]
    text = _squash(article["text"])
    assert text.startswith(_squash(entry["text_first_words"]))
    assert text.rstrip(" .…").endswith(_squash(entry["text_last_words"]).rstrip(" .…"))
    assert article["comments"] == entry["comments"]
