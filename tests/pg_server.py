"""A throwaway PostgreSQL server in a temp directory, run as a non-root user."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    for candidate in (
        "/usr/lib/postgresql/15/bin",
        "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/17/bin",
    ):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb) not found: install postgresql-15 (see .ci/run)"
        )
    return Path(found).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Start with start(), read url, stop with stop()."""

    def __init__(self):
        self.bindir = _bindir()
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="market-pg-"))
        self.data = self.dir / "data"
        self.user = None
        if os.geteuid() == 0:  # postgres refuses to run as root
            self.user = os.environ.get("MARKET_TEST_PG_USER", "postgres")
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *args, **kwargs):
        cmd = [str(a) for a in args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)

    def start(self) -> "PostgresServer":
        self._run(
            self.bindir / "initdb",
            "-D",
            self.data,
            "-U",
            "market",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "log",
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start",
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self._run(self.bindir / "pg_isready", "-h", "127.0.0.1", "-p", self.port)
                break
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        return self

    def create_database(self, name: str) -> str:
        self._run(self.bindir / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "market", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://market@127.0.0.1:{self.port}/{name}"

    def restart(self) -> None:
        """Stop the server (connections are cut, as in a restart or failover) and start it again."""
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "log",
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        )

    def stop(self) -> None:
        try:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
