"""Read queries over the store, returning plain frozen views the core can reason about.

A PlanSnapshot is the whole live plan (themes, actions, owners, who holds each role) in a
handful of queries, so the core can work out who owes what for 10,000 actions without a
query per action.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from operator import itemgetter
from typing import NamedTuple

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
from storage.rows import gc_paused, raw, readers


class NotFound(LookupError):
    """A plan, action or owner the caller named does not exist."""


class OwnerView(NamedTuple):
    """A person or role as the core sees it (a tuple: a plan's snapshot makes thousands)."""

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


class ActionView(NamedTuple):
    """One live action as the core sees it. A named tuple rather than a frozen dataclass:
    a big plan's snapshot makes 10,000 of them, and a tuple is built in one C call where the
    dataclass took fifteen times as long (bench/bench_digest.py). Change one with
    ``view._replace(...)``."""

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
        return action_label(self)


def action_label(action) -> str:
    """How people name an action: its reference, or ``#id`` when the plan gave it none."""
    return action.ref or f"#{action.id}"


@dataclass
class PlanSnapshot:
    plan: Plan
    themes: dict[int, ThemeView]
    actions: list[ActionView]
    # role owner id -> the people currently holding it
    role_holders: dict[int, tuple[OwnerView, ...]] = field(default_factory=dict)
    # Several plans read as one (PlanService with no plan named, several loaded): plan id ->
    # name, so answers say which plan an action belongs to. Empty for one plan.
    plan_names: dict[int, str] = field(default_factory=dict)
    plan_rows: dict[int, Plan] = field(default_factory=dict)  # their rows (settings), by id

    def plan_of(self, action) -> str | None:
        """The name of ``action``'s plan when several are read together, else None."""
        return self.plan_names.get(action.plan_id) if len(self.plan_names) > 1 else None

    def people_for(self, owner: OwnerView) -> tuple[OwnerView, ...]:
        """The people answerable for ``owner``: itself, or the current holders of the role."""
        if owner.kind == "person":
            return (owner,)
        return self.role_holders.get(owner.id, ())


_THEME_AT = ActionView._fields.index("theme")


def merged_snapshot(snaps: list[PlanSnapshot]) -> PlanSnapshot:
    """Several plans as one snapshot (actions, themes and role holders side by side; ids are
    unique across plans). ``plan`` is the first plan's row, whose settings stand in where an
    answer needs one plan's (a time zone for "today"); each action keeps its ``plan_id``."""
    if len(snaps) == 1:
        return snaps[0]
    themes: dict[int, ThemeView] = {}
    actions: list[ActionView] = []
    holders: dict[int, tuple[OwnerView, ...]] = {}
    for snap in snaps:
        # Every answer that lists an action shows its theme: named "Plan › Theme" here, each
        # answer says which plan an action belongs to (Slack, Teams and console alike).
        prefixed = {tid: f"{snap.plan.name} › {t.name}" for tid, t in snap.themes.items()}
        themes.update((tid, replace(t, name=prefixed[tid])) for tid, t in snap.themes.items())
        # Built as tuples: _replace costs five times as much.
        at = _THEME_AT
        actions.extend(
            tuple.__new__(ActionView, (*a[:at], prefixed.get(a.theme_id, a.theme), *a[at + 1 :]))
            for a in snap.actions
        )
        holders.update(snap.role_holders)
    names = {snap.plan.id: snap.plan.name for snap in snaps}
    rows = {snap.plan.id: snap.plan for snap in snaps}
    return PlanSnapshot(snaps[0].plan, themes, actions, holders, names, rows)


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


def owner_views(session: Session, ids: Collection[int] | None = None) -> dict[int, OwnerView]:
    """Every owner (or those with ``ids``), by id, read as plain rows (thousands of ORM
    objects cost more)."""
    only = () if ids is None else (Owner.id.in_(list(ids)),)
    rows = (
        session.connection()
        .execute(
            select(
                Owner.id,
                Owner.kind,
                Owner.name,
                Owner.email,
                Owner.chat_user_id,
                Owner.timezone,
                Owner.is_admin,
                Owner.chat_deactivated_at.is_not(None),
            ).where(*only)
        )
        .all()
    )
    return {r[0]: _new_owner((*r[:-1], bool(r[-1]))) for r in rows}


def theme_views(session: Session, plan_id: int) -> dict[int, ThemeView]:
    """The plan's themes by id, each with its lead."""
    rows = list(session.exec(select(Theme).where(Theme.plan_id == plan_id)))
    leads = owner_views(session, {t.lead_owner_id for t in rows if t.lead_owner_id})
    return {t.id: _theme_view(t, leads) for t in rows}


def _theme_view(t: Theme, owners: dict[int, OwnerView]) -> ThemeView:
    return ThemeView(
        t.id,
        t.name,
        tuple(x for x in t.tags.split("\n") if x),
        owners.get(t.lead_owner_id),
        t.position,
    )


def get_plan(session: Session, name: str | None = None, *, loose: bool = False) -> Plan:
    """The named plan; with no name, the only plan (an error if there are none or several).
    ``loose`` (commands that read or serve a plan, never import, rename or delete): a name in
    other capitals, or a part of one plan's name ("timeline" for "OD Timeline"), names it."""
    if name:
        plan = session.exec(
            select(Plan).where(Plan.name == name, Plan.archived_at.is_(None))
        ).first()
        if plan is not None:
            return plan
        plans = list(session.exec(select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id)))
        if loose:
            want = " ".join(name.split()).casefold()
            same = [p for p in plans if p.name.casefold() == want]
            words = [re.compile(rf"(?<!\w){re.escape(w)}", re.I) for w in want.split()]
            part = same or [p for p in plans if words and all(w.search(p.name) for w in words)]
            if len(part) == 1:
                return part[0]
            if part:
                raise NotFound(
                    f"{name!r} is part of several plans' names: "
                    f"{'; '.join(p.name for p in part)} — give more of the name"
                )
        loaded = f"; plans loaded: {'; '.join(p.name for p in plans)}" if plans else ""
        raise NotFound(f"no plan named {name!r}{loaded}")
    plans = list(session.exec(select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id)))
    if not plans:
        raise NotFound("no plan loaded yet: import one with `progressbot import FILE`")
    if len(plans) > 1:
        raise SeveralPlans([p.name for p in plans])
    return plans[0]


