"""The board report ("Update on Progress" as at a date), built once and laid out by each writer.

By default the model is the plan's own table and nothing more: the columns it was imported
with, with their headings, in its order (a plan without a progress column gets "Update on
Progress" at the end), rows grouped by theme, each cell as the office wrote it. The progress
cell is the plan's own text where that is still the latest, else the owner's update as
"<status>: <their words exactly>". Deadlines keep the plan's text and add each later
revision as offices write it ("Quarter 2 (revised to March 2020)").

Extras, each only on request (``--with`` or the plan's ``report_with`` setting, EXTRAS):
a BRAG-shaded Status column (or the plan's own RAG column shaded), an Owner column (or the
plan's owners with the people holding each role then), a
"Changed since" column, "(updated 3 Sep 2019 by …)" after each update, and slip counts. A
summary counts statuses per theme and reuses the digest's status chart.

Pure data: bot/io/report_{xlsx,docx,html,csv}.py only lay it out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.digest import NO_UPDATE, NOT_STATED, STATUS_ORDER, Digest, ThemeDigest, colour_of
from bot.core.statuses import CLOSED_STATUSES, COLOUR_HEX, Colour
from storage.queries import ThemeView
from storage.report_queries import ActionAt, PlanAt, RevisionAt

PROGRESS_HEADING = "Update on Progress"
# The plan's columns a report can show; anything else stored is ignored.
_FIELDS = ("theme", "tag", "objective", "reference", "action", "deadline", "owner", "status")
_FIELDS_WITH_PROGRESS = (*_FIELDS, "progress")
# What a report can add to the plan's own table, each only when asked for.
EXTRAS = ("status", "owner", "changes", "attribution", "slips")
_DEFAULT_HEADINGS = {
    "theme": "Theme",
    "objective": "Objective",
    "reference": "Ref",
    "action": "Action",
    "deadline": "Deadline",
    "owner": "Owner",
    "status": "Status",
    "progress": PROGRESS_HEADING,
}
_LEADING_REVISED = re.compile(r"^\s*(?:revised|amended|extended|now(?:\s+due)?)\b[\s:,-]*", re.I)


@dataclass(frozen=True)
class ReportColumn:
    field: (
        str  # theme tag objective reference action deadline owner status progress | changes slips
    )
    heading: str
    shaded: bool = False  # a status column shown in BRAG colours


def read_extras(text: str | None) -> frozenset[str]:
    """ "status,owner" → {"status", "owner"}; "none" or "" → nothing; an unknown name is an
    error that lists the ones there are."""
    words = [w.strip().lower() for w in re.split(r"[,\s]+", text or "") if w.strip()]
    if words in (["none"], ["off"]):
        return frozenset()
    if words == ["all"]:
        return frozenset(EXTRAS)
    unknown = [w for w in words if w not in EXTRAS]
    if unknown:
        raise ValueError(
            f"unknown report extra {unknown[0]!r}: choose from {', '.join(EXTRAS)} "
            "(comma-separated), all or none"
        )
    return frozenset(words)


@dataclass
class ReportRow:
    action_id: int
    ref: str | None
    theme: str
    cells: list[str]  # one per report column, as shown
    status: str | None
    commentary: str
    updated_on: date | None
    updated_by: str
    imported: bool  # the latest update is the plan's own progress text, as imported
    deadline: str
    due_date: date | None
    overdue: bool
    slipped: bool
    changes: tuple[str, ...] = ()  # since the comparison date: new, status, commentary, deadline
    theme_written: str = ""  # the theme as the plan writes it (a flat table's Theme cell)
    owner_holders: bool = False  # owners with the people holding each role (the owner extra)
    attributed: bool = False  # "(updated 3 Sep 2019 by …)" after an update (an extra)
    revisions: int = 0  # times the deadline was revised

    @property
    def status_label(self) -> str:
        # Words with no clear status are "Not stated", never "No update" beside them.
        if not self.status and (self.commentary or self.updated_on):
            return NOT_STATED
        return self.status or NO_UPDATE

    @property
    def colour(self) -> Colour:
        return safe_colour(self.status)

    @property
    def hex(self) -> str:
        return COLOUR_HEX[self.colour]


@dataclass
class ReportTheme:
    name: str
    tags: tuple[str, ...]
    rows: list[ReportRow] = field(default_factory=list)
    written: str = ""  # the theme's cell or heading as the plan writes it

    @property
    def counts(self) -> Counter:
        return Counter(r.status_label for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r.overdue for r in self.rows)

    @property
    def slipped(self) -> int:
        return sum(r.slipped for r in self.rows)

    @property
    def heading(self) -> str:
        """The theme row's text: the plan's own heading ("3. Priority One: Becoming a
        Strategic Commissioner"), else its name with its tags (seed 000's "Culture Theme")."""
        if self.written:
            return self.written
        return f"{self.name} — {'; '.join(self.tags)}" if self.tags else self.name


@dataclass
class Report:
    plan_name: str
    title: str  # "<plan> — Update at November 2019"
    as_at: date
    since: date | None
    columns: list[ReportColumn]
    themes: list[ReportTheme]
    extras: frozenset[str] = frozenset()
    theme_filter: str | None = None  # the words a theme's report was asked with
    _chart: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> list[ReportRow]:
        return [r for t in self.themes for r in t.rows]

    @property
    def counts(self) -> Counter:
        total: Counter = Counter()
        for t in self.themes:
            total.update(t.counts)
        return total

    @property
    def total(self) -> int:
        return sum(len(t.rows) for t in self.themes)

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.themes)

    @property
    def slipped(self) -> int:
        return sum(t.slipped for t in self.themes)

    @property
    def statuses(self) -> list[str]:
        """The statuses present, in the vocabulary's order (columns of the summary)."""
        counts = self.counts
        return [s for s in STATUS_ORDER if counts.get(s)] + sorted(
            s for s in counts if s not in STATUS_ORDER
        )

    def summary_rows(self) -> list[tuple[str, Counter, int, int, int]]:
        """(theme, counts, total, overdue, slipped) per theme, then "All themes"."""
        out = [(t.name, t.counts, len(t.rows), t.overdue, t.slipped) for t in self.themes]
        out.append(("All themes", self.counts, self.total, self.overdue, self.slipped))
        return out

    def chart_png(self) -> bytes:
        """The digest's status-by-theme chart, for this report's date (drawn once)."""
        from bot.core.digest import render_status_chart

        if self._chart is None:
            self._chart = render_status_chart(self._as_digest())
        return self._chart

    def _as_digest(self) -> Digest:
        themes = []
        for i, t in enumerate(self.themes):
            td = ThemeDigest(ThemeView(-i - 1, t.name, t.tags, None, i))
            td.counts = Counter({s: n for s, n in t.counts.items() if s in STATUS_ORDER})
            themes.append(td)
        return Digest(self.plan_name, self.as_at, None, themes, [], 0)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and tests."""
        return {
            "plan": self.plan_name,
            "title": self.title,
            "as_at": self.as_at.isoformat(),
            "changes_since": self.since.isoformat() if self.since else None,
            "columns": [c.heading for c in self.columns],
            "extras": sorted(self.extras),
            "total": self.total,
            "counts": dict(self.counts),
            "overdue": self.overdue,
            "slipped": self.slipped,
            "themes": [
                {
                    "theme": t.name,
                    "tags": list(t.tags),
                    "counts": dict(t.counts),
                    "overdue": t.overdue,
                    "slipped": t.slipped,
                    "actions": [
                        {
                            "ref": r.ref,
                            "cells": dict(
                                zip([c.heading for c in self.columns], r.cells, strict=True)
                            ),
                            "status": r.status,
                            "commentary": r.commentary,
                            "updated_on": r.updated_on.isoformat() if r.updated_on else None,
                            "updated_by": r.updated_by,
                            "deadline": r.deadline,
                            "due": r.due_date.isoformat() if r.due_date else None,
                            "overdue": r.overdue,
                            "slipped": r.slipped,
                            "changes": list(r.changes),
                        }
                        for r in t.rows
                    ],
                }
                for t in self.themes
            ],
        }


def safe_colour(status: str | None) -> Colour:
    """The BRAG colour of a status; grey for none or one outside the vocabulary."""
    try:
        return colour_of(status)
    except ValueError:
        return Colour.GREY


# -- building ----------------------------------------------------------------------------------
def end_of_day(day: date, tz: str) -> datetime:
    """The last moment of ``day`` in ``tz``, in UTC: "as at 30 November" includes that day."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) + timedelta(days=1)
    return (start - timedelta(microseconds=1)).astimezone(UTC)


