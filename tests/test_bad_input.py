"""Bad input never stops a run: each is recorded as an error (file, line/record, and a reason that
says what is wrong), and the good files of the same run are stored."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from tests.conftest import article_body, html_page, invoke, invoke_json, jsonl_line, run_bin, seed_file, text_dump

GOOD_TITLE = "Il consiglio comunale approva la nuova linea del tram"


def write_good(folder: Path, name: str = "good.txt") -> Path:
    """A well-formed pasted page that must be stored whatever else is in the run."""
    path = folder / name
    path.write_text(
        text_dump(GOOD_TITLE, "12-03-2025 10:00 - Fonte: www.esempio.it", article_body(4242, "it")), encoding="utf-8"
    )
    return path


def ingest(db: Path, *paths: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, list[dict], list[dict]]:
    """`storyline ingest` through the CLI; returns (exit code, errors --json, articles --json)."""
    result = invoke(db, "ingest", *(str(p) for p in paths), "--workers", "1", *extra)
    return result.exit_code, invoke_json(db, "errors"), invoke_json(db, "articles")


def errors_for(errors: list[dict], path: Path | str) -> list[dict]:
    return [e for e in errors if e["origin"] == str(path)]


def one_error(errors: list[dict], path: Path | str, severity: str = "error") -> dict:
    found = [e for e in errors_for(errors, path) if e["severity"] == severity]
    assert len(found) == 1, f"expected one {severity} for {path}, got {errors}"
    return found[0]


def assert_good_stored(articles: list[dict]) -> None:
    assert GOOD_TITLE in [a["title"] for a in articles], [a["title"] for a in articles]


def page_paragraphs(seed: int, n: int = 25) -> list[str]:
    return [p for k in range(n // 3 + 1) for p in article_body(seed * 100 + k, "it")][:n]


# --- empty, blank and binary files -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.txt", b""), ("empty.html", b""), ("blank.txt", b"  \n\t\r\n   \n"), ("blank.jsonl", b"\n \n\n")],
)
def test_empty_or_blank_file_is_an_error(tmp_path: Path, db: Path, name: str, content: bytes) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    error = one_error(errors, bad)
    assert error["stage"] == "source"
    assert re.search(r"empty|blank|whitespace|no text", error["reason"], re.I), error["reason"]
    assert_good_stored(articles)
    assert code == 1


@pytest.mark.parametrize("name", ["image.png", "disguised.txt", "disguised.html", "noext"])
def test_binary_file_is_an_error_naming_its_kind(tmp_path: Path, db: Path, name: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4000))
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    error = one_error(errors, bad)
    assert "binary" in error["reason"].lower() and "PNG" in error["reason"], error["reason"]
    assert_good_stored(articles)
    assert len(articles) == 1
    assert code == 1


def test_random_bytes_without_signature_are_binary(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / "noise.txt"
    bad.write_bytes(bytes(range(1, 32)) * 10 + os.urandom(4000))
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    assert "binary" in one_error(errors, bad)["reason"].lower()
    assert_good_stored(articles)
    assert code == 1


# --- truncated compressed input --------------------------------------------------------------


def test_truncated_html_gz_is_an_error(tmp_path: Path, db: Path) -> None:
    page = html_page("Una pagina compressa e poi tagliata", page_paragraphs(7), url="https://esempio.it/a").encode()
    packed = gzip.compress(page)
    bad = tmp_path / "page.html.gz"
    bad.write_bytes(packed[: len(packed) // 2])
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    error = one_error(errors, bad)
    assert error["stage"] == "source"
    assert re.search(r"truncated|corrupt|cut|ended", error["reason"], re.I), error["reason"]
    assert_good_stored(articles)
    assert len(articles) == 1
    assert code == 1


def make_warc(records: int = 3, compress: bool = True) -> tuple[bytes, list[int]]:
    """A valid WARC written by warcio: `records` HTML responses of ~8 KB each; returns data and record end offsets."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    ends = []
    for i in range(records):
        body = html_page(
            f"Archivio pagina numero {i + 1}", page_paragraphs(100 + i, 18), url=f"https://archivio.example.it/p{i + 1}"
        ).encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                f"https://archivio.example.it/p{i + 1}", "response", payload=io.BytesIO(body), http_headers=headers
            )
        )
        ends.append(buf.tell())
    return buf.getvalue(), ends


