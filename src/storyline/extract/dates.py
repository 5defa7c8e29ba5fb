"""Publication dates from strings, with the precision the string supports and nothing more."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

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
_ISO_LIKE = re.compile(
    r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?\s*$"
)
# "14h20" (French, Portuguese) is a time dateparser reads only in some locales.
_H_TIME = re.compile(r"\b(\d{1,2})h(\d{2})\b")
# A timestamp that begins with an ISO day names no language; what parse_iso could not read of it (a zone
# abbreviation, odd separators) is English. Without a language dateparser tries each of ~200 locales: 100 ms.
_ISO_DAY_FIRST = re.compile(r"(?:1[89]|20)\d\d-\d\d-\d\d")
_TZ_MENTION = re.compile(r"(?:[+-]\d{2}:?\d{2}\b|\b(?:UTC|GMT|CET|CEST|EST|EDT|PST|PDT|BST|MEZ|MESZ)\b|Z$)")
_MONTH_FIRST_LANGS = {"en"}  # as written in US-style English datelines: "11/05/2025"
# A numeric day-month-year date (never year first): '03-04-2021', '3/4/21', '03.04.2021'.
_NUMERIC_DATE = re.compile(r"(?<![\d./-])(\d{1,2})([./-])(\d{1,2})\2((?:19|20)?\d\d)(?!\d|[./-]\d)")


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
def _parser(lang: str | None, only: bool = False) -> DateDataParser:
    """dateparser for `lang` and English (`only`: that language alone); without a language, all it knows."""
    settings = {
        "PREFER_DATES_FROM": "past",
        "RETURN_TIME_AS_PERIOD": True,
        "DATE_ORDER": "MDY" if lang in _MONTH_FIRST_LANGS else "DMY",
        "PREFER_DAY_OF_MONTH": "first",
    }
    lang = _DATEPARSER_CODES.get(lang or "", lang)
    languages = [lang] if only and lang else [lang, "en"] if lang and lang != "en" else None
    try:
        return DateDataParser(languages=languages, settings=settings)
    except ValueError:  # a language dateparser does not know
        return DateDataParser(settings=settings)


def parse_date(text: str, lang: str | None = None, evidence: DateEvidence | None = None) -> PublishedDate | None:
    """Parse an absolute date in any common language and format, with its precision.

    Relative expressions ("yesterday", "Monday") are refused: a publication date must not
    depend on when storyline runs. A numeric date whose day and month could be swapped
    ('03-04-2021') is read the way the `evidence` of its document says (see `resolve_day_month`);
    where nothing there decides, it keeps the convention of its language and separator and is
    marked `ambiguous`.

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
    numeric = lang is None and _ISO_DAY_FIRST.match(cleaned) is not None
    try:
        data = (_parser("en", only=True) if numeric else _parser(lang)).get_date_data(cleaned)
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
    parsed = PublishedDate(value, precision, timezone_known)
    readings = _day_month_readings(text, parsed)
    if readings is None:
        return parsed
    evidence = evidence or DateEvidence()
    return resolve_day_month(
        readings, replace(evidence, dateline=evidence.dateline or text, lang=evidence.lang or lang)
    )


# --- day or month first: what the document says ------------------------------------------------------------


@dataclass(frozen=True)
class DateEvidence:
    """What a document holds that can tell the day from the month of a numeric date that reads both ways."""

    text: str = ""  # the rest of the document (title, body): weekdays and other dates in it
    dateline: str = ""  # the line the date is written in: its template ('03-04-2021 09:30 - Source: x.com')
    source: str | None = None  # the site's domain: its country's convention
    lang: str | None = None


class DayMonthReadings(NamedTuple):
    """The two readings of a numeric date whose day and month could be swapped."""

    day_first: PublishedDate
    month_first: PublishedDate
    written: str  # the date as written: '03-04-2021'


