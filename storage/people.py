"""Owners, people and roles: who holds which role, and how people match chat users."""

from __future__ import annotations

from datetime import datetime
from types import EllipsisType

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import Action, ActionOwner, ChatConversation, Owner, Plan, RoleAssignment
from storage.queries import NotFound


def find_owner(session: Session, name: str) -> Owner | None:
    """An owner by exact name, else case-insensitively."""
    found = session.exec(select(Owner).where(Owner.name == name)).first()
    if found is None:
        found = session.exec(
            select(Owner).where(func.lower(Owner.name) == name.strip().lower())
        ).first()
    return found


def find_by_email(session: Session, email: str) -> Owner | None:
    return session.exec(
        select(Owner).where(
            func.lower(Owner.email) == email.strip().lower(), Owner.kind == "person"
        )
    ).first()


def find_by_chat_user(session: Session, chat_user_id: str) -> Owner | None:
    return session.exec(select(Owner).where(Owner.chat_user_id == chat_user_id)).first()


def owners_by_id(session: Session, ids) -> dict[int, Owner]:
    """Owner rows by id, in one query (those not found left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {o.id: o for o in session.exec(select(Owner).where(Owner.id.in_(wanted)))}


def find_by_chat_users(session: Session, chat_user_ids) -> dict[str, Owner]:
    """``find_by_chat_user`` for several (a burst of clicks): one query."""
    ids = sorted(set(chat_user_ids))
    if not ids:
        return {}
    rows = session.exec(select(Owner).where(Owner.chat_user_id.in_(ids)))
    return {o.chat_user_id: o for o in rows}


def set_chat_identity(
    session: Session,
    person: Owner,
    *,
    email: str | None | EllipsisType = ...,
    chat_user_id: str | None | EllipsisType = ...,
) -> list[str]:
    """Change a person's email and/or chat user id (``...`` leaves one as it is) and return
    what changed, as words for the audit trail. A new chat id, or a new email on a person
    whose chat id was matched by the old one, forgets the stored chat conversations and the
    old chat id: messages must never follow an identity to the wrong person."""
    changes: list[str] = []
    if email is not ...:
        new = (email or "").strip() or None
        if (new or "").casefold() != (person.email or "").casefold():
            changes.append(f"email {person.email or 'none'} -> {new or 'none'}")
            if person.email and person.chat_user_id and chat_user_id is ...:
                chat_user_id = None  # matched by the old email: re-match by the new one
            person.email = new
    if chat_user_id is not ...:
        new_id = chat_user_id or None
        if new_id != person.chat_user_id:
            changes.append(f"chat user {person.chat_user_id or 'none'} -> {new_id or 'none'}")
            if person.chat_user_id:
                for conv in session.exec(
                    select(ChatConversation).where(ChatConversation.owner_id == person.id)
                ):
                    session.delete(conv)
            person.chat_user_id = new_id
    if changes:
        session.add(person)
        session.flush()
    return changes


def upsert_person(
    session: Session,
    name: str,
    *,
    now: datetime,
    email: str | None = None,
    chat_user_id: str | None = None,
    is_admin: bool | None = None,
    timezone: str | None = None,
) -> Owner:
    """Create or update the person ``name``. A role of that name is an error: roles are held
    by people, not renamed into them."""
    owner = find_owner(session, name)
    if owner is None and email:
        owner = find_by_email(session, email)
    if owner is None:
        owner = Owner(kind="person", name=name.strip(), created_at=now)
    elif owner.kind != "person":
        raise ValueError(f"{owner.name!r} is a role in the plan; give the person's own name")
    if email is not None:
        owner.email = email.strip() or None
    if chat_user_id is not None:
        owner.chat_user_id = chat_user_id or None
    if is_admin is not None:
        owner.is_admin = is_admin
    if timezone is not None:
        owner.timezone = timezone or None
    session.add(owner)
    session.flush()
    return owner


def assign_role(session: Session, role_name: str, person: Owner, *, now: datetime) -> Owner:
    """Make ``person`` the holder of ``role_name`` from now on (the previous holder's
    assignment is ended, not deleted, so history shows who held it when)."""
    role = find_owner(session, role_name)
    if role is None:
        role = Owner(kind="role", name=role_name.strip(), created_at=now)
        session.add(role)
        session.flush()
    elif role.kind != "role":
        raise ValueError(f"{role.name!r} is a person, not a role")
    open_ = list(
        session.exec(
            select(RoleAssignment).where(
                RoleAssignment.role_id == role.id, RoleAssignment.ended_at.is_(None)
            )
        )
    )
    if any(ra.person_id == person.id for ra in open_):
        return role
    for ra in open_:
        ra.ended_at = now
        session.add(ra)
    session.add(RoleAssignment(role_id=role.id, person_id=person.id, started_at=now))
    session.flush()
    return role


def roles_held(session: Session, person_id: int) -> list[Owner]:
    return list(
        session.exec(
            select(Owner)
            .join(RoleAssignment, RoleAssignment.role_id == Owner.id)
            .where(RoleAssignment.person_id == person_id, RoleAssignment.ended_at.is_(None))
            .order_by(Owner.name)
        )
    )


def role_ids_held(session: Session, person_id: int) -> list[int]:
    """The ids of the roles ``person_id`` holds now (an actor's rights: no rows loaded)."""
    return role_ids_held_by(session, [person_id]).get(person_id, [])


def role_ids_held_by(session: Session, person_ids) -> dict[int, list[int]]:
    """``role_ids_held`` for several people in one query: person id → role ids (those
    holding none are left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    held: dict[int, list[int]] = {}
    for person_id, role_id in session.execute(
        select(RoleAssignment.person_id, RoleAssignment.role_id).where(
            RoleAssignment.person_id.in_(ids), RoleAssignment.ended_at.is_(None)
        )
    ):
        held.setdefault(person_id, []).append(role_id)
    return held


def role_holder(session: Session, role_id: int) -> Owner | None:
    """The person holding the role now (a role has one holder at a time), or None."""
    return session.exec(
        select(Owner)
        .join(RoleAssignment, RoleAssignment.person_id == Owner.id)
        .where(RoleAssignment.role_id == role_id, RoleAssignment.ended_at.is_(None))
    ).first()


def all_owners(session: Session) -> list[Owner]:
    return list(session.exec(select(Owner).order_by(Owner.kind, Owner.name)))


def actions_by_owner(session: Session) -> dict[int, set[int]]:
    """Owner id -> the ids of the live actions it owns directly (an action archived by a
    re-import, or in a deleted plan, is no one's work any more)."""
    held: dict[int, set[int]] = {}
    for owner_id, action_id in session.exec(
        select(ActionOwner.owner_id, ActionOwner.action_id)
        .join(Action, Action.id == ActionOwner.action_id)
        .join(Plan, Plan.id == Action.plan_id)
        .where(Action.archived_at.is_(None), Plan.archived_at.is_(None))
    ):
        held.setdefault(owner_id, set()).add(action_id)
    return held


def get_owner(session: Session, owner_id: int) -> Owner:
    owner = session.get(Owner, owner_id)
    if owner is None:
        raise NotFound(f"no owner with id {owner_id}")
    return owner