def write_cut_warc(tmp_path: Path, compress: bool) -> Path:
    data, ends = make_warc(3, compress)
    cut = ends[1] + (ends[2] - ends[1]) // 2  # in the middle of the third record
    path = tmp_path / ("archive.warc.gz" if compress else "archive.warc")
    path.write_bytes(data[:cut])
    return path


def test_complete_warc_gz_is_read(tmp_path: Path, db: Path) -> None:
    """Control for the truncation tests: the uncut archive gives three articles and no error."""
    data, _ = make_warc(3, compress=True)
    path = tmp_path / "archive.warc.gz"
    path.write_bytes(data)
    code, errors, articles = ingest(db, path)
    assert errors == []
    assert sorted(a["title"] for a in articles) == [f"Archivio pagina numero {i}" for i in (1, 2, 3)]
    assert code == 0


def test_truncated_plain_warc_keeps_records_before_the_cut(tmp_path: Path, db: Path) -> None:
    bad = write_cut_warc(tmp_path, compress=False)
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    titles = {a["title"] for a in articles}
    assert {"Archivio pagina numero 1", "Archivio pagina numero 2", GOOD_TITLE} == titles
    error = one_error(errors, bad)
    assert error["locator"] == "record 3"
    assert re.search(r"truncated|cut", error["reason"], re.I)
    assert code == 1


def test_truncated_warc_gz_keeps_records_before_the_cut(tmp_path: Path, db: Path) -> None:
    bad = write_cut_warc(tmp_path, compress=True)
    good = write_good(tmp_path)
    code, _, articles = ingest(db, bad, good)
    assert_good_stored(articles)  # the run went on
    assert code == 1
    titles = {a["title"] for a in articles}
    assert {"Archivio pagina numero 1", "Archivio pagina numero 2"} <= titles
    assert "Archivio pagina numero 3" not in titles


def test_truncated_warc_gz_error_names_the_cut_record(tmp_path: Path, db: Path) -> None:
    bad = write_cut_warc(tmp_path, compress=True)
    _, errors, _ = ingest(db, bad)
    error = one_error(errors, bad)
    assert re.search(r"truncated|cut|corrupt", error["reason"], re.I)
    assert error["locator"] == "record 3"


# --- encodings -------------------------------------------------------------------------------


def _damage(data: bytes) -> bytes:
    """Insert two invalid UTF-8 sequences (a lone 0xFF and a bad continuation) inside the body."""
    cut1, cut2 = len(data) // 3, 2 * len(data) // 3
    while data[cut1] & 0xC0 == 0x80:  # not inside a multibyte character
        cut1 += 1
    while data[cut2] & 0xC0 == 0x80:
        cut2 += 1
    return data[:cut1] + b"\xff" + data[cut1:cut2] + b"\xc3\x28" + data[cut2:]


def _generated_accented_text() -> bytes:
    body = [
        "Il governo ha annunciato lunedì che la città avrà più fondi: è una novità attesa da un’intera generazione.",
        "Perché la società di trasporti può già contare sull’accordo, la qualità del servizio migliorerà, però "
        "servirà più personale. «È un giorno importante», ha detto il sindaco, e l’opposizione è d’accordo.",
        "La velocità media salirà del trenta per cento e il costo per i cittadini non cambierà fino al prossimo anno.",
    ]
    return text_dump(
        "Più tram per la città: via libera all’accordo", "12-03-2025 10:00 - Fonte: www.esempio.it", body
    ).encode("utf-8")


@pytest.mark.parametrize("source", ["seed", "generated"])
def test_mostly_utf8_with_invalid_bytes_is_stored_with_a_decode_warning(tmp_path: Path, db: Path, source: str) -> None:
    original = seed_file("000_").read_bytes() if source == "seed" else _generated_accented_text()
    bad = tmp_path / "damaged.txt"
    bad.write_bytes(_damage(original))
    code, errors, articles = ingest(db, bad)
    assert len(articles) == 1
    text = articles[0]["text"]
    assert "\ufffd" in text
    # The valid accented characters around the damage are decoded as UTF-8 (no mojibake).
    expected_words = [w for w in re.findall(r"\w+", original.decode("utf-8")) if not w.isascii()]
    assert expected_words
    stored_words = set(re.findall(r"\w+", text + " " + (articles[0]["title"] or "")))
    assert sum(w in stored_words for w in expected_words) >= 0.8 * len(expected_words)
    warning = one_error(errors, bad, severity="warning")
    assert warning["stage"] == "decode"
    assert re.search(r"UTF-8", warning["reason"], re.I) and re.search(r"\b2\b", warning["reason"]), warning["reason"]
    assert not [e for e in errors if e["severity"] == "error"]
    assert code == 0  # a repaired document is stored: not a failure


