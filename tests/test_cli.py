"""The `storyline` command: help, listing and filters, show, search, export, --db handling, stdin."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import STORYLINE_BIN, invoke, invoke_json, run_bin, seed_file

# Four pasted pages in four languages, with the datelines such dumps have.
PAGES = {
    "it": (
        "Il Comune di Torino approva il piano per le piste ciclabili\n\n"
        "12-03-2025 10:00 - Fonte: www.example.it\n\n"
        "Il consiglio comunale di Torino ha approvato ieri sera il nuovo piano per la mobilità sostenibile, che prevede "
        "quaranta chilometri di piste ciclabili entro la fine del prossimo anno. L'assessore ai trasporti ha spiegato "
        "che i lavori partiranno dai quartieri periferici, dove la domanda è cresciuta di più negli ultimi mesi.\n\n"
        "Secondo le stime dell'amministrazione, il costo complessivo sarà di circa venti milioni di euro, finanziati "
        "in parte con fondi europei. Le associazioni dei ciclisti hanno accolto la notizia con favore, ma chiedono "
        "tempi certi e una manutenzione regolare delle corsie già esistenti.\n"
    ),
    "en": (
        "Harbor city council votes to expand night ferry service\n\n"
        "Source: example.com — Nov 5, 2025 4:30 PM\n\n"
        "The harbor city council voted on Wednesday to expand its night ferry service to four new stops, a move "
        "officials said would cut commuting times for thousands of shift workers living on the islands. The first new "
        "route is expected to open in March, with the remaining three following before the summer season.\n\n"
        "Council members approved a budget of twelve million dollars for the expansion, most of it for two new "
        "electric vessels. Residents had complained for years that the last ferry left too early for hospital and "
        "restaurant staff to get home after late shifts.\n\n"
        "3 comments\n\n"
        "Dave K says:\nNov 5, 2025 at 9:41 pm\nFinally. My sister has been waiting for this for years.\nReply\n\n"
        "Maria says:\nNov 6, 2025 at 7:02 am\nElectric ferries are a good choice, hopefully they are quieter too.\n"
        "Reply\n\n"
        "Leave a Reply\n\nYour email address will not be published. Required fields are marked *\n"
    ),
    "de": (
        "Stadtwerke München kündigen neue Übernahme eines Energieversorgers an\n\n"
        "24.05.2022, 15:02 Uhr - Quelle: www.beispiel.de\n\n"
        "Die Stadtwerke München haben am Dienstag die Übernahme eines regionalen Energieversorgers aus Oberbayern "
        "angekündigt. Der Kaufpreis soll im dreistelligen Millionenbereich liegen, teilte das Unternehmen mit. Die "
        "Kartellbehörden müssen dem Geschäft noch zustimmen.\n\n"
        "Mit der Übernahme wollen die Stadtwerke ihren Anteil an erneuerbaren Energien deutlich erhöhen. Der Versorger "
        "betreibt mehrere Wasserkraftwerke und Windparks, die künftig Strom für rund zweihunderttausend Haushalte "
        "liefern sollen.\n"
    ),
    "fr": (
        "La région lance un plan pour l'électricité solaire dans les écoles\n\n"
        "Publié le 3 janvier 2024 à 14h20 - Source : www.exemple.fr\n\n"
        "La région a présenté jeudi un plan de rénovation énergétique qui prévoit l'installation de panneaux solaires "
        "sur le toit de trois cents lycées d'ici à la fin de la décennie. L'électricité produite servira d'abord aux "
        "établissements eux-mêmes, le surplus étant revendu au réseau.\n\n"
        "Le coût du programme est estimé à cent cinquante millions d'euros. Les syndicats d'enseignants saluent "
        "l'initiative mais réclament aussi des travaux d'isolation, jugés plus urgents dans de nombreux bâtiments "
        "anciens.\n"
    ),
}
EXPECTED = {  # lang: (source, published)
    "it": ("example.it", "2025-03-12T10:00"),
    "en": ("example.com", "2025-11-05T16:30"),
    "de": ("beispiel.de", "2022-05-24T15:02"),
    "fr": ("exemple.fr", "2024-01-03T14:20"),
}


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the four pages, ingested once for the module (tests only read it)."""
    root = tmp_path_factory.mktemp("cli")
    pages = root / "pages"
    pages.mkdir()
    for lang, text in PAGES.items():
        (pages / f"page_{lang}.txt").write_text(text, encoding="utf-8")
    db = root / "corpus.db"
    result = invoke(db, "ingest", str(pages), "--workers", "1")
    assert result.exit_code == 0, result.output
    return db


