"""Plan import: file → rows (plan_reader) → parsed deadlines, owners and first updates →
one transaction in the store. A bad file raises PlanFileError and writes nothing; a dry run
does all the work and rolls it back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.clock import Clock
from bot.core.deadlines import ParsedDeadline, parse_deadline
from bot.core.people import guess_owner_kind
from bot.core.update_text import (
    infer_status,
    status_of_cell,
)
from bot.io.import_checks import ImportChecks, after_import
from bot.io.owners import owner_email, split_owner_emails
from bot.io.plan_choice import PlanChoice, PlanChoiceError, choose_plan, file_action_keys
from bot.io.plan_reader import read_plan
from bot.io.plan_table import PlanFileError, PlanTable
from storage.audit import record
from storage.engine import write_session
from storage.plan_match import role_aliases
from storage.plan_sync import (
    ActionSpec,
    DeadlineSpec,
    OwnerSpec,
    PlanSpec,
    ProgressSpec,
    SyncReport,
    sync_plan,
)

_FY = re.compile(r"\b(20\d\d)\s*[/-]\s*(?:20)?\d\d\b")


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass
class UnreadDeadline:
    row: int
    action: str
    text: str
    note: str


@dataclass
class StatusCounts:
    """Where the imported updates' statuses came from: a Status/RAG column, inferred from
    the progress text, or unknown (rows listed, for the administrator)."""

    from_column: int = 0
    inferred: int = 0
    unknown_rows: list[int] = field(default_factory=list)
    unknown_actions: list[str] = field(default_factory=list)  # the same rows, by action text

    def as_dict(self) -> dict:
        return {
            "from_column": self.from_column,
            "inferred": self.inferred,
            "unknown": len(self.unknown_rows),
            "unknown_rows": self.unknown_rows,
            "unknown_actions": self.unknown_actions,
        }


@dataclass
class ImportResult:
    plan_name: str
    sync: SyncReport
    themes: int
    objectives: int
    actions: int
    owners: int
    updates: int
    unread_deadlines: list[UnreadDeadline] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    statuses: StatusCounts | None = None
    moved_deadlines: list = field(default_factory=list)  # bot.core.fy_reread.Moved
    plan_created: bool = False  # a new plan (or, dry, one that would be created)
    chosen_because: str = ""  # why this plan: "same title", "--plan", "it matches no plan…"
    checks: ImportChecks | None = None  # unowned actions, look-alike and unheld roles

    def as_dict(self) -> dict:
        return {
            "plan": self.plan_name,
            "dry_run": self.dry_run,
            "themes": self.themes,
            "objectives": self.objectives,
            "actions": self.actions,
            "owners": self.owners,
            "updates": self.updates,
            "created": self.sync.created,
            "updated": self.sync.updated,
            "unchanged": self.sync.unchanged,
            "archived": self.sync.archived,
            "unread_deadlines": [d.__dict__ for d in self.unread_deadlines],
            "statuses": (self.statuses or StatusCounts()).as_dict(),
            "moved_deadlines": [
                {
                    "ref": m.ref,
                    "deadline": m.deadline_text,
                    "old": m.old.isoformat() if m.old else None,
                    "new": m.new.isoformat() if m.new else None,
                }
                for m in self.moved_deadlines
            ],
            "warnings": self.warnings,
            "plan_created": self.plan_created,
            "chosen_because": self.chosen_because,
            **(self.checks or ImportChecks()).as_dict(),
        }


def guess_fy_start_year(title: str) -> int | None:
    """ "IMPLEMENTATION PLAN FOR 2019/2020 – 2020/2021" → 2019 (the first financial year)."""
    m = _FY.search(title or "")
    return int(m.group(1)) if m else None


def build_spec(
    table: PlanTable,
    *,
    plan_name: str,
    fy_start_year: int | None,
    fy_start_month: int = 4,
    today=None,
    counts: StatusCounts | None = None,
) -> tuple[PlanSpec, list[UnreadDeadline]]:
    fy_year = fy_start_year or guess_fy_start_year(table.title)
    counts = counts if counts is not None else StatusCounts()
    status_column = table.columns.get("status", "Status")
    unread: list[UnreadDeadline] = []
    actions: list[ActionSpec] = []
    for row in table.rows:
        deadline = parse_deadline(
            row.deadline_text, fy_start_year=fy_year, fy_start_month=fy_start_month
        )
        if row.deadline_text and (
            not deadline.sure or (deadline.due is None and deadline.kind != "ongoing")
        ):
            unread.append(
                UnreadDeadline(row.source_row, row.action[:80], row.deadline_text, deadline.note)
            )
        progress = None
        column_status = status_of_cell(row.status_text) if row.status_text else None
        if row.status_text and column_status is None:
            table.warnings.append(
                f"{short_action(row.action)}, column '{status_column}': can't read {row.status_text!r} as a "
                "status (expected e.g. Green, Amber, Red, Blue, Completed, On track)"
            )
        if row.progress_text.strip() or column_status is not None:
            inferred = infer_status(row.progress_text)
            status = column_status or inferred
            if column_status is not None:
                counts.from_column += 1
            elif inferred is not None:
                counts.inferred += 1
            else:
                counts.unknown_rows.append(row.source_row)
                counts.unknown_actions.append(row.action)
            progress = ProgressSpec(
                # The status cell is part of what was written: a change to it is a new update.
                text=row.progress_text + (f"\n[{row.status_text}]" if row.status_text else ""),
                status=status.value if status else None,
                # The office's words exactly as written, status word and all: the board
                # report shows them as the plan had them (bot/core/report.py progress_text).
                commentary=parsed_text(row.progress_text),
            )
        actions.append(
            ActionSpec(
                text=row.action,
                ref=row.reference or None,
                theme=row.theme or "General",
                theme_tags=list(row.theme_tags),
                objective=row.objective,
                deadline=_deadline_spec(deadline),
                owners=[_owner_spec(name) for name in split_owner_emails(_owners_of(row))],
                progress=progress,
                source_row=row.source_row,
                theme_heading=row.theme_heading,
                owner_text=row.owner_text,
            )
        )
    _check_unique_keys(actions)
    spec = PlanSpec(
        name=plan_name,
        actions=actions,
        title=table.title,
        fy_start_year=fy_year,
        fy_start_month=fy_start_month,
        columns=list(table.layout),
        # A file names no time zone: a new plan gets the default, a loaded one keeps its own
        # (`plan set --timezone`), rather than every re-import resetting it.
        timezone="",
    )
    return spec, unread


def short_action(text: str, width: int = 40) -> str:
    """An action named in a message by its first words, in quotes: “Deliver shared
    Constitution…” (a Word table's row number says little to the person importing)."""
    line = " ".join(text.split())
    if len(line) <= width:
        return f"“{line}”"
    cut = line[: width + 1].rsplit(" ", 1)[0] if " " in line[:width] else line[:width]
    return f"“{cut.rstrip(' ,;:')}…”"


def _owners_of(row) -> list[str]:
    """The row's own owners; else the lead officer its section heading names."""
    if row.owners:
        return row.owners
    return [row.theme_lead] if row.theme_lead else []


def _owner_spec(cell_part: str) -> OwnerSpec:
    """A person or role; an email in the owner cell names a person, matched by it."""
    name, email = owner_email(cell_part)
    if email:
        return OwnerSpec(name, "person", email)
    return OwnerSpec(name, guess_owner_kind(name))


def parsed_text(text: str) -> str:
    return " ".join(text.split()) if "<" in text else text.strip()


def _check_unique_keys(actions: list[ActionSpec]) -> None:
    """Two rows with the same action text (and no references) would be one action: say so."""
    seen: dict[str, ActionSpec] = {}
    for a in actions:
        first = seen.setdefault(a.key, a)
        if first is not a:
            what = f"reference {a.ref!r}" if a.ref else "action text"
            raise PlanFileError(
                f"rows {first.source_row} and {a.source_row} have the same {what} "
                f"({a.text[:60]!r}); give each action its own reference or wording",
                row=a.source_row,
                column="action",
            )


def _as_of(deadline: ParsedDeadline):
    """A reference date for yearless dates inside imported commentary: the deadline's own."""
    from datetime import date

    return deadline.due or date(2000, 1, 1)


def _deadline_spec(d: ParsedDeadline) -> DeadlineSpec:
    return DeadlineSpec(
        text=d.text,
        due=d.due,
        kind=d.kind,
        sure=d.sure,
        steps=[(s.text, s.due) for s in d.steps] if len(d.steps) > 1 else [],
    )


def import_plan(
    engine: Engine,
    clock: Clock,
    path: str | Path,
    *,
    plan_name: str | None = None,
    fy_start_year: int | None = None,
    fy_start_month: int = 4,
    dry_run: bool = False,
    by: str = "command line",
    new: bool = False,
) -> ImportResult:
    """Read ``path`` and write it to the store in one transaction (rolled back if dry),
    with its entry in the audit trail (``by``: who imported it). Which plan it goes to:
    ``plan_name`` (update or create it), ``new`` (a new plan), else bot/io/plan_choice.py's
    rules — a file that is no loaded plan's, or might be several, is refused."""
    path = Path(path)
    table = read_plan(path)
    counts = StatusCounts()
    try:
        spec, unread = build_spec(
            table,
            plan_name=plan_name or "",
            fy_start_year=fy_start_year,
            fy_start_month=fy_start_month,
            counts=counts,
        )
    except PlanFileError as exc:
        raise exc.in_file(path.name) from None
    choice = _plan_to_update(engine, table, path, spec, plan_name=plan_name, new=new)
    name = spec.name = choice.name
    report: SyncReport | None = None
    moved: list = []
    checks: ImportChecks | None = None
    try:
        with write_session(engine) as session:
            before = _plan_fy(session, name)
            _merged_spellings(spec, table, role_aliases(session))
            report = sync_plan(session, spec, now=clock.now())
            record(
                session,
                actor=by,
                action="plan.import",
                subject=name,
                now=clock.now(),
                file=path.name,
                actions=len(spec.actions),
                new_plan=choice.new,
                chosen=choice.why,
            )
            moved = _reread_if_fy_changed(session, name, before, clock.now())
            checks = after_import(session, report.plan_id, spec, table, now=clock.now(), by=by)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    warnings = list(table.warnings)
    if "milestones" in table.columns:
        # A timeline's month cells are milestones: the last month with words is often a
        # recurring step or the chart's end, so taking it as the deadline would invent a
        # sure date. The actions get none; `plan` commands or a Deadline column give one.
        warnings.append(
            f"the month columns ({table.columns['milestones']}) hold milestones, not "
            "deadlines: no deadline was read from them"
        )
    owners = {o.name for a in spec.actions for o in a.owners}
    objectives = {(a.theme, a.objective) for a in spec.actions if a.objective}
    return ImportResult(
        plan_name=name,
        sync=report,
        themes=len({a.theme for a in spec.actions}),
        objectives=len(objectives),
        actions=len(spec.actions),
        owners=len(owners),
        updates=sum(1 for a in spec.actions if a.progress),
        unread_deadlines=unread,
        warnings=warnings,
        dry_run=dry_run,
        statuses=counts,
        moved_deadlines=moved,
        plan_created=choice.new,
        chosen_because=choice.why,
        checks=checks,
    )


def _merged_spellings(spec: PlanSpec, table: PlanTable, aliases: dict[str, str]) -> None:
    """Owners (and lead officers) written in a spelling `people roles merge` folded away
    are the role it was merged into; the owner cell as written is kept for the report."""
    if not aliases:
        return
    for a in spec.actions:
        owners: dict[str, OwnerSpec] = {}
        for o in a.owners:
            merged = aliases.get(o.name.casefold()) if not o.email else None
            o = OwnerSpec(merged, "role") if merged else o
            owners.setdefault(o.name.casefold(), o)
        a.owners = list(owners.values())
    for row in table.rows:
        if row.theme_lead and row.theme_lead.casefold() in aliases:
            row.theme_lead = aliases[row.theme_lead.casefold()]


def _plan_fy(session, name: str) -> tuple[int | None, int] | None:
    from storage.queries import NotFound, get_plan

    try:
        plan = get_plan(session, name)
    except NotFound:
        return None
    return plan.fy_start_year, plan.fy_start_month


def _reread_if_fy_changed(session, name: str, before, now) -> list:
    """`import --fy-start` on a loaded plan: quarter deadlines kept from the last import are
    re-read in the new financial year (the file's unchanged text would not move them)."""
    from bot.core.fy_reread import reread_deadlines
    from storage.queries import get_plan

    if before is None:
        return []
    plan = get_plan(session, name)
    if (plan.fy_start_year, plan.fy_start_month) == before:
        return []
    return reread_deadlines(session, plan, old_year=before[0], old_month=before[1], now=now)


def _plan_to_update(
    engine: Engine, table: PlanTable, path: Path, spec: PlanSpec, *, plan_name, new
) -> PlanChoice:
    """The plan this import writes to (bot/io/plan_choice.py); PlanChoiceError when the
    file could be another plan's."""
    from storage.engine import read_session
    from storage.plan_match import loaded_plan_keys

    with read_session(engine) as s:
        plans = loaded_plan_keys(s)
    try:
        return choose_plan(
            plans,
            title=table.title,
            path=path,
            action_keys=file_action_keys(spec.actions),
            plan_name=plan_name,
            new=new,
        )
    except PlanChoiceError as exc:
        raise exc.in_file(path.name) from None
