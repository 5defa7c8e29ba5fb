"""Claim extraction: storyline's `extract_claims`, its cue rules alone and a keyword baseline, on our own annotations.

"rules alone" is `rule_claims`, the extractor without its confidence model (what it was until 2026-12):
the model, trained on the dev split and these passages, drops claims whose sentence does not read as
a business event (`storyline.enrich.claim_confidence`).

    python benchmarks/claims.py                 # figures, overall and per language
    python benchmarks/claims.py --lang de       # one language
    python benchmarks/claims.py --json          # the figures as JSON
    python benchmarks/claims.py --errors        # every mismatch, passage by passage, for tuning
    python benchmarks/claims.py --baseline-only # the reference alone (no storyline.enrich.claims needed)

Data: `benchmarks/data/claims_gold.jsonl`, 161 short news passages (1-3 sentences) in it, de, en, es,
fr, pt, nl and pl about fictional companies and people, written for this benchmark and not used by the
tests. One JSON object a line: `id`, `lang`, `published` (the article's date, day precision), `text`
and `events`, each with `type`, `participants`, `date`, `date_precision`, `status` and `attribution`.

Annotation guidelines
---------------------
Events. One event per distinct happening of the taxonomy that a sentence reports: partnership_start,
partnership_end, acquisition (mergers and the sale of a business unit included), investment (funding
rounds and minority stakes; a controlling stake is an acquisition), product_launch, legal_action
(lawsuits, regulators' fines and probes, court rulings, sanctions), leadership_change (appointments
and departures of executives and board chairs), layoffs, financial_results (published figures).
Background events count ("which Kestrel Brands bought in 2019"). Reviews, opinions, market reports,
forecasts and quotes that state no such event have no events (23 passages).

Participants. The organisations, people and countries taking part, written as the text's first mention
(surface form, so inflected in Polish: "Banku Warmińskiego"), coreference resolved ("the German firm").
Included: partners; acquirer, target and a named seller; investor and investee; the company and the
people coming and going; claimant, defendant and the authority acting (regulator, court, government).
Not included: products, places where something happens, unnamed parties ("a Madrid court", "400
customers"), people who only speak about the event.

Date. The date of the event itself; for planned (and rumoured or denied future) events the date it is
planned for. When the text dates only the announcement that makes the event happen (a deal signed, an
appointment, a fine, a partnership or results announced on Tuesday), that date. The date of a report,
a rumour or a denial is never the event's date: such events without their own date get null. Relative
expressions are resolved against the publication date: a weekday is the last such day before it ("lunedì",
"am Montag", "el pasado martes"; only "este jueves" on a Thursday is the day itself), "ieri"/"gestern"
the day before, "oggi"/"heute"/"this morning" the day itself, "31 marzo scorso" the last 31 March, "a
luglio"/"in March" that month of the year the context implies (the coming one for planned events), "un
anno dopo"/"un an plus tard" one year after the date before it, "vor sieben Jahren" the year seven years
before. Precision is the smallest calendar unit (day, month, year) that holds the whole period named:
"last week", "w zeszłym tygodniu", "la semaine dernière" give the month (the sample's weeks never span
two months), "im Herbst", "à la fin de l'année", "a principios de 2026", "bis Ende 2025" give the year,
"a fine gennaio" and "a inizio mese" the month. No date stated: null (never the publication date).

Status, in this order of precedence:
- denied: a participant rejects the event ("dementiert", "smentisce", "has denied", "ontkent").
- rumoured: the passage hedges it or rests on unnamed sources: "angeblich", "soll ... haben",
  "Gerüchten zufolge", "secondo indiscrezioni", the Italian, French, Spanish and Portuguese conditional
  ("avrebbe", "aurait", "habría", "teria", "estará a"), "reportedly", "is said to", "sources say",
  "según fuentes", "naar verluidt", "volgens ingewijden", "podobno", "nieoficjalnie", and an outlet's
  exclusive ("selon nos informations", "jak dowiedział się"). A rumour about a future event is rumoured.
- confirmed: a participant states it: a verb of saying or announcing by the company, person or
  authority taking part ("announced", "said", "teilte mit", "ha comunicato", "según ha informado",
  "maakte bekend", "poinformowała", a press release, a quote), or a company publishing its results.
  A participant stating its own plan is a confirmed plan (its date says it is still to come); until
  2026-12 this sample said "planned" for those, 15 events were relabelled.
- planned: the event lies in the future or is intended or expected ("will", "plans to", "wird", "will"
  in German, "lancerà", "prevé", "vai lançar", "gaan", "zamierza") and no participant is said to state it.
- reported: stated as fact by the outlet, or by another outlet or a document it names ("according to a
  memo seen by Retail Dive"); verbs of the event itself ("bought", "sued", "presented") are reported.

Attribution. Who the passage says states the event: the participant (a company for its unnamed
spokesperson, the person when named), another outlet by name (also when it cites unnamed sources), or
"unnamed sources"; null when the outlet states it itself (also for "selon nos informations"). Joint
statements list both, separated by "; ".

Scoring
-------
Within each passage a predicted claim matches a gold event of the same type whose participants overlap
(names compared casefolded, diacritics and legal suffixes removed; equal, one contained in the other, an
acronym of the other, or the same words up to inflected endings; or the same entity key, the gold name's
key being what `storyline.enrich.entities` makes of it alone); one-to-one, greedily by overlap.
Reported per system, overall and per language:
- events: P/R/F1 of matched claims (type and participants);
- type: P/R/F1 of event types per passage, participants ignored;
- participants: micro P/R/F1 over names, on matched events;
- date: accuracy on matched events (value and precision equal, null = null counts), and F1 with a
  correct date as the true positive (precision over all predicted claims, recall over all gold events);
  `coarse` accepts a date whose period holds the other's or lies in it ('2024-04' and '2024-04-08' as
  a week, or as a day);
- status: P/R/F1 with a matched event of equal status as the true positive, and a confusion table;
- attribution: accuracy on matched events.

The reference, run on the same passages: a keyword baseline that finds one event per sentence from
type keywords, takes the sentence's entity mentions (`storyline.enrich.entities`) as participants,
and says "reported" and the publication date at day precision for every event. Its lexicon was written
with the sample in view, so its event and type figures flatter it; its status and date figures are what
saying nothing costs.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cleanco import basename

from storyline.enrich.entities import extract_mentions, load_gazetteers
from storyline.eval.metrics import PRF
from storyline.model import Article, DatePrecision, PublishedDate

GOLD = Path(__file__).parent / "data" / "claims_gold.jsonl"
LANGS = ("it", "de", "en", "es", "fr", "pt", "nl", "pl")
STATUSES = ("rumoured", "reported", "confirmed", "planned", "denied")
NONE = "-"  # an event the other side does not have, in the confusion table


@dataclass(frozen=True)
class Event:
    """A gold event or a predicted claim, reduced to what is scored."""

    type: str
    participants: tuple[str, ...]
    date: str | None
    date_precision: str | None
    status: str
    attribution: str | None = None
    evidence: str | None = None
    keys: tuple[str | None, ...] = ()  # entity keys of the participants, where known

    def describe(self) -> str:
        when = f"{self.date}/{self.date_precision}" if self.date else "no date"
        said = f" ({self.attribution})" if self.attribution else ""
        return f"{self.type} [{', '.join(self.participants)}] {when} {self.status}{said}"


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    published: str
    text: str
    events: tuple[Event, ...]

    def article(self) -> Article:
        return Article(
            id=self.id,
            title=None,
            text=self.text,
            lang=self.lang,
            published=PublishedDate(datetime.fromisoformat(self.published), DatePrecision.DAY),
        )


def load_gold(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            events = tuple(
                Event(
                    e["type"],
                    tuple(e["participants"]),
                    e["date"],
                    e["date_precision"],
                    e["status"],
                    e.get("attribution"),
                    keys=tuple(gold_key(n, raw["lang"]) for n in e["participants"]),
                )
                for e in raw["events"]
            )
            items.append(Item(raw["id"], raw["lang"], raw["published"], raw["text"], events))
        except (KeyError, TypeError, ValueError) as exc:
            raise SystemExit(
                f"{path}, line {n}: not a gold item ({type(exc).__name__}: {exc}); see the schema in {__file__}"
            ) from exc
    return items


# ---------------------------------------------------------------- names

_NON_WORD = re.compile(r"[\W_]+")


def norm_name(name: str) -> str:
    """'Ferrante Ottica S.p.A.' -> 'ferrante ottica', 'Sörlund Care' -> 'sorlund care'."""
    name = basename(name.strip()) or name
    name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", name.casefold()).strip()


def _acronym_of(short: str, long: str) -> bool:
    """'CNMC' for 'Comisión Nacional de los Mercados y la Competencia', 'UOKiK' for 'Urząd Ochrony Konkurencji i Konsumentów'."""
    letters = re.sub(r"\W", "", short)
    if not 2 <= len(letters) <= 8 or sum(c.isupper() for c in letters) < 2 or " " in short.strip():
        return False
    words = re.findall(r"\w+", long)
    every = "".join(w[0] for w in words)
    capitals = "".join(w[0] for w in words if w[0].isupper())
    return letters.casefold() in (every.casefold(), capitals.casefold())


def _same_words_inflected(a: str, b: str) -> bool:
    """'tomasza wojcika' and 'tomasz wojcik': the same words up to a case ending (not 'kessler' and 'kessling')."""
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb, strict=True):
        common = len(next((p for p in (x[:i] for i in range(min(len(x), len(y)), 0, -1)) if y.startswith(p)), ""))
        if x != y and (common < max(4, min(len(x), len(y)) - 1) or max(len(x), len(y)) - common > 3):
            return False
    return True


def names_match(a: str, b: str) -> bool:
    na, nb = norm_name(a), norm_name(b)
    if not na or not nb:
        return False
    if na == nb or f" {na} " in f" {nb} " or f" {nb} " in f" {na} ":
        return True
    return _acronym_of(a, b) or _acronym_of(b, a) or _same_words_inflected(na, nb)


def gold_key(name: str, lang: str) -> str | None:
    """The entity key of a gold name alone, when the entity layer reads it as one name ('Commission européenne')."""
    mentions = extract_mentions(name, lang)
    if len(mentions) == 1 and len(mentions[0].text) >= 0.6 * len(name.strip()):
        return mentions[0].key
    return None


def match_participants(gold: Event, predicted: Event) -> int:
    """How many gold participants a predicted one matches, one to one: by name, or by entity key
    (so a canonical label such as 'European Commission' matches 'Commission européenne')."""
    free = list(zip(predicted.participants, predicted.keys or (None,) * len(predicted.participants), strict=True))
    hits = 0
    for g, gk in zip(gold.participants, gold.keys or (None,) * len(gold.participants), strict=True):
        for i, (p, pk) in enumerate(free):
            if names_match(g, p) or (gk is not None and gk == pk):
                hits += 1
                del free[i]
                break
    return hits


def match_events(gold: Sequence[Event], predicted: Sequence[Event]) -> list[tuple[int, int]]:
    """Pairs (gold index, predicted index): same type, overlapping participants, greedily by overlap."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if g.type == p.type and (overlap := match_participants(g, p)):
                candidates.append((-overlap, gi, pi))
    pairs, used_g, used_p = [], set(), set()
    for _, gi, pi in sorted(candidates):
        if gi not in used_g and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    return sorted(pairs)


