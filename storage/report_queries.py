"""Reads a plan as it stood at a moment: the board report's source.

Updates and deadline revisions are append-only and role assignments are dated, so the state
"as at" any time can be read back: the actions that existed then (created by then, not yet
archived), each one's latest update and latest stated status on or before it, the deadline
revisions recorded by then, and who held each role. A handful of set-based statements, so a
plan of 5,000 actions and 50,000 updates reads in a fraction of a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from storage.models import (
    Action,
    ActionOwner,
    ActionVersion,
    DeadlineRevision,
    Objective,
    Owner,
    Plan,
    RoleAssignment,
    Theme,
    Update,
)


@dataclass(frozen=True)
class ThemeAt:
    id: int
    name: str
    tags: tuple[str, ...]
    position: int
    heading: str = ""  # as the plan writes it ("3. Priority One: …"); "" for older imports


@dataclass(frozen=True)
class OwnerAt:
    name: str
    kind: str  # person | role
    holders: tuple[str, ...] = ()  # for a role: the people holding it at the time


@dataclass(frozen=True)
class LatestUpdate:
    id: int
    status: str | None  # the latest status stated on or before the time (a comment keeps it)
    commentary: str  # the latest update's commentary
    author_name: str
    source: str
    created_at: datetime


@dataclass(frozen=True)
class RevisionAt:
    text: str
    due_date: date | None
    source: str  # import | update
    recorded_at: datetime


@dataclass
class ActionAt:
    id: int
    ref: str | None
    text: str
    theme_id: int
    objective: str
    position: int
    deadline_text: str = ""  # the plan's deadline cell as written ("": read its revisions)
    owner_text: str = ""  # the plan's owner cell as written
    owners: list[OwnerAt] = field(default_factory=list)
    latest: LatestUpdate | None = None
    revisions: list[RevisionAt] = field(default_factory=list)

    @property
    def due_date(self) -> date | None:
        """What was due at the time: the newest revision's date."""
        return self.revisions[-1].due_date if self.revisions else None


@dataclass
class PlanAt:
    plan: Plan
    at: datetime
    themes: dict[int, ThemeAt]
    actions: list[ActionAt]  # in the plan's order


def plan_as_at(session: Session, plan_id: int, at: datetime) -> PlanAt:
    """The plan ``plan_id`` as it stood at ``at`` (aware UTC)."""
    plan = session.get(Plan, plan_id)
    themes = {
        tid: ThemeAt(tid, name, tuple(x for x in tags.split("\n") if x), position, heading)
        for tid, name, tags, position, heading in session.execute(
            select(Theme.id, Theme.name, Theme.tags, Theme.position, Theme.heading).where(
                Theme.plan_id == plan_id
            )
        )
    }
    objectives = dict(
        session.execute(
            select(Objective.id, Objective.text).where(Objective.theme_id.in_(list(themes) or [-1]))
        ).all()
    )
    existed = (
        Action.plan_id == plan_id,
        Action.created_at <= at,
        or_(Action.archived_at.is_(None), Action.archived_at > at),
    )
    actions = {
        aid: ActionAt(aid, ref, text, tid, objectives.get(oid, ""), position, deadline, owner)
        for aid, ref, text, tid, oid, position, deadline, owner in session.execute(
            select(
                Action.id,
                Action.ref,
                Action.text,
                Action.theme_id,
                Action.objective_id,
                Action.position,
                Action.deadline_text,
                Action.owner_text,
            )
            .where(*existed)
            .order_by(Action.position, Action.id)
        )
    }
    # The action's deadline_text is the plan's cell until an owner revises it (then it
    # caches the revision): for those, the plan's cell is its imported revisions' words.
    revised = {
        aid
        for (aid,) in session.execute(
            select(DeadlineRevision.action_id)
            .join(Action, Action.id == DeadlineRevision.action_id)
            .where(Action.plan_id == plan_id, DeadlineRevision.source != "import")
            .distinct()
        )
    }
    for aid in revised & actions.keys():
        actions[aid].deadline_text = ""
    versions = _rows_as_they_were(session, plan_id, at, actions)
    _owners(session, plan_id, at, actions, versions)
    _latest_updates(session, plan_id, at, actions)
    for aid, text, due, source, recorded_at in session.execute(
        select(
            DeadlineRevision.action_id,
            DeadlineRevision.text,
            DeadlineRevision.due_date,
            DeadlineRevision.source,
            DeadlineRevision.recorded_at,
        )
        .join(Action, Action.id == DeadlineRevision.action_id)
        .where(Action.plan_id == plan_id, DeadlineRevision.recorded_at <= at)
        .order_by(DeadlineRevision.action_id, DeadlineRevision.recorded_at, DeadlineRevision.id)
    ):
        if aid in actions:
            actions[aid].revisions.append(RevisionAt(text, due, source, _aware(recorded_at)))
    return PlanAt(plan, at, themes, list(actions.values()))


