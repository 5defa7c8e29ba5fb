"""Claims: the events an article's sentences report, who takes part, when, and how sure the reporting is.

The built-in extractor works offline in every language of `claim_cues.LANGUAGES`, from cue words
(`claim_cues.py`), the entity layer (`entities.py`) and date normalization (`event_dates.py`):

1. sentences (the title is one too) split into clauses at punctuation and subordinating words;
2. a clause with an event cue becomes a draft event; its participants are the eligible entities of
   the clause, completed where the sentence or the text around makes the missing party clear: the
   antecedent of a relative clause, the sentence's subject, the parties of the clause before,
   the previous event of the same kind ("the end of this cooperation"), the next sentence when it
   only names candidates ("Honor and Xiaomi are in the running"), or the article's protagonist
   for "a cooperation with Sharp";
3. its date is the first date of its clause, else a date of a clause of the sentence without an
   event ("..., as announced on Monday");
4. its status comes from cue words in its clause and in the event-less clauses of the sentence,
   strongest first: denied > rumoured > confirmed > planned > reported (a company confirming its own
   plan is a confirmed plan, dated when it is to happen); an event the outlet reports, dated after
   publication, is planned. Rumours named as what the news ends or follows ("putting an end to
   speculation") are no hedge;
5. a claim whose evidence the confidence model (`claim_confidence.py`) does not read as a business
   event is left out; the others keep its score as their `confidence`.

`extract_claims` is pure; other extractors register in `CLAIM_EXTRACTORS` (see `llm_claims.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, partial
from itertools import pairwise

from storyline.defaults import BUILTIN_CLAIMS
from storyline.enrich import claim_cues as cues
from storyline.enrich.claim_confidence import default_confidence
from storyline.enrich.entities import Mention, extract_mentions, is_place_word, split_known_chains
from storyline.enrich.event_dates import EventDate, find_dates
from storyline.model import Article, Claim, Participant
from storyline.plugins import Registry
from storyline.settings import Settings

BUILTIN = BUILTIN_CLAIMS  # the version is in the name: a new one re-reads stored articles
STATUS_ORDER = ("denied", "rumoured", "confirmed", "planned", "reported")  # the first that applies wins

_PARTY_TYPES = {
    "partnership_start": {"ORG", "MISC"},
    "partnership_end": {"ORG", "MISC"},
    "acquisition": {"ORG", "MISC"},
    "investment": {"ORG", "MISC", "PER"},
    "product_launch": {"ORG", "MISC", "PRODUCT"},
    "legal_action": {"ORG", "MISC", "PER", "COUNTRY"},
    "leadership_change": {"PER", "ORG", "MISC"},
    "layoffs": {"ORG", "MISC"},
    "financial_results": {"ORG", "MISC"},
}
_PARTNERSHIP = ("partnership_start", "partnership_end")
_OFFICIAL = re.compile(
    r"offici|ufficial|oficial|offiziell|officieel|oficjaln", re.I
)  # the confirmed cues that are no statement
_STAKE = re.compile(
    r"stake|quota|partecipazione|beteiligung|participación|participation|participação|belang|udział", re.I
)
_PASSIVE = re.compile(r"\s*(?:by|da|dal|dalla|von|vom|par|por|pela|pelo|door|przez)\b", re.I)
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "inc",
        "co",
        "corp",
        "ltd",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "bzw",
        "ca",
        "nr",
        "dott",
        "ing",
        "sig",
        "avv",
        "mme",
        "gen",
        "no",
        "nº",
        "art",
        "abs",
    ]
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»’']?(?=\s+[\"“«„‘'(]?[A-ZÀ-ÖØ-ÞĀ-Ž0-9])|\n+")
_CLAUSE_PUNCTUATION = re.compile(r"\s*[,;:()–—]\s*|\s+-\s+")


@dataclass
class _Sentence:
    text: str
    offset: int  # where it starts in the article's text; -1 for the title
    mentions: list[Mention]
    dates: list[EventDate]


@dataclass
class _Draft:
    type: str
    sentence: int
    clauses: list[tuple[int, int]]
    parties: list[Mention] = field(default_factory=list)
    date: EventDate | None = None
    status: str = "reported"
    attribution: str | None = None
    extra_sentence: int | None = None  # a following sentence that completed its parties
    trigger_at: int = 0


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})", re.IGNORECASE)


def _search(table: dict[str, str], lang: str, text: str) -> re.Match[str] | None:
    pattern = table.get(lang)
    return _compiled(pattern).search(text) if pattern else None


def _split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; a full stop after an abbreviation, an initial or an ordinal does not end one."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rsplit(None, 1)
        word = before[-1].lower().rstrip(".") if before else ""
        if match.group().startswith(".") and (
            word in _ABBREVIATIONS or len(word) == 1 or (word.isdigit() and len(word) <= 2)
        ):
            continue
        if text[start : match.end()].strip():
            spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), s + len(text[s:e].rstrip())) for s, e in spans]


def _split_clauses(sentence: str, lang: str) -> list[tuple[int, int, bool]]:
    """Clause spans in the sentence and whether each opens with a relative pronoun."""
    cuts = {0, len(sentence)}
    for match in _CLAUSE_PUNCTUATION.finditer(sentence):
        cuts.update((match.start(), match.end()))
    breaks = cues.CLAUSE_BREAKS.get(lang)
    if breaks:
        cuts.update(m.start() for m in _compiled(breaks).finditer(sentence))
    bounds = sorted(cuts)
    relative = _compiled(rf"(?:{cues.RELATIVE[lang]})\b") if lang in cues.RELATIVE else None
    clauses = []
    for start, end in pairwise(bounds):
        piece = sentence[start:end]
        if piece.strip(" ,;:()–—-"):
            lead = len(piece) - len(piece.lstrip(" ,;:()–—-"))
            opens_relative = bool(start and relative and relative.match(piece, lead))
            clauses.append((start, end, opens_relative))
    return clauses


def _party_kind(mention: Mention) -> str:
    return "COUNTRY" if mention.key.startswith("country:") else mention.type


def _eligible(mentions: list[Mention], event_type: str, start: int, end: int) -> list[Mention]:
    allowed = _PARTY_TYPES[event_type]
    return [m for m in mentions if start <= m.start and m.end <= end and _party_kind(m) in allowed]


def _possible_parties(mentions: list[Mention], lang: str) -> list[Mention]:
    """Mentions that can take part: not a capitalised cue word ("Partner" in German), nor a demonym or an
    inflected place name ("Italian carmaker", "Władze Tczewa"), nor a quantity."""
    words = [cues.PARTNERSHIP_TOPIC.get(lang, ""), *(table.get(lang, "") for table in cues.TRIGGERS.values())]
    pattern = re.compile(rf"(?:{'|'.join(w for w in words if w)})\w*", re.IGNORECASE)
    return [
        m
        for m in mentions
        if not pattern.fullmatch(m.text)
        and m.type != "QUANTITY"
        and not (m.type in ("MISC", "ORG") and is_place_word(m.text, lang))
    ]


def _add(parties: list[Mention], new: list[Mention]) -> None:
    keys = {p.key for p in parties}
    for mention in new:
        if mention.key not in keys:
            parties.append(mention)
            keys.add(mention.key)


def _clause_types(
    text: str, lang: str, sentence: str, has_topic: bool, parties_in_sentence: int
) -> list[tuple[str, int]]:
    """The event types a clause signals, with where the cue is."""
    found: list[tuple[str, int]] = []
    for event_type, table in cues.TRIGGERS.items():
        match = _search(table, lang, text)
        if (
            match
            and event_type in cues.NOT_AFTER
            and re.compile(cues.NOT_AFTER[event_type], re.I).match(text, match.end())
        ):
            continue
        if match and (event_type != "financial_results" or re.search(r"\d", sentence)):
            found.append((event_type, match.start()))
    end = _search(cues.PARTNERSHIP_END, lang, text)
    leave = _search(cues.PARTNERSHIP_LEAVE, lang, text)
    begin = _search(cues.PARTNERSHIP_BEGIN, lang, text)
    topic = _search(cues.PARTNERSHIP_TOPIC, lang, text)
    two_party_deal = any(t in ("acquisition", "investment") for t, _ in found)
    if (end and has_topic) or (leave and parties_in_sentence >= 2):
        found.append(("partnership_end", (end or leave).start()))  # type: ignore[union-attr]
    elif (topic or (begin and has_topic)) and not two_party_deal:
        found.append(("partnership_start", (topic or begin).start()))  # type: ignore[union-attr]
    kinds = {t for t, _ in found}
    if {"acquisition", "investment"} <= kinds:
        drop = "acquisition" if _STAKE.search(text) else "investment"
        found = [f for f in found if f[0] != drop]
    return found


def _spans(table: dict[str, str], lang: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _compiled(table[lang]).finditer(text)] if lang in table else []


def _status(texts: list[str], lang: str) -> tuple[str, re.Match[str] | None]:
    """The strongest status the cue words in these texts give, and the cue."""
    for status in STATUS_ORDER[:-1]:
        for text in texts:
            silenced = _spans(cues.NO_COMMENT, lang, text)
            if status == "rumoured":
                silenced += _spans(cues.RUMOUR_AS_TOPIC, lang, text)
            for match in _compiled(cues.STATUS_CUES[status].get(lang, "(?!x)x")).finditer(text):
                if not any(s <= match.start() < e for s, e in silenced):
                    return status, match
    return "reported", None


def _dates_statement(sentence: str, when: EventDate, lang: str) -> bool:
    """Whether a date follows a verb of stating ("said on Monday", "ha annunciato lunedì") within two words."""
    window = sentence[max(0, when.start - 30) : when.start]
    for status in ("confirmed", "denied"):
        pattern = cues.STATUS_CUES[status].get(lang)
        for match in _compiled(pattern).finditer(window) if pattern else ():
            if len(window[match.end() :].split()) <= 2:
                return True
    return False


def _dates_founding(sentence: str, when: EventDate, lang: str) -> bool:
    """Whether a date says when someone was founded ("fondata nel 2019", "founded in 2016"): it dates no event."""
    window = sentence[max(0, when.start - 30) : when.start]
    pattern = cues.FOUNDED.get(lang)
    return any(len(window[m.end() :].split()) <= 2 for m in _compiled(pattern).finditer(window)) if pattern else False


def _is_after(event: EventDate, published: date) -> bool:
    if event.precision == "year":
        return int(event.value) > published.year
    if event.precision == "month":
        return event.value > published.strftime("%Y-%m")
    return event.value > published.isoformat()


def _roles(event_type: str, parties: list[Mention], trigger_at: int, sentence: str) -> list[str | None]:
    if event_type in _PARTNERSHIP:
        return ["partner"] * len(parties)
    if event_type == "leadership_change":
        return ["person" if p.type == "PER" else "organization" for p in parties]
    if event_type == "product_launch":
        return ["product" if p.type == "PRODUCT" else "maker" for p in parties]
    if event_type == "legal_action":
        return ["authority" if _party_kind(p) == "COUNTRY" else None for p in parties]
    if event_type in ("acquisition", "investment"):
        passive = bool(_PASSIVE.match(sentence, trigger_at + len(sentence[trigger_at:].split(None, 1)[0])))
        first, second = ("acquirer", "target") if event_type == "acquisition" else ("investor", "recipient")
        if passive:
            first, second = second, first
        return [first if p.start < trigger_at else second for p in parties]
    return [None] * len(parties)


def _attribution(
    status: str, cue: re.Match[str] | None, sentence: _Sentence, lang: str, local: list[tuple[int, int]]
) -> str | None:
    according = _search(cues.ACCORDING_TO, lang, sentence.text)
    if according:
        named = [
            m for m in sentence.mentions if 0 <= m.start - according.end() <= 12
        ]  # "according to the FT", not "according to insiders, X ..."
        if named:
            return named[0].label
    if status == "rumoured" and cue is not None:
        return "unnamed sources"
    if status == "confirmed" and cue is not None:
        for start, end in local:
            if start <= cue.start() < end:
                before = [
                    m for m in sentence.mentions if start <= m.start < cue.start() and m.type in ("ORG", "MISC", "PER")
                ]
                if before:
                    return before[-1].label
    return None


def _known_from_text(title_mentions: list[Mention], text_mentions: list[Mention]) -> list[Mention]:
    """A headline's bare surname is the person the text names in full ("... as Brandtner steps down"), a short name the company."""
    people = {
        m.key.rsplit(" ", 1)[-1]: m
        for m in text_mentions
        if m.type in ("PER", "MISC") and m.key.startswith("name:") and " " in m.key
    }
    linked = []
    for m in title_mentions:
        person = people.get(m.key[5:]) if m.key.startswith("name:") and " " not in m.key else None
        linked.append(Mention(m.text, person.key, person.label, person.type, m.start, m.end) if person else m)
    return linked


