"""Settings: everything a run can be told, in one object built where storyline is entered (the command line, the
web app, a script) from flags over environment over defaults, and passed down. Nothing below reads the
environment itself.

    >>> Settings.from_env({"STORYLINE_NER": "spacy", "STORYLINE_LANGUAGES": "de, it"}, claims="llm").ner
    'spacy'
    >>> Settings.from_env({"STORYLINE_LANGUAGES": "de, it"}).languages
    ('de', 'it')
    >>> Settings.from_env({"STORYLINE_EMBED_THREADS": "many"})
    Traceback (most recent call last):
    ...
    storyline.errors.ConfigurationError: STORYLINE_EMBED_THREADS must be a whole number of at least 1, not 'many'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from storyline.defaults import BUILTIN_CLAIMS, DEFAULT_EMBEDDER, DEFAULT_LANGUAGES, DEFAULT_MAX_DOCUMENT_BYTES
from storyline.errors import ConfigurationError

ENGINES = ("local", "ray")  # where the pipeline's per-document stages run

# The environment variable of each setting that has one.
ENV = {
    "db": "STORYLINE_DB",
    "embedder": "STORYLINE_EMBEDDER",
    "ner": "STORYLINE_NER",
    "claims": "STORYLINE_CLAIMS",
    "languages": "STORYLINE_LANGUAGES",
    "llm_url": "STORYLINE_LLM_URL",
    "llm_model": "STORYLINE_LLM_MODEL",
    "llm_key": "STORYLINE_LLM_KEY",
    "embed_threads": "STORYLINE_EMBED_THREADS",
    "st_model": "STORYLINE_ST_MODEL",
    "token": "STORYLINE_TOKEN",
    "base_url": "STORYLINE_BASE_URL",
    "bench": "STORYLINE_BENCH",
    "allow_loopback": "STORYLINE_ALLOW_LOOPBACK",
    "host_delay": "STORYLINE_HOST_DELAY",
    "engine": "STORYLINE_ENGINE",
    "ray_address": "STORYLINE_RAY_ADDRESS",
}


@dataclass(frozen=True)
class Settings:
    db: str = "storyline.db"  # an SQLite file or a postgresql:// URL
    # Components, by their registered names (`storyline plugins` lists them).
    embedder: str = DEFAULT_EMBEDDER
    ner: str = ""  # a statistical NER backend beside the rules ('spacy'); '' for the rules alone
    claims: str = BUILTIN_CLAIMS
    # Ingest.
    languages: tuple[str, ...] = DEFAULT_LANGUAGES  # what language identification chooses among
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    workers: int = 1  # extraction processes
    engine: str = "local"  # 'local' (this machine's processes) or 'ray' (pipeline/scale.py)
    ray_address: str | None = None  # a running Ray cluster ('auto', 'ray://head:10001'); None: a local Ray
    allow_loopback: bool = False  # let fetches reach 127.0.0.1 (tests, a local mirror); private networks never
    host_delay: float = 1.0  # seconds between two requests to one host
    # The optional LLM claim extractor: an OpenAI-compatible endpoint.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_key: str | None = None
    # Embedders.
    embed_threads: int | None = None  # BLAS threads of the built-in encoders (None: up to 4, by the cores)
    st_model: str | None = None  # the model of the 'sentence-transformers' embedder, by name or path
    # The web app.
    token: str | None = None  # enables POST /api/ingest
    base_url: str | None = None  # the public address feeds and pages link to
    # Evaluation.
    bench: str | None = None  # the benchmark data folder (default ../shared/bench)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **flags: Any) -> Settings:
        """Settings from `flags` (those not None), then the environment, then the defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, variable in ENV.items():
            raw = environ.get(variable, "").strip()
            if raw:
                values[name] = _parse(name, variable, raw)
        known = {f.name for f in fields(cls)}
        unknown = set(flags) - known
        if unknown:
            raise TypeError(f"not settings: {', '.join(sorted(unknown))}")
        values |= {name: value for name, value in flags.items() if value is not None}
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment `from_env` reads these settings back from (what differs from the defaults)."""
        default = Settings()
        found = {}
        for name, variable in ENV.items():
            value = getattr(self, name)
            if value != getattr(default, name) and value is not None:
                found[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
        return found

    def but(self, **changes: Any) -> Settings:
        """A copy with `changes` (those not None): a command's own flag over the run's settings."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})


def _parse(name: str, variable: str, raw: str) -> Any:
    if name == "languages":
        return tuple(code.strip().lower() for code in raw.split(",") if code.strip())
    if name == "allow_loopback":
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ConfigurationError(f"{variable} must be 1 or 0, not {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    if name == "host_delay":
        try:
            return max(0.0, float(raw))
        except ValueError:
            raise ConfigurationError(f"{variable} must be a number of seconds, not {raw!r}") from None
    if name == "engine" and raw not in ENGINES:
        raise ConfigurationError(f"{variable} must be one of {', '.join(ENGINES)}, not {raw!r}")
    if name == "embed_threads":
        if not raw.isdigit() or int(raw) < 1:
            raise ConfigurationError(f"{variable} must be a whole number of at least 1, not {raw!r}")
        return int(raw)
    return raw
