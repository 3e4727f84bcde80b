"""Read queries over the store, returning plain frozen views the core can reason about.

A PlanSnapshot is the whole live plan (themes, actions, owners, who holds each role) in a
handful of queries, so the core can work out who owes what for 10,000 actions without a
query per action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from storage.models import (
    Action,
    ActionOwner,
    DeadlineRevision,
    Objective,
    Owner,
    Plan,
    RoleAssignment,
    Theme,
    Update,
)


class NotFound(LookupError):
    """A plan, action or owner the caller named does not exist."""


@dataclass(frozen=True)
class OwnerView:
    id: int
    kind: str
    name: str
    email: str | None = None
    chat_user_id: str | None = None
    timezone: str | None = None
    is_admin: bool = False
    # The chat account a people sync matched is deactivated: reported, never nudged.
    chat_deactivated: bool = False


@dataclass(frozen=True)
class ThemeView:
    id: int
    name: str
    tags: tuple[str, ...]
    lead: OwnerView | None
    position: int


@dataclass(frozen=True)
class ActionView:
    id: int
    plan_id: int
    key: str
    ref: str | None
    text: str
    theme_id: int
    theme: str
    objective: str
    deadline_text: str
    due_date: date | None
    deadline_kind: str
    deadline_sure: bool
    status: str | None
    status_at: datetime | None
    owners: tuple[OwnerView, ...]
    position: int
    created_at: datetime
    replied_at: datetime | None = None  # last update from a person (imports excluded)
    signoff_pending: bool = False

    @property
    def label(self) -> str:
        return self.ref or f"#{self.id}"


@dataclass
class PlanSnapshot:
    plan: Plan
    themes: dict[int, ThemeView]
    actions: list[ActionView]
    # role owner id -> the people currently holding it
    role_holders: dict[int, tuple[OwnerView, ...]] = field(default_factory=dict)

    def people_for(self, owner: OwnerView) -> tuple[OwnerView, ...]:
        """The people answerable for ``owner``: itself, or the current holders of the role."""
        if owner.kind == "person":
            return (owner,)
        return self.role_holders.get(owner.id, ())


def owner_view(o: Owner) -> OwnerView:
    return OwnerView(
        o.id,
        o.kind,
        o.name,
        o.email,
        o.chat_user_id,
        o.timezone,
        o.is_admin,
        o.chat_deactivated_at is not None,
    )


def _owner_views(session: Session) -> dict[int, OwnerView]:
    """Every owner, by id, read as plain rows (thousands of ORM objects cost more)."""
    rows = session.execute(
        select(
            Owner.id,
            Owner.kind,
            Owner.name,
            Owner.email,
            Owner.chat_user_id,
            Owner.timezone,
            Owner.is_admin,
            Owner.chat_deactivated_at.is_not(None),
        )
    )
    return {r[0]: OwnerView(*r[:-1], bool(r[-1])) for r in rows}


def get_plan(session: Session, name: str | None = None) -> Plan:
    """The named plan; with no name, the only plan (an error if there are none or several)."""
    if name:
        plan = session.exec(
            select(Plan).where(Plan.name == name, Plan.archived_at.is_(None))
        ).first()
        if plan is None:
            raise NotFound(f"no plan named {name!r}")
        return plan
    plans = list(
        session.exec(select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id).limit(2))
    )
    if not plans:
        raise NotFound("no plan loaded yet: import one with `progressbot import FILE`")
    if len(plans) > 1:
        raise NotFound("several plans are loaded: name one (--plan NAME or PLAN_NAME)")
    return plans[0]


def list_plans(session: Session, *, archived: bool = False) -> list[Plan]:
    """The loaded plans (with ``archived``, the deleted ones too)."""
    query = select(Plan).order_by(Plan.id)
    if not archived:
        query = query.where(Plan.archived_at.is_(None))
    return list(session.exec(query))


def plan_snapshot(
    session: Session, plan_id: int, *, action_ids: Collection[int] | None = None
) -> PlanSnapshot:
    """The live plan; with ``action_ids``, only those actions (cheap, for one action's view
    after an update)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan with id {plan_id}")
    owners = _owner_views(session)
    themes = {
        t.id: ThemeView(
            t.id,
            t.name,
            tuple(x for x in t.tags.split("\n") if x),
            owners.get(t.lead_owner_id),
            t.position,
        )
        for t in session.exec(select(Theme).where(Theme.plan_id == plan_id))
    }
    objectives = {
        o.id: o.text
        for o in session.exec(select(Objective).where(Objective.theme_id.in_(list(themes) or [-1])))
    }
    only = () if action_ids is None else (Action.id.in_(list(action_ids)),)
    links: dict[int, list[OwnerView]] = defaultdict(list)
    rows = session.exec(
        select(ActionOwner.action_id, ActionOwner.owner_id)
        .join(Action, Action.id == ActionOwner.action_id)
        .where(Action.plan_id == plan_id, Action.archived_at.is_(None), *only)
        .order_by(ActionOwner.action_id, ActionOwner.position)
    )
    for action_id, owner_id in rows:
        links[action_id].append(owners[owner_id])
    # Plain rows unpacked by position, not ORM objects or named look-ups: for 10,000 actions
    # those cost more than the query itself.
    rows = session.execute(
        select(
            Action.id,
            Action.plan_id,
            Action.key,
            Action.ref,
            Action.text,
            Action.theme_id,
            Action.objective_id,
            Action.deadline_text,
            Action.due_date,
            Action.deadline_kind,
            Action.deadline_sure,
            Action.status,
            Action.status_at,
            Action.position,
            Action.created_at,
            Action.replied_at,
            Action.signoff_pending,
        )
        .where(Action.plan_id == plan_id, Action.archived_at.is_(None), *only)
        .order_by(Action.position)
    )
    actions = [
        ActionView(
            id=aid,
            plan_id=pid,
            key=key,
            ref=ref,
            text=text,
            theme_id=tid,
            theme=themes[tid].name,
            objective=objectives.get(oid, ""),
            deadline_text=dtext,
            due_date=due,
            deadline_kind=kind,
            deadline_sure=sure,
            status=status,
            status_at=status_at,
            owners=tuple(links.get(aid, ())),
            position=position,
            created_at=created_at,
            replied_at=replied_at,
            signoff_pending=signoff,
        )
        for (aid, pid, key, ref, text, tid, oid, dtext, due, kind, sure, status, status_at,
             position, created_at, replied_at, signoff) in rows
    ]  # fmt: skip
    return PlanSnapshot(plan, themes, actions, current_role_holders(session, owners))