def _protagonist(mentions: list[Mention], title_mentions: list[Mention]) -> Mention | None:
    counts = Counter(m.key for m in mentions + title_mentions + title_mentions if m.type in ("ORG", "MISC"))
    if not counts:
        return None
    key = min(counts, key=lambda k: (-counts[k], k))
    return next(m for m in title_mentions + mentions if m.key == key)


def extract_claims(article: Article, settings: Settings | None = None) -> list[Claim]:
    """Events the article reports, with participants, date, status, evidence and confidence (built-in extractor).

    The rules' claims (`rule_claims`) whose evidence does not read as a business event to the
    confidence model (`claim_confidence`, on the embedder the settings make) are left out: no claim rather
    than a guess.
    """
    claims = rule_claims(article)
    if not claims:
        return []
    model = default_confidence()
    evidence = sorted({c.evidence for c in claims})
    score = dict(zip(evidence, (round(float(s), 4) for s in model.scores(evidence, settings)), strict=True))
    return [replace(c, confidence=score[c.evidence]) for c in claims if score[c.evidence] >= model.threshold]


def rule_claims(article: Article) -> list[Claim]:
    """Events the article reports, with participants, date, status and evidence, as the cue rules read them.

    >>> from storyline.model import Article, PublishedDate, DatePrecision
    >>> from datetime import datetime
    >>> text = "Die Brenta AG hat angeblich die Übernahme der Valsugana GmbH beschlossen."
    >>> published = PublishedDate(datetime(2024, 3, 14), DatePrecision.DAY)
    >>> [(c.type, c.status, [p.name for p in c.participants]) for c in rule_claims(Article("a", None, text, "de", published=published))]
    [('acquisition', 'rumoured', ['Brenta', 'Valsugana'])]
    """
    lang = article.lang or ""
    if lang not in cues.LANGUAGES or not article.text:
        return []
    published = article.published.value.date() if article.published else None
    title = article.title or ""
    text_mentions = _possible_parties(extract_mentions(article.text, lang), lang)
    title_mentions = (
        _known_from_text(
            _possible_parties(split_known_chains(extract_mentions(title, lang), text_mentions), lang), text_mentions
        )
        if title
        else []
    )
    sentences: list[_Sentence] = []
    anchor: EventDate | None = None
    for start, end in _split_sentences(title):
        mentions = [
            Mention(m.text, m.key, m.label, m.type, m.start - start, m.end - start)
            for m in title_mentions
            if start <= m.start and m.end <= end
        ]
        sentences.append(_Sentence(title[start:end], -1, mentions, find_dates(title[start:end], lang, published)))
    for start, end in _split_sentences(article.text):
        body = article.text[start:end]
        mentions = [
            Mention(m.text, m.key, m.label, m.type, m.start - start, m.end - start)
            for m in text_mentions
            if start <= m.start and m.end <= end
        ]
        dates = find_dates(body, lang, published, anchor)
        anchor = dates[-1] if dates else anchor
        sentences.append(_Sentence(body, start, mentions, dates))
    protagonist = _protagonist(text_mentions, title_mentions)
    drafts: list[_Draft] = []
    for index, sentence in enumerate(sentences):
        drafts.extend(_sentence_drafts(index, sentence, lang, published, drafts))
    _attribute_from_next_sentence(drafts, sentences, lang)
    _complete(drafts, sentences, lang, protagonist)
    _settle(drafts, sentences, lang)
    return [
        _claim(d, sentences, article.text) for d in drafts if len(d.parties) >= (2 if d.type in cues.TWO_PARTY else 1)
    ]


