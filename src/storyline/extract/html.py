"""Main text and metadata of HTML pages: trafilatura for the text, htmldate plus structured metadata for the date."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import htmldate
import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura import metadata as traf_metadata
from trafilatura.settings import Document
from trafilatura.utils import is_dubious_html, repair_faulty_html, trim
from trafilatura.xml import delete_element
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from storyline.errors import ExtractionError
from storyline.extract.boilerplate import is_furniture, is_label
from storyline.extract.dates import parse_date, parse_iso
from storyline.model import DatePrecision, PublishedDate, normalize_for_identity
from storyline.text.encoding import fix_text

# Where publishers state the publication time with its zone; htmldate finds the day but drops the time.
_DATE_META_NAMES = {
    "name": frozenset(
        {
            "article:published_time",
            "pubdate",
            "publishdate",
            "parsely-pub-date",
            "date",
            "dc.date",
            "DC.date.issued",
            "sailthru.date",
        }
    ),
    "property": frozenset({"article:published_time", "og:article:published_time"}),
    "itemprop": frozenset({"datePublished"}),
}


# trafilatura's parser, but keeping comments: htmldate reads dates in them (WordPress trackback RDF carries
# dc:date in a comment); they are stripped before trafilatura sees the tree. Every element is an HtmlElement:
# lxml.html's own class lookup calls back into Python each time an element is touched (about 5,000 times a
# page, 2.8 ms of 31), to give forms and inputs classes of their own that no reader here uses.
_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_pis=True)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def parse_html(html: str) -> HtmlElement | None:
    """The page's tree as trafilatura's `load_html` builds it, with the comments still in.

    >>> tree = parse_html("<html><body><!-- 2020-07-12 --><p>Text</p></body></html>")
    >>> len(tree.xpath("//comment()"))
    1
    """
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)  # trafilatura's load_html, step by step
    try:
        tree = fromstring(html, parser=_PARSER)
    except Exception:  # as trafilatura: a str that declares its encoding, or junk; try bytes
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
        except Exception:  # lxml raises a variety of errors on junk
            return None
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


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


def _json_ld_dates(script: str) -> list[str]:
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

    with contextlib.suppress(json.JSONDecodeError, RecursionError):
        walk(json.loads(script))
    return found


def _stated_dates(tree: HtmlElement) -> list[str]:
    """Publication dates in JSON-LD, then those of meta and time elements, each in document order.

    One pass over the three tags rather than XPaths (three walks of the whole tree). Like `//` in an XPath, it
    reads the whole document, also where lxml's `fromstring` returned the body's only child as `tree`.
    """
    json_ld: list[str] = []
    elements: list[str] = []
    for element in tree.getroottree().getroot().iter("script", "meta", "time"):
        if element.tag == "script":
            if element.get("type") == "application/ld+json" and element.text:
                json_ld.extend(_json_ld_dates(element.text))
        elif element.tag == "meta":
            named = any(element.get(attribute) in names for attribute, names in _DATE_META_NAMES.items())
            if named and (content := element.get("content")) is not None:
                elements.append(content)
        else:
            dated = element.get("itemprop") == "datePublished" or element.get("pubdate") is not None
            if dated and (value := element.get("datetime")) is not None:
                elements.append(value)
    return json_ld + elements


def _stated_date(tree: HtmlElement) -> PublishedDate | None:
    """The most precise publication date the page's structured metadata states."""
    best: PublishedDate | None = None
    for candidate in _stated_dates(tree):
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
    the structured metadata adds the time and zone when it agrees on the day, or when htmldate's day
    is the UTC day of the very time the metadata states in the publisher's zone (a page giving
    23:59+00:00 in a meta tag and 01:59+02:00 in JSON-LD was published on the local day).

    >>> stated = parse_iso("2020-12-25T01:59:50+02:00")
    >>> reconcile_dates("2020-12-24", stated).isoformat()
    '2020-12-25T01:59+02:00'
    >>> reconcile_dates("2020-12-23", stated).isoformat()
    '2020-12-23'
    """
    if found_day:
        day = parse_iso(found_day)
        if day is None:
            return stated
        if stated and stated.value.date() == day.value.date():
            return stated
        utc_day = stated.value.astimezone(UTC).date() if stated and stated.timezone_known else None
        if stated and stated.value.utcoffset() and utc_day == day.value.date():
            return stated
        return day
    return stated


# trafilatura's `extract_author` copies the tree, prunes it with two XPaths and tries three more, testing
# classes and ids with EXSLT regular expressions that lxml calls back into Python for, element by element:
# 7 ms a page, a third of the extraction itself. `_author` makes the same tests in one pass over the elements.
# They mirror trafilatura's XPaths as of this fingerprint; another trafilatura falls back to its own function.
_AUTHOR_XPATHS_FINGERPRINT = "2af94d4a6e04e948"  # trafilatura 2.3.1
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)"
    r"|print|category|meta-date|meta-reviewer"
)
_AUTHOR_TAGS = (
    frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
    frozenset({"a", "div", "h3", "h4", "p", "span"}),
)
_AUTHOR_CLASS = (
    re.compile(r"author-?name|AuthorName|authorName"),
    re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"),
    re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline"),
)
_AUTHOR_ID = (re.compile(r"author|zuozhe|bianji|xiaobian"), re.compile(r"[Aa]uthor"))
# Matches every class or id that any test above can select (all their patterns and compared values), so that
# most elements are passed over after one search; the rarer attributes are tested whenever present.
_ANY_TEST = re.compile(
    "|".join(
        [x.pattern for x in (_DISCARD_ID, _DISCARD_CLASS, *_AUTHOR_CLASS, *_AUTHOR_ID)]
        + ["comments", "title", "date", "author", "byline", "username", "byl", "BBL"]
    )
)
_RARE_ATTRIBUTES = frozenset({"itemprop", "rel", "data-component", "data-testid"})


def _xpaths_fingerprint(expressions: list[etree.XPath]) -> str:
    paths = "\n".join(" ".join(x.path.split()) for x in expressions)
    return hashlib.sha256(paths.encode()).hexdigest()[:16]


_AUTHOR_MIRRORED = _xpaths_fingerprint(AUTHOR_XPATHS + AUTHOR_DISCARD_XPATHS) == _AUTHOR_XPATHS_FINGERPRINT


def _discarded(element: HtmlElement) -> bool:
    """AUTHOR_DISCARD_XPATHS[0]: comment lists, sidebars, quotes, share bars, dates and the like."""
    if element.tag not in _DISCARD_TAGS:
        return False
    ident, cls = element.get("id") or "", element.get("class") or ""
    return (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or bool(_DISCARD_ID.search(ident) or _DISCARD_CLASS.search(cls))
        or "Figure" in (element.get("data-component") or "")
    )


def _author_tier(element: HtmlElement) -> int | None:
    """The first of trafilatura's AUTHOR_XPATHS that selects the element (0, 1, 2), or None."""
    tag = element.tag
    ident, cls, itemprop = element.get("id") or "", element.get("class") or "", element.get("itemprop") or ""
    if tag == "author" or (
        tag in _AUTHOR_TAGS[0]
        and (
            element.get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or element.get("data-testid") in ("AuthorCard", "AuthorURL")
            or _AUTHOR_CLASS[0].search(cls)
        )
    ):
        return 0
    if tag in _AUTHOR_TAGS[1] and (
        cls in ("byline", "username", "byl", "BBL")
        or "author" in itemprop
        or _AUTHOR_ID[0].search(ident)
        or _AUTHOR_CLASS[1].search(cls)
    ):
        return 1
    if (
        "Byline" in (element.get("data-component") or "")
        or "author" in itemprop
        or _AUTHOR_ID[1].search(ident)
        or _AUTHOR_CLASS[2].search(cls)
    ):
        return 2
    return None


