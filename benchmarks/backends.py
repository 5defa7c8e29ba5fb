"""Where a benchmark's stores live: SQLite files, or databases on a PostgreSQL server.

A store is named by what ``storyline.store.open_store`` takes: a file path for SQLite, a
``postgresql://`` URL for PostgreSQL. The benchmarks open stores only through ``open_store`` and
the store contract; what the contract has no word for, because it is about databases rather than
stores, is here: copying a built store for a run that writes to it (a file copy; ``CREATE
DATABASE ... TEMPLATE``), removing the copy, its size on disk, and a throwaway PostgreSQL cluster.

:func:`postgres_cluster` starts one the way ``tests/postgres_server.py`` does (initdb as the
``postgres`` user when root, 127.0.0.1 on a free port, trust authentication, data in a temp dir
removed at the end), but keeps PostgreSQL's default settings: the test helper turns ``fsync``,
``synchronous_commit`` and ``full_page_writes`` off for speed, which a benchmark should not.
Extra settings can be given (``--pg-setting NAME=VALUE`` in the scripts); what the server runs
with is read back by :func:`server_settings` and printed with the figures.

To keep one cluster up for several runs (the 100k store is then built there once)::

    .venv/bin/python benchmarks/backends.py &     # prints postgresql://postgres@127.0.0.1:PORT/postgres
    .venv/bin/python benchmarks/stories.py --sizes 100000 --backends sqlite postgres --db URL
    .venv/bin/python benchmarks/web.py --backends sqlite postgres --db URL
    kill %1                                       # stops the cluster and removes its data

On a server of one's own (``--db postgresql://USER@HOST:PORT/NAME``) the benchmarks create and
drop their own databases, ``storyline_bench_*`` (NAME is only where they connect first), so USER
needs the CREATEDB privilege.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storyline.store import is_server_address

TESTS = Path(__file__).resolve().parents[1] / "tests"
# What server_settings reads back: the settings that decide what a write or a read costs.
SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "max_wal_size",
    "checkpoint_timeout",
    "jit",
    "autovacuum",
)


def add_backend_arguments(parser: argparse.ArgumentParser, backends_help: str) -> None:
    """The options every benchmark that runs on both backends takes: --backends, --db and --pg-setting."""
    parser.add_argument("--backends", nargs="+", choices=("sqlite", "postgres"), help=backends_help)
    parser.add_argument(
        "--db",
        metavar="URL",
        help="the PostgreSQL server (postgresql://USER@HOST:PORT/DB; USER needs CREATEDB); default: a throwaway"
        " cluster with default settings",
    )
    parser.add_argument(
        "--pg-setting", action="append", metavar="NAME=VALUE", help="a setting of the throwaway cluster (repeatable)"
    )


def is_postgres(store: str | Path) -> bool:
    return is_server_address(str(store))


def with_database(server: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server`` (a URL naming any database)."""
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@contextmanager
def _admin(server: str) -> Iterator[Any]:
    """An autocommit connection to the server's maintenance database, for CREATE and DROP DATABASE."""
    import psycopg  # here: SQLite-only runs need no PostgreSQL driver

    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as connection:
        yield connection


def _identifier(name: str) -> Any:
    from psycopg import sql

    return sql.Identifier(name)


def _sql(text: str, *names: str) -> Any:
    from psycopg import sql

    return sql.SQL(text).format(*(_identifier(n) for n in names))


def database_exists(url: str) -> bool:
    with _admin(url) as admin:
        return (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database_name(url),)).fetchone() is not None
        )


def create_database(url: str, template: str | None = None) -> None:
    """A new database at ``url``: empty, or a copy of the database at ``template`` (which must be idle)."""
    with _admin(url) as admin:
        if template is None:
            admin.execute(_sql("CREATE DATABASE {}", database_name(url)))
        else:  # FILE_COPY: copy the files after a checkpoint, rather than write every page through the WAL
            admin.execute(
                _sql("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY", database_name(url), database_name(template))
            )


def drop_database(url: str) -> None:
    with _admin(url) as admin:
        admin.execute(_sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", database_name(url)))


def rename_database(url: str, new_url: str) -> None:
    with _admin(url) as admin:
        admin.execute(_sql("ALTER DATABASE {} RENAME TO {}", database_name(url), database_name(new_url)))


def database_comment(url: str) -> str | None:
    """The comment on the database at ``url`` (where a built store keeps what it was built from)."""
    with _admin(url) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (database_name(url),)
        ).fetchone()
    return row[0] if row else None


