"""`progressbot import`, `deadline` and `plan show|set|lead`: loading a plan and its settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.app import build_service, open_engine
from bot.cli.app import app
from bot.cli.common import (
    CliError,
    JsonOpt,
    PlanOpt,
    TodayOpt,
    check_fy_start,
    emit_json,
    out,
    service_for,
)
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
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a plan (again: updates it in place). Imported progress is stamped with the
    import's time (--today to set it), so any later reply is newer."""
    from bot.io.plan_import import import_plan

    check_fy_start(fy_start)
    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = service_for(settings, today)
    engine = service.engine
    result = import_plan(
        engine,
        service.clock,
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

    check_fy_start(fy_start)
    if not 1 <= fy_month <= 12:
        raise CliError(
            f"--fy-month must be a month number 1–12, not {fy_month}", where="--fy-month"
        )
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
    """The plan's settings and theme leads (the policy in the form `plan set --policy` reads)."""
    settings = Settings()
    if plan:
        settings.plan_name = plan
    _show_plan(build_service(settings, SystemClock()).snapshot(), as_json)


def _plan_data(snap) -> dict:
    from bot.core.policy import parse_policy, policy_to_json

    p = snap.plan
    return {
        "name": p.name,
        "timezone": p.timezone,
        "fy_start_year": p.fy_start_year,
        "fy_start_month": p.fy_start_month,
        "leadership_channels": p.leadership_channels,
        "signoff_required": p.signoff_required,
        "policy": policy_to_json(parse_policy(p.policy_json)),
        "themes": [
            {"name": t.name, "lead": t.lead.name if t.lead else None}
            for t in sorted(snap.themes.values(), key=lambda t: t.position)
        ],
    }


def _show_plan(snap, as_json: bool, *, said: str = "") -> None:
    data = _plan_data(snap)
    if as_json:
        emit_json(data)
        return
    if said:
        out.print(said, markup=False, highlight=False)
    fy = data["fy_start_year"]
    month = (
        "January February March April May June July August September October November December"
    ).split()[data["fy_start_month"] - 1]
    rows = [
        ("name", data["name"]),
        ("timezone", data["timezone"]),
        (
            "financial year",
            f"starts {month}" + (f", first year {fy}/{(fy + 1) % 100:02d}" if fy else ""),
        ),
        ("digest channels", data["leadership_channels"] or "none (set with --channels)"),
        ("sign-off", "completions wait for the theme lead" if data["signoff_required"] else "off"),
    ]
    for key, value in rows:
        out.print(f"{key:20} {value}", markup=False, highlight=False)
    out.print("policy (as `plan set --policy` reads it):", markup=False, highlight=False)
    for key, value in data["policy"].items():
        shown = json.dumps(value) if not isinstance(value, str) else value
        out.print(f"  {key:28} {shown}", markup=False, highlight=False)
    for t in data["themes"]:
        out.print(
            f"theme: {t['name']} — lead: {t['lead'] or 'none'}", markup=False, highlight=False
        )


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
    as_json: JsonOpt = False,
) -> None:
    """Change the plan's settings (only those given), then show them."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.core.policy import parse_policy
    from storage.engine import write_session
    from storage.plans import update_plan
    from storage.queries import get_plan

    check_fy_start(fy_start)
    if policy is not None and policy.startswith("@"):
        try:
            policy = Path(policy[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--policy: can't read {policy[1:]}: {exc.strerror}") from None
    if policy is not None:
        try:
            parse_policy(policy)  # a bad key or value is refused here, naming it
        except ValueError as exc:
            raise CliError(str(exc), where="--policy") from None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CliError(f"--timezone: unknown time zone {timezone!r}") from None
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
    settings.plan_name = name
    snap = build_service(settings, SystemClock(), engine).snapshot()
    _show_plan(snap, as_json, said=f"Plan “{name}” updated.")


@plan_app.command("lead")
def plan_lead(
    theme: Annotated[str, typer.Argument(help="Theme name (part of it is enough)")],
    person: Annotated[str, typer.Argument(help="The lead: a person or role name, or 'none'")],
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
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
        theme_name, lead_name = t.name, lead.name if lead else None
    if as_json:
        emit_json({"theme": theme_name, "lead": lead_name})
        return
    out.print(f"{theme_name}: lead is now {lead_name or 'nobody'}.", markup=False)
