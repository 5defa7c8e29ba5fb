"""Plain-text dumps: pages pasted from a browser and aggregator snippets.

Layout found in such dumps: optional page furniture, the title, an optional dateline or byline
("24-05-2022 15:02 - Fonte: www.example.it", "By Jane Roe | May 23, 2025"), the body, an optional
read-more marker, then whatever else the page showed (see `boilerplate`), reader comments among it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from storyline.extract.boilerplate import content_terms, is_furniture, is_label, related_block_start, score_paragraphs
from storyline.extract.dates import DateEvidence, parse_date
from storyline.extract.html import ExtractionError, domain_of
from storyline.model import DatePrecision, PublishedDate
from storyline.text.language import detect_language

_MAX_TITLE_CHARS = 300
_MAX_DATELINE_CHARS = 200

_READ_MORE = (
    r"continua(?:\s+a\s+leggere)?|leggi(?:\s+tutto|\s+di\s+pi[ùu])|continue\s+reading|read\s+(?:more|the\s+full\s+\w+)|"
    r"full\s+story|weiterlesen|mehr\s+lesen|lire\s+la\s+suite|la\s+suite|leer\s+m[áa]s|seguir\s+leyendo|"
    r"czytaj\s+(?:dalej|wi[ęe]cej)|leia\s+mais|continuar\s+lendo|continue\s+lendo|lees\s+(?:verder|meer)|"
    r"devam[ıi]n[ıi]\s+oku|читать\s+(?:далее|дальше)|подробнее|läs\s+mer|læs\s+mere|les\s+mer|lue\s+lisää"
)
_READ_MORE_LINE = re.compile(rf"^\W*(?:{_READ_MORE})\W*$", re.IGNORECASE)
_READ_MORE_TAIL = re.compile(rf"[\s\-–—|(\[]*(?:{_READ_MORE})\W*$", re.IGNORECASE)
_ELLIPSIS_TAIL = re.compile(r"\s*(?:\.{3,}|…|\[(?:…|\.{3})\]|\((?:…|\.{3})\))\s*$")

_DOMAIN = re.compile(
    r"(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})(?:/\S*)?", re.IGNORECASE
)
_SOURCE_CUE = re.compile(
    r"(?<!\w)(?:fonte|source|sources|quelle|fuente|[źz]r[óo]d[łl]o|bron|kaynak|kilde|k[äa]lla|l[äa]hde|zdroj|forr[áa]s|"
    r"источник|via)\s*:",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"(?:^|(?<=[|·•—–,]\s))\s*(?i:written by|posted by|scritto da|pubblicato da|geschrieben von|escrito por|"
    r"publicado por|[ée]crit par|publi[ée] par|napisane przez|geschreven door|by|von|di|da|por|par|door|przez|autor|autorka|author|auteur|autore|autrice|autora|"
    r"texto|text|tekst|redazione|redacci[óo]n|r[ée]daction)\s*:?\s+"
    r"((?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*|(?:de|da|di|del|della|van|von|der|den|la|le|dos|das|y|e|et|und|and|i|en)\b)"
    r"(?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*|(?:de|da|di|del|della|van|von|der|den|la|le|dos|das|y|e|et|und|and|i|en)\b)){0,6})",
)
_PUBLISHED_CUE = re.compile(
    r"(?<!\w)(?:published|posted|updated|last\s+updated|publi[ée]e?(?:\s+le)?|mis\s+[àa]\s+jour(?:\s+le)?|"
    r"pubblicato(?:\s+il)?|aggiornato(?:\s+il)?|ver[öo]ffentlicht(?:\s+am)?|aktualisiert(?:\s+am)?|"
    r"publicado(?:\s+(?:el|em|a))?|actualizado(?:\s+el)?|atualizado(?:\s+em)?|opublikowano|zaktualizowano|"
    r"gepubliceerd(?:\s+op)?|bijgewerkt(?:\s+op)?|stand)\s*:?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*(?:[|·•—–]|\s-\s|,)\s*")
_TIME = re.compile(r"\b\d{1,2}[:h.]\d{2}\b")
_NAME_JOINERS = re.compile(r"\s+(?:and|und|e|y|et|i|en|&)\s+|\s*,\s*")

_COMMENT_WORDS = (
    r"kommentare?|comments?|commenti|commento|comentarios?|commentaires?|komentarz[ey]?|komentarzy|"
    r"coment[áa]rios?|reacties?|reactie|responses?|risposte|respuestas|r[ée]ponses|antworten"
)
_COMMENT_HEADER = re.compile(
    rf"^\W*(?:\d+|ein|eine|one|un|uno|una|um|jeden|[ée]én|no|keine|nessun)?\s*(?:{_COMMENT_WORDS})\s*(?:\(\d+\))?\W*$",
    re.IGNORECASE,
)
_COMMENT_FORM = re.compile(
    r"leave a (?:reply|comment)|post (?:a )?comment|add a comment|(?:schreibe|hinterlasse|verfasse)n? (?:einen|deinen) kommentar|"
    r"kommentar (?:schreiben|hinterlassen|verfassen)|"
    r"lascia un commento|lascia una risposta|deja (?:un comentario|una respuesta)|laisser un commentaire|"
    r"laissez un commentaire|dodaj komentarz|deixe (?:um coment[áa]rio|uma resposta)|laat een reactie achter|"
    r"plaats een reactie|kommentar verfassen|write a comment|scrivi un commento|escribe un comentario|"
    r"[ée]crire un commentaire|napisz komentarz|escreva um coment[áa]rio|schrijf een reactie|will not be published|wird nicht ver[öo]ffentlicht|non sar[àa] pubblicat|"
    r"no ser[áa] publicad|ne sera pas publi|nie zostanie opublikowany|n[ãa]o ser[áa] publicad|wordt niet gepubliceerd",
    re.IGNORECASE,
)
_COMMENT_AUTHOR = re.compile(
    r"^(.{1,60}?)\s+(?:says|said|sagt|schreibt|dice|ha detto|ha scritto|dit|a [ée]crit|disse|escribi[óo]|"
    r"napisa[łl]a?|schreef|zegt|commented|kommentierte)\s*:?\s*$",
    re.IGNORECASE,
)
_COMMENT_AUTHOR_INLINE = re.compile(
    r"^([^:!?]{1,40}?)\s+(?:says|sagt|schreibt|dice|dit|disse|zegt|napisa[łl]a?|escribi[óo]|ha scritto)\s*:\s+(\S.*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(\S.*)$")


@dataclass
class Dateline:
    published: PublishedDate | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    line: str = ""  # as written, to read its date again once the page's text is known


@dataclass
class ParsedDump:
    title: str | None
    text: str
    published: PublishedDate | None
    source: str | None
    authors: list[str]
    comments: list[str]
    truncated: bool


def split_units(text: str) -> list[str]:
    """Paragraph units: one per line as browsers paste them, or per block when the text is hard-wrapped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    lines = [ln.rstrip() for ln in text.split("\n") if ln.strip()]
    wrapped_lines = [ln for b in blocks for ln in b.split("\n") if len(b.split("\n")) >= 3]
    hard_wrapped = (
        wrapped_lines
        and len(wrapped_lines) >= 0.5 * len(lines)
        and max(len(ln) for ln in lines) <= 100
        and sum(40 <= len(ln) <= 100 for ln in wrapped_lines) >= 0.6 * len(wrapped_lines)
    )
    if hard_wrapped:
        return [" ".join(ln.strip() for ln in b.split("\n")) for b in blocks]
    return lines


