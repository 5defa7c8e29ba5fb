"""Extraction: turn a RawDocument into an Article (main text and metadata).

One extractor per media type, chosen from `EXTRACTORS`; each takes the decoded document and
returns the Article's fields. Metadata the source itself states (JSONL fields, feed entries)
wins over what extraction guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from storyline.extract.dates import parse_date, parse_iso
from storyline.extract.encoding import BinaryContentError, declared_charset, decode, fix_text
from storyline.extract.html import ExtractionError, domain_of, extract_html
from storyline.extract.text import parse_dump
from storyline.model import Article, IngestError, RawDocument, article_id

__all__ = ["EXTRACTORS", "BinaryContentError", "ExtractionError", "extract_article"]


def _from_text_dump(text: str, raw: RawDocument) -> dict[str, Any]:
    dump = parse_dump(text)
    return {
        "title": dump.title, "text": dump.text, "published": dump.published, "source": dump.source,
        "authors": dump.authors, "comments": dump.comments, "truncated": dump.truncated, "url": raw.url,
    }


def _from_clean_text(text: str, raw: RawDocument) -> dict[str, Any]:
    """Text a source gives as the article body (JSONL `text`): only whitespace is normalized."""
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", text)]
    return {"text": "\n\n".join(p for p in paragraphs if p), "url": raw.url}


def _from_html(html: str, raw: RawDocument) -> dict[str, Any]:
    return extract_html(html, raw.url)


EXTRACTORS: dict[str, Callable[[str, RawDocument], dict[str, Any]]] = {
    "text/html": _from_html,
    "text/plain": _from_text_dump,
    "application/x-article": _from_clean_text,
}


def _apply_hints(fields: dict[str, Any], hints: dict[str, Any], lang_hint: list[str]) -> None:
    if isinstance(hints.get("title"), str) and hints["title"].strip():
        fields["title"] = fix_text(hints["title"].strip())
    published = hints.get("published")
    if isinstance(published, str) and published.strip():
        parsed = parse_iso(published) or parse_date(published)
        if parsed:
            fields["published"] = parsed
    if isinstance(hints.get("authors"), list) and hints["authors"]:
        fields["authors"] = [str(a) for a in hints["authors"]]
    elif isinstance(hints.get("authors"), str):
        fields["authors"] = [hints["authors"]]
    if isinstance(hints.get("sitename"), str):
        fields["sitename"] = fields.get("sitename") or hints["sitename"]
    if isinstance(hints.get("url"), str):
        fields["url"] = fields.get("url") or hints["url"]
    source = hints.get("source")
    if isinstance(source, str) and source.strip():
        fields["source"] = domain_of(source.strip().lower()) or source.strip()
    elif not fields.get("source"):
        fields["source"] = domain_of(fields.get("url"))
    if isinstance(hints.get("lang"), str) and re.fullmatch(r"[a-z]{2}", hints["lang"].lower()):
        lang_hint.append(hints["lang"].lower())


def extract_article(raw: RawDocument) -> tuple[Article, list[IngestError]]:
    """Extract one document. Raises ExtractionError (or BinaryContentError) when there is no article.

    Returns the article and the warnings met on the way (bytes repaired while decoding).
    """
    warnings: list[IngestError] = []
    if isinstance(raw.content, bytes):
        declared = raw.charset or (declared_charset(raw.content) if raw.media_type == "text/html" else None)
        decoded = decode(raw.content, declared)
        if decoded.replaced:
            warnings.append(IngestError(
                raw.origin, "decode",
                f"invalid {decoded.charset.upper()}: {decoded.replaced} undecodable byte sequence(s) replaced with U+FFFD",
                raw.locator, severity="warning",
            ))
        text = decoded.text
    else:
        text = raw.content
    if raw.media_type != "text/html":
        text = fix_text(text)  # HTML fields are repaired after extraction, which is much cheaper
    if not text.strip():
        raise ExtractionError("no text in the document")
    fields = EXTRACTORS[raw.media_type](text, raw)
    lang_hint: list[str] = []
    _apply_hints(fields, raw.hints, lang_hint)
    body = fields.get("text", "").strip()
    if not body:
        raise ExtractionError("no article text found")
    article = Article(
        id=article_id(body, fields.get("url")),
        title=fields.get("title"),
        text=body,
        lang=lang_hint[0] if lang_hint else None,
        published=fields.get("published"),
        source=fields.get("source"),
        url=fields.get("url"),
        sitename=fields.get("sitename"),
        authors=fields.get("authors", []),
        comments=fields.get("comments", []),
        truncated=fields.get("truncated", False),
        origin=raw.where,
        extractor=raw.media_type,
    )
    return article, warnings

