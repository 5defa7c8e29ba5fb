"""Bytes to clean text: charset detection, invalid-byte repair, mojibake repair."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
import ftfy

from storyline.errors import BinaryContentError

# Keep typographic quotes and full-width characters: they are the article's, not damage.
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, normalization="NFC")

_BINARY_SIGNATURES: dict[bytes, str] = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x7fELF": "an executable",
    b"\x1f\x8b": "gzip data",
    b"BZh": "bzip2 data",
    b"\xfd7zXZ": "xz data",
    b"RIFF": "a RIFF media file",
    b"\x00\x00\x00": "binary data",
    b"SQLite format 3": "an SQLite database",
}
# Legacy encodings that real news pages use; detection among all of Python's codecs picks
# exotic ones (cp1006, mac_*) on short texts.
_WEB_CHARSETS = [
    "cp1252",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "cp1251",
    "koi8_r",
    "iso8859_5",
    "cp1253",
    "iso8859_7",
    "cp1254",
    "iso8859_9",
    "cp1255",
    "cp1256",
    "cp1257",
    "iso8859_13",
    "shift_jis",
    "euc_jp",
    "iso2022_jp",
    "gb18030",
    "big5",
    "euc_kr",
    "cp1258",
    "tis_620",
]
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    replaced: int = 0  # invalid bytes replaced with U+FFFD


def describe_binary(data: bytes) -> str | None:
    """Name the kind of binary content, or None when the bytes look like text."""
    for signature, name in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return name
    head = data[:8192]
    if not head:
        return None
    if head.count(b"\x00") > 0 and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary data (NUL bytes)"
    # Control characters other than whitespace are rare in any text encoding.
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) * 0.05:
        return "binary data (control bytes)"
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares for itself, if it is one Python knows."""
    match = _META_CHARSET.search(data[:4096]) or re.search(
        rb"""<\?xml[^>]+encoding=["']([A-Za-z0-9_.:-]+)""", data[:512]
    )
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """Decode bytes the way a careful browser would (mojibake repair is `fix_text`'s job, on the extracted text).

    Order: BOM, valid UTF-8, the declared charset, detection. Mostly-UTF-8 bytes with a few
    invalid sequences (a truncated copy, a bad splice) stay UTF-8 with the bad bytes replaced,
    and `replaced` counts them so the caller can report it.

    >>> decode("Kühlschrank".encode("cp1252")).text
    'Kühlschrank'
    """
    kind = describe_binary(data)
    if kind:
        raise BinaryContentError(f"binary content: looks like {kind}, not text")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return Decoded(data.decode(name, errors="replace").lstrip("\ufeff"), name)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared or declared_charset(data)
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return Decoded(data.decode(declared), declared)
        except (UnicodeDecodeError, LookupError):
            pass
    utf8_attempt = data.decode("utf-8", errors="replace")
    replaced = utf8_attempt.count("\ufffd")
    multibyte = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data))
    # Legacy-encoded text almost never forms valid UTF-8 sequences; UTF-8 with a few bad bytes does.
    if multibyte and multibyte * 4 >= replaced:
        return Decoded(utf8_attempt, "utf-8", replaced)
    best = charset_normalizer.from_bytes(data, cp_isolation=_WEB_CHARSETS).best()
    if best is not None:
        return Decoded(str(best), best.encoding)
    return Decoded(utf8_attempt, "utf-8", replaced)


# Mojibake that went through NFKC afterwards: "ü" -> "Ã¼" -> "Ã1⁄4". Undo the NFKC step so ftfy can
# see the Latin-1 bytes again; a lead byte followed by these sequences never occurs in real text.
_NFKC_MOJIBAKE = re.compile(r"([ÃÂ])(1⁄4|1⁄2|3⁄4|[123])")
_NFKC_UNDO = {"1⁄4": "¼", "1⁄2": "½", "3⁄4": "¾", "1": "¹", "2": "²", "3": "³"}


def fix_text(text: str) -> str:
    """Repair mojibake (UTF-8 read as Latin-1 and the like) and stray control characters.

    >>> fix_text("Die Raupen verbringen ihre Zeit fÃ1⁄4r gewÃ¶hnlich im Bienenstock")
    'Die Raupen verbringen ihre Zeit für gewöhnlich im Bienenstock'
    """
    if text.isascii():
        return text
    text = _NFKC_MOJIBAKE.sub(lambda m: m.group(1) + _NFKC_UNDO[m.group(2)], text)
    return ftfy.fix_text(text, config=_FTFY_CONFIG)
