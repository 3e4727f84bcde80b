"""Chat bookkeeping: events already handled, stored DM conversations, and which actions a
delivered nudge message listed (so a reply in its thread knows what it is about).

A chat event id often embeds who sent it (a Slack user or DM channel id, a Teams
conversation id). De-duplication only needs to recognise the same id again, so only a hash
of it is stored (``event_key``): the processed-events table and the external ids of updates
and reassignment requests never carry a person's chat identifiers, and an erasure has none
to find there."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, select

from storage.claims import insert_ignore
from storage.models import ChatConversation, NudgeItem, NudgeMessage, ProcessedEvent

_KEY = re.compile(r"[A-Za-z0-9]{1,10}#[0-9a-f]{64}")


def event_key(event_id: str) -> str:
    """What is stored for a chat event id: its platform (the part before the first colon,
    for whoever reads the table) and a SHA-256 of the whole id. Already a key: unchanged."""
    if _is_key(event_id):
        return event_id
    platform = event_id.split(":", 1)[0] if ":" in event_id else ""
    platform = platform if platform.isalnum() and len(platform) <= 10 else "chat"
    return f"{platform}#{hashlib.sha256(event_id.encode()).hexdigest()}"


def _is_key(value: str) -> bool:
    return _KEY.fullmatch(value) is not None


def first_delivery(session: Session, event_id: str, *, now: datetime) -> bool:
    """True the first time ``event_id`` is seen; False for Slack's retries of it."""
    stmt = insert_ignore(
        session,
        ProcessedEvent,
        {"event_id": event_key(event_id), "received_at": now},
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


def rehash_event_ids(session: Session, identifiers: list[str]) -> int:
    """Stored event ids that still embed any of ``identifiers`` (kept before ids were hashed)
    become their hash, which is what de-duplication compares: the same event is still
    recognised, and the identifier is gone. Returns how many changed."""
    from storage.models import ReassignRequest, Update

    idents = [i for i in identifiers if i and len(i) >= 3]
    if not idents:
        return 0
    changed = 0
    for model, column in (
        (ProcessedEvent, ProcessedEvent.event_id),
        (Update, Update.external_id),
        (ReassignRequest, ReassignRequest.external_id),
    ):
        found = session.exec(select(column).where(or_(*[column.contains(i) for i in idents])))
        for raw in list(found):
            key = event_key(raw)
            taken = session.exec(select(column).where(column == key)).first() is not None
            if model is ProcessedEvent and taken:
                session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == raw))
            else:
                # Two stored events with one key can only be the same event stored twice
                # (once before ids were hashed): the older keeps the key.
                new = None if taken else key
                session.execute(update(model).where(column == raw).values({column.key: new}))
            changed += 1
    return changed