_CONNECTOR = re.compile(r"^(?:il|am|le|el|on|em|op|dnia|den|du|del|al|at|the|vom|ore)\s+", re.IGNORECASE)


def _date_in(text: str, lang: str | None, evidence: DateEvidence | None = None) -> PublishedDate | None:
    """The finest date found in a dateline's fragments (a date and a time may sit in neighbouring fragments)."""
    fragments = [_CONNECTOR.sub("", f.strip(" .:-")) for f in _SEPARATORS.split(text) if f.strip(" .:-")]
    candidates = [text.strip(" .:-|,"), re.sub(r"(?<=\d)\D*$", "", _CONNECTOR.sub("", text.strip(" .:-|,")))]
    for i, fragment in enumerate(fragments):
        if i + 1 < len(fragments):
            candidates.append(f"{fragment} {fragments[i + 1]}")
        candidates.append(fragment)
    best: PublishedDate | None = None
    order = ["year", "month", "day", "minute"]
    for candidate in candidates:
        parsed = parse_date(candidate, lang, evidence)
        if parsed and (best is None or order.index(parsed.precision) > order.index(best.precision)):
            best = parsed
    return best


def parse_dateline(line: str, lang: str | None = None, evidence: DateEvidence | None = None) -> Dateline | None:
    """Read a dateline or byline: its date, its source site and its authors.

    `evidence` (the page's text and site) decides a numeric date whose day and month could be swapped.

    >>> d = parse_dateline("24-05-2022 15:02 - Fonte: www.example.it", "it")
    >>> d.published.isoformat(), d.source
    ('2022-05-24T15:02', 'example.it')
    """
    line = line.strip()
    if not line or len(line) > _MAX_DATELINE_CHARS:
        return None
    result = Dateline(line=line)
    rest = line
    domain = _DOMAIN.search(rest)
    if domain and not re.fullmatch(r"[\d.]+", domain.group(1)):
        result.source = domain_of(domain.group(1).lower())
        rest = rest[: domain.start()] + " " + rest[domain.end() :]
    has_source_cue = bool(_SOURCE_CUE.search(rest))
    rest = _SOURCE_CUE.sub(" ", rest)
    byline = _BYLINE.search(rest)
    if byline:
        result.authors = [n.strip() for n in _NAME_JOINERS.split(byline.group(1)) if n.strip()]
        rest = rest[: byline.start()] + " | " + rest[byline.end() :]
    rest = _PUBLISHED_CUE.sub(" ", rest)
    evidence = evidence or DateEvidence()
    evidence = replace(evidence, dateline=line, source=result.source or evidence.source, lang=lang)
    result.published = _date_in(rest, lang, evidence)
    leftover_words = len(re.findall(r"[^\W\d_]{3,}", rest))
    if result.published or (result.source and (has_source_cue or leftover_words <= 3)):
        return result
    if result.authors and len(line.split()) <= 10:
        return result
    return None