_DAY_FIRST, _MONTH_FIRST = "day-first", "month-first"
# Full weekday names, Monday first, with the forms prepositions give them ("w środę", "od poniedziałku").
_WEEKDAYS = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "it": ("luned[iì]", "marted[iì]", "mercoled[iì]", "gioved[iì]", "venerd[iì]", "sabato", "domenica"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag|sonnabend", "sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "mi[ée]rcoles", "jueves", "viernes", "s[áa]bado", "domingo"),
    "pt": ("segunda-feira", "ter[çc]a-feira", "quarta-feira", "quinta-feira", "sexta-feira", "s[áa]bado", "domingo"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "pl": (
        "poniedzia[łl](?:ek|ku)",
        "wtor(?:ek|ku)",
        "[śs]rod(?:a|ę|e|y)",
        "czwart(?:ek|ku)",
        "pi[ąa]t(?:ek|ku)",
        "sobot(?:a|ę|e|y)",
        "niedziel(?:a|ę|e|i)",
    ),
}
_WEEKDAY = "|".join(f"(?P<wd{i}>{'|'.join(names[i] for names in _WEEKDAYS.values())})" for i in range(7))
# Words that put a named weekday at a known distance from the publication day ("ieri, mercoledì", "hoy jueves").
# 'morgen' and 'mañana' are left out: they also mean "morning".
_RELATIVE_DAYS = {
    "en": {"today": 0, "yesterday": -1, "tomorrow": 1},
    "it": {"oggi": 0, "ieri": -1, "domani": 1},
    "de": {"heute": 0, "gestern": -1},
    "fr": {"aujourd'hui": 0, "aujourd’hui": 0, "hier": -1, "demain": 1},
    "es": {"hoy": 0, "ayer": -1},
    "pt": {"hoje": 0, "ontem": -1, "amanhã": 1},
    "nl": {"vandaag": 0, "gisteren": -1},
    "pl": {"dziś": 0, "dzisiaj": 0, "wczoraj": -1, "jutro": 1},
}
_ARTICLE = r"(?:(?:the|den|der|le|el|il|lo|o|dia|de)\s+)?"
# A weekday with its date: 'Thursday, 01/04/2021', 'giovedì 1', 'Thursday the 1st', 'quinta-feira (1º)'; not a time.
_WEEKDAY_DATE = re.compile(
    rf"(?<!\w)(?:{_WEEKDAY})(?!\w)[\s,]*\(?\s*{_ARTICLE}"
    r"(?:(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>(?:19|20)?\d\d)(?!\d)"
    r"|(?P<day>\d{1,2})(?!\d)(?!\s*(?:[:h]\d|[./-]\d|[ap]\.?m\b|uhr\b|ore\b|heures?\b|horas?\b|godz)))",
    re.IGNORECASE,
)
# Where a country's sites write the day first, whatever their language; US sites write the month first.
_DAY_FIRST_TLDS = {"it", "de", "fr", "es", "pl", "nl", "pt", "uk", "au", "in", "ie", "at", "ch", "be", "br", "nz"}
_MONTH_FIRST_TLDS = {"us"}
_DAYS_BEFORE = 6  # a date "close to publication": the 7 days up to and including it
_TEMPLATE_TIME = r"(?:,?\s+\d{1,2}[:.h]\d{2}(?:\s*uhr)?)?"
_TEMPLATE_SOURCE = r"\s*[-–—|]\s*[^\W\d_]+\s*:\s*(?:https?://)?(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}"


def resolve_day_month(readings: DayMonthReadings, evidence: DateEvidence) -> PublishedDate:
    """Choose between the two readings of a numeric date by what its document says.

    In this order, the first that decides wins: (a) a weekday named beside a day ('giovedì 1',
    'Thursday, 01/04/2021', 'yesterday, Thursday') that fits only one reading; (b) another date on
    the page: a numeric one with a part over 12 shows the order used ('15-04-2021'), a written-out
    one ('1 April 2021') falls in the week up to publication under only one reading; (c) the
    template: dots, and dashes in an aggregator line 'DD-MM-YYYY HH:MM - Source: domain', are
    day first; (d) the country of the site's domain. Where nothing decides, the language's
    convention stays (month first only for a slash in English) and the date is marked ambiguous.

    >>> day_first = PublishedDate(datetime(2021, 4, 3), DatePrecision.DAY)
    >>> month_first = PublishedDate(datetime(2021, 3, 4), DatePrecision.DAY)
    >>> readings = DayMonthReadings(day_first, month_first, "03/04/2021")
    >>> resolve_day_month(readings, DateEvidence(source="example.it", lang="en")).isoformat()
    '2021-04-03'
    >>> resolve_day_month(readings, DateEvidence(source="example.com", lang="en")).ambiguous
    True
    """
    days = (readings.day_first.value.date(), readings.month_first.value.date())
    for votes in (
        *_text_votes(f"{evidence.dateline}\n{evidence.text}", evidence.lang, days),
        _template_votes(readings.written, evidence.dateline),
        _domain_votes(evidence.source, readings.written),
    ):
        if len(votes) == 1:
            return readings.day_first if _DAY_FIRST in votes else readings.month_first
    month_first = evidence.lang in _MONTH_FIRST_LANGS and _separator(readings.written) == "/"
    return replace(readings.month_first if month_first else readings.day_first, ambiguous=True)