def plan_columns(plan_at: PlanAt) -> list[ReportColumn]:
    """The plan's own columns in its order, with its headings (as imported), the progress
    column included; a plan with none gets "Update on Progress" at the end. A plan imported
    before the columns were kept gets a sensible set."""
    stored = []
    if plan_at.plan.columns_json:
        try:
            stored = [
                (f, h)
                for f, h in json.loads(plan_at.plan.columns_json)
                if f in _FIELDS_WITH_PROGRESS
            ]
        except (ValueError, TypeError):
            stored = []
    if not any(f == "action" for f, _ in stored):
        acts = plan_at.actions
        stored = [("theme", "Theme")]
        if any(a.objective for a in acts):
            stored.append(("objective", "Objective"))
        if any(a.ref for a in acts):
            stored.append(("reference", "Ref"))
        stored += [("action", "Action"), ("deadline", "Deadline")]
        if any(a.owners for a in acts):
            stored.append(("owner", "Owner"))
    if not any(f == "progress" for f, _ in stored):
        stored.append(("progress", PROGRESS_HEADING))
    return [ReportColumn(f, h or _DEFAULT_HEADINGS.get(f, f)) for f, h in stored]


def report_columns(
    plan_at: PlanAt, extras: frozenset[str], since_date: date | None
) -> list[ReportColumn]:
    """The plan's columns, then the extras asked for: an Owner column (if the plan has
    none) and a Status column (the plan's own RAG column is shaded instead, where it has
    one) just before the progress column, slips and "Changed since" at the end."""
    columns = plan_columns(plan_at)
    progress_at = next(i for i, c in enumerate(columns) if c.field == "progress")
    added = []
    if "owner" in extras and not any(c.field == "owner" for c in columns):
        added.append(ReportColumn("owner", "Owner"))
    if "status" in extras:
        own = next((i for i, c in enumerate(columns) if c.field == "status"), None)
        if own is None:
            added.append(ReportColumn("status", "Status", shaded=True))
        else:
            columns[own] = ReportColumn("status", columns[own].heading, shaded=True)
    columns[progress_at:progress_at] = added
    if "slips" in extras:
        columns.append(ReportColumn("slips", "Deadline revised"))
    if since_date is not None:
        columns.append(ReportColumn("changes", f"Changed since {_day(since_date)}"))
    return columns