_NAV_SEPARATORS = re.compile(r"\s[›»>/|]\s|\s>>\s")


def _is_navigation(unit: str) -> bool:
    """A breadcrumb or menu line: 'Home › Tech › Phones', 'News | Sport | Weather'."""
    parts = _NAV_SEPARATORS.split(unit)
    return len(parts) >= 3 and all(len(p.split()) <= 4 for p in parts)


def _is_title_candidate(unit: str) -> bool:
    return len(unit) <= _MAX_TITLE_CHARS and not is_label(unit) and len(unit.split()) >= 2 and not _is_navigation(unit)


def _looks_like_date_line(unit: str, lang: str | None) -> bool:
    return len(unit) < 80 and (bool(_TIME.search(unit)) or parse_date(unit, lang) is not None)


def parse_comments(units: list[str], lang: str | None) -> list[str]:
    """Reader comments from the units of a comment section, without authors, dates and buttons."""
    comments: list[list[str]] = []
    current: list[str] | None = None
    i = 0
    while i < len(units):
        unit = units[i].strip()
        nxt = units[i + 1].strip() if i + 1 < len(units) else ""
        if is_label(unit) or _looks_like_date_line(unit, lang):
            i += 1
            continue
        author = _COMMENT_AUTHOR.match(unit)
        numbered = _NUMBERED.match(unit) or _COMMENT_AUTHOR_INLINE.match(unit)
        if author:
            current = None
        elif numbered:
            current = [numbered.group(2).strip()]
            comments.append(current)
        elif len(unit.split()) <= 4 and nxt and _looks_like_date_line(nxt, lang):
            current = None  # an author name above a date line
        elif current is None:
            current = [unit]
            comments.append(current)
        else:
            current.append(unit)
        i += 1
    return ["\n".join(c) for c in comments if c]


def _strip_tail_markers(unit: str) -> tuple[str, bool]:
    """Remove a trailing read-more marker and ellipsis from the last paragraph."""
    original = unit
    unit = _READ_MORE_TAIL.sub("", unit).rstrip()
    unit = _ELLIPSIS_TAIL.sub("", unit).rstrip()
    return unit, unit != original