def test_mostly_ascii_utf8_with_two_invalid_bytes_keeps_utf8(tmp_path: Path, db: Path) -> None:
    text = text_dump(
        "Rome council approves new tram line for the city",
        "12-03-2025 10:00 - Source: www.example.com",  # ASCII only: the body's 'é' is the one multibyte character
        [
            "The city council approved on Tuesday a new tram line that will connect the central station with the "
            "eastern suburbs. Construction is expected to start next spring and the café owners along the route asked "
            "for compensation. The line is ten kilometres long and will have fourteen stops."
        ],
    ).encode("utf-8")
    at = text.index(b"approved")
    bad = tmp_path / "stray_bytes.txt"
    bad.write_bytes(text[:at] + b"\xff\xfe" + text[at:])  # exact input that triggers the bug
    _, errors, articles = ingest(db, bad)
    assert len(articles) == 1
    assert "café owners" in articles[0]["text"]
    warning = one_error(errors, bad, severity="warning")
    assert warning["stage"] == "decode"


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_cp1252_file_is_decoded_without_error(tmp_path: Path, db: Path, suffix: str) -> None:
    title = "Kühlschrank-Hersteller übernimmt Großhändler aus Österreich"
    paras = [
        "Der größte Kühlschrank-Hersteller Europas übernimmt einen Großhändler aus Österreich. Die Übernahme soll im "
        "Frühjahr abgeschlossen werden, teilte das Unternehmen am Dienstag in München mit.",
        "Über den Kaufpreis wurde Stillschweigen vereinbart; Analysten schätzen ihn auf gut zweihundert Millionen "
        "Euro. Die Beschäftigten in Graz und Linz sollen übernommen werden, hieß es. Für die Kunden ändert sich "
        "zunächst nichts, die Marken bleiben bestehen und die Preise werden nicht erhöht.",
    ]
    if suffix == ".txt":
        content = text_dump(title, "12.03.2025, 10:00 Uhr - Quelle: www.beispiel.de", paras)
    else:  # no charset declared: detection has to find it
        content = html_page(title, paras).replace('<meta charset="utf-8">', "")
    path = tmp_path / f"legacy{suffix}"
    path.write_bytes(content.encode("cp1252"))
    code, errors, articles = ingest(db, path)
    assert errors == []
    assert code == 0
    assert len(articles) == 1
    assert articles[0]["title"] == title
    for word in ("größte", "Kühlschrank-Hersteller", "Österreich", "Übernahme", "schätzen", "hieß", "München"):
        assert word in articles[0]["text"], word
    assert articles[0]["lang"] == "de"


# --- too large, no text ----------------------------------------------------------------------


def _write_big_html(path: Path, megabytes: int = 50, compress: bool = False) -> None:
    line = b"<p>Questo paragrafo si ripete per rendere la pagina molto grande, ben oltre il limite.</p>\n"
    data = b"<html><head><title>Enorme</title></head><body>" + line * (megabytes * 1_000_000 // len(line) + 1)
    data += b"</body></html>"
    path.write_bytes(gzip.compress(data, compresslevel=1) if compress else data)


@pytest.mark.parametrize("name", ["huge.html", "huge.html.gz"])
def test_50mb_page_is_recorded_as_too_large_quickly(tmp_path: Path, db: Path, name: str) -> None:
    big = tmp_path / name
    _write_big_html(big, 50, compress=name.endswith(".gz"))
    good = write_good(tmp_path)
    started = time.monotonic()
    code, errors, articles = ingest(db, big, good)
    elapsed = time.monotonic() - started
    error = one_error(errors, big)
    assert re.search(r"larger|too large|limit", error["reason"], re.I), error["reason"]
    assert "MB" in error["reason"]
    assert_good_stored(articles)
    assert code == 1
    assert elapsed < 30, f"took {elapsed:.1f}s"


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><script>var data = {a: 1}; document.write('hello world from a script');</script></body></html>",
        "<html><head><style>body { color: red }</style></head><body><div id=app></div></body></html>",
        "<html><body></body></html>",
    ],
)
def test_html_without_text_is_an_error(tmp_path: Path, db: Path, html: str) -> None:
    bad = tmp_path / "app.html"
    bad.write_text(html)
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, bad, good)
    error = one_error(errors, bad)
    assert error["stage"] == "extract"
    assert re.search(r"no (main )?text|no article", error["reason"], re.I), error["reason"]
    assert_good_stored(articles)
    assert len(articles) == 1
    assert code == 1