class SeveralPlans(NotFound):
    """A plan is needed and several are loaded: the message names them and how to choose."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(
            f"several plans are loaded: {', '.join(names)} — choose one with --plan NAME"
        )


def list_plans(session: Session, *, archived: bool = False) -> list[Plan]:
    """The loaded plans (with ``archived``, the deleted ones too)."""
    query = select(Plan).order_by(Plan.id)
    if not archived:
        query = query.where(Plan.archived_at.is_(None))
    return list(session.exec(query))


def plans_of_actions(session: Session, action_ids: Collection[int]) -> dict[int, int]:
    """Each of these actions' plan id (live actions only), by action id."""
    if not action_ids:
        return {}
    rows = session.connection().execute(
        select(Action.id, Action.plan_id).where(
            Action.id.in_(list(action_ids)), Action.archived_at.is_(None)
        )
    )
    return dict(rows.all())


def plan_snapshot(
    session: Session,
    plan_id: int,
    *,
    action_ids: Collection[int] | None = None,
    people: tuple[dict[int, OwnerView], dict[int, tuple[OwnerView, ...]]] | None = None,
) -> PlanSnapshot:
    """The live plan; with ``action_ids``, only those actions (cheap, for one action's view
    after an update). ``people``: every owner and role holder already read (shared_people),
    so several plans read together read them once."""
    with gc_paused():
        return _plan_snapshot(session, plan_id, action_ids, people)


def shared_people(
    session: Session,
) -> tuple[dict[int, OwnerView], dict[int, tuple[OwnerView, ...]]]:
    """Every owner and who holds each role: the same for every plan (owners are shared)."""
    owners = owner_views(session)
    return owners, current_role_holders(session, owners)


