"""Numeric dates that read both ways (03-04-2021): decided by what the page says, else flagged.

The pages are written by us; companies, people and sites are fictional.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from tests.conftest import invoke, invoke_json

from storyline import RawDocument, extract_article
from storyline.extract.dates import DateEvidence, DayMonthReadings, parse_date, resolve_day_month
from storyline.model import DatePrecision, PublishedDate


def page(title: str, dateline: str, *paragraphs: str) -> str:
    return "\n\n".join([title, dateline, *paragraphs]) + "\n"


def extracted(text: str) -> dict:
    article, _ = extract_article(RawDocument("pasted.txt", text, "text/plain"))
    return article.to_dict()


# --- (a) a weekday named beside a day -----------------------------------------------------------

# 02/04/2021: 4 February (a Thursday) in US order, 2 April (a Friday) day first.
EN_WEEKDAY = page(
    "Brightwater Robotics opens its second assembly plant near Dayton",
    "Source: www.brightwater-wire.com | 02/04/2021 14:10",
    "Brightwater Robotics said today, Friday, that its second assembly plant near Dayton has started production, "
    "three months ahead of the schedule the company gave its investors last autumn. The plant will build the "
    "warehouse robots that the company sells to logistics groups in Europe and North America.",
    "The company expects to hire about four hundred workers at the site over the next two years. Local officials "
    "welcomed the investment, which they said was the largest in the county since the closure of the old "
    "paper mill a decade ago.",
)
# 03/04/2021: 3 April (a Saturday) day first, 4 March (a Thursday) month first; "heute, am Donnerstag" decides.
DE_WEEKDAY = page(
    "Lumenfeld Optik übernimmt Zulieferer für Präzisionslinsen",
    "Quelle: www.lumenfeld-presse.com | 03/04/2021 10:45",
    "Der Kamerahersteller Lumenfeld Optik übernimmt einen kleinen Zulieferer für Präzisionslinsen aus dem "
    "Schwarzwald, wie das Unternehmen heute, am Donnerstag, in Hamburg mitteilte. Über den Kaufpreis wurde "
    "Stillschweigen vereinbart, die rund achtzig Beschäftigten sollen übernommen werden.",
    "Mit dem Kauf will Lumenfeld unabhängiger von asiatischen Lieferanten werden. Die Kartellbehörden müssen dem "
    "Geschäft noch zustimmen, was nach Angaben des Unternehmens bis zum Sommer geschehen soll.",
)
# 05/03/2021: 5 March (a Friday) day first, 3 May (a Monday) month first; "ieri, giovedì" puts publication on a Friday.
IT_WEEKDAY = page(
    "Ferrovie Valdora firma l'accordo per dieci nuovi treni regionali",
    "Di Marta Colli | 05/03/2021 08:20",
    "La società Ferrovie Valdora ha firmato ieri, giovedì, il contratto per la fornitura di dieci nuovi treni "
    "regionali, che entreranno in servizio sulle linee della valle a partire dal prossimo anno. Il valore "
    "dell'accordo supera i novanta milioni di euro, finanziati in parte dalla regione.",
    "I pendolari chiedevano da tempo convogli più moderni e puntuali. Secondo l'azienda, i nuovi treni ridurranno "
    "i tempi di percorrenza di circa un quarto d'ora sulla tratta principale.",
)


@pytest.mark.parametrize(
    ("text", "published"),
    [(EN_WEEKDAY, "2021-04-02T14:10"), (DE_WEEKDAY, "2021-03-04T10:45"), (IT_WEEKDAY, "2021-03-05T08:20")],
    ids=["en", "de", "it"],
)
def test_weekday_in_the_body_decides(text: str, published: str) -> None:
    got = extracted(text)
    assert got["published"] == published
    assert got["published_ambiguous"] is False


# --- (b) another date on the page ---------------------------------------------------------------

# 07/06/2021 on a .com site in English: a numeric date with a day over 12 shows the page writes the day first.
EN_OTHER_NUMERIC = page(
    "Carrow Foods recalls a batch of frozen pies",
    "Posted by Alan Pryce | 07/06/2021 16:05 | www.carrow-bulletin.com",
    "Carrow Foods is recalling a batch of frozen chicken pies after a supplier warned that some of the pastry may "
    "contain traces of sesame that are not listed on the label. The affected packs carry a best-before date of "
    "14/06/2021 and were sold in supermarkets across the region.",
    "Customers who bought the pies are asked not to eat them and to return them to the shop for a full refund. "
    "The company said no illnesses had been reported so far and that the recall was a precaution.",
)
# 09/04/2021 in Polish: 9 April day first, 4 September month first; "6 kwietnia 2021" is three days before 9 April.
PL_OTHER_WRITTEN = page(
    "Zielony Most podpisał umowę na budowę farmy wiatrowej",
    "Źródło: www.zielony-most-info.com | 09/04/2021",
    "Spółka Zielony Most poinformowała, że 6 kwietnia 2021 r. podpisała umowę na budowę farmy wiatrowej na "
    "Pomorzu. Inwestycja o wartości ponad trzystu milionów złotych ma zostać ukończona w ciągu trzech lat, a "
    "farma będzie zasilać około stu tysięcy gospodarstw domowych.",
    "Zarząd spółki zapowiedział, że część energii trafi do lokalnych zakładów przemysłowych. Mieszkańcy gminy "
    "otrzymają także coroczne wsparcie na projekty społeczne i remonty szkół.",
)


@pytest.mark.parametrize(
    ("text", "published"),
    [(EN_OTHER_NUMERIC, "2021-06-07T16:05"), (PL_OTHER_WRITTEN, "2021-04-09")],
    ids=["en-numeric", "pl-written"],
)
def test_another_date_on_the_page_decides(text: str, published: str) -> None:
    got = extracted(text)
    assert got["published"] == published
    assert got["published_ambiguous"] is False


# --- (c) the dateline's template ----------------------------------------------------------------

EN_AGGREGATOR = page(
    "Northwind Mobility raises funds for electric scooter fleet",
    "03-04-2021 09:30 - Source: www.example-wire.com",
    "Northwind Mobility, a start-up that rents electric scooters in a dozen cities, has raised forty million "
    "dollars from a group of investors led by a pension fund. The money will pay for new vehicles and for the "
    "charging depots the company plans to open next year.",
    "The company said the scooters are now used for more than two million trips a month, most of them short "
    "journeys between train stations and offices.",
)
IT_AGGREGATOR = page(
    "Pastificio Verdelli apre un nuovo stabilimento in Puglia",
    "11-10-2022 17:25 - Fonte: www.notizie-impresa.com",
    "Il Pastificio Verdelli ha annunciato l'apertura di un nuovo stabilimento in Puglia, dove lavoreranno circa "
    "centocinquanta persone. L'investimento complessivo è di quaranta milioni di euro e comprende anche un "
    "magazzino automatizzato per la distribuzione nel Sud Italia.",
    "La produzione partirà con le paste secche di grano duro e sarà ampliata alle paste fresche entro due anni.",
)
DE_DOTS = page(
    "Kessler Bau gewinnt Auftrag für neue Rheinbrücke",
    "03.04.2021, 09:30 Uhr - Quelle: www.bau-nachrichten.com",
    "Das Bauunternehmen Kessler Bau hat den Auftrag für den Bau einer neuen Rheinbrücke erhalten. Die Brücke soll "
    "die marode Verbindung aus den sechziger Jahren ersetzen und in vier Jahren fertig sein, teilte die "
    "Landesregierung mit.",
    "Der Auftrag hat einen Wert von rund zweihundert Millionen Euro und ist der größte in der Geschichte des "
    "Familienunternehmens.",
)


@pytest.mark.parametrize(
    ("text", "published"),
    [(EN_AGGREGATOR, "2021-04-03T09:30"), (IT_AGGREGATOR, "2022-10-11T17:25"), (DE_DOTS, "2021-04-03T09:30")],
    ids=["en-aggregator", "it-aggregator", "de-dots"],
)
def test_dateline_template_decides(text: str, published: str) -> None:
    got = extracted(text)
    assert got["published"] == published
    assert got["published_ambiguous"] is False


def test_weekday_comes_before_the_template() -> None:
    """The same aggregator line, but the body names today's weekday: 4 March 2021 was a Thursday."""
    text = EN_AGGREGATOR.replace("has raised forty", "said today, Thursday, that it has raised forty")
    assert extracted(text)["published"] == "2021-03-04T09:30"


