"""Conversation state per person and platform: the actions in the last nudge a person saw
and the question the bot is waiting for them to answer (handlers/conversation.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from storage.claims import insert_ignore
from storage.models import ConversationState

_KEEP = object()


def load_state(session: Session, platform: str, user_key: str) -> ConversationState | None:
    return session.exec(
        select(ConversationState).where(
            ConversationState.platform == platform, ConversationState.user_key == user_key
        )
    ).first()


def load_states(session: Session, platform: str, user_keys) -> dict[str, ConversationState]:
    """``load_state`` for several people (a burst of clicks): one query, by user key."""
    keys = sorted(set(user_keys))
    if not keys:
        return {}
    rows = session.exec(
        select(ConversationState).where(
            ConversationState.platform == platform, ConversationState.user_key.in_(keys)
        )
    )
    return {r.user_key: r for r in rows}


def save_state(
    session: Session,
    platform: str,
    user_key: str,
    *,
    now: datetime,
    nudged_action_ids: tuple[int, ...] | object = _KEEP,
    pending: str | object = _KEEP,
) -> None:
    """Create the row if needed, then set what is given (the rest is left as it is). The
    insert-or-ignore first means two adapters writing at once never collide on the key."""
    session.execute(
        insert_ignore(
            session,
            ConversationState,
            {"platform": platform, "user_key": user_key, "updated_at": now},
            ["platform", "user_key"],
            returning=ConversationState.id,
        )
    )
    values: dict = {"updated_at": now}
    if nudged_action_ids is not _KEEP:
        values["nudged_action_ids"] = ",".join(str(i) for i in nudged_action_ids)
    if pending is not _KEEP:
        values["pending"] = pending
    session.execute(
        update(ConversationState)
        .where(ConversationState.platform == platform, ConversationState.user_key == user_key)
        .values(**values)
    )


def nudged_ids(state: ConversationState | None) -> tuple[int, ...]:
    if state is None or not state.nudged_action_ids:
        return ()
    return tuple(int(i) for i in state.nudged_action_ids.split(",") if i)
