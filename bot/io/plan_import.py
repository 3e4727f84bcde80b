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
from bot.core.update_text import parse_update_text
from bot.io.plan_reader import read_plan
from bot.io.plan_table import PlanFileError, PlanTable
from storage.engine import write_session
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
            "warnings": self.warnings,
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
) -> tuple[PlanSpec, list[UnreadDeadline]]:
    fy_year = fy_start_year or guess_fy_start_year(table.title)
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
        if row.progress_text.strip():
            parsed = parse_update_text(
                row.progress_text,
                today=today or _as_of(deadline),
                fy_start_year=fy_year,
                fy_start_month=fy_start_month,
            )
            progress = ProgressSpec(
                text=row.progress_text,
                status=parsed.status.value if parsed.status else None,
                commentary=parsed.commentary,
            )
        actions.append(
            ActionSpec(
                text=row.action,
                ref=row.reference or None,
                theme=row.theme or "General",
                theme_tags=list(row.theme_tags),
                objective=row.objective,
                deadline=_deadline_spec(deadline),
                owners=[OwnerSpec(name, guess_owner_kind(name)) for name in row.owners],
                progress=progress,
                source_row=row.source_row,
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
    )
    return spec, unread


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
) -> ImportResult:
    """Read ``path`` and write it to the store in one transaction (rolled back if dry)."""
    path = Path(path)
    table = read_plan(path)
    name = plan_name or _default_name(table, path)
    try:
        spec, unread = build_spec(
            table, plan_name=name, fy_start_year=fy_start_year, fy_start_month=fy_start_month
        )
    except PlanFileError as exc:
        raise exc.in_file(path.name) from None
    report: SyncReport | None = None
    try:
        with write_session(engine) as session:
            report = sync_plan(session, spec, now=clock.now())
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
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
        warnings=list(table.warnings),
        dry_run=dry_run,
    )


def _default_name(table: PlanTable, path: Path) -> str:
    title = " ".join(table.title.split())
    return title[:200] if title else path.stem
