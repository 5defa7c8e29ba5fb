"""Paragraph classification for pasted pages: article text or web-page boilerplate, in any language.

A pasted page is the article followed (sometimes preceded) by what the browser copied along:
disclosures, share prompts, author bios, related links, newsletter and cookie notices, comment
sections, legal footers. Each paragraph gets a boilerplate score from general features: multilingual
cue phrases by kind, length and sentence punctuation, stopword density, second-person address,
and how much it shares with the article's lead (article paragraphs talk about the same names and
things; boilerplate does not). The cue lexicon is the only language-specific part and lists
the conventional phrases of the web in each language, never the wording of any one page.
A trailing list of links to other articles is found by the shape of its lines (`is_headline`,
`related_block_start`), so it goes under a heading in any wording, or under none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import justext

# Conventional web-page phrases by kind. Matched case-insensitively on word boundaries.
_CUES: dict[str, tuple[str, ...]] = {
    "disclosure": (
        r"affiliate[- ]?links?",
        r"affiliate",
        r"amazon[- ]links?",
        r"partner[- ]?links?",
        r"sponsored",
        r"gesponsert",
        r"sponsoris[ée]",
        r"liens? affili[ée]s?",
        r"enlaces? (?:de )?afiliad[oa]s?",
        r"link (?:di )?affiliazione",
        r"linki? afiliacyjn\w*",
        r"links? (?:de )?afiliad[oa]s?",
        r"links? patrocinad[oa]s?",
        r"bezahlte partnerschaft",
        r"paid partnership",
        r"at no extra cost",
        r"(?:earn|receive|get) a (?:small )?commission",
        r"kleine provision",
        r"eine provision",
        r"ohne mehrkosten",
        r"am preis nichts",
        r"sans frais suppl[ée]mentaires",
        r"une commission",
        r"sin coste adicional",
        r"una (?:peque[ñn]a )?comisi[óo]n",
        r"senza costi aggiuntivi",
        r"una (?:piccola )?commissione",
        r"prowizj\w*",
        r"uma (?:pequena )?comiss[ãa]o",
        r"een (?:kleine )?commissie",
    ),
    "advertising": (
        r"werbung",
        r"anzeige",
        r"pubblicit[àa]",
        r"publicidad",
        r"publicit[ée]",
        r"reklama",
        r"publicidade",
        r"advertentie",
        r"advertisement",
        r"advertising",
    ),
    "share": (
        r"share (?:this|on|via)",
        r"teile?n? (?:ihn|den|diesen|es)",
        r"jetzt teilen",
        r"condividi",
        r"compartir",
        r"comparte",
        r"partag(?:er|ez)",
        r"udost[ęe]pnij",
        r"compartilh[ae]",
        r"partilh[ae]",
        r"deel dit",
        r"facebook",
        r"twitter",
        r"whatsapp",
        r"telegram",
        r"linkedin",
        r"pinterest",
        r"instagram",
        r"follow (?:us|me|him|her)",
        r"folg(?:e|t) (?:uns|mir)",
        r"seguici",
        r"s[íi]guenos",
        r"suivez[- ]nous",
        r"obserwuj",
        r"siga[- ]nos",
        r"volg ons",
        r"gef[äa]llt dir",
        r"like us",
    ),
    "subscribe": (
        r"newsletter",
        r"abonnier\w*",
        r"subscrib\w*",
        r"iscriviti",
        r"suscr[íi]bete",
        r"abonnez[- ]vous",
        r"s'abonner",
        r"subskrybuj",
        r"zapisz si[ęe]",
        r"assine",
        r"inscreva[- ]se",
        r"abonneer",
        r"bolet[íi]n",
        r"rss",
        r"e-?mail[- ]benachrichtigung",
        r"nichts (?:mehr )?verpassen",
        r"never miss",
        r"non perdere",
        r"no te pierdas",
        r"ne manquez",
        r"nie przegap",
        r"n[ãa]o perca",
        r"mis niets",
    ),
    "privacy": (
        r"cookies?",
        r"datenschutz\w*",
        r"privacy",
        r"riservatezza",
        r"privacidad",
        r"confidentialit[ée]",
        r"prywatno[śs]ci",
        r"privacidade",
        r"gdpr",
        r"dsgvo",
        r"rgpd",
        r"rodo",
        r"personenbezogene\w*",
        r"dati personali",
        r"datos personales",
        r"donn[ée]es personnelles",
        r"dane osobowe",
        r"dados pessoais",
        r"persoonsgegevens",
    ),
    "consent": (
        r"akzeptier\w*",
        r"accept(?:er|ez)?",
        r"aceptar",
        r"accetta",
        r"aceitar",
        r"accepteren",
        r"akceptuj\w*",
        r"stimmst du",
        r"stimmen sie",
        r"you agree",
        r"acconsenti",
        r"consentimiento",
        r"consentement",
        r"wyra[żz]am zgod[ęe]",
        r"concorda",
        r"ga je akkoord",
    ),
    "comments": (
        r"\d+ (?:kommentare?|comments?|commenti|commento|comentarios?|commentaires?|komentarz\w*|coment[áa]rios?|reacties?)",
        r"(?:ein|eine|one|un|uno|una|um|jeden|[ée]én) (?:kommentar|comment|commento|comentario|commentaire|komentarz|coment[áa]rio|reactie)",
        r"(?:kommentare|comments|commenti|comentarios|commentaires|komentarze|coment[áa]rios|reacties) ?\(\d+\)",
        r"leave a (?:reply|comment)",
        r"post (?:a )?comment",
        r"add a comment",
        r"schreibe einen kommentar",
        r"lascia un commento",
        r"deja (?:un comentario|una respuesta)",
        r"laisser un commentaire",
        r"dodaj komentarz",
        r"deixe (?:um coment[áa]rio|uma resposta)",
        r"laat een reactie achter",
        r"required fields",
        r"pflichtfelder",
        r"erforderliche felder",
        r"campi obbligatori",
        r"campos obligatorios",
        r"champs obligatoires",
        r"wymagane pola",
        r"campos obrigat[óo]rios",
        r"verplichte velden",
        r"wird nicht ver[öo]ffentlicht",
        r"will not be published",
        r"non sar[àa] pubblicat\w*",
        r"no ser[áa] publicad\w*",
        r"ne sera pas publi[ée]e?",
        r"nie zostanie opublikowany",
        r"n[ãa]o ser[áa] publicad\w*",
        r"wordt niet gepubliceerd",
        r"kommentare? (?:werden )?moderiert",
        r"comments? (?:are )?moderated",
        r"netiquette",
        r"kommentarregeln",
        r"community guidelines",
        r"regole (?:dei|per i) commenti",
        r"normas de (?:participaci[óo]n|la comunidad)",
        r"r[èe]gles de (?:mod[ée]ration|la communaut[ée])",
        r"zasady (?:komentowania|publikacji)",
        r"regras (?:de|da) (?:comunidade|participa[çc][ãa]o)",
        r"reageerregels",
        r"huisregels",
    ),
    "related": (
        r"related (?:posts|articles|stories|news|content|reading)",
        r"read (?:also|next)",
        r"see also",
        r"leggi anche",
        r"lees ook",
        r"[àa] lire aussi",
        r"lire aussi",
        r"ver tambi[ée]n",
        r"te puede interesar",
        r"lee tambi[ée]n",
        r"more on (?:this|that)(?: (?:story|topic))?",
        r"sur le m[êe]me (?:sujet|th[èe]me)",
        r"zobacz (?:te[żz]|tak[żz]e)",
        r"czytaj (?:te[żz]|tak[żz]e)",
        r"leia tamb[ée]m",
        r"veja tamb[ée]m",
        r"neueste beitr[äa]ge",
        r"[äa]hnliche (?:artikel|beitr[äa]ge)",
        r"das k[öo]nnte (?:dich|sie) auch interessieren",
        r"mehr zum thema",
        r"articoli correlati",
        r"art[íi]culos relacionados",
        r"articles? similaires",
        r"podobne artyku[łl]y",
        r"artigos relacionados",
        r"mat[ée]rias relacionadas",
        r"gerelateerde artikelen",
        r"(?:art[íi]culos|noticias|articoli|notizie|articles|artigos|not[íi]cias|mat[ée]rias|artikelen|berichten|"
        r"artyku[łl]y|wiadomo[śs]ci|beitr[äa]ge|nachrichten) (?:relacionad[oa]s|correlat[ie]|similaires|li[ée]s|"
        r"gerelateerde|powi[ąa]zane|verwandte|zum thema)",
        r"zobacz r[óo]wnie[żz]",
        r"lesen sie auch",
        r"auch interessant",
        r"vous aimerez aussi",
        r"potrebbe interessarti",
        r"tamb[ée]m pode gostar",
        r"you (?:may|might) also like",
        r"recent posts",
        r"most read",
        r"pi[ùu] lett[ie]",
        r"meistgelesen\w*",
        r"m[áa]s le[íi]d[oa]s",
        r"les plus lus",
        r"najcz[ęe][śs]ciej czytane",
        r"mais lid[oa]s",
        r"filed under",
    ),
    "taxonomy": (
        r"^\W*(?:tags?|schlagw[öo]rter|stichw[öo]rter|themen|etichette|argomenti|categor(?:y|ies|ie|ia|[íi]as)|"
        r"kategorie\w*|temas?|sujets?|mots[- ]cl[ée]s|th[èe]mes|tematy|tagi|assuntos|onderwerpen|trefwoorden)\s*:",
    ),
    "legal": (
        r"©",
        r"\(c\) \d{4}",
        r"copyright",
        r"all rights reserved",
        r"alle rechte vorbehalten",
        r"tutti i diritti riservati",
        r"todos los derechos reservados",
        r"tous droits r[ée]serv[ée]s",
        r"wszelkie prawa zastrze[żz]one",
        r"todos os direitos reservados",
        r"alle rechten voorbehouden",
        r"impressum",
        r"imprint",
        r"terms of (?:use|service)",
        r"nutzungsbedingungen",
        r"note legali",
        r"aviso legal",
        r"mentions l[ée]gales",
        r"regulamin",
        r"termos de uso",
        r"disclaimer",
        r"partita iva",
        r"haftungsausschluss",
        r"avertissement",
        r"(?:is|does) not (?:constitute )?(?:investment|financial) advice",
        r"keine anlageberatung",
        r"n[ãa]o constitui (?:uma )?recomenda\w*",
        r"no constituye (?:una )?recomendaci\w*",
        r"ne constitue pas (?:un )?conseil",
        r"non costituisce (?:una )?(?:raccomandazione|sollecitazione|consulenza)",
        r"nie stanowi (?:rekomendacji|porady)",
        r"vormt geen (?:beleggings)?advies",
        r"meramente informativ\w*",
        r"puramente informativ\w*",
        r"[àa] titre (?:purement )?informatif",
        r"p\. ?iva",
    ),
    "bio": (
        r"about the author",
        r"[üu]ber (?:den autor|die autorin)",
        r"sull'autore",
        r"sobre (?:el autor|la autora|o autor|a autora)",
        r"[àa] propos de l'auteur(?:e)?",
        r"o autor(?:ze|ce)",
        r"over de auteur",
        r"zur person",
        r"author bio",
    ),
    "author": (
        r"about the author",
        r"[üu]ber (?:den|die) autor(?:in)?",
        r"l'autore",
        r"sobre (?:el|o) autor",
        r"[àa] propos de l'auteur",
        r"o autorze",
        r"over de auteur",
        r"writes about",
        r"schreibt [üu]ber",
        r"scrive di",
        r"escribe sobre",
        r"[ée]crit sur",
        r"pisze o",
        r"escreve sobre",
        r"hauptberuflich",
        r"freelance\w*",
        r"freiberuflich\w*",
        r"paypal",
        r"kaffee\w*spende",
        r"buy me a coffee",
        r"patreon",
        r"sostienici",
        r"ap[óo]yanos",
        r"soutenez[- ]nous",
        r"wesprzyj nas",
        r"apoie",
        r"steun ons",
        r"covers (?:\w+ )?(?:technology|politics|business|markets|energy|industry)",
        r"before joining",
        r"(?:he|she) (?:previously|joined)",
        r"mehr vom autor",
        r"alle artikel von",
        r"all posts by",
        r"tutti gli articoli di",
        r"todos los art[íi]culos de",
        r"tous les articles de",
        r"wszystkie artyku[łl]y",
        r"todos os artigos de",
        r"alle artikelen van",
        r"follow (?:him|her) on",
    ),
}
# A paragraph that is nothing but a button or label of the page.
_LABEL = re.compile(
    r"^\W*(?:reply|antworten|rispondi|responder|r[ée]pondre|odpowiedz|beantwoorden|like|share|teilen|"
    r"condividi|compartir|partager|udost[ęe]pnij|compartilhar|delen|print|drucken|stampa|imprimir|imprimer|"
    r"drukuj|advertisement|anzeige|werbung|pubblicit[àa]|publicidad|publicit[ée]|reklama|publicidade|"
    r"advertentie|sponsored|continue reading|mehr lesen|weiterlesen|leggi tutto|leer m[áa]s|lire la suite|"
    r"czytaj dalej|leia mais|lees verder|read more|menu|men[üu]|search|suche|cerca|buscar|rechercher|szukaj|"
    r"pesquisar|zoeken|home|startseite|login|anmelden|accedi|iniciar sesi[óo]n|connexion|zaloguj|entrar|inloggen|"
    r"skip to (?:main )?content|zum inhalt springen|vai al contenuto|ir al contenido|aller au contenu|"
    r"przejd[źz] do tre[śs]ci|ir para o conte[úu]do|naar inhoud)\W*$",
    re.IGNORECASE,
)
_CUE_PATTERNS = {
    kind: re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE) for kind, phrases in _CUES.items()
}
# Kinds that on their own mark a paragraph as boilerplate, versus kinds whose words articles also use.
_STRONG_KINDS = {"disclosure", "subscribe", "privacy", "legal", "comments", "bio", "taxonomy"}
# Labels that settle it whatever the paragraph talks about ("Tags: Apple, iPhone" is on topic by design).
_DECISIVE_KINDS = {"bio", "taxonomy"}

# Pronouns of address, per language: the article speaks about the world, the page furniture to the reader.
_SECOND_PERSON_WORDS = {
    "de": r"du|dir|dich|dein\w*|euch|euer\w*|eure\w*",
    "en": r"you|your|yours",
    "it": r"tu|ti|voi|vostr\w|tuo|tua|tuoi",
    "es": r"t[úu]|tus|vosotros|vuestr\w+",
    "fr": r"vous|votre|vos|tu|ton|ta|tes",
    "pl": r"ty|ci[ęe]|ciebie|tobie|tw[óo]j|twoj\w+|wasz\w*",
    "pt": r"voc[êe]s?|teu|tua|teus|tuas",
    "nl": r"je|jij|jouw|jullie|uw",
}
_SECOND_PERSON = {
    lang: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE) for lang, words in _SECOND_PERSON_WORDS.items()
}
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…:;»\"”“)\]]\s*$")

_JUSTEXT_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "ar": "Arabic",
    "ko": "Korean",
    "hi": "Hindi",
    "id": "Indonesian",
    "sv": "Swedish",
    "cs": "Czech",
    "ro": "Romanian",
    "el": "Greek",
    "hu": "Hungarian",
    "fa": "Persian",
    "he": "Hebrew",
    "da": "Danish",
    "fi": "Finnish",
    "no": "Norwegian_Bokmal",
    "vi": "Vietnamese",
    "ca": "Catalan",
    "hr": "Croatian",
    "sk": "Slovak",
}


@lru_cache(maxsize=32)
def stopwords(lang: str | None) -> frozenset[str]:
    """Stopwords of a language (justext's lists, which ship with trafilatura); English when unknown."""
    name = _JUSTEXT_NAMES.get(lang or "en", "English")
    try:
        return frozenset(justext.get_stoplist(name))
    except ValueError:
        return frozenset(justext.get_stoplist("English"))


def _fold(word: str) -> str:
    word = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in word if not unicodedata.combining(ch))