def _rows_as_they_were(
    session: Session, plan_id: int, at: datetime, actions: dict[int, ActionAt]
) -> dict[int, list[int]]:
    """Put back what each plan row said at ``at`` where a later re-import changed it (its
    text, theme, objective, deadline and owner cells: storage.models.ActionVersion). Returns
    the owners (ids, in order) of those rows then. Only actions changed after ``at`` are
    read, so a report as at today reads none."""
    changed = [
        aid
        for (aid,) in session.execute(
            select(ActionVersion.action_id)
            .join(Action, Action.id == ActionVersion.action_id)
            .where(Action.plan_id == plan_id, ActionVersion.recorded_at > at)
            .distinct()
        )
        if aid in actions
    ]
    owners: dict[int, list[int]] = {}
    if not changed:
        return owners
    then: dict[int, ActionVersion] = {}
    for v in session.scalars(
        select(ActionVersion)
        .where(ActionVersion.action_id.in_(changed), ActionVersion.recorded_at <= at)
        .order_by(ActionVersion.action_id, ActionVersion.recorded_at, ActionVersion.id)
    ):
        then[v.action_id] = v
    objective_ids = {v.objective_id for v in then.values() if v.objective_id}
    objectives = dict(
        session.execute(
            select(Objective.id, Objective.text).where(Objective.id.in_(objective_ids or {-1}))
        ).all()
    )
    for aid, v in then.items():
        a = actions[aid]
        a.text, a.theme_id = v.text, v.theme_id
        a.objective = objectives.get(v.objective_id, "") if v.objective_id else ""
        a.owner_text = v.owner_text
        if a.deadline_text:  # "" means: read the plan's cell from its revisions
            a.deadline_text = v.deadline_text
        owners[aid] = [int(x) for x in v.owner_ids.split(",") if x]
    return owners


def _owners(
    session: Session,
    plan_id: int,
    at: datetime,
    actions: dict[int, ActionAt],
    then: dict[int, list[int]] | None = None,
) -> None:
    names = {
        oid: (name, kind)
        for oid, name, kind in session.execute(select(Owner.id, Owner.name, Owner.kind))
    }
    holders: dict[int, list[str]] = defaultdict(list)
    for role_id, person_id in session.execute(
        select(RoleAssignment.role_id, RoleAssignment.person_id)
        .where(
            RoleAssignment.started_at <= at,
            or_(RoleAssignment.ended_at.is_(None), RoleAssignment.ended_at > at),
        )
        .order_by(RoleAssignment.started_at, RoleAssignment.id)
    ):
        holders[role_id].append(names[person_id][0])
    then = then or {}
    links = [
        (aid, oid)
        for aid, oid in session.execute(
            select(ActionOwner.action_id, ActionOwner.owner_id)
            .join(Action, Action.id == ActionOwner.action_id)
            .where(Action.plan_id == plan_id)
            .order_by(ActionOwner.action_id, ActionOwner.position)
        )
        if aid not in then
    ]
    links += [(aid, oid) for aid, oids in then.items() for oid in oids]  # as they were then
    for aid, oid in links:
        if aid in actions and oid in names:
            name, kind = names[oid]
            held = tuple(holders.get(oid, ())) if kind == "role" else ()
            actions[aid].owners.append(OwnerAt(name, kind, held))


def _latest_updates(
    session: Session, plan_id: int, at: datetime, actions: dict[int, ActionAt]
) -> None:
    """Each action's latest update on or before ``at``, with the latest status stated by
    then (an update with no status is a comment and keeps the status before it).

    Where the action's cached latest update (storage/cache.py) is no later than ``at`` it is
    the answer, read with one join; only actions updated after ``at`` are ranked the slow
    way, a few hundred at a time. A report as at today reads no history at all."""
    columns = (
        Update.id,
        Update.action_id,
        Update.commentary,
        Update.author_name,
        Update.source,
        Update.created_at,
    )
    cached = session.execute(
        select(*columns, Action.status)
        .join(Action, Action.last_update_id == Update.id)
        .where(Action.plan_id == plan_id, Action.status_at <= at)
    ).all()
    for uid, aid, commentary, author, source, created_at, status in cached:
        if aid in actions:
            actions[aid].latest = LatestUpdate(
                uid, status, commentary or "", author or "", source, _aware(created_at)
            )
    later = [
        aid
        for (aid,) in session.execute(
            select(Action.id).where(Action.plan_id == plan_id, Action.status_at > at)
        )
        if aid in actions
    ]
    if not later:
        return
    # Actions updated after ``at``: the newest update time of each up to ``at`` (and the
    # newest that stated a status), grouped in SQL along the (action, created_at) index,
    # then those rows joined back; a tie on the time goes to the later id.
    scope = (Action.plan_id == plan_id, Action.status_at > at, Update.created_at <= at)
    newest = _newest(scope)
    stated_newest = _newest((*scope, Update.status.is_not(None)))
    rows: dict[int, tuple] = {}
    for row in session.execute(
        select(*columns).join(
            newest,
            and_(Update.action_id == newest.c.action_id, Update.created_at == newest.c.at),
        )
    ):
        if row[1] not in rows or row[0] > rows[row[1]][0]:
            rows[row[1]] = row
    stated: dict[int, tuple[int, str]] = {}
    for aid, uid, status in session.execute(
        select(Update.action_id, Update.id, Update.status).join(
            stated_newest,
            and_(
                Update.action_id == stated_newest.c.action_id,
                Update.created_at == stated_newest.c.at,
                Update.status.is_not(None),
            ),
        )
    ):
        if aid not in stated or uid > stated[aid][0]:
            stated[aid] = (uid, status)
    for aid, (uid, _, commentary, author, source, created_at) in rows.items():
        if aid in actions:
            status = stated[aid][1] if aid in stated else None
            actions[aid].latest = LatestUpdate(
                uid, status, commentary or "", author or "", source, _aware(created_at)
            )


def _newest(where):
    return (
        select(Update.action_id, func.max(Update.created_at).label("at"))
        .join(Action, Action.id == Update.action_id)
        .where(*where)
        .group_by(Update.action_id)
        .subquery()
    )


def _aware(at: datetime) -> datetime:
    # Columns read through a subquery may lose their UTC type.
    return at if at.tzinfo else at.replace(tzinfo=UTC)
