"""Trailing related-article blocks on pasted pages are page furniture, in every language.

The headline lines are recognised by their shape (short, no full stop, list markers, tags, dates),
so a block under an unknown heading, or under none, goes too; the article's own last paragraph,
a short last sentence, a closing quote and a list in the middle of the body stay.
All pages below were written for these tests: companies, people and headlines are fictional.
"""

from __future__ import annotations

import pytest

from storyline import RawDocument, extract_article, ingest, open_store
from storyline.extract.text import parse_dump

# name -> (page, exact end of the extracted text, phrases that must not be in it)
CUT: dict[str, tuple[str, str, list[str]]] = {
    "de_known_heading": (
        "Brantner Logistik baut neues Verteilzentrum bei Augsburg\n\n"
        "Von Petra Lindner | 12. März 2025\n\n"
        "Der Logistikkonzern Brantner will bis Ende 2026 ein neues Verteilzentrum in Gersthofen bei Augsburg "
        "errichten. Das Unternehmen investiert nach eigenen Angaben rund 140 Millionen Euro in den Standort.\n\n"
        "In der ersten Ausbaustufe sollen dort etwa 600 Arbeitsplätze entstehen, vor allem in der Lagerlogistik "
        "und in der Fahrzeugdisposition. Die Gemeinde hatte den Bebauungsplan bereits im Herbst genehmigt.\n\n"
        "Kritik kommt von Anwohnern, die mehr Lastwagenverkehr auf der Bundesstraße befürchten. Brantner kündigte "
        "an, einen Teil der Transporte auf die Schiene zu verlagern.\n\n"
        "Mehr zum Thema\n"
        "Brantner steigert Umsatz trotz schwacher Konjunktur\n"
        "Neue Güterbahnstrecke zwischen Augsburg und Ulm geplant\n"
        "Lagerlogistik: Wo in Bayern noch Flächen frei sind\n",
        "einen Teil der Transporte auf die Schiene zu verlagern.",
        ["Mehr zum Thema", "Brantner steigert Umsatz", "Güterbahnstrecke"],
    ),
    "en_known_heading_title_case_tags": (
        "Halvorsen Foods Agrees to Buy Snack Maker Crisply for $1.2 Billion\n\n"
        "By Jane Roe | May 23, 2025\n\n"
        "Halvorsen Foods said on Thursday it had agreed to buy the snack maker Crisply for $1.2 billion in cash, "
        "the largest acquisition in the company's history.\n\n"
        "The deal gives Halvorsen a foothold in the fast-growing market for baked vegetable chips, where Crisply "
        "holds about a fifth of supermarket sales in the United States.\n\n"
        "Halvorsen expects the transaction to add to earnings from the second year and plans to keep Crisply's "
        "factory in Ohio open. Regulators in both countries still have to approve the purchase.\n\n"
        "Related stories\n"
        "Halvorsen Foods Names New Chief Financial Officer (May 2, 2025)\n"
        "Why Snack Makers Are Betting on Vegetables [VIDEO]\n"
        "Crisply Founder Says Company Is Not for Sale - Jan 14, 2025\n",
        "Regulators in both countries still have to approve the purchase.",
        ["Related stories", "Chief Financial Officer", "[VIDEO]", "Not for Sale"],
    ),
    "it_known_heading_bullets": (
        "Ferrandi Costruzioni vince l'appalto per la nuova linea del tram di Verona\n\n"
        "di Marco Levanti | 4 aprile 2025\n\n"
        "Ferrandi Costruzioni si è aggiudicata l'appalto da 310 milioni di euro per la nuova linea del tram di "
        "Verona. I lavori dovrebbero iniziare in autunno e durare circa quattro anni.\n\n"
        "La linea collegherà la stazione di Porta Nuova con il quartiere di Borgo Roma e avrà diciotto fermate. "
        "Il comune prevede un servizio ogni sei minuti nelle ore di punta.\n\n"
        "Le associazioni dei commercianti chiedono indennizzi per i negozi lungo il percorso durante i cantieri.\n\n"
        "Leggi anche\n"
        "• Tram di Verona, il progetto definitivo in consiglio comunale\n"
        "• Ferrandi Costruzioni chiude il 2024 con ricavi record\n"
        "• Cantieri in città, come cambia la viabilità (foto)\n",
        "lungo il percorso durante i cantieri.",
        ["Leggi anche", "progetto definitivo", "ricavi record", "(foto)"],
    ),
    "fr_known_heading_dashes": (
        "Le groupe Maraval va fermer son usine de pneus près de Clermont-Ferrand\n\n"
        "Publié le 3 mars 2025 à 14h20\n\n"
        "Le fabricant de pneumatiques Maraval a annoncé mardi la fermeture de son usine de Gerzat d'ici la fin "
        "de l'année prochaine. Le site emploie aujourd'hui 380 salariés.\n\n"
        "La direction invoque la baisse des ventes de pneus pour camions en Europe et la concurrence des "
        "importations asiatiques. Les syndicats dénoncent une décision prise sans concertation.\n\n"
        "Un plan de reclassement doit être présenté aux représentants du personnel à la fin du mois.\n\n"
        "À lire aussi\n"
        "- Pneumatiques : le marché européen recule pour la deuxième année (photo)\n"
        "- Maraval : les syndicats appellent à la grève\n"
        "- Auvergne : l'industrie automobile inquiète\n",
        "à la fin du mois.",
        ["À lire aussi", "le marché européen recule", "appellent à la grève"],
    ),
    "fr_same_subject": (
        "La start-up Lumisol lève 40 millions d'euros pour ses panneaux solaires souples\n\n"
        "Publié le 9 juin 2025\n\n"
        "La jeune pousse lyonnaise Lumisol a levé 40 millions d'euros auprès de fonds européens pour "
        "industrialiser ses panneaux solaires souples, destinés aux toits des entrepôts.\n\n"
        "L'entreprise prévoit d'ouvrir une ligne de production à Vénissieux en 2026 et de recruter une "
        "centaine de techniciens dans les deux prochaines années.\n\n"
        "Sur le même sujet\n"
        "Solaire : les entrepôts, nouveau gisement pour les installateurs\n"
        "Lumisol signe un premier contrat avec un logisticien\n",
        "dans les deux prochaines années.",
        ["Sur le même sujet", "nouveau gisement", "premier contrat"],
    ),
    "es_known_heading_numbered": (
        "Navarra Textil cerrará su fábrica de Alcoy y trasladará la producción a Marruecos\n\n"
        "Fuente: www.ejemplo.es - 12/10/2025 18:40\n\n"
        "La empresa Navarra Textil ha comunicado a la plantilla el cierre de su fábrica de Alcoy, donde "
        "trabajan 210 personas, y el traslado de la producción a Tánger a lo largo del próximo año.\n\n"
        "Según la dirección, los costes de la energía y la caída de los pedidos de las grandes cadenas hacen "
        "inviable mantener la actividad en España.\n\n"
        "Los sindicatos han convocado una concentración frente a la fábrica para el próximo lunes.\n\n"
        "Noticias relacionadas\n"
        "1. El sector textil valenciano pierde otras tres fábricas en 2025\n"
        "2. Navarra Textil negocia un ERE para 60 trabajadores\n"
        "3. Tánger, el nuevo polo de la confección europea\n",
        "frente a la fábrica para el próximo lunes.",
        ["Noticias relacionadas", "pierde otras tres fábricas", "negocia un ERE"],
    ),
    "es_lee_tambien": (
        "Aguas del Turia invertirá 90 millones en renovar la red de Valencia\n\n"
        "Publicado el 2 de febrero de 2025\n\n"
        "La empresa Aguas del Turia invertirá 90 millones de euros en los próximos cinco años para renovar "
        "tuberías de la red de abastecimiento de Valencia, algunas con más de sesenta años.\n\n"
        "El plan prevé sustituir 120 kilómetros de conducciones y reducir las pérdidas de agua a la mitad.\n\n"
        "Lee también\n"
        "La sequía obliga a restringir el riego en la huerta valenciana\n"
        "Aguas del Turia sube la tarifa un 4% en 2025\n",
        "reducir las pérdidas de agua a la mitad.",
        ["Lee también", "La sequía obliga", "sube la tarifa"],
    ),
    "pt_known_heading": (
        "Companhia Ribeira Verde compra três parques eólicos no Alentejo\n\n"
        "Fonte: exemplo.com.br - 7 de outubro de 2025\n\n"
        "A Companhia Ribeira Verde anunciou a compra de três parques eólicos no Alentejo por 260 milhões de "
        "euros, uma operação que duplica a sua capacidade instalada em Portugal.\n\n"
        "Os parques somam 180 megawatts e abastecem o equivalente a cerca de 150 mil casas. A empresa quer "
        "ainda instalar baterias junto das turbinas para armazenar a energia produzida à noite.\n\n"
        "A conclusão do negócio depende da autorização da Autoridade da Concorrência.\n\n"
        "Leia também\n"
        "Ribeira Verde lucra 85 milhões no primeiro semestre\n"
        "Energia eólica bate recorde de produção em setembro\n"
        "Alentejo atrai novos projetos de baterias\n",
        "depende da autorização da Autoridade da Concorrência.",
        ["Leia também", "lucra 85 milhões", "bate recorde"],
    ),
    "nl_known_heading_stars": (
        "Fietsfabrikant Veldkamp opent nieuwe fabriek in Zwolle\n\n"
        "Bron: voorbeeld.nl, 2 juni 2025\n\n"
        "Fietsfabrikant Veldkamp opent in het najaar een nieuwe fabriek in Zwolle, waar jaarlijks 200.000 "
        "elektrische fietsen van de band moeten rollen. Het bedrijf investeert 75 miljoen euro.\n\n"
        "Volgens directeur Sanne de Groot is de vraag naar elektrische bakfietsen de afgelopen twee jaar "
        "verdubbeld. Er komen ongeveer 350 nieuwe banen bij.\n\n"
        "De provincie Overijssel draagt 5 miljoen euro bij aan de aanleg van een nieuwe ontsluitingsweg.\n\n"
        "Gerelateerde artikelen\n"
        "* Verkoop van e-bikes stijgt opnieuw\n"
        "* Veldkamp neemt Duitse onderdelenleverancier over\n"
        "* Zwolle wil meer maakindustrie naar de stad halen\n",
        "aanleg van een nieuwe ontsluitingsweg.",
        ["Gerelateerde artikelen", "Verkoop van e-bikes", "Duitse onderdelenleverancier"],
    ),
    "nl_lees_ook": (
        "Zuivelcoöperatie Lindehoeve sluit melkfabriek in Friesland\n\n"
        "Bron: voorbeeld.nl, 14 mei 2025\n\n"
        "Zuivelcoöperatie Lindehoeve sluit volgend jaar haar melkfabriek in Dokkum. De productie verhuist naar "
        "de vestiging in Leeuwarden, waar de coöperatie de komende jaren wil uitbreiden.\n\n"
        "Het gaat om 140 banen. De vakbond wil dat alle medewerkers een plek in Leeuwarden krijgen aangeboden.\n\n"
        "Lees ook\n"
        "Melkprijs daalt voor derde maand op rij\n"
        "Lindehoeve zet in op kaas voor de export\n",
        "een plek in Leeuwarden krijgen aangeboden.",
        ["Lees ook", "Melkprijs daalt", "kaas voor de export"],
    ),
    "pl_known_heading_middots": (
        "Spółka Borlex zbuduje magazyn energii pod Bełchatowem\n\n"
        "Opublikowano: 14.02.2024, 08:30\n\n"
        "Spółka Borlex zbuduje w gminie Kleszczów magazyn energii o mocy 200 megawatów. Inwestycja ma "
        "kosztować około 900 mln zł i zostać ukończona w 2027 roku.\n\n"
        "Magazyn będzie przechowywał nadwyżki energii z farm fotowoltaicznych, które powstały na terenach po "
        "dawnej kopalni. Prezes spółki Adam Wrona zapowiedział, że przy budowie pracować będzie 300 osób.\n\n"
        "Umowę z wykonawcą spółka chce podpisać jeszcze przed wakacjami.\n\n"
        "Czytaj także\n"
        "· Borlex z rekordowym zyskiem w 2023 roku\n"
        "· Magazyny energii. Polska goni Niemcy\n"
        "· Kleszczów stawia na odnawialne źródła energii\n",
        "spółka chce podpisać jeszcze przed wakacjami.",
        ["Czytaj także", "rekordowym zyskiem", "Kleszczów stawia"],
    ),
    "pl_zobacz_tez": (
        "Sieć Zielony Koszyk otworzy 40 nowych sklepów w 2025 roku\n\n"
        "Źródło: przyklad.pl, 5 listopada 2025\n\n"
        "Sieć Zielony Koszyk otworzy w przyszłym roku 40 nowych sklepów, głównie w miastach poniżej 50 tysięcy "
        "mieszkańców. Firma zainwestuje w ekspansję około 120 mln zł.\n\n"
        "Nowe placówki mają mieć mniejszą powierzchnię niż dotychczasowe i szerszą ofertę produktów lokalnych.\n\n"
        "Zobacz też\n"
        "Handel w małych miastach rośnie szybciej niż w metropoliach\n"
        "Zielony Koszyk testuje kasy samoobsługowe\n",
        "szerszą ofertę produktów lokalnych.",
        ["Zobacz też", "Handel w małych miastach", "kasy samoobsługowe"],
    ),
    "en_more_on_this_bullets": (
        "Northway Rail Orders 40 New Trains From Kestrel Works\n\n"
        "Source: example.com — Nov 5, 2025 4:30 PM\n\n"
        "Northway Rail has ordered 40 battery-electric trains from the manufacturer Kestrel Works in a deal "
        "worth about £900 million, the operator said on Wednesday.\n\n"
        "The trains will replace diesel units on branch lines in the north of England from 2028. Kestrel "
        "Works said the order would secure 1,200 jobs at its plant in Derby.\n\n"
        "More on this\n"
        "- Kestrel Works Wins Contract for Scottish Sleeper Trains\n"
        "- Why Battery Trains Are Back on Britain's Branch Lines\n",
        "secure 1,200 jobs at its plant in Derby.",
        ["More on this", "Scottish Sleeper Trains", "Battery Trains"],
    ),
    "en_you_may_also_like": (
        "Copperleaf Bank Cuts 300 Jobs in Branch Network Overhaul\n\n"
        "By John Doe | October 2, 2025\n\n"
        "Copperleaf Bank will cut 300 jobs and close 45 branches over the next year as more of its customers "
        "move to mobile banking, the lender said on Monday.\n\n"
        "The bank said most of the affected staff would be offered roles in its customer service centres. "
        "Unions said they would seek talks with management this week.\n\n"
        "You may also like\n"
        "Copperleaf Bank Reports Higher Quarterly Profit\n"
        "How Mobile Banking Changed the High Street\n"
        "Regional Lenders Face Pressure to Keep Branches Open\n",
        "seek talks with management this week.",
        ["You may also like", "Higher Quarterly Profit", "High Street"],
    ),
    # Headings that no cue lists: the block is cut by the shape of its lines.
    "de_unknown_heading": (
        "Kellner Pharma streicht 400 Stellen in Marburg\n\n"
        "Von Max Mustermann, 12. März 2024\n\n"
        "Der Arzneimittelhersteller Kellner Pharma will an seinem Standort in Marburg 400 Stellen abbauen. "
        "Betroffen sind vor allem die Verwaltung und die Produktion von Generika.\n\n"
        "Das Unternehmen begründet den Schritt mit dem Preisdruck bei Nachahmerpräparaten. Der Betriebsrat "
        "kündigte Widerstand an und verlangt Verhandlungen über einen Sozialplan.\n\n"
        "Die Landesregierung will in der kommenden Woche mit der Geschäftsführung sprechen.\n\n"
        "Das könnte Sie ebenfalls interessieren\n"
        "Generika-Hersteller unter Druck: Wie es für die Branche weitergeht\n"
        "Kellner Pharma meldet Gewinneinbruch im dritten Quartal\n"
        "Marburg hofft auf neue Ansiedlungen in der Biotechnologie\n",
        "in der kommenden Woche mit der Geschäftsführung sprechen.",
        ["Das könnte Sie ebenfalls", "Generika-Hersteller unter Druck", "Gewinneinbruch"],
    ),
    "de_unknown_short_heading": (
        "Stadtwerke Lorbach erhöhen die Gaspreise zum Jahreswechsel\n\n"
        "Quelle: beispiel.de | 03.04.2025, 09:15\n\n"
        "Die Stadtwerke Lorbach erhöhen zum 1. Januar die Gaspreise für Haushaltskunden um durchschnittlich "
        "acht Prozent. Eine Familie mit einem Verbrauch von 20.000 Kilowattstunden zahlt dann rund 130 Euro "
        "mehr im Jahr.\n\n"
        "Als Grund nennt der Versorger gestiegene Netzentgelte und höhere Kosten für den Einkauf.\n\n"
        "Weitere Meldungen\n"
        "Netzentgelte steigen in ganz Hessen (03.04.2025)\n"
        "Lorbach plant Wärmenetz für die Innenstadt (28.03.2025)\n",
        "höhere Kosten für den Einkauf.",
        ["Weitere Meldungen", "Netzentgelte steigen", "Wärmenetz"],
    ),
    "it_unknown_heading": (
        "Pastificio Morandi apre un nuovo stabilimento in Puglia\n\n"
        "Pubblicato il 7 luglio 2023 alle 18:05\n\n"
        "Il Pastificio Morandi aprirà entro la fine del 2024 un nuovo stabilimento a Foggia, con un investimento "
        "di 65 milioni di euro e circa 180 nuovi posti di lavoro.\n\n"
        "Lo stabilimento lavorerà soltanto grano duro coltivato in Puglia e in Basilicata, grazie a contratti "
        "di filiera firmati con tre consorzi agricoli della zona.\n\n"
        "Dalla stessa sezione\n"
        "Grano duro, i prezzi tornano a salire dopo due anni\n"
        "Foggia, la zona industriale attira nuovi investitori\n"
        "Morandi punta sull'export negli Stati Uniti\n",
        "tre consorzi agricoli della zona.",
        ["Dalla stessa sezione", "Grano duro, i prezzi", "export negli Stati Uniti"],
    ),
    "pl_unknown_heading": (
        "Firma Drewmax przejmuje producenta okien z Podkarpacia\n\n"
        "Autor: Katarzyna Bielawska, 18 września 2025, 07:30\n\n"
        "Producent mebli Drewmax przejmie rzeszowską spółkę Okna Sanu za 210 mln zł. Transakcja wymaga jeszcze "
        "zgody Urzędu Ochrony Konkurencji i Konsumentów.\n\n"
        "Dzięki przejęciu Drewmax chce wejść na rynek stolarki budowlanej, który w ostatnich latach rósł "
        "szybciej niż rynek mebli.\n\n"
        "Przeczytaj również\n"
        "Rynek okien w Polsce wraca do wzrostu\n"
        "Drewmax z nową fabryką w Mielcu\n",
        "szybciej niż rynek mebli.",
        ["Przeczytaj również", "Rynek okien", "nową fabryką w Mielcu"],
    ),
    # Swedish: no related-links cue of this language is listed anywhere.
    "sv_unknown_language_heading": (
        "Skogsbolaget Norrvik bygger nytt sågverk i Umeå\n\n"
        "Skogsbolaget Norrvik ska bygga ett nytt sågverk i Umeå för omkring 1,5 miljarder kronor. Bygget "
        "startar i vår och sågverket beräknas vara i drift om två år.\n\n"
        "Det nya sågverket ska ge cirka 120 arbetstillfällen och ersätta två äldre anläggningar i regionen. "
        "Bolaget räknar med att öka sin produktion av trävaror med en tredjedel.\n\n"
        "Läs också\n"
        "Norrvik ökar vinsten trots svag byggmarknad\n"
        "Sågverken i norr har svårt att hitta personal\n"
        "Umeå växer snabbast bland Norrlands städer\n",
        "produktion av trävaror med en tredjedel.",
        ["Läs också", "ökar vinsten", "svårt att hitta personal"],
    ),
    # No heading at all: three headline lines after the last paragraph.
    "en_no_heading": (
        "Ashford Motors Recalls 80,000 Vans Over Brake Fault\n\n"
        "By Jane Roe | May 23, 2022\n\n"
        "Ashford Motors is recalling about 80,000 delivery vans in Europe because a faulty brake hose can leak "
        "fluid, the carmaker said on Tuesday.\n\n"
        "Owners will be contacted by letter, and dealers will replace the part free of charge. The company said "
        "it was not aware of any accidents linked to the fault.\n\n"
        "Ashford Motors Shares Slip After Weak Sales Forecast\n"
        "Electric Van Sales Double in Germany\n"
        "Inside the Factory Building Europe's Cheapest Van\n",
        "not aware of any accidents linked to the fault.",
        ["Shares Slip", "Electric Van Sales", "Cheapest Van"],
    ),
    "it_no_heading_dated": (
        "Gruppo Saletti investe 120 milioni nell'acciaieria di Terni\n\n"
        "24-05-2022 15:02 - Fonte: www.esempio.it\n\n"
        "Il Gruppo Saletti investirà 120 milioni di euro nei prossimi tre anni per ammodernare l'acciaieria di "
        "Terni, con un nuovo forno elettrico che ridurrà le emissioni di anidride carbonica.\n\n"
        "L'accordo con la Regione prevede anche la formazione di 200 giovani tecnici e il mantenimento degli "
        "attuali livelli occupazionali.\n\n"
        "Acciaio, la produzione italiana torna a crescere - 22/05/2022\n"
        "Terni, firmato il protocollo per la decarbonizzazione - 20/05/2022\n"
        "Saletti, il nuovo piano industriale in cinque punti - 18/05/2022\n",
        "il mantenimento degli attuali livelli occupazionali.",
        ["torna a crescere", "protocollo per la decarbonizzazione", "cinque punti"],
    ),
}