def content_terms(text: str, lang: str | None) -> set[str]:
    """Words that carry the topic: not stopwords, 4+ letters, folded to a 5-letter stem."""
    stops = stopwords(lang)
    terms = set()
    for word in _WORD.findall(text):
        lowered = word.casefold()
        if len(word) < 4 or lowered in stops or word.isdigit():
            continue
        terms.add(_fold(word)[:5])
    return terms


@dataclass(frozen=True)
class ParagraphFeatures:
    words: int
    ends_sentence: bool
    cue_kinds: frozenset[str]
    cue_hits: int
    stopword_density: float
    second_person: float
    topic_overlap: float  # share of its content terms found in the article's lead
    mentions_author: bool


def cue_kinds(paragraph: str) -> frozenset[str]:
    """The kinds of page furniture whose conventional phrases the paragraph uses."""
    return frozenset(kind for kind, pattern in _CUE_PATTERNS.items() if pattern.search(paragraph))


def is_furniture(paragraph: str) -> bool:
    """Uses a phrase that only page furniture uses (disclosures, legal, privacy, newsletter, comment forms)."""
    return bool(cue_kinds(paragraph) & _STRONG_KINDS)


def describe(
    paragraph: str, lead_terms: set[str], lang: str | None, authors: tuple[str, ...] = ()
) -> ParagraphFeatures:
    """Measure one paragraph against the article's lead (title and first paragraphs)."""
    words = _WORD.findall(paragraph)
    n = max(len(words), 1)
    kinds = cue_kinds(paragraph)
    hits = sum(len(pattern.findall(paragraph)) for pattern in _CUE_PATTERNS.values())
    stops = stopwords(lang)
    terms = content_terms(paragraph, lang)
    overlap = len(terms & lead_terms) / len(terms) if terms else 0.0
    lowered = paragraph.casefold()
    return ParagraphFeatures(
        words=len(words),
        ends_sentence=bool(_SENTENCE_END.search(paragraph)),
        cue_kinds=kinds,
        cue_hits=hits,
        stopword_density=sum(w.casefold() in stops for w in words) / n,
        second_person=len(pronouns.findall(paragraph)) / n if (pronouns := _SECOND_PERSON.get(lang or "")) else 0.0,
        topic_overlap=overlap,
        mentions_author=any(a and a.casefold() in lowered for a in authors),
    )