def _sentence_drafts(
    index: int, sentence: _Sentence, lang: str, published: date | None, earlier: list[_Draft]
) -> list[_Draft]:
    text = sentence.text
    if text.rstrip().endswith("?"):
        return []  # a question claims nothing
    has_topic = bool(_search(cues.PARTNERSHIP_TOPIC, lang, text))
    orgs = {m.key for m in sentence.mentions if m.type in ("ORG", "MISC")}
    clauses = _split_clauses(text, lang)
    jointly = _compiled(cues.JOINTLY[lang]) if lang in cues.JOINTLY else None
    by_type: dict[str, _Draft] = {}
    eventless: list[tuple[int, int]] = []
    for start, end, relative in clauses:
        found = _clause_types(text[start:end], lang, text, has_topic, len(orgs))
        if not found:
            eventless.append((start, end))
            continue
        for event_type, at in found:
            draft = by_type.get(event_type)
            if draft is None:
                draft = by_type[event_type] = _Draft(event_type, index, [], trigger_at=start + at)
            draft.clauses.append((start, end))
            parties = _eligible(sentence.mentions, event_type, start, end)
            if relative:  # "..., whose business was hit by sanctions": the antecedent takes part
                before = [m for m in sentence.mentions if m.end <= start and _party_kind(m) in _PARTY_TYPES[event_type]]
                _add(parties, before[-1:])
            _add(draft.parties, parties)
            clause_dates = [d for d in sentence.dates if start <= d.start < end and not _dates_founding(text, d, lang)]
            # "confirmed on Monday that it will ship in November": Monday dates the statement, not the event
            event_dates = [d for d in clause_dates if not _dates_statement(text, d, lang)]
            clause_dates = event_dates or clause_dates
            if draft.date is None and clause_dates:
                draft.date = clause_dates[0]
    free_dates = [
        d for d in sentence.dates if any(s <= d.start < e for s, e in eventless) and not _dates_founding(text, d, lang)
    ]
    free_dates = [d for d in free_dates if not _dates_statement(text, d, lang)] or free_dates
    for draft in by_type.values():
        need = 2 if draft.type in cues.TWO_PARTY else 1
        if not draft.parties:
            preceding = [(s, e) for s, e, _r in clauses if e <= draft.clauses[0][0]]
            for s, e in reversed(preceding):
                found_parties = _eligible(sentence.mentions, draft.type, s, e)
                if found_parties:
                    _add(draft.parties, found_parties)
                    break
        if 0 < len(draft.parties) < need:
            subject = _eligible(sentence.mentions, draft.type, 0, len(text))[:1]
            _add(draft.parties, subject)
        if draft.type == "legal_action" and all(_party_kind(p) == "COUNTRY" for p in draft.parties):
            # sanctions name who imposes them; the target is the sentence's company
            _add(
                draft.parties,
                [m for m in _eligible(sentence.mentions, draft.type, 0, len(text)) if _party_kind(m) != "COUNTRY"][:1],
            )
        if jointly and jointly.search(text):
            _add(draft.parties, [m for m in sentence.mentions if m.type in ("ORG", "MISC")])
        if not draft.parties:
            family = _PARTNERSHIP if draft.type in _PARTNERSHIP else (draft.type,)
            previous = next((d for d in reversed(earlier) if d.type in family and d.parties), None)
            if previous:
                _add(draft.parties, previous.parties)
        if draft.date is None and free_dates:
            draft.date = free_dates[0]
        local = [text[s:e] for s, e in draft.clauses] + [text[s:e] for s, e in eventless]
        draft.status, cue = _status(local, lang)
        if published and draft.date and draft.status == "reported" and _is_after(draft.date, published):
            draft.status = "planned"
        draft.attribution = _attribution(draft.status, cue, sentence, lang, draft.clauses + eventless)
    return sorted(by_type.values(), key=lambda d: d.trigger_at)


