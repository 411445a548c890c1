"""A throwaway PostgreSQL server for the tests: its own cluster in a temp folder, reachable only by a socket."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL server binaries not found: run `bash scripts/system-deps.sh`.")
    return Path(initdb).parent


def _run(args: list[str], as_postgres: bool) -> None:
    command = ["runuser", "-u", "postgres", "--", *args] if as_postgres else args
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")


class PrivateServer:
    """A private cluster a test may stop (as a crash would: immediate mode) and start again."""

    def __init__(self, base: Path, as_postgres: bool) -> None:
        self.base, self.as_postgres = base, as_postgres
        self.data, self.sockets = base / "data", base / "sock"

    def start(self) -> None:
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.base / "server.log"), "-o",
              f"-k {self.sockets} -c listen_addresses='' -c fsync=off", "start"], self.as_postgres)

    def stop(self) -> None:
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], self.as_postgres)


@contextmanager
def private_server() -> Iterator[PrivateServer]:
    with postgres_server() as sockets:
        yield PrivateServer(Path(sockets).parent, os.geteuid() == 0)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a private cluster (no TCP, a socket in a fresh temp folder); yield the socket folder; remove it all.

    As root the server runs as the `postgres` user (initdb refuses root), so the folder lives directly under
    the system temp folder, which that user can reach, unlike pytest's private one.
    """
    bin_dir = _bin_dir()
    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="cs-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if as_postgres:
        for folder in (base, sockets):
            shutil.chown(folder, "postgres")
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], as_postgres)
        # the owner (postgres) connects without a password; every other login proves theirs, as on a real server
        (data / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "server.log"), "-o",
              f"-k {sockets} -c listen_addresses='' -c fsync=off", "start"], as_postgres)
        try:
            yield str(sockets)
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], as_postgres)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def login_url(owner_url: str, login: str, password: str | None) -> str:
    """The same database, connected as `login` (the password URL-quoted)."""
    from sqlalchemy import make_url

    return make_url(owner_url).set(username=login, password=password).render_as_string(hide_password=False)


def create_database(sockets: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    bin_dir = _bin_dir()
    _run([str(bin_dir / "createdb"), "-h", sockets, "-U", "postgres", name], os.geteuid() == 0)
    return f"postgresql+psycopg://postgres@/{name}?host={sockets}"
