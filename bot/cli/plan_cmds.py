"""`progressbot import`, `deadline` and `plan show|set|lead`: loading a plan and its settings."""

from __future__ import annotations

import json  # noqa: F401
import re
from pathlib import Path
from typing import Annotated

import typer

from bot.app import build_service, open_engine
from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, PlanOpt, emit_json, out
from bot.core.clock import SystemClock
from bot.settings import Settings


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or DOCX plan")],
    plan: PlanOpt = None,
    fy_start: Annotated[
        int | None,
        typer.Option(
            "--fy-start", help="Year the plan's first financial year starts (quarters need it)"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; store nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a plan (again: updates it in place)."""
    from bot.io.plan_import import import_plan

    settings = Settings()
    engine = open_engine(settings)
    result = import_plan(
        engine,
        SystemClock(),
        file,
        plan_name=plan or settings.plan_name or None,
        fy_start_year=fy_start,
        dry_run=dry_run,
    )
    if as_json:
        emit_json(result.as_dict())
        return
    from bot.platforms.console.reports import import_summary

    out.print(import_summary(result))


@app.command("deadline")
def deadline_cmd(
    text: Annotated[list[str], typer.Argument(help="A deadline as written, e.g. 'Q4 2020/21'")],
    fy_start: Annotated[
        int | None,
        typer.Option("--fy-start", help="Year the financial year starts (for 'Quarter 2')"),
    ] = None,
    fy_month: Annotated[
        int, typer.Option("--fy-month", help="Month the financial year starts")
    ] = 4,
    as_json: JsonOpt = False,
) -> None:
    """Show how a deadline is read."""
    from bot.core.deadlines import parse_deadline

    d = parse_deadline(" ".join(text), fy_start_year=fy_start, fy_start_month=fy_month)
    data = {
        "text": d.text,
        "due": d.due,
        "kind": d.kind,
        "sure": d.sure,
        "start": d.start,
        "note": d.note,
        "revisions": [{"text": s.text, "due": s.due} for s in d.steps],
    }
    if as_json:
        emit_json(data)
        return
    due = d.due.strftime("%A %-d %B %Y") if d.due else "no fixed date"
    out.print(f"[bold]{d.text}[/] → {due}  ({d.kind}{'' if d.sure else ', NOT SURE'})")
    if d.revised:
        for s in d.steps:
            out.print(f"  • {s.text} → {s.due or '?'}")
    if d.note:
        out.print(f"  [yellow]{d.note}[/]")


plan_app = typer.Typer(
    no_args_is_help=True, help="Plan settings: channels, sign-off, policy, theme leads."
)
app.add_typer(plan_app, name="plan")


@plan_app.command("show")
def plan_show(plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """The plan's settings and theme leads."""
    from bot.core.policy import parse_policy

    settings = Settings()
    if plan:
        settings.plan_name = plan
    snap = build_service(settings, SystemClock()).snapshot()
    p = snap.plan
    data = {
        "name": p.name,
        "timezone": p.timezone,
        "fy_start_year": p.fy_start_year,
        "fy_start_month": p.fy_start_month,
        "leadership_channels": p.leadership_channels,
        "signoff_required": p.signoff_required,
        "policy": parse_policy(p.policy_json).__dict__,
        "themes": [
            {"name": t.name, "lead": t.lead.name if t.lead else None}
            for t in sorted(snap.themes.values(), key=lambda t: t.position)
        ],
    }
    if as_json:
        emit_json(data)
        return
    for key in (
        "name",
        "timezone",
        "fy_start_year",
        "fy_start_month",
        "leadership_channels",
        "signoff_required",
    ):
        out.print(f"{key:20} {data[key]}")
    out.print(f"{'policy':20} {data['policy']}")
    for t in data["themes"]:
        out.print(f"theme: {t['name']} — lead: {t['lead'] or 'none'}")


@plan_app.command("set")
def plan_set(
    plan: PlanOpt = None,
    channels: Annotated[
        str | None, typer.Option("--channels", help="Comma-separated channel ids for digests")
    ] = None,
    signoff: Annotated[
        bool | None,
        typer.Option("--signoff/--no-signoff", help="Completions need the theme lead's sign-off"),
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Nudge policy as JSON, or @FILE")
    ] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="e.g. Europe/London")] = None,
    fy_start: Annotated[
        int | None, typer.Option("--fy-start", help="Year the plan's first financial year starts")
    ] = None,
) -> None:
    """Change the plan's settings (only those given)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.core.policy import parse_policy
    from storage.engine import write_session
    from storage.plans import update_plan
    from storage.queries import get_plan

    if policy is not None and policy.startswith("@"):
        try:
            policy = Path(policy[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--policy: can't read {policy[1:]}: {exc.strerror}") from None
    if policy is not None:
        parse_policy(policy)  # a bad key or value is refused here, naming it
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CliError(f"--timezone: unknown time zone {timezone!r}") from None
    if channels is not None:
        channels = _check_channels(channels)
    settings = Settings()
    engine = open_engine(settings)
    with write_session(engine) as s:
        p = get_plan(s, plan or settings.plan_name or None)
        update_plan(
            s,
            p,
            now=SystemClock().now(),
            leadership_channels=channels,
            signoff_required=signoff,
            policy_json=policy,
            timezone=timezone,
            fy_start_year=fy_start,
        )
        name = p.name
    out.print(f"Plan “{name}” updated.")


_TEAMS_CHANNEL = re.compile(r"^19:[A-Za-z0-9_\-.]+@thread\.(?:tacv2|skype)$")


def _check_channels(text: str) -> str:
    """Slack channel ids/names and Teams channel ids (``19:…@thread.tacv2``), comma-separated;
    a Teams id typed wrong is refused here rather than failing at the first digest."""
    out = []
    for i, c in enumerate(x.strip() for x in text.split(",")):
        if not c:
            continue
        if (c.startswith("19:") or "@thread" in c) and not _TEAMS_CHANNEL.match(c):
            raise CliError(
                f"--channels item {i + 1}: {c!r} is not a Teams channel id; they look like "
                "19:abc123…@thread.tacv2 (Teams: … on the channel → Get link to channel)",
                where="--channels",
            )
        out.append(c)
    return ",".join(out)


@plan_app.command("lead")
def plan_lead(
    theme: Annotated[str, typer.Argument(help="Theme name (part of it is enough)")],
    person: Annotated[str, typer.Argument(help="The lead: a person or role name, or 'none'")],
    plan: PlanOpt = None,
) -> None:
    """Set the lead of a theme (they sign off completions and hear escalations)."""
    from storage.engine import write_session
    from storage.people import find_owner
    from storage.plans import find_theme, set_theme_lead
    from storage.queries import NotFound, get_plan

    settings = Settings()
    engine = open_engine(settings)
    with write_session(engine) as s:
        p = get_plan(s, plan or settings.plan_name or None)
        t = find_theme(s, p.id, theme)
        lead = None
        if person.strip().lower() != "none":
            lead = find_owner(s, person)
            if lead is None:
                raise NotFound(f"nobody called {person!r}: add them with `progressbot people set`")
        set_theme_lead(s, t, lead)
        out.print(f"{t.name}: lead is now {lead.name if lead else 'nobody'}.")


