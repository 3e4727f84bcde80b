"""`progressbot import`, `deadline` and `plan show|set|lead`: loading a plan and its settings."""

from __future__ import annotations

import json
import re
import shlex
import sys
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
    new: Annotated[
        bool,
        typer.Option("--new", help="Load the file as a new plan (named by --plan, else its title)"),
    ] = False,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load a plan (again: updates it in place). With no --plan/--new the file updates the
    plan it is (same name or title, or at least half its actions), else becomes a new plan;
    when that is unclear nothing is imported and the candidates are named. Imported
    progress is stamped with the import's time (--today to set it), so any later reply is
    newer."""
    from bot.cli.people_cmds import cli_actor
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
        # PLAN_NAME names the plan other commands read; it must not send every import into
        # it (another plan's file would replace its actions): only --plan does.
        plan_name=plan or None,
        fy_start_year=fy_start,
        dry_run=dry_run,
        by=cli_actor(),
        new=new,
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
    service = build_service(settings, SystemClock())
    # Several plans and none named: SeveralPlans names them (never one read for another).
    _show_plan(service.for_plan(service.plan()).snapshot(), as_json)


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
        "readers": p.readers,
        "report_with": p.report_with,
        "policy": policy_to_json(parse_policy(p.policy_json)),
        "themes": [
            {"name": t.name, "lead": t.lead.name if t.lead else None}
            for t in sorted(snap.themes.values(), key=lambda t: t.position)
        ],
    }


def _show_plan(snap, as_json: bool, *, said: str = "", extra: dict | None = None) -> None:
    data = _plan_data(snap)
    if as_json:
        emit_json({**data, **(extra or {})})
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
        (
            "readers",
            "the people in the plan and administrators"
            if data["readers"] == "members"
            else "anyone in the chat workspace",
        ),
        ("report extras", data["report_with"] or "none (the plan's own table; --report-with)"),
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
    readers: Annotated[
        str | None,
        typer.Option(
            "--readers",
            help="Who may read the plan in chat: members (its people and administrators; "
            "the default) or workspace (anyone in the chat workspace)",
        ),
    ] = None,
    fy_month: Annotated[
        int | None,
        typer.Option(
            "--fy-month", min=1, max=12, help="Month the financial year starts (4 = April)"
        ),
    ] = None,
    report_with: Annotated[
        str | None,
        typer.Option(
            "--report-with",
            help="What the board report adds to the plan's own table by default: any of "
            "status,owner,changes,attribution,slips (comma-separated), all, or none",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change the plan's settings (only those given), then show them; a new financial year
    re-reads the quarter deadlines and lists what moved."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.cli.people_cmds import cli_actor
    from bot.core.policy import parse_policy
    from storage.audit import record
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
    if readers is not None and readers not in ("members", "workspace"):
        raise CliError(f"--readers: {readers!r} is neither 'members' nor 'workspace'")
    if report_with is not None:
        from bot.core.report import EXTRAS, read_extras

        try:
            chosen = read_extras(report_with)
        except ValueError as exc:
            raise CliError(str(exc), where="--report-with") from None
        report_with = ",".join(e for e in EXTRAS if e in chosen)
    from bot.core.fy_reread import reread_deadlines

    if channels is not None:
        channels = _check_channels(channels)
    settings = Settings()
    engine = open_engine(settings)
    changed = {
        k: v
        for k, v in dict(
            leadership_channels=channels,
            signoff_required=signoff,
            policy_json=policy,
            timezone=timezone,
            fy_start_year=fy_start,
            fy_start_month=fy_month,
            readers=readers,
            report_with=report_with,
        ).items()
        if v is not None
    }
    now = SystemClock().now()
    with write_session(engine) as s:
        p = get_plan(s, plan or settings.plan_name or None)
        old_year, old_month = p.fy_start_year, p.fy_start_month
        before = {k: getattr(p, k) for k in changed}
        update_plan(s, p, now=now, **changed)
        moved = []
        if (p.fy_start_year, p.fy_start_month) != (old_year, old_month):
            # Quarter deadlines depend on the financial year: re-read them, say what moved.
            moved = reread_deadlines(s, p, old_year=old_year, old_month=old_month, now=now)
        name = p.name
        record(
            s,
            actor=cli_actor(),
            action="plan.set",
            subject=name,
            now=now,
            before=before,
            after=changed,
        )
    said = [f"Plan “{name}” updated."]
    if fy_start is not None or fy_month is not None:
        said.append(f"{len(moved)} deadlines re-read in the new financial year.")
    said += [f"  {m.ref}: {m.deadline_text!r} {_day(m.old)} → {_day(m.new)}" for m in moved]
    settings.plan_name = name
    snap = build_service(settings, SystemClock(), engine).snapshot()
    _show_plan(
        snap,
        as_json,
        said="\n".join(said),
        extra={"moved": [_moved_dict(m) for m in moved]},
    )


def _day(d) -> str:
    return f"{d:%-d %b %Y}" if d else "no date"


def _moved_dict(m) -> dict:
    return {
        "ref": m.ref,
        "deadline": m.deadline_text,
        "old": m.old.isoformat() if m.old else None,
        "new": m.new.isoformat() if m.new else None,
    }


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
    as_json: JsonOpt = False,
) -> None:
    """Set the lead of a theme (they sign off completions and hear escalations)."""
    from bot.cli.people_cmds import cli_actor
    from storage.audit import record
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
        record(
            s,
            actor=cli_actor(),
            action="plan.lead",
            subject=t.name,
            subject_owner_id=lead.id if lead else None,
            now=SystemClock().now(),
            plan=p.name,
            lead=lead.name if lead else None,
        )
        theme_name, lead_name = t.name, lead.name if lead else None
    if as_json:
        emit_json({"theme": theme_name, "lead": lead_name})
        return
    out.print(f"{theme_name}: lead is now {lead_name or 'nobody'}.", markup=False)


@plan_app.command("list")
def plan_list(
    archived: Annotated[
        bool, typer.Option("--archived", help="Include deleted (archived) plans")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The plans loaded: name, title, actions and updates."""
    from storage.engine import read_session
    from storage.plans import plan_counts
    from storage.queries import list_plans

    engine = open_engine(Settings())
    rows = []
    with read_session(engine) as s:
        for p in list_plans(s, archived=archived):
            actions, updates = plan_counts(s, p.id)
            rows.append(
                {
                    "name": p.name,
                    "title": p.title,
                    "actions": actions,
                    "updates": updates,
                    "archived": p.archived_at.isoformat() if p.archived_at else None,
                }
            )
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("No plans loaded: `progressbot import FILE`.")
    for r in rows:
        gone = " (deleted)" if r["archived"] else ""
        out.print(f"{r['name']}{gone}: {r['actions']} actions, {r['updates']} updates")


