"""Appending progress updates. The update log is never edited; the action's cached status,
its LatestUpdate row and any deadline revision are written in the same transaction as the
update."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from sqlalchemy import bindparam, insert
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.cache import apply_to_action_cache, latest_row, upsert_latest
from storage.chat import event_key
from storage.engine import is_sqlite
from storage.models import Action, DeadlineRevision, Update
from storage.queries import NotFound


@dataclass(frozen=True)
class NewUpdate:
    action_id: int
    status: str | None
    commentary: str
    source: str
    author_owner_id: int | None = None
    author_name: str = ""
    revised_deadline_text: str | None = None
    revised_due: date | None = None
    external_id: str | None = None


def append_update(session: Session, new: NewUpdate, *, now: datetime) -> tuple[Update, bool]:
    """Store ``new``; returns (update, created). With an external_id already stored (a chat
    event delivered twice), returns the stored update and created=False, writing nothing.
    Only a hash of the external id is stored (storage/chat.py event_key)."""
    update, created, _action = append_update_row(session, new, now=now)
    return update, created


def append_update_row(
    session: Session, new: NewUpdate, *, now: datetime
) -> tuple[Update, bool, CachedAction | None]:
    """``append_update``, also returning the action's row as the update left it (None when
    nothing was written): a caller that shows the action reads it from here, not again (the
    session holds its rows weakly, so one dropped here would be read once more)."""
    return append_update_rows(session, [new], now=now)[0]


def append_update_rows(
    session: Session, news: list[NewUpdate], *, now: datetime
) -> list[tuple[Update, bool, CachedAction | None]]:
    """``append_update_row`` for several updates in this one transaction (a burst of
    clicks), in order, with one query per step rather than per update: an event already
    stored (or twice in ``news``) is returned with created=False and written once. Two
    updates to one action fold into its cache one after the other, as if appended apart."""
    news = [replace(n, external_id=event_key(n.external_id)) if n.external_id else n for n in news]
    keys = sorted({n.external_id for n in news if n.external_id})
    held: dict[str, Update] = {}
    if keys:
        held = {
            u.external_id: u
            for u in session.exec(select(Update).where(Update.external_id.in_(keys)))
        }
    out: list[tuple[Update, bool, CachedAction | None] | None] = [None] * len(news)
    todo: list[tuple[int, NewUpdate]] = []
    for i, new in enumerate(news):
        if new.external_id in held:
            continue
        todo.append((i, new))
        if new.external_id:
            held[new.external_id] = None  # a second delivery within this batch: see below
    if todo:
        _insert(session, todo, out, now)
    for i, new in enumerate(news):
        if out[i] is None:  # stored before, or earlier in this batch
            found = held.get(new.external_id)
            out[i] = (
                found if found is not None else _by_key(session, new.external_id),
                False,
                None,
            )
    return out


def _insert(session: Session, todo, out, now: datetime) -> None:
    # Locked until commit (PostgreSQL; SQLite's write transactions are serial already), so two
    # instances appending to one action fold their updates into its cache one after the other.
    ids = sorted({new.action_id for _i, new in todo})
    # The cached columns as plain values, written back in one executemany UPDATE: through the
    # ORM, 50 clicked actions were 50 instrumented rows and 50 single UPDATEs (SQLite's
    # driver gives no row counts for executemany, so the ORM sends them one by one), half the
    # store's CPU.
    actions = {
        r[0]: CachedAction(*r)
        for r in session.execute(select(*_CACHED).where(Action.id.in_(ids)).with_for_update())
    }
    missing = [i for i in ids if i not in actions]
    if missing:
        raise NotFound(f"no action with id {missing[0]}")
    # Whether each action's latest update so far came from a plan import (one query).
    prior = {a.last_update_id for a in actions.values() if a.last_update_id is not None}
    imported = set()
    if prior:
        imported = set(
            session.scalars(
                select(Update.id).where(Update.id.in_(prior), Update.source == "import")
            )
        )
    values = [
        {
            "plan_id": actions[new.action_id].plan_id,
            "action_id": new.action_id,
            "author_owner_id": new.author_owner_id,
            "author_name": new.author_name,
            "status": new.status,
            "commentary": new.commentary,
            "revised_deadline_text": new.revised_deadline_text,
            "revised_due": new.revised_due,
            "source": new.source,
            "external_id": new.external_id,
            "created_at": now,
        }
        for _i, new in todo
    ]
    if is_sqlite(session.get_bind()) or len(values) > 1:
        # SQLite: this transaction took the write lock when it began (BEGIN IMMEDIATE), so
        # nobody stored the same event since the check above: no savepoint to pay for. Were
        # the unique key broken anyway (or, on PostgreSQL, by another worker during a batch),
        # the whole transaction fails and nothing is stored; a batch is then run again one
        # by one, where the race below is handled.
        # One INSERT … RETURNING for the lot, past the ORM's unit of work: for a burst of 50
        # clicks, building 50 ORM objects and flushing them was most of the store's CPU. The
        # log is append-only, so the rows are handed back as plain values, never written to.
        ids = session.execute(_insert_returning_id(), values).scalars().all()
        updates = [Update.model_construct(id=i, **v) for i, v in zip(ids, values, strict=True)]
    else:
        updates = [Update(**values[0])]
        try:
            with session.begin_nested():
                session.add(updates[0])
                session.flush()
        except IntegrityError:
            # Another worker stored the same event between our check and our insert.
            key = todo[0][1].external_id
            found = _by_key(session, key) if key else None
            if found is None:
                raise
            out[todo[0][0]] = (found, False, None)
            return
    latest: dict[int, dict] = {}
    for (i, new), update in zip(todo, updates, strict=True):
        action = actions[new.action_id]
        if new.revised_deadline_text or new.revised_due:
            session.add(
                DeadlineRevision(
                    action_id=action.id,
                    text=new.revised_deadline_text or new.revised_due.isoformat(),
                    due_date=new.revised_due,
                    source="update",
                    update_id=update.id,
                    recorded_at=now,
                )
            )
        apply_to_action_cache(action, update, supersedes_import=action.last_update_id in imported)
        row = latest_row(action, update)
        if row is not None:
            latest[action.id] = row  # the later of two for one action (one upsert per row)
        out[i] = (update, True, action)
    session.execute(
        _update_cached(),
        [{"_id": a.id, **a.cached(), "updated_at": now} for a in actions.values()],
    )
    for action_id in ids:  # an ORM row of these already in the session is out of date now
        held_row = session.identity_map.get(session.identity_key(Action, action_id))
        if held_row is not None:
            session.expire(held_row)
    upsert_latest(session, list(latest.values()))
    session.flush()


@dataclass
class CachedAction:
    """An action's row as an update sees and changes it (storage/cache.py folds the update
    in): what the caller shows of the action after the write."""

    id: int
    plan_id: int
    status: str | None
    status_at: datetime | None
    last_update_id: int | None
    replied_at: datetime | None
    deadline_text: str
    due_date: date | None
    deadline_kind: str
    deadline_sure: bool
    signoff_pending: bool

    def cached(self) -> dict:
        return {c: getattr(self, c) for c in _WRITTEN}


_CACHED = tuple(getattr(Action, f.name) for f in fields(CachedAction))  # in its order
# What apply_to_action_cache may change.
_WRITTEN = (
    "status",
    "status_at",
    "last_update_id",
    "replied_at",
    "deadline_text",
    "due_date",
    "deadline_kind",
    "deadline_sure",
)


@functools.cache
def _update_cached():
    table = Action.__table__
    return (
        sql_update(table)
        .where(table.c.id == bindparam("_id"))
        .values({c: bindparam(c) for c in (*_WRITTEN, "updated_at")})
    )


@functools.cache
def _insert_returning_id():
    """Built once (statements are immutable): the ids come back in the order of the rows."""
    table = Update.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _by_key(session: Session, key: str | None) -> Update | None:
    if not key:
        return None
    return session.exec(select(Update).where(Update.external_id == key)).first()


def previous_status(session: Session, action_id: int, *, before_update_id: int) -> str | None:
    """The last status an action had before the given update."""
    return session.exec(
        select(Update.status)
        .where(
            Update.action_id == action_id,
            Update.id < before_update_id,
            Update.status.is_not(None),
        )
        .order_by(Update.id.desc())
        .limit(1)
    ).first()
