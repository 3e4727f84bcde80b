"""Renders handler replies as rich tables and panels for the terminal."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.core.digest import STATUS_ORDER, Digest, colour_of
from bot.core.owing import Owed, Reason
from bot.core.replies import group_by_plan
from bot.core.statuses import Colour
from bot.core.when_due import when_due
from handlers.replies import (
    ActionList,
    AskAction,
    AskStatus,
    AwayNotice,
    DigestReply,
    HelpText,
    Notice,
    Nudge,
    Problem,
    ReassignRequested,
    Refusal,
    Reply,
    UpdatesStored,
    UpdateStored,
)
from storage.queries import ActionView

_STYLE = {
    Colour.BLUE: "bold blue",
    Colour.GREEN: "green",
    Colour.AMBER: "yellow",
    Colour.RED: "bold red",
    Colour.GREY: "dim",
}
STATUS_CHOICES = ("On track", "Completed", "Delayed", "At risk", "Pending", "Ongoing")


def plain_row(table: Table, *cells) -> None:
    """Add a row whose text cells are shown as written: plan text such as "[see note]"
    must not be read as rich markup (a stray "[/x]" would even raise)."""
    table.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))


def status_text(status: str | None) -> Text:
    label = status or "No update"
    return Text(label, style=_STYLE[colour_of(status)])


def due_text(action: ActionView, today: date) -> str:
    written = action.deadline_text or "—"
    if action.due_date is None:
        return written
    phrase = when_due(action, today)
    shown = action.due_date.strftime("%-d %b %Y")
    inner = f"{shown}, {phrase[0]}" if phrase else shown
    return (
        f"{written} ({inner})"
        if written != shown
        else f"{shown}" + (f" ({phrase[0]})" if phrase else "")
    )


def shorten(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render(reply: Reply) -> RenderableType:
    match reply:
        case UpdateStored():
            return _stored(reply)
        case UpdatesStored():
            out = Text()
            for i, one in enumerate(reply.stored):
                out.append_text(_stored(one))
                if i < len(reply.stored) - 1:
                    out.append("\n")
            for refused in reply.refused:
                out.append(f"\n{refused.text}", style="bold red")
            if reply.asking is not None:
                out.append("\n")
                out.append_text(render(reply.asking))
            return out
        case ReassignRequested():
            return Text(reply.message, style="cyan")
        case AskStatus():
            later = (
                f"\nThen I'll ask about {', '.join(reply.later_labels)}."
                if reply.later_labels
                else ""
            )
            if reply.options:
                return Text.assemble(
                    (f"{reply.action.label} ", "bold"),
                    shorten(reply.action.text, 70),
                    f"\nI read that two ways. Did you mean {' or '.join(reply.options)}? "
                    "Reply with one of: ",
                    (", ".join(reply.options), "cyan"),
                    f"  (your comment is kept; nothing is stored until you answer).{later}",
                )
            return Text.assemble(
                (f"{reply.action.label} ", "bold"),
                shorten(reply.action.text, 70),
                "\nWhat is its status? Reply with one of: ",
                (", ".join(STATUS_CHOICES), "cyan"),
                f"  (your comment is kept).{later}",
            )
        case AskAction():
            if not reply.candidates:
                return Text(
                    "Which action is that about? Start with its reference, e.g. "
                    "`L4 on track: workshops booked`.",
                    style="yellow",
                )
            if reply.plan_names:  # a reference in several plans: choose the plan by number
                table = Table(title=f"{reply.question} Reply with its number.")
                table.add_column("#"), table.add_column("Plan"), table.add_column("Action")
                for i, (a, plan) in enumerate(
                    zip(reply.candidates, reply.plan_names, strict=False), 1
                ):
                    plain_row(table, str(i), plan, f"{a.label} {shorten(a.text, 70)}")
                return table
            table = Table(title="Which action is that about? Reply with its number or reference.")
            table.add_column("#"), table.add_column("Ref"), table.add_column("Action")
            for i, a in enumerate(reply.candidates, 1):
                plain_row(table, str(i), a.label, shorten(a.text, 80))
            return table
        case Refusal():
            return Text(reply.text, style="bold red")
        case Problem():
            return Text(reply.text, style="yellow")
        case Notice() | AwayNotice():
            return Text(reply.text)
        case HelpText():
            return Panel(reply.text, title="help")
        case ActionList():
            table = action_table(reply.title, reply.actions, reply.today)
            if reply.detail is None:
                return table
            return Group(table, Text("\n".join(reply.detail.lines())))
        case Nudge():
            return nudge_panel(reply.person.name, reply.items, reply.today, reply.plans)
        case DigestReply():
            return digest_group(reply.digest)
    raise TypeError(f"no console rendering for {type(reply).__name__}")


def _stored(reply: UpdateStored) -> Text:
    u, a = reply.update, reply.action
    head = "Already stored" if not reply.created else "Stored"
    t = Text.assemble((f"✔ {head} ", "bold green"), f"for {a.label}: ", status_label(a))
    if u.commentary:
        t.append(f" — {shorten(u.commentary, 120)}")
    if u.revised_due:
        t.append(f"\n  Deadline now {u.revised_due:%-d %b %Y} ({u.revised_deadline_text})")
    t.append(f"\n  by {u.author_name or 'unknown'}, {reply.local_time()}", style="dim")
    if a.signoff_pending and reply.created:
        t.append("\n  Waiting for the theme lead to sign it off.", style="yellow")
    return t


def action_table(
    title: str, actions: tuple[ActionView, ...] | list[ActionView], today: date
) -> RenderableType:
    if not actions:
        return Text(f"No actions: {title}.", style="dim")
    return _ActionTable(title, tuple(actions), today)


# Below this width the six columns squeeze the action text to a few characters a line, so the
# table stacks instead: the action's text gets the width, its theme, owner and deadline go
# on a dim line under it.
WIDE_TABLE = 120


class _ActionTable:
    def __init__(self, title: str, actions: tuple[ActionView, ...], today: date):
        self.title, self.actions, self.today = title, actions, today

    def __rich_console__(self, console, options):
        if options.max_width >= WIDE_TABLE:
            yield self._wide()
        else:
            yield self._stacked()

    def _wide(self) -> Table:
        table = Table(title=f"{self.title} ({len(self.actions)})", expand=False)
        table.add_column("Ref", no_wrap=True)
        table.add_column("Action", ratio=3, min_width=30)
        table.add_column("Theme", ratio=1, max_width=24)
        table.add_column("Owner", ratio=1, max_width=28)
        table.add_column("Deadline", ratio=1, max_width=36)
        table.add_column("Status", no_wrap=True)
        for a in self.actions:
            plain_row(
                table,
                a.label,
                shorten(a.text, 110),
                shorten(a.theme, 40),
                ", ".join(o.name for o in a.owners) or "—",
                due_text(a, self.today),
                status_label(a),
            )
        return table

    def _stacked(self) -> Table:
        table = Table(
            title=f"{self.title} ({len(self.actions)})",
            expand=True,
            show_lines=True,
            title_justify="left",
        )
        table.add_column("Ref", no_wrap=True)
        table.add_column("Action", ratio=1)
        table.add_column("Status", no_wrap=True)
        for a in self.actions:
            owners = ", ".join(o.name for o in a.owners) or "no owner"
            cell = Text(shorten(a.text, 160))
            cell.append(f"\n{shorten(a.theme, 40)} · {owners} · {due_text(a, self.today)}", "dim")
            plain_row(table, a.label, cell, status_label(a))
        return table


def status_label(action: ActionView) -> Text:
    """The status, saying when a completion still waits for the theme lead's sign-off."""
    if action.signoff_pending:
        return Text("Completed – awaiting sign-off", style=_STYLE[colour_of(action.status)])
    if not action.status and action.status_at is not None:
        return Text("Not stated", style=_STYLE[colour_of(None)])  # words, no clear status
    return status_text(action.status)


