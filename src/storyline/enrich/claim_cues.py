"""The words that signal events and how sure the reporting is, per language: data for `claims.py`.

Each entry is a regular expression matched on lower-cased text from a word start (stems match
their inflections: "acquisi" covers acquisizione, acquisisce). Adding a language is adding its
rows here; adding an event type is adding it to EVENT_TYPES and TRIGGERS.

The taxonomy (`EVENT_TYPES`):
- partnership_start / partnership_end: cooperation, alliance, joint venture begun or ended
- acquisition: takeover, purchase of a company or unit, merger
- investment: funding round, stake, capital injection
- product_launch: a product presented, released, put on sale
- legal_action: lawsuit, regulator's probe or fine, sanctions, blacklisting
- leadership_change: appointment, resignation, succession at the top of an organisation
- layoffs: job cuts
- financial_results: revenue, profit or loss for a period (needs a number in the sentence)
"""

from __future__ import annotations

LANGUAGES = ("it", "de", "en", "es", "fr", "pt", "nl", "pl")

EVENT_TYPES = (
    "partnership_start",
    "partnership_end",
    "acquisition",
    "investment",
    "product_launch",
    "legal_action",
    "leadership_change",
    "layoffs",
    "financial_results",
)

# Event types that need two parties (after filling from context) to be a claim at all.
TWO_PARTY = frozenset({"partnership_start", "partnership_end", "acquisition"})

# A partnership is named by a topic word; phase words say it began or ended.
PARTNERSHIP_TOPIC = {
    "it": (
        r"partnership|partner\b|collabora|cooperazion|coopera\b|alleanz|accordo|intesa|sodalizio|joint venture"
        r"|si accasa"
    ),
    "de": (
        r"kooperation|kooperier|partnerschaft|partner\b|partnern\b|zusammenarbeit|arbeitet[^.;]{0,40}zusammen|allianz"
        r"|bündnis|joint venture"
    ),
    "en": (
        r"partnership|partner\b|partners with|partnered|collaborat|alliance|teams? up|teamed up|joint venture"
        r"|cooperation|tie-up|sponsorship|contract with|contract\b"
    ),
    "es": (
        r"alianza|asociación|colaboración|colabora|socio\b|acuerdo con|cooperación|se asocia|empresa conjunta"
        r"|acuerdo de|patrocinio|contrato de"
    ),
    "fr": (
        r"partenariat|partenaire|collaboration|collabor|coopération|alliance|s'associe|s’associe|coentreprise|sponsor"
        r"|contrat de"
    ),
    "pt": (
        r"parceria|parceir|colaboração|colabora|aliança|(?<!de )acordo com|cooperação|joint venture|contrato de"
        r"|patrocínio"
    ),
    "nl": r"samenwerking|samenwerken|werkt samen|werken samen|partnerschap|partner\b|alliantie|joint venture",
    "pl": r"partnerstw|współprac|sojusz|porozumieni|partner\b|partnerem|wspólne przedsięwzięcie",
}
PARTNERSHIP_END = {
    "it": (
        r"fine (?:della|del|di|alla|al)|porre fine|si è chius|chiuso|posto fine|pone fine|termin|conclus|conclude"
        r"|interrott|interrompe|rottura|divorzio|addio|non rinnov"
    ),
    "de": r"ende\b|beend|auslaufen|läuft[^.;]{0,30}aus|nicht (?:mehr )?verlängern|trenn|aus für|aufgekündigt|kündigt",
    "en": (
        r"end(?:s|ed|ing)?\b|terminat|split|part(?:s|ed)? ways|dissolv|not (?:to )?renew|pull(?:s|ed)? out|scrap"
        r"|wind(?:s)? down"
    ),
    "es": r"fin (?:de|a)|pone fin|puso fin|poner fin|termin|ruptura|romp|no renovar|disuelve|pusieron fin|roto\b|rompi",
    "fr": r"fin (?:du|de|à|au)|met fin|mettre fin|terminé|prend fin|rompu|rupture|romp|ne pas renouveler|divorce|sépar",
    "pt": r"fim (?:da|do|de|à|ao)|põe fim|pôs fim|encerr|termin|ruptura|romp|não renovar",
    "nl": r"beëindig|einde|stopt|verbreekt|niet (?:te )?verlengen|uit elkaar|opgezegd|zegt[^.;]{0,30}op",
    "pl": r"koniec|zakończ|zerwa|rozsta|nie przedłuż|wypowiedzi",
}
# Verbs that end a relationship between two named parties without naming it ("Leica abbandona Huawei").
PARTNERSHIP_LEAVE = {
    "it": r"abbandona|lascia\b|molla\b|divorzia",
    "de": r"trennt sich|verlässt|kehrt[^.;]{0,20}den rücken",
    "en": r"dumps|ditches|splits with|breaks up with|leaves\b|quits\b",
    "es": r"abandona|deja a|rompe con",
    "fr": r"quitte|abandonne|lâche",
    "pt": r"abandona|deixa a|deixa o|rompe com",
    "nl": r"verlaat|dumpt|breekt met",
    "pl": r"porzuca|opuszcza|rozstaje się",
}
PARTNERSHIP_BEGIN = {
    "it": r"iniziat|avviat|nata\b|firmat|siglat|stretto|inizia",
    "de": r"begonnen|begann|startete|gestartet|geschlossen|unterzeichnet|eingegangen|beginnt",
    "en": r"began|begun|started|signed|formed|struck|sealed|kicked off|agreed",
    "es": r"comenzó|empezó|iniciad|firmad|firmó|sellad|inició",
    "fr": r"commencé|débuté|signé|scellé|conclu\b|lancé",
    "pt": r"começou|iniciad|assinad|assinou|firmad|selad",
    "nl": r"begonnen|begon|gestart|getekend|ondertekend|gesloten",
    "pl": r"rozpoczę|zaczęł|podpisa|zawar",
}

