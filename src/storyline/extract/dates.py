"""Publication dates from strings, with the precision the string supports and nothing more."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from dateparser.date import DateDataParser

from storyline.model import DatePrecision, PublishedDate

_PERIOD_PRECISION = {
    "time": DatePrecision.MINUTE,
    "day": DatePrecision.DAY,
    "week": DatePrecision.DAY,
    "month": DatePrecision.MONTH,
    "year": DatePrecision.YEAR,
}
# A publication date must be absolute: a year, or a numeric date with a two-digit year.
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
_ISO_LIKE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?\s*$")
# "14h20" (French, Portuguese) is a time dateparser reads only in some locales.
_H_TIME = re.compile(r"\b(\d{1,2})h(\d{2})\b")
_TZ_MENTION = re.compile(r"(?:[+-]\d{2}:?\d{2}\b|\b(?:UTC|GMT|CET|CEST|EST|EDT|PST|PDT|BST|MEZ|MESZ)\b|Z$)")
_MONTH_FIRST_LANGS = {"en"}  # as written in US-style English datelines: "11/05/2025"


def parse_iso(text: str) -> PublishedDate | None:
    """Parse ISO 8601 forms, keeping their precision: '2025', '2025-10', '2025-10-02', '2025-10-02T09:15+02:00'."""
    match = _ISO_LIKE.match(text)
    if not match:
        return None
    year, month, day, hour, _minute, zone = match.groups()
    try:
        if hour is not None:
            value = datetime.fromisoformat(text.strip().replace(" ", "T").replace("Z", "+00:00"))
            return PublishedDate(value.replace(second=0, microsecond=0), DatePrecision.MINUTE, zone is not None)
        if day is not None:
            return PublishedDate(datetime(int(year), int(month), int(day)), DatePrecision.DAY)
        if month is not None:
            return PublishedDate(datetime(int(year), int(month), 1), DatePrecision.MONTH)
        return PublishedDate(datetime(int(year), 1, 1), DatePrecision.YEAR)
    except ValueError:
        return None


_DATEPARSER_CODES = {"no": "nb"}  # py3langid's codes that dateparser spells otherwise


@lru_cache(maxsize=64)
def _parser(lang: str | None) -> DateDataParser:
    settings = {
        "PREFER_DATES_FROM": "past",
        "RETURN_TIME_AS_PERIOD": True,
        "DATE_ORDER": "MDY" if lang in _MONTH_FIRST_LANGS else "DMY",
        "PREFER_DAY_OF_MONTH": "first",
    }
    lang = _DATEPARSER_CODES.get(lang or "", lang)
    languages = [lang, "en"] if lang and lang != "en" else None
    try:
        return DateDataParser(languages=languages, settings=settings)
    except ValueError:  # a language dateparser does not know
        return DateDataParser(settings=settings)


def parse_date(text: str, lang: str | None = None) -> PublishedDate | None:
    """Parse an absolute date in any common language and format, with its precision.

    Relative expressions ("yesterday", "Monday") are refused: a publication date must not
    depend on when storyline runs.

    >>> parse_date("24-05-2022 15:02", "it").isoformat()
    '2022-05-24T15:02'
    >>> parse_date("5 listopada 2025", "pl").precision.value
    'day'
    """
    text = text.strip()
    if not text or len(text) > 120:
        return None
    iso = parse_iso(text)
    if iso:
        return iso
    if not _HAS_YEAR.search(text):
        return None
    cleaned = _H_TIME.sub(r"\1:\2", text)
    try:
        data = _parser(lang).get_date_data(cleaned)
    except ValueError:  # dateparser refuses a language only when it first loads it
        data = _parser(None).get_date_data(cleaned)
    if data.date_obj is None:
        return None
    precision = _PERIOD_PRECISION.get(data.period or "day", DatePrecision.DAY)
    value = data.date_obj.replace(second=0, microsecond=0)
    if precision is DatePrecision.MONTH:
        value = value.replace(day=1, hour=0, minute=0)
    elif precision is DatePrecision.YEAR:
        value = value.replace(month=1, day=1, hour=0, minute=0)
    elif precision is DatePrecision.DAY:
        value = value.replace(hour=0, minute=0)
    timezone_known = value.tzinfo is not None and bool(_TZ_MENTION.search(text))
    if not timezone_known:
        value = value.replace(tzinfo=None)
    return PublishedDate(value, precision, timezone_known)