def build_report(
    plan_at: PlanAt,
    *,
    as_at: date,
    since: PlanAt | None = None,
    since_date: date | None = None,
    theme: str | None = None,
    extras: frozenset[str] | None = None,
) -> Report:
    """The report of ``plan_at`` (the plan read as at the end of ``as_at``). ``since``: the
    same plan read at an earlier date, to mark what changed (the "changes" extra).
    ``theme``: only the themes whose name contains it (case ignored); an error naming the
    themes if none does. ``extras``: what to add to the plan's own table (EXTRAS); None
    takes the plan's own setting."""
    tz = plan_at.plan.timezone or "Europe/London"
    if extras is None:
        extras = read_extras(getattr(plan_at.plan, "report_with", "") or "")
    if since is None:
        since_date = None
    columns = report_columns(plan_at, extras, since_date)
    themes = sorted(plan_at.themes.values(), key=lambda t: (t.position, t.id))
    if theme:
        needle = theme.casefold().strip()
        picked = [t for t in themes if needle in t.name.casefold()]
        if not picked:
            names = "; ".join(t.name for t in themes)
            raise ValueError(f"no theme matches {theme!r}. Themes: {names}")
        themes = picked
    sections = {t.id: ReportTheme(t.name, t.tags, written=t.heading) for t in themes}
    before = {a.id: a for a in since.actions} if since is not None else None
    for a in plan_at.actions:
        section = sections.get(a.theme_id)
        if section is None:
            continue
        row = _row(a, section, as_at, tz)
        row.attributed = "attribution" in extras
        row.owner_holders = "owner" in extras
        if before is not None:
            row.changes = _changes(a, before.get(a.id))
        row.cells = [_cell(c, a, section, row) for c in columns]
        section.rows.append(row)
    title = f"{plan_at.plan.name} — Update at {as_at:%B %Y}"
    out = [s for s in sections.values() if s.rows]
    return Report(
        plan_at.plan.name, title, as_at, since_date, columns, out, frozenset(extras), theme
    )


