"""An optional claim extractor that asks an OpenAI-compatible chat endpoint (off by default).

Enable it with `storyline ingest --claims llm` (or STORYLINE_CLAIMS=llm) and point it at a server:
STORYLINE_LLM_URL (e.g. http://127.0.0.1:8080/v1), STORYLINE_LLM_MODEL, and STORYLINE_LLM_KEY
where the server wants one. The answer is constrained by a JSON schema; participants are mapped
onto the entity layer's keys so that timelines join them with claims of the built-in extractor.
Articles go to the server one at a time; a failed call raises `LLMError` (the run stops rather
than storing an article as having no claims).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from storyline.enrich.claim_cues import EVENT_TYPES
from storyline.enrich.entities import extract_mentions, normalize_name
from storyline.errors import ConfigurationError, LLMError
from storyline.model import Article, Claim, Participant
from storyline.settings import ENV, Settings

STATUSES = ("rumoured", "reported", "confirmed", "planned", "denied")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["claims"],
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "status", "participants", "date", "date_precision", "attribution", "evidence"],
                "properties": {
                    "type": {"type": "string", "enum": list(EVENT_TYPES)},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "participants": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "role"],
                            "properties": {"name": {"type": "string"}, "role": {"type": ["string", "null"]}},
                        },
                    },
                    "date": {"type": ["string", "null"], "description": "ISO date truncated to its precision"},
                    "date_precision": {"type": ["string", "null"], "enum": ["year", "month", "week", "day", None]},
                    "attribution": {"type": ["string", "null"]},
                    "evidence": {"type": "string", "description": "the sentence, copied exactly from the text"},
                },
            },
        }
    },
}
_PROMPT = (
    "You extract business events from a news article, in its own language. Event types: "
    + ", ".join(EVENT_TYPES)
    + ". Status: rumoured (unnamed sources, hedged or conditional wording), reported (stated as fact by the outlet),"
    " confirmed (an official statement or announcement by a participant), planned (future or expected), denied."
    " Normalize relative dates against the publication date and give their precision; null when the text gives none."
    " Copy the evidence sentence exactly."
)


@dataclass(frozen=True)
class ChatClaimExtractor:
    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 120.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClaimExtractor:
        if not settings.llm_url or not settings.llm_model:
            raise ConfigurationError(
                f"the llm claim extractor needs an endpoint and a model: {ENV['llm_url']} and {ENV['llm_model']}"
            )
        return cls(settings.llm_url.rstrip("/"), settings.llm_model, settings.llm_key)

    def __call__(self, article: Article) -> list[Claim]:
        published = article.published.isoformat() if article.published else "unknown"
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _PROMPT},
                {
                    "role": "user",
                    "content": f"Language: {article.lang}\nPublished: {published}\nTitle: {article.title or ''}\n\n{article.text}",
                },
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "claims", "strict": True, "schema": SCHEMA},
            },
        }
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
            content = json.loads(answer["choices"][0]["message"]["content"])
        except (urllib.error.URLError, OSError, KeyError, IndexError, ValueError) as exc:
            raise LLMError(f"claim extraction by {self.base_url} failed for article {article.id}: {exc}") from exc
        return [c for c in (_claim(item, article) for item in content.get("claims", [])) if c is not None]


def _claim(item: dict[str, Any], article: Article) -> Claim | None:
    if item.get("type") not in EVENT_TYPES or item.get("status") not in STATUSES:
        return None
    known = {
        normalize_name(m.text): m for m in extract_mentions(f"{article.title or ''}\n{article.text}", article.lang)
    }
    participants = []
    for party in item.get("participants", []):
        name = str(party.get("name", "")).strip()
        if not name:
            continue
        mention = known.get(normalize_name(name))
        key = mention.key if mention else f"name:{normalize_name(name)}"
        participants.append(
            Participant(key, mention.label if mention else name, mention.type if mention else "MISC", party.get("role"))
        )
    evidence = str(item.get("evidence", ""))
    start = article.text.find(evidence) if evidence else -1
    end = start + len(evidence) if start >= 0 else -1
    return Claim(
        item["type"],
        item["status"],
        tuple(participants),
        evidence,
        start,
        end,
        item.get("date"),
        item.get("date_precision"),
        item.get("attribution"),
    )