def is_label(paragraph: str) -> bool:
    """A button, menu entry or ad label on a line of its own ("Reply", "Anzeige", "Weiterlesen")."""
    return len(paragraph) < 60 and bool(_LABEL.match(paragraph.strip()))


def score_paragraphs(
    paragraphs: list[str], lead_terms: set[str], lang: str | None, authors: tuple[str, ...] = ()
) -> list[float]:
    """Boilerplate scores of a page's paragraphs in order, with the context of list headers:
    the short lines under "Related posts" or "Leggi anche" are headlines, however on-topic, and
    the items of a list the article's own sentence introduces with a colon are article text."""
    features = [describe(p, lead_terms, lang, authors) for p in paragraphs]
    scores = [boilerplate_score(f) for f in features]
    in_list = introduced = False
    for i, f in enumerate(features):
        if introduced and f.words <= 18 and not f.cue_kinds and _LIST_MARKER.match(paragraphs[i]):
            scores[i] = min(scores[i], -0.5)  # a list the article introduces ("Die Kennzahlen im Überblick:")
            continue
        if in_list and f.words <= 18 and not f.cue_kinds - {"related"}:
            scores[i] = max(scores[i], 1.5)
            continue
        in_list = "related" in f.cue_kinds and f.words <= 6
        introduced = f.words >= 6 and not f.cue_kinds and scores[i] < 0 and paragraphs[i].rstrip().endswith(":")
    return scores


