"""Re-reading quarter deadlines when a plan's financial year changes: "Quarter 2" of a plan
whose year starts April 2019 is 30 September 2019; moved to 2020 it is 30 September 2020.
Only deadlines still as the plan file wrote them are re-read: one an owner revised in
conversation stays as revised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.core.deadlines import parse_deadline
from storage.models import Plan
from storage.plans import live_actions, set_action_due
from storage.queries import action_label


@dataclass(frozen=True)
class Moved:
    ref: str
    deadline_text: str
    old: date | None
    new: date | None


def reread_deadlines(
    session: Session,
    plan: Plan,
    *,
    old_year: int | None,
    old_month: int,
    now: datetime,
) -> list[Moved]:
    """Re-read every deadline that depended on the financial year, now that ``plan`` has its
    new year/month; returns what moved. The caller owns the transaction."""
    moved: list[Moved] = []
    for a in live_actions(session, plan.id):
        if not a.deadline_text:
            continue
        before = parse_deadline(a.deadline_text, fy_start_year=old_year, fy_start_month=old_month)
        if before.due != a.due_date:
            continue  # revised since the import (or never read from this text): keep it
        after = parse_deadline(
            a.deadline_text, fy_start_year=plan.fy_start_year, fy_start_month=plan.fy_start_month
        )
        if (after.due, after.kind, after.sure) == (a.due_date, a.deadline_kind, a.deadline_sure):
            continue
        moved.append(Moved(action_label(a), a.deadline_text, a.due_date, after.due))
        set_action_due(session, a, after.due, after.kind, after.sure, now=now)
    return moved
