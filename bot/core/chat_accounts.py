"""An administrator's `map ROLE @someone` for platforms whose accounts are stored as chat
members (Teams): the same rule as bot/core/identity.py has for Slack.

The account is found by the id in the mention, never by its display name (anyone can set
theirs to a colleague's); the person behind it is the one it is matched to, else the one
with the email the platform's directory gave for it. One person has at most one account per
platform: a mapping that would take a person from the account that has them (or from the
account their email belongs to) is described first and done only when an administrator
confirms it. Every mapping is written to the audit trail, naming the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.clock import Clock
from storage.audit import record
from storage.chat_members import email_holder, member, move_member
from storage.engine import write_session
from storage.models import ChatMember, Owner
from storage.people import assign_role, find_by_email, find_owner, upsert_person


class AccountConflict(ValueError):
    """The mapping cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class AccountMapping:
    person_id: int | None  # None: a new person, named as the account is
    person_name: str
    moves_from: tuple[str, ...] = ()  # accounts that would lose the person
    how: str = ""  # "matched account" | "directory email" | "new"

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.moves_from)


@dataclass(frozen=True)
class AccountMapResult:
    mapping: AccountMapping
    role: str
    done: bool  # False: nothing stored, the administrator must confirm


def plan_account_mapping(session: Session, platform: str, user_id: str) -> AccountMapping:
    """How the account ``user_id`` would be mapped, changing nothing."""
    row = member(session, platform, user_id)
    if row is None:
        raise AccountConflict(
            "I have not met them here yet: ask them to install the app, then try again"
        )
    if row.owner_id is not None:
        person = session.get(Owner, row.owner_id)
        return AccountMapping(person.id, person.name, how="matched account")
    if not row.email:
        raise AccountConflict(
            "their directory entry has no email, so I cannot tell who they are in the plan"
        )
    person = find_by_email(session, row.email)
    if person is None:
        name = (row.name or "").strip()
        if not name:
            raise AccountConflict("their account has no name to add them to the plan by")
        if find_owner(session, name) is not None:
            raise AccountConflict(
                f"someone called {name!r} is already in the plan with another email: set "
                "theirs with `progressbot people set NAME --email EMAIL` if it is them"
            )
        return AccountMapping(None, name, how="new")
    holder = email_holder(session, platform, row.email)
    moves = (holder.user_id,) if holder is not None and holder is not row else ()
    return AccountMapping(person.id, person.name, moves, how="directory email")


def map_account(
    engine: Engine,
    clock: Clock,
    platform: str,
    user_id: str,
    role: str,
    *,
    by: str,
    confirmed_person_id: int | None = None,
) -> AccountMapResult:
    """Make the person behind account ``user_id`` the holder of ``role``. A mapping that
    moves a person from another account is done only when ``confirmed_person_id`` names
    the person it was confirmed for (worked out again, so a stale confirmation does nothing)."""
    role = role.strip()
    if not role:
        raise AccountConflict("name the role to hand over")
    with write_session(engine) as s:
        mapping = plan_account_mapping(s, platform, user_id)
        if mapping.needs_confirmation and confirmed_person_id != mapping.person_id:
            return AccountMapResult(mapping, role, done=False)
        now = clock.now()
        row: ChatMember = member(s, platform, user_id)
        if mapping.person_id is None:
            person = upsert_person(s, mapping.person_name, now=now, email=row.email)
            s.flush()
        else:
            person = s.get(Owner, mapping.person_id)
        unmatched = move_member(s, platform, row, person.id)
        assign_role(s, role, person, now=now)
        record(
            s,
            actor=by,
            action="people.map",
            subject=person.name,
            subject_owner_id=person.id,
            now=now,
            role=role,
            platform=platform,
            chat_user=user_id,
            matched_by=mapping.how,
            created=mapping.person_id is None,
            confirmed=mapping.needs_confirmation,
            unmatched=unmatched,
        )
    return AccountMapResult(mapping, role, done=True)