def articles(db: Path, *args: str) -> list[dict]:
    return invoke_json(db, "articles", *args)


def articles_by_id(db: Path) -> dict[str, dict]:
    return {a["id"]: a for a in articles(db)}


def langs(found: list[dict]) -> list[str]:
    return sorted(a["lang"] for a in found)


def by_lang(db: Path) -> dict[str, dict]:
    return {a["lang"]: a for a in articles(db)}


# --- help ------------------------------------------------------------------------------------


def _listed_commands() -> list[str]:
    result = invoke("unused.db", "--help")
    assert result.exit_code == 0
    section = result.stdout.split("Commands:", 1)[1]
    return re.findall(r"^\s{2}([a-z][\w-]*)\s", section, re.MULTILINE)


def test_help_lists_the_documented_commands() -> None:
    assert set(_listed_commands()) >= {"ingest", "articles", "show", "search", "export", "errors"}


@pytest.mark.parametrize("command", _listed_commands())
def test_every_command_help_has_an_example(command: str, tmp_path: Path) -> None:
    result = invoke(tmp_path / "x.db", command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout, result.stdout
    assert not (tmp_path / "x.db").exists()  # --help opens no store


@pytest.mark.parametrize("command", _listed_commands())
def test_help_examples_are_valid_command_lines(command: str, tmp_path: Path) -> None:
    """The example is parsed by the CLI (exit 2 would mean the example itself is a usage error)."""
    text = invoke(tmp_path / "x.db", command, "--help").stdout
    example = re.search(r"Example:\s*(storyline .+)", text)
    assert example, text
    argv = shlex.split(example.group(1))[1:]
    done = run_bin(*argv, env={"STORYLINE_DB": str(tmp_path / "example.db")}, cwd=tmp_path, timeout=120)
    assert done.returncode in (0, 1, 4), (argv, done.returncode, done.stderr.decode())
    assert b"Traceback" not in done.stderr


# --- articles --json and its filters ---------------------------------------------------------


def test_articles_json_shape(corpus_db: Path) -> None:
    found = articles(corpus_db)
    assert isinstance(found, list) and len(found) == 4
    required = {
        "id",
        "title",
        "text",
        "lang",
        "published",
        "published_precision",
        "timezone_known",
        "source",
        "url",
        "authors",
        "comments",
    }
    for article in found:
        assert required <= set(article), set(article)
        assert isinstance(article["comments"], list) and all(isinstance(c, str) for c in article["comments"])
        assert isinstance(article["authors"], list)
        assert isinstance(article["timezone_known"], bool)
    assert langs(found) == ["de", "en", "fr", "it"]


def test_articles_fields_extracted_from_datelines(corpus_db: Path) -> None:
    found = by_lang(corpus_db)
    for lang, (source, published) in EXPECTED.items():
        assert found[lang]["source"] == source, lang
        assert found[lang]["published"] == published, lang
        assert found[lang]["published_precision"] == "minute", lang
        assert found[lang]["title"] == PAGES[lang].split("\n", 1)[0]
    assert found["en"]["comments"] == [
        "Finally. My sister has been waiting for this for years.",
        "Electric ferries are a good choice, hopefully they are quieter too.",
    ]
    assert "Leave a Reply" not in found["en"]["text"]
    assert "Fonte" not in found["it"]["text"]


def test_articles_sorted_by_publication_date(corpus_db: Path) -> None:
    assert [a["lang"] for a in articles(corpus_db)] == ["de", "fr", "it", "en"]


@pytest.mark.parametrize("lang", ["it", "en", "de", "fr"])
def test_filter_lang(corpus_db: Path, lang: str) -> None:
    assert langs(articles(corpus_db, "--lang", lang)) == [lang]


def test_filter_lang_without_match(corpus_db: Path) -> None:
    assert articles(corpus_db, "--lang", "pl") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("example.it", ["it"]),
        ("www.example.it", ["it"]),
        ("example.com", ["en"]),
        ("beispiel.de", ["de"]),
        ("nowhere.org", []),
    ],
)
def test_filter_source(corpus_db: Path, source: str, expected: list[str]) -> None:
    assert langs(articles(corpus_db, "--source", source)) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "2025"), ["en", "it"]),
        (("--since", "2025-03"), ["en", "it"]),
        (("--since", "2025-03-12"), ["en", "it"]),  # the day itself is included
        (("--since", "2025-03-13"), ["en"]),
        (("--until", "2023"), ["de"]),
        (("--until", "2024-01-03"), ["de", "fr"]),  # the whole end day is included
        (("--until", "2024-01-02"), ["de"]),
        (("--since", "2024", "--until", "2025-03"), ["fr", "it"]),
        (("--since", "2026"), []),
    ],
)
def test_filter_since_until(corpus_db: Path, args: tuple[str, ...], expected: list[str]) -> None:
    assert langs(articles(corpus_db, *args)) == expected