def _row(a: ActionAt, section: ReportTheme, as_at: date, tz: str) -> ReportRow:
    latest = a.latest
    status = latest.status if latest else None
    due = a.due_date
    closed = status is not None and status in {s.value for s in CLOSED_STATUSES}
    return ReportRow(
        action_id=a.id,
        ref=a.ref,
        theme=section.name,
        theme_written=section.written or section.name,
        cells=[],
        status=status,
        commentary=latest.commentary if latest else "",
        updated_on=latest.created_at.astimezone(ZoneInfo(tz)).date() if latest else None,
        updated_by=latest.author_name if latest else "",
        imported=bool(latest and latest.source == "import"),
        deadline=deadline_as_written(
            a.deadline_text, a.revisions, shown=latest.commentary if latest else ""
        ),
        due_date=due,
        overdue=not closed and due is not None and due < as_at,
        slipped=len(a.revisions) > 1,
        revisions=max(0, len(a.revisions) - 1),
    )


def deadline_as_written(plan_text: str, revisions: list[RevisionAt], shown: str = "") -> str:
    """ "Quarter 2 (revised to March 2020)": the deadline cell as the plan wrote it (its
    own revisions, "By September 2020 Revised 31 st March 2021", included as written), then
    the latest revision an owner made by then, with its year, the way offices write it.

    Where the progress cell beside it (``shown``) already says the move in the owner's own
    words ("Pending: Moved to quarter 4 …"), the paper says it once, as offices do: the
    deadline cell stays the plan's."""
    plan_text = " ".join((plan_text or "").split())
    imported = [r for r in revisions if r.source == "import"]
    if not plan_text and imported:
        plan_text = " ".join(r.text for r in imported)
    later = [r for r in revisions if r.source != "import"]
    if not later or (plan_text and _says_move(shown, later[-1].text)):
        return plan_text
    moved = _revised(later[-1])
    return f"{plan_text} (revised to {moved})" if plan_text else moved


def _says_move(shown: str, revision_text: str) -> bool:
    said = " ".join(revision_text.split()).casefold()
    return len(said) > 2 and said in " ".join(shown.split()).casefold()


