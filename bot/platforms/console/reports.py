"""Terminal output for the administrator's CLI commands (import summary, people) and the
JSON shape of an action."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.core.people_admin import PersonRow
from bot.io.plan_import import ImportResult, short_action
from bot.platforms.console.render import plain_row
from storage.queries import ActionView


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 deadline", "2 deadlines", "1 progress update"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def import_summary(r: ImportResult) -> RenderableType:
    s = r.sync
    if r.dry_run:
        verb = "would create a new plan" if r.plan_created else "would update plan"
        head = f"Checked (dry run, nothing stored): {verb} “{r.plan_name}”"
    else:
        head = f"{'Created' if r.plan_created else 'Imported'} plan “{r.plan_name}”"
    why = f" ({r.chosen_because})" if r.chosen_because else ""
    lines = Text.assemble(
        (f"{head}{why}\n", "bold"),
        f"  {plural(r.themes, 'theme')}, {plural(r.objectives, 'objective')}, "
        f"{plural(r.actions, 'action')}, {plural(r.owners, 'owner')}, "
        f"{plural(r.updates, 'progress update')}\n",
        f"  actions: {s.created} created, {s.updated} updated, {s.unchanged} unchanged"
        + (f", {s.archived} archived (no longer in the file)" if s.archived else ""),
    )
    parts: list[RenderableType] = [lines]
    st = r.statuses
    if st is not None and (st.from_column or st.inferred or st.unknown_rows):
        unknown = ""
        if st.unknown_actions:
            shown = ", ".join(short_action(t, 30) for t in st.unknown_actions[:10])
            more = (
                f" and {len(st.unknown_actions) - 10} more" if len(st.unknown_actions) > 10 else ""
            )
            unknown = f", {len(st.unknown_actions)} unknown ({shown}{more})"
        parts.append(
            Text(
                f"  statuses: {st.from_column} from the status column, "
                f"{st.inferred} inferred from the progress text{unknown}"
            )
        )
    if r.moved_deadlines:
        parts.append(
            Text(
                f"  {plural(len(r.moved_deadlines), 'deadline')} re-read in the new financial year:"
            )
        )
        for m in r.moved_deadlines:
            old = f"{m.old:%-d %b %Y}" if m.old else "no date"
            new = f"{m.new:%-d %b %Y}" if m.new else "no date"
            parts.append(Text(f"    {m.ref}: {m.deadline_text} {old} → {new}"))
    if r.unread_deadlines:
        n = len(r.unread_deadlines)
        t = Table(
            title=f"{plural(n, 'deadline')} {'needs' if n == 1 else 'need'} a look (kept as written)",
            title_justify="left",
            title_style="yellow",
        )
        for col in ("Action", "Deadline as written", "Why"):
            t.add_column(col)
        for d in r.unread_deadlines:
            plain_row(t, short_action(d.action, 50), d.text, d.note or "not sure of this date")
        parts.append(t)
    parts.extend(_check_lines(r))
    for w in r.warnings:
        parts.append(Text(f"note: {w}", style="dim"))
    return Group(*parts)


def _check_lines(r: ImportResult) -> list[RenderableType]:
    """Unowned actions, look-alike roles, unheld roles, lead officers (bot/io/import_checks.py)."""
    c = r.checks
    if c is None:
        return []
    out: list[RenderableType] = []
    for theme, lead in c.theme_leads.items():
        out.append(Text(f"  theme “{theme}”: lead officer {lead} (from the section heading)"))
    if c.unowned:
        n = len(c.unowned)
        out.append(
            Text(
                f"  {plural(n, 'action')} {'has' if n == 1 else 'have'} no owner: nobody will "
                "be nudged about them — `actions unowned`",
                style="yellow",
            )
        )
        for ref, text in c.unowned[:20]:
            out.append(Text(f"    {ref + ' ' if ref else ''}{short_action(text, 60)}"))
        if n > 20:
            out.append(Text(f"    … and {n - 20} more"))
    if c.look_alikes:
        out.append(Text("  role names that look like one role written two ways:", style="yellow"))
        for x in c.look_alikes:
            out.append(Text(f"    “{x.merge}” / “{x.into}” ({x.why}): {x.command}"))
    if c.unheld_roles:
        n = len(c.unheld_roles)
        out.append(
            Text(
                f"  {plural(n, 'role')} nobody holds yet (`people set NAME --email E --role "
                f"ROLE`): {', '.join(c.unheld_roles[:20])}"
                + (f" and {n - 20} more (`people list`)" if n > 20 else "")
            )
        )
    for note in c.notes:
        out.append(Text(f"note: {note}", style="dim"))
    return out


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