def set_database_comment(url: str, comment: str) -> None:
    from psycopg import sql

    with _admin(url) as admin:
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(_identifier(database_name(url)), sql.Literal(comment))
        )


def vacuum_analyze(url: str) -> None:
    """VACUUM (ANALYZE) a freshly written database: the planner statistics and visibility map that autovacuum
    would have given a store written over months (a bulk build is minutes)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def server_settings(url: str) -> dict[str, str]:
    with _admin(url) as admin:
        return {name: admin.execute(_sql("SHOW {}", name)).fetchone()[0] for name in SETTINGS}


def store_bytes(store: str | Path) -> int:
    """The store's size on disk: the file (SQLite), or the database (PostgreSQL)."""
    if not is_postgres(store):
        return Path(store).stat().st_size
    with _admin(str(store)) as admin:
        return int(admin.execute("SELECT pg_database_size(%s)", (database_name(str(store)),)).fetchone()[0])


def copy_store(source: str | Path, target: str | Path) -> None:
    """A copy of the store at ``source`` at ``target`` (a file path, or a URL on the same server)."""
    if is_postgres(source):
        drop_database(str(target))
        create_database(str(target), template=str(source))
    else:
        remove_store(target)
        shutil.copyfile(source, target)


def remove_store(store: str | Path) -> None:
    if is_postgres(store):
        drop_database(str(store))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        for lock in Path(store).parent.glob(Path(store).name + ".*.lock"):
            lock.unlink()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _test_helper() -> Any:
    """tests/postgres_server.py (where to find initdb, whether it can run here), loaded by path."""
    if "postgres_server" not in sys.modules:
        spec = importlib.util.spec_from_file_location("postgres_server", TESTS / "postgres_server.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["postgres_server"] = module
    return sys.modules["postgres_server"]


@contextmanager
def postgres_cluster(settings: dict[str, str] | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL cluster with default settings (plus ``settings``); yields its URL (database
    ``postgres``), then stops it and removes its data."""
    helper = _test_helper()
    if reason := helper.unavailable_reason():
        raise RuntimeError(f"cannot start PostgreSQL: {reason}")
    bin_dir = helper.find_binaries()
    user = helper.RUN_AS_ROOT if os.geteuid() == 0 else None

    def as_user(argv: list[str]) -> list[str]:
        return ["runuser", "-u", user, "--", *argv] if user else argv

    tmp = Path(tempfile.mkdtemp(prefix="storyline-bench-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    if user:
        shutil.chown(tmp, user)
    name = user or pwd.getpwuid(os.geteuid()).pw_name

    def run(argv: list[str]) -> None:
        done = subprocess.run(as_user(argv), cwd=tmp, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{shlex.join(argv)} failed: {done.stdout[-1000:]}{done.stderr[-1000:]}\n{tail}")

    started = False
    try:
        run([str(bin_dir / "initdb"), "-D", str(data), "-U", name, "-A", "trust", "-E", "UTF8", "--no-locale"])
        port = _free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{tmp}'\n")
            for key, value in (settings or {}).items():
                conf.write(f"{key} = '{value}'\n")
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120", "start"])
        started = True
        yield f"postgresql://{name}@127.0.0.1:{port}/postgres"
    finally:
        try:
            if started:
                run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def postgres_server(db: str | None, settings: dict[str, str] | None = None) -> Iterator[str]:
    """The server of ``--db`` (a postgresql:// URL), else a throwaway cluster for the run; yields a URL."""
    if db:
        if not is_postgres(db):
            raise ValueError(f"--db takes a postgresql:// URL, not {db!r}")
        yield db
        return
    with postgres_cluster(settings) as url:
        yield url


def parse_settings(pairs: list[str] | None) -> dict[str, str]:
    settings = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--pg-setting takes NAME=VALUE, not {pair!r}")
        settings[key.strip()] = value.strip()
    return settings


def main() -> None:
    """Keep a throwaway cluster up for several benchmark runs (``--db URL``): prints the URL, stops on Ctrl-C or TERM."""
    import argparse
    import signal
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--pg-setting", action="append", metavar="NAME=VALUE", help="a setting of the cluster (repeatable)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave the with-block: stop the server, remove its data
    with postgres_cluster(parse_settings(args.pg_setting)) as url:
        print(url, json.dumps(server_settings(url)), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
