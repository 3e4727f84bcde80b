"""Undoing a person's last update ("undo", or the Undo button) within a short window.

The update log is append-only, so an undo is itself an update (source "undo") that puts back
what the action said before: the previous status and words, and the deadline it had before
the undone update moved it. The undone update keeps its place in the history; its undo names
it (``external_id`` "undo:<id>"), so it is undone once however often the button is pressed,
and the change is written to the audit trail in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from storage import audit
from storage.chat import event_key
from storage.models import Action, DeadlineRevision, Update
from storage.updates import NewUpdate, append_update, previous_status


@dataclass(frozen=True)
class Undone:
    undone: Update  # the update taken back
    restored: Update  # the update that puts back what was there before
    created: bool  # False: it was already undone


def last_undoable(session: Session, author_id: int, *, now: datetime, window: timedelta):
    """The person's latest update within ``window`` that is not an undo and not undone yet
    (so "undo" again takes back the one before), or None."""
    recent = list(
        session.exec(
            select(Update)
            .where(
                Update.author_owner_id == author_id,
                Update.source != "import",
                Update.created_at >= now - window,
            )
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(50)
        )
    )
    undone = {u.external_id for u in recent if u.source == "undo"}
    return next(
        (u for u in recent if u.source != "undo" and event_key(f"undo:{u.id}") not in undone),
        None,
    )


def undo_update(
    session: Session, update: Update, *, author_id: int, author_name: str, now: datetime
) -> Undone:
    key = f"undo:{update.id}"  # stored as event_key(key), as every external id is
    done = session.exec(select(Update).where(Update.external_id == event_key(key))).first()
    if done is not None:
        return Undone(update, done, False)
    before = session.exec(
        select(Update)
        .where(Update.action_id == update.action_id, Update.id < update.id)
        .order_by(Update.id.desc())
        .limit(1)
    ).first()
    revised_text, revised_due = None, None
    if update.revised_due is not None or update.revised_deadline_text:
        revised_text, revised_due = _deadline_before(session, update)
    restored, created = append_update(
        session,
        NewUpdate(
            action_id=update.action_id,
            status=before.status if before is not None else None,
            commentary=before.commentary if before is not None else "",
            source="undo",
            author_owner_id=author_id,
            author_name=author_name,
            revised_deadline_text=revised_text,
            revised_due=revised_due,
            external_id=key,
        ),
        now=now,
    )
    if created:
        action = session.get(Action, update.action_id)
        if action is not None and action.last_update_id == restored.id:
            # The status goes back to what it was, even to none (an undo's own empty status
            # would otherwise leave the undone one in place).
            action.status = previous_status(session, update.action_id, before_update_id=update.id)
            session.add(action)
        audit.record(
            session,
            actor=author_name,
            action="undo update",
            subject=f"{action.ref or '#' + str(action.id)}" if action else str(update.action_id),
            now=now,
            subject_owner_id=author_id,
            undone_update=update.id,
            status_put_back=restored.status or "",
        )
    return Undone(update, restored, created)


def _deadline_before(session: Session, update: Update) -> tuple[str | None, object]:
    """The deadline (text, due date) the action had before ``update`` revised it."""
    mine = session.exec(
        select(DeadlineRevision.id).where(DeadlineRevision.update_id == update.id)
    ).first()
    query = select(DeadlineRevision).where(DeadlineRevision.action_id == update.action_id)
    if mine is not None:
        query = query.where(DeadlineRevision.id < mine)
    prior = session.exec(query.order_by(DeadlineRevision.id.desc()).limit(1)).first()
    if prior is None:
        return None, None
    return prior.text, prior.due_date
