"""Extraction: turn a RawDocument into an Article (main text and metadata).

One extractor per media type, chosen from the `EXTRACTORS` registry (plugins add media types); each takes
the decoded document and returns the Article's fields. Metadata the source itself states (JSONL fields,
feed entries) wins over what extraction guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from storyline.defaults import MAX_ARTICLE_CHARS, MAX_TEXT_CHARS
from storyline.errors import ConfigurationError
from storyline.extract.dates import parse_date, parse_iso
from storyline.extract.html import ExtractionError, domain_of, extract_html
from storyline.extract.text import parse_dump
from storyline.model import Article, IngestError, RawDocument, article_id
from storyline.plugins import Registry
from storyline.text.encoding import BinaryContentError, declared_charset, decode, fix_text

__all__ = ["EXTRACTORS", "BinaryContentError", "ExtractionError", "Extractor", "extract_article"]


def _from_text_dump(text: str, raw: RawDocument) -> dict[str, Any]:
    dump = parse_dump(text)
    return {
        "title": dump.title,
        "text": dump.text,
        "published": dump.published,
        "source": dump.source,
        "authors": dump.authors,
        "comments": dump.comments,
        "truncated": dump.truncated,
        "url": raw.url,
    }


MIN_RECORD_WORDS = 5  # a record's stated text shorter than this is no article ({"text": "x"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _words(text: str) -> int:
    """Words of a text; in Chinese, Japanese and Korean two characters count as one."""
    return len(_CJK.sub(" ", text).split()) + len(_CJK.findall(text)) // 2


def _from_clean_text(text: str, raw: RawDocument) -> dict[str, Any]:
    """Text a source gives as the article body (JSONL `text`): only whitespace is normalized."""
    paragraphs = [re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", text)]
    body = "\n\n".join(p for p in paragraphs if p)
    if _words(body) < MIN_RECORD_WORDS:
        raise ExtractionError(f"text too short to be an article ({_words(body)} word(s); at least {MIN_RECORD_WORDS})")
    return {"text": body, "url": raw.url}


def _from_html(html: str, raw: RawDocument) -> dict[str, Any]:
    return extract_html(html, raw.url)


Extractor = Callable[[str, RawDocument], dict[str, Any]]

# By media type; a source plugin that yields a media type of its own registers its extractor in this group.
EXTRACTORS: Registry[Extractor] = Registry("storyline.extractors", "extractor for media type")
EXTRACTORS.register("text/html", _from_html)
EXTRACTORS.register("text/plain", _from_text_dump)
EXTRACTORS.register("application/x-article", _from_clean_text)


def _apply_hints(fields: dict[str, Any], hints: dict[str, Any], lang_hint: list[str]) -> list[str]:
    """Merge what the source states into the extracted fields; returns what it stated but could not be read."""
    unreadable = []
    if isinstance(hints.get("title"), str) and hints["title"].strip():
        fields["title"] = fix_text(hints["title"].strip())
    published = hints.get("published")
    if published not in (None, ""):
        parsed = (parse_iso(published) or parse_date(published)) if isinstance(published, str) else None
        if parsed:
            fields["published"] = parsed
        else:
            unreadable.append(
                f"published {published!r} is not a date; kept "
                + ("the date the page gives" if fields.get("published") else "without a date")
            )
    if isinstance(hints.get("authors"), list) and hints["authors"]:
        fields["authors"] = [str(a) for a in hints["authors"]]
    elif isinstance(hints.get("authors"), str):
        fields["authors"] = [hints["authors"]]
    if isinstance(hints.get("sitename"), str):
        fields["sitename"] = fields.get("sitename") or hints["sitename"]
    if isinstance(hints.get("url"), str) and hints["url"].strip():
        fields["url"] = hints["url"].strip()  # the address the source gives wins; the page's canonical stays beside it
    source = hints.get("source")
    if isinstance(source, str) and source.strip():
        fields["source"] = domain_of(source.strip().lower()) or source.strip()
    elif not fields.get("source"):
        fields["source"] = domain_of(fields.get("url"))
    lang = hints.get("lang")
    if isinstance(lang, str) and re.fullmatch(r"[a-z]{2}", lang.strip().lower()):
        lang_hint.append(lang.strip().lower())
    elif lang not in (None, ""):
        unreadable.append(f"lang {lang!r} is not an ISO 639-1 code; the language is identified from the text")
    if hints.get("url") not in (None, "") and not isinstance(hints.get("url"), str):
        unreadable.append(f"url {hints['url']!r} is not a string; ignored")
    return unreadable


def extract_article(raw: RawDocument) -> tuple[Article, list[IngestError]]:
    """Extract one document. Raises ExtractionError (or BinaryContentError) when there is no article.

    Returns the article and the warnings met on the way (bytes repaired while decoding).
    """
    warnings: list[IngestError] = []
    if isinstance(raw.content, bytes):
        declared = raw.charset or (declared_charset(raw.content) if raw.media_type == "text/html" else None)
        decoded = decode(raw.content, declared)
        if decoded.replaced:
            warnings.append(
                IngestError(
                    raw.origin,
                    "decode",
                    f"invalid {decoded.charset.upper()}: {decoded.replaced} undecodable byte sequence(s) replaced with U+FFFD",
                    raw.locator,
                    severity="warning",
                )
            )
        text = decoded.text
    else:
        text = raw.content
    notes: list[str] = []  # one warning of this stage per document: the store keeps one per origin, locator and stage
    if raw.media_type != "text/html" and len(text) > MAX_TEXT_CHARS:
        notes.append(f"text of {len(text):,} characters cut at {MAX_TEXT_CHARS:,} before reading it")
        text = text[:MAX_TEXT_CHARS]
    if raw.media_type != "text/html":
        text = fix_text(text)  # HTML fields are repaired after extraction, which is much cheaper
    if not text.strip():
        raise ExtractionError("no text in the document")
    try:
        extractor = EXTRACTORS.get(raw.media_type)
    except ConfigurationError as exc:
        raise ExtractionError(str(exc)) from exc  # this document's, recorded; the run goes on
    fields = extractor(text, raw)
    lang_hint: list[str] = []
    notes.extend(_apply_hints(fields, raw.hints, lang_hint))
    body = fields.get("text", "").strip()
    if not body:
        raise ExtractionError("no article text found")
    if len(body) > MAX_ARTICLE_CHARS:
        cut = body.rfind(" ", 0, MAX_ARTICLE_CHARS)
        body = body[: cut if cut > MAX_ARTICLE_CHARS // 2 else MAX_ARTICLE_CHARS].rstrip()
        notes.append(f"article text cut at {len(body):,} characters (the longest kept is {MAX_ARTICLE_CHARS:,})")
    if notes:
        warnings.append(IngestError(raw.origin, "extract", "; ".join(notes), raw.locator, severity="warning"))
    article = Article(
        id=article_id(
            body, fields.get("canonical_url") or fields.get("url")
        ),  # the same as before url and canonical parted
        title=fields.get("title"),
        text=body,
        lang=lang_hint[0] if lang_hint else None,
        published=fields.get("published"),
        source=fields.get("source"),
        url=fields.get("url"),
        canonical_url=fields.get("canonical_url"),
        sitename=fields.get("sitename"),
        authors=fields.get("authors", []),
        comments=fields.get("comments", []),
        truncated=fields.get("truncated", False),
        origin=raw.where,
        extractor=raw.media_type,
    )
    return article, warnings
