"""Every input shape, read through the normal pipeline into a real SQLite file."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline import ingest, open_store

BODY = (
    "The harbour authority of Valdoria approved a new container terminal on Tuesday, ending a dispute "
    "that had lasted three years. The project will cost 410 million euros and create about 900 jobs. "
    "Construction is due to begin in the spring, the authority said in a statement."
)


def page(title: str, body: str = BODY, head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><nav>Home | News | Sport</nav>"
        f"<article><h1>{title}</h1><p>{body}</p><p>{body.upper()}</p></article>"
        "<footer>© 2025 Example Media</footer></body></html>"
    )


def test_html_page_metadata(tmp_path: Path) -> None:
    head = (
        '<meta property="article:published_time" content="2025-10-07T09:15:00+02:00">'
        '<meta property="og:site_name" content="Valdoria Post"><meta name="author" content="Ana Lima">'
        '<link rel="canonical" href="https://www.valdoria-post.example.com/news/terminal">'
    )
    (tmp_path / "a.html").write_text(page("Terminal approved", head=head), encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    ingest([str(tmp_path / "a.html")], store)
    [article] = list(store.articles())
    assert article.title == "Terminal approved"
    assert article.text.startswith("The harbour authority")  # the repeated headline is not text
    assert "Home | News" not in article.text and "©" not in article.text
    assert article.published.isoformat() == "2025-10-07T09:15+02:00"
    assert article.published.timezone_known
    assert article.url == "https://www.valdoria-post.example.com/news/terminal"
    assert article.source == "valdoria-post.example.com"
    assert article.sitename == "Valdoria Post"
    assert article.authors == ["Ana Lima"]
    assert article.lang == "en"


def test_html_in_legacy_charset(tmp_path: Path) -> None:
    body = "Zarząd spółki Wartex ogłosił w środę budowę nowej fabryki pomp ciepła pod Lublinem. " * 4
    html = f'<html><head><meta charset="iso-8859-2"><title>Wartex buduje fabrykę</title></head><body><article><p>{body}</p></article></body></html>'
    (tmp_path / "pl.html").write_bytes(html.encode("iso-8859-2"))
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "pl.html")], store)
    assert report.errors == [] and report.warnings == []
    [article] = list(store.articles())
    assert "Zarząd spółki" in article.text and article.lang == "pl"


def test_feed_entries_are_articles(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>https://news.example.org/{i}</link>"
        f"<pubDate>Tue, 07 Oct 2025 0{i}:30:00 +0200</pubDate>"
        f"<content:encoded><![CDATA[<p>{BODY} Item number {i}.</p>]]></content:encoded></item>"
        for i in range(3)
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Example News</title>{items}</channel></rss>"
    )
    (tmp_path / "feed.xml").write_text(feed, encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "feed.xml")], store)
    assert report.errors == []
    articles = sorted(store.articles(), key=lambda a: a.title)
    assert [a.title for a in articles] == ["Story 0", "Story 1", "Story 2"]
    assert articles[1].published.isoformat() == "2025-10-07T01:30+02:00"
    assert articles[1].url == "https://news.example.org/1" and articles[1].source == "news.example.org"
    assert articles[1].text.endswith("Item number 1.")


def test_jsonl_and_json(tmp_path: Path) -> None:
    lines = [
        {
            "url": "https://a.example/1",
            "title": "One",
            "text": BODY + " One.",
            "published": "2025-10-02",
            "lang": "en",
            "source": "www.a.example",
        },
        {
            "url": "https://a.example/2",
            "title": "Two",
            "html": page("Two", BODY + " Two."),
            "published": "2025-10-03T08:00",
        },
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps([{"title": "Three", "text": BODY + " Three."}]), encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path)], store)
    assert report.errors == []
    by_title = {a.title: a for a in store.articles()}
    assert set(by_title) == {"One", "Two", "Three"}
    assert by_title["One"].published.isoformat() == "2025-10-02" and by_title["One"].source == "a.example"
    assert by_title["Two"].published.precision == "minute"
    assert by_title["Three"].published is None
    assert by_title["One"].origin.endswith("a.jsonl (line 1)")


def _warc(records: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, html in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()), http_headers=headers)
        )
    return buffer.getvalue()


def test_warc_records(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz").write_bytes(
        _warc([(f"https://w.example/{i}", page(f"W{i}", BODY + f" Number {i}.")) for i in range(3)])
    )
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "a.warc.gz")], store)
    assert report.errors == []
    assert sorted(a.url for a in store.articles()) == [f"https://w.example/{i}" for i in range(3)]


def test_gzip_variants_and_globs(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(f"Gzipped title here\n\n{BODY}".encode()))
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(page("Gzipped page", BODY + " Page.").encode()))
    (tmp_path / "ignored.csv").write_text("not matched by the glob")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "*.gz")], store)
    assert report.errors == [] and report.files == 2
    assert {a.title for a in store.articles()} == {"Gzipped title here", "Gzipped page"}


def test_stdin(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    binary = Path(sys.executable).parent / "storyline"
    run = subprocess.run(
        [str(binary), "--db", str(db), "ingest", "-"],
        input=f"Title from stdin\n\n{BODY}".encode(),
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    [article] = list(open_store(db).articles())
    assert article.title == "Title from stdin" and article.origin == "-"


def test_same_text_under_two_urls_is_one_article_with_two_sources(tmp_path: Path) -> None:
    lines = [{"url": f"https://{site}/story", "title": "Same", "text": BODY} for site in ("a.example", "b.example")]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "a.jsonl")], store)
    assert (report.new_articles, report.known_articles) == (1, 1)
    [article] = list(store.articles())
    assert [s["url"] for s in store.sources(article.id)] == ["https://a.example/story", "https://b.example/story"]
    again = ingest([str(tmp_path / "a.jsonl")], store)
    assert again.new_articles == 0 and len(store.sources(article.id)) == 2


@pytest.mark.parametrize("name", ["a.txt", "a.html", "a.jsonl"])
def test_reingest_is_a_no_op(tmp_path: Path, name: str) -> None:
    content = {"a.txt": f"Plain title\n\n{BODY}", "a.html": page("Html title"), "a.jsonl": json.dumps({"text": BODY})}[
        name
    ]
    (tmp_path / name).write_text(content, encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    first = ingest([str(tmp_path / name)], store)
    second = ingest([str(tmp_path / name)], store)
    assert (first.new_articles, second.new_articles, second.known_articles) == (1, 0, 1)
    assert store.count_articles() == 1


# --- symlinks: each real file once, loops stopped with a warning (issue 15) --------------------

# Expansion runs in a child process with a timeout, so a regression that follows a symlink loop
# forever fails the test instead of hanging the suite.
_EXPAND = """
import json, sys
from storyline.model import IngestError
from storyline.sources.files import expand_paths
print(json.dumps([[[i.origin, i.reason, i.severity] if isinstance(i, IngestError) else i for i in expand_paths(args)]
                  for args in json.loads(sys.argv[1])]))
