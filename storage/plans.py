"""Plan-level settings an administrator changes: leadership channels, sign-off, the nudge
policy, time zone, financial year; and who leads each theme."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Owner, Plan, Theme
from storage.queries import NotFound

SETTABLE = (
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
