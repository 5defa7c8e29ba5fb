"""The throwaway PostgreSQL server the PostgreSQL store backend's contract tests run against."""

from __future__ import annotations

import psycopg

import postgres_server  # tests/postgres_server.py, registered under this name by conftest.py


def test_server_accepts_connections(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
    assert version.startswith("PostgreSQL"), version


def test_fresh_database_per_test(postgres_url: str, postgres_db_url: str) -> None:
    with psycopg.connect(postgres_db_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        assert tables == 0
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, name text)")
        conn.execute("INSERT INTO t VALUES (1, 'uno'), (2, 'zwei')")
        assert conn.execute("SELECT name FROM t ORDER BY id").fetchall() == [("uno",), ("zwei",)]
    # a second database is another, empty one
    with postgres_server.fresh_database(postgres_url) as other_url:
        assert other_url != postgres_db_url
        with psycopg.connect(other_url) as conn:
            assert conn.execute("SELECT to_regclass('public.t')").fetchone()[0] is None
