"""Any bytes at all: extraction returns an article or a clear error, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline import RawDocument, process_document

WORDS = st.sampled_from(
    [
        "Leica",
        "Huawei",
        "Fonte:",
        "www.example.it",
        "24-05-2022",
        "15:02",
        "-",
        "Continua...",
        "Kommentar",
        "1.",
        "©",
        "Share",
        "\n",
        "\n\n",
        "…",
        "Der",
        "die",
        "und",
        "é",
        "ü",
        "Ã",
        "\x00",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["text/plain", "text/html"]))
def test_arbitrary_bytes_never_crash(data: bytes, media_type: str) -> None:
    article, problems = process_document(RawDocument("fuzz", data, media_type))
    assert article is not None or problems
    assert all(p.reason and not p.reason.startswith("unexpected") for p in problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=120).map(" ".join))
def test_arbitrary_pasted_text_never_crashes(text: str) -> None:
    article, problems = process_document(RawDocument("fuzz", text.encode("utf-8", "surrogatepass"), "text/plain"))
    assert article is not None or problems
    assert all(not p.reason.startswith("unexpected") for p in problems)
    if article is not None:
        assert article.text.strip()
