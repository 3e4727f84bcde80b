"""Set-based reads for the leadership digest: the plan as a digest shows it, the latest update
of each action in a period (with how many there were), the deadline revisions with the due
date each replaced, and which of the people nudged are still answerable for the plan.

The plan is read narrowly (DigestPlan): a digest shows an action's reference, text, theme,
deadline and status, so it reads those eight columns, not the whole snapshot with its owners
and times, which for 10,000 actions costs three times as much (bench/bench_digest.py).

One statement each instead of a row per update or a query per revision, so a digest over a
plan with a million updates reads one row per changed action (LatestUpdate) and counts the
period's updates from an index (update: plan, time, action, source), never the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import Session

from storage.models import (
    Action,
    ActionOwner,
    DeadlineRevision,
    LatestUpdate,
    Owner,
    Plan,
    RoleAssignment,
    Update,
)
from storage.queries import (
    NotFound,
    OwnerView,
    ThemeView,
    action_label,
    owner_views,
    theme_views,
)
from storage.rows import raw, readers


class DigestAction(NamedTuple):
    """A live action as a digest shows it (the renderers' ``label``, ``text``, deadline and
    status; an ActionView has these too, so a digest can be built from a snapshot)."""

    id: int
    ref: str | None
    text: str
    theme_id: int
    deadline_text: str
    due_date: date | None
    status: str | None
    position: int

    @property
    def label(self) -> str:
        return action_label(self)


@dataclass
class DigestPlan:
    """The plan as a digest reads it: its row, themes, and live actions in the plan's order."""

    plan: Plan
    themes: dict[int, ThemeView]
    actions: list[DigestAction]


def digest_plan(session: Session, plan_id: int) -> DigestPlan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan with id {plan_id}")
    _, day = readers(session)
    rows = (
        session.connection()
        .execute(
            select(
                Action.id,
                Action.ref,
                Action.text,
                Action.theme_id,
                Action.deadline_text,
                raw(Action.due_date),
                Action.status,
                Action.position,
            ).where(Action.plan_id == plan_id, Action.archived_at.is_(None))
        )
        .all()
    )
    new = _new_digest_action
    actions = [
        new((aid, ref, text, tid, dtext, day(due), status, position))
        for aid, ref, text, tid, dtext, due, status, position in rows
    ]
    actions.sort(key=_by_position)  # unordered from the database: it sorts these slower
    return DigestPlan(plan, theme_views(session, plan_id), actions)


_new_digest_action = partial(tuple.__new__, DigestAction)  # every field given, in order
_by_position = itemgetter(DigestAction._fields.index("position"), 0)  # (position, id)


def answerable_people(
    session: Session, plan_id: int, person_ids: Iterable[int]
) -> dict[int, OwnerView]:
    """Of ``person_ids``, by id, those still answerable for the plan: owning one of its live
    actions, or holding a role now (the people a digest may name as nudged and silent)."""
    wanted = sorted(set(person_ids))
    owns = exists().where(
        ActionOwner.owner_id == Owner.id,
        Action.id == ActionOwner.action_id,
        Action.plan_id == plan_id,
        Action.archived_at.is_(None),
    )
    holds = exists().where(RoleAssignment.person_id == Owner.id, RoleAssignment.ended_at.is_(None))
    found: set[int] = set()
    for i in range(0, len(wanted), 500):
        found.update(
            session.scalars(
                select(Owner.id).where(Owner.id.in_(wanted[i : i + 500]), or_(owns, holds))
            )
        )
    return owner_views(session, found) if found else {}


class UpdateRow(NamedTuple):
    """One update as the digest reads it (a tuple: a digest makes ten thousand)."""

    id: int
    action_id: int
    status: str | None
    commentary: str
    source: str
    author_name: str
    created_at: datetime