"""
_EXPAND_TIMEOUT = 20


def _expand_each(calls: list[list[str]], cwd: Path) -> list[tuple[list[str], list[list[str]]]]:
    """For each list of arguments, the files and the problems `expand_paths` gives, run from `cwd`."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _EXPAND, json.dumps(calls)], cwd=cwd, capture_output=True, timeout=_EXPAND_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"expanding {calls} did not finish in {_EXPAND_TIMEOUT} s (a symlink loop followed forever?)")
    assert done.returncode == 0, done.stderr.decode()
    return [
        ([i for i in items if isinstance(i, str)], [i for i in items if isinstance(i, list)])
        for items in json.loads(done.stdout)
    ]


def _symlink(link: Path, target: str | Path, is_dir: bool = True) -> None:
    try:
        os.symlink(target, link, target_is_directory=is_dir)
    except (OSError, NotImplementedError, AttributeError) as exc:
        pytest.skip(f"cannot create symlinks here: {exc}")


def _real(files: list[str], cwd: Path) -> list[str]:
    return [os.path.realpath(cwd / f) for f in files]


def test_glob_over_a_symlink_loop_ends_reads_each_file_once_and_warns(tmp_path: Path) -> None:
    sub = tmp_path / "loop" / "sub"
    sub.mkdir(parents=True)
    _symlink(sub / "up", "..")
    _symlink(sub / "up2", "..")
    (sub / "a.txt").write_text(f"Title of the loop story\n\n{BODY}", encoding="utf-8")
    real_a = os.path.realpath(sub / "a.txt")
    calls = [["loop/**/*.txt"], ["loop"], ["loop/**"], ["loop", "loop/**/*.txt", "loop/sub/a.txt"]]
    for args, (files, problems) in zip(calls, _expand_each(calls, tmp_path), strict=True):
        assert _real(files, tmp_path) == [real_a], args
        loops = {origin: reason for origin, reason, severity in problems if severity == "warning"}
        assert set(loops) == {os.path.join("loop", "sub", "up"), os.path.join("loop", "sub", "up2")}, (args, problems)
        assert all(re.search(r"loop", reason) for reason in loops.values()), loops
        assert [p for p in problems if p[2] != "warning"] == [], problems
    # The warning reaches the user through the ingest report (and so `storyline errors`).
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "loop" / "**" / "*.txt")], store)
    assert report.files == 1 and store.count_articles() == 1
    warned = [p for p in report.errors + report.warnings if p.severity == "warning" and "loop" in p.reason]
    assert sorted(Path(p.origin).name for p in warned) == ["up", "up2"]
    assert {e["origin"] for e in store.browse_errors(limit=None).items} == {p.origin for p in warned}


