"""Who owes what: which actions need an update from whom, as of a given day.

Pure computation over a PlanSnapshot, so it is quick for 10,000 actions and testable with
any date. Roles resolve to the people who hold them; a role that nobody holds is reported
under the role itself so the administrator can map it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.core.statuses import CLOSED_STATUSES
from storage.queries import ActionView, OwnerView, PlanSnapshot


class Reason(StrEnum):
    OVERDUE = "overdue"
    DUE_TODAY = "due today"
    DUE_SOON = "due soon"
    ONGOING = "ongoing check-in"
    STALE = "no update since"


@dataclass(frozen=True)
class OwingPolicy:
    due_soon_days: int = 14  # an action due within this many days needs an update
    ongoing_every_days: int = 30  # ongoing actions check in this often
    stale_days: int = 60  # any other open action with no update for this long
    recent_days: int = 7  # an update this recent answers for now


@dataclass(frozen=True)
class Owed:
    action: ActionView
    reason: Reason
    days_left: int | None  # negative when overdue; None with no due date
    last_update: datetime | None


def is_open(action: ActionView) -> bool:
    # Statuses are str enums: the stored text is looked up as it is (no enum built per call).
    return action.status is None or action.status not in CLOSED_STATUSES


def owed_for_action(
    action: ActionView, today: date, policy: OwingPolicy = OwingPolicy()
) -> Owed | None:
    """Why ``action`` needs an update on ``today``, or None if it does not."""
    if not is_open(action):
        return None
    # Only a person's reply answers a nudge; the progress column of an imported report
    # does not (it may be months old, and nobody was asked).
    last = action.replied_at
    last_day = last.date() if last else None
    if last_day is not None and (today - last_day).days < policy.recent_days:
        return None
    if action.due_date is not None:
        days = (action.due_date - today).days
        if days < 0:
            return Owed(action, Reason.OVERDUE, days, last)
        if days == 0:
            return Owed(action, Reason.DUE_TODAY, 0, last)
        if days <= policy.due_soon_days:
            return Owed(action, Reason.DUE_SOON, days, last)
    since = last_day or action.created_at.date()
    if action.deadline_kind == "ongoing":
        if (today - since).days >= policy.ongoing_every_days or last_day is None:
            return Owed(action, Reason.ONGOING, None, last)
        return None
    if (today - since).days >= policy.stale_days:
        days = (action.due_date - today).days if action.due_date else None
        return Owed(action, Reason.STALE, days, last)
    return None


def who_owes_what(
    snapshot: PlanSnapshot, today: date, policy: OwingPolicy = OwingPolicy()
) -> dict[OwnerView, list[Owed]]:
    """Each person (or unheld role) mapped to the actions they owe an update on, most urgent
    first. One action owned by several people appears under each of them."""
    result: dict[OwnerView, list[Owed]] = defaultdict(list)
    for action in snapshot.actions:
        owed = owed_for_action(action, today, policy)
        if owed is None:
            continue
        seen: set[int] = set()
        for owner in action.owners:
            for person in snapshot.people_for(owner) or (owner,):
                if person.id not in seen:
                    seen.add(person.id)
                    result[person].append(owed)
    for items in result.values():
        items.sort(key=_urgency)
    return dict(sorted(result.items(), key=lambda kv: kv[0].name.casefold()))


def _urgency(o: Owed) -> tuple:
    order = list(Reason).index(o.reason)
    return (order, o.days_left if o.days_left is not None else 10**6, o.action.position)