def boilerplate_score(f: ParagraphFeatures) -> float:
    """Positive: page furniture; negative: article text. Weights set on our pasted-page fixtures
    and the seeds, then checked on pages in languages and layouts the tuning did not see."""
    score = -1.0
    strong = f.cue_kinds & _STRONG_KINDS
    score += 1.6 * len(strong) + 0.9 * len(f.cue_kinds - _STRONG_KINDS)
    score += min(f.cue_hits, 6) * 0.25
    if f.words <= 12 and not f.ends_sentence:
        score += 1.0  # a prompt, heading, list item or button label
    if f.words <= 3:
        score += 0.5
    score += min(f.second_person * 25, 2.0)
    if f.mentions_author:
        score += 1.5
    score -= 3.0 * f.topic_overlap
    if f.stopword_density < 0.12 and f.words > 4:
        score += 0.5  # lists of names, headlines, tags
    if f.words >= 40 and not f.cue_kinds:
        score -= 1.0  # a long cue-free paragraph is prose of the article
    if f.cue_kinds & _DECISIVE_KINDS:
        score = max(score, 2.0)
    return score


# Lines of a list of links to other articles: "• Headline", "2. Headline", "Headline (photo)", "Headline - 12/03/2025".
_LIST_MARKER = re.compile(r"^\s*(?:[•·▪▫◦‣►▸›»*+\-–—]|\d{1,2}[.)])\s+")
_MEDIA_WORDS = (
    r"\+?(?:fotos?|photos?|videos?|vid[ée]os?|v[íi]deos?|wideo|zdj[ęe]cia|galer\w*|gallery|fotogaller\w*|audio|"
    r"podcast|live|liveblog|infogra\w*|grafik|map|mapa|karte|carte)"
)
_MEDIA_TAG = re.compile(rf"\s*[\[(]\s*{_MEDIA_WORDS}\s*[\])]\s*", re.IGNORECASE)
_MEDIA_PREFIX = re.compile(rf"^\s*{_MEDIA_WORDS}\s*[:|–—-]\s+", re.IGNORECASE)
_BRACKETED_TAIL = re.compile(r"\s*[(\[][^()\[\]]{0,40}\d[^()\[\]]{0,40}[)\]]\s*$")
_META_SEPARATOR = re.compile(r"\s+[|·•–—-]\s+")
_OPENING_QUOTES = "\"'„“‚‘«»‹›¿¡"
_CLOSING_QUOTES = "\"'”“’‘»«›‹)]"
_DATA_ITEM = re.compile(r"^[^:]{1,40}:\s*[-+−~≈]?\s*[\d€$£¥]")