def _author(tree: HtmlElement) -> str | None:
    """trafilatura's `extract_author`, pruning `tree` itself rather than a copy: call it when done with the tree.

    As there, only `tree` and its descendants count: lxml's `fromstring` may return the body's only child.

    >>> _author(parse_html('<html><body><p class="byline">By Ann Lee<time>1 May</time></p></body></html>'))
    'Ann Lee'
    """
    if not _AUTHOR_MIRRORED:
        return traf_metadata.extract_author(tree)
    discarded: list[HtmlElement] = []
    tiers: tuple[list[HtmlElement], ...] = ([], [], [])
    tested: dict[str, bool] = {}
    for element in tree.iter(etree.Element):
        if element.tag == "rel":  # AUTHOR_XPATHS[0] also tests <rel> children ("rel='me'"), never seen in HTML
            return traf_metadata.extract_author(tree)
        # Most elements pass no test: skip them after one search per distinct class and id (they repeat).
        cls, ident = element.get("class") or "", element.get("id") or ""
        if (hit := tested.get(cls)) is None:
            hit = tested[cls] = _ANY_TEST.search(cls) is not None
        if not hit and (hit := tested.get(ident)) is None:
            hit = tested[ident] = _ANY_TEST.search(ident) is not None
        if not hit and element.tag != "author" and _RARE_ATTRIBUTES.isdisjoint(element.keys()):
            continue
        if element is not tree and _discarded(element):
            discarded.append(element)
        tier = _author_tier(element)
        if tier is not None:
            tiers[tier].append(element)
    # As prune_unwanted_nodes: in document order, the second XPath on what the first left.
    for element in [*discarded, *tree.iter("time", "figure")]:
        if element is not tree:  # trafilatura prunes a copy, whose root stays
            delete_element(element)  # a <time> pruned with its parent goes again, out of the tree: no matter
    for candidates in tiers:
        for element in candidates:
            if element is not tree and not any(ancestor is tree for ancestor in element.iterancestors()):
                continue  # pruned: in a removed subtree
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < 120:
                return traf_metadata.normalize_authors(None, content)
    return None


