"""What an import tells the person importing after the plan is written: the actions nobody
owns (nobody will be nudged about them), role names that look like one role written two
ways (with the `people roles merge` that joins them), and the roles nobody holds. Also
gives section headings' lead officers to their themes. Runs inside the import's
transaction, so a dry run reports the same and keeps nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.people import guess_owner_kind
from bot.core.role_names import LookAlike, look_alikes
from bot.io.plan_table import PlanTable
from storage.plan_match import (
    role_names,
    set_imported_theme_leads,
    unheld_roles,
    unowned_actions,
)
from storage.plan_sync import PlanSpec


@dataclass
class ImportChecks:
    unowned: list[tuple[str | None, str]] = field(default_factory=list)  # (ref, text)
    look_alikes: list[LookAlike] = field(default_factory=list)
    unheld_roles: list[str] = field(default_factory=list)
    theme_leads: dict[str, str] = field(default_factory=dict)  # theme -> lead officer
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "unowned": [{"ref": r, "action": t} for r, t in self.unowned],
            "look_alike_roles": [
                {"merge": x.merge, "into": x.into, "why": x.why, "command": x.command}
                for x in self.look_alikes
            ],
            "unheld_roles": self.unheld_roles,
            "theme_leads": self.theme_leads,
        }


def after_import(
    session, plan_id: int, spec: PlanSpec, table: PlanTable, *, now: datetime, by: str
) -> ImportChecks:
    leads: dict[str, str] = {}
    for row in table.rows:
        if row.theme_lead:
            leads.setdefault(row.theme or "General", row.theme_lead)
    notes = set_imported_theme_leads(
        session,
        plan_id,
        {theme: (name, guess_owner_kind(name)) for theme, name in leads.items()},
        now=now,
    )
    mine = {o.name.casefold() for a in spec.actions for o in a.owners} | {
        n.casefold() for n in leads.values()
    }
    roles = role_names(session)
    among = {name for name, _n in roles if name.casefold() in mine}
    return ImportChecks(
        unowned=unowned_actions(session, plan_id),
        look_alikes=look_alikes(roles, among=among),
        unheld_roles=unheld_roles(session, plan_id),
        theme_leads=leads,
        notes=notes,
    )