def _headline_variants(line: str) -> list[str]:
    """The line without its list marker, and without its tags and dates too."""
    text = _LIST_MARKER.sub("", line, count=1).strip()
    variants = [text]
    bare = _MEDIA_PREFIX.sub("", _MEDIA_TAG.sub(" ", text)).strip()
    bare = _BRACKETED_TAIL.sub("", bare).strip()
    parts = _META_SEPARATOR.split(bare)
    if len(parts) > 1 and len(parts[-1].split()) <= 5 and re.search(r"\d", parts[-1]):
        parts = parts[:-1]  # "Headline - 12/03/2025", "Headline | vor 3 Std."
    if len(parts) > 1 and len(parts[0].split()) <= 5 and re.search(r"\d", parts[0]):
        parts = parts[1:]  # "12.03.2025 – Headline"
    variants.append(" - ".join(parts))
    return variants


def _headline_text(text: str) -> bool:
    if not 3 <= len(_WORD.findall(text)) <= 20:
        return False
    start = text.lstrip(_OPENING_QUOTES)
    end = text.rstrip(_CLOSING_QUOTES + " ")
    if not start or not (start[0].isupper() or start[0].isdigit()) or not end or end[-1] in ".,;:…":
        return False
    # A quotation on its own line is the article quoting someone, not a link to another article.
    return not (text[0] in _OPENING_QUOTES and text[-1] in _CLOSING_QUOTES)