TRIGGERS = {
    "acquisition": {
        "it": (
            r"acquisi|acquist|rilev|compra\b|comprare|comprato|fusione|fonde\b|incorpora|takeover|opa\b|scalata|cede\b"
            r"|cessione|vendere|vende\b"
        ),
        "de": (
            r"übernahme|übernimmt|übernehmen|übernommen|kauft|gekauft|kauf von|kauf des|kauf der|fusion|fusionier"
            r"|akquisition|akquiriert|erwerb|erwirbt|verkaufen|verkauft|verkauf"
        ),
        "en": (
            r"acqui(?:re|res|red|ring|sition)|buy(?:s|ing)?\b|bought|purchas|takeover|take over|takes over|took over"
            r"|merger|merg(?:e|es|ed|ing)\b|sell(?:s|ing)?\b|sold\b|sale of"
        ),
        "es": (
            r"adquisición|adquiere|adquirir|adquirió|compra\b|comprar|compró|fusión|fusiona|absorbe|toma de control"
            r"|oferta pública|vende\b|venta de"
        ),
        "fr": (
            r"rachat|rachète|racheter|racheté|acquisition|acquiert|acquérir|acquis\b|fusion|reprise|reprend|repris"
            r"|absorbe|opa\b|cède|cession|vend\b|revend"
        ),
        "pt": (
            r"aquisição|adquire|adquirir|adquiriu|adquirid|compra\b|comprar|comprou|comprad|fusão|incorpora"
            r"|oferta pública|vende\b|venda d"
        ),
        "nl": (
            r"overname|neemt[^.;]{0,40}over|overnemen|overgenomen|koopt|kocht|gekocht|fusie|fuseren|fuseert|inlijven"
            r"|verkoopt|verkoop van"
        ),
        "pl": r"przejęci|przejmie|przejmuje|przejąć|przejął|przejęła|kupi|kupuje|kupił|zakup|fuzj|połączeni|sprzeda",
    },
    "investment": {
        "it": (
            r"investimento|investe\b|investito|investirà|finanziamento|round\b|raccolt|raccoglie|quota\b|partecipazione"
        ),
        "de": (
            r"investiert|investition|beteiligung|beteiligt|beteiligen|finanzierungsrunde|sammelt[^.;]{0,30}ein"
            r"|eingesammelt|steigt[^.;]{0,30}ein|einstieg|kapitalspritze"
        ),
        "en": (
            r"invest(?:s|ed|ing|ment)\b|funding|rais(?:es|ed|ing)\s+(?:about\s+|around\s+|nearly\s+)?[$€£\d]|stake\b"
            r"|series [a-e]\b|capital injection|backs\b|backed by"
        ),
        "es": (
            r"invierte|invirtió|inversión|ronda|financiación|recaud|participación|entra en el capital|invertid|invertir"
        ),
        "fr": (
            r"investit|investi\b|investissement|levée de fonds|lève\b|levé\b|participation|entre au capital"
            r"|tour de table|entrer au capital"
        ),
        "pt": r"investe\b|investiu|investimento|rodada|aporte|capta\b|captou|participação",
        "nl": (
            r"investeert|investeerde|investering|financieringsronde|haalt[^.;]{0,40}op|opgehaald|belang\b"
            r"|kapitaalinjectie|investeren"
        ),
        "pl": r"inwestuje|inwestycj|zainwestował|runda finansowania|pozyskał|pozyskała|udziały|udziałów",
    },
    "product_launch": {
        "it": (
            r"lancio|lancia\b|lanciato|lancerà|presenta\b|presentato|presentata|debutto|debutta|arriva sul mercato"
            r"|arriverà|in vendita|svela|svelato"
        ),
        "de": (
            r"vorgestellt|stellt[^.;]{0,40}vor|präsentiert|kommt[^.;]{0,30}auf den markt|markteinführung|marktstart"
            r"|launch|erscheint|auf den markt (?:bringen|kommen)|bringt[^.;]{0,40}auf den markt|bringt[^.;]{0,60}heraus"
            r"|enthüllt"
        ),
        "en": (
            r"launch|unveil|introduc(?:e|es|ed)\b|releas(?:e|es|ed)\b|debut|rolls? out|rolled out|goes on sale"
            r"|went on sale|available from|(?:begin|start|begins|starts) shipping"
        ),
        "es": r"lanza|lanzó|lanzamiento|lanzará|presenta\b|presentó|estrena|llega al mercado|llegará|a la venta",
        "fr": (
            r"lance\b|lancé|lancement|lancera|présente\b|présenté|dévoil|sortie|commercialis|mise en vente|présentera"
        ),
        "pt": (
            r"lança\b|lançou|lançamento|lançará|apresenta\b|apresentou|estreia|chega ao mercado|chegará|à venda|lançar"
        ),
        "nl": (
            r"lanceert|lanceerde|lancering|introduceert|presenteert|presenteerde|onthult|onthulde|brengt[^.;]{0,40}uit"
            r"|komt[^.;]{0,30}op de markt|gelanceerd"
        ),
        "pl": r"wprowadza|wprowadzi|premier|prezentuje|zaprezentował|debiut|wypuści|wypuszcza|trafi do sprzedaży",
    },
    "legal_action": {
        "it": (
            r"sanzion|(?<!a )causa\b|citazione in giudizio|denuncia|multa|antitrust|indagine|inchiesta giudiziaria"
            r"|querela|tribunale|lista nera|embargo|ricorso|procura"
        ),
        "de": (
            r"sanktion|klage\b|klagt|verklagt|strafe\b|bußgeld|kartellamt|kartellverfahren|ermittl|gericht"
            r"|schwarze liste|schwarzen liste|embargo|wettbewerbshüter"
        ),
        "en": (
            r"sanction|lawsuit|su(?:e|es|ed|ing)\b|fin(?:e|ed)\b|penalt|antitrust|investigation|probe\b|court|blacklist"
            r"|entity list|banned|ban on|regulators?\b|charged|indict"
        ),
        "es": (
            r"sanción|sanciones|sanciona|demanda|multa|investigación|tribunal|lista negra|denuncia|querella|expediente"
        ),
        "fr": (
            r"sanction|procès|poursuit|poursuites|plainte|amende|enquête|tribunal|liste noire|condamn"
            r"|autorité de la concurrence"
        ),
        "pt": (
            r"sanç|processo judicial|ação judicial|processa|processou|multa|investigação|tribunal|lista negra|denúncia"
            r"|cade\b|acus"
        ),
        "nl": (
            r"sanctie|rechtszaak|aanklacht|daagt[^.;]{0,30}voor|boete|onderzoek naar|rechtbank|zwarte lijst"
            r"|toezichthouder|voor de rechter|gedaagd"
        ),
        "pl": (
            r"sankcj|pozew|pozwał|pozywa|kar(?:a|ę|y)\b|grzywn|dochodzeni|śledztw|sąd\b|sądu|czarn(?:a|ej) list|uokik"
        ),
    },
    "leadership_change": {
        "it": (
            r"nominat|nomina\b|dimission|dimess|lascia la guida|lascerà la guida|lascer(?:à"
            r"|ebbe)[^.;]{0,40}(?:presidenza|guida|vertice)|uscita dell'amministratore|uscita dell’amministratore"
            r"|cambio al vertice|succede a|succederà|assume la guida|nuovo amministratore delegato"
            r"|nuova amministratrice|nuovo ceo|nuovo presidente"
        ),
        "de": (
            r"ernannt|ernennt|tritt[^.;]{0,30}zurück|rücktritt|nachfolger|nachfolgerin|folgt auf"
            r"|posten[^.;]{0,40}geräumt|vor dem absprung|wechselt zu|zum wettbewerber[^.;]{0,20}wechseln"
            r"|neue[rn]? (?:vorstandsvorsitzende|vorstandschef|vorstandschefin|geschäftsführer|geschäftsführerin)"
            r"|neuer chef|neue chefin|neuer vorstandschef|neue vorstandschefin|abberufen|an die spitze"
        ),
        "en": (
            r"appoint|named (?:as )?(?:ceo|chief|president|chair)|steps? down|stepped down|resign|succeed(?:s|ed)?\b"
            r"|new ceo|new chief|replac(?:e|es|ed)\b|ousted|to lead\b"
        ),
        "es": (
            r"nombra\b|nombrado|nombrada|nombramiento|dimite|dimitió|dimisión|renuncia|sucede|sucederá"
            r"|nuevo consejero delegado|nueva consejera|nuevo ceo|nuevo presidente|dej\w+ el cargo"
        ),
        "fr": (
            r"nommé|nommée|nomme\b|nomination|démission|quitte ses fonctions|succède|succédera|nouveau pdg|nouvelle pdg"
            r"|nouveau directeur|nouvelle directrice|succédant|pris la direction|prend la direction"
            r"|prendra la direction"
        ),
        "pt": (
            r"nomeia|nomeado|nomeada|nomeação|renuncia|renúncia|demissão do|sucede|sucederá|novo ceo|nova ceo"
            r"|novo presidente|nova presidente|assum\w+[^.;]{0,20}a presidência|substitu|saída d[oa] presidente"
        ),
        "nl": (
            r"benoemd|benoemt|stapt op|treedt af|trad af|aftreden|opvolger|volgt[^.;]{0,30}op als|nieuwe ceo"
            r"|nieuwe topman|nieuwe topvrouw|nieuwe directeur|treedt[^.;]{0,40}aan als|volgt[^.;]{0,30}op\b"
        ),
        "pl": (
            r"powołan|mianowan|rezygnacj|ustępuje|ustąpi|odchodzi ze stanowiska|następc|nowy prezes|nowym prezesem"
            r"|nową prezes"
        ),
    },
    "layoffs": {
        "it": (
            r"licenziament|licenzia|esuberi|ridu\w+[^.;]{0,40}organico|riduzione del personale"
            r"|taglio di[^.;]{0,30}posti|taglia[^.;]{0,30}posti|tagli al personale|posti di lavoro"
        ),
        "de": (
            r"stellenabbau|entlassung|entlässt|streicht[^.;]{0,40}stellen|stellen streichen"
            r"|stellen\b[^.;]{0,40}(?:gestrichen|abbauen|abgebaut)|arbeitsplätze|jobabbau|kündigungen"
        ),
        "en": (
            r"layoff|lay(?:s)? off|laid off|job cuts|cut(?:s|ting)?[^.;]{0,30}jobs|redundanc|slash(?:es"
            r"|ed)?[^.;]{0,30}jobs|workforce reduction"
        ),
        "es": (
            r"despido|despide|despedirá|recorte de[^.;]{0,30}empleos|suprim[^.;]{0,30}empleos|\bere\b"
            r"|puestos de trabajo|despedi|despedir"
        ),
        "fr": (
            r"licenciement|licencie|suppressions? de[^.;]{0,20}postes|supprim[^.;]{0,30}postes"
            r"|supprim[^.;]{0,30}emplois|plan social|suppressions? d['’]emplois"
        ),
        "pt": (
            r"demiss(?:ões|ão de)|demite|demitirá|corte de[^.;]{0,30}empregos|cortar[^.;]{0,30}empregos"
            r"|postos de trabalho|layoff|desped"
        ),
        "nl": (
            r"ontslag|ontslaat|banen schrappen|schrapt[^.;]{0,30}banen|banen verdwijnen|arbeidsplaatsen|reorganisatie"
            r"|geschrapt"
        ),
        "pl": r"zwolni|zwalnia|redukcj[^.;]{0,30}etatów|cięcia etatów|miejsc pracy",
    },
    "financial_results": {
        "it": (
            r"fatturato|ricavi|utile\b|utili\b|perdita netta|conti trimestrali|bilancio|risultati (?:finanziari"
            r"|trimestrali|annuali)|margine"
        ),
        "de": (
            r"umsatz|gewinn|verlust|quartalszahlen|quartalsergebnis|bilanz|geschäftszahlen|jahresergebnis|ergebnis\b"
            r"|erlös"
        ),
        "en": (
            r"revenue|profit|net (?:loss|income)|(?:a|an|its) (?:\w+[- ])?(?:quarter|year|half)(?:ly)?[- ]?loss|loss of"
            r"|quarterly (?:results|figures|report)|earnings|results\b|sales (?:rose|fell|grew|dropped)|turnover"
        ),
        "es": r"facturación|ingresos|beneficio|pérdida|resultados|ventas (?:crecieron|cayeron)|ganó|ganancias",
        "fr": r"chiffre d'affaires|chiffre d’affaires|bénéfice|perte nette|résultats|ventes",
        "pt": r"receita|lucro|prejuízo|resultados|faturamento|vendas",
        "nl": r"omzet|\w*winst|\w*verlies|kwartaalcijfers|resultaten|jaarcijfers",
        "pl": r"przychod|przychód|zysk|strat(?:a|ę|y)\b|wyniki (?:finansowe|kwartalne)|sprzedaż",
    },
}

