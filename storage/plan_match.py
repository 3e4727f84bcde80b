"""Reads and writes behind an import's choice of plan and its warnings: which loaded plans
share a file's actions, which of a plan's live actions have no owner, which roles nobody
holds, and merging two spellings of one role (`people roles merge`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.audit import record
from storage.models import ActionOwner, Owner, RoleAlias, RoleAssignment, Theme
from storage.plan_sync import text_key


@dataclass
class PlanKeys:
    """A loaded plan as an import compares it with a file: its name, title and the keys
    (reference or text) of its live actions."""

    plan_id: int
    name: str
    title: str
    keys: frozenset[str]  # Action.key: "ref:l4" or the text's hash
    text_keys: frozenset[str]  # text_key(Action.text), so a reference added later still matches


def loaded_plan_keys(session: Session) -> list[PlanKeys]:
    """Every loaded (not deleted) plan with the keys of its live actions, in one query."""
    from storage.models import Action, Plan

    plans = list(session.exec(select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id)))
    keys: dict[int, set[str]] = {p.id: set() for p in plans}
    texts: dict[int, set[str]] = {p.id: set() for p in plans}
    if plans:
        live = (Action.archived_at.is_(None), Action.plan_id.in_(list(keys)))
        for plan_id, key in session.exec(select(Action.plan_id, Action.key).where(*live)):
            keys[plan_id].add(key)
            if not key.startswith("ref:"):
                texts[plan_id].add(key)  # an action with no reference is keyed by its text
        # Only actions with a reference need their text read and hashed.
        with_ref = select(Action.plan_id, Action.text).where(*live, Action.key.startswith("ref:"))
        for plan_id, text in session.exec(with_ref):
            texts[plan_id].add(text_key(text))
    return [
        PlanKeys(p.id, p.name, p.title or "", frozenset(keys[p.id]), frozenset(texts[p.id]))
        for p in plans
    ]


def unowned_actions(session: Session, plan_id: int) -> list[tuple[str | None, str]]:
    """(reference, text) of the plan's live actions that nobody owns, in plan order."""
    from storage.models import Action

    owned = select(ActionOwner.action_id)
    rows = session.exec(
        select(Action.ref, Action.text)
        .where(
            Action.plan_id == plan_id,
            Action.archived_at.is_(None),
            Action.id.not_in(owned),
        )
        .order_by(Action.position, Action.id)
    )
    return [(ref, text) for ref, text in rows]


def unheld_roles(session: Session, plan_id: int | None = None) -> list[str]:
    """Names of the roles nobody holds now. With ``plan_id``: only the roles that plan
    needs (owners of its live actions, leads of its themes). `people list` can show them."""
    from storage.models import Action

    held = select(RoleAssignment.role_id).where(RoleAssignment.ended_at.is_(None))
    query = select(Owner.name).where(
        Owner.kind == "role", Owner.erased_at.is_(None), Owner.id.not_in(held)
    )
    if plan_id is not None:
        owning = (
            select(ActionOwner.owner_id)
            .join(Action, Action.id == ActionOwner.action_id)
            .where(Action.plan_id == plan_id, Action.archived_at.is_(None))
        )
        leading = select(Theme.lead_owner_id).where(
            Theme.plan_id == plan_id, Theme.lead_owner_id.is_not(None)
        )
        query = query.where(Owner.id.in_(owning) | Owner.id.in_(leading))
    return list(session.exec(query.order_by(Owner.name)))


def role_names(session: Session) -> list[tuple[str, int]]:
    """(name, number of live actions it owns) for every role, for the look-alike check."""
    from storage.models import Action

    live = (
        select(ActionOwner.owner_id, func.count().label("n"))
        .join(Action, Action.id == ActionOwner.action_id)
        .where(Action.archived_at.is_(None))
        .group_by(ActionOwner.owner_id)
        .subquery()
    )
    rows = session.exec(
        select(Owner.name, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.owner_id == Owner.id)
        .where(Owner.kind == "role", Owner.erased_at.is_(None))
        .order_by(Owner.name)
    )
    return [(name, int(n)) for name, n in rows]


class RoleMergeError(ValueError):
    """`people roles merge` refused: the message says why."""


@dataclass
class RoleMerge:
    old: str
    new: str
    actions: int  # actions moved to the new role (those it already owned are not counted)
    themes: int  # themes it now leads
    holders: int  # holders moved (an open assignment the new role lacked)


