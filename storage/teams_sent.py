"""Teams delivery bookkeeping: the journal of claimed messages the Bot Connector accepted,
and what a delivered nudge listed (so a button press can rebuild the card it came from)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from storage.claims import insert_ignore
from storage.models import NudgeItem, NudgeMessage, TeamsSent, Update


def journal_sent(
    session: Session,
    kind: str,
    claim_id: int,
    part: int,
    conversation_id: str,
    activity_id: str,
    *,
    now: datetime,
) -> None:
    session.execute(
        insert_ignore(
            session,
            TeamsSent,
            {
                "kind": kind,
                "claim_id": claim_id,
                "part": part,
                "conversation_id": conversation_id,
                "activity_id": activity_id,
                "sent_at": now,
            },
            ["kind", "claim_id", "part"],
            returning=TeamsSent.id,
        )
    )


def sent_parts(session: Session, kind: str, claim_id: int) -> list[TeamsSent]:
    return list(
        session.exec(
            select(TeamsSent)
            .where(TeamsSent.kind == kind, TeamsSent.claim_id == claim_id)
            .order_by(TeamsSent.part)
        )
    )


@dataclass(frozen=True)
class NudgeContents:
    person_id: int
    day: date
    created_at: datetime
    items: tuple[tuple[int, str], ...]  # (action id, reason) in the order listed


def nudge_contents(session: Session, claim_id: int) -> NudgeContents | None:
    msg = session.get(NudgeMessage, claim_id)
    if msg is None:
        return None
    rows = session.exec(
        select(NudgeItem.action_id, NudgeItem.reason)
        .where(NudgeItem.nudge_id == claim_id)
        .order_by(NudgeItem.id)
    )
    seen: dict[int, str] = {}
    for action_id, reason in rows:
        seen.setdefault(action_id, reason)
    return NudgeContents(msg.person_id, msg.day, msg.created_at, tuple(seen.items()))


def updates_since(session: Session, action_ids: list[int], since: datetime) -> dict[int, Update]:
    """The latest update from a person to each action since ``since`` (imports excluded)."""
    if not action_ids:
        return {}
    rows = session.exec(
        select(Update)
        .where(
            Update.action_id.in_(action_ids),
            Update.created_at >= since,
            Update.source != "import",
        )
        .order_by(Update.id)
    )
    return {u.action_id: u for u in rows}