def _attribute_from_next_sentence(drafts: list[_Draft], sentences: list[_Sentence], lang: str) -> None:
    """'... acquired Y. The company announced it on Monday.': a following sentence with no event of its
    own that confirms, denies or sources an event stated as fact (or a plan) gives it that status (and its
    date, if none); an event whose own sentence is hedged or stated by a party changes only for a denial."""
    drafted = {d.sentence for d in drafts}
    for draft in drafts:
        following = draft.sentence + 1
        if following >= len(sentences) or following in drafted or sentences[draft.sentence].offset < 0:
            continue
        sentence = sentences[following]
        status, cue = _status([sentence.text], lang)
        if status in ("planned", "reported") or status == draft.status:
            continue
        if status == "confirmed" and (draft.status != "reported" or _OFFICIAL.match(cue.group() if cue else "")):
            continue  # "... will officially join in January" says how the event happens, not who states it
        if draft.status in ("confirmed", "rumoured", "denied") and status != "denied":
            continue  # the event's own sentence said how sure it is; only a denial after it overrides that
        draft.status = status
        draft.attribution = _attribution(status, cue, sentence, lang, [(0, len(sentence.text))]) or draft.attribution
        if draft.date is None and sentence.dates and status == "confirmed":
            draft.date = sentence.dates[0]


