"""The console's Notifier: scheduled nudges, escalations and digests printed in the terminal.

It prints with the console renderer and keeps a record of everything it delivered, by claim
id, so that a console run (and the tests) can see what went out, and so that
``already_delivered`` can answer for a claim within this process. (A new process starts with
an empty record: the console has no message history to search, unlike Slack.)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.text import Text

from bot.core.delivery import Delivered, Kind
from bot.platforms.console.render import plain_row, render, shorten
from handlers.replies import DigestReply, EscalationNotice, Nudge
from storage.queries import OwnerView


@dataclass(frozen=True)
class ConsoleDelivery:
    kind: Kind
    claim_ids: tuple[int, ...]
    target: str  # a person's name or a channel
    target_id: int | None
    reply: object
    delivered: Delivered


class ConsoleNotifier:
    def __init__(
        self,
        console: Console | None = None,
        *,
        chart_dir: Path | None = None,
        quiet: bool = False,
    ):
        self.console = console or Console()
        self.chart_dir = chart_dir
        self.quiet = quiet  # record without printing (benchmarks, tests)
        self.deliveries: list[ConsoleDelivery] = []
        self._by_claim: dict[tuple[str, int], Delivered] = {}
        self._lock = threading.Lock()  # sweeps may run in several threads

    # -- Notifier -----------------------------------------------------------------------------
    def send_nudge(self, recipient: OwnerView, nudge: Nudge, claim_id: int) -> Delivered:
        return self._deliver("nudge", (claim_id,), recipient.name, recipient.id, nudge)

    def send_escalation(
        self, recipient: OwnerView, notice: EscalationNotice, claim_ids: Sequence[int]
    ) -> Delivered:
        return self._deliver("escalation", tuple(claim_ids), recipient.name, recipient.id, notice)

    def post_digest(self, channel: str, digest: DigestReply, claim_id: int) -> Delivered:
        delivered = self._deliver("digest", (claim_id,), channel, None, digest)
        if self.chart_dir is not None and digest.digest.themes:
            from bot.core.digest import render_status_chart

            self.chart_dir.mkdir(parents=True, exist_ok=True)
            path = self.chart_dir / f"digest-{claim_id}.png"
            path.write_bytes(render_status_chart(digest.digest))
            if not self.quiet:
                self.console.print(Text(f"chart: {path}", style="dim"))
        return delivered

    def already_delivered(
        self, kind: Kind, claim_id: int, target: OwnerView | str
    ) -> Delivered | None:
        with self._lock:
            return self._by_claim.get((kind, claim_id))

    # -- record -------------------------------------------------------------------------------
    def _deliver(self, kind, claim_ids, target, target_id, reply) -> Delivered:
        with self._lock:
            ts = f"console.{len(self.deliveries) + 1}"
            delivered = Delivered(f"console:{target}", ts)
            self.deliveries.append(
                ConsoleDelivery(kind, claim_ids, target, target_id, reply, delivered)
            )
            for cid in claim_ids:
                self._by_claim[(kind, cid)] = delivered
            if not self.quiet:
                self.console.print(render_delivery(kind, target, reply))
        return delivered

    def of_kind(self, kind: Kind) -> list[ConsoleDelivery]:
        with self._lock:
            return [d for d in self.deliveries if d.kind == kind]


def render_delivery(kind: str, target: str, reply) -> RenderableType:
    if isinstance(reply, EscalationNotice):
        return escalation_panel(reply)
    if isinstance(reply, Nudge) and reply.covering:
        names = ", ".join(o.name for o in reply.covering)
        return Panel(
            render(reply), title=f"nudge → {target} (covering for {names})", border_style="cyan"
        )
    if isinstance(reply, DigestReply):
        return Panel(render(reply), title=f"digest → {target}", border_style="blue")
    return render(reply)


def escalation_panel(notice: EscalationNotice) -> Panel:
    t = Text(f"Hello {notice.recipient.name}, these owners have not answered their nudges:\n")
    for s in notice.silent:
        since = f"no reply since {s.last_reply:%-d %b %Y}" if s.last_reply else "no reply yet"
        nudges = f"{s.nudges} nudges, " if s.nudges else ""
        t.append(f"\n• {s.person.name}", style="bold")
        t.append(f" ({nudges}{since})", style="dim")
        for a in s.actions:
            t.append(f"\n    {a.label} ", style="bold")
            t.append(shorten(a.text, 70))
            if a.due_date:
                t.append(f"  due {a.due_date:%-d %b %Y}", style="dim")
    return Panel(t, title=f"escalation → {notice.recipient.name}", border_style="red")


# -- console commands and CLI output for the scheduled jobs -----------------------------------
def sweep_report_renderable(report, timezone: str = "Europe/London") -> RenderableType:
    """A jobs.sweep.SweepReport as text: who was (or would be) nudged about what, what was
    skipped and why, escalations and failures."""
    from rich.console import Group
    from rich.table import Table

    head = "Dry run: nothing sent" if report.dry_run else "Sweep"
    parts: list[RenderableType] = [
        Text(
            f"{head} at {_local(report.at, timezone)} — plan {report.plan}: "
            f"{len(report.nudged)} nudge(s), {len(report.escalations)} escalation(s), "
            f"{len(report.failures)} failure(s), {len(report.skipped)} skipped",
            style="bold",
        )
    ]
    if report.nudged:
        t = Table(title="nudged" if not report.dry_run else "would nudge", title_justify="left")
        t.add_column("who", no_wrap=True)
        t.add_column("actions")
        t.add_column("note", style="dim")
        for n in report.nudged:
            plain_row(t, n.recipient.name, _nudged_actions(n.recipient.name, n.items), n.note)
        parts.append(t)
    for e in report.escalations:
        silent = "; ".join(
            f"{s['owner']} ({s['nudges']} nudges): {', '.join(s['actions'])}" for s in e["silent"]
        )
        parts.append(Text(f"escalation → {e['recipient']}: {silent}", style="red"))
    for who, err in report.failures:
        parts.append(Text(f"failed: {who}: {err}", style="bold red"))
    if report.skipped:
        t = Table(title="skipped", title_justify="left", show_header=False)
        t.add_column("who", no_wrap=True)
        t.add_column("action", no_wrap=True)
        t.add_column("why", style="dim")
        for s in report.skipped[:50]:
            plain_row(t, s.who, s.action, s.why)
        if len(report.skipped) > 50:
            plain_row(t, "…", "", f"{len(report.skipped) - 50} more")
        parts.append(t)
    return Group(*parts)


def _nudged_actions(recipient: str, items: list[dict]) -> str:
    """One line per action (an action owned directly and through a role, or due in two
    windows, is listed once): reference, its text shortened, why, and for whom."""

    grouped: dict[object, dict] = {}
    for i in items:
        key = i.get("action_id", i.get("ref"))
        g = grouped.setdefault(key, {"item": i, "reasons": [], "for": []})
        reason = i.get("reason") or i.get("claim_key")
        if reason and reason not in g["reasons"]:
            g["reasons"].append(reason)
        who = i.get("for")
        if who and who != recipient and who not in g["for"]:
            g["for"].append(who)
    lines = []
    for g in grouped.values():
        i = g["item"]
        text = f" {shorten(i['text'], 60)}" if i.get("text") else ""
        why = f" ({', '.join(g['reasons'])})" if g["reasons"] else ""
        for_ = f" for {', '.join(g['for'])}" if g["for"] else ""
        lines.append(f"{i.get('ref', i.get('action_id'))}{text}{why}{for_}")
    return "\n".join(lines)


def _local(at, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(timezone)).strftime("%a %-d %b %Y %H:%M %Z")


def _session_notifier(session) -> ConsoleNotifier:
    notifier = getattr(session, "notifier", None)
    if notifier is None:
        notifier = ConsoleNotifier(session.console)
        session.notifier = notifier
    return notifier


def sweep_now(session, *, dry_run: bool = False) -> None:
    """The console's `sweep`: one nudge sweep at the session's (simulated) time."""
    from jobs.sweep import run_sweep

    report = run_sweep(
        session.service, _session_notifier(session), instance_id="console", dry_run=dry_run
    )
    if not dry_run:
        # A nudge the sweep sent is the recipient's last nudge: a bare reply is about it.
        from handlers.conversation import Conversation, person_key

        conv = Conversation(session.service)
        for n in report.nudged:
            ids = tuple(i["action_id"] for i in n.items if i.get("action_id"))
            conv.remember_nudge("console", person_key(n.recipient), ids)
    session.console.print(sweep_report_renderable(report, session.service.default_plan().timezone))


def post_digest_now(session) -> None:
    """The console's `digest now`: post each plan's digest on demand to that plan's
    leadership channels (to "console" when the plan names none)."""
    from jobs.common import JobContext
    from jobs.digest_job import combined, leadership_channels, run_digest

    reports = []
    for one in session.service.each_plan():
        channels = leadership_channels(JobContext.load(one, lazy=True)) or ["console"]
        reports.append(
            run_digest(
                one,
                _session_notifier(session),
                instance_id="console",
                on_demand=True,
                channels=channels,
            )
        )
    report = combined(reports)
    for line in report.skipped:
        session.console.print(Text(line, style="dim"))
    for channel, err in report.failures:
        session.console.print(Text(f"failed: {channel}: {err}", style="bold red"))