# ---------------------------------------------------------------- dates and attribution


def date_equal(g: Event, p: Event) -> bool:
    return (g.date, g.date_precision) == (p.date, p.date_precision)


def _interval(value: str, precision: str | None) -> tuple[date, date] | None:
    """The days a date at its precision covers: '2024-03' is 1 to 31 March; a 'week' starts on its day."""
    try:
        if precision == "year" or len(value) == 4:
            y = int(value[:4])
            return date(y, 1, 1), date(y, 12, 31)
        if precision == "month" or len(value) == 7:
            first = date(int(value[:4]), int(value[5:7]), 1)
            return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return (day, day + timedelta(days=6)) if precision == "week" else (day, day)


def date_coarse(g: Event, p: Event) -> bool:
    """One date's period holds the other's: '2024-03' and '2024-03-11' agree, '2024-03' and '2024-04' do not."""
    if g.date is None or p.date is None:
        return g.date is None and p.date is None
    a, b = _interval(g.date, g.date_precision), _interval(p.date, p.date_precision)
    if a is None or b is None:
        return False
    return (a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1])


def _unnamed(text: str) -> bool:
    return any(w in text.casefold() for w in ("unnamed", "anonym", "source", "insider", "people familiar"))


def attribution_equal(g: str | None, p: str | None) -> bool:
    if not g or not p:
        return not g and not p
    if _unnamed(g) or _unnamed(p):
        return _unnamed(g) and _unnamed(p)
    return any(names_match(a, b) for a in g.split("; ") for b in re.split(r";|,| and ", p) if b.strip())