def test_filters_combine(corpus_db: Path) -> None:
    assert langs(articles(corpus_db, "--lang", "en", "--since", "2025", "--source", "example.com")) == ["en"]
    assert articles(corpus_db, "--lang", "en", "--until", "2024") == []
    assert len(articles(corpus_db, "--limit", "2")) == 2


@pytest.mark.parametrize("bad", ["yesterday", "soon", "13/45/2025"])
def test_malformed_since_is_a_usage_error(corpus_db: Path, bad: str) -> None:
    result = invoke(corpus_db, "articles", "--since", bad, "--json")
    assert result.exit_code == 2, result.stdout


def test_since_in_a_dateline_format_means_that_day(corpus_db: Path) -> None:
    """Dates are read as the datelines are (day first outside English): 12-03-2025 is 2025-03-12."""
    assert articles(corpus_db, "--since", "12-03-2025") == articles(corpus_db, "--since", "2025-03-12")


def test_articles_on_a_new_store_is_empty(tmp_path: Path) -> None:
    assert articles(tmp_path / "new.db") == []


# --- show ------------------------------------------------------------------------------------


def test_show_by_unique_prefix(corpus_db: Path) -> None:
    everything = articles(corpus_db)
    ids = [a["id"] for a in everything]
    for article in everything:
        prefix = next(article["id"][:n] for n in range(4, 21) if sum(i.startswith(article["id"][:n]) for i in ids) == 1)
        shown = invoke_json(corpus_db, "show", prefix)
        assert shown["id"] == article["id"]
        assert shown["text"] == article["text"]
        assert [s["origin_key"] for s in shown["sources"]] == [article["origin"]]


def test_show_full_id_plain_output(corpus_db: Path) -> None:
    article = by_lang(corpus_db)["en"]
    result = invoke(corpus_db, "show", article["id"])
    assert result.exit_code == 0
    assert article["title"] in result.stdout
    assert "Finally. My sister" in result.stdout  # comments are shown


@pytest.mark.parametrize("unknown", ["ffffffffffffffffffff", "zzzz", "not-an-id"])
def test_show_unknown_id_exits_4(corpus_db: Path, unknown: str) -> None:
    result = invoke(corpus_db, "show", unknown)
    assert result.exit_code == 4
    assert unknown in result.stderr


