"""Language identification with py3langid, restricted to the languages a user works with."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from storyline.defaults import DEFAULT_LANGUAGES

_identifiers: dict[tuple[str, ...], LanguageIdentifier] = {}
_lock = threading.Lock()


def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    with _lock:
        identifier = _identifiers.get(languages)
        if identifier is None:
            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(languages))
            _identifiers[languages] = identifier
        return identifier


def detect_language(text: str, languages: Iterable[str] = DEFAULT_LANGUAGES) -> tuple[str | None, float]:
    """ISO 639-1 code and a confidence in [0, 1]; (None, 0.0) when there is nothing to judge.

    >>> detect_language("Der Kamerahersteller kündigte am Montag eine neue Partnerschaft an.")[0]
    'de'
    """
    sample = text[:3000].strip()
    if sum(ch.isalpha() for ch in sample) < 3:
        return None, 0.0
    lang, confidence = _identifier(tuple(languages)).classify(sample)
    return lang, round(float(confidence), 4)