# name -> (page, exact end of the extracted text, phrases that must stay in it)
KEEP: dict[str, tuple[str, str, list[str]]] = {
    "en_short_last_sentence": (
        "Pinebrook Energy to Sell Its Gas Storage Unit to Delta Holdings\n\n"
        "By Jane Roe | May 23, 2025\n\n"
        "Pinebrook Energy has agreed to sell its gas storage business to Delta Holdings for $640 million as it "
        "focuses on wind and solar projects, the company said on Friday.\n\n"
        "The storage unit operates four underground sites in Texas and Louisiana and employs about 300 people, "
        "who will move to Delta Holdings with the business.\n\n"
        "Next Steps\n"
        "The deal is expected to close in March.\n",
        "The deal is expected to close in March.",
        ["Next Steps"],
    ),
    "de_key_figures_in_the_middle": (
        "Orbita Elektronik legt Zahlen für 2024 vor\n\n"
        "Von Max Mustermann, 12. März 2025\n\n"
        "Der Elektronikkonzern Orbita hat im vergangenen Jahr deutlich mehr verdient. Die wichtigsten Zahlen "
        "im Überblick:\n\n"
        "• Umsatz: 4,2 Milliarden Euro (plus 6 Prozent)\n"
        "• Gewinn vor Steuern: 380 Millionen Euro\n"
        "• Beschäftigte Ende des Jahres: 12.400\n\n"
        "Vorstandschefin Anja Weller sprach von einem Rekordjahr, warnte aber vor einer schwächeren Nachfrage "
        "aus der Autoindustrie in den kommenden Monaten.\n\n"
        "Die Dividende soll auf 1,10 Euro je Aktie steigen.\n",
        "Die Dividende soll auf 1,10 Euro je Aktie steigen.",
        ["• Umsatz: 4,2 Milliarden Euro", "• Beschäftigte Ende des Jahres: 12.400", "Rekordjahr"],
    ),
    "en_bullet_headlines_in_the_middle": (
        "Marlow Shipping Outlines Its Plan for 2026\n\n"
        "By John Doe | October 2, 2025\n\n"
        "Marlow Shipping presented its strategy for the coming year to investors in London on Thursday. The "
        "plan has three parts:\n\n"
        "- Ten New Container Ships Ordered From Korean Yards\n"
        "- A Joint Venture With a Port Operator in Rotterdam\n"
        "- Lower Emissions Through Slower Sailing Speeds\n\n"
        "Chief executive Laura Finch said the company would pay for the ships from its own cash and would not "
        "need to raise new capital.\n",
        "would not need to raise new capital.",
        ["- Ten New Container Ships Ordered From Korean Yards", "- Lower Emissions Through Slower Sailing Speeds"],
    ),
    "de_key_figures_at_the_end": (
        "Stadtwerke Lorbach legen Bilanz für 2024 vor\n\n"
        "Quelle: beispiel.de | 03.04.2025, 09:15\n\n"
        "Die Stadtwerke Lorbach haben im vergangenen Jahr trotz gesunkener Energiepreise mehr verdient als im "
        "Vorjahr. Geschäftsführer Jens Auer sprach von einem soliden Ergebnis. Die Kennzahlen im Überblick:\n\n"
        "• Umsatz: 310 Millionen Euro\n"
        "• Jahresüberschuss: 14,5 Millionen Euro\n"
        "• Investitionen: 48 Millionen Euro\n",
        "• Investitionen: 48 Millionen Euro",
        ["Die Kennzahlen im Überblick:", "• Umsatz: 310 Millionen Euro"],
    ),
    "en_quote_last_line": (
        "Harbor Lane Coffee Opens Its First Roastery in Portland\n\n"
        "By Jane Roe | May 23, 2025\n\n"
        "Harbor Lane Coffee opened its first roastery on Saturday in a former warehouse on the Portland "
        "waterfront, where it will roast beans for its 60 cafes in the Pacific Northwest.\n\n"
        "The company's founder, Maria Alvarez, started the business from a food truck twelve years ago and "
        "still tastes every new blend herself.\n\n"
        "\u201cWe wanted a place where people can see how their coffee is made,\u201d she said.\n",
        "\u201cWe wanted a place where people can see how their coffee is made,\u201d she said.",
        ["Maria Alvarez"],
    ),
    "it_quote_last_line_no_full_stop": (
        "Officine Brambilla assumono 150 tecnici a Lecco\n\n"
        "di Marco Levanti | 4 aprile 2025\n\n"
        "Le Officine Brambilla assumeranno 150 tecnici nel nuovo reparto di Lecco dedicato alla produzione di "
        "componenti per treni ad alta velocità. Le selezioni partiranno a maggio.\n\n"
        "Il presidente Giorgio Brambilla ha spiegato che l'azienda cerca soprattutto saldatori e manutentori "
        "e che molti dei nuovi assunti arriveranno dagli istituti tecnici della provincia.\n\n"
        "\u00abIl nostro futuro è qui, non all'estero\u00bb\n",
        "\u00abIl nostro futuro è qui, non all'estero\u00bb",
        ["Giorgio Brambilla"],
    ),
    "fr_short_last_paragraph": (
        "Le groupe Maraval rachète un recycleur de pneus en Belgique\n\n"
        "Publié le 3 mars 2025 à 14h20\n\n"
        "Le fabricant de pneumatiques Maraval a racheté la société belge Recygom, spécialisée dans le "
        "recyclage des pneus usagés, pour un montant qui n'a pas été dévoilé.\n\n"
        "Recygom traite chaque année 40 000 tonnes de pneus dans son usine de Liège et emploie 90 personnes.\n\n"
        "L'opération doit être finalisée en juin.\n",
        "L'opération doit être finalisée en juin.",
        ["Recygom traite chaque année"],
    ),
}