def _complete(drafts: list[_Draft], sentences: list[_Sentence], lang: str, protagonist: Mention | None) -> None:
    """Fill two-party events from the next sentence's candidates or the article's protagonist."""
    with_word = _compiled(rf"(?:{cues.WITH[lang]})\s+(?:\w+\s+){{0,3}}$") if lang in cues.WITH else None
    drafted = {d.sentence for d in drafts}
    for draft in drafts:
        if draft.type not in cues.TWO_PARTY or len(draft.parties) != 1:
            continue
        following = draft.sentence + 1
        if following < len(sentences) and following not in drafted and sentences[draft.sentence].offset >= 0:
            candidates = [m for m in sentences[following].mentions if m.type in ("ORG", "MISC")]
            if candidates:
                _add(draft.parties, candidates)
                draft.extra_sentence = following
                continue
        single = draft.parties[0]
        sentence = sentences[draft.sentence].text
        if protagonist and protagonist.key != single.key and with_word and with_word.search(sentence[: single.start]):
            draft.parties.insert(0, protagonist)


def _settle(drafts: list[_Draft], sentences: list[_Sentence], lang: str) -> None:
    """What the status implies for the date, once both are known: a rumour's or a denial's own date ("a démenti
    mercredi") is when it was said, not when the event happens."""
    for draft in drafts:
        text = sentences[draft.sentence].text
        if (
            draft.date is not None
            and draft.status in ("rumoured", "denied")
            and _dates_statement(text, draft.date, lang)
        ):
            draft.date = None


