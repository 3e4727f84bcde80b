"""The inbox: chat requests written down before they are acknowledged, handled from here.

Slack never resends an event it saw answered 200, and never resends a slash command or an
interaction at all, so whatever the bot acknowledges must already be durable. The ack path
calls ``put`` (one short ``INSERT … ON CONFLICT DO NOTHING``: a re-delivery of the same
event id is not stored twice); the instance that stored a row holds it under a lease
(``claimed_by``, ``lease_until``) and renews the lease while it has the row queued or
running. Before running rows it takes them with ``start_many`` (a compare-and-set on its own
claim, so a row another instance has taken over is not run here too); after the handler,
``finish_many`` marks them done and empties the payloads. A row whose lease ran out (its instance
died) is taken over by whichever instance asks first (``take_over``: ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so two instances never take the same row; SQLite has one writer).

Handlers are not in ``finish_many``'s transaction: a crash between the handler's write and
``finish_many`` runs the handler again, so handlers must be idempotent (an update carries its
chat event's id, unique in the database, and is stored once however often it runs).
Done rows are kept a day (``forget_done_before``), so a late re-delivery is still known.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.engine import is_sqlite, read_session, urgent, write_gate, write_session
from storage.models import InboxItem


@dataclass(frozen=True)
class Started:
    kind: str
    payload: str  # JSON, as put
    attempts: int  # this run included


def put(
    engine: Engine, *, platform: str, kind: str, key: str, payload: str, instance_id: str,
    now: datetime, lease: timedelta, wait: bool = True,
) -> int | None:  # fmt: skip
    """Store a request, held by ``instance_id``: its id, or None when ``key`` is stored
    already (a re-delivery). ``wait`` False: raise at once (``is_locked``) rather than wait
    for another writer.

    This runs before every acknowledgement, so it is one Core statement built once per
    dialect on a plain connection: through an ORM session, with the statement built anew,
    it cost 0.39 ms on SQLite against 0.12 ms this way (bench/bench_teams.py). On SQLite it
    skips SQLAlchemy altogether (``_put_on_this_thread``): on a Slack server thread too,
    where SQLAlchemy's connect, begin and execute were three quarters of the time the
    acknowledgement held the GIL (py-spy on 50 clicks at once)."""
    row = inbox_row(platform, kind, key, payload, instance_id, now, lease)
    return put_rows(engine, [row], wait=wait)[0]


def inbox_row(platform: str, kind: str, key: str, payload: str, instance_id: str,
              now: datetime, lease: timedelta) -> dict:  # fmt: skip
    """A request's row as ``put_rows`` takes it."""
    return {
        "platform": platform[:10],
        "kind": kind[:40],
        "delivery_key": key[:200],
        "payload": payload,
        "received_at": now,
        "claimed_by": instance_id[:100],
        "lease_until": now + lease,
        "attempts": 0,
    }


def put_rows(
    engine: Engine, rows: list[dict], *, wait: bool = True, limit: int | None = None
) -> list[int | None]:
    """``put`` for several requests (``inbox_row``s) in one transaction, in order: each one's
    id, or None for a re-delivery. With ``limit``, it stops once that many are newly stored
    (a re-delivery takes no place), and the result is shorter: the rest were not written.
    Requests that find the database busy are written together (bot/platforms/inbox_worker.py
    put_soon): one after another, each on its own thread, they queued at SQLite's write
    gate behind each other."""
    gate = write_gate(engine)
    # Urgent: a person is waiting for this acknowledgement (storage/engine.py WriteGate).
    # With ``wait`` False (an event loop's thread) a held gate is "locked", as SQLite's own
    # lock is to the nowait engine.
    with urgent():
        took = gate.acquire(blocking=wait) if gate is not None else False
    if gate is not None and not took and not wait:
        raise OperationalError("INSERT", {}, Exception("database is locked (write gate)"))
    try:
        if is_sqlite(engine):
            return _put_on_this_thread(engine, rows, limit)
        with engine.connect() as conn:  # PostgreSQL
            with conn.begin():
                statement = _put_statement(engine.dialect.name)
                return _each_until(rows, limit, lambda row: conn.execute(statement, row).scalar())
    finally:
        if took:
            gate.release()