# --- (d) the site's country ---------------------------------------------------------------------

EN_UK_SITE = page(
    "Harrowgate council approves plans for a new swimming pool",
    "Source: www.harrowgate-gazette.co.uk | 03/04/2021 08:00",
    "Harrowgate council has approved plans for a new public swimming pool on the site of the former bus depot. "
    "The pool will have eight lanes, a learners' pool and a small gym, and is expected to open in two years' "
    "time if the funding from the national sports agency is confirmed.",
    "Councillors said the old pool, built in the nineteen seventies, had become too expensive to repair. Local "
    "swimming clubs had campaigned for a replacement for more than five years.",
)
ES_SPANISH_SITE = page(
    "La cooperativa Olivar del Sur exportará aceite a Japón",
    "Por Lucía Ferrán | 05/03/2021 18:40 | www.diario-campo.es",
    "La cooperativa Olivar del Sur ha cerrado un acuerdo con una cadena de distribución japonesa para exportar "
    "aceite de oliva virgen extra durante los próximos cinco años. El contrato supone una venta anual de unos "
    "dos millones de litros, casi un tercio de la producción de la cooperativa.",
    "Los socios celebraron el acuerdo, que llega después de dos campañas difíciles por la sequía y la caída de "
    "los precios en los mercados europeos.",
)


