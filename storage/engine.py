"""Engines and sessions for SQLite and PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout on every connection (they are
per-connection settings), and write transactions start with BEGIN IMMEDIATE so that two
writers queue on the lock instead of failing with "database is locked" when a read
transaction upgrades to a write. PostgreSQL connections are pinged when taken from the pool,
and the scheduled jobs retry while the database is unavailable (``retry_while_db_down``), so a
database restart costs a pause, not a lost or doubled message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Page cache per connection, in KiB (SQLite's default is 2 MiB). A 10,000-action plan's
# action table alone is 2.8 MiB, so with the default every read of the whole plan went back
# to the operating system for its pages; 16 MiB holds what a digest reads (the plan, its
# latest updates, a week of the update index) and is only taken as pages are read.
SQLITE_CACHE_KIB = 16 * 1024
# Connections for answering chat platforms (side_engine): each holds one for a short INSERT.
SIDE_CONNECTIONS = 8
_sides: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_nowaits: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_sides_lock = threading.Lock()
log = logging.getLogger(__name__)
T = TypeVar("T")


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
    # Up to 30 connections an instance, and the 8 that answer chat platforms (side_engine): two
    # instances stay well under PostgreSQL's default max_connections of 100. Work waits up
    # to a minute for one.
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=60,
        connect_args={"options": "-c TimeZone=UTC"},
    )


def side_engine(engine: Engine) -> Engine:
    """An engine on ``engine``'s database with a small pool of its own, for the work that
    answers chat platforms and so must never wait behind the main pool: the HTTP gate's
    replay check and the durable inbox's INSERT run before Slack is answered, while the
    work already acknowledged and the scheduled jobs may hold every main connection. One
    per main engine, shared by those callers (``SIDE_CONNECTIONS``). SQLite gets ``engine``
    itself (one process, and an in-memory database exists only once)."""
    if is_sqlite(engine):
        return engine
    with _sides_lock:
        side = _sides.get(engine)
        if side is None:
            side = create_engine(
                engine.url,
                pool_pre_ping=True,
                pool_size=SIDE_CONNECTIONS,
                max_overflow=0,
                pool_timeout=10,
                connect_args={"options": "-c TimeZone=UTC"},
            )
            _sides[engine] = side
    return side


def nowait_engine(engine: Engine) -> Engine | None:
    """For a SQLite file: an engine on the same file whose connections never wait for the
    write lock (busy timeout 0; a held lock raises at once, see ``is_locked``). The
    acknowledgement path writes through it on the event loop, saving two thread hops, and
    hands the write to a thread only when another writer holds the lock. None for
    PostgreSQL (a round trip must not block the loop) and for an in-memory database."""
    if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
        return None
    with _sides_lock:
        fast = _nowaits.get(engine)
        if fast is None:
            fast = create_engine(
                engine.url, connect_args={"check_same_thread": False, "timeout": 0}
            )
            _configure_sqlite(fast, busy_timeout_ms=0)

            @event.listens_for(fast, "connect")
            def _no_checkpoints(dbapi_conn, _record):
                # A commit past 1,000 pages of WAL copies them into the database and syncs
                # it, in the committing connection: milliseconds an acknowledgement must not
                # wait. The other connections' commits still do it.
                dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

            _nowaits[engine] = fast
    return fast


def is_locked(exc: BaseException) -> bool:
    """SQLite refused because another connection holds the write lock."""
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit BEGIN defers the lock).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
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
    return dialect_insert_for(engine.dialect.name, table)


def dialect_insert_for(dialect: str, table):
    """``dialect_insert`` by the dialect's name."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"progressbot needs SQLite or PostgreSQL, not {dialect}")


def db_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (a restart, a fail-over,
    a network fault) — worth retrying — as opposed to a bug or a refused write."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
    )


def retry_while_db_down(fn: Callable[[], T], *, attempts: int = 7, first_wait: float = 1.0,
                        what: str = "database work") -> T:  # fmt: skip
    """Run ``fn``; while the database is unavailable, wait (1, 2, 4 … up to 30 s) and run it
    again, up to ``attempts`` times in all. ``fn`` must be safe to run again: the jobs are,
    because they recompute what is due from the database and claim before sending. A broken
    pooled connection is replaced on the next checkout (``pool_pre_ping``)."""
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts or not db_unavailable(exc):
                raise
            log.warning("%s: database unavailable (%s); retry %d in %.0f s", what,
                        type(exc).__name__, attempt, wait)  # fmt: skip
            time.sleep(wait)
            wait = min(wait * 2, 30.0)
    raise AssertionError("unreachable")


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
    """A session whose work commits as one transaction, or not at all. On SQLite it waits
    its turn at the database's write gate first (``WriteGate``)."""
    gate = write_gate(engine)
    took = gate.acquire() if gate is not None else False
    try:
        bind = engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if took:
            gate.release()