def is_headline(line: str) -> bool:
    """Shaped like the headline of another article in a list of links: short (3 to 20 words), starting
    with a capital, no full stop at the end, maybe a list marker, a date or a "(photo)" tag.

    >>> is_headline("• Orbita chiude il 2024 con ricavi record (foto)"), is_headline("The deal closes in March.")
    (True, False)
    """
    return any(_headline_text(v) for v in _headline_variants(line.strip()) if v)


def _is_tag_line(line: str) -> bool:
    """A date, time or media tag on a line of its own under a headline ("12 marzo 2025", "[VIDEO]")."""
    words = line.split()
    return (
        bool(words)
        and len(words) <= 5
        and not line.rstrip().endswith(".")
        and (bool(re.search(r"\d", line)) or bool(_MEDIA_TAG.fullmatch(line)))
    )


def _is_data_item(line: str) -> bool:
    """A figure of the article in a list ("Umsatz: 4,2 Mrd. Euro"), not a headline."""
    text = _LIST_MARKER.sub("", line, count=1).strip()
    words = text.split()
    return bool(_DATA_ITEM.match(text)) or sum(bool(re.search(r"\d", w)) for w in words) >= 0.34 * max(len(words), 1)


def _addresses_reader(line: str, lang: str | None) -> bool:
    pronouns = _SECOND_PERSON.get(lang or "")
    # German formal address is capitalised inside the line ("Das könnte Sie interessieren").
    return bool(pronouns and pronouns.search(line)) or bool(re.search(r"(?<=\w )(?:Sie|Ihnen|Ihre?)\b", line))


