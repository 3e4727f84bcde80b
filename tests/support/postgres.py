"""A throw-away PostgreSQL server for the tests: initdb into a temp folder, listen on a free
loopback port, stop and delete at the end. PostgreSQL refuses to run as root, so as root the
server runs as the `postgres` user (via runuser); the tests connect over TCP.

Under pytest-xdist one server serves the whole run: the first worker that needs it starts it
and writes ``info()`` to a file, the others ``attach()`` to it (tests/conftest.py). Each worker
names its databases with its own ``tag`` so that two workers never ask for the same name."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.ports import free_port as _free_port


def find_pg_bin() -> Path:
    env = os.environ.get("PG_BIN")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "postgres").exists() and (Path(c) / "initdb").exists():
            return Path(c)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). "
        "Install them with: apt-get install -y postgresql"
    )


class PostgresServer:
    def __init__(self) -> None:
        self.bin = find_pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="progressbot-pg-"))
        self.datadir = self.root / "data"
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.as_root = os.geteuid() == 0
        # Set on a server shared by several test processes: appended to every database name
        # made through this object, and restart() is refused (it would cut the others off).
        self.tag = ""
        self.shared = False

    def info(self) -> dict[str, str | int]:
        """What another process needs to ``attach`` to this running server."""
        return {"bin": str(self.bin), "root": str(self.root), "port": self.port}

    @classmethod
    def attach(cls, info: dict) -> PostgresServer:
        """The server another process started (``info()``): usable, stoppable, not owned."""
        server = cls.__new__(cls)
        server.bin, server.root = Path(info["bin"]), Path(info["root"])
        server.datadir, server.port = server.root / "data", int(info["port"])
        server.proc, server.as_root = None, os.geteuid() == 0
        server.tag, server.shared = "", True
        return server

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            self._cmd(
                str(self.bin / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        return self._launch()

    def restart(self, down_seconds: float = 0.0) -> PostgresServer:
        """Stop the server (fast shutdown: open connections are cut, as in a real restart or
        fail-over), stay down ``down_seconds``, and start it again on the same port and data."""
        if self.shared:
            raise RuntimeError(
                "this PostgreSQL server is shared by every test process of the run; "
                "a test that restarts the server must use its own (the own_pg_server fixture)"
            )
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(
                self._cmd(str(self.bin / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast"),
                check=True,
                capture_output=True,
                timeout=60,
            )
            self.proc.wait(timeout=30)
        time.sleep(down_seconds)
        return self._launch()

    def _launch(self) -> PostgresServer:
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            self._cmd(
                str(self.bin / "postgres"),
                "-D",
                str(self.datadir),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.root}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'server.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                import psycopg

                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
            except Exception:  # noqa: BLE001 - server still starting up
                time.sleep(0.1)
        raise RuntimeError("postgres did not start within 30 s")

    def dsn(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str, template: str | None = None) -> str:
        import psycopg

        if self.tag:
            name = f"{name}_{self.tag}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            tmpl = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{tmpl}')
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (open connections are cut: a smart one would wait for every pooled
        connection a test left open), then delete the data folder."""
        if self.proc is None or self.proc.poll() is None:
            try:
                subprocess.run(
                    self._cmd(
                        str(self.bin / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast"
                    ),
                    capture_output=True,
                    timeout=30,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # A run leaves hundreds of databases (a few hundred thousand files): deleting them takes
        # seconds that nobody needs to wait for, so it goes on in the background.
        subprocess.Popen(
            ["rm", "-rf", "--", str(self.root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