def _revised(r: RevisionAt) -> str:
    """What a revision moved the deadline to, always with its year ("March 2020",
    "31 March 2020"): the owner's words where they name a year, else the date."""
    text = _LEADING_REVISED.sub("", " ".join(r.text.split())).strip() or r.text.strip()
    text = re.sub(r"^(?:to|until|till|by)\s+", "", text, flags=re.I)
    if r.due_date is None:
        return text
    if text == r.due_date.isoformat():
        text = ""  # an update that gave a date but no words: the date, as offices write it
    if re.search(r"\b(19|20)\d\d\b", text):
        return text
    month = f"{r.due_date:%B}"
    if re.search(rf"\b{month[:3]}[a-z]*\.?$", text, re.I):
        return f"{text} {r.due_date.year}"  # "end of October" → "end of October 2019"
    if r.due_date.day == _month_end(r.due_date).day:
        return f"{r.due_date:%B %Y}"
    return f"{r.due_date.day} {r.due_date:%B %Y}"


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def progress_text(row: ReportRow) -> str:
    """The progress cell. The plan's own imported text exactly as the office wrote it (its
    status word is already in it, or it states its status in prose). An owner's update:
    "<status>: <their words exactly as stored>", full stop and all; with the attribution
    extra, "(updated 3 Sep 2019 by Jane Smith)" after it."""
    if row.imported and row.commentary:
        return row.commentary
    if row.status and row.commentary:
        text = f"{row.status}: {row.commentary}"
    else:
        text = row.status or row.commentary
    if row.attributed and row.updated_on and not row.imported:
        by = f" by {row.updated_by}" if row.updated_by else ""
        text = f"{text} (updated {_day(row.updated_on)}{by})".strip()
    return text


def _changes(a: ActionAt, then: ActionAt | None) -> tuple[str, ...]:
    if then is None:
        return ("new action",)
    out = []
    now_u, then_u = a.latest, then.latest
    if (now_u.status if now_u else None) != (then_u.status if then_u else None):
        out.append("new status")
    if (
        now_u
        and (then_u is None or now_u.id != then_u.id)
        and (then_u is None or now_u.commentary != then_u.commentary)
    ):
        out.append("new commentary")
    if len(a.revisions) != len(then.revisions):
        out.append("new deadline")
    return tuple(out)


def _cell(c: ReportColumn, a: ActionAt, section: ReportTheme, row: ReportRow) -> str:
    if c.field == "theme":
        return section.written or section.name
    if c.field == "tag":
        return "; ".join(section.tags)
    if c.field == "objective":
        return a.objective
    if c.field == "reference":
        return a.ref or ""
    if c.field == "action":
        return a.text
    if c.field == "deadline":
        return row.deadline
    if c.field == "owner":
        return owner_cell(a, holders=row.owner_holders)
    if c.field == "status":
        return row.status_label
    if c.field == "progress":
        return progress_text(row)
    if c.field == "changes":
        return ", ".join(row.changes)
    if c.field == "slips":
        return str(row.revisions) if row.revisions else ""
    return ""


def owner_cell(a: ActionAt, holders: bool = False) -> str:
    """The owner cell as the plan wrote it ("New Chair and AO": owners change only with the
    plan's rows, by import, which keeps the cell with them); else (or with the "owner"
    extra, ``holders``) the owners by name, a role with the people holding it then."""
    written = " ".join(a.owner_text.split())
    if written and not holders:
        return written
    return "; ".join(
        f"{o.name} ({', '.join(o.holders)})" if o.holders else o.name for o in a.owners
    )


def _day(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


# -- from the store ----------------------------------------------------------------------------
def report_from_store(
    engine,
    plan_id: int,
    *,
    as_at: date,
    since: date | None = None,
    theme: str | None = None,
    extras: frozenset[str] | None = None,
) -> Report:
    """Read the plan as at the end of ``as_at`` (and of ``since``) and build its report.
    ``extras`` None: the plan's own setting; asking for "changes" with no ``since`` compares
    with the end of the month before."""
    from storage.engine import read_session
    from storage.models import Plan
    from storage.report_queries import plan_as_at

    if since is not None and since >= as_at:
        raise ValueError(
            f"--changes-since {since.isoformat()} must be before the report's date "
            f"{as_at.isoformat()}"
        )
    with read_session(engine) as s:
        plan = s.get(Plan, plan_id)
        tz = plan.timezone or "Europe/London"
        if extras is None:
            extras = read_extras(plan.report_with)
        if "changes" in extras and since is None:
            since = as_at.replace(day=1) - timedelta(days=1)
        now = plan_as_at(s, plan_id, end_of_day(as_at, tz))
        then = plan_as_at(s, plan_id, end_of_day(since, tz)) if since is not None else None
    return build_report(now, as_at=as_at, since=then, since_date=since, theme=theme, extras=extras)
