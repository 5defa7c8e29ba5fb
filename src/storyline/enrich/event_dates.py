"""Dates that sentences give for events, normalized against the article's publication date.

"lunedì" is the Monday on or before publication; "31 marzo scorso" the last 31 March before it;
"a luglio" the July nearest to it (month precision); "nel 2015" a year; "un anno dopo" a year
after the date mentioned before it; "vor sieben Jahren", "last week" count back from publication.
Month and weekday names come from dateparser's locale data, so every language it knows has them;
the relative phrases are listed here for the languages storyline reads.

>>> from datetime import date
>>> [(d.value, d.precision) for d in find_dates("si è conclusa il 31 marzo scorso", "it", date(2022, 5, 24))]
[('2022-03-31', 'day')]
>>> [(d.value, d.precision) for d in find_dates("iniziata nel 2015 e un anno dopo", "it", date(2022, 5, 24))]
[('2015', 'year'), ('2016', 'year')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

_MONTH_KEYS = (
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
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Month names that are also common words: they count only next to a number or capitalised.
_AMBIGUOUS_MONTHS = {"en": {"may", "march"}, "it": set(), "es": set()}
_AMBIGUOUS_WEEKDAYS = {"pt": {"segunda", "terça", "quarta", "quinta", "sexta"}}

_NUMBER_WORDS = {
    "it": "un uno una due tre quattro cinque sei sette otto nove dieci undici dodici",
    "de": "ein einem einen zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "en": "a one two three four five six seven eight nine ten eleven twelve",
    "es": "un uno una dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "fr": "un une deux trois quatre cinq six sept huit neuf dix onze douze",
    "pt": "um uma dois três quatro cinco seis sete oito nove dez onze doze",
    "nl": "een één twee drie vier vijf zes zeven acht negen tien elf twaalf",
    "pl": "jeden jedna rok dwa dwie trzy cztery pięć sześć siedem osiem dziewięć dziesięć jedenaście dwanaście",
}
_NUMBER_VALUES = {
    "it": [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "de": [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "en": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "es": [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "fr": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "pt": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "nl": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    "pl": [1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
}
_UNIT = r"(?P<unit>{year}|{month}|{week}|{day})"
_UNITS = {
    "it": {"year": "anni|anno", "month": "mesi|mese", "week": "settimane|settimana", "day": "giorni|giorno"},
    "de": {
        "year": "jahren|jahre|jahr",
        "month": "monaten|monate|monat",
        "week": "wochen|woche",
        "day": "tagen|tage|tag",
    },
    "en": {"year": "years|year", "month": "months|month", "week": "weeks|week", "day": "days|day"},
    "es": {"year": "años|año", "month": "meses|mes", "week": "semanas|semana", "day": "días|día"},
    "fr": {"year": "ans|an|années|année", "month": "mois", "week": "semaines|semaine", "day": "jours|jour"},
    "pt": {"year": "anos|ano", "month": "meses|mês", "week": "semanas|semana", "day": "dias|dia"},
    "nl": {"year": "jaren|jaar", "month": "maanden|maand", "week": "weken|week", "day": "dagen|dag"},
    "pl": {
        "year": "lat|lata|rok|roku",
        "month": "miesięcy|miesiące|miesiąc",
        "week": "tygodni|tygodnie|tydzień",
        "day": "dni|dzień",
    },
}
# "N units ago" and "N units later" (after the date mentioned before).
_AGO = {
    "it": r"{n}\s+{unit}\s+fa",
    "de": r"vor\s+{n}\s+{unit}",
    "en": r"{n}\s+{unit}\s+ago",
    "es": r"hace\s+{n}\s+{unit}",
    "fr": r"il y a\s+{n}\s+{unit}",
    "pt": r"há\s+{n}\s+{unit}(?:\s+atrás)?",
    "nl": r"{n}\s+{unit}\s+geleden",
    "pl": r"{n}\s+{unit}\s+temu",
}
_LATER = {
    "it": r"{n}\s+{unit}\s+(?:dopo|più tardi)",
    "de": r"{n}\s+{unit}\s+(?:später|darauf)",
    "en": r"{n}\s+{unit}\s+later",
    "es": r"{n}\s+{unit}\s+(?:después|más tarde)",
    "fr": r"{n}\s+{unit}\s+plus tard",
    "pt": r"{n}\s+{unit}\s+(?:depois|mais tarde)",
    "nl": r"{n}\s+{unit}\s+later",
    "pl": r"{n}\s+{unit}\s+później",
}
# Calendar units relative to publication: (pattern, unit, offset).
_RELATIVE = {
    "it": [
        ("oggi", "day", 0),
        ("ieri", "day", -1),
        ("domani", "day", 1),
        ("la settimana scorsa|settimana scorsa", "week", -1),
        ("il mese scorso|mese scorso", "month", -1),
        ("l'anno scorso|l’anno scorso|anno scorso", "year", -1),
        ("il prossimo anno|l'anno prossimo|l’anno prossimo", "year", 1),
        ("il mese prossimo|il prossimo mese", "month", 1),
        ("quest'anno|quest’anno", "year", 0),
    ],
    "de": [
        ("heute", "day", 0),
        ("gestern", "day", -1),
        ("morgen", "day", 1),
        ("letzte woche|vergangene woche|vergangenen woche|letzten woche|vorige woche", "week", -1),
        ("letzten monat|vergangenen monat|vorigen monat", "month", -1),
        (
            "letztes jahr|letzten jahr|vergangenes jahr|vergangenen jahr|vorigen jahr|vorjahr"
            "|letzten jahres|vergangenen jahres|vorigen jahres",
            "year",
            -1,
        ),
        ("nächstes jahr|nächsten jahr|kommendes jahr|kommenden jahr|nächsten jahres|kommenden jahres", "year", 1),
        ("nächsten monat|kommenden monat", "month", 1),
        ("dieses jahr|diesem jahr", "year", 0),
    ],
    "en": [
        ("today", "day", 0),
        ("yesterday", "day", -1),
        ("tomorrow", "day", 1),
        ("last week", "week", -1),
        ("last month", "month", -1),
        ("last year", "year", -1),
        ("next year", "year", 1),
        ("next month", "month", 1),
        ("this year", "year", 0),
        ("next week", "week", 1),
    ],
    "es": [
        ("hoy", "day", 0),
        ("ayer", "day", -1),
        ("mañana", "day", 1),
        ("la semana pasada", "week", -1),
        ("el mes pasado", "month", -1),
        ("el año pasado", "year", -1),
        ("el próximo año|el año que viene", "year", 1),
        ("el próximo mes|el mes que viene", "month", 1),
        ("este año", "year", 0),
    ],
    "fr": [
        ("aujourd'hui|aujourd’hui", "day", 0),
        ("hier", "day", -1),
        ("demain", "day", 1),
        ("la semaine dernière", "week", -1),
        ("le mois dernier", "month", -1),
        ("l'année dernière|l’année dernière|l'an dernier|l’an dernier", "year", -1),
        ("l'année prochaine|l’année prochaine|l'an prochain|l’an prochain", "year", 1),
        ("le mois prochain", "month", 1),
        ("cette année", "year", 0),
    ],
    "pt": [
        ("hoje", "day", 0),
        ("ontem", "day", -1),
        ("amanhã", "day", 1),
        ("na semana passada|semana passada", "week", -1),
        ("no mês passado|mês passado", "month", -1),
        ("no ano passado|ano passado", "year", -1),
        ("no próximo ano|ano que vem", "year", 1),
        ("no próximo mês|mês que vem", "month", 1),
        ("este ano", "year", 0),
    ],
    "nl": [
        ("vandaag", "day", 0),
        ("gisteren", "day", -1),
        ("morgen", "day", 1),
        ("vorige week|afgelopen week", "week", -1),
        ("vorige maand|afgelopen maand", "month", -1),
        ("vorig jaar|afgelopen jaar", "year", -1),
        ("volgend jaar|komend jaar", "year", 1),
        ("volgende maand", "month", 1),
        ("dit jaar", "year", 0),
    ],
    "pl": [
        ("dziś|dzisiaj", "day", 0),
        ("wczoraj|wczorajsz(?:y|a|e|ego|ej|ym|ych|ymi)", "day", -1),
        ("jutro", "day", 1),
        ("w zeszłym tygodniu|w ubiegłym tygodniu|w poprzednim tygodniu", "week", -1),
        ("w zeszłym miesiącu|w ubiegłym miesiącu", "month", -1),
        ("w zeszłym roku|w ubiegłym roku", "year", -1),
        ("w przyszłym roku", "year", 1),
        ("w przyszłym miesiącu", "month", 1),
        ("w tym roku", "year", 0),
    ],
}
_PAST = {
    "it": r"scors[oa]|passat[oa]",
    "de": r"vergangenen|letzten",
    "en": r"last|past",
    "es": r"pasad[oa]",
    "fr": r"derni(?:er|ère)",
    "pt": r"passad[oa]",
    "nl": r"afgelopen|vorige",
    "pl": r"ubiegł\w*|zeszł\w*",
}
_NEXT = {
    "it": r"prossim[oa]",
    "de": r"nächsten|kommenden",
    "en": r"next|coming",
    "es": r"próxim[oa]",
    "fr": r"prochain[e]?",
    "pt": r"próxim[oa]",
    "nl": r"volgende|komende",
    "pl": r"przyszł\w*|najbliższ\w*",
}


@dataclass(frozen=True)
class EventDate:
    value: str  # ISO truncated to the precision: '2015', '2022-07', '2022-03-31' (a week: its Monday)
    precision: str  # year, month, week, day
    start: int
    end: int


@cache
def _names(lang: str) -> tuple[dict[str, int], dict[str, int]]:
    """Month and weekday names of a language (lower-case) -> number, from dateparser's locale data."""
    try:
        from dateparser.languages import default_loader

        info = default_loader.get_locale(lang).info
    except Exception:  # an unknown language: English names still work
        return _names("en") if lang != "en" else ({}, {})
    months = {name.lower(): i + 1 for i, key in enumerate(_MONTH_KEYS) for name in info.get(key, []) if len(name) >= 4}
    weekdays = {name.lower(): i for i, key in enumerate(_WEEKDAY_KEYS) for name in info.get(key, []) if len(name) >= 4}
    return months, weekdays


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    months, weekdays = _names(lang)
    month = _alternation(list(months)) or "(?!x)x"
    weekday = _alternation(list(weekdays)) or "(?!x)x"
    units = _UNITS.get(lang, _UNITS["en"])
    unit = _UNIT.format(**units)
    numbers = _NUMBER_WORDS.get(lang, _NUMBER_WORDS["en"]).split()
    number = rf"(?P<n>\d{{1,2}}|{_alternation(numbers)})"
    past, nxt = _PAST.get(lang, _PAST["en"]), _NEXT.get(lang, _NEXT["en"])
    found = [
        ("iso", r"(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"),
        ("dmy_num", r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d\d)"),
        (
            "day_month",
            rf"(?P<d>\d{{1,2}})(?:\.|º|°|er|st|nd|rd|th)?\s+(?:de\s+)?(?P<month>{month})\.?(?:\s+(?:de\s+)?(?P<y>(?:19|20)\d\d))?(?:\s+(?P<dir>{past}|{nxt}))?",
        ),
        ("month_day", rf"(?P<month>{month})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?"),
        ("month_year", rf"(?P<month>{month})\s+(?:de\s+|del\s+|of\s+)?(?P<y>(?:19|20)\d\d)"),
        ("ago", _AGO.get(lang, _AGO["en"]).format(n=number, unit=unit)),
        ("later", _LATER.get(lang, _LATER["en"]).format(n=number, unit=unit)),
        (
            "relative",
            "(?:"
            + "|".join(f"(?P<r{i}>{p})" for i, (p, _u, _o) in enumerate(_RELATIVE.get(lang, _RELATIVE["en"])))
            + ")",
        ),
        ("weekday", rf"(?:(?P<pre>{past}|{nxt})\s+)?(?P<wd>{weekday})(?:-feira)?(?:\s+(?P<dir>{past}|{nxt}))?"),
        ("month", rf"(?P<month>{month})(?:\s+(?P<dir>{past}|{nxt}))?"),
        (
            "year",
            r"(?P<y>(?:19|20)\d\d)(?!\s*(?:%|€|\$|[.,]\d|(?:euro|eur|usd|dollar\w*|yuan|zł\w*|mln|mld|mio|mrd|milion\w*|million\w*|miliard\w*|billion\w*|bn|mm|cm|km|mp|w)\b))",
        ),
    ]
    return [(kind, re.compile(rf"(?<![\w-]){p}(?![\w])", re.IGNORECASE)) for kind, p in found]


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _nearest_year(month: int, day: int, published: date, direction: str | None) -> date | None:
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if direction == "past":
        candidates = [c for c in candidates if c <= published]
    elif direction == "next":
        candidates = [c for c in candidates if c >= published]
    return min(candidates, key=lambda c: abs((c - published).days), default=None)