@pytest.mark.parametrize(
    ("text", "published"),
    [(EN_UK_SITE, "2021-04-03T08:00"), (ES_SPANISH_SITE, "2021-03-05T18:40")],
    ids=["en-co.uk", "es-.es"],
)
def test_site_country_decides(text: str, published: str) -> None:
    got = extracted(text)
    assert got["published"] == published
    assert got["published_ambiguous"] is False


# --- (e) nothing decides: the language's convention, flagged ------------------------------------

EN_UNDECIDED = page(
    "Lakeview library extends its opening hours",
    "Source: www.lakeview-daily.com | 03/04/2021 11:20",
    "The Lakeview public library will stay open until nine in the evening on weekdays, after the town council "
    "agreed to pay for two more librarians. Students had asked for longer hours because the reading rooms are "
    "the only quiet place to study in the neighbourhood.",
    "The library will also open on Sunday afternoons during the exam season, the council said.",
)
EN_UNAMBIGUOUS = page(
    "Lakeview opens a new cycle path along the river",
    "Source: www.lakeview-daily.com | 05/24/2021 09:00",
    "A new cycle path along the river opened in Lakeview, linking the old town with the business park in the "
    "north. The path is four kilometres long and lit at night, and the council hopes it will take cars off the "
    "busy road that runs beside it.",
    "Cyclists said the path was a long-awaited improvement, though some asked for more places to lock bikes.",
)


def test_undecided_date_keeps_the_language_convention_and_is_flagged() -> None:
    got = extracted(EN_UNDECIDED)
    assert got["published"] == "2021-03-04T11:20"  # a slash in English: month first
    assert got["published_ambiguous"] is True