# How sure the reporting is. Precedence when several apply: denied > rumoured > confirmed > planned > reported
# (a participant confirming its own plan is a confirmed plan: its date says it is still to come).
STATUS_CUES = {
    "denied": {
        "it": (
            r"smentit|smentisce|nega\b|negato|ha negato|dementit|infondat|nessuna trattativa|non (?:è"
            r"|sono) in corso[^.;]{0,10} trattativ"
        ),
        "de": (
            r"dementiert|dementi|weist[^.;]{0,40}zurück|zurückgewiesen|bestreitet|bestritten|haltlos|keine (?:gespräche"
            r"|verhandlungen)"
        ),
        "en": (
            r"deni(?:ed|es)\b|deny\b|dismissed[^.;]{0,30}(?:report|rumou?r)|rejected[^.;]{0,30}(?:report|rumou?r)"
            r"|baseless|unfounded|(?:no|not in) (?:talks|negotiations)"
        ),
        "es": (
            r"desmient|desmintió|niega|negó|infundad|no (?:hay|mantiene|existen) (?:conversaciones|negociaciones)"
            r"|ninguna negociación"
        ),
        "fr": r"dément|démenti|a nié|nie\b|infondé|aucune (?:discussion|négociation)",
        "pt": (
            r"desment|nega\b|negou|infundad|não (?:há|existem|mantém) (?:conversações|negociações)|nenhuma negociação"
        ),
        "nl": r"ontkent|ontkende|ontkend|spreekt[^.;]{0,30}tegen|tegengesproken|geen (?:gesprekken|onderhandelingen)",
        "pl": (
            r"zaprzecz|zdementował|dementuje|dementi|nie (?:prowadzi|prowadzimy|ma) (?:żadnych )?(?:rozmów|negocjacji)"
        ),
    },
    "rumoured": {
        "it": (
            r"indiscrezion|rumor|si vocifera|voci\b|pare che|sembra|sarebbe|sarebbero|avrebbe|avrebbero|potrebbe"
            r"|fonti (?:vicine|anonime|interne|informate)|secondo fonti|ipotesi|presunt"
        ),
        "de": (
            r"angeblich|gerücht|insider|offenbar|soll\b|sollen\b|wolle\b|wollen angeblich|werde\b|seien\b|stehe\b"
            r"|demnach|berichten zufolge|könnte|vermutlich|spekul|informierten kreisen|kreisen zufolge|verlautet"
            r"|unter berufung auf|branchenkreisen"
        ),
        "en": (
            r"reportedly|rumou?r|sources? (?:said|say|familiar|close)|people familiar|according to (?:sources|people"
            r"|insiders)|is said to|are said to|alleged|speculat|insiders|in talks|could\b|would\b"
        ),
        "es": (
            r"según fuentes|fuentes (?:cercanas|anónimas|consultadas)|rumor|habría|habrían|estaría|estarían|podría"
            r"|supuestamente|al parecer|presunt"
        ),
        "fr": (
            r"aurait|auraient|serait|seraient|pourrait|selon des sources|selon nos informations"
            r"|d'après nos informations|d’après nos informations|rumeur|des sources proches|selon plusieurs sources"
            r"|présum"
        ),
        "pt": (
            r"segundo fontes|fontes (?:próximas|ouvidas|anônimas|anónimas)|rumor|teria\b|teriam|estaria|estariam"
            r"|poderia|supostamente|alegadamente|terá\b|terão\b|estará a|estarão a"
        ),
        "nl": r"zou\b|zouden|naar verluidt|volgens bronnen|bronnen (?:rond|dicht)|gerucht|ingewijden|mogelijk",
        "pl": (
            r"podobno|rzekomo|nieoficjaln|plotk|miałby|miałaby|miałoby|według źródeł|źródła zbliżone|spekul|mógłby"
            r"|mogłaby"
        ),
    },
    "planned": {
        "it": r"previst|prevede di|pianifica|intende|punta a|sarà lanciat|verrà|in programma|entro (?:la fine|il)",
        "de": (
            r"geplant|plant\b|planen|will\b|wollen\b|vorgesehen|soll[^.;]{0,40}(?:kommen|erscheinen|starten)"
            r"|beabsichtigt|im laufe des"
        ),
        "en": (
            r"plans? to|planned|will\b|intends|expected to|is set to|are set to|scheduled|aims to|due to (?:launch"
            r"|close|complete)"
        ),
        "es": r"planea|prevé|previst|tiene previsto|va a|pretende|está programad|se espera",
        "fr": r"prévoit|prévu|compte\b|va\b|entend\b|envisage|devrait|devraient|doit\b",
        "pt": r"planeja|planeia|prevê|previst|vai\b|pretende|deve\b|espera-se",
        "nl": r"van plan|plant\b|wil\b|willen\b|zal\b|zullen|gepland|verwacht",
        "pl": r"planuje|zamierza|ma zamiar|będzie|zaplanowan|ma trafić|ma się",
    },
    "confirmed": {
        "it": (
            r"annunciat|annuncia|comunicat|dichiarazione|ha dichiarato|dichiara\b|conferm|ufficial|in una nota"
            r"|ha reso noto|rende noto"
        ),
        "de": (
            r"bekanntgegeben|gibt[^.;]{0,30}bekannt|gab[^.;]{0,30}bekannt|kündigte[^.;]{0,60}an|angekündigt|bestätigt"
            r"|teilte[^.;]{0,40}mit|mitgeteilt|offiziell|pressemitteilung|erklärte"
        ),
        "en": r"announc|confirm|said in a statement|statement|officially|press release|unveiled|said on|told reporters",
        "es": r"anunci|confirm|comunicado|oficial|ha informado|informó|declaró",
        "fr": r"annonc|confirm|communiqué|officiel|a déclaré|a indiqué",
        "pt": r"anunci|confirm|comunicado|oficial|informou|declarou",
        "nl": (
            r"maakt(?:e)?[^.;]{0,30}bekend|bekendgemaakt|kondigt(?:e)?[^.;]{0,40}aan|aangekondigd|bevestig|officieel"
            r"|persbericht"
        ),
        "pl": r"ogłosił|ogłasza|ogłoszon|potwierdz|komunikat|oficjalnie|poinformował|poinformowała",
    },
}
# Rumours named as what an event ends or follows are no hedge on it: "confirmed ..., putting an end to weeks
# of speculation", "after reports that ...", "denied the rumours".
RUMOUR_AS_TOPIC = {
    "it": (
        r"(?:fine|termine) (?:a|alle|ai) (?:settimane di |mesi di )?(?:voci|indiscrezioni|speculazioni|rumor)"
        r"|dopo (?:le |settimane di |mesi di )?(?:voci|indiscrezioni|speculazioni|rumor)"
    ),
    "de": (
        r"(?:nach|beendet|ende)[^.;]{0,25}(?:gerücht|spekulation)|(?:gerüchte|spekulationen)[^.;]{0,20}(?:ein ende"
        r"|beendet)"
    ),
    "en": (
        r"(?:end|ending|ended|ends|close|closing)\s+(?:to\s+)?(?:weeks|months|days|years)?\s*(?:of\s+)?(?:speculation"
        r"|rumou?rs)|(?:after|following|amid|despite)\s+(?:weeks\s+of\s+|months\s+of\s+)?(?:speculation|rumou?rs)"
        r"|(?:denied|dismissed|rejected|denies|dismisses|rejects)[^.;]{0,20}(?:speculation|rumou?rs)"
    ),
    "es": (
        r"(?:fin|término) a (?:las |semanas de |meses de )?(?:especulaci|rumor)|tras (?:las |semanas de "
        r"|meses de )?(?:especulaci|rumor)"
    ),
    "fr": (
        r"(?:fin|terme) (?:à|aux) (?:des )?(?:semaines de |mois de )?(?:rumeur|spéculation)|après (?:des "
        r"|plusieurs )?(?:semaines de |mois de )?(?:rumeur|spéculation)"
    ),
    "pt": (
        r"fim (?:a|às|aos) (?:semanas de |meses de )?(?:especulaç|rumor)|após (?:semanas de |meses de )?(?:especulaç"
        r"|rumor)"
    ),
    "nl": (
        r"einde (?:aan|maakt aan) (?:de |weken )?(?:speculatie|gerucht)|na (?:weken van |maanden van )?(?:speculatie"
        r"|gerucht)"
    ),
    "pl": r"kres (?:spekulacj|plotk)|po (?:tygodniach |miesiącach )?(?:spekulacj|plotk)",
}
# "founded in 2019", "fondata nel 2019": a date that says when a party was founded dates no event of the sentence.
FOUNDED = {
    "it": r"fondat[aoie]|nat[aoie]|costituit[aoie]",
    "de": r"gegründet|gründete|gründung",
    "en": r"founded|established|set up|incorporated",
    "es": r"fundad[ao]s?|cread[ao]s?|fundó|fundación",
    "fr": r"fondée?s?|créée?s?|fondation",
    "pt": r"fundad[ao]s?|criad[ao]s?|fundou|fundação",
    "nl": r"opgericht|oprichting",
    "pl": r"założon[aeyi]|założył[aoy]?|powstał[aoy]?",
}
# A rumour the parties would not comment on stays a rumour: these words must not read as statements.
NO_COMMENT = {
    "it": r"non ha (?:voluto )?commentat|nessun commento|non commenta|non ha rilasciato",
    "de": r"nicht (?:äußern|kommentieren|bestätigen)|wollte sich[^.;]{0,30}nicht|kein kommentar|keine stellungnahme",
    "en": (
        r"declined to comment|did not (?:respond|comment|confirm)|no comment|would not comment|not immediately respond"
        r"|has not confirmed"
    ),
    "es": r"no ha (?:querido )?comentar|declinó comentar|no quiso comentar|sin comentarios|no ha confirmado",
    "fr": (
        r"n'a pas (?:souhaité )?commenter|n’a pas (?:souhaité )?commenter|pas souhaité|refusé de commenter|pas confirmé"
        r"|sans commentaire"
    ),
    "pt": r"não (?:quis )?comentar|não comentou|não confirmou|não respondeu",
    "nl": r"wil(?:de)?[^.;]{0,20}niet reageren|geen commentaar|niet bevestigen|niet bevestigd",
    "pl": r"nie skomentował|odmówił komentarza|odmówiła komentarza|nie potwierdził|bez komentarza",
}

