"""What is due at time T: the nudge each person should get now. Pure: no database, no clock.

Each open action has a series of *windows*, each opening on a working day:

- a dated action (its current due date D, revisions included):
  ``before10:D``, ``before3:D`` (N working days before D), ``due:D`` (the last working day on
  or before D), then ``overdue1:D``, ``overdue2:D``, … every 5 working days after D;
- an ongoing action, or one whose deadline could not be read: ``monthly:YYYY-MM``, opening on
  the first working day of each month.

The *active* window is the latest one opened on or before today. Only the active window is
nudged, so windows missed while the bot was down are caught up by the latest one (never lost)
and a window already claimed is never sent again (never twice). An action updated since its
active window opened is not nudged in that window.

Windows are per answerable person: the claim key is ``f"{window}@{owner_id}"`` (the person,
or a role nobody holds), so an action owned by two people nudges each of them once per window,
and a deputy covering an absence uses the absent owner's key (the owner is not nudged again
for that window on return).

Routing: a role goes to the people who hold it; a role nobody holds to the plan's first
administrator (or is skipped, per policy); an absent owner's nudges go to their deputy, or
wait for their return. Nothing is sent outside the recipient's working hours (their time
zone, else the plan's) or on weekends and bank holidays, and nobody gets two messages on one
local day: what falls due after today's message waits until tomorrow.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core.calendar import WorkCalendar
from bot.core.owing import Owed, Reason, is_open
from bot.core.policy import NudgePolicy
from storage.absences import AbsenceView
from storage.queries import ActionView, OwnerView, PlanSnapshot


@dataclass(frozen=True)
class Window:
    key: str  # e.g. "before10:2019-09-30", "overdue2:2019-09-30", "monthly:2019-10"
    opened: date  # the working day it opens


@dataclass(frozen=True)
class PlannedItem:
    action: ActionView
    window: Window
    owner: OwnerView  # who answers for it: a person, or a role nobody holds
    reason: Reason

    @property
    def claim_key(self) -> str:
        return claim_key(self.window.key, self.owner.id)

    def owed(self, today: date) -> Owed:
        days = (self.action.due_date - today).days if self.action.due_date else None
        return Owed(self.action, self.reason, days, self.action.replied_at)


@dataclass(frozen=True)
class PlannedNudge:
    """One message to one person on their local ``day``, listing every item due."""

    recipient: OwnerView
    day: date
    items: tuple[PlannedItem, ...]

    @property
    def covering(self) -> tuple[OwnerView, ...]:
        """Absent owners (or unheld roles) whose actions this message carries."""
        seen: dict[int, OwnerView] = {}
        for i in self.items:
            if i.owner.id != self.recipient.id:
                seen.setdefault(i.owner.id, i.owner)
        return tuple(seen.values())


DEACTIVATED = (
    "chat account deactivated: reported, not nudged (`progressbot people list --unmatched`)"
)


@dataclass(frozen=True)
class Skipped:
    who: str
    action: str  # label
    why: str


@dataclass
class NudgePlan:
    nudges: list[PlannedNudge] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def claim_key(window_key: str, owner_id: int) -> str:
    return f"{window_key}@{owner_id}"


def split_claim_key(key: str) -> tuple[str, int]:
    """The window key and the answerable owner id of a stored NudgeItem key."""
    window, _, owner = key.rpartition("@")
    return window, int(owner)


# -- windows -----------------------------------------------------------------------------------
def _dated(action: ActionView) -> bool:
    return action.due_date is not None and action.deadline_kind != "ongoing"


def active_window(
    action: ActionView, today: date, policy: NudgePolicy, cal: WorkCalendar
) -> Window | None:
    """The latest window of ``action`` opened on or before ``today`` (None: none yet)."""
    if not _dated(action):
        return _monthly_window(today, policy, cal)
    due = action.due_date
    best: Window | None = None
    # Every window opens on a distinct day, latest last; keep the latest opened by today.
    for n in policy.before_due_working_days:  # sorted largest first: earliest first
        opened = cal.add_working_days(due, -n)
        if opened <= today:
            best = Window(f"before{n}:{due.isoformat()}", opened)
    if policy.on_due_day:
        opened = cal.working_day_on_or_before(due)
        if opened <= today:
            best = Window(f"due:{due.isoformat()}", opened)
    every = policy.overdue_every_working_days
    if every and today > due:
        k = cal.working_days_after(due, today) // every
        if k >= 1:
            best = Window(f"overdue{k}:{due.isoformat()}", cal.add_working_days(due, k * every))
    return best


def _monthly_open(year: int, month: int, policy: NudgePolicy, cal: WorkCalendar) -> date:
    first = cal.working_day_on_or_after(date(year, month, 1))
    return cal.add_working_days(first, policy.monthly_working_day - 1)


def _monthly_window(today: date, policy: NudgePolicy, cal: WorkCalendar) -> Window:
    opened = _monthly_open(today.year, today.month, policy, cal)
    if opened > today:  # this month's has not opened yet: last month's is still active
        prev = today.replace(day=1) - timedelta(days=1)
        opened = _monthly_open(prev.year, prev.month, policy, cal)
    return Window(f"monthly:{opened:%Y-%m}", opened)


def answered(action: ActionView, window: Window, tz: ZoneInfo) -> bool:
    """Whether someone updated ``action`` since ``window`` opened (plan-local midnight):
    that answers the window, so it is not nudged."""
    if action.replied_at is None:
        return False
    return action.replied_at >= _day_start(window.opened, tz)


@lru_cache(maxsize=4096)
def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)


def reason_for(action: ActionView, window: Window, today: date) -> Reason:
    if window.key.startswith("monthly:"):
        return Reason.ONGOING
    days = (action.due_date - today).days
    if days > 0:
        return Reason.DUE_SOON
    return Reason.DUE_TODAY if days == 0 else Reason.OVERDUE


def candidate_items(
    snapshot: PlanSnapshot,
    today: date,
    policy: NudgePolicy,
    cal: WorkCalendar,
) -> list[PlannedItem]:
    """Every (action, active window, answerable owner) that wants a nudge today, before
    claims, absences and working hours are considered; also what the claim look-up needs."""
    tz = ZoneInfo(snapshot.plan.timezone)
    out: list[PlannedItem] = []
    for action in snapshot.actions:
        if not is_open(action):
            continue
        window = active_window(action, today, policy, cal)
        if window is None or answered(action, window, tz):
            continue
        reason = reason_for(action, window, today)
        seen: set[int] = set()
        for owner in action.owners:
            for person in snapshot.people_for(owner) or (owner,):
                if person.id not in seen:
                    seen.add(person.id)
                    out.append(PlannedItem(action, window, person, reason))
    return out


# -- routing -----------------------------------------------------------------------------------
def plan_nudges(
    snapshot: PlanSnapshot,
    now: datetime,
    policy: NudgePolicy,
    cal: WorkCalendar,
    *,
    claimed: Container[tuple[int, str]] = frozenset(),
    absences: Mapping[int, AbsenceView] | None = None,
    messaged: Container[tuple[int, date]] = frozenset(),
    admins: Sequence[OwnerView] = (),
    people: Mapping[int, OwnerView] | None = None,
    candidates: list[PlannedItem] | None = None,
) -> NudgePlan:
    """The nudges to send at ``now`` (aware).

    ``claimed``: (action id, claim key) pairs already claimed or sent; ``absences``: the
    absence covering today per person id; ``messaged``: (person id, local day) pairs that
    already have a message; ``admins``: who gets a role nobody holds; ``people``: owner
    views by id (to find deputies); ``candidates``: from candidate_items, if already made.
    """
    plan_tz = snapshot.plan.timezone
    today = now.astimezone(ZoneInfo(plan_tz)).date()
    absences = absences or {}
    people = people or {}
    if candidates is None:
        candidates = candidate_items(snapshot, today, policy, cal)
    result = NudgePlan()
    per_recipient: dict[int, list[PlannedItem]] = {}
    recipients: dict[int, OwnerView] = {}
    local_days: dict[int, date] = {}
    tz_cache: dict[str, ZoneInfo] = {}

    def local(person: OwnerView) -> datetime:
        tz = person.timezone or plan_tz
        zone = tz_cache.get(tz) or tz_cache.setdefault(tz, ZoneInfo(tz))
        return now.astimezone(zone)

    for item in candidates:
        if (item.action.id, item.claim_key) in claimed:
            continue
        recipient, why = _route(item.owner, today, policy, absences, people, admins)
        if recipient is None:
            result.skipped.append(Skipped(item.owner.name, item.action.label, why))
            continue
        if recipient.chat_deactivated:
            result.skipped.append(Skipped(recipient.name, item.action.label, DEACTIVATED))
            continue
        at = local(recipient)
        if not cal.is_working_time(at, policy.working_hours_start, policy.working_hours_end):
            result.skipped.append(
                Skipped(recipient.name, item.action.label, _quiet_reason(at, cal))
            )
            continue
        if (recipient.id, at.date()) in messaged:
            result.skipped.append(
                Skipped(recipient.name, item.action.label, "already nudged today: tomorrow")
            )
            continue
        recipients[recipient.id] = recipient
        local_days[recipient.id] = at.date()
        per_recipient.setdefault(recipient.id, []).append(item)

    for pid, items in per_recipient.items():
        items.sort(key=_urgency)
        result.nudges.append(PlannedNudge(recipients[pid], local_days[pid], tuple(items)))
    result.nudges.sort(key=lambda n: (n.recipient.name.casefold(), n.recipient.id))
    return result


def _route(
    owner: OwnerView,
    today: date,
    policy: NudgePolicy,
    absences: Mapping[int, AbsenceView],
    people: Mapping[int, OwnerView],
    admins: Sequence[OwnerView],
) -> tuple[OwnerView | None, str]:
    """Who receives ``owner``'s nudge today, or (None, why not)."""
    if owner.kind == "role":  # only a role nobody holds gets here
        if policy.unheld_role == "skip":
            return None, "role held by nobody: skipped (map it with `people set`)"
        target = next((a for a in admins if not _away(a.id, today, absences)), None)
        if target is None:
            return None, "role held by nobody and no administrator to send it to"
        return target, ""
    away = absences.get(owner.id)
    if away is None or not away.covers(today):
        return owner, ""
    if away.deputy_id is not None:
        deputy = people.get(away.deputy_id)
        if deputy is not None and not _away(deputy.id, today, absences):
            return deputy, ""
    back = away.until + timedelta(days=1)
    return None, f"away until {away.until:%-d %b %Y}: waits for return on {back:%-d %b}"


def _away(person_id: int, today: date, absences: Mapping[int, AbsenceView]) -> bool:
    a = absences.get(person_id)
    return a is not None and a.covers(today)


def _quiet_reason(at: datetime, cal: WorkCalendar) -> str:
    if at.weekday() >= 5:
        return "weekend: waits for the next working day"
    name = cal.holiday(at.date())
    if name:
        return f"bank holiday ({name}): waits for the next working day"
    return f"outside working hours ({at:%H:%M} local): waits"


_REASON_ORDER = {r: i for i, r in enumerate(Reason)}


def _urgency(item: PlannedItem) -> tuple:
    due = item.action.due_date or date.max
    return (_REASON_ORDER[item.reason], due, item.action.position, item.owner.id)
