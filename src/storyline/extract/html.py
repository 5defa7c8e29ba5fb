"""Main text and metadata of HTML pages: trafilatura for the text, htmldate plus structured metadata for the date."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from storyline.errors import ExtractionError
from storyline.extract.boilerplate import is_furniture, is_label
from storyline.extract.dates import parse_date, parse_iso
from storyline.model import DatePrecision, PublishedDate, normalize_for_identity
from storyline.text.encoding import fix_text

# Where publishers state the publication time with its zone; htmldate finds the day but drops the time.
_DATE_META_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time'"
    " or @property='og:article:published_time' or @itemprop='datePublished'"
    " or @name='pubdate' or @name='publishdate' or @name='parsely-pub-date' or @name='date'"
    " or @name='dc.date' or @name='DC.date.issued' or @name='sailthru.date']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime"
)


def domain_of(url: str | None) -> str | None:
    """'https://www.example.co.uk/a' -> 'example.co.uk'."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def _json_ld_dates(tree: HtmlElement) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for child in node.values():
                if isinstance(child, dict | list):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            walk(json.loads(script))
        except (json.JSONDecodeError, RecursionError):
            continue
    return found


def _stated_date(tree: HtmlElement) -> PublishedDate | None:
    """The most precise publication date the page's structured metadata states."""
    best: PublishedDate | None = None
    for candidate in _json_ld_dates(tree) + [str(v) for v in tree.xpath(_DATE_META_XPATH)]:
        candidate = candidate.strip()
        parsed = parse_iso(candidate) or parse_date(candidate)
        if parsed and (best is None or _finer(parsed, best)):
            best = parsed
    return best


def _finer(a: PublishedDate, b: PublishedDate) -> bool:
    order = list(DatePrecision)
    return (order.index(a.precision), a.timezone_known) > (order.index(b.precision), b.timezone_known)


def reconcile_dates(found_day: str | None, stated: PublishedDate | None) -> PublishedDate | None:
    """htmldate's day wins (it is the better judge of *which* date is the publication date);
    the structured metadata adds the time and zone when it agrees on the day."""
    if found_day:
        day = parse_iso(found_day)
        if day is None:
            return stated
        if stated and stated.value.date() == day.value.date():
            return stated
        return day
    return stated


def _same_text(a: str, b: str) -> bool:
    return normalize_for_identity(a) == normalize_for_identity(b)


def trim_furniture(paragraphs: list[str], title: str | None) -> list[str]:
    """What trafilatura keeps from inside the article element but is not its text: the headline
    repeated as the first line, ad labels, and short newsletter or legal lines at either end."""
    if paragraphs and title and _same_text(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    paragraphs = [p for p in paragraphs if not is_label(p)]
    while paragraphs and len(paragraphs[-1].split()) <= 30 and is_furniture(paragraphs[-1]):
        paragraphs = paragraphs[:-1]
    while paragraphs and len(paragraphs[0].split()) <= 30 and is_furniture(paragraphs[0]):
        paragraphs = paragraphs[1:]
    return paragraphs


def extract_html(html: str, url: str | None = None) -> dict[str, Any]:
    """Extract an article's fields from an HTML page (already decoded).

    Returns a dict of Article fields (title, text, published, url, source, sitename, authors,
    comments); raises ExtractionError when the page has no main text.
    """
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    stated = _stated_date(tree)
    # htmldate on the page text, not on trafilatura's tree: it finds more right dates that way
    # (measured in benchmarks/extraction.py); original_date prefers publication over modification.
    found_day = htmldate.find_date(html, url=url, original_date=True, extensive_search=True)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=True,
        date_extraction_params={"extensive_search": False, "original_date": True},  # result unused: cheap
    )
    # Without as_dict=True trafilatura returns its Document (or None); the annotation covers both modes.
    if isinstance(doc, dict):
        raise TypeError("trafilatura.bare_extraction returned a dict without as_dict=True")
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError(
            "no main text found in the page (it may be an index page, a login wall or a JavaScript app)"
        )
    text = doc.text or ""  # not empty, as just checked; the `or` is for the type checker
    title = fix_text(doc.title.strip()) if doc.title else None
    paragraphs = trim_furniture([fix_text(p.strip()) for p in text.split("\n") if p.strip()], title)
    if not paragraphs:
        raise ExtractionError("only page furniture found (labels, newsletter or legal notices), no article text")
    page_url = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else None
    canonical = page_url or url
    comments = [fix_text(line.strip()) for line in (doc.comments or "").split("\n") if line.strip()]
    return {
        "title": title,
        "text": "\n\n".join(paragraphs),
        "published": reconcile_dates(found_day, stated),
        "url": url or canonical,  # where it was read from; the page's own address beside it
        "canonical_url": page_url,
        "source": domain_of(canonical) or domain_of(url),
        "sitename": fix_text(doc.sitename) if doc.sitename else None,
        "authors": [a.strip() for a in re.split(r";|\band\b", doc.author or "") if a.strip()],
        "comments": comments,
    }