# ---------------------------------------------------------------- scoring


def prf_dict(s: PRF) -> dict[str, float]:
    return {"p": round(s.precision, 3), "r": round(s.recall, 3), "f1": round(s.f1, 3)}


@dataclass
class Scores:
    events: PRF = field(default_factory=PRF)
    types: PRF = field(default_factory=PRF)
    participants: PRF = field(default_factory=PRF)
    date: PRF = field(default_factory=PRF)
    status: PRF = field(default_factory=PRF)
    matched: int = 0
    date_correct: int = 0
    date_coarse: int = 0
    attribution_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_type: dict[str, PRF] = field(default_factory=dict)

    def add(self, gold: Sequence[Event], predicted: Sequence[Event], pairs: Iterable[tuple[int, int]]) -> None:
        pairs = list(pairs)
        n = len(pairs)
        self.matched += n
        self.events.tp += n
        self.events.fp += len(predicted) - n
        self.events.fn += len(gold) - n
        gt, pt = Counter(e.type for e in gold), Counter(e.type for e in predicted)
        common = sum((gt & pt).values())
        self.types.tp += common
        self.types.fp += sum(pt.values()) - common
        self.types.fn += sum(gt.values()) - common
        for t in set(gt) | set(pt):
            prf = self.by_type.setdefault(t, PRF())
            hit = sum(1 for gi, _ in pairs if gold[gi].type == t)
            prf.tp += hit
            prf.fp += pt[t] - hit
            prf.fn += gt[t] - hit
        dates = statuses = 0
        for gi, pi in pairs:
            g, p = gold[gi], predicted[pi]
            names = match_participants(g, p)
            self.participants.tp += names
            self.participants.fp += len(p.participants) - names
            self.participants.fn += len(g.participants) - names
            dates += date_equal(g, p)
            self.date_coarse += date_coarse(g, p)
            statuses += g.status == p.status
            self.attribution_correct += attribution_equal(g.attribution, p.attribution)
            self.confusion[(g.status, p.status)] += 1
        self.date_correct += dates
        for prf, tp in ((self.date, dates), (self.status, statuses)):
            prf.tp += tp
            prf.fp += len(predicted) - tp
            prf.fn += len(gold) - tp
        matched_g, matched_p = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
        for gi, g in enumerate(gold):
            if gi not in matched_g:
                self.confusion[(g.status, NONE)] += 1
        for pi, p in enumerate(predicted):
            if pi not in matched_p:
                self.confusion[(NONE, p.status)] += 1

    def summary(self) -> dict[str, Any]:
        def share(n: int) -> float:
            return round(n / self.matched, 3) if self.matched else 0.0

        return {
            "gold": self.events.tp + self.events.fn,
            "predicted": self.events.tp + self.events.fp,
            "matched": self.matched,
            "events": prf_dict(self.events),
            "type": prf_dict(self.types),
            "participants": prf_dict(self.participants),
            "date": {
                **prf_dict(self.date),
                "accuracy": share(self.date_correct),
                "coarse_accuracy": share(self.date_coarse),
            },
            "status": prf_dict(self.status),
            "attribution_accuracy": share(self.attribution_correct),
        }


