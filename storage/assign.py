"""Owners given by hand: an administrator's `actions assign`, `owners import` and
`/actions assign` write here. Each link is marked ``by_hand`` so that a re-import of the
plan (storage/plan_sync.py) leaves it in place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import Action, ActionOwner, Owner


@dataclass
class LinkChange:
    """What assigning one owner did to one action."""

    action_id: int
    added: bool = False  # False: they already owned it (the link is now marked by hand)
    removed: list[int] = field(default_factory=list)  # owners taken off (``replace``)


def live_action_ids(session: Session, plan_id: int, action_ids: Iterable[int]) -> set[int]:
    """Those of ``action_ids`` that are live actions of the plan (checked in the writing
    transaction: a re-import may have archived one since the caller looked)."""
    ids = list(action_ids)
    if not ids:
        return set()
    return set(
        session.exec(
            select(Action.id).where(
                Action.plan_id == plan_id, Action.id.in_(ids), Action.archived_at.is_(None)
            )
        )
    )


def add_owner(session: Session, action_id: int, owner_id: int, *, replace: bool) -> LinkChange:
    """Make ``owner_id`` an owner of the action, by hand; with ``replace``, its only owner."""
    change = LinkChange(action_id)
    links = list(
        session.exec(
            select(ActionOwner)
            .where(ActionOwner.action_id == action_id)
            .order_by(ActionOwner.position)
        )
    )
    mine = next((link for link in links if link.owner_id == owner_id), None)
    if replace:
        for link in links:
            if link.owner_id != owner_id:
                change.removed.append(link.owner_id)
                session.delete(link)
    if mine is None:
        position = 0 if replace else max((link.position for link in links), default=-1) + 1
        session.add(
            ActionOwner(action_id=action_id, owner_id=owner_id, position=position, by_hand=True)
        )
        change.added = True
    else:
        mine.by_hand = True
        if replace:
            mine.position = 0
        session.add(mine)
    session.flush()
    return change


def new_owner(session: Session, name: str, kind: str, *, now: datetime) -> Owner:
    owner = Owner(kind=kind, name=name, created_at=now)
    session.add(owner)
    session.flush()
    return owner


def owner_names(session: Session) -> list[str]:
    """Every owner's name (not the erased): what a new name is compared with for look-alikes."""
    return list(session.exec(select(Owner.name).where(Owner.erased_at.is_(None))))


def owner_by_name(session: Session, name: str) -> Owner | None:
    """An owner by name, case and spaces aside."""
    wanted = " ".join(name.split())
    found = session.exec(select(Owner).where(Owner.name == wanted)).first()
    if found is None:
        found = session.exec(select(Owner).where(func.lower(Owner.name) == wanted.lower())).first()
    return found
