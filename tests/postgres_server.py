"""A throwaway PostgreSQL 15 cluster for the PostgreSQL store backend's contract tests.

`postgres_server()` runs initdb in a fresh temp dir, starts the server on a free 127.0.0.1 port
and yields `postgresql://USER@127.0.0.1:PORT/storyline_test`; on exit it stops the server and
removes everything. initdb refuses to run as root, so as root the server runs as Debian's
`postgres` system user (through runuser or su).
"""

from __future__ import annotations

import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
RUN_AS_ROOT = "postgres"  # the system user Debian's postgresql package creates


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be set up or started here; the message says why."""


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: Debian's PostgreSQL 15, else PATH, else another Debian version."""
    if (DEBIAN_BIN / "initdb").is_file() and (DEBIAN_BIN / "pg_ctl").is_file():
        return DEBIAN_BIN
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent  # /usr/local/bin/initdb may link into the real bin dir
    # Debian keeps initdb/pg_ctl off PATH; a newer release ships another major version
    others = sorted(
        DEBIAN_BIN.parents[1].glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0
    )
    return others[-1].parent if others and (others[-1].parent / "pg_ctl").is_file() else None


def _run_as() -> str | None:
    """The user that runs initdb/pg_ctl: ourselves, or `postgres` when root (None: no such user)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(RUN_AS_ROOT)
    except KeyError:
        return None
    return RUN_AS_ROOT


def unavailable_reason() -> str | None:
    """Why `postgres_server()` cannot work here, or None when it should."""
    if find_binaries() is None:
        return (
            f"no PostgreSQL binaries (initdb, pg_ctl) in {DEBIAN_BIN} or on PATH; install Debian's postgresql package"
        )
    if _run_as() is None:
        return f"running as root and there is no {RUN_AS_ROOT!r} user to run initdb as (install Debian's postgresql package)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(user: str, argv: list[str]) -> list[str]:
    """`argv` run as `user`: directly when that is us, else through runuser (or su)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *argv]
    return ["su", user, "-s", "/bin/sh", "-c", shlex.join(argv)]


@contextmanager
def postgres_server(dbname: str = "storyline_test") -> Iterator[str]:
    """Start a throwaway cluster, yield its URL, then stop it and delete its data (PostgresUnavailable if it can't)."""
    if reason := unavailable_reason():
        raise PostgresUnavailable(reason)
    bin_dir, user = find_binaries(), _run_as()
    assert bin_dir is not None and user is not None
    tmp = Path(tempfile.mkdtemp(prefix="storyline-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    if os.geteuid() == 0:
        shutil.chown(tmp, user)  # the server's user must own its data dir, socket dir and log

    def run(argv: list[str], what: str) -> None:
        # cwd=tmp: the unprivileged user may not be able to enter the caller's working directory
        proc = subprocess.run(_as_user(user, argv), cwd=tmp, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            log_tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no server log)"
            raise PostgresUnavailable(
                f"{what} failed (exit {proc.returncode}): {shlex.join(argv)}\n"
                f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}\n--- server log tail ({log}) ---\n{log_tail}"
            )

    started = False
    try:
        run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-locale"], "initdb"
        )
        port = _free_port()
        # initdb ran as `user`; root may still write its files (they keep their owner)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{tmp}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"  # throwaway data: speed over safety
            )
        (data / "pg_hba.conf").write_text(  # trust, but only over the socket and from 127.0.0.1
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"], "pg_ctl start")
        started = True
        createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, dbname]
        run(createdb, "createdb")
        yield f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
    finally:
        try:
            if started:  # immediate: nothing here is worth a clean shutdown checkpoint
                run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], "pg_ctl stop")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server at `server_url`, dropped (forcibly) afterwards; yields its URL."""
    import psycopg  # here, not at the top: the tests that never touch PostgreSQL need not have it
    from psycopg import sql

    name = f"t_{secrets.token_hex(6)}"
    maintenance = urlsplit(server_url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
