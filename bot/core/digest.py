"""Digest content for leaders: per theme, status counts, what changed, what is overdue, who
has not replied and what falls due next. Pure data; renderers turn it into messages."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.core.owing import Owed, Reason, is_open
from bot.core.statuses import DEFAULT_COLOURS, Colour, Status
from storage.models import DeadlineRevision, Update
from storage.queries import ActionView, OwnerView, PlanSnapshot, ThemeView

NO_UPDATE = "No update"
STATUS_ORDER = [s.value for s in Status] + [NO_UPDATE]


def colour_of(status: str | None) -> Colour:
    if not status or status == NO_UPDATE:
        return Colour.GREY
    return DEFAULT_COLOURS.get(Status(status), Colour.GREY)


@dataclass(frozen=True)
class Change:
    action: ActionView
    kind: str  # "update" | "completed" | "slipped"
    when: datetime
    status: str | None = None
    commentary: str = ""
    old_due: date | None = None
    new_due: date | None = None
    new_deadline_text: str = ""


@dataclass
class ThemeDigest:
    theme: ThemeView
    counts: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    overdue: list[ActionView] = field(default_factory=list)
    due_next: list[ActionView] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Digest:
    plan_name: str
    today: date
    since: datetime | None
    themes: list[ThemeDigest]
    silent: list[tuple[OwnerView, list[ActionView]]]
    horizon_days: int

    @property
    def counts(self) -> Counter:
        total: Counter = Counter()
        for t in self.themes:
            total.update(t.counts)
        return total

    @property
    def total(self) -> int:
        return sum(t.total for t in self.themes)


def build_digest(
    snapshot: PlanSnapshot,
    *,
    today: date,
    since: datetime | None,
    updates: list[Update],
    revisions: list[DeadlineRevision],
    owed: dict[OwnerView, list[Owed]],
    horizon_days: int = 14,
) -> Digest:
    """``updates`` and ``revisions`` are those recorded since ``since`` (the last digest)."""
    by_theme = {
        tid: ThemeDigest(t)
        for tid, t in sorted(snapshot.themes.items(), key=lambda kv: kv[1].position)
    }
    actions = {a.id: a for a in snapshot.actions}
    horizon = today + timedelta(days=horizon_days)
    for a in snapshot.actions:
        td = by_theme[a.theme_id]
        td.counts[a.status or NO_UPDATE] += 1
        if is_open(a) and a.due_date is not None:
            if a.due_date < today:
                td.overdue.append(a)
            elif a.due_date <= horizon:
                td.due_next.append(a)

    # The latest update per action stands for it in "what changed".
    latest: dict[int, Update] = {}
    for u in updates:
        if u.action_id in actions and u.source != "import":
            latest[u.action_id] = u
    for action_id, u in latest.items():
        a = actions[action_id]
        kind = "completed" if u.status == Status.COMPLETED.value else "update"
        by_theme[a.theme_id].changes.append(Change(a, kind, u.created_at, u.status, u.commentary))
    previous: dict[int, DeadlineRevision] = {}
    for r in revisions:
        a = actions.get(r.action_id)
        if a is None or r.source != "update":
            continue
        by_theme[a.theme_id].changes.append(
            Change(
                a,
                "slipped",
                r.recorded_at,
                old_due=None,
                new_due=r.due_date,
                new_deadline_text=r.text,
            )
        )
        previous[r.action_id] = r
    for td in by_theme.values():
        td.changes.sort(key=lambda c: (c.when, c.action.position))
        td.overdue.sort(key=lambda a: (a.due_date, a.position))
        td.due_next.sort(key=lambda a: (a.due_date, a.position))

    silent = [
        (person, [o.action for o in items if o.reason in (Reason.OVERDUE, Reason.STALE)])
        for person, items in owed.items()
    ]
    silent = [(p, acts) for p, acts in silent if acts]
    themes = [td for td in by_theme.values() if td.total]
    return Digest(snapshot.plan.name, today, since, themes, silent, horizon_days)


def attach_previous_due(digest: Digest, before: dict[int, date | None]) -> None:
    """Fill each slip's old due date from ``before`` (action id → due date before the slip)."""
    for td in digest.themes:
        fixed = []
        for c in td.changes:
            if c.kind == "slipped":
                c = Change(
                    c.action,
                    c.kind,
                    c.when,
                    c.status,
                    c.commentary,
                    before.get(c.action.id),
                    c.new_due,
                    c.new_deadline_text,
                )
            fixed.append(c)
        td.changes = fixed


def group_by_theme(actions: list[ActionView]) -> dict[str, list[ActionView]]:
    grouped: dict[str, list[ActionView]] = defaultdict(list)
    for a in actions:
        grouped[a.theme].append(a)
    return grouped