def _number(text: str, lang: str) -> int:
    if text.isdigit():
        return int(text)
    words = _NUMBER_WORDS.get(lang, _NUMBER_WORDS["en"]).split()
    values = _NUMBER_VALUES.get(lang, _NUMBER_VALUES["en"])
    return values[words.index(text.lower())] if text.lower() in words else 1


def _unit_of(text: str, lang: str) -> str:
    for unit, words in _UNITS.get(lang, _UNITS["en"]).items():
        if re.fullmatch(words, text.lower()):
            return unit
    return "day"


def _format(day: date, precision: str) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _offset(base: date, unit: str, amount: int) -> tuple[date, str]:
    if unit == "year":
        return date(base.year + amount, 1, 1), "year"
    if unit == "month":
        return _shift_months(base, amount), "month"
    if unit == "week":
        monday = base - timedelta(days=base.weekday()) + timedelta(weeks=amount)
        return monday, "week"
    return base + timedelta(days=amount), "day"


def _direction(match: re.Match[str], lang: str) -> str | None:
    word = match.groupdict().get("dir") or match.groupdict().get("pre")
    if not word:
        return None
    return "past" if re.fullmatch(_PAST.get(lang, _PAST["en"]), word.lower()) else "next"


def find_dates(text: str, lang: str | None, published: date | None, anchor: EventDate | None = None) -> list[EventDate]:
    """Every date expression in `text`, resolved; relative ones need `published` (else skipped).

    `anchor` is the date mentioned before the text ("un anno dopo" counts from it); dates found
    in the text become the anchor for the ones after them.
    """
    lang = lang or "en"
    months, weekdays = _names(lang)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, re.Match[str], str]] = []
    for kind, pattern in _patterns(lang):
        for match in pattern.finditer(text):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            found.append((match.start(), match.end(), match, kind))
    dates: list[EventDate] = []
    for start, end, match, kind in sorted(found, key=lambda f: f[0]):
        resolved = _resolve(kind, match, lang, months, weekdays, published, anchor)
        if resolved:
            anchor = EventDate(_format(*resolved), resolved[1], start, end)
            dates.append(anchor)
    return dates


