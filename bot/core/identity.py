"""Who a chat user is, and the one rule for matching them to the plan's people.

A chat user is matched to a person only by the chat user id already stored on that person,
or by the email the chat platform has verified (Slack's users.info profile email). A display
name is shown, never trusted: anyone can set theirs to a colleague's. So an administrator's
`map ROLE @user` that would give an existing person a different email or chat user (an
identity move, e.g. linking a Slack user to a person found only by name) is described first
and done only when the administrator confirms; every mapping is written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.clock import Clock
from storage.audit import record
from storage.engine import read_session, write_session
from storage.people import (
    assign_role,
    find_by_chat_user,
    find_by_email,
    find_owner,
    set_chat_identity,
    upsert_person,
)


@dataclass(frozen=True)
class ChatUser:
    """A chat platform's user: the id, the email the platform verified (or None), and the
    display name (for showing only)."""

    user_id: str
    email: str | None
    name: str


@dataclass(frozen=True)
class Mapping:
    """What mapping a chat user would do: to an existing person (``person_id``) or a new
    one, and which identity changes to an existing person it needs confirmed."""

    person_id: int | None
    person_name: str
    changes: tuple[str, ...] = ()
    how: str = ""  # "chat user id" | "verified email" | "name (needs confirmation)" | "new"

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class MapResult:
    mapping: Mapping
    role: str
    done: bool  # False: nothing stored, the administrator must confirm the changes


class IdentityConflict(ValueError):
    """The mapping cannot be made as asked; the message says why."""


def plan_mapping(session: Session, user: ChatUser) -> Mapping:
    """How ``user`` would be matched to a person, without changing anything."""
    person = find_by_chat_user(session, user.user_id)
    if person is not None:
        return Mapping(person.id, person.name, how="chat user id")
    if user.email:
        person = find_by_email(session, user.email)
        if person is not None:
            changes: tuple[str, ...] = ()
            if person.chat_user_id and person.chat_user_id != user.user_id:
                changes = (f"chat user {person.chat_user_id} -> {user.user_id}",)
            return Mapping(person.id, person.name, changes, how="verified email")
    named = find_owner(session, user.name) if user.name else None
    if named is not None:
        if named.kind != "person":
            raise IdentityConflict(
                f"{user.name!r} is a role in the plan, and no person has this user's "
                "email: add them first with `progressbot people set NAME --email EMAIL`"
            )
        # Same name, different (or unknown) identity: exactly what an impostor looks like.
        changes = (
            f"email {named.email or 'none'} -> {user.email or 'none'}",
            f"chat user {named.chat_user_id or 'none'} -> {user.user_id}",
        )
        return Mapping(named.id, named.name, changes, how="name (needs confirmation)")
    return Mapping(None, user.name or user.user_id, how="new")


def map_chat_user(
    engine: Engine,
    clock: Clock,
    user: ChatUser,
    role: str,
    *,
    by: str,
    confirmed_person_id: int | None = None,
) -> MapResult:
    """Make the person behind ``user`` the holder of ``role``. A mapping that moves an
    identity is done only when ``confirmed_person_id`` names the person it was confirmed
    for (the plan is worked out again, so a stale confirmation changes nothing)."""
    role = role.strip()
    with write_session(engine) as s:
        mapping = plan_mapping(s, user)
        if mapping.needs_confirmation and confirmed_person_id != mapping.person_id:
            return MapResult(mapping, role, done=False)
        now = clock.now()
        if mapping.person_id is None:
            person = upsert_person(s, mapping.person_name, now=now)
            changes = set_chat_identity(s, person, email=user.email, chat_user_id=user.user_id)
        else:
            person = find_owner(s, mapping.person_name)
            changes = set_chat_identity(
                s,
                person,
                chat_user_id=user.user_id,
                # A verified email replaces a stored one only on a confirmed move.
                **({"email": user.email} if user.email and mapping.changes else {}),
            )
            if not person.email and user.email:
                changes += set_chat_identity(s, person, email=user.email)
        assign_role(s, role, person, now=now)
        record(
            s,
            actor=by,
            action="people.map",
            subject=person.name,
            subject_owner_id=person.id,
            now=now,
            role=role,
            chat_user=user.user_id,
            matched_by=mapping.how,
            created=mapping.person_id is None,
            confirmed=mapping.needs_confirmation,
            changes=changes,
        )
    return MapResult(mapping, role, done=True)


def describe(mapping: Mapping) -> str:
    return "; ".join(mapping.changes)


def preview(engine: Engine, user: ChatUser) -> Mapping:
    with read_session(engine) as s:
        return plan_mapping(s, user)
