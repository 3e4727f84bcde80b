"""Plan-level settings an administrator changes: leadership channels, sign-off, the nudge
policy, time zone, financial year; and who leads each theme."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Action, Owner, Plan, Theme, Update
from storage.queries import NotFound

SETTABLE = (
    "report_with",
    "leadership_channels",
    "signoff_required",
    "policy_json",
    "timezone",
    "fy_start_year",
    "fy_start_month",
    "organisation",
    "period",
    "readers",
)


def update_plan(session: Session, plan: Plan, *, now: datetime, **fields) -> Plan:
    unknown = set(fields) - set(SETTABLE)
    if unknown:
        raise ValueError(f"unknown plan setting(s): {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        if value is not None:
            setattr(plan, key, value)
    plan.updated_at = now
    session.add(plan)
    return plan


def find_theme(session: Session, plan_id: int, name: str) -> Theme:
    """A theme by exact name, else the only one whose name contains ``name``."""
    themes = list(session.exec(select(Theme).where(Theme.plan_id == plan_id)))
    exact = [t for t in themes if t.name.casefold() == name.strip().casefold()]
    if exact:
        return exact[0]
    partial = [t for t in themes if name.strip().casefold() in t.name.casefold()]
    if len(partial) == 1:
        return partial[0]
    names = "; ".join(t.name for t in sorted(themes, key=lambda t: t.position))
    if not partial:
        raise NotFound(f"no theme matches {name!r}. Themes: {names}")
    raise NotFound(f"{name!r} matches several themes: {'; '.join(t.name for t in partial)}")


def set_theme_lead(session: Session, theme: Theme, lead: Owner | None) -> Theme:
    theme.lead_owner_id = lead.id if lead else None
    session.add(theme)
    return theme


def live_actions(session: Session, plan_id: int) -> list[Action]:
    """The plan's actions that are not archived, in plan order."""
    return list(
        session.exec(
            select(Action)
            .where(Action.plan_id == plan_id, Action.archived_at.is_(None))
            .order_by(Action.position)
        )
    )


def set_action_due(
    session: Session, action: Action, due, kind: str, sure: bool, *, now: datetime
) -> None:
    """The deadline as re-read (e.g. in another financial year): not a revision by anyone."""
    action.due_date, action.deadline_kind, action.deadline_sure = due, kind, sure
    action.updated_at = now
    session.add(action)


def rename_plan(session: Session, plan: Plan, new_name: str, *, now: datetime) -> Plan:
    new_name = " ".join(new_name.split())
    if not new_name or len(new_name) > 200:
        raise ValueError("a plan name needs 1 to 200 characters")
    clash = session.exec(select(Plan).where(Plan.name == new_name, Plan.id != plan.id)).first()
    if clash is not None:
        raise ValueError(f"there is already a plan named {new_name!r}")
    plan.name = new_name
    plan.updated_at = now
    session.add(plan)
    return plan


def archive_plan(session: Session, plan: Plan, *, now: datetime) -> tuple[int, int]:
    """`plan delete`: the plan leaves every command, its actions and updates stay in the
    database (renamed "… [deleted YYYY-MM-DD #id]" so its name can be used again).
    Returns (actions, updates) kept."""
    actions = list(session.exec(select(Action).where(Action.plan_id == plan.id)))
    ids = [a.id for a in actions]
    updates = (
        len(list(session.exec(select(Update.id).where(Update.action_id.in_(ids))))) if ids else 0
    )
    for a in actions:
        if a.archived_at is None:
            a.archived_at = now
            session.add(a)
    plan.archived_at = now
    plan.name = f"{plan.name[:160]} [deleted {now:%Y-%m-%d} #{plan.id}]"
    plan.updated_at = now
    session.add(plan)
    return len(actions), updates


def plan_counts(session: Session, plan_id: int) -> tuple[int, int]:
    """(live actions, updates) of a plan, for `plan list`."""
    ids = [a.id for a in live_actions(session, plan_id)]
    updates = (
        len(list(session.exec(select(Update.id).where(Update.action_id.in_(ids))))) if ids else 0
    )
    return len(ids), updates