def _resolve(
    kind: str,
    match: re.Match[str],
    lang: str,
    months: dict[str, int],
    weekdays: dict[str, int],
    published: date | None,
    anchor: EventDate | None,
) -> tuple[date, str] | None:
    groups = match.groupdict()
    text = match.group()
    try:
        if kind in ("iso", "dmy_num"):
            return date(int(groups["y"]), int(groups["m"]), int(groups["d"])), "day"
        if kind in ("day_month", "month_day", "month_year", "month"):
            name = groups["month"].lower()
            if name in _AMBIGUOUS_MONTHS.get(lang, set()) and kind == "month" and not groups["month"][0].isupper():
                return None
            month = months[name]
            if kind == "month_year":
                return date(int(groups["y"]), month, 1), "month"
            if kind == "month":
                if published is None:
                    return None
                nearest = _nearest_year(month, 1, published.replace(day=1), _direction(match, lang))
                return (nearest, "month") if nearest else None
            day = int(groups["d"])
            if groups.get("y"):
                return date(int(groups["y"]), month, day), "day"
            if published is None:
                return None
            nearest = _nearest_year(month, day, published, _direction(match, lang))
            return (nearest, "day") if nearest else None
        if kind == "year":
            return date(int(groups["y"]), 1, 1), "year"
        if kind == "weekday":
            name = groups["wd"].lower()
            if published is None or (name in _AMBIGUOUS_WEEKDAYS.get(lang, set()) and "feira" not in text.lower()):
                return None
            weekday = weekdays[name]
            direction = _direction(match, lang)
            if direction == "next":
                return published + timedelta(days=(weekday - published.weekday()) % 7 or 7), "day"
            back = (published.weekday() - weekday) % 7
            return published - timedelta(days=back or (7 if direction == "past" else 0)), "day"
        if kind == "ago":
            if published is None:
                return None
            unit = _unit_of(groups["unit"], lang)
            return _offset(published, unit, -_number(groups["n"], lang))
        if kind == "later":
            if anchor is None:
                return None
            base = date.fromisoformat(anchor.value + {"year": "-01-01", "month": "-01"}.get(anchor.precision, ""))
            unit = _unit_of(groups["unit"], lang)
            shifted, precision = _offset(base, unit, _number(groups["n"], lang))
            coarser = ("year", "month", "week", "day")
            return shifted, coarser[min(coarser.index(precision), coarser.index(anchor.precision))]
        if kind == "relative":
            if published is None:
                return None
            index = next(int(k[1:]) for k, v in groups.items() if k.startswith("r") and v)
            _pattern, unit, amount = _RELATIVE.get(lang, _RELATIVE["en"])[index]
            return _offset(published, unit, amount)
    except (KeyError, ValueError):
        return None
    return None