def _claim(draft: _Draft, sentences: list[_Sentence], text: str) -> Claim:
    sentence = sentences[draft.sentence]
    roles = _roles(draft.type, draft.parties, draft.trigger_at, sentence.text)
    participants = tuple(
        Participant(p.key, p.label, p.type, role) for p, role in zip(draft.parties, roles, strict=True)
    )
    if sentence.offset < 0:
        evidence, start, end = sentence.text, -1, -1
    else:
        start = sentence.offset
        last = sentences[draft.extra_sentence] if draft.extra_sentence is not None else sentence
        end = last.offset + len(last.text)
        evidence = text[start:end]
    return Claim(
        draft.type,
        draft.status,
        participants,
        evidence,
        start,
        end,
        draft.date.value if draft.date else None,
        draft.date.precision if draft.date else None,
        draft.attribution,
    )


ClaimExtractor = Callable[[Article], list[Claim]]


def _chat_extractor(settings: Settings) -> ClaimExtractor:
    from storyline.enrich.llm_claims import ChatClaimExtractor

    return ChatClaimExtractor.from_settings(settings)


# A factory makes a claim extractor from the run's settings; a `storyline.claims` plugin is one of these. A
# name is a version: stored claims record it, and a new name re-reads the stored articles.
ClaimExtractorFactory = Callable[[Settings], ClaimExtractor]

CLAIM_EXTRACTORS: Registry[ClaimExtractorFactory] = Registry("storyline.claims", "claim extractor")
CLAIM_EXTRACTORS.register(
    BUILTIN, lambda settings: partial(extract_claims, settings=settings), "storyline.enrich.claims:extract_claims"
)
CLAIM_EXTRACTORS.register("llm", _chat_extractor, "storyline.enrich.llm_claims:ChatClaimExtractor")


def get_extractor(settings: Settings) -> ClaimExtractor:
    """The claim extractor the settings name."""
    return CLAIM_EXTRACTORS.get(settings.claims)(settings)