def _day_month_readings(text: str, parsed: PublishedDate) -> DayMonthReadings | None:
    """Both readings of the numeric date in `text` when its day and month could be swapped."""
    if parsed.precision not in (DatePrecision.DAY, DatePrecision.MINUTE):
        return None
    found = _NUMERIC_DATE.findall(text)
    if len(found) != 1:
        return None
    first, sep, second, year = found[0]
    a, b, value = int(first), int(second), parsed.value
    if not (1 <= a <= 12 and 1 <= b <= 12) or a == b or {value.day, value.month} != {a, b}:
        return None
    if value.year % 100 != int(year) % 100:
        return None
    return DayMonthReadings(
        replace(parsed, value=value.replace(month=b, day=a)),
        replace(parsed, value=value.replace(month=a, day=b)),
        f"{first}{sep}{second}{sep}{year}",
    )


def _separator(written: str) -> str:
    return next(c for c in written if not c.isdigit())


def _order_fitting(fits: tuple[bool, bool]) -> set[str]:
    """The order a piece of evidence supports: one when it fits one reading only, none otherwise."""
    if fits == (True, False):
        return {_DAY_FIRST}
    if fits == (False, True):
        return {_MONTH_FIRST}
    return set()


def _pair(fits: Iterable[bool]) -> tuple[bool, bool]:
    """The fits computed over `days`, one per reading, as the pair _order_fitting takes."""
    first, second = fits  # days is always the two readings' dates
    return first, second


def _near(day: date, published: date) -> bool:
    return 0 <= (published - day).days <= _DAYS_BEFORE


@lru_cache(maxsize=16)  # a dateline's fragments are read one by one, against the same page
def _text_votes(text: str, lang: str | None, days: tuple[date, date]) -> tuple[frozenset[str], ...]:
    """The orders the page's weekdays, numeric dates and written-out dates support, in that order."""
    found = _weekday_votes(text, lang, days), _numeric_order_votes(text), _written_date_votes(text, lang, days)
    return tuple(frozenset(votes) for votes in found)


def _weekday_votes(text: str, lang: str | None, days: tuple[date, date]) -> set[str]:
    votes: set[str] = set()
    for match in _WEEKDAY_DATE.finditer(text):
        weekday = _weekday_of(match)
        if match.group("a"):
            # The weekday tells the order of its own date; that order is the page's.
            a, b, year = int(match.group("a")), int(match.group("b")), _full_year(match.group("year"))
            votes |= _order_fitting((_is_weekday(year, b, a, weekday), _is_weekday(year, a, b, weekday)))
        else:
            number = int(match.group("day"))
            votes |= _order_fitting(
                _pair(any(d.day == number and d.weekday() == weekday for d in _week_before(day)) for day in days)
            )
    relative = _RELATIVE_DAYS.get(lang or "", {})
    if relative:
        words = "|".join(re.escape(w) for w in relative)
        pattern = rf"(?<!\w)({words})(?!\w)[\s,(–-]*(?:(?:on|il|am|le|el|op|w|we|na|em|nesta|neste|ce)\s+)?(?:{_WEEKDAY})(?!\w)"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            offset = relative[match.group(1).lower()]
            weekday = _weekday_of(match)
            votes |= _order_fitting(_pair((day + timedelta(days=offset)).weekday() == weekday for day in days))
    return votes