_REASON_STYLE = {
    Reason.OVERDUE: "bold red",
    Reason.DUE_TODAY: "bold yellow",
    Reason.DUE_SOON: "yellow",
    Reason.ONGOING: "cyan",
    Reason.STALE: "dim",
}


def nudge_panel(
    name: str,
    items: tuple[Owed, ...] | list[Owed],
    today: date,
    plans: tuple[tuple[int, str], ...] = (),
) -> Panel:
    """The nudge: every action owed; under a heading per plan when several are served."""
    lines = Text(f"Hello {name}, these actions need an update from you:\n")
    for plan_name, group in group_by_plan(items, plans):
        if plan_name is not None:
            lines.append(f"\n{plan_name}", style="bold underline")
        for o in group:
            a = o.action
            lines.append(f"\n• {a.label} ", style="bold")
            lines.append(shorten(a.text, 80))
            lines.append(f"\n  {due_text(a, today)}  ", style="dim")
            lines.append(o.reason.value, style=_REASON_STYLE[o.reason])
            lines.append("  last: ")
            lines.append_text(status_text(a.status))
    lines.append("\n\nReply e.g. `", style="dim")
    lines.append(f"{items[0].action.label} on track: workshops booked", style="cyan")
    lines.append("` or `slipping to end of June`.", style="dim")
    return Panel(lines, title=f"nudge → {name}", border_style="cyan")


def digest_group(d: Digest) -> RenderableType:
    parts: list[RenderableType] = []
    since = f" since {d.since:%-d %b %Y}" if d.since else ""
    counts = Text(f"{d.plan_name} — digest for {d.today:%-d %b %Y}{since}\n", style="bold")
    for status in STATUS_ORDER:
        n = d.counts.get(status, 0)
        if n:
            counts.append_text(status_text(None if status == "No update" else status))
            counts.append(f" {n}   ")
    parts.append(counts)
    for td in d.themes:
        t = Table(
            title=f"{td.theme.name} — {td.total} actions", title_justify="left", show_header=False
        )
        t.add_column("what", style="bold", no_wrap=True)
        t.add_column("detail")
        plain_row(
            t,
            "Status",
            Text("  ").join(
                Text.assemble(status_text(None if s == "No update" else s), f" {td.counts[s]}")
                for s in STATUS_ORDER
                if td.counts.get(s)
            ),
        )
        for c in td.changes:
            if c.kind == "slipped":
                old = f"{c.old_due:%-d %b %Y}" if c.old_due else "?"
                new = f"{c.new_due:%-d %b %Y}" if c.new_due else c.new_deadline_text
                plain_row(t, "Slipped", f"{c.action.label}: {old} → {new}")
            else:
                plain_row(
                    t,
                    "Completed" if c.kind == "completed" else "Updated",
                    Text.assemble(
                        f"{c.action.label} ", status_text(c.status), f" {shorten(c.commentary, 90)}"
                    ),
                )
        for a in td.overdue:
            plain_row(t, "Overdue", f"{a.label} {shorten(a.text, 60)} ({due_text(a, d.today)})")
        for a in td.due_next:
            plain_row(t, "Due next", f"{a.label} {shorten(a.text, 60)} ({due_text(a, d.today)})")
        parts.append(t)
    if d.silent:
        s = Table(title="Not replied", title_justify="left", show_header=False)
        s.add_column("who", no_wrap=True)
        s.add_column("actions")
        for person, acts in d.silent:
            plain_row(s, person.name, ", ".join(a.label for a in acts))
        parts.append(s)
    return Group(*parts)