_held_here = threading.local()  # per thread: {engine: its own SQLite connection}
_PUT_COLUMNS = ("platform", "kind", "delivery_key", "payload", "received_at", "claimed_by",
                "lease_until", "attempts")  # fmt: skip
_PUT_DATES = frozenset({"received_at", "lease_until"})
_PUT_SQL = (
    f"INSERT INTO inboxitem ({', '.join(_PUT_COLUMNS)}) VALUES ({', '.join('?' * len(_PUT_COLUMNS))})"
    " ON CONFLICT (delivery_key) DO NOTHING RETURNING id"
)


def _put_on_this_thread(engine: Engine, rows: list[dict], limit: int | None = None
                        ) -> list[int | None]:  # fmt: skip
    """``put`` on SQLite: ``row`` (the same values ``put`` gives SQLAlchemy) straight on a
    DB-API connection this thread keeps for ``engine``, with the dates made as SQLAlchemy
    makes them. The connection is set up by the engine's own hooks, so on an event loop's
    thread (the nowait engine) BEGIN never waits for another process's lock, and on a
    server thread (the door engine) it waits as SQLite's busy timeout says. Through
    SQLAlchemy's connection, pool and result (with the statement cached) the write cost
    0.62 ms a request in bench/bench_teams.py, over half of what the bot's acknowledgement
    costs above the bare SDK app's; this way 0.28 ms."""
    conns = getattr(_held_here, "conns", None)
    if conns is None:
        conns = _held_here.conns = weakref.WeakKeyDictionary()
    held = conns.get(engine)
    if held is None:
        # Detached from the pool: this thread's for good (closed when the thread goes), set
        # up by the engine's connect hooks (WAL, busy timeout 0, no autocheckpoint).
        raw = engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()
        dialect = engine.dialect
        # The column type as this dialect runs it (UTC, then SQLite's text form): the text
        # must be byte for byte what SQLAlchemy writes, as leases are compared as text.
        date = InboxItem.__table__.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)
        held = conns[engine] = (conn, date or (lambda d: d))
    conn, date = held
    params = None

    def insert_one(row: dict) -> int | None:
        nonlocal params  # named in the error, as SQLAlchemy would
        params = tuple(date(row[c]) if c in _PUT_DATES else row[c] for c in _PUT_COLUMNS)
        hit = conn.execute(_PUT_SQL, params).fetchone()
        return None if hit is None else hit[0]

    try:
        conn.execute("BEGIN IMMEDIATE")  # raises at once when another writer holds the lock
        got = _each_until(rows, limit, insert_one)
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):  # as SQLAlchemy would raise it (is_locked reads it)
            raise DBAPIError.instance(_PUT_SQL, params, exc, sqlite3.Error) from exc
        raise
    return got


def _each_until(rows: list[dict], limit: int | None, insert_one) -> list[int | None]:
    """``insert_one(row)`` for each row in order (its id, or None for a re-delivery),
    stopping once ``limit`` rows are newly stored."""
    got: list[int | None] = []
    stored = 0
    for row in rows:
        if limit is not None and stored >= limit:
            break
        one = insert_one(row)
        got.append(one)
        stored += one is not None
    return got


