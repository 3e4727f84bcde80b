"""A person's words kept while the bot asks them which action or which status they meant:
the question's buttons carry the id (see storage.models.PendingText)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session

from storage.models import PendingText


def keep_pending(
    session: Session, platform: str, user_id: str, text: str, *, now: datetime, revised: str = ""
) -> int:
    row = PendingText(
        platform=platform, user_id=user_id, text=text, revised_text=revised, created_at=now
    )
    session.add(row)
    session.flush()
    return row.id


def pending_for(
    session: Session, pending_id: int, platform: str, user_id: str
) -> PendingText | None:
    """The kept words, if ``user_id`` wrote them; None for anyone else or an unknown id."""
    row = session.get(PendingText, pending_id)
    if row is None or row.platform != platform or row.user_id != user_id:
        return None
    return row


def forget_pending_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(PendingText).where(PendingText.created_at < cutoff))
    return result.rowcount or 0