def test_ambiguity_is_stored_and_shown_by_the_cli(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, text in {"undecided": EN_UNDECIDED, "unambiguous": EN_UNAMBIGUOUS, "uk": EN_UK_SITE}.items():
        (pages / f"{name}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "store.db"
    result = invoke(db, "ingest", str(pages), "--workers", "1", "--no-stories")
    assert result.exit_code == 0, result.output

    found = {a["title"]: a for a in invoke_json(db, "articles")}
    undecided = found["Lakeview library extends its opening hours"]
    assert (undecided["published"], undecided["published_ambiguous"]) == ("2021-03-04T11:20", True)
    unambiguous = found["Lakeview opens a new cycle path along the river"]
    assert (unambiguous["published"], unambiguous["published_ambiguous"]) == ("2021-05-24T09:00", False)
    uk = found["Harrowgate council approves plans for a new swimming pool"]
    assert (uk["published"], uk["published_ambiguous"]) == ("2021-04-03T08:00", False)

    shown = invoke_json(db, "show", undecided["id"])
    assert shown["published_ambiguous"] is True
    text = invoke(db, "show", undecided["id"]).stdout
    assert "day and month could be swapped" in text


# --- the rules one by one -----------------------------------------------------------------------

# 03/04/2021: 3 April 2021 (a Saturday) or 4 March 2021 (a Thursday).
READINGS = DayMonthReadings(
    PublishedDate(datetime(2021, 4, 3), DatePrecision.DAY),
    PublishedDate(datetime(2021, 3, 4), DatePrecision.DAY),
    "03/04/2021",
)


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("en", "The firm said today, Thursday, it would"),
        ("it", "L'azienda ha detto oggi, giovedì, che"),
        ("de", "Die Firma teilte heute, am Donnerstag, mit"),
        ("fr", "La société a annoncé aujourd'hui jeudi que"),
        ("es", "La empresa anunció hoy jueves que"),
        ("pt", "A empresa anunciou hoje, quinta-feira, que"),
        ("nl", "Het bedrijf maakte vandaag, donderdag, bekend dat"),
        ("pl", "Spółka poinformowała dziś, w czwartek, że"),
    ],
)
def test_todays_weekday_in_each_language(lang: str, body: str) -> None:
    resolved = resolve_day_month(READINGS, DateEvidence(text=body, lang=lang))
    assert (resolved.isoformat(), resolved.ambiguous) == ("2021-03-04", False)


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("en", "The board met on Thursday the 1st."),
        ("it", "Il consiglio si è riunito giovedì 1."),
        ("de", "Der Vorstand tagte am Donnerstag, den 1."),
        ("fr", "Le conseil s'est réuni jeudi 1er."),
        ("es", "El consejo se reunió el jueves 1."),
        ("pt", "O conselho reuniu-se na quinta-feira (1º)."),
        ("nl", "Het bestuur vergaderde op donderdag 1."),
        ("pl", "Zarząd zebrał się w czwartek 1."),
        ("en", "Thursday, 01/04/2021: the board met."),
    ],
)
def test_weekday_with_its_day_in_the_week_before(lang: str, body: str) -> None:
    """1 April 2021 was a Thursday, two days before 3 April; no Thursday the 1st in the week up to 4 March."""
    resolved = resolve_day_month(READINGS, DateEvidence(text=body, lang=lang))
    assert (resolved.isoformat(), resolved.ambiguous) == ("2021-04-03", False)


@pytest.mark.parametrize(
    "body",
    [
        "The firm said on Thursday it would",  # a weekday alone fits both readings: one falls in any week
        "The firm reported results on Thursday 10:30 local time.",  # a time, not a day
        "Deliveries start on 20 May 2021.",  # near neither reading
        "It said today, Thursday, and later on Saturday the 3rd",  # contradicting weekdays decide nothing
    ],
)
def test_evidence_that_does_not_decide(body: str) -> None:
    resolved = resolve_day_month(READINGS, DateEvidence(text=body, source="example.com", lang="en"))
    assert (resolved.isoformat(), resolved.ambiguous) == ("2021-03-04", True)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("example.it", "2021-04-03"),
        ("example.co.uk", "2021-04-03"),
        ("example.com.au", "2021-04-03"),
        ("example.in", "2021-04-03"),
        ("example.ie", "2021-04-03"),
        ("example.us", "2021-03-04"),
    ],
)
def test_site_country(source: str, expected: str) -> None:
    resolved = resolve_day_month(READINGS, DateEvidence(source=source, lang="en"))
    assert (resolved.isoformat(), resolved.ambiguous) == (expected, False)


def test_month_first_default_is_for_slashes_in_english_only() -> None:
    dashes = READINGS._replace(written="03-04-2021")
    assert resolve_day_month(dashes, DateEvidence(lang="en")).isoformat() == "2021-04-03"
    assert resolve_day_month(READINGS, DateEvidence(lang="it")).isoformat() == "2021-04-03"
    assert resolve_day_month(READINGS, DateEvidence(lang="en")).isoformat() == "2021-03-04"


def test_parse_date_keeps_unambiguous_dates() -> None:
    for text, lang, expected in [
        ("24-05-2022 15:02", "it", "2022-05-24T15:02"),
        ("05/24/2022", "en", "2022-05-24"),
        ("04/04/2021", "en", "2021-04-04"),
        ("3 April 2021", "en", "2021-04-03"),
        ("2021-04-03", None, "2021-04-03"),
    ]:
        parsed = parse_date(text, lang)
        assert parsed is not None and (parsed.isoformat(), parsed.ambiguous) == (expected, False), text
    parsed = parse_date("03/04/2021", "en")
    assert parsed is not None and (parsed.isoformat(), parsed.ambiguous) == ("2021-03-04", True)