class WriteGate:
    """SQLite has one writer at a time, and a connection that finds the lock taken sleeps
    in SQLite's busy handler in steps of up to 100 ms, however soon the lock is free: with a
    sweep writing 150 times a second beside them, owners' clicks waited seconds. Writers in
    this process queue here instead, and are woken the moment the writer before them is
    done; writers marked ``urgent`` (answering a person: the inbox's write before the
    acknowledgement, and handling what was acknowledged) go before the others.
    Re-entrant per thread. Other processes still meet SQLite's own lock.

    The gate is handed over: a release gives it to the next waiter (the first urgent one,
    else the first other) and wakes that thread alone. A shared condition woken for all
    would wake every waiter at each release, and a sweep's 24 senders queued here each
    took the GIL just to find they must wait again, thousands of times a second, while an
    owner's click waited for the GIL behind them."""

    def __init__(self, wait_seconds: float = SQLITE_BUSY_TIMEOUT_MS / 1000):
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._urgent: deque[_Waiter] = deque()
        self._others: deque[_Waiter] = deque()
        self.wait_seconds = wait_seconds

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take the gate; False when not taken (not ``blocking`` and it is held, or held
        past ``wait_seconds``: then SQLite's own lock decides, as without the gate)."""
        me = threading.get_ident()
        if blocking and self._owner != me:
            step_aside = getattr(_urgent, "step_aside", None)
            if step_aside is not None and not is_urgent():
                step_aside()  # background work: people being answered go first (background())
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:  # free: nobody is queued (a release hands it over)
                self._owner, self._depth = me, 1
                return True
            if not blocking:
                return False
            waiter = _Waiter(me)
            (self._urgent if is_urgent() else self._others).append(waiter)
        try:
            if waiter.handed.acquire(timeout=self.wait_seconds):
                return True  # the releaser made us the owner
        except BaseException:
            # Interrupted while queued (Ctrl-C, SIGTERM's SystemExit on the main thread): a
            # gate handed to a thread no longer waiting would never be released.
            with self._mutex:
                if self._owner == me:
                    self._depth = 1
                    self._release_locked()
                else:
                    self._drop(waiter)
            raise
        with self._mutex:
            if self._owner == me:  # handed over just as the wait ran out
                return True
            self._drop(waiter)
            return False

    def _drop(self, waiter: _Waiter) -> None:
        (self._urgent if waiter in self._urgent else self._others).remove(waiter)

    def release(self) -> None:
        with self._mutex:
            self._release_locked()

    def _release_locked(self) -> None:
        self._depth -= 1
        if self._depth:
            return
        queue = self._urgent or self._others
        if not queue:
            self._owner = None
            return
        waiter = queue.popleft()
        self._owner, self._depth = waiter.thread, 1
        waiter.handed.release()


class _Waiter:
    """A thread queued at a WriteGate: its lock is released when the gate is handed to it."""

    __slots__ = ("thread", "handed")

    def __init__(self, thread: int):
        self.thread = thread
        self.handed = threading.Lock()
        self.handed.acquire()


_gates: dict[str, WriteGate] = {}
_urgent = threading.local()


def write_gate(engine: Engine) -> WriteGate | None:
    """The write gate of ``engine``'s SQLite database (one per file, shared by every engine
    on it, nowait_engine's too); None for PostgreSQL, which has row locks, not one writer."""
    if not is_sqlite(engine):
        return None
    key = engine.url.database or f":memory:{id(engine)}"
    with _sides_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = WriteGate()
    return gate


@contextmanager
def _on_this_thread(name: str, value) -> Iterator[None]:
    """``name`` set to ``value`` for this thread inside the block, as it was after it."""
    was = getattr(_urgent, name, None)
    setattr(_urgent, name, value)
    try:
        yield
    finally:
        setattr(_urgent, name, was)


def urgent():
    """Writes in this block (this thread) answer a person: they go first at the write gate."""
    return _on_this_thread("on", True)


def background(step_aside: Callable[[], object]):
    """Writes in this block (this thread) are background work (a sweep's nudges): before
    each takes SQLite's write gate, ``step_aside()`` is called, which waits (briefly) while
    people are being answered. Urgent writes are queued ahead of background ones already,
    but a background write that takes the gate free holds it for its whole transaction,
    and under a sweep's 24 senders the gate was held so often that Teams' acknowledgements
    mostly found it taken and had to hop to a thread to wait for it."""
    return _on_this_thread("step_aside", step_aside)


def is_urgent() -> bool:
    return bool(getattr(_urgent, "on", False))