def current_role_holders(
    session: Session, owners: dict[int, OwnerView] | None = None
) -> dict[int, tuple[OwnerView, ...]]:
    if owners is None:
        owners = _owner_views(session)
    holders: dict[int, list[OwnerView]] = defaultdict(list)
    for ra in session.exec(
        select(RoleAssignment)
        .where(RoleAssignment.ended_at.is_(None))
        .order_by(RoleAssignment.started_at)
    ):
        holders[ra.role_id].append(owners[ra.person_id])
    return {k: tuple(v) for k, v in holders.items()}


def action_updates(session: Session, action_id: int) -> list[Update]:
    return list(
        session.exec(
            select(Update)
            .where(Update.action_id == action_id)
            .order_by(Update.created_at, Update.id)
        )
    )


def deadline_revisions(session: Session, action_id: int) -> list[DeadlineRevision]:
    return list(
        session.exec(
            select(DeadlineRevision)
            .where(DeadlineRevision.action_id == action_id)
            .order_by(DeadlineRevision.recorded_at, DeadlineRevision.id)
        )
    )


def recent_updates_by(session: Session, owner_id: int, *, limit: int = 5) -> list[Update]:
    return list(
        session.exec(
            select(Update)
            .where(Update.author_owner_id == owner_id)
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(limit)
        )
    )