def _is_prose(line: str) -> bool:
    return len(_WORD.findall(line)) >= 6 and bool(re.search(r"[.!?…][\"'”’»)\]]*\s*$", line))


def related_block_start(paragraphs: list[str], lang: str | None = None) -> int:
    """Where a trailing block of links to other articles begins; len(paragraphs) when there is none.

    The block is told by the shape of its lines (see `is_headline`): two or more headlines in a row
    after the article's last sentence, under a heading of any wording or none, or one or more under
    a "related" heading ("Leggi anche", "Mehr zum Thema"). A list the article introduces with a
    colon, and a list of figures, are the article's own and stay.

    >>> related_block_start(["Orbita opened a plant in Graz on Monday.", "Orbita Names a New Chief",
    ...                      "Why Graz Wants More Factories"])
    1
    """
    n = len(paragraphs)
    k = n
    headlines = 0
    while k > 0 and (is_headline(paragraphs[k - 1]) or _is_tag_line(paragraphs[k - 1])):
        headlines += is_headline(paragraphs[k - 1])
        k -= 1
    if not headlines or not any(_is_prose(p) for p in paragraphs[:k]):
        return n
    block = [p for p in paragraphs[k:] if is_headline(p)]
    before = paragraphs[k - 1]
    heading = len(_WORD.findall(before)) <= 8 and not re.search(r"[.!?;,…]\s*$", before)
    if heading and "related" in cue_kinds(before):
        return k - 1  # a known heading: its list goes, however short
    if headlines < 2:
        return n
    if "related" in cue_kinds(block[0]) and len(_WORD.findall(block[0])) <= 8:
        return k
    if sum(_is_data_item(p) for p in block) * 2 >= len(block):
        return n  # the article's key figures
    if before.rstrip().endswith(":") and not _addresses_reader(before, lang):
        return n  # a list the article itself introduces
    return k - 1 if heading and any(_is_prose(p) for p in paragraphs[: k - 1]) else k