@plan_app.command("rename")
def plan_rename(
    old: Annotated[str, typer.Argument(help="The plan's current name")],
    new: Annotated[str, typer.Argument(help="Its new name")],
    as_json: JsonOpt = False,
) -> None:
    """Rename a plan (its actions and history stay with it)."""
    from storage.engine import write_session
    from storage.plans import rename_plan
    from storage.queries import get_plan

    engine = open_engine(Settings())
    with write_session(engine) as s:
        try:
            rename_plan(s, get_plan(s, old), new, now=SystemClock().now())
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if as_json:
        emit_json({"plan": " ".join(new.split()), "was": old})
        return
    out.print(f"Plan “{old}” is now “{' '.join(new.split())}”.", markup=False)


@plan_app.command("delete")
def plan_delete(
    name: Annotated[str, typer.Argument(help="The plan to delete")],
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask for confirmation")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete a plan from every command. Its actions and updates are archived in the
    database, never lost (`plan list --archived` shows it)."""
    from storage.engine import read_session, write_session
    from storage.plans import archive_plan, plan_counts
    from storage.queries import get_plan

    engine = open_engine(Settings())
    with read_session(engine) as s:
        p = get_plan(s, name)
        actions, updates = plan_counts(s, p.id)
    if not yes and (as_json or not sys.stdin.isatty()):
        # Nobody can be asked (a script, a pipe, --json): never delete on silence.
        why = "--json was given" if as_json else "there is no terminal to ask in"
        raise CliError(
            f"plan delete asks before deleting, and {why}: run `progressbot plan delete "
            f"{_quoted(name)} --yes` to delete plan “{name}” ({actions} actions, {updates} "
            "updates, kept archived). Nothing was deleted.",
            where="progressbot plan delete",
        )
    if not yes and not typer.confirm(
        f"Delete plan “{name}” ({actions} actions, {updates} updates, which stay archived)?"
    ):
        raise CliError("not deleted")
    with write_session(engine) as s:
        kept = archive_plan(s, get_plan(s, name), now=SystemClock().now())
    if as_json:
        emit_json({"plan": name, "archived_actions": kept[0], "archived_updates": kept[1]})
        return
    out.print(
        f"Plan “{name}” deleted: {kept[0]} actions and {kept[1]} updates archived "
        "(see `plan list --archived`)."
    )


def _quoted(name: str) -> str:
    return shlex.quote(name)
