"""HTML extraction parses each page once and finds its date once, with the fields trafilatura's own
metadata reader would give. The pages are written by us; people and sites are fictional."""

from __future__ import annotations

import copy

import htmldate
import pytest
import trafilatura.core
import trafilatura.metadata
from lxml import etree

from storyline.extract import html as extract_html_module
from storyline.extract.html import extract_html, parse_html

BODY = " ".join(["The council voted on Tuesday to rebuild the old harbour bridge before the winter storms."] * 6)


def article_page(head: str = "", before: str = "", after: str = "") -> str:
    return (
        f"<html><head><title>Bridge vote - Harbour News</title>{head}</head><body>{before}"
        f"<article><h1>Bridge vote</h1><p>{BODY}</p><p>{BODY}</p></article>{after}</body></html>"
    )


def test_one_parse_and_one_date_search(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_find_date = htmldate.find_date

    def counted(*args: object, **kwargs: object) -> str | None:
        calls.append("htmldate")
        return real_find_date(*args, **kwargs)  # type: ignore[arg-type]

    real_parse = extract_html_module.parse_html

    def counted_parse(html: str) -> object:
        calls.append("parse")
        return real_parse(html)

    monkeypatch.setattr(extract_html_module.htmldate, "find_date", counted)
    monkeypatch.setattr(extract_html_module, "parse_html", counted_parse)
    monkeypatch.setattr(trafilatura.metadata, "find_date", lambda *a, **k: pytest.fail("second date search"))
    real_load = trafilatura.core.load_html

    def tree_only(page: object, *args: object) -> object:
        if isinstance(page, str | bytes):
            pytest.fail("trafilatura parses the page a second time")
        return real_load(page, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(trafilatura.core, "load_html", tree_only)
    fields = extract_html(article_page('<meta property="article:published_time" content="2021-03-04T10:00:00Z">'))
    assert calls == ["parse", "htmldate"]
    assert fields["published"].isoformat() == "2021-03-04T10:00+00:00"
    assert fields["title"] == "Bridge vote"


def test_dates_in_html_comments_count() -> None:
    """A WordPress trackback block states dc:date inside a comment: htmldate reads it there."""
    rdf = (
        '<!-- <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<rdf:Description rdf:about="https://harbour.example/bridge" dc:date="2020-07-12T09:30:00+09:00" />'
        "</rdf:RDF> -->"
    )
    fields = extract_html(article_page(after=rdf), "https://harbour.example/bridge")
    assert fields["published"].isoformat() == "2020-07-12"
    assert "rdf" not in fields["text"].lower()


def test_the_publishers_day_wins_over_the_same_time_in_utc() -> None:
    head = '<meta property="article:published_time" content="2020-12-24T23:59:50+00:00">'
    json_ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-12-25T01:59:50+02:00"}</script>'
    fields = extract_html(article_page(head=head + json_ld), "https://harbour.example/bridge")
    assert fields["published"].isoformat() == "2020-12-25T01:59+02:00"


BYLINES = [
    '<a rel="author" href="/ann">Ann Lee</a>',
    '<span class="author-name">Ann Lee</span>',
    '<div data-testid="AuthorCard">Ann Lee</div>',
    '<p class="byline">By Ann Lee</p>',
    '<span itemprop="author">Ann Lee</span>',
    '<h4 id="zuozhe-box">Ann Lee</h4>',
    '<em class="Writer writer-name">Ann Lee</em>',
    '<section data-component="Byline">Ann Lee</section>',
    "<author>Ann Lee</author>",
    # pruned before the author is looked for: comment lists, share bars, dates, figures
    '<div class="comments"><span class="author">Zed Roe</span></div><span class="author">Ann Lee</span>',
    '<div id="comment-list"><a rel="author">Zed Roe</a></div><p class="byline">Ann Lee</p>',
    '<span class="byline">By Ann Lee<time>3 May</time> in Harbour</span>',
    '<figure><span class="author">Photo: Zed Roe</span></figure><span class="author">Ann Lee</span>',
    '<span class="author">A</span><span class="author">Ann Lee, staff writer of the Harbour News and of several other'
    " papers, who has written about bridges, ferries, storms and councils for more than twenty years</span>",
    '<div class="article-share"><p class="byline">Share</p></div>',
    "",
]


@pytest.mark.parametrize("byline", BYLINES)
@pytest.mark.parametrize("wrapped", [False, True])
def test_author_as_trafilatura_finds_it(byline: str, wrapped: bool) -> None:
    """The one-pass author search gives what trafilatura's extract_author gives, also where lxml returns
    the body's only child as the tree (a page that is one <div>)."""
    html = article_page(before=byline)
    if wrapped:
        html = f'<div class="page">{byline}<p>{BODY}</p><p>{BODY}</p></div>'
    tree = parse_html(html)
    assert tree is not None
    etree.strip_elements(tree, etree.Comment, with_tail=False)
    expected = trafilatura.metadata.extract_author(copy.deepcopy(tree))
    assert extract_html_module._author(tree) == expected


def test_author_search_mirrors_the_installed_trafilatura() -> None:
    """The fast author search is used only while trafilatura's XPaths are those it mirrors; a new trafilatura
    falls back to its own (slow) function until the mirror is checked and its fingerprint updated."""
    assert extract_html_module._AUTHOR_MIRRORED


def test_parse_keeps_comments_for_htmldate_only() -> None:
    tree = parse_html(article_page(after="<!-- 2020-07-12 -->"))
    assert tree is not None and tree.xpath("//comment()")
    fields = extract_html(article_page(after="<!-- posted 2020-07-12 -->"))
    assert "posted" not in fields["text"]
