"""What changed between two versions of a text, sentence by sentence (a page's revisions)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+|\n+")


def sentences(text: str) -> list[str]:
    """A text's sentences and lines, stripped, in order.

    >>> sentences("Leica leaves. Xiaomi comes!\\nNew line")
    ['Leica leaves.', 'Xiaomi comes!', 'New line']
    """
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def changed_sentences(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed, added): the sentences of `old` that `new` no longer has and those it has anew, in order.

    >>> changed_sentences("A is rumoured. B stays.", "A is confirmed. B stays.")
    (['A is rumoured.'], ['A is confirmed.'])
    """
    before, after = sentences(old), sentences(new)
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(before[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(after[j1:j2])
    return removed, added
