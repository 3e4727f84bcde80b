"""Chat members the bot has met and the Teams channels it can post to.

A Teams member is stored on install or their first message, with what a proactive message
needs (conversation id, service URL, tenant, user and AAD object ids); the owner is matched
by email or user principal name, now or later when the programme office adds the person.

One person has at most one account per platform: an email belongs to the account already
matched to its person, else to the first account seen with it (``email_holder``). Another
account with the same email is stored but matched to nobody, and its email grants nothing;
moving the match is an administrator's confirmed `map` (``move_member``), audited.
A service URL from an unauthenticated activity never replaces a stored one.
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
    # False when the activity was not signed: its serviceUrl may be anyone's host, so it
    # is stored only for an account that has none yet.
    service_url_trusted: bool = True


def member(session: Session, platform: str, user_id: str) -> ChatMember | None:
    return session.exec(
        select(ChatMember).where(ChatMember.platform == platform, ChatMember.user_id == user_id)
    ).first()


def members(session: Session, platform: str, user_ids) -> dict[str, ChatMember]:
    """``member`` for several (a burst of clicks): one query, by user id."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(ChatMember).where(ChatMember.platform == platform, ChatMember.user_id.in_(ids))
    )
    return {r.user_id: r for r in rows}


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
    if seen.service_url and (seen.service_url_trusted or not row.service_url):
        row.service_url = seen.service_url
    row.tenant_id = seen.tenant_id or row.tenant_id
    row.updated_at = now
    session.add(row)
    session.flush()
    if row.owner_id is None and row.email:
        person = find_by_email(session, row.email)
        if person is not None and email_holder(session, platform, row.email) is row:
            row.owner_id = person.id
            session.add(row)
            session.flush()
    return row


def email_holder(session: Session, platform: str, email: str) -> ChatMember | None:
    """The one account on ``platform`` an email belongs to: the account matched to the person
    with that email, else the first account seen with it."""
    person = find_by_email(session, email)
    if person is not None:
        linked = session.exec(
            select(ChatMember)
            .where(ChatMember.platform == platform, ChatMember.owner_id == person.id)
            .order_by(ChatMember.id)
        ).first()
        if linked is not None:
            return linked
    return session.exec(
        select(ChatMember)
        .where(
            ChatMember.platform == platform,
            func.lower(ChatMember.email) == email.strip().lower(),
        )
        .order_by(ChatMember.id)
    ).first()


def trusted_email(session: Session, row: ChatMember) -> str | None:
    """The account's email, if it is the account that email belongs to (else None: a second
    account with someone's email is not them, and is no administrator either)."""
    if row.owner_id is not None or not row.email:
        return row.email
    return row.email if email_holder(session, row.platform, row.email) is row else None


def move_member(session: Session, platform: str, row: ChatMember, owner_id: int) -> list[str]:
    """Match ``row`` to the person ``owner_id``, unmatching the account that had them;
    returns the user ids unmatched (for the audit trail)."""
    moved = []
    for other in session.exec(
        select(ChatMember).where(
            ChatMember.platform == platform,
            ChatMember.owner_id == owner_id,
            ChatMember.id != row.id,
        )
    ):
        other.owner_id = None
        session.add(other)
        moved.append(other.user_id)
    session.flush()  # the old match goes before the new one is made
    row.owner_id = owner_id
    session.add(row)
    session.flush()
    return moved


def member_for_owner(session: Session, platform: str, owner: Owner) -> ChatMember | None:
    """The member matched to ``owner``, or one whose email is the owner's (matched now)."""
    row = session.exec(
        select(ChatMember)
        .where(ChatMember.platform == platform, ChatMember.owner_id == owner.id)
        .order_by(ChatMember.updated_at.desc())
    ).first()
    if row is None and owner.email:
        row = session.exec(
            select(ChatMember)
            .where(
                ChatMember.platform == platform,
                ChatMember.owner_id.is_(None),
                func.lower(ChatMember.email) == owner.email.strip().lower(),
            )
            .order_by(ChatMember.id)  # the first account seen with the email holds it
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
    service_url_trusted: bool = True,
) -> TeamsChannel:
    row = session.exec(select(TeamsChannel).where(TeamsChannel.channel_id == channel_id)).first()
    if row is None:
        row = TeamsChannel(
            channel_id=channel_id, team_id=team_id, service_url=service_url, updated_at=now
        )
    if service_url_trusted or not row.service_url:
        row.service_url = service_url
    row.team_id, row.updated_at = team_id, now
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