# --- JSONL with bad lines --------------------------------------------------------------------


def test_jsonl_bad_lines_are_errors_and_good_lines_are_stored(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        jsonl_line(url="https://ex.it/1", title="Primo buono", text="\n\n".join(article_body(1, "it"))),
        '{"url": "https://ex.it/broken", "title": "rotto", "text": "manca la chiusura',
        "[1, 2, 3]",
        jsonl_line(url="https://ex.it/nothing", title="Senza testo"),
        jsonl_line(
            url="https://ex.it/2", title="Secondo buono", html=html_page("Secondo buono", article_body(2, "it"))
        ),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, errors, articles = ingest(db, path)
    assert sorted(a["title"] for a in articles) == ["Primo buono", "Secondo buono"]
    by_line = {e["locator"]: e for e in errors_for(errors, path)}
    assert set(by_line) == {"line 2", "line 3", "line 4"}
    assert re.search(r"invalid JSON|unterminated|parse", by_line["line 2"]["reason"], re.I)
    assert re.search(r"object", by_line["line 3"]["reason"]) and re.search(r"list|array", by_line["line 3"]["reason"])
    assert "text" in by_line["line 4"]["reason"] and "html" in by_line["line 4"]["reason"]
    assert all(e["severity"] == "error" for e in by_line.values())
    assert code == 1


# --- unreadable entries and bad command-line paths -------------------------------------------


def test_directory_with_unreadable_entries(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_good(folder)
    dangling = folder / "dangling.txt"
    dangling.symlink_to(tmp_path / "does-not-exist.txt")
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    locked = folder / "locked.txt"
    locked.write_text(
        text_dump("Un file chiuso a chiave", "12-03-2025 10:00 - Fonte: www.esempio.it", article_body(77, "it"))
    )
    locked.chmod(0)
    try:
        # A real process with a timeout: opening a FIFO for reading would block forever.
        done = run_bin("--db", str(db), "ingest", str(folder), "--workers", "1", timeout=60)
    finally:
        locked.chmod(0o644)
    assert done.returncode == 1, done.stderr.decode()
    errors = invoke_json(db, "errors")
    articles = invoke_json(db, "articles")
    assert_good_stored(articles)
    assert re.search(
        r"no such file|broken|dangling|symlink|does not exist|missing", one_error(errors, dangling)["reason"], re.I
    )
    assert re.search(r"not a regular file|pipe|fifo", one_error(errors, fifo)["reason"], re.I)
    if os.geteuid() != 0:  # root reads mode-000 files
        assert re.search(r"permission", one_error(errors, locked)["reason"], re.I)
        assert len(articles) == 1


def test_missing_path_and_empty_glob_are_errors(tmp_path: Path, db: Path) -> None:
    missing = tmp_path / "nowhere" / "missing.txt"
    pattern = str(tmp_path / "nothing_*.html")
    good = write_good(tmp_path)
    code, errors, articles = ingest(db, missing, pattern, good)
    assert re.search(r"no such file|not found|does not exist", one_error(errors, missing)["reason"], re.I)
    assert re.search(r"match", one_error(errors, pattern)["reason"], re.I)
    assert_good_stored(articles)
    assert code == 1


# --- repeated runs and exit codes ------------------------------------------------------------


def _bad_corpus(folder: Path) -> None:
    folder.mkdir()
    write_good(folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(256))
    (folder / "script.html").write_text("<html><body><script>x()</script></body></html>")
    (folder / "lines.jsonl").write_text('{"text": "una riga buona con del testo"}\n{nope\n[1]\n{"title": "t"}\n')
    damaged = _damage(_generated_accented_text())
    (folder / "damaged.txt").write_bytes(damaged)


def test_rerunning_bad_input_does_not_duplicate_errors(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "in"
    _bad_corpus(folder)
    missing = tmp_path / "missing.txt"
    first = run_bin("--db", str(db), "ingest", str(folder), str(missing), "--workers", "2", timeout=120)
    after_first = json.loads(run_bin("--db", str(db), "errors", "--json").stdout)
    second = run_bin("--db", str(db), "ingest", str(folder), str(missing), "--workers", "2", timeout=120)
    after_second = json.loads(run_bin("--db", str(db), "errors", "--json").stdout)
    assert first.returncode == second.returncode == 1
    assert len(after_first) == len(after_second) == 8  # 7 errors (3 in lines.jsonl) + 1 decode warning
    key = lambda e: (e["origin"], e["locator"] or "", e["stage"], e["severity"], e["reason"])  # noqa: E731
    assert sorted(map(key, after_first)) == sorted(map(key, after_second))
    articles = json.loads(run_bin("--db", str(db), "articles", "--json").stdout)
    assert len(articles) == 3  # good.txt, damaged.txt, the good JSONL line


def test_exit_code_is_0_when_all_input_is_fine(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "ok"
    folder.mkdir()
    write_good(folder)
    (folder / "page.html").write_text(html_page("Una pagina web valida", article_body(9, "it", 4)), encoding="utf-8")
    done = run_bin("--db", str(db), "ingest", str(folder), "--workers", "1", "--json")
    assert done.returncode == 0, done.stderr.decode()
    summary = json.loads(done.stdout)
    assert summary["errors"] == 0 and summary["new_articles"] == 2


def test_exit_code_is_1_when_some_input_failed(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "some_bad"
    folder.mkdir()
    write_good(folder)
    (folder / "empty.txt").write_text("")
    done = run_bin("--db", str(db), "ingest", str(folder), "--workers", "1", "--json")
    assert done.returncode == 1, done.stderr.decode()
    summary = json.loads(done.stdout)
    assert summary["errors"] == 1 and summary["new_articles"] == 1


def test_a_record_too_short_is_an_error_and_an_unreadable_stated_field_a_warning(tmp_path) -> None:
    """Issue 15, item 5: nothing is silently dropped or kept as junk."""
    from storyline import ingest, open_store

    lines = [
        {"text": "x"},
        {
            "title": "Harbour expands",
            "text": "The harbour authority said on Monday it will expand the quay next year.",
            "published": "2025-13-45",
            "lang": "english",
        },
        {
            "title": "Bakery prize",
            "text": "A bakery in the village won a regional prize for its rye bread on Tuesday.",
            "published": "2025-10-02",
        },
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(path)], store)
    assert report.new_articles == 2
    [short] = report.errors
    assert short.locator == "line 1" and "too short" in short.reason
    [unreadable] = report.warnings
    assert unreadable.locator == "line 2" and "'2025-13-45' is not a date" in unreadable.reason
    assert "'english'" in unreadable.reason
    stored = {(e["locator"], e["severity"]) for e in store.browse_errors(limit=None).items}
    assert stored == {("line 1", "error"), ("line 2", "warning")}
    harbour = next(a for a in store.articles() if a.title == "Harbour expands")
    assert harbour.published is None and harbour.lang == "en"


def test_a_huge_one_line_text_is_cut_to_bounded_sizes_with_a_warning(tmp_path) -> None:
    """Issue 15, item 3: every stage after extraction sees at most MAX_ARTICLE_CHARS, extraction at most
    MAX_TEXT_CHARS; what lies beyond is cut, and the cut is said (benchmarks/ingest.py times a 19 MB line)."""
    from storyline import ingest, open_store
    from storyline.defaults import MAX_ARTICLE_CHARS, MAX_TEXT_CHARS

    words = ["the", "harbour", "authority", "said", "on", "monday", "it", "will", "expand", "the", "quay"]
    line = " ".join(words[i % len(words)] for i in range(MAX_TEXT_CHARS // 4))  # over MAX_TEXT_CHARS characters
    (tmp_path / "one-line.txt").write_text("One line\n\n" + line + "\n", encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "one-line.txt")], store)
    assert report.new_articles == 1 and not report.errors
    [article] = store.articles()
    assert MAX_ARTICLE_CHARS // 2 < len(article.text) <= MAX_ARTICLE_CHARS
    [warning] = report.warnings
    assert "cut at" in warning.reason and f"{MAX_ARTICLE_CHARS:,}" in warning.reason
