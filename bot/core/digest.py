"""Digest content for leaders: per theme, status counts (with their BRAG colours), what changed
since the previous digest (new updates, completions, revised deadlines old → new, with the
latest commentary shortened), what is overdue, who was nudged and has not replied, and what
falls due next. Pure data: renderers turn it into messages, ``render_status_chart`` into a PNG.

``digest_from_store`` gathers what a digest needs with a few set-based queries (storage/
digest_queries.py): the plan read as a digest shows it (not the whole snapshot), the period's
latest update and count per action, run beside each other on a database server. Building one
for 10,000 actions and a million updates stays well under 0.2 s (bench/bench_digest.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple

from bot.core.owing import Owed, Reason, is_open
from bot.core.statuses import COLOUR_HEX, DEFAULT_COLOURS, Colour, Status
from storage.digest_queries import DigestAction, DigestPlan
from storage.models import DeadlineRevision
from storage.queries import ActionView, OwnerView, PlanSnapshot, ThemeView
from storage.read_ahead import ReadAhead

# An action as a digest shows it: read for the digest (DigestAction), or from a snapshot.
Shown = ActionView | DigestAction

NO_UPDATE = "No update"
# An update whose words state no clear status (an imported progress cell, a comment).
NOT_STATED = "Not stated"
STATUS_ORDER = [s.value for s in Status] + [NOT_STATED, NO_UPDATE]
COMMENTARY_LIMIT = 160  # characters of commentary shown per changed action


def colour_of(status: str | None) -> Colour:
    if not status or status in (NO_UPDATE, NOT_STATED):
        return Colour.GREY
    return DEFAULT_COLOURS.get(Status(status), Colour.GREY)


def shorten(text: str, limit: int = COMMENTARY_LIMIT) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class Change(NamedTuple):
    """One line of "what changed" (a tuple: a digest makes one per changed action)."""

    action: Shown
    kind: str  # "update" | "completed" | "slipped"
    when: datetime
    status: str | None = None
    commentary: str = ""
    old_due: date | None = None
    new_due: date | None = None
    new_deadline_text: str = ""

    @property
    def summary(self) -> str:
        """The commentary, shortened for a digest line."""
        return shorten(self.commentary)


@dataclass
class ThemeDigest:
    theme: ThemeView
    counts: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    overdue: list[Shown] = field(default_factory=list)
    due_next: list[Shown] = field(default_factory=list)
    new_updates: int = 0  # updates from people since the previous digest (all, not just latest)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def completed(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "completed"]

    @property
    def slipped(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "slipped"]


@dataclass
class Digest:
    plan_name: str
    today: date
    since: datetime | None
    themes: list[ThemeDigest]
    silent: list[tuple[OwnerView, list[Shown]]]
    horizon_days: int
    title: str = ""  # "Leadership & Empowerment" for a theme digest; "" for the whole plan
    until: datetime | None = None

    @property
    def counts(self) -> Counter:
        total: Counter = Counter()
        for t in self.themes:
            total.update(t.counts)
        return total

    @property
    def total(self) -> int:
        return sum(t.total for t in self.themes)

    @property
    def new_updates(self) -> int:
        return sum(t.new_updates for t in self.themes)

    def counts_with_colours(self) -> list[tuple[str, int, Colour]]:
        """(status, count, colour) in the vocabulary's order, statuses with none left out."""
        c = self.counts
        return [(s, c[s], colour_of(s)) for s in STATUS_ORDER if c.get(s)]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and for tests."""

        def act(a: Shown) -> dict:
            return {"ref": a.label, "text": a.text, "due": a.due_date, "status": a.status}

        return {
            "plan": self.plan_name,
            "title": self.title,
            "today": self.today,
            "since": self.since,
            "until": self.until,
            "total": self.total,
            "new_updates": self.new_updates,
            "counts": {s: n for s, n, _ in self.counts_with_colours()},
            "colours": {s: col.value for s, _, col in self.counts_with_colours()},
            "themes": [
                {
                    "theme": td.theme.name,
                    "total": td.total,
                    "counts": {s: td.counts[s] for s in STATUS_ORDER if td.counts.get(s)},
                    "new_updates": td.new_updates,
                    "changes": [
                        {
                            "ref": c.action.label,
                            "kind": c.kind,
                            "when": c.when,
                            "status": c.status,
                            "commentary": c.summary,
                            "old_due": c.old_due,
                            "new_due": c.new_due,
                        }
                        for c in td.changes
                    ],
                    "overdue": [act(a) for a in td.overdue],
                    "due_next": [act(a) for a in td.due_next],
                }
                for td in self.themes
            ],
            "not_replied": [
                {"owner": p.name, "actions": [a.label for a in acts]} for p, acts in self.silent
            ],
        }


def build_digest(
    snapshot: PlanSnapshot | DigestPlan,
    *,
    today: date,
    since: datetime | None,
    updates: Iterable[Any],
    revisions: Iterable[DeadlineRevision],
    owed: dict[OwnerView, list[Owed]] | None = None,
    horizon_days: int = 14,
    silent: list[tuple[OwnerView, list[Shown]]] | None = None,
    theme_ids: Collection[int] | None = None,
    update_counts: dict[int, int] | None = None,
    previous_due: dict[int, date | None] | None = None,
    until: datetime | None = None,
) -> Digest:
    """``updates`` and ``revisions`` are those recorded since ``since`` (the last digest):
    update rows need action_id, source, status, commentary and created_at. ``silent``: the
    owners nudged and silent (else: owners owing overdue/stale updates, from ``owed``).
    ``theme_ids`` limits the digest to those themes; ``update_counts`` gives how many updates
    each action had in the period when ``updates`` holds only the latest of each."""
    if silent is None:
        silent = [
            (person, [o.action for o in items if o.reason in (Reason.OVERDUE, Reason.STALE)])
            for person, items in (owed or {}).items()
        ]
    draft = _PlanPart(snapshot, today, horizon_days, theme_ids)
    draft.add_changes(updates, revisions, update_counts, previous_due)
    return draft.digest(since, silent, until)


class _PlanPart:
    """A digest in two steps, so its store reads can overlap the first (digest_from_store):
    what the plan alone gives (counts by status, overdue, due next), then what changed."""

    def __init__(
        self,
        snapshot: PlanSnapshot | DigestPlan,
        today: date,
        horizon_days: int,
        theme_ids: Collection[int] | None,
    ) -> None:
        self.snapshot, self.today, self.horizon_days = snapshot, today, horizon_days
        self.theme_ids = theme_ids
        by_theme = self.by_theme = {
            tid: ThemeDigest(t)
            for tid, t in sorted(snapshot.themes.items(), key=lambda kv: kv[1].position)
            if theme_ids is None or tid in theme_ids
        }
        # In the plan's order (a snapshot already is: sorting it again is one pass), so
        # every list made from it below is too, and needs sorting by date alone: sorts
        # by (date, position) compare tuples, several times slower for thousands.
        ordered = [a for a in sorted(snapshot.actions, key=_position) if a.theme_id in by_theme]
        self.ordered = ordered
        self.actions = {a.id: a for a in ordered}
        for (tid, status), n in Counter(map(_theme_and_status, ordered)).items():
            by_theme[tid].counts[status or NO_UPDATE] += n
        horizon = today + timedelta(days=horizon_days)
        for a in ordered:
            due = a.due_date
            if due is not None and due <= horizon and is_open(a):
                td = by_theme[a.theme_id]
                (td.overdue if due < today else td.due_next).append(a)
        for td in by_theme.values():
            td.overdue.sort(key=_due)
            td.due_next.sort(key=_due)

    def add_changes(
        self,
        updates: Iterable[Any],
        revisions: Iterable[DeadlineRevision],
        update_counts: dict[int, int] | None,
        previous_due: dict[int, date | None] | None,
    ) -> None:
        by_theme, actions = self.by_theme, self.actions
        # The latest update per action stands for it in "what changed".
        latest: dict[int, Any] = {}
        counted: Counter = Counter()
        if update_counts is not None:  # from the store: already the latest of each action
            latest = {u.action_id: u for u in updates if u.source != "import"}
            updates = ()
        for u in updates:
            if u.action_id in actions and u.source != "import":
                prev = latest.get(u.action_id)
                if prev is None or (u.created_at, u.id or 0) >= (prev.created_at, prev.id or 0):
                    latest[u.action_id] = u
                counted[u.action_id] += 1
        counts = update_counts if update_counts is not None else counted
        for action_id, n in counts.items():
            a = actions.get(action_id)
            if a is not None:
                by_theme[a.theme_id].new_updates += n
        slips: dict[int, list[DeadlineRevision]] = {}
        for r in revisions:
            if r.source == "update" and r.action_id in actions:
                slips.setdefault(r.action_id, []).append(r)
        previous_due = previous_due or {}
        completed = Status.COMPLETED.value
        new = _new_change
        # Made in the plan's order, each action's update before its revised deadlines: the
        # stable sort by time below then leaves equal times in that order.
        for a in self.ordered:
            u = latest.get(a.id)
            if u is not None:
                kind = "completed" if u.status == completed else "update"
                by_theme[a.theme_id].changes.append(
                    new((a, kind, u.created_at, u.status, u.commentary, None, None, ""))
                )
            for r in slips.get(a.id, ()):
                by_theme[a.theme_id].changes.append(
                    new((a, "slipped", r.recorded_at, None, "", previous_due.get(r.id),
                         r.due_date, r.text))
                )  # fmt: skip
        for td in by_theme.values():
            td.changes.sort(key=_when)

    def digest(
        self,
        since: datetime | None,
        silent: list[tuple[OwnerView, list[Shown]]],
        until: datetime | None,
    ) -> Digest:
        actions = self.actions
        silent = [(p, [a for a in acts if a.id in actions]) for p, acts in silent]
        silent = [(p, acts) for p, acts in silent if acts]
        themes = [td for td in self.by_theme.values() if td.total]
        title = ""
        if self.theme_ids is not None and len(self.by_theme) == 1:
            title = next(iter(self.by_theme.values())).theme.name
        return Digest(
            self.snapshot.plan.name,
            self.today,
            since,
            themes,
            silent,
            self.horizon_days,
            title=title,
            until=until,
        )


# Made in C (a digest sorts and counts thousands of actions and changes).
_position = attrgetter("position", "id")
_theme_and_status = attrgetter("theme_id", "status")
_due = attrgetter("due_date")
_when = attrgetter("when")
_new_change = partial(tuple.__new__, Change)  # every field given, in order


# -- from the store ----------------------------------------------------------------------------
def digest_from_store(
    engine,
    plan: DigestPlan | ReadAhead[DigestPlan],
    *,
    plan_id: int,
    today: date,
    since: datetime | None,
    until: datetime,
    horizon_days: int = 14,
    theme_ids: Collection[int] | None = None,
) -> Digest:
    """The digest of the plan with changes in [since, until), read with set queries.

    ``plan`` is the plan as a digest reads it (storage/digest_queries.py digest_plan), or
    that read under way (start it with ``read_digest_plan`` as soon as the plan is known).
    On a database server the period's reads (the count and latest update of each changed
    action is the slowest statement) run beside it on another connection, and beside working
    out what the plan alone gives, so the database's time overlaps Python's instead of adding
    to it (storage/read_ahead.py)."""
    from storage.rows import gc_paused

    # One pause of the collector for the whole build: resumed between steps, it would sweep
    # the thousands of rows and views just made (none of them cycles) again and again.
    with gc_paused():
        reads = ReadAhead(engine, partial(_period_reads, engine, plan_id, since, until))
        read = plan.result() if isinstance(plan, ReadAhead) else plan
        draft = _PlanPart(read, today, horizon_days, theme_ids)
        latest, counts, revisions, before, unanswered, people = reads.result()
        draft.add_changes(latest, revisions, counts, before)
        silent = nudged_and_silent(draft.actions, people, unanswered)
        return draft.digest(since, silent, until)


def read_digest_plan(engine, plan_id: int) -> ReadAhead[DigestPlan]:
    """The plan as a digest reads it, started beside the caller where that gains."""
    return ReadAhead(engine, partial(_digest_plan, engine, plan_id))


def _digest_plan(engine, plan_id: int) -> DigestPlan:
    from storage.digest_queries import digest_plan
    from storage.engine import read_session

    with read_session(engine) as s:
        return digest_plan(s, plan_id)


def _period_reads(engine, plan_id: int, since: datetime | None, until: datetime):
    from storage.claims import unanswered_nudges
    from storage.digest_queries import (
        answerable_people,
        latest_updates_between,
        revisions_with_previous,
    )
    from storage.engine import read_session
    from storage.rows import gc_paused

    unanswered = unanswered_nudges(engine, plan_id)
    with gc_paused(), read_session(engine) as s:  # its own thread: pause for it too
        latest, counts = latest_updates_between(s, plan_id, since, until)
        revisions, before = revisions_with_previous(s, plan_id, since, until)
        people = answerable_people(s, plan_id, (p for p, _, _ in unanswered))
    return latest, counts, revisions, before, unanswered, people


def nudged_and_silent(
    actions: dict[int, Shown],
    people: dict[int, OwnerView],
    unanswered: Iterable[tuple[int, int, datetime]],
) -> list[tuple[OwnerView, list[Shown]]]:
    """Owners who were nudged about an action that is still open and has had no reply since,
    by name; ``actions`` are the digest's, by id; ``people`` those still answerable for the
    plan, by id; ``unanswered`` is (recipient id, action id, first nudged at)."""
    found: dict[int, list[Shown]] = defaultdict(list)
    for person_id, action_id, _ in unanswered:
        a = actions.get(action_id)
        if a is not None and is_open(a) and person_id in people and a not in found[person_id]:
            found[person_id].append(a)
    out = [(people[pid], sorted(acts, key=_position)) for pid, acts in found.items()]
    return sorted(out, key=lambda pa: pa[0].name.casefold())


# -- chart -------------------------------------------------------------------------------------
def render_status_chart(digest: Digest) -> bytes:
    """A PNG bar chart of status by theme (bot/core/status_chart.py): one horizontal bar per
    theme, stacked by status in the vocabulary's order, each in its BRAG colour."""
    from bot.core.status_chart import Segment, render_bars

    themes = digest.themes
    statuses = [s for s in STATUS_ORDER if digest.counts.get(s)]
    segments = [
        Segment(
            f"{status} ({digest.counts[status]})",
            COLOUR_HEX[colour_of(status)],
            tuple(td.counts.get(status, 0) for td in themes),
        )
        for status in statuses
    ]
    title = digest.title or digest.plan_name
    return render_bars(
        f"{title}: status by theme, {digest.today:%-d %b %Y}",
        [td.theme.name for td in themes],
        segments,
    )