# ---------------------------------------------------------------- systems


def storyline_system(gated: bool = True) -> Callable[[Item], list[Event]]:
    """storyline's extractor; `gated=False`: its cue rules alone, without the confidence model (as until 2026-12)."""
    try:
        from storyline.enrich.claims import extract_claims, rule_claims
    except ImportError as exc:
        raise SystemExit(
            f"cannot import storyline.enrich.claims.extract_claims ({exc}); "
            "run with --baseline-only for the reference alone"
        ) from exc
    extract = extract_claims if gated else rule_claims

    def run(item: Item) -> list[Event]:
        return [
            Event(
                c.type,
                tuple(p.name for p in c.participants),
                c.date,
                c.date_precision,
                c.status,
                c.attribution,
                c.evidence,
                tuple(p.key for p in c.participants),
            )
            for c in extract(item.article())
        ]

    return run


# Keyword stems per type, all eight languages mixed; the first type (in this order) found in a sentence wins.
# Common words of business news, written with the sample in view: event figures are optimistic for a baseline.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "partnership_end": (
        "interrott",
        "beendet",
        "aufgekündigt",
        "ending",
        "end its",
        "ended",
        "roto",
        "séparé",
        "rompu",
        "rompeu",
        "terminar",
        "beëindigd",
        "zerwa",
    ),
    "layoffs": (
        "esuber",
        "licenzi",
        "posti di lavoro",
        "stellen",
        "stellenabbau",
        "entlassung",
        "layoff",
        "laid off",
        "job cut",
        "despid",
        "suppression d'emplois",
        "supprimé",
        "postes",
        "despedimento",
        "postos de trabalho",
        "banen",
        "zwolni",
        "zwolnie",
    ),
    "legal_action": (
        "istruttoria",
        "condannat",
        "sanzion",
        "multa",
        "bußgeld",
        "verklagt",
        "klage",
        "sued",
        "lawsuit",
        "fined",
        "investigation",
        "demanda",
        "multado",
        "amende",
        "enquête",
        "investiga",
        "boete",
        "karę",
        "postępowanie",
        "tribunal",
        "tribunale",
        "cartel",
    ),
    "leadership_change": (
        "amministratore delegato",
        "amministratrice",
        "presidenza",
        "vorstand",
        "chefin",
        "chef ",
        "chief executive",
        "finance chief",
        "step down",
        "consejer",
        "presidente",
        "direction générale",
        "directrice",
        "directeur",
        "presidência",
        "bestuursvoorzitter",
        "topman",
        "prezes",
        "nomina",
        "nachfolger",
        "successor",
    ),
    "acquisition": (
        "acquisizion",
        "rilevare",
        "übernahme",
        "übernimmt",
        "übernommen",
        "acquire",
        "bought",
        "buy ",
        "compra",
        "racheté",
        "revendu",
        "aquisição",
        "overname",
        "fusie",
        "fusione",
        "merger",
        "przejęci",
        "przejąć",
        "verkaufen",
        "sell ",
    ),
    "investment": (
        "investi",
        "round",
        "beteiligt",
        "beteiligung",
        "stake",
        "raised",
        "inversión",
        "participation",
        "capital de risco",
        "belang",
        "zainwestowa",
        "udziałów",
    ),
    "financial_results": (
        "utile",
        "ricavi",
        "fatturato",
        "umsatz",
        "gewinn",
        "verlust",
        "revenue",
        "net income",
        "loss of",
        "ganó",
        "beneficio",
        "chiffre d'affaires",
        "lucros",
        "nettowinst",
        "jaarverlies",
        "zysk",
        "przychody",
    ),
    "product_launch": (
        "lancia",
        "lancerà",
        "presentato",
        "auf den markt",
        "launch",
        "release",
        "lanzado",
        "lancera",
        "présentera",
        "lançar",
        "gelanceerd",
        "sprzedaży",
    ),
    "partnership_start": (
        "partnership",
        "collaborazion",
        "kooperation",
        "partnerschaft",
        "zusammenarbeit",
        "acuerdo",
        "alianza",
        "partenariat",
        "parceria",
        "samenwerking",
        "współprac",
    ),
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PARTICIPANT_TYPES = {"ORG", "PER", "LOC", "MISC"}