def test_one_link_back_to_the_parent_reads_the_file_once(tmp_path: Path) -> None:
    sub = tmp_path / "loop" / "sub"
    sub.mkdir(parents=True)
    _symlink(sub / "up", "..")
    (sub / "a.txt").write_text(f"Title of the story behind one link\n\n{BODY}", encoding="utf-8")
    calls = [["loop/**/*.txt"], ["loop"], ["loop/*/*/*/*.txt"]]
    for args, (files, problems) in zip(calls, _expand_each(calls, tmp_path), strict=True):
        assert _real(files, tmp_path) == [os.path.realpath(sub / "a.txt")], (args, files)
        assert all(p[2] == "warning" for p in problems), problems
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tmp_path / "loop" / "**" / "*.txt")], store)
    assert report.files == 1 and store.count_articles() == 1


def test_a_symlinked_folder_of_news_is_followed_once(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "news"
    outside.mkdir(parents=True)
    (outside / "one.txt").write_text(f"First linked story\n\n{BODY}", encoding="utf-8")
    (outside / "two.txt").write_text(f"Second linked story\n\n{BODY} Two.", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "own.txt").write_text(f"A story of the tree itself\n\n{BODY} Own.", encoding="utf-8")
    _symlink(tree / "news", outside)
    expected = sorted(os.path.realpath(p) for p in (outside / "one.txt", outside / "two.txt", tree / "own.txt"))
    calls = [["tree"], ["tree/**/*.txt"], ["tree", "tree/**/*.txt", "tree/news"]]
    results = _expand_each(calls, tmp_path)
    for args, (files, problems) in zip(calls, results, strict=True):
        assert sorted(_real(files, tmp_path)) == expected, (args, files)
        assert problems == [], problems
    assert results[0][0] == [
        os.path.join("tree", *p) for p in (["own.txt"], ["news", "one.txt"], ["news", "two.txt"])
    ]  # as before
    # A second link to the same folder: still read once, and the skipped link is said.
    _symlink(tree / "same-news", outside)
    [(files, problems)] = _expand_each([["tree"]], tmp_path)
    assert sorted(_real(files, tmp_path)) == expected, files
    assert [(p[0], p[2]) for p in problems] == [(os.path.join("tree", "same-news"), "warning")], problems
    store = open_store(tmp_path / "s.db")
    report = ingest([str(tree)], store)
    assert report.files == 3 and store.count_articles() == 3


def test_the_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text(f"The only story\n\n{BODY}", encoding="utf-8")
    _symlink(tmp_path / "a.txt", folder / "a.txt", is_dir=False)
    calls = [
        ["folder/a.txt", "folder/*.txt"],
        ["folder/a.txt", "folder", "folder/**/*.txt"],
        ["folder/a.txt", "folder/a.txt"],
        ["a.txt", "folder"],
    ]
    for args, (files, problems) in zip(calls, _expand_each(calls, tmp_path), strict=True):
        assert files == [args[0]], (args, files)
        assert problems == [], problems
    store = open_store(tmp_path / "s.db")
    report = ingest([str(folder / "a.txt"), str(folder), str(folder / "*.txt")], store)
    assert report.files == 1 and report.errors == []
