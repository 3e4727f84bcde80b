"""Chat members the bot has met and the Teams channels it can post to.

A Teams member is stored on install or their first message, with what a proactive message
needs (conversation id, service URL, tenant, user and AAD object ids); the owner is matched
by email or user principal name, now or later when the programme office adds the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import ChatMember, Owner, TeamsChannel
from storage.people import find_by_email


@dataclass(frozen=True)
class MemberSeen:
    """What an inbound activity (plus a member look-up) tells us about a user."""

    user_id: str
    name: str = ""
    aad_object_id: str | None = None
    email: str | None = None  # email, else the user principal name
    conversation_id: str | None = None  # set only for the 1:1 chat with the bot
    service_url: str = ""
    tenant_id: str | None = None


def member(session: Session, platform: str, user_id: str) -> ChatMember | None:
    return session.exec(
        select(ChatMember).where(ChatMember.platform == platform, ChatMember.user_id == user_id)
    ).first()


def remember_member(
    session: Session, platform: str, seen: MemberSeen, *, now: datetime
) -> ChatMember:
    """Store or refresh a member; match them to a person by email if not yet matched."""
    row = member(session, platform, seen.user_id)
    if row is None:
        row = ChatMember(platform=platform, user_id=seen.user_id, updated_at=now)
    row.name = (seen.name or row.name or "")[:300]
    row.aad_object_id = seen.aad_object_id or row.aad_object_id
    row.email = seen.email or row.email
    row.conversation_id = seen.conversation_id or row.conversation_id
    row.service_url = seen.service_url or row.service_url
    row.tenant_id = seen.tenant_id or row.tenant_id
    row.updated_at = now
    if row.owner_id is None and row.email:
        person = find_by_email(session, row.email)
        if person is not None:
            row.owner_id = person.id
    session.add(row)
    session.flush()
    return row


def member_for_owner(session: Session, platform: str, owner: Owner) -> ChatMember | None:
    """The member matched to ``owner``, or one whose email is the owner's (matched now)."""
    row = session.exec(
        select(ChatMember)
        .where(ChatMember.platform == platform, ChatMember.owner_id == owner.id)
        .order_by(ChatMember.updated_at.desc())
    ).first()
    if row is None and owner.email:
        row = session.exec(
            select(ChatMember).where(
                ChatMember.platform == platform,
                ChatMember.owner_id.is_(None),
                func.lower(ChatMember.email) == owner.email.strip().lower(),
            )
        ).first()
        if row is not None:
            row.owner_id = owner.id
            session.add(row)
    return row


def matched_owner_ids(session: Session, platform: str) -> set[int]:
    """People matched to a member of ``platform`` (by stored match or by email)."""
    ids = set(
        session.exec(
            select(ChatMember.owner_id).where(
                ChatMember.platform == platform, ChatMember.owner_id.is_not(None)
            )
        )
    )
    emails = {
        e.lower()
        for e in session.exec(
            select(ChatMember.email).where(
                ChatMember.platform == platform, ChatMember.email.is_not(None)
            )
        )
    }
    if emails:
        ids |= set(
            session.exec(
                select(Owner.id).where(
                    Owner.kind == "person", func.lower(Owner.email).in_(sorted(emails))
                )
            )
        )
    return ids


def remember_channel(
    session: Session,
    *,
    channel_id: str,
    team_id: str,
    service_url: str,
    now: datetime,
    name: str = "",
    team_name: str = "",
    tenant_id: str | None = None,
) -> TeamsChannel:
    row = session.exec(select(TeamsChannel).where(TeamsChannel.channel_id == channel_id)).first()
    if row is None:
        row = TeamsChannel(
            channel_id=channel_id, team_id=team_id, service_url=service_url, updated_at=now
        )
    row.team_id, row.service_url, row.updated_at = team_id, service_url, now
    row.name = (name or row.name or ("General" if channel_id == team_id else ""))[:300]
    row.team_name = (team_name or row.team_name)[:300]
    row.tenant_id = tenant_id or row.tenant_id
    row.removed_at = None
    session.add(row)
    return row


def forget_channel(session: Session, channel_id: str, *, now: datetime) -> None:
    row = session.exec(select(TeamsChannel).where(TeamsChannel.channel_id == channel_id)).first()
    if row is not None:
        row.removed_at = now
        session.add(row)


def teams_channel(session: Session, channel_id: str) -> TeamsChannel | None:
    return session.exec(
        select(TeamsChannel).where(
            TeamsChannel.channel_id == channel_id, TeamsChannel.removed_at.is_(None)
        )
    ).first()


def teams_channels(session: Session) -> list[TeamsChannel]:
    return list(
        session.exec(
            select(TeamsChannel)
            .where(TeamsChannel.removed_at.is_(None))
            .order_by(TeamsChannel.team_name, TeamsChannel.name)
        )
    )