def test_show_unknown_id_exits_4_as_a_process(corpus_db: Path) -> None:
    done = run_bin("--db", str(corpus_db), "show", "deadbeefdeadbeef", "--json")
    assert done.returncode == 4
    assert done.stdout == b""


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("electricite", "fr"),  # text says "électricité"
        ("ELECTRICITÉ", "fr"),
        ("ubernahme", "de"),  # "Übernahme"
        ("mobilita", "it"),  # "mobilità"
        ("Übernahme", "de"),
        ("ferry", "en"),
        ("Kartellbehorden", "de"),  # "Kartellbehörden"
    ],
)
def test_search_ignores_accents_and_case(corpus_db: Path, query: str, lang: str) -> None:
    found = invoke_json(corpus_db, "search", query)
    assert [a["lang"] for a in found] == [lang], (query, found)
    assert "snippet" in found[0]


def test_search_without_match_and_with_punctuation(corpus_db: Path) -> None:
    assert invoke_json(corpus_db, "search", "xylophone") == []
    result = invoke(corpus_db, "search", 'ferry" (night* -', "--json")  # FTS syntax characters are not syntax
    assert result.exit_code == 0, result.output
    assert [a["lang"] for a in json.loads(result.stdout)] == ["en"]


# --- export ----------------------------------------------------------------------------------


