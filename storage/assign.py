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


def live_action_ids(
    session: Session, plan_ids: Iterable[int], action_ids: Iterable[int]
) -> set[int]:
    """Those of ``action_ids`` that are live actions of the plans (checked in the writing
    transaction: a re-import may have archived one since the caller looked)."""
    ids = list(action_ids)
    if not ids:
        return set()
    return set(
        session.exec(
            select(Action.id).where(
                Action.plan_id.in_(list(plan_ids)),
                Action.id.in_(ids),
                Action.archived_at.is_(None),
            )
        )
    )


def add_owners(
    session: Session, pairs: list[tuple[int, int]], *, replace: bool
) -> list[LinkChange]:
    """Make each (action id, owner id) pair's owner an owner of its action, by hand; with
    ``replace``, an action's owners become exactly those the pairs give it. One read of the
    actions' links, one write: an owners file of thousands of rows is one round trip each."""
    ids = sorted({a for a, _ in pairs})
    by_action: dict[int, list[ActionOwner]] = {}
    for start in range(0, len(ids), 5000):  # well under any driver's parameter limit
        for link in session.exec(
            select(ActionOwner)
            .where(ActionOwner.action_id.in_(ids[start : start + 5000]))
            .order_by(ActionOwner.action_id, ActionOwner.position)
        ):
            by_action.setdefault(link.action_id, []).append(link)
    wanted: dict[int, set[int]] = {}
    for a, o in pairs:
        wanted.setdefault(a, set()).add(o)
    cleared: set[int] = set()
    changes = []
    for action_id, owner_id in pairs:
        current = by_action.setdefault(action_id, [])
        change = LinkChange(action_id)
        if replace and action_id not in cleared:
            cleared.add(action_id)
            for link in [x for x in current if x.owner_id not in wanted[action_id]]:
                change.removed.append(link.owner_id)
                current.remove(link)
                session.delete(link)
        mine = next((x for x in current if x.owner_id == owner_id), None)
        if mine is None:
            position = max((x.position for x in current), default=-1) + 1
            mine = ActionOwner(
                action_id=action_id, owner_id=owner_id, position=position, by_hand=True
            )
            current.append(mine)
            change.added = True
        mine.by_hand = True
        session.add(mine)
        changes.append(change)
    session.flush()
    return changes


def new_owner(session: Session, name: str, kind: str, *, now: datetime) -> Owner:
    owner = Owner(kind=kind, name=name, created_at=now)
    session.add(owner)
    session.flush()
    return owner


def owners_by_name(session: Session) -> dict[str, Owner]:
    """Every owner but the erased, by name with case and spaces aside (one read)."""
    return {
        name_key(o.name): o
        for o in session.exec(select(Owner).where(Owner.erased_at.is_(None)).order_by(Owner.id))
    }


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def erased_named(session: Session, name: str) -> bool:
    """Whether ``name`` is an erased person's (their row keeps it only for history)."""
    return (
        session.exec(
            select(Owner.id).where(
                func.lower(Owner.name) == name_key(name), Owner.erased_at.is_not(None)
            )
        ).first()
        is not None
    )