@pytest.mark.parametrize("name", sorted(CUT))
def test_trailing_related_block_is_cut(name: str) -> None:
    page, ending, gone = CUT[name]
    dump = parse_dump(page)
    assert dump.text.endswith(ending), dump.text[-300:]
    for phrase in gone:
        assert phrase not in dump.text
    assert len(dump.text.split("\n\n")) >= 2  # the article itself is all there


@pytest.mark.parametrize("name", sorted(KEEP))
def test_the_article_end_stays(name: str) -> None:
    page, ending, kept = KEEP[name]
    dump = parse_dump(page)
    assert dump.text.endswith(ending), dump.text[-300:]
    for phrase in kept:
        assert phrase in dump.text


def test_related_block_before_comments_through_extract_article() -> None:
    page = (
        "Vetreria Colombo raddoppia la produzione di bottiglie a Murano\n\n"
        "di Marco Levanti | 27 febbraio 2025\n\n"
        "La Vetreria Colombo raddoppierà entro il 2026 la produzione di bottiglie per il vino nel suo "
        "stabilimento di Murano, con un investimento di 30 milioni di euro.\n\n"
        "Il nuovo forno elettrico consumerà il 40% di energia in meno rispetto agli impianti a gas.\n\n"
        "Potrebbe interessarti anche\n"
        "- Vino veneto, export in crescita del 7%\n"
        "- Murano, le vetrerie chiedono aiuti per il caro energia\n\n"
        "2 commenti\n\n"
        "Paolo B. ha detto:\n"
        "Finalmente una buona notizia per l'isola.\n"
        "Rispondi\n\n"
        "Anna ha detto:\n"
        "Speriamo che assumano giovani del posto.\n"
        "Rispondi\n\n"
        "Lascia un commento\n"
    )
    article, warnings = extract_article(RawDocument("colombo.txt", page.encode(), "text/plain"))
    assert warnings == []
    assert article.title == "Vetreria Colombo raddoppia la produzione di bottiglie a Murano"
    assert article.authors == ["Marco Levanti"]
    assert article.text.endswith("il 40% di energia in meno rispetto agli impianti a gas.")
    assert "Vino veneto" not in article.text and "Potrebbe interessarti" not in article.text
    assert article.comments == [
        "Finalmente una buona notizia per l'isola.",
        "Speriamo che assumano giovani del posto.",
    ]


def test_pasted_pages_ingested_into_a_store(tmp_path) -> None:
    names = ["de_unknown_heading", "en_no_heading", "nl_known_heading_stars"]
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.txt").write_text(CUT[name][0], encoding="utf-8")
    (folder / "middle_list.txt").write_text(KEEP["de_key_figures_in_the_middle"][0], encoding="utf-8")
    store = open_store(tmp_path / "news.db")
    report = ingest([str(folder)], store)
    assert report.errors == []
    by_file = {a.origin.rsplit("/", 1)[-1]: a for a in store.articles()}
    for name in names:
        text = by_file[f"{name}.txt"].text
        assert text.endswith(CUT[name][1])
        assert all(phrase not in text for phrase in CUT[name][2])
    assert by_file["middle_list.txt"].text.endswith(KEEP["de_key_figures_in_the_middle"][1])
