"""Appending progress updates. The update log is never edited; the action's cached status,
its LatestUpdate row and any deadline revision are written in the same transaction as the
update."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.cache import apply_to_action_cache, record_latest
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
) -> tuple[Update, bool, Action | None]:
    """``append_update``, also returning the action's row as the update left it (None when
    nothing was written): a caller that shows the action reads it from here, not again (the
    session holds its rows weakly, so one dropped here would be read once more)."""
    if new.external_id:
        new = replace(new, external_id=event_key(new.external_id))
        found = session.exec(select(Update).where(Update.external_id == new.external_id)).first()
        if found is not None:
            return found, False, None
    # Locked until commit (PostgreSQL; SQLite's write transactions are serial already), so two
    # instances appending to one action fold their updates into its cache one after the other.
    action = session.get(Action, new.action_id, with_for_update=True)
    if action is None:
        raise NotFound(f"no action with id {new.action_id}")
    update = Update(
        plan_id=action.plan_id,
        action_id=new.action_id,
        author_owner_id=new.author_owner_id,
        author_name=new.author_name,
        status=new.status,
        commentary=new.commentary,
        revised_deadline_text=new.revised_deadline_text,
        revised_due=new.revised_due,
        source=new.source,
        external_id=new.external_id,
        created_at=now,
    )
    if is_sqlite(session.get_bind()):
        # SQLite: this transaction took the write lock when it began (BEGIN IMMEDIATE), so
        # nobody stored the same event since the check above: no savepoint to pay for. Were
        # the unique key broken anyway, the whole transaction fails and nothing is stored.
        session.add(update)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(update)
                session.flush()
        except IntegrityError:
            # Another worker stored the same event between our check and our insert.
            found = session.exec(
                select(Update).where(Update.external_id == new.external_id)
            ).first()
            if found is None:
                raise
            return found, False, None
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
    apply_to_action_cache(action, update, supersedes_import=_latest_is_import(session, action))
    action.updated_at = now  # before the upsert's flush: one UPDATE of the action, not two
    session.add(action)
    record_latest(session, action, update)
    session.flush()
    return update, True, action


def _latest_is_import(session: Session, action: Action) -> bool:
    """Whether the action's latest update came from a plan import."""
    if action.last_update_id is None:
        return False
    latest = session.get(Update, action.last_update_id)
    return latest is not None and latest.source == "import"


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