def merge_roles(session: Session, old_name: str, new_name: str, *, now: datetime, by: str):
    """Make role ``old_name`` one with ``new_name``: its actions, theme leads and holders
    move to ``new_name``; ``old_name`` is removed; one audit entry. The caller owns the
    transaction."""
    from storage.people import find_owner

    old, new = find_owner(session, old_name), find_owner(session, new_name)
    for name, owner in ((old_name, old), (new_name, new)):
        if owner is None:
            raise RoleMergeError(f"no role named {name!r} (see `progressbot people list`)")
        if owner.kind != "role":
            raise RoleMergeError(
                f"{owner.name!r} is a person, not a role: `people roles merge` joins two "
                "spellings of one role"
            )
    if old.id == new.id:
        raise RoleMergeError(f"{old.name!r} and {new.name!r} are the same role already")
    actions = _move_action_owners(session, old.id, new.id)
    themes = 0
    for theme in session.exec(select(Theme).where(Theme.lead_owner_id == old.id)):
        theme.lead_owner_id = new.id
        session.add(theme)
        themes += 1
    holders = _move_holders(session, old.id, new.id, now)
    _repoint_history(session, old.id, new.id)
    # The old spelling stays known: a re-import of a file that still writes it gives its
    # actions to the merged role instead of bringing the old role back.
    for alias in session.exec(select(RoleAlias).where(RoleAlias.role_id == old.id)):
        alias.role_id = new.id
        session.add(alias)
    session.add(RoleAlias(name=old.name, role_id=new.id, created_at=now))
    record(
        session,
        actor=by,
        action="role.merge",
        subject=new.name,
        now=now,
        merged=old.name,
        actions=actions,
        themes=themes,
        holders=holders,
    )
    session.flush()
    session.delete(old)
    session.flush()
    return RoleMerge(old.name, new.name, actions, themes, holders)


def role_aliases(session: Session) -> dict[str, str]:
    """Merged spellings, folded to lower case -> the name of the role they now are."""
    rows = session.exec(
        select(RoleAlias.name, Owner.name).join(Owner, Owner.id == RoleAlias.role_id)
    )
    return {alias.casefold(): name for alias, name in rows}


def _move_action_owners(session: Session, old_id: int, new_id: int) -> int:
    mine = set(session.exec(select(ActionOwner.action_id).where(ActionOwner.owner_id == new_id)))
    moved = 0
    for link in list(session.exec(select(ActionOwner).where(ActionOwner.owner_id == old_id))):
        if link.action_id not in mine:
            session.add(
                ActionOwner(
                    action_id=link.action_id,
                    owner_id=new_id,
                    position=link.position,
                    by_hand=link.by_hand,  # a hand assignment stays one through the merge
                )
            )
            moved += 1
        session.delete(link)
    session.flush()
    return moved


def _move_holders(session: Session, old_id: int, new_id: int, now: datetime) -> int:
    """The old role's holders: its open assignment moves over when the new role has no
    holder (a role has one holder at a time); the history moves with it."""
    new_open = session.exec(
        select(RoleAssignment).where(
            RoleAssignment.role_id == new_id, RoleAssignment.ended_at.is_(None)
        )
    ).first()
    moved = 0
    for ra in list(session.exec(select(RoleAssignment).where(RoleAssignment.role_id == old_id))):
        if ra.ended_at is None:
            if new_open is not None:
                ra.ended_at = now  # the new role keeps its own holder
            else:
                moved += 1
        ra.role_id = new_id
        session.add(ra)
    session.flush()
    return moved


def _repoint_history(session: Session, old_id: int, new_id: int) -> None:
    """Rows that name the old role by id (escalations, sign-offs, nudges…) now name the new
    one, so the old row can go without losing history."""
    from sqlalchemy import update

    from storage import models as m

    columns = [
        (m.Update, "author_owner_id"),
        (m.NudgeMessage, "person_id"),
        (m.Escalation, "owner_id"),
        (m.Escalation, "recipient_id"),
        (m.Absence, "person_id"),
        (m.Absence, "deputy_id"),
        (m.SignOff, "lead_id"),
        (m.SignOff, "decided_by_id"),
        (m.ReassignRequest, "requested_by_id"),
        (m.ChatMember, "owner_id"),
        (m.ChatConversation, "owner_id"),
    ]
    for model, col in columns:
        column = getattr(model, col)
        session.exec(update(model).where(column == old_id).values({col: new_id}))
    session.exec(
        update(m.AuditEntry)
        .where(m.AuditEntry.subject_owner_id == old_id)
        .values(subject_owner_id=new_id)
    )


def set_imported_theme_leads(
    session: Session, plan_id: int, leads: dict[str, tuple[str, str]], *, now: datetime
) -> list[str]:
    """Section headings' lead officers as theme leads: ``leads`` is theme name -> (owner
    name, kind). A theme with no lead gets the officer; one whose lead was set otherwise
    (`plan lead`) keeps it, and the returned note says so. Owners are created as needed."""
    from storage.people import find_owner

    notes: list[str] = []
    themes = {t.name: t for t in session.exec(select(Theme).where(Theme.plan_id == plan_id))}
    for theme_name, (owner_name, kind) in leads.items():
        theme = themes.get(theme_name)
        if theme is None:
            continue
        owner = find_owner(session, owner_name)
        if owner is None:
            owner = Owner(kind=kind, name=owner_name, created_at=now)
            session.add(owner)
            session.flush()
        if theme.lead_owner_id is None:
            theme.lead_owner_id = owner.id
            session.add(theme)
        elif theme.lead_owner_id != owner.id:
            current = session.get(Owner, theme.lead_owner_id)
            notes.append(
                f"theme “{theme_name}”: the file names {owner.name} as lead officer, but the "
                f"theme's lead is {current.name if current else 'someone else'} "
                "(set with `plan lead`); kept"
            )
    session.flush()
    return notes
