"""Chat bookkeeping: events already handled, stored DM conversations, and which actions a
delivered nudge message listed (so a reply in its thread knows what it is about)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from storage.claims import insert_ignore
from storage.models import ChatConversation, NudgeItem, NudgeMessage, ProcessedEvent


def first_delivery(session: Session, event_id: str, *, now: datetime) -> bool:
    """True the first time ``event_id`` is seen; False for Slack's retries of it."""
    stmt = insert_ignore(
        session,
        ProcessedEvent,
        {"event_id": event_id, "received_at": now},
        ["event_id"],
        returning=ProcessedEvent.event_id,
    )
    return session.execute(stmt).first() is not None


def forget_events_before(session: Session, cutoff: datetime) -> int:
    """Slack retries within minutes; ids older than a day need not be kept."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < cutoff))
    return result.rowcount or 0


def nudged_actions(session: Session, channel: str, message_ts: str) -> tuple[int, ...]:
    rows = session.exec(
        select(NudgeItem.action_id)
        .join(NudgeMessage, NudgeMessage.id == NudgeItem.nudge_id)
        .where(NudgeMessage.channel == channel, NudgeMessage.message_ts == message_ts)
        .order_by(NudgeItem.id)
    )
    return tuple(rows)


def conversation_for(session: Session, platform: str, owner_id: int) -> ChatConversation | None:
    return session.exec(
        select(ChatConversation).where(
            ChatConversation.platform == platform, ChatConversation.owner_id == owner_id
        )
    ).first()


def remember_conversation(
    session: Session,
    platform: str,
    owner_id: int,
    conversation_id: str,
    *,
    now: datetime,
    reference: str = "",
) -> None:
    conv = conversation_for(session, platform, owner_id)
    if conv is None:
        conv = ChatConversation(
            platform=platform, owner_id=owner_id, conversation_id=conversation_id, updated_at=now
        )
    conv.conversation_id, conv.updated_at = conversation_id, now
    if reference:
        conv.reference = reference
    session.add(conv)