@functools.cache
def _put_statement(dialect: str):
    """INSERT … ON CONFLICT (delivery_key) DO NOTHING RETURNING id, compiled once (SQLAlchemy
    caches the compiled form of a statement object it sees again)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(InboxItem)
        .on_conflict_do_nothing(index_elements=["delivery_key"])
        .returning(InboxItem.id)
    )


def start_many(
    engine: Engine, item_ids: list[int], *, instance_id: str, now: datetime, lease: timedelta
) -> dict[int, Started]:
    """Take these rows of ours to run them now, in one transaction: those still ours and not
    done, by id (a row missing is done, or another instance took it over when our lease
    ran out)."""
    if not item_ids:
        return {}
    with write_session(engine) as s:
        # One statement for the batch: fifty UPDATE … RETURNING one after another took
        # 12.5 ms of a 50-click burst's 40 ms before its updates were stored (probe on
        # bench/bench_under_load.py), every one of them in front of the owners' answers.
        rows = s.connection().execute(
            _START, {"items": list(item_ids), "me": instance_id[:100], "until": now + lease}
        )
        got = {row[0]: Started(*row[1:]) for row in rows}
    return {i: got[i] for i in item_ids if i in got}  # in the order asked (RETURNING's is not)


def finish_many(engine: Engine, item_ids: list[int], *, now: datetime) -> None:
    """Handled: done, and the payload (people's words) emptied, in one transaction."""
    if not item_ids:
        return
    with write_session(engine) as s:
        # Core executemany: one statement, every row (a list through the ORM session would
        # be its bulk update by primary key, which this WHERE is not).
        s.connection().execute(_FINISH, [{"item": i, "now": now} for i in item_ids])


# Built once (values as parameters): every request runs both, and building a statement cost
# about as much CPU as running it (bench/profile_click.py).
_START = (
    update(InboxItem)
    .where(
        InboxItem.id.in_(bindparam("items", expanding=True)),
        InboxItem.done_at.is_(None),
        InboxItem.claimed_by == bindparam("me"),
    )
    .values(lease_until=bindparam("until"), attempts=InboxItem.attempts + 1)
    .returning(InboxItem.id, InboxItem.kind, InboxItem.payload, InboxItem.attempts)
)
_FINISH = (
    update(InboxItem)
    .where(InboxItem.id == bindparam("item"), InboxItem.done_at.is_(None))
    .values(done_at=bindparam("now"), payload="")
)


def renew(engine: Engine, *, instance_id: str, now: datetime, lease: timedelta) -> int:
    """Extend the lease on every row this instance still holds; how many it holds."""
    with write_session(engine) as s:
        result = s.execute(
            update(InboxItem)
            .where(InboxItem.claimed_by == instance_id[:100], InboxItem.done_at.is_(None))
            .values(lease_until=now + lease)
        )
        return result.rowcount or 0


def take_over(
    engine: Engine, *, instance_id: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """Up to ``limit`` rows whose lease ran out (their instance died or stalled), now ours,
    oldest first."""
    if limit <= 0:
        return []
    expired = (InboxItem.done_at.is_(None), InboxItem.lease_until < now)
    pick = select(InboxItem.id).where(*expired).order_by(InboxItem.id).limit(limit)
    if not is_sqlite(engine):
        # Rows another instance is taking over at this moment are skipped, not waited for.
        pick = pick.with_for_update(skip_locked=True)
    with write_session(engine) as s:
        # Picked first, then updated by id in the same transaction: as a subquery of the
        # UPDATE, PostgreSQL may run the pick more than once and take more than ``limit``.
        ids = list(s.scalars(pick))
        if not ids:
            return []
        rows = s.execute(
            update(InboxItem)
            # The lease is checked again: the compare-and-set that makes the row ours.
            .where(InboxItem.id.in_(ids), *expired)
            .values(claimed_by=instance_id[:100], lease_until=now + lease)
            .returning(InboxItem.id)
        ).all()
    return sorted(r[0] for r in rows)


def held(engine: Engine, *, instance_id: str) -> list[int]:
    """Rows this instance holds and has not finished, oldest first."""
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(InboxItem.id)
                .where(InboxItem.claimed_by == instance_id[:100], InboxItem.done_at.is_(None))
                .order_by(InboxItem.id)
            )
        )


def forget_done_before(engine: Engine, cutoff: datetime) -> int:
    """Delete rows handled before ``cutoff`` (re-deliveries come within minutes)."""
    with write_session(engine) as s:
        result = s.execute(
            delete(InboxItem).where(InboxItem.done_at.is_not(None), InboxItem.done_at < cutoff)
        )
        return result.rowcount or 0


def waiting(engine: Engine) -> int:
    """Rows not yet handled, across instances (for tests and reports, not the ack path)."""
    with read_session(engine) as s:
        return s.execute(
            select(func.count()).select_from(InboxItem).where(InboxItem.done_at.is_(None))
        ).scalar_one()