# Where a sentence splits into clauses: subordinating words (events on each side stay apart).
CLAUSE_BREAKS = {
    "it": r"dopo (?:aver|avere|che)|mentre|perché|poiché|prima di|dopodiché",
    "de": r"nachdem|während|weil|bevor|obwohl",
    "en": r"after|while|because|before|although|whereas",
    "es": r"después de|tras|mientras|porque|antes de|aunque",
    "fr": r"après (?:avoir|que)|alors que|tandis que|parce que|avant de",
    "pt": r"depois de|após|enquanto|porque|antes de",
    "nl": r"nadat|terwijl|omdat|voordat",
    "pl": r"po tym jak|podczas gdy|ponieważ|zanim",
}
# Relative pronouns: a clause they open refers back to the nearest named thing before it.
RELATIVE = {
    "it": r"(?:il|la|i|le) cui|cui|che|il quale|la quale",
    "de": r"der|die|das|deren|dessen|welche|welcher",
    "en": r"which|whose|who|that",
    "es": r"que|cuyo|cuya|cuyos|cuyas|quien|el cual|la cual",
    "fr": r"qui|que|dont|lequel|laquelle",
    "pt": r"que|cujo|cuja|o qual|a qual",
    "nl": r"die|dat|wiens|wier|waarvan",
    "pl": r"który|która|które|którego|której|których",
}
# "according to X": X is who says it.
ACCORDING_TO = {
    "it": r"secondo|stando a|come riporta|riporta",
    "de": r"laut|nach angaben von|zufolge|berichtet",
    "en": r"according to|reported by|reports|told",
    "es": r"según|de acuerdo con|informa",
    "fr": r"selon|d'après|d’après|rapporte",
    "pt": r"segundo|de acordo com|conforme|informa|avança|noticia",
    "nl": r"volgens|meldt",
    "pl": r"według|jak podaje|podaje|informuje",
}
# Prepositions that introduce the other party of a two-party event ("a partnership with Sharp").
WITH = {
    "it": r"con",
    "de": r"mit",
    "en": r"with",
    "es": r"con",
    "fr": r"avec",
    "pt": r"com",
    "nl": r"met",
    "pl": r"z|ze",
}
# "Jointly": every company of the sentence takes part ("Leica and Xiaomi will jointly develop a phone").
JOINTLY = {
    "it": r"congiuntamente|insieme",
    "de": r"gemeinsam",
    "en": r"jointly|together",
    "es": r"conjuntamente|juntos|juntas",
    "fr": r"conjointement|ensemble",
    "pt": r"conjuntamente|juntos|juntas",
    "nl": r"samen|gezamenlijk",
    "pl": r"wspólnie|razem",
}
# What a trigger must not be about, within a few words after it ("presented an offer" is no product launch).
NOT_AFTER = {
    "product_launch": (
        r"[^.;]{0,40}(?:offert|offer|angebot|oferta|offre|\bbod\b|ofert|ricorso|appeal|esposto|dimission|resignation|"
        r"risultat|results|ergebnis|résultats|resultados|conti\b|bilancio|piano\b|plan\b|denuncia|klage|plainte"
        r"|demanda)"
    ),
}