def _best_split(scores: list[float]) -> tuple[int, int]:
    """Indices (start, end) of the article body that best separate furniture from text.

    Each unit pays for being on the wrong side of the split, so one odd paragraph in the
    middle of an article does not cut it short, and one odd paragraph in the footer does not
    pull the footer in.
    """
    n = len(scores)
    clipped = [max(-3.0, min(3.0, s)) for s in scores]
    prefix = [0.0]
    for s in clipped:
        prefix.append(prefix[-1] + s)
    best = (float("-inf"), 0, n)
    for start in range(0, min(3, n)):
        for end in range(start + 1, n + 1):
            total = prefix[start] - (prefix[end] - prefix[start]) + (prefix[n] - prefix[end])
            if total > best[0]:
                best = (total, start, end)
    return best[1], best[2]


def _publication_date(
    datelines: list[Dateline], title: str | None, body: list[str], lang: str | None
) -> PublishedDate | None:
    """The first dateline's date, read again with the page as evidence for a day and month that read both ways."""
    dated = next((d for d in datelines if d.published), None)
    if dated is None or dated.published is None:
        return None
    value = dated.published.value
    if (
        dated.published.precision not in (DatePrecision.DAY, DatePrecision.MINUTE)
        or value.day > 12
        or value.day == value.month
    ):
        return dated.published  # its day and month have no other reading
    page = DateEvidence(
        text="\n".join([title or "", *(d.line for d in datelines), *body]),
        source=next((d.source for d in datelines if d.source), None),
    )
    again = parse_dateline(dated.line, lang, page)
    return again.published if again and again.published else dated.published


def parse_dump(text: str, lang: str | None = None) -> ParsedDump:
    """Split a pasted page or aggregator snippet into title, dateline, body and comments."""
    units = split_units(text)
    if not units:
        raise ExtractionError("the text is empty")
    lang = lang or detect_language(" ".join(units[:12]))[0]

    # Title: the first real line, skipping menus and labels; a dateline may come first.
    i = 0
    while i < len(units) - 1 and not _is_title_candidate(units[i]):
        i += 1
    datelines: list[Dateline] = []
    if (
        i + 1 < len(units)
        and (early := parse_dateline(units[i], lang))
        and early.published
        and len(units[i].split()) <= 8
    ):
        datelines.append(early)
        i += 1
    title = units[i].strip() if len(units) > 1 else None
    i += 1 if title else 0
    while i < len(units) and len(datelines) < 3 and (dateline := parse_dateline(units[i], lang)):
        datelines.append(dateline)
        i += 1
    body_units = units[i:]

    # The body ends at a read-more marker or where the comment section starts.
    truncated = False
    end = len(body_units)
    for j, unit in enumerate(body_units):
        if _READ_MORE_LINE.match(unit):
            end, truncated = j, True
            break
        if j > 0 and _COMMENT_HEADER.match(unit):
            end = j
            break
    tail = body_units[end:]
    candidates = [u.strip() for u in body_units[:end] if not is_label(u)]
    if not candidates:
        raise ExtractionError("no article text after the title")

    authors = tuple(a for d in datelines for a in d.authors)
    lead_terms = content_terms(" ".join([title or "", candidates[0]]), lang)
    scores = score_paragraphs(candidates, lead_terms, lang, authors)
    start, stop = _best_split(scores)
    if not truncated and not _READ_MORE_TAIL.search(candidates[stop - 1]):
        # Links to other articles after the last paragraph ("Mehr zum Thema", or headlines alone).
        stop = start + max(1, related_block_start(candidates[start:stop], lang))
    body = candidates[start:stop]
    tail = candidates[stop:] + tail
    body[-1], cut = _strip_tail_markers(body[-1])
    truncated = truncated or cut

    comments: list[str] = []
    header = next((k for k, u in enumerate(tail) if _COMMENT_HEADER.match(u)), None)
    if header is not None:
        section = tail[header + 1 :]
        form = next((k for k, u in enumerate(section) if _COMMENT_FORM.search(u) or is_furniture(u)), len(section))
        comments = parse_comments(section[:form], lang)

    return ParsedDump(
        title=title,
        text="\n\n".join(u for u in body if u),
        published=_publication_date(datelines, title, body, lang),
        source=next((d.source for d in datelines if d.source), None),
        authors=list(authors),
        comments=comments,
        truncated=truncated,
    )