def keyword_event(sentence: str, lang: str, day: str | None) -> Event | None:
    """The first type whose keywords the sentence has, its entities, 'reported', the given day."""
    low = sentence.casefold()
    kind = next((t for t, words in _KEYWORDS.items() if any(w in low for w in words)), None)
    if kind is None:
        return None
    names: dict[str, str] = {}
    for m in extract_mentions(sentence, lang):
        if m.type in _PARTICIPANT_TYPES:
            names.setdefault(m.key, m.text)
    return Event(kind, tuple(names.values()), day, "day" if day else None, "reported", None, sentence, tuple(names))


def keyword_baseline(item: Item) -> list[Event]:
    """One event per sentence by keywords, the sentence's entities, 'reported', the publication date."""
    return [
        e for sentence in _SENTENCE.split(item.text) if (e := keyword_event(sentence, item.lang, item.published[:10]))
    ]


# ---------------------------------------------------------------- run and report


@dataclass
class Run:
    name: str
    scores: dict[str, Scores]  # 'all' and each language
    predictions: dict[str, list[Event]]
    seconds: float = 0.0


def evaluate(name: str, system: Callable[[Item], list[Event]], items: Sequence[Item]) -> Run:
    run = Run(name, {"all": Scores()}, {})
    for item in items:
        start = time.perf_counter()
        try:
            predicted = system(item)
        except Exception as exc:  # a crash counts as no claims, and is reported
            print(f"  {name} failed on {item.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            predicted = []
        run.seconds += time.perf_counter() - start
        run.predictions[item.id] = predicted
        pairs = match_events(item.events, predicted)
        for key in ("all", item.lang):
            run.scores.setdefault(key, Scores()).add(item.events, predicted, pairs)
    return run


def print_confusion(name: str, conf: Counter[tuple[str, str]], none_means: str) -> None:
    cols = [*STATUSES, NONE]
    print(f"\nstatus confusion, {name} (rows gold, columns predicted; {NONE}: {none_means})")
    print(f"{'':<11}" + "".join(f"{c:>11}" for c in cols))
    for g in cols:
        print(f"{g:<11}" + "".join(f"{conf.get((g, p), 0):>11}" for p in cols))


def print_report(runs: Sequence[Run], items: Sequence[Item], gold_path: Path) -> None:
    n_events = sum(len(i.events) for i in items)
    print(
        f"claims: {len(items)} passages, {n_events} gold events ({gold_path}); {date.today()}, "
        f"{platform.machine()}, python {platform.python_version()}\n"
    )
    head = (
        f"{'lang':<5}{'system':<18}{'gold':>5}{'pred':>5} | {'events P   R   F1':<18}| {'type F1':<8}| "
        f"{'particip. P   R   F1':<21}| {'date acc coarse F1':<19}| {'status P   R   F1':<18}| attr"
    )
    print(head)
    print("-" * len(head))
    keys = ["all", *[lang for lang in LANGS if lang in runs[0].scores]]
    for key in keys:
        for run in runs:
            s = run.scores[key].summary()
            e, pa, d, st = s["events"], s["participants"], s["date"], s["status"]
            print(
                f"{key:<5}{run.name:<18}{s['gold']:>5}{s['predicted']:>5} | "
                f"{e['p']:.2f} {e['r']:.2f} {e['f1']:.2f}    | {s['type']['f1']:.2f}    | "
                f"{pa['p']:.2f} {pa['r']:.2f} {pa['f1']:.2f}       | "
                f"{d['accuracy']:.2f} {d['coarse_accuracy']:.2f}  {d['f1']:.2f}     | "
                f"{st['p']:.2f} {st['r']:.2f} {st['f1']:.2f}    | {s['attribution_accuracy']:.2f}"
            )
    print("\n(date acc, coarse and attr: on matched events; date and status F1: a matched event with the right value)")

    print("\nevents by type, F1")
    types = sorted({t for run in runs for t in run.scores["all"].by_type})
    print(f"{'type':<20}" + "".join(f"{run.name:>20}" for run in runs))
    for t in types:
        cells = []
        for run in runs:
            prf = run.scores["all"].by_type.get(t, PRF())
            cells.append(f"{prf.f1:.2f} ({prf.tp}/{prf.tp + prf.fn})")
        print(f"{t:<20}" + "".join(f"{c:>20}" for c in cells))

    for run in runs[:1]:
        print_confusion(run.name, run.scores["all"].confusion, "no matching event")

    print()
    for run in runs:
        print(f"{run.name}: {1000 * run.seconds / max(len(items), 1):.1f} ms per passage")


def print_errors(run: Run, items: Sequence[Item]) -> None:
    print(f"\nmismatches, {run.name}")
    for item in items:
        predicted = run.predictions[item.id]
        pairs = match_events(item.events, predicted)
        lines = []
        for gi, pi in pairs:
            g, p = item.events[gi], predicted[pi]
            diffs = []
            if match_participants(g, p) != len(g.participants) or len(g.participants) != len(p.participants):
                diffs.append(f"participants {list(g.participants)} vs {list(p.participants)}")
            if not date_equal(g, p):
                diffs.append(f"date {g.date}/{g.date_precision} vs {p.date}/{p.date_precision}")
            if g.status != p.status:
                diffs.append(f"status {g.status} vs {p.status}")
            if not attribution_equal(g.attribution, p.attribution):
                diffs.append(f"attribution {g.attribution!r} vs {p.attribution!r}")
            if diffs:
                lines.append(f"  matched   {g.type}: " + "; ".join(diffs))
        matched_g, matched_p = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
        lines += [f"  missed    {g.describe()}" for gi, g in enumerate(item.events) if gi not in matched_g]
        lines += [
            f"  spurious  {p.describe()}" + (f"\n            from: {p.evidence}" if p.evidence else "")
            for pi, p in enumerate(predicted)
            if pi not in matched_p
        ]
        if lines:
            print(f"\n{item.id} [{item.published}] {item.text}")
            print("\n".join(lines))


# ---------------------------------------------------------------- real news (benchmarks/data/claims_news)

NEWS = Path(__file__).parent / "data" / "claims_news" / "annotations.jsonl"
NEWS_LANGS = ("en", "de", "es", "fr", "it", "pl", "tr", "zh")


@dataclass(frozen=True)
class NewsItem:
    """One annotated article: its text and, per annotated sentence span, the gold events."""

    id: str
    lang: str
    text: str
    sentences: tuple[tuple[int, int, tuple[Event, ...]], ...]

    def article(self) -> Article:
        return Article(id=self.id, title=None, text=self.text, lang=self.lang)


def load_news(path: Path, split: str | None) -> list[NewsItem]:
    from storyline.eval.claims import dev_articles, load_annotations, sentence_hash
    from storyline.eval.datasets import bench_dir

    articles = {a.id: a for a in dev_articles(bench_dir() / "similarity" / "semeval2022-task8" / "dev.jsonl")}
    by_article: dict[str, list[tuple[int, int, tuple[Event, ...]]]] = {}
    moved = 0
    for sentence in load_annotations(path):
        if split and sentence.split != split:
            continue
        article = articles.get(sentence.article_id)
        if article is None or (
            sentence.sha and sentence_hash(article.text[sentence.start : sentence.end]) != sentence.sha
        ):
            moved += 1
            continue
        events = tuple(
            Event(
                e.type,
                e.participants,
                e.date,
                e.date_precision,
                e.status,
                e.attribution,
                keys=tuple(gold_key(n, sentence.lang) for n in e.participants),
            )
            for e in sentence.events
        )
        by_article.setdefault(sentence.article_id, []).append((sentence.start, sentence.end, events))
    if moved:
        print(f"warning: {moved} annotated sentences no longer found in the SemEval texts (skipped)", file=sys.stderr)
    return [
        NewsItem(aid, articles[aid].lang, articles[aid].text, tuple(sorted(spans)))
        for aid, spans in sorted(by_article.items())
    ]


@dataclass
class NewsScores:
    """Sentence-level scores: a predicted claim belongs to the sentence its evidence starts in; gold and
    predicted events of one sentence pair up by type (one to one), and status, date and participants
    are compared on those pairs."""

    types: PRF = field(default_factory=PRF)
    participants: PRF = field(default_factory=PRF)
    sentences: int = 0
    event_sentences: int = 0
    paired: int = 0
    status_correct: int = 0
    date_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_type: dict[str, PRF] = field(default_factory=dict)

    def add(self, gold: Sequence[Event], predicted: Sequence[Event]) -> None:
        self.sentences += 1
        self.event_sentences += bool(gold)
        free = list(predicted)
        for g in gold:
            prf = self.by_type.setdefault(g.type, PRF())
            p = next((p for p in free if p.type == g.type), None)
            if p is None:
                self.types.fn += 1
                prf.fn += 1
                self.confusion[(g.status, NONE)] += 1
                continue
            free.remove(p)
            self.types.tp += 1
            prf.tp += 1
            self.paired += 1
            self.status_correct += g.status == p.status
            self.date_correct += date_equal(g, p)
            self.confusion[(g.status, p.status)] += 1
            names = match_participants(g, p)
            self.participants.tp += names
            self.participants.fp += len(p.participants) - names
            self.participants.fn += len(g.participants) - names
        for p in free:
            self.types.fp += 1
            self.by_type.setdefault(p.type, PRF()).fp += 1
            self.confusion[(NONE, p.status)] += 1

    def summary(self) -> dict[str, Any]:
        def share(n: int) -> float | None:
            return round(n / self.paired, 3) if self.paired else None

        return {
            "sentences": self.sentences,
            "event_sentences": self.event_sentences,
            "gold": self.types.tp + self.types.fn,
            "predicted": self.types.tp + self.types.fp,
            "paired": self.paired,
            "type": prf_dict(self.types),
            "participants": prf_dict(self.participants),
            "status_accuracy": share(self.status_correct),
            "date_accuracy": share(self.date_correct),
        }


NewsSystem = Callable[[NewsItem], list[tuple[int, Event]]]  # (evidence start, claim)


def storyline_news_system(gated: bool = True) -> NewsSystem:
    from storyline.enrich.claims import extract_claims, rule_claims

    extract = extract_claims if gated else rule_claims

    def run(item: NewsItem) -> list[tuple[int, Event]]:
        return [
            (
                c.start,
                Event(
                    c.type,
                    tuple(p.name for p in c.participants),
                    c.date,
                    c.date_precision,
                    c.status,
                    c.attribution,
                    c.evidence,
                    tuple(p.key for p in c.participants),
                ),
            )
            for c in extract(item.article())
        ]

    return run


def keyword_news_baseline(item: NewsItem) -> list[tuple[int, Event]]:
    """The keyword baseline on each annotated sentence: 'reported', no date (the texts have no publication date)."""
    return [
        (start, e)
        for start, end, _gold in item.sentences
        if (e := keyword_event(item.text[start:end], item.lang, None))
    ]


@dataclass
class NewsRun:
    name: str
    scores: dict[str, NewsScores]
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def evaluate_news(name: str, system: NewsSystem, items: Sequence[NewsItem]) -> NewsRun:
    run = NewsRun(name, {"all": NewsScores()})
    for item in items:
        started = time.perf_counter()
        try:
            claims = system(item)
        except Exception as exc:  # a crash counts as no claims, and is reported
            print(f"  {name} failed on {item.id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            claims = []
        run.seconds += time.perf_counter() - started
        for start, end, gold in item.sentences:
            predicted = [e for at, e in claims if start <= at < end]
            for key in ("all", item.lang):
                run.scores.setdefault(key, NewsScores()).add(gold, predicted)
            gold_types, predicted_types = (
                sorted(e.type + "/" + e.status for e in gold),
                sorted(e.type + "/" + e.status for e in predicted),
            )
            if gold_types != predicted_types:
                run.errors.append(
                    f"[{item.lang} {item.id}:{start}] gold {gold_types} predicted {predicted_types}\n    {item.text[start:end]}"
                )
    return run


def print_news_report(runs: Sequence[NewsRun], items: Sequence[NewsItem], split: str | None) -> None:
    first = runs[0].scores["all"]
    print(
        f"claims on real news: {len(items)} articles, {first.sentences} sentences ({first.event_sentences} with events), "
        f"split {split or 'all'}; {date.today()}, {platform.machine()}, python {platform.python_version()}\n"
    )
    head = f"{'lang':<5}{'system':<18}{'gold':>5}{'pred':>5} | {'type P   R   F1':<16}| {'particip. F1':<13}| {'status acc':<11}| date acc"
    print(head)
    print("-" * len(head))
    keys = ["all", *[lang for lang in NEWS_LANGS if lang in runs[0].scores]]
    for key in keys:
        for run in runs:
            s = run.scores.get(key, NewsScores()).summary()
            t = s["type"]
            status = "  -  " if s["status_accuracy"] is None else f"{s['status_accuracy']:.2f}"
            when = "  -  " if s["date_accuracy"] is None else f"{s['date_accuracy']:.2f}"
            print(
                f"{key:<5}{run.name:<18}{s['gold']:>5}{s['predicted']:>5} | {t['p']:.2f} {t['r']:.2f} {t['f1']:.2f}  | "
                f"{s['participants']['f1']:.2f}         | {status:<11}| {when}"
            )
    print("\n(status, date and participants: on gold and predicted events of one sentence paired by type)")
    print("\nevent types, F1 (paired/gold)")
    types = sorted({t for run in runs for t in run.scores["all"].by_type})
    print(f"{'type':<20}" + "".join(f"{run.name:>20}" for run in runs))
    for t in types:
        cells = [f"{(p := run.scores['all'].by_type.get(t, PRF())).f1:.2f} ({p.tp}/{p.tp + p.fn})" for run in runs]
        print(f"{t:<20}" + "".join(f"{c:>20}" for c in cells))
    for run in runs:
        print_confusion(run.name, run.scores["all"].confusion, "no event of that type")
    print()
    for run in runs:
        print(f"{run.name}: {1000 * run.seconds / max(len(items), 1):.1f} ms per article")


def news_main(args: argparse.Namespace) -> int:
    split = None if args.split == "all" else args.split
    items = load_news(args.news, split)
    if args.lang:
        items = [i for i in items if i.lang in args.lang]
    systems: list[tuple[str, NewsSystem]] = [
        ("storyline", storyline_news_system()),
        ("rules alone", storyline_news_system(gated=False)),
        ("keyword baseline", keyword_news_baseline),
    ]
    load_gazetteers()
    runs = [evaluate_news(name, fn, items) for name, fn in systems]
    if args.json:
        print(
            json.dumps(
                {
                    "data": str(args.news),
                    "split": args.split,
                    "articles": len(items),
                    "date": date.today().isoformat(),
                    "machine": f"{platform.machine()}, python {platform.python_version()}",
                    "systems": {
                        run.name: {
                            "ms_per_article": round(1000 * run.seconds / max(len(items), 1), 2),
                            "scores": {k: s.summary() for k, s in run.scores.items()},
                            "by_type": {
                                t: {"p": round(p.precision, 3), "r": round(p.recall, 3), "f1": round(p.f1, 3)}
                                for t, p in sorted(run.scores["all"].by_type.items())
                            },
                            "status_confusion": {
                                f"{g} -> {p}": n for (g, p), n in sorted(run.scores["all"].confusion.items())
                            },
                        }
                        for run in runs
                    },
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print_news_report(runs, items, split)
    if args.errors:
        print("\n".join(runs[0].errors))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="annotated passages (JSONL)")
    parser.add_argument(
        "--lang", action="append", choices=sorted({*LANGS, *NEWS_LANGS}), help="only these languages (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="print every mismatch of storyline, for tuning")
    parser.add_argument("--baseline-only", action="store_true", help="run the keyword baseline alone")
    parser.add_argument(
        "--news",
        nargs="?",
        type=Path,
        const=NEWS,
        default=None,
        help="score on the annotated real-news sentences instead (benchmarks/data/claims_news)",
    )
    parser.add_argument(
        "--split",
        choices=("test", "dev", "all"),
        default="test",
        help="with --news: which articles (test is never used for tuning)",
    )
    args = parser.parse_args(argv)
    if args.news:
        if args.lang and not set(args.lang) <= set(NEWS_LANGS):
            parser.error(f"--news has the languages {', '.join(NEWS_LANGS)}")
        return news_main(args)

    items = load_gold(args.gold)
    if args.lang:
        items = [i for i in items if i.lang in args.lang]
    systems: list[tuple[str, Callable[[Item], list[Event]]]] = [("keyword baseline", keyword_baseline)]
    if not args.baseline_only:
        systems[:0] = [("storyline", storyline_system()), ("rules alone", storyline_system(gated=False))]
    load_gazetteers()  # once, before timing: both systems use the entity layer
    runs = [evaluate(name, fn, items) for name, fn in systems]

    if args.json:
        print(
            json.dumps(
                {
                    "gold": str(args.gold),
                    "passages": len(items),
                    "events": sum(len(i.events) for i in items),
                    "date": date.today().isoformat(),
                    "machine": f"{platform.machine()}, python {platform.python_version()}",
                    "systems": {
                        run.name: {
                            "ms_per_passage": round(1000 * run.seconds / max(len(items), 1), 2),
                            "scores": {k: s.summary() for k, s in run.scores.items()},
                            "by_type": {
                                t: {"p": round(p.precision, 3), "r": round(p.recall, 3), "f1": round(p.f1, 3)}
                                for t, p in sorted(run.scores["all"].by_type.items())
                            },
                            "status_confusion": {
                                f"{g} -> {p}": n for (g, p), n in sorted(run.scores["all"].confusion.items())
                            },
                        }
                        for run in runs
                    },
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print_report(runs, items, args.gold)
    if args.errors:
        print_errors(runs[0], items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
