"""Shared helpers for the CLI, bad-input and crash-recovery tests.

Everything here writes real files under pytest's tmp_path and drives the real product:
the typer app in-process (CliRunner) or the installed console script as a subprocess.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from storyline.cli import app

STORYLINE_BIN = Path(sys.executable).parent / "storyline"
SEEDS = Path(__file__).parents[1] / ".." / "shared" / "seeds"


def stored(path: Path, *inputs: Path | str) -> Path:
    """A store at `path` holding `inputs` through the normal pipeline (ingest, then stories), closed."""
    from storyline import ingest, open_store
    from storyline.pipeline import update_stories

    store = open_store(str(path))
    ingest([str(i) for i in inputs], store)
    update_stories(store)
    store.close()
    return path


# --- running the CLI -------------------------------------------------------------------------


def invoke(db: Path | str, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    """Run `storyline --db DB ARGS...` in-process; returns click's Result (stdout and stderr separate)."""
    runner = CliRunner()
    return runner.invoke(app, ["--db", str(db), *args], input=input, env=env, catch_exceptions=False)


def invoke_json(db: Path | str, *args: str) -> Any:
    result = invoke(db, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_bin(
    *args: str,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed console script as a real process."""
    full_env = dict(os.environ)
    full_env.pop("STORYLINE_DB", None)
    full_env.update(env or {})
    return subprocess.run(
        [str(STORYLINE_BIN), *args], input=input, capture_output=True, env=full_env, timeout=timeout, cwd=cwd
    )


@pytest.fixture
def cli() -> Callable[..., Any]:
    return invoke


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture(autouse=True)
def _no_inherited_db(monkeypatch: pytest.MonkeyPatch) -> None:
    """A STORYLINE_DB, STORYLINE_LANGUAGES or STORYLINE_BASE_URL in the developer's shell must not leak into the tests."""
    monkeypatch.delenv("STORYLINE_DB", raising=False)
    monkeypatch.delenv("STORYLINE_LANGUAGES", raising=False)
    monkeypatch.delenv("STORYLINE_BASE_URL", raising=False)


def seed_file(name_prefix: str) -> Path:
    """One of the two real seed texts, or skip when the shared folder is not there."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed texts not found at {SEEDS}")
    matches = sorted(SEEDS.glob(f"{name_prefix}*.txt"))
    if not matches:
        pytest.skip(f"no seed {name_prefix}* in {SEEDS}")
    return matches[0]


# --- generated content -----------------------------------------------------------------------

_WORDS = {
    "it": [
        "il",
        "governo",
        "ha",
        "annunciato",
        "lunedì",
        "un",
        "nuovo",
        "accordo",
        "con",
        "le",
        "aziende",
        "del",
        "settore",
        "per",
        "ridurre",
        "i",
        "prezzi",
        "dell'energia",
        "la",
        "città",
        "di",
        "Milano",
        "mercato",
        "lavoro",
        "crescita",
        "banca",
        "centrale",
        "tassi",
        "investimenti",
        "produttore",
        "fotocamere",
        "società",
        "sindacati",
        "ministro",
        "economia",
        "progetto",
        "regione",
    ],
    "en": [
        "the",
        "government",
        "announced",
        "on",
        "monday",
        "a",
        "new",
        "agreement",
        "with",
        "companies",
        "in",
        "the",
        "sector",
        "to",
        "cut",
        "energy",
        "prices",
        "the",
        "city",
        "council",
        "market",
        "jobs",
        "growth",
        "central",
        "bank",
        "rates",
        "investment",
        "manufacturer",
        "unions",
        "minister",
        "economy",
        "project",
        "region",
        "shareholders",
        "quarterly",
        "results",
    ],
    "de": [
        "die",
        "Regierung",
        "hat",
        "am",
        "Montag",
        "eine",
        "neue",
        "Vereinbarung",
        "mit",
        "den",
        "Unternehmen",
        "der",
        "Branche",
        "angekündigt",
        "um",
        "die",
        "Energiepreise",
        "zu",
        "senken",
        "Stadt",
        "Markt",
        "Arbeit",
        "Wachstum",
        "Zentralbank",
        "Zinsen",
        "Investitionen",
        "Hersteller",
        "Gewerkschaften",
        "Minister",
        "Wirtschaft",
        "Projekt",
        "für",
        "über",
        "größer",
    ],
}


def paragraph(rng: random.Random, lang: str, words: int = 60) -> str:
    vocab = _WORDS[lang]
    sentence: list[str] = []
    out: list[str] = []
    for _ in range(words):
        sentence.append(rng.choice(vocab))
        if len(sentence) >= rng.randint(9, 16):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


def article_body(seed: int, lang: str = "it", paragraphs: int = 3) -> list[str]:
    """Distinct, deterministic paragraphs: each `seed` gives a different text (a serial number makes sure)."""
    rng = random.Random(seed)
    paras = [paragraph(rng, lang) for _ in range(paragraphs)]
    paras[0] = f"Numero {seed}: " + paras[0]
    return paras


def text_dump(title: str, dateline: str, paras: list[str]) -> str:
    """A page pasted from a browser: title, dateline, body."""
    return "\n\n".join([title, dateline, *paras]) + "\n"


def html_page(title: str, paras: list[str], published: str | None = None, url: str | None = None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{meta}{canonical}</head>'
        f'<body><nav><a href="/">Home</a></nav><article><h1>{title}</h1>{body}</article>'
        f"<footer>Copyright</footer></body></html>"
    )


def jsonl_line(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


# --- PostgreSQL (the PostgreSQL store backend's contract tests) ------------------------------


def _load_postgres_server() -> Any:
    """tests/postgres_server.py as the module `postgres_server` (tests/ is not on sys.path: --import-mode=importlib)."""
    if "postgres_server" not in sys.modules:
        spec = importlib.util.spec_from_file_location("postgres_server", Path(__file__).with_name("postgres_server.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["postgres_server"] = module  # so test modules can `import postgres_server`
        spec.loader.exec_module(module)
    return sys.modules["postgres_server"]


postgres_server = _load_postgres_server()


def _postgres_unavailable(request: pytest.FixtureRequest, reason: str) -> None:
    """No PostgreSQL: fail in CI (STORYLINE_REQUIRE_POSTGRES or CI set), else skip, loudly."""
    if os.environ.get("STORYLINE_REQUIRE_POSTGRES") or os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required here (STORYLINE_REQUIRE_POSTGRES/CI) but cannot be started: {reason}")
    warnings.warn(f"PostgreSQL tests SKIPPED: {reason}", stacklevel=2)
    # past pytest's output capture, which would hide a print from a skipped fixture
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\n!!! PostgreSQL tests SKIPPED: {reason} !!!", file=sys.stderr, flush=True)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a PostgreSQL server: $STORYLINE_TEST_POSTGRES_URL as is, else a throwaway local cluster."""
    if url := os.environ.get("STORYLINE_TEST_POSTGRES_URL"):
        yield url
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server.postgres_server())
        except postgres_server.PostgresUnavailable as e:
            _postgres_unavailable(request, str(e))
        yield url


@pytest.fixture
def postgres_db_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on that server for one test, dropped afterwards."""
    with postgres_server.fresh_database(postgres_url) as url:
        yield url
