"""Entities: language-independent mentions and the keys that join them across languages.

Sentences are written for these tests; the seed articles (Italian and German, same story) are read
from ../shared/seeds when present.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.enrich.entities import Mention, entity_keys, extract_mentions, normalize_name

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def keys(text: str, lang: str | None) -> set[str]:
    return {m.key for m in extract_mentions(text, lang)}


def by_text(text: str, lang: str | None) -> dict[str, Mention]:
    return {m.text: m for m in extract_mentions(text, lang)}


# --- countries and cities across languages ----------------------------------------------------------------------

SANCTIONS = {
    "it": "Gli Stati Uniti hanno imposto nuove sanzioni. Il sindaco di Milano ha incontrato una delegazione di Monaco di Baviera.",
    "de": "Die Vereinigten Staaten verhängen neue Sanktionen. Der Bürgermeister von Mailand traf eine Delegation aus München.",
    "en": "The United States imposed new sanctions. The mayor of Milan met a delegation from Munich.",
    "es": "Estados Unidos impuso nuevas sanciones. El alcalde de Milán se reunió con una delegación de Múnich.",
    "fr": "Les États-Unis ont imposé de nouvelles sanctions. Le maire de Milan a rencontré une délégation de Munich.",
    "pl": "Stany Zjednoczone nałożyły nowe sankcje. Spotkanie w Mediolan z delegacją z Monachium.",
    "pt": "Os Estados Unidos impuseram novas sanções. O prefeito de Milão reuniu-se com uma delegação de Munique.",
    "nl": "De Verenigde Staten hebben nieuwe sancties opgelegd. De burgemeester van Milaan ontmoette een delegatie uit München.",
}


@pytest.mark.parametrize("lang", sorted(SANCTIONS))
def test_countries_and_cities_share_keys_across_languages(lang: str) -> None:
    mentions = extract_mentions(SANCTIONS[lang], lang)
    found = {m.key: m for m in mentions}
    assert "country:US" in found
    assert found["country:US"].label == "United States"
    assert found["country:US"].type == "LOC"
    milan = [m for m in mentions if m.label == "Milan"]
    munich = [m for m in mentions if m.label == "Munich"]
    assert milan and munich, [(m.text, m.key) for m in mentions]
    assert {m.type for m in milan + munich} == {"LOC"}
    assert milan[0].key.startswith("city:") and milan[0].key != munich[0].key


def test_every_language_gives_the_same_city_keys() -> None:
    milan = {m.key for lang, text in SANCTIONS.items() for m in extract_mentions(text, lang) if m.label == "Milan"}
    munich = {m.key for lang, text in SANCTIONS.items() for m in extract_mentions(text, lang) if m.label == "Munich"}
    assert len(milan) == 1 and len(munich) == 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Le sanzioni degli Stati Uniti colpiscono il settore.", "it"),
        ("Die USA verhängen Sanktionen.", "de"),
        ("Die Vereinigte Staaten von Amerika sind ein Bundesstaat.", "de"),
        ("Gli Usa hanno deciso.", "it"),
        ("The United States and the U.S. Treasury agreed.", "en"),
        ("Los EE.UU. anunciaron sanciones.", "es"),
        ("Die US-Sanktionen treffen den Konzern.", "de"),
        ("Les États-Unis d'Amérique ont réagi.", "fr"),
    ],
)
def test_united_states_in_any_spelling(text: str, lang: str) -> None:
    assert "country:US" in keys(text, lang)


def test_acronym_aliases_need_their_case() -> None:
    # "us" and "usa" are words (English pronoun, Italian verb): only the capitalised forms are the country.
    assert "country:US" not in keys("Let us see whether it works for us.", "en")
    assert "country:US" not in keys("Chi usa questo telefono lo sa.", "it")


def test_countries_by_translation() -> None:
    assert keys("La Germania e la Francia firmano.", "it") >= {"country:DE", "country:FR"}
    assert keys("Deutschland und Frankreich unterzeichnen.", "de") >= {"country:DE", "country:FR"}
    assert keys("Niemcy i Francja podpisały umowę.", "pl") >= {"country:DE", "country:FR"}


# --- normalisation: legal suffixes, case, diacritics ------------------------------------------------------------


def test_legal_suffixes_and_descriptors_are_dropped_from_keys() -> None:
    text = "Huawei Technologies Co. said on Tuesday that HUAWEI will keep selling phones. Huawei denied the report."
    mentions = [m for m in extract_mentions(text, "en") if m.key == "name:huawei"]
    assert [m.text for m in mentions] == ["Huawei Technologies Co", "Huawei"] or [m.text for m in mentions] == [
        "Huawei Technologies Co",
        "HUAWEI",
        "Huawei",
    ]
    assert {m.label for m in mentions} == {"Huawei"}
    assert {m.type for m in mentions} == {"ORG"}  # the suffix types every mention of the key in the text


def test_legal_suffix_in_german_and_italian_texts() -> None:
    de = extract_mentions(
        "Die Kessler Logistik AG hat einen Vertrag unterschrieben. Kessler Logistik liefert nach Polen.", "de"
    )
    it = extract_mentions("Secondo Kessler Logistik, il contratto è firmato.", "it")
    de_keys = [m.key for m in de if "Kessler" in m.text]
    assert de_keys == ["name:kessler logistik", "name:kessler logistik"]
    assert {m.type for m in de if "Kessler" in m.text} == {"ORG"}
    assert de[0].text == "Kessler Logistik AG"
    assert "name:kessler logistik" in {m.key for m in it}


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Huawei Technologies Co.", "huawei"),
        ("Huawei", "huawei"),
        ("HUAWEI", "huawei"),
        ("Kessler Logistik AG", "kessler logistik"),
        ("Fiat S.p.A.", "fiat"),
        ("Orlen S.A.", "orlen"),
        ("Müller GmbH & Co. KG", "muller"),
        ("Citroën", "citroen"),
        ("Tencent Holdings Ltd", "tencent"),
    ],
)
def test_normalize_name(name: str, normal: str) -> None:
    assert normalize_name(name) == normal


def test_listed_companies_come_from_the_gazetteer() -> None:
    found = by_text("Secondo la Reuters, il gruppo Volkswagen AG ha chiuso l'impianto di Wolfsburg.", "it")
    assert found["Volkswagen AG"].key == "org:volkswagen"
    assert found["Volkswagen AG"].type == "ORG"
    assert found["Wolfsburg"].type == "LOC"
    assert keys("Volkswagen verkauft mehr Fahrzeuge.", "de") == {"org:volkswagen"}


# --- acronyms, codes, quantities --------------------------------------------------------------------------------


def test_international_acronyms_are_aliased() -> None:
    en = keys("NATO and the EU met in Brussels. The IMF warned about China.", "en")
    es = keys("La OTAN y la UE se reunieron en Bruselas. El FMI advirtió sobre China.", "es")
    de = keys("Die NATO und die EU trafen sich in Brüssel. Der IWF warnte vor China.", "de")
    expected = {"org:nato", "org:eu", "org:imf", "country:CN"}
    assert expected <= en and expected <= es and expected <= de
    assert len({k for k in en | es | de if k.startswith("city:")}) == 1  # Brussels, Bruselas, Brüssel


def test_unknown_acronyms_are_names_and_generic_ones_are_not() -> None:
    found = by_text("Il SCMP ha intervistato il CEO di Xiaomi.", "it")
    assert found["SCMP"].key == "name:scmp"
    assert "CEO" not in found


@pytest.mark.parametrize(
    ("text", "lang", "code"),
    [
        ("Huawei presenta il P50 a luglio.", "it", "product:p50"),
        ("Demnach werde die P50-Serie die letzte sein.", "de", "product:p50"),
        ("The X60 and the QX-7 drone were shown.", "en", "product:x60"),
        ("The X60 and the QX-7 drone were shown.", "en", "product:qx7"),
        ("Airbus a livré 40 A320 cette année.", "fr", "product:a320"),
    ],
)
def test_product_codes(text: str, lang: str, code: str) -> None:
    mentions = {m.key: m for m in extract_mentions(text, lang)}
    assert code in mentions
    assert mentions[code].type == "PRODUCT"


def test_hyphenated_code_keeps_no_german_head_noun() -> None:
    found = by_text("Demnach werde die P50-Serie von Huawei die letzte sein.", "de")
    assert found["P50"].label == "P50"
    assert not any("Serie" in text for text in found)


def test_things_that_look_like_codes_but_are_not() -> None:
    found = keys("COVID-19 hit Q3 sales; the G20 met on 24-05-2022 at 15:02.", "en")
    assert not any(k.startswith("product:") for k in found)


@pytest.mark.parametrize(
    ("text", "lang", "key"),
    [
        ("Il fatturato è salito a 1,8 miliardi di euro.", "it", "qty:EUR:1.8e+09"),
        ("Revenue reached 1.8 billion euros.", "en", "qty:EUR:1.8e+09"),
        ("Der Umsatz stieg auf 1,8 Milliarden Euro.", "de", "qty:EUR:1.8e+09"),
        ("Profit fell to €48m.", "en", "qty:EUR:4.8e+07"),
        ("Der Gewinn fiel auf 48 Millionen Euro.", "de", "qty:EUR:4.8e+07"),
        ("Sales rose 9.2 percent.", "en", "qty:%:9.2"),
        ("Der Absatz stieg um 9,2 Prozent.", "de", "qty:%:9.2"),
        ("Le vendite sono salite del 9,2%.", "it", "qty:%:9.2"),
        ("A Petrobras lucrou 2 bilhões de dólares.", "pt", "qty:USD:2e+09"),
        ("Il prezzo è di 1.800 euro.", "it", "qty:EUR:1800"),
        ("The price is $1,800.", "en", "qty:USD:1800"),
    ],
)
def test_quantities_are_normalised(text: str, lang: str, key: str) -> None:
    found = [m for m in extract_mentions(text, lang) if m.type == "QUANTITY"]
    assert [m.key for m in found] == [key]


# --- what is not an entity --------------------------------------------------------------------------------------


def test_sentence_initial_stopwords_are_not_entities() -> None:
    de = (
        "Der Kamerahersteller ist bekannt. Die Kooperation endet. Demnach wolle Leica nicht verlängern. Leica schweigt."
    )
    it = "Così scrive Huawei. La rottura con Leica è definitiva. Questa decisione è finale. Leica ha confermato."
    de_found = by_text(de, "de")
    it_found = by_text(it, "it")
    for word in ("Der", "Die", "Demnach", "Kamerahersteller", "Kooperation"):
        assert word not in de_found
    for word in ("Così", "La", "Questa"):
        assert word not in it_found
    assert de_found["Leica"].key == it_found["Leica"].key == "name:leica"
    assert it_found["Huawei"].key == "name:huawei"


def test_sentence_initial_name_is_kept_even_without_a_mid_sentence_mention() -> None:
    assert keys("Leica ha annunciato la fine della partnership.", "it") == {"name:leica"}


def test_german_common_nouns_are_not_entities() -> None:
    text = (
        "Die Smartphone-Flaggschiffe der Chinesen verwendeten das Leica-Branding für ihre neuen Smartphones. Schenkt man aktuellen Gerüchten "
        "Glauben, dann stehe das Ende dieser Kooperation bevor. Dazu fehlen aktuell Informationen. Meine "
        "persönliche Vermutung ist, dass es mit dem Imageverlust zusammenhängt. Eine Kooperation mit Sharp hat "
        "begonnen, die Verkaufszahlen in Europa sind eingebrochen."
    )
    found = by_text(text, "de")
    assert set(found) == {"Leica", "Sharp", "Europa"}, sorted(found)


def test_months_and_title_words_are_not_entities() -> None:
    found = by_text("On Monday, President Joe Biden met Chancellor Olaf Scholz in March.", "en")
    assert set(found) == {"Joe Biden", "Olaf Scholz"}
    assert {m.type for m in found.values()} == {"PER"}


def test_title_case_headlines() -> None:
    found = by_text("Leica Ends Partnership With Huawei, Teams Up With Xiaomi", "en")
    assert set(found) == {"Leica", "Huawei", "Xiaomi"}


# --- hyphenated names -------------------------------------------------------------------------------------------


def test_hyphenated_pair_of_known_names_is_two_entities() -> None:
    text = "La partnership Xiaomi-Leica è iniziata. Xiaomi e Leica lavorano insieme."
    mentions = extract_mentions(text, "it")
    assert [m.text for m in mentions] == ["Xiaomi", "Leica", "Xiaomi", "Leica"]
    assert [m.key for m in mentions[:2]] == ["name:xiaomi", "name:leica"]


def test_hyphenated_pair_in_german_and_english() -> None:
    de = by_text("Leica beendet die Huawei-Leica-Partnerschaft mit Huawei.", "de")
    assert set(de) == {"Leica", "Huawei"}
    en = [m.key for m in extract_mentions("The Huawei-Leica deal ended, Huawei said; Leica agreed.", "en")]
    assert en[:2] == ["name:huawei", "name:leica"]


def test_a_hyphenated_name_stays_one_when_its_parts_are_not_known_alone() -> None:
    assert keys("Coca-Cola reported results.", "en") == {"name:coca cola"}


# --- persons and organisations ----------------------------------------------------------------------------------


def test_person_cues() -> None:
    it = by_text("“Questa cooperazione darà un forte impulso”, ha dichiarato Lei Jun, fondatore di Xiaomi.", "it")
    assert it["Lei Jun"].type == "PER" and it["Lei Jun"].key == "name:lei jun"
    en = by_text('"We are proud," said Lei Jun. Tim Cook, CEO of Apple Inc., disagreed.', "en")
    assert en["Lei Jun"].key == "name:lei jun" and en["Lei Jun"].type == "PER"
    assert en["Tim Cook"].type == "PER"
    assert en["Apple Inc"].type == "ORG"
    fr = by_text("Selon M. Macron, la France doit agir.", "fr")
    assert fr["Macron"].type == "PER"


def test_surname_joins_the_full_name_even_in_german() -> None:
    mentions = extract_mentions("Olaf Scholz sagte am Montag, Deutschland werde helfen. Scholz reist nach Paris.", "de")
    scholz = [m for m in mentions if "Scholz" in m.text]
    assert [m.text for m in scholz] == ["Olaf Scholz", "Scholz"]
    assert {m.key for m in scholz} == {"name:olaf scholz"}
    assert {m.type for m in scholz} == {"PER"}
    assert {"country:DE"} <= {m.key for m in mentions}
    assert any(m.key.startswith("city:") and m.label == "Paris" for m in mentions)


def test_company_cue_types_an_organisation() -> None:
    found = by_text("Il produttore tedesco di fotocamere Leica collabora con il produttore cinese Xiaomi.", "it")
    assert found["Leica"].type == found["Xiaomi"].type == "ORG"
    found = by_text("Der Kamerahersteller Leica kooperiert mit Xiaomi.", "de")
    assert found["Leica"].type == "ORG"


def test_place_inside_a_longer_name_is_part_of_it() -> None:
    found = by_text("secondo un'inchiesta del South China Morning Post pubblicata ieri", "it")
    assert found["South China Morning Post"].key == "name:south china morning post"


def test_given_names_are_people_not_towns() -> None:
    # Luca, Nadia and Lula are also alternate names of towns (Lucca, Navadwip, Luleå).
    fr = by_text("Selon Luca de Meo, directeur général, Dacia progresse.", "fr")
    assert fr["Luca de Meo"].type == "PER"
    es = by_text("Según la ministra Nadia Calviño, la medida es buena.", "es")
    assert es["Nadia Calviño"].key == "name:nadia calvino"
    pt = by_text("O presidente Luiz Inácio Lula da Silva viajou para Lisboa.", "pt")
    assert pt["Luiz Inácio Lula da Silva"].type == "PER"
    assert pt["Lisboa"].label == "Lisbon"


def test_office_and_person_are_split_and_the_surname_follows() -> None:
    mentions = extract_mentions(
        "Il presidente del Consiglio Giorgia Meloni ha incontrato Olaf Scholz. Meloni partirà per Bruxelles.", "it"
    )
    found = {m.text: m for m in mentions}
    assert found["Giorgia Meloni"].type == "PER"
    assert found["Meloni"].key == "name:giorgia meloni"
    assert found["Bruxelles"].label == "Brussels"


def test_a_city_next_to_a_name_is_part_of_it() -> None:
    found = by_text("Shares fell on the London Stock Exchange, and Paris Hilton visited Paris on Tuesday.", "en")
    assert found["London Stock Exchange"].key == "org:london stock exchange"  # a listed company, not London
    assert found["Paris Hilton"].key == "name:paris hilton"
    assert found["Paris"].label == "Paris" and found["Paris"].type == "LOC"


def test_institutions_and_us_states() -> None:
    assert "org:european commission" in keys("La Comisión Europea en Bruselas dio su visto bueno.", "es")
    assert "org:european commission" in keys("Die Europäische Kommission prüft den Fall.", "de")
    assert "region:US-CA" in keys("Apple unveiled the phone in Cupertino, California.", "en")
    assert by_text("The mayor of New York spoke.", "en")["New York"].key.startswith("city:")


def test_title_case_headline_above_an_article() -> None:
    text = (
        "Apple Unveils New iPhone With Faster Chip\n"
        "Apple on Tuesday unveiled a new iPhone at its headquarters in Cupertino. Chief executive Tim Cook "
        "said the company had sold more devices than ever, and analysts expect revenue to rise again."
    )
    headline = [m.text for m in extract_mentions(text, "en") if m.end <= text.index("\n")]
    assert headline == ["Apple", "iPhone"]


# --- offsets, order, keys ---------------------------------------------------------------------------------------

OFFSET_TEXTS = [
    *SANCTIONS.items(),
    ("de", "Die Kessler Logistik AG hat einen Vertrag. Kessler Logistik liefert 48 Millionen Euro an die EU."),
    ("it", "L’attività di Huawei, dell’Italia e di “Xiaomi” — secondo Lei Jun — cresce del 3,5%."),
    ("en", "E-Mail from U.S. officials reached the U.K. and the UAE; AT&T and Procter & Gamble declined."),
    ("fr", "L'entreprise Orange S.A. a vendu 2 millions d'euros d'actions à Paris."),
    ("es", "Según el presidente Pedro Sánchez, España y la UE deben actuar. La OTAN se reunirá en Bruselas."),
    ("pt", "A Petrobras anunciou lucro de 2 bilhões de dólares em São Paulo."),
    ("nl", "Volgens ASML en Philips groeit de markt in Nederland en België."),
    ("pl", "Prezes Orlen S.A. powiedział, że Polska i Niemcy współpracują."),
]


@pytest.mark.parametrize(("lang", "text"), OFFSET_TEXTS)
def test_offsets_match_the_text_and_mentions_do_not_overlap(lang: str, text: str) -> None:
    mentions = extract_mentions(text, lang)
    assert mentions
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.type in {"ORG", "PER", "LOC", "PRODUCT", "MISC", "QUANTITY"}
        assert m.key and m.label
    for a, b in pairwise(mentions):
        assert a.end <= b.start


def test_entity_keys_counts_mentions() -> None:
    counts = entity_keys(extract_mentions("Leica e Huawei. Leica e Xiaomi. Leica!", "it"))
    assert counts == Counter({"name:leica": 3, "name:huawei": 1, "name:xiaomi": 1})


def test_empty_and_language_detection() -> None:
    assert extract_mentions("", "en") == []
    assert extract_mentions("   \n", None) == []
    detected = keys("Gli Stati Uniti hanno imposto nuove sanzioni contro la società cinese Huawei.", None)
    assert {"country:US", "name:huawei"} <= detected


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAbBüÜ ßé-.,’'&€$%0123456789\nPXQ")) | st.characters(), max_size=200))
def test_any_text_gives_valid_offsets(text: str) -> None:
    for lang in ("de", "it"):
        mentions = extract_mentions(text, lang)
        for m in mentions:
            assert text[m.start : m.end] == m.text


# --- optional statistical NER -----------------------------------------------------------------------------------


def test_ner_backend_types_and_adds_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Laut Xantera Nord streikt die Deutsche Bahn am Montag."
    # A statistical backend, installed as a plugin is: a module and its entry point in the storyline.ner group.
    (tmp_path / "fake_ner.py").write_text(
        "NAMED = {'Xantera Nord': 'ORG', 'Deutsche Bahn': 'ORG', 'Montag': 'MISC'}\n"
        "def find(text, lang):\n"
        "    return [(text.index(n), text.index(n) + len(n), t) for n, t in NAMED.items()]\n"
    )
    dist = tmp_path / "fake_ner-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-ner\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[storyline.ner]\nfake = fake_ner:find\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    rules = by_text(text, "de")
    assert rules["Xantera Nord"].type == "MISC" and "Deutsche Bahn" not in rules
    found = {m.text: m for m in extract_mentions(text, "de", ner="fake")}
    assert found["Xantera Nord"].type == "ORG"  # typed by the model
    assert found["Deutsche Bahn"].key == "name:deutsche bahn"  # added: German common nouns to the rules
    assert found["Deutsche Bahn"].type == "ORG"
    assert "Montag" not in found  # never a name, whatever a model says
    with pytest.raises(ValueError, match="unknown NER backend"):
        extract_mentions(text, "de", ner="nonexistent")


def test_spacy_backend_where_installed() -> None:
    pytest.importorskip("spacy")
    pytest.importorskip("fr_core_news_sm")
    found = {
        m.text: m
        for m in extract_mentions("Emmanuel Macron a rencontré les dirigeants de Renault à Paris.", "fr", ner="spacy")
    }
    assert found["Emmanuel Macron"].type == "PER"


# --- the seed articles ------------------------------------------------------------------------------------------


def test_seed_articles_share_their_main_keys() -> None:
    italian, german = SEEDS / "000_41a9ae8dc5d7d7d4.txt", SEEDS / "002_28a159f19f1ebf2e.txt"
    if not (italian.exists() and german.exists()):
        pytest.skip("seed articles not present (../shared/seeds)")
    it_text, de_text = italian.read_text(encoding="utf-8"), german.read_text(encoding="utf-8")
    it_keys, de_keys = entity_keys(extract_mentions(it_text, "it")), entity_keys(extract_mentions(de_text, "de"))
    shared = {"name:leica", "name:huawei", "name:xiaomi", "country:US"}
    assert shared <= set(it_keys) & set(de_keys)
    assert "product:p50" in de_keys
    for text, lang in ((it_text, "it"), (de_text, "de")):
        texts = {m.text for m in extract_mentions(text, lang)}
        assert not texts & {"Der", "Die", "Demnach", "Così", "La", "Le", "Il", "Kooperation", "Partner"}
    # the shared keys carry most of the mentions: clustering has something to go on
    assert sum(it_keys[k] for k in shared) >= 0.6 * sum(it_keys.values())


def test_a_headlines_hyphenated_pair_is_two_names_when_its_text_names_them() -> None:
    from storyline.enrich.analysis import count_entities
    from storyline.enrich.claims import rule_claims
    from storyline.model import Article

    text = (
        "La Vantora ha raggiunto l'accordo con il Sorano per il trasferimento di Marco Kellner. Kellner firmerà domani."
    )
    article = Article("t", "Vantora-Kellner, c'è l'accordo con il Sorano", text, "it")
    counted = {e.key: e.count for e in count_entities(article)}
    assert "name:vantora kellner" not in counted  # the headline's pair: Vantora, and Marco Kellner named in full
    assert (counted["name:vantora"], counted["name:marco kellner"]) == (2, 3)
    parties = {p.name for claim in rule_claims(article) for p in claim.participants}
    assert not any("-" in name for name in parties)