def latest_updates_between(
    session: Session, plan_id: int, since: datetime | None, until: datetime | None
) -> tuple[list[UpdateRow], dict[int, int]]:
    """The latest update from a person (imports excluded) of each action of the plan in
    [since, until), and how many updates each of those actions had in that period.

    One statement, which never reads the update log's rows: the counts come from
    ``ix_update_plan_created`` alone (plan, time, action, source), each joined to the action's
    LatestUpdate row (kept current in the transaction that appends each update, storage/
    cache.py) by its key. Where LatestUpdate cannot answer (an action's latest update came
    after ``until``, for a digest of an earlier period) those few actions are ranked the slow
    way. Archived actions may appear: the caller keeps the live plan's."""
    window = [Update.plan_id == plan_id, Update.source != "import"]
    held = []  # the LatestUpdate row answers when it falls in the period too
    if since is not None:
        window.append(Update.created_at >= since)
        held.append(LatestUpdate.created_at >= since)
    if until is not None:
        window.append(Update.created_at < until)
        held.append(LatestUpdate.created_at < until)
    counted = (
        select(Update.action_id, func.count().label("n"))
        .where(*window)
        .group_by(Update.action_id)
        .subquery()
    )
    rows = (
        session.connection()
        .execute(
            select(
                counted.c.action_id,
                counted.c.n,
                LatestUpdate.update_id,
                LatestUpdate.status,
                LatestUpdate.commentary,
                LatestUpdate.source,
                LatestUpdate.author_name,
                raw(LatestUpdate.created_at),
            ).outerjoin(
                LatestUpdate,
                and_(
                    LatestUpdate.action_id == counted.c.action_id,
                    *held,
                ),
            )
        )
        .all()
    )
    if not rows:
        return [], {}
    utc, _ = readers(session)
    counts: dict[int, int] = {}
    latest: dict[int, UpdateRow] = {}
    missing: list[int] = []
    new = _new_update_row
    for aid, n, uid, status, commentary, source, author, at in rows:
        counts[aid] = n
        if uid is None:
            missing.append(aid)
        else:
            latest[aid] = new((uid, aid, status, commentary, source, author, utc(at)))
    for i in range(0, len(missing), 500):
        latest.update((r.action_id, r) for r in _ranked(session, missing[i : i + 500], window))
    return list(latest.values()), counts


_new_update_row = partial(tuple.__new__, UpdateRow)  # every field given, in order

_UPDATE_COLUMNS = (
    Update.id,
    Update.action_id,
    Update.status,
    Update.commentary,
    Update.source,
    Update.author_name,
    Update.created_at,
)


def _row(r) -> UpdateRow:
    uid, aid, status, commentary, source, author, created_at = r[:7]
    return UpdateRow(uid, aid, status, commentary, source, author, _aware(created_at))


def _ranked(session: Session, action_ids: list[int], window) -> list[UpdateRow]:
    ranked = (
        select(
            *_UPDATE_COLUMNS,
            func.row_number()
            .over(
                partition_by=Update.action_id,
                order_by=(Update.created_at.desc(), Update.id.desc()),
            )
            .label("rn"),
        )
        .where(Update.action_id.in_(action_ids), *window)
        .subquery()
    )
    return [_row(r) for r in session.execute(select(ranked).where(ranked.c.rn == 1))]


def _aware(at: datetime) -> datetime:
    # Columns read through a subquery may lose their UTC type: be sure all the same.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def revisions_with_previous(
    session: Session, plan_id: int, since: datetime | None, until: datetime | None
) -> tuple[list[DeadlineRevision], dict[int, date | None]]:
    """Deadline revisions made by updates in [since, until), and for each (by revision id)
    the due date it replaced."""
    q = (
        select(DeadlineRevision)
        .join(Action, Action.id == DeadlineRevision.action_id)
        .where(Action.plan_id == plan_id, DeadlineRevision.source == "update")
    )
    if since is not None:
        q = q.where(DeadlineRevision.recorded_at >= since)
    if until is not None:
        q = q.where(DeadlineRevision.recorded_at < until)
    revisions = list(session.scalars(q.order_by(DeadlineRevision.recorded_at, DeadlineRevision.id)))
    if not revisions:
        return [], {}
    action_ids = sorted({r.action_id for r in revisions})
    history: dict[int, list[tuple[int, date | None]]] = {}
    for i in range(0, len(action_ids), 500):
        for rid, aid, due in session.execute(
            select(DeadlineRevision.id, DeadlineRevision.action_id, DeadlineRevision.due_date)
            .where(DeadlineRevision.action_id.in_(action_ids[i : i + 500]))
            .order_by(DeadlineRevision.action_id, DeadlineRevision.id)
        ):
            history.setdefault(aid, []).append((rid, due))
    before: dict[int, date | None] = {}
    for r in revisions:
        prev = None
        for rid, due in history.get(r.action_id, []):
            if rid >= r.id:
                break
            prev = due
        before[r.id] = prev
    return revisions, before