def _weekday_of(match: re.Match[str]) -> int:
    return next(i for i in range(7) if match.group(f"wd{i}"))


def _week_before(day: date) -> list[date]:
    return [day - timedelta(days=n) for n in range(_DAYS_BEFORE + 1)]


def _full_year(year: str) -> int:
    return int(year) if len(year) == 4 else 2000 + int(year)


def _is_weekday(year: int, month: int, day: int, weekday: int) -> bool:
    try:
        return date(year, month, day).weekday() == weekday
    except ValueError:
        return False


def _numeric_order_votes(text: str) -> set[str]:
    """Orders shown by numeric dates that read one way only: 15-04-2021 is day first, 04/15/2021 month first."""
    votes: set[str] = set()
    for first, _sep, second, year in _NUMERIC_DATE.findall(text):
        a, b = int(first), int(second)
        if len(year) == 4 and 1 <= min(a, b) <= 12 < max(a, b) <= 31:
            votes.add(_DAY_FIRST if a > 12 else _MONTH_FIRST)
    return votes


@lru_cache(maxsize=64)
def _month_names(lang: str | None) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int]]:
    """Month names (dateparser's locale data) of the language and English, and the two patterns of written dates."""
    langs = [lang, "en"] if lang else list(_WEEKDAYS)
    months = (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    )
    names: dict[str, int] = {}
    for code in dict.fromkeys(_DATEPARSER_CODES.get(c, c) for c in langs):
        try:
            info = importlib.import_module(f"dateparser.data.date_translation_data.{code}").info
        except ImportError:
            continue
        for number, month in enumerate(months, 1):
            for name in info.get(month, []):
                if len(name) >= 3 and name.isalpha():
                    names.setdefault(name.lower(), number)
    alternation = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    year = r"(?:,?\s+(?:de\s+)?(?P<year>(?:19|20)\d\d)(?!\d))?"
    day_first = re.compile(
        rf"(?<![\w.])(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|º|ª)?\.?\s+(?:de\s+|of\s+)?(?P<month>{alternation})\.?(?!\w){year}",
        re.IGNORECASE,
    )
    month_first = re.compile(
        rf"(?<!\w)(?P<month>{alternation})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d){year}", re.IGNORECASE
    )
    return day_first, month_first, names


def _written_date_votes(text: str, lang: str | None, days: tuple[date, date]) -> set[str]:
    """Orders under which a date written out in words ('1 April 2021', 'April 1') falls in the week up to publication."""
    day_first, month_first, names = _month_names(lang)
    votes: set[str] = set()
    for pattern in (day_first, month_first):
        for match in pattern.finditer(text):
            if pattern is month_first and not match.group("month")[0].isupper():
                continue  # 'may 12' is a verb and a number
            month, number = names[match.group("month").lower()], int(match.group("day"))
            stated = int(match.group("year")) if match.group("year") else None
            votes |= _order_fitting(
                _pair(
                    any(_near(d, day) for d in _dates(number, month, [stated] if stated else [day.year - 1, day.year]))
                    for day in days
                )
            )
    return votes


def _dates(day: int, month: int, years: list[int]) -> list[date]:
    found = []
    for year in years:
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    return found


def _template_votes(written: str, dateline: str) -> set[str]:
    """Dots are day first; so are dashes in an aggregator's 'DD-MM-YYYY HH:MM - Source: domain', in any language."""
    separator = _separator(written)
    if separator == ".":
        return {_DAY_FIRST}
    template = rf"\s*{re.escape(written)}{_TEMPLATE_TIME}{_TEMPLATE_SOURCE}"
    if separator == "-" and re.match(template, dateline, re.IGNORECASE):
        return {_DAY_FIRST}
    return set()


def _domain_votes(source: str | None, written: str) -> set[str]:
    """The convention of the site's country: '.it' or '.co.uk' day first; '.us' month first, for slashes."""
    tld = (source or "").rstrip(".").rsplit(".", 1)[-1].lower()
    if tld in _DAY_FIRST_TLDS:
        return {_DAY_FIRST}
    if tld in _MONTH_FIRST_TLDS and _separator(written) == "/":
        return {_MONTH_FIRST}
    return set()
