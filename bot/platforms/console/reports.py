"""Terminal output for the administrator's CLI commands (import summary, people) and the
JSON shape of an action."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.core.people_admin import PersonRow
from bot.io.plan_import import ImportResult
from bot.platforms.console.render import plain_row
from storage.queries import ActionView


def import_summary(r: ImportResult) -> RenderableType:
    head = "Checked (dry run, nothing stored)" if r.dry_run else "Imported"
    s = r.sync
    lines = Text.assemble(
        (f"{head} plan “{r.plan_name}”\n", "bold"),
        f"  {r.themes} themes, {r.objectives} objectives, {r.actions} actions, "
        f"{r.owners} owners, {r.updates} progress updates\n",
        f"  actions: {s.created} created, {s.updated} updated, {s.unchanged} unchanged"
        + (f", {s.archived} archived (no longer in the file)" if s.archived else ""),
    )
    parts: list[RenderableType] = [lines]
    st = r.statuses
    if st is not None and (st.from_column or st.inferred or st.unknown_rows):
        unknown = ""
        if st.unknown_rows:
            shown = ", ".join(str(n) for n in st.unknown_rows[:30])
            more = f" and {len(st.unknown_rows) - 30} more" if len(st.unknown_rows) > 30 else ""
            unknown = f", {len(st.unknown_rows)} unknown (rows {shown}{more})"
        parts.append(
            Text(
                f"  statuses: {st.from_column} from the status column, "
                f"{st.inferred} inferred from the progress text{unknown}"
            )
        )
    if r.moved_deadlines:
        parts.append(
            Text(f"  {len(r.moved_deadlines)} deadlines re-read in the new financial year:")
        )
        for m in r.moved_deadlines:
            old = f"{m.old:%-d %b %Y}" if m.old else "no date"
            new = f"{m.new:%-d %b %Y}" if m.new else "no date"
            parts.append(Text(f"    {m.ref}: {m.deadline_text} {old} → {new}"))
    if r.unread_deadlines:
        t = Table(
            title=f"{len(r.unread_deadlines)} deadlines need a look (kept as written)",
            title_justify="left",
            title_style="yellow",
        )
        for col in ("Row", "Deadline as written", "Why", "Action"):
            t.add_column(col)
        for d in r.unread_deadlines:
            plain_row(t, str(d.row), d.text, d.note or "not sure of this date", d.action)
        parts.append(t)
    for w in r.warnings:
        parts.append(Text(f"note: {w}", style="dim"))
    return Group(*parts)


_PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


def people_table(rows: list[PersonRow], *, title: str = "People and roles") -> Table:
    t = Table(title=title)
    cols = ["Name", "Kind", "Email", "Holds / held by", "Actions", "Chat user"]
    why = any(r.unreachable for r in rows)
    if why:
        cols.append("Can't be reached yet")
    for col in cols:
        t.add_column(col)
    for r in rows:
        chat = r.chat_user_id or ("—" if r.kind == "role" else "not matched")
        cells = [r.name, r.kind, r.email or "—", ", ".join(r.links) or "—", str(r.actions), chat]
        if why:
            reasons = [f"{_PLATFORM_NAMES.get(p, p)}: {w}" for p, w in r.unreachable.items()]
            if r.kind == "role" and not r.links:
                reasons.append("nobody holds this role")
            cells.append("; ".join(reasons) or "—")
        plain_row(t, *cells)
    return t


def action_dict(a: ActionView) -> dict:
    return {
        "id": a.id,
        "ref": a.ref,
        "text": a.text,
        "theme": a.theme,
        "objective": a.objective,
        "deadline": a.deadline_text,
        "due": a.due_date,
        "deadline_kind": a.deadline_kind,
        "status": a.status,
        "last_update": a.status_at,
        "owners": [o.name for o in a.owners],
    }
