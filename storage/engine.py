"""Engines and sessions for SQLite and PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout on every connection (they are
per-connection settings), and write transactions start with BEGIN IMMEDIATE so that two
writers queue on the lock instead of failing with "database is locked" when a read
transaction upgrades to a write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        # psycopg 3 is what we install; a bare postgresql:// URL would ask for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # Sessions in UTC: timestamps come back as UTC datetimes whatever the server's zone.
    return create_engine(
        url, echo=echo, pool_pre_ping=True, connect_args={"options": "-c TimeZone=UTC"}
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit BEGIN defers the lock).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def dialect_insert(engine: Engine, table):
    """The dialect's INSERT, which has on_conflict_do_nothing() / on_conflict_do_update()
    (spelled the same on SQLite and PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"progressbot needs SQLite or PostgreSQL, not {engine.dialect.name}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading. Closing it ends the transaction without expiring what was
    loaded, so the objects stay readable after the block."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose work commits as one transaction, or not at all."""
    bind = engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
