"""Completion sign-off records: requested when an owner marks an action Completed on a plan
that asks for it; confirmed or returned by the theme lead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Action, SignOff
from storage.queries import NotFound


def request_signoff(
    session: Session, action_id: int, update_id: int, lead_id: int | None, *, now: datetime
) -> SignOff | None:
    """Open a sign-off for the completion ``update_id``; None if one is already open for the
    action (a second "Completed" does not ask the lead again). The unique index on open
    sign-offs settles a race between two instances: the loser gets None."""
    if pending_signoffs(session, action_id):
        return None
    action = session.get(Action, action_id)
    signoff = SignOff(action_id=action_id, update_id=update_id, lead_id=lead_id, requested_at=now)
    try:
        with session.begin_nested():
            session.add(signoff)
            session.flush()
    except IntegrityError:
        return None
    action.signoff_pending = True
    session.add(action)
    return signoff


def open_signoff(session: Session, signoff_id: int) -> SignOff:
    signoff = session.get(SignOff, signoff_id)
    if signoff is None:
        raise NotFound(f"no sign-off request {signoff_id}")
    return signoff


def decide_signoff(
    session: Session,
    signoff: SignOff,
    decision: str,
    *,
    by_id: int | None,
    comment: str,
    now: datetime,
) -> None:
    signoff.decision, signoff.decided_by_id = decision, by_id
    signoff.decided_at, signoff.comment = now, comment
    session.add(signoff)
    action = session.get(Action, signoff.action_id)
    action.signoff_pending = False
    session.add(action)


def pending_signoffs(session: Session, action_id: int) -> list[SignOff]:
    return list(
        session.exec(
            select(SignOff).where(SignOff.action_id == action_id, SignOff.decision.is_(None))
        )
    )