def _page_metadata(tree: HtmlElement, url: str | None) -> Document:
    """trafilatura's `extract_metadata` less what storyline does not use or finds itself: the date (htmldate
    runs once, in `extract_html`), categories, tags and license; the author comes from `_author`, later.
    Not trimmed yet (`Document.clean_and_trim`)."""
    metadata = traf_metadata.examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # as trafilatura: a bug in its JSON-LD reader costs those fields only
        metadata = traf_metadata.extract_meta_json(tree, metadata)
    if not metadata.title:
        metadata.title = traf_metadata.extract_title(tree)
    if not metadata.url:
        metadata.url = traf_metadata.extract_url(tree, url)
    if not metadata.sitename:
        metadata.sitename = traf_metadata.extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := traf_metadata.META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    return metadata


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
    tree = parse_html(html)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    # Parsed once, dated once. htmldate reads the tree with its comments (dates hide there) and prunes a copy of
    # its own; `_page_metadata` stands in for trafilatura's metadata reader, which would run htmldate again.
    found_day = htmldate.find_date(tree, url=url, original_date=True, extensive_search=True)
    etree.strip_elements(tree, etree.Comment, with_tail=False)  # now as trafilatura's load_html parses it
    stated = _stated_date(tree)
    metadata = _page_metadata(tree, url)
    metadata.clean_and_trim()
    doc = trafilatura.bare_extraction(tree, url=url or metadata.url, include_comments=True)
    # Without as_dict=True trafilatura returns its Document (or None); the annotation covers both modes.
    if isinstance(doc, dict):
        raise TypeError("trafilatura.bare_extraction returned a dict without as_dict=True")
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError(
            "no main text found in the page (it may be an index page, a login wall or a JavaScript app)"
        )
    if not metadata.author:  # last: `_author` prunes the tree itself, trafilatura having worked on a copy
        late = Document()  # trimmed as trafilatura trims its metadata
        late.author = _author(tree)
        late.clean_and_trim()
        metadata.author = late.author
    text = doc.text or ""  # not empty, as just checked; the `or` is for the type checker
    title = fix_text(metadata.title.strip()) if metadata.title else None
    paragraphs = trim_furniture([fix_text(p.strip()) for p in text.split("\n") if p.strip()], title)
    if not paragraphs:
        raise ExtractionError("only page furniture found (labels, newsletter or legal notices), no article text")
    page_url = metadata.url if metadata.url and metadata.url.startswith(("http://", "https://")) else None
    canonical = page_url or url
    comments = [fix_text(line.strip()) for line in (doc.comments or "").split("\n") if line.strip()]
    return {
        "title": title,
        "text": "\n\n".join(paragraphs),
        "published": reconcile_dates(found_day, stated),
        "url": url or canonical,  # where it was read from; the page's own address beside it
        "canonical_url": page_url,
        "source": domain_of(canonical) or domain_of(url),
        "sitename": fix_text(metadata.sitename) if metadata.sitename else None,
        "authors": [a.strip() for a in re.split(r";|\band\b", metadata.author or "") if a.strip()],
        "comments": comments,
    }