def _plan_snapshot(
    session: Session, plan_id: int, action_ids: Collection[int] | None, people=None
) -> PlanSnapshot:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan with id {plan_id}")
    theme_rows = list(session.exec(select(Theme).where(Theme.plan_id == plan_id)))
    # Plain rows from the connection (no ORM loading), unpacked by position, with dates read
    # raw (storage/rows.py): for 10,000 actions the per-row machinery costs more than the SQL.
    conn = session.connection()
    utc, day = readers(session)
    if action_ids is None:
        live = (Action.plan_id == plan_id, Action.archived_at.is_(None))
    else:
        # Some actions (a click): found by id alone, and the plan checked here. With the
        # plan's id in the WHERE clause SQLite walked the plan's index, all 10,000 actions
        # of it, for each of the three queries below (5 of a click's 8 ms, on 5 actions).
        live = (Action.id.in_(sorted(set(action_ids))), Action.archived_at.is_(None))
    rows = conn.execute(select(*_ACTION_COLUMNS).where(*live)).all()
    if action_ids is None:
        # Unordered, sorted here: PostgreSQL sorts a whole plan's rows slower than Python.
        link_rows = conn.execute(
            select(ActionOwner.action_id, ActionOwner.owner_id, ActionOwner.position)
            .join(Action, Action.id == ActionOwner.action_id)
            .where(*live)
        ).all()  # one fetchall: iterating a result fetches row by row
        owners, holders = people or shared_people(session)
        objective_filter = Objective.theme_id.in_([t.id for t in theme_rows] or [-1])
    else:
        rows = [r for r in rows if r[1] == plan_id]
        link_rows = conn.execute(
            select(ActionOwner.action_id, ActionOwner.owner_id, ActionOwner.position).where(
                ActionOwner.action_id.in_([r[0] for r in rows] or [-1])
            )
        ).all()
        # Only the owners and role holders these actions involve.
        named = {r[1] for r in link_rows} | {t.lead_owner_id for t in theme_rows if t.lead_owner_id}
        open_roles = conn.execute(
            select(RoleAssignment.role_id, RoleAssignment.person_id)
            .where(RoleAssignment.ended_at.is_(None), RoleAssignment.role_id.in_(list(named)))
            .order_by(RoleAssignment.started_at)
        ).all()
        owners = owner_views(session, named | {p for _, p in open_roles})
        grouped: dict[int, list[OwnerView]] = defaultdict(list)
        for role_id, person_id in open_roles:
            grouped[role_id].append(owners[person_id])
        holders = {k: tuple(v) for k, v in grouped.items()}
        objective_filter = Objective.id.in_(sorted({r[6] for r in rows if r[6] is not None}) or [-1])
    themes = {t.id: _theme_view(t, owners) for t in theme_rows}
    objectives = dict(
        conn.execute(select(Objective.id, Objective.text).where(objective_filter)).all()
    )
    # Each action's owners in their order: sorted by place alone (stable, small ints), each
    # action's tuple grows as its rows come (most actions have one owner).
    link_rows.sort(key=_by_place)
    links: dict[int, tuple[OwnerView, ...]] = {}
    linked = links.get
    for action_id, owner_id, _ in link_rows:
        owner = owners[owner_id]
        before = linked(action_id)
        links[action_id] = (owner,) if before is None else (*before, owner)
    no_owners = ()
    theme_name = {tid: t.name for tid, t in themes.items()}
    make = _new_tuple  # every field given, in order: no defaults to fill
    actions = [
        make((
            aid, pid, key, ref, text, tid, theme_name[tid], objectives.get(oid, ""), dtext,
            day(due), kind, bool(sure), status, utc(status_at),
            links.get(aid, no_owners), position, utc(created_at), utc(replied_at),
            bool(signoff),
        ))
        for (aid, pid, key, ref, text, tid, oid, dtext, due, kind, sure, status, status_at,
             position, created_at, replied_at, signoff) in rows
    ]  # fmt: skip
    actions.sort(key=_by_position)  # views are tuples: the quickest key there is
    return PlanSnapshot(plan, themes, actions, holders)


_ACTION_COLUMNS = (
    Action.id,
    Action.plan_id,
    Action.key,
    Action.ref,
    Action.text,
    Action.theme_id,
    Action.objective_id,
    Action.deadline_text,
    raw(Action.due_date),
    Action.deadline_kind,
    Action.deadline_sure,
    Action.status,
    raw(Action.status_at),
    Action.position,
    raw(Action.created_at),
    raw(Action.replied_at),
    Action.signoff_pending,
)

_new_tuple = partial(tuple.__new__, ActionView)
_new_owner = partial(tuple.__new__, OwnerView)
_by_place = itemgetter(2)  # ActionOwner.position in the select above
_by_position = itemgetter(ActionView._fields.index("position"), 0)  # (position, id)


def action_after_write(view: ActionView, row) -> ActionView:
    """``view`` with what an update can change (status, times, deadline, sign-off) as
    ``row`` (the action as the transaction that just wrote it left it: an ORM row, or
    storage/updates.py CachedAction) now holds it."""
    return view._replace(
        status=row.status,
        status_at=row.status_at,
        replied_at=row.replied_at,
        deadline_text=row.deadline_text,
        due_date=row.due_date,
        deadline_kind=row.deadline_kind,
        deadline_sure=bool(row.deadline_sure),
        signoff_pending=bool(row.signoff_pending),
    )


def current_role_holders(
    session: Session, owners: dict[int, OwnerView] | None = None
) -> dict[int, tuple[OwnerView, ...]]:
    if owners is None:
        owners = owner_views(session)
    holders: dict[int, list[OwnerView]] = defaultdict(list)
    for role_id, person_id in (
        session.connection()
        .execute(
            select(RoleAssignment.role_id, RoleAssignment.person_id)
            .where(RoleAssignment.ended_at.is_(None))
            .order_by(RoleAssignment.started_at)
        )
        .all()
    ):
        holders[role_id].append(owners[person_id])
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