def test_export_jsonl_file_and_stdout(corpus_db: Path, tmp_path: Path) -> None:
    ids = sorted(a["id"] for a in articles(corpus_db))
    out = tmp_path / "a.jsonl"
    result = invoke(corpus_db, "export", "--format", "jsonl", "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == ids
    stories = {
        a["id"]: s["id"]
        for s in invoke_json(corpus_db, "stories")
        for a in invoke_json(corpus_db, "story", s["id"])["articles"]["items"]
    }
    for row in rows:  # every field of the article, its story and its claims
        assert row == articles_by_id(corpus_db)[row["id"]] | {
            "story_id": stories[row["id"]],
            "claims": invoke_json(corpus_db, "show", row["id"])["claims"],
        }
    stdout = run_bin("--db", str(corpus_db), "export", "--format", "jsonl")
    assert stdout.returncode == 0
    assert sorted(json.loads(line)["id"] for line in stdout.stdout.decode("utf-8").splitlines()) == ids


def test_export_csv(corpus_db: Path, tmp_path: Path) -> None:
    expected = {a["id"]: a for a in articles(corpus_db)}
    out = tmp_path / "a.csv"
    assert invoke(corpus_db, "export", "--format", "csv", "--output", str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["id"] for r in rows) == sorted(expected)
    for row in rows:
        assert row["title"] == expected[row["id"]]["title"]
        assert row["text"] == expected[row["id"]]["text"]  # multi-paragraph text survives quoting
        assert json.loads(row["comments"]) == expected[row["id"]]["comments"]
        assert row["story_id"].startswith("st_") and isinstance(json.loads(row["claims"]), list)
    stdout = run_bin("--db", str(corpus_db), "export", "--format", "csv")
    assert sorted(r["id"] for r in csv.DictReader(io.StringIO(stdout.stdout.decode("utf-8")))) == sorted(expected)


def test_export_parquet(corpus_db: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    expected = {a["id"]: a for a in articles(corpus_db)}
    out = tmp_path / "a.parquet"
    assert invoke(corpus_db, "export", "--format", "parquet", "--output", str(out)).exit_code == 0
    rows = pq.read_table(out).to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(expected)
    for row in rows:
        assert row["text"] == expected[row["id"]]["text"]
        assert row["comments"] == expected[row["id"]]["comments"]
        assert row["published"] == expected[row["id"]]["published"]
        assert row["story_id"].startswith("st_") and isinstance(json.loads(row["claims"]), list)


def test_export_carries_claims_and_stories_export_their_members_and_timelines(tmp_path: Path) -> None:
    """Issue 15, item 10, on the sample corpus (which has claims and multi-article stories)."""
    db = tmp_path / "sample.db"
    assert invoke(db, "ingest", str(Path(__file__).resolve().parents[1] / "samples" / "corpus")).exit_code in (0, 1)
    out = tmp_path / "a.jsonl"
    assert invoke(db, "export", "--output", str(out)).exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(r["story_id"] for r in rows) and sum(len(r["claims"]) for r in rows) > 20
    stories_out = tmp_path / "s.jsonl"
    assert invoke(db, "export", "--stories", "--output", str(stories_out)).exit_code == 0
    exported = [json.loads(line) for line in stories_out.read_text(encoding="utf-8").splitlines()]
    assert sorted(s["id"] for s in exported) == sorted(s["id"] for s in invoke_json(db, "stories"))
    by_story = {r["story_id"] for r in rows}
    assert {s["id"] for s in exported} == by_story
    for story in exported:
        assert [m["article_id"] for m in story["members"]] == story["article_ids"]
        assert "timeline" in story and "articles" not in story
    assert any(story["timeline"] for story in exported)
    assert invoke(db, "export", "--stories", "--format", "csv").exit_code == 2


def test_export_filters(corpus_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "it.jsonl"
    invoke(corpus_db, "export", "--format", "jsonl", "--output", str(out), "--lang", "it")
    assert [json.loads(line)["lang"] for line in out.read_text(encoding="utf-8").splitlines()] == ["it"]


def test_export_bad_format_and_parquet_to_stdout_are_usage_errors(corpus_db: Path) -> None:
    assert invoke(corpus_db, "export", "--format", "xml").exit_code == 2
    assert invoke(corpus_db, "export", "--format", "parquet").exit_code == 2


# --- the database ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [("articles",), ("errors",), ("search", "x"), ("show", "abc"), ("export", "--format", "jsonl"), ("ingest", "-")],
)
def test_db_that_is_not_sqlite_exits_3_and_is_left_alone(tmp_path: Path, args: tuple[str, ...]) -> None:
    junk = tmp_path / "junk.db"
    payload = b"this is not a database\n" + os.urandom(4096)
    junk.write_bytes(payload)
    done = run_bin("--db", str(junk), *args, input=b"some text")
    assert done.returncode == 3, done.stderr.decode()
    message = done.stderr.decode()
    assert "junk.db" in message and re.search(r"cannot open|not a (storyline )?database", message), message
    assert "Traceback" not in message
    assert junk.read_bytes() == payload


def test_db_that_is_a_directory_exits_3(tmp_path: Path) -> None:
    done = run_bin("--db", str(tmp_path), "articles")
    assert done.returncode == 3, done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


def test_foreign_sqlite_database_exits_3(tmp_path: Path) -> None:
    other = tmp_path / "other_app.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE articles (x)")  # exact input: a foreign 'articles' table ...
    con.execute("PRAGMA user_version = 3")  # ... and a schema version of its own
    con.commit()
    con.close()
    done = run_bin("--db", str(other), "articles")
    assert "Traceback" not in done.stderr.decode(), done.stderr.decode()[-500:]
    assert done.returncode == 3


def test_storyline_db_environment_variable(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGES["it"], encoding="utf-8")
    env_db = tmp_path / "from_env.db"
    env = {"STORYLINE_DB": str(env_db)}
    assert run_bin("ingest", str(page), "--workers", "1", env=env, cwd=tmp_path).returncode == 0
    assert env_db.exists()
    assert not (tmp_path / "storyline.db").exists()
    listed = json.loads(run_bin("articles", "--json", env=env, cwd=tmp_path).stdout)
    assert [a["lang"] for a in listed] == ["it"]
    # --db wins over the environment.
    other = tmp_path / "other.db"
    assert json.loads(run_bin("--db", str(other), "articles", "--json", env=env, cwd=tmp_path).stdout) == []


# --- stdin -----------------------------------------------------------------------------------


def test_ingest_from_stdin(tmp_path: Path, db: Path) -> None:
    done = run_bin("--db", str(db), "ingest", "-", "--workers", "1", "--json", input=PAGES["de"].encode("utf-8"))
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["new_articles"] == 1
    [article] = json.loads(run_bin("--db", str(db), "articles", "--json").stdout)
    assert article["title"] == PAGES["de"].split("\n", 1)[0]
    assert article["source"] == "beispiel.de"
    assert article["lang"] == "de"
    assert article["origin"] == "-"


def test_ingest_seed_from_stdin_in_process(db: Path) -> None:
    seed = seed_file("000_").read_text(encoding="utf-8")
    result = invoke(db, "ingest", "-", "--workers", "1", input=seed)
    assert result.exit_code == 0, result.output
    [article] = articles(db)
    assert article["title"].startswith("Leica abbandona Huawei")
    assert article["published"] == "2022-05-24T15:02"
    assert article["source"] == "fotografareindigitale.com"
    assert article["lang"] == "it"


def test_ingest_empty_stdin_is_an_error(db: Path) -> None:
    done = run_bin("--db", str(db), "ingest", "-", "--workers", "1", input=b"")
    assert done.returncode == 1
    [error] = json.loads(run_bin("--db", str(db), "errors", "--json").stdout)
    assert error["origin"] == "-" and "empty" in error["reason"]


def test_console_script_exists() -> None:
    assert STORYLINE_BIN.exists()


# --- ids, empty answers and dates at their precision (issue 15, items 8 and 9) -----------------------


@pytest.fixture(scope="module")
def many_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twenty short dated articles on twenty subjects: more ids than hex digits, so prefixes collide."""
    root = tmp_path_factory.mktemp("many")
    folder = root / "texts"
    folder.mkdir()
    subjects = [
        "harbour",
        "bakery",
        "library",
        "orchestra",
        "bridge",
        "museum",
        "tram",
        "school",
        "garden",
        "stadium",
        "hospital",
        "market",
        "theatre",
        "airport",
        "brewery",
        "castle",
        "zoo",
        "river",
        "tower",
        "forest",
    ]
    for n, subject in enumerate(subjects):
        text = (
            f"The new {subject} opens in Ashford\n\n{n + 1} October 2025\n\nThe town council said on Monday that the"
            f" new {subject} will open to the public next spring after three years of work and a public consultation.\n"
            if n % 2
            else f"Heavy rain floods the {subject} in Lisbon\n\n{n + 1} October 2025\n\nFirefighters pumped water out of the"
            f" flooded {subject} overnight after the heaviest rainfall recorded in the Portuguese capital since 1967.\n"
        )
        (folder / f"{subject}.txt").write_text(text, encoding="utf-8")
    db = root / "many.db"
    result = invoke(db, "ingest", str(folder))
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize(("kind", "listing"), [("show", "articles"), ("story", "stories")])
def test_an_ambiguous_prefix_is_said_so_with_its_candidates(many_db: Path, kind: str, listing: str) -> None:
    ids = [a["id"] for a in invoke_json(many_db, listing)]
    head = "st_" if kind == "story" else ""
    assert len(ids) == (20 if kind == "show" else len(ids)) and len(ids) >= 2
    prefix = next(p for p in [head + c for c in "0123456789abcdef"] + [head] if sum(i.startswith(p) for i in ids) >= 2)
    result = invoke(many_db, kind, prefix)
    assert result.exit_code == 4
    assert "ambiguous" in result.stderr, result.stderr
    assert all(i in result.stderr for i in ids if i.startswith(prefix))
    missing = invoke(many_db, kind, head + "zz")
    assert (
        missing.exit_code == 4
        and "ambiguous" not in missing.stderr
        and f"no {'story' if kind == 'story' else 'article'}" in missing.stderr
    )


def test_ids_and_prefixes_are_case_insensitive(many_db: Path) -> None:
    article = invoke_json(many_db, "articles")[0]
    assert invoke_json(many_db, "show", article["id"].upper())["id"] == article["id"]
    story = invoke_json(many_db, "stories")[0]
    assert invoke_json(many_db, "story", story["id"].upper())["id"] == story["id"]


def test_a_search_without_matches_says_so(many_db: Path) -> None:
    result = invoke(many_db, "search", "xylophone")
    assert result.exit_code == 0
    assert "No articles match 'xylophone'" in result.stdout


def test_story_shows_each_date_at_its_precision(many_db: Path) -> None:
    story = invoke_json(many_db, "stories")[0]
    shown = invoke(many_db, "story", story["id"])
    assert shown.exit_code == 0, shown.output
    assert "2025-10-" in shown.stdout
    assert "T00:00" not in shown.stdout  # the articles are dated to the day: no invented time


def test_serve_takes_a_public_base_url_and_refuses_a_bad_one(corpus_db: Path) -> None:
    good = invoke(corpus_db, "serve", "--check", "--base-url", "https://news.example.org/storyline")
    assert good.exit_code == 0, good.output
    bad = invoke(corpus_db, "serve", "--check", "--base-url", "ftp://news.example.org")
    assert bad.exit_code == 2 and "error" in bad.stderr and "Traceback" not in bad.output


def test_reading_commands_do_not_load_the_pipeline() -> None:
    """--help and the commands that read the store start without trafilatura, numpy or the language model (about
    0.6 s of imports before; benchmarks/cli.py measures the start-up)."""
    import subprocess
    import sys

    heavy = ("trafilatura", "numpy", "py3langid", "usearch", "dateparser")
    code = (
        "import sys; from storyline.cli import app; from storyline import open_store, Article; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", loaded


def test_the_global_db_option_may_follow_the_command(corpus_db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from storyline.cli import app

    expected = [a["id"] for a in articles(corpus_db)]
    for args in (
        ["articles", "--db", str(corpus_db), "--json"],
        ["articles", "--json", f"--db={corpus_db}"],
        ["--db", str(corpus_db), "articles", "--json"],
    ):
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        assert [a["id"] for a in json.loads(result.stdout)] == expected
    # after "--" it is an argument, not the option
    searched = CliRunner().invoke(
        app, ["--db", str(corpus_db), "search", "--json", "--", "--db"], catch_exceptions=False
    )
    assert searched.exit_code == 0 and json.loads(searched.stdout) == []


def test_an_article_keeps_the_address_it_came_from_beside_its_canonical_url(tmp_path: Path) -> None:
    """Issue 15, item 6: the page's canonical URL no longer replaces the URL the record states; show and search
    find the article by either."""
    page = (
        '<html><head><title>Harbour expands</title><link rel="canonical" href="https://news.example/harbour">'
        "</head><body><article><h1>Harbour expands</h1><p>The harbour authority of Ashford said on Monday it will"
        " expand the quay by four hundred metres next year, after three years of planning and a public consultation"
        " that drew more than two thousand replies.</p><p>Work is due to start in March and to last eighteen"
        " months, the authority said in a statement.</p></article></body></html>"
    )
    given = "https://mirror.example/news/123?ref=feed"
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"url": given, "html": page}) + "\n", encoding="utf-8")
    db = tmp_path / "u.db"
    assert invoke(db, "ingest", str(records), "--no-stories").exit_code == 0
    [article] = articles(db)
    assert (article["url"], article["canonical_url"]) == (given, "https://news.example/harbour")
    for address in (given, "https://news.example/harbour"):
        assert invoke_json(db, "show", address)["id"] == article["id"]
        assert [a["id"] for a in invoke_json(db, "search", address)] == [article["id"]]
    assert invoke(db, "show", "https://elsewhere.example/x").exit_code == 4
