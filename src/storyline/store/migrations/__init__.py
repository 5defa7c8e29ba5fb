"""Schema changes, numbered: `NNNN_name.sql` for SQLite, `postgres/NNNN_name.sql` for PostgreSQL.

One numbered list for both backends: a change gets one number and a script per backend. PostgreSQL
support began at 0013, whose script creates the whole schema as SQLite has it after its 0013; a number
without a script for a backend changes nothing there (`numbers_agree` checks the list from 0013 on).
"""

from __future__ import annotations

import re
from importlib import resources

POSTGRES_FROM = 13  # the first number with a PostgreSQL script


def migrations(backend: str) -> list[tuple[int, str]]:
    """(number, script) of a backend ('sqlite' or 'postgres'), in order."""
    folder = resources.files("storyline.store.migrations")
    if backend == "postgres":
        folder = folder / "postgres"
    found = []
    for entry in folder.iterdir():
        match = re.match(r"(\d+)_.*\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


def numbers_agree() -> bool:
    """Every change from POSTGRES_FROM on has a script for both backends."""
    sqlite = {n for n, _ in migrations("sqlite") if n >= POSTGRES_FROM}
    return sqlite == {n for n, _ in migrations("postgres")}
