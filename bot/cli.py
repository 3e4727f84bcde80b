"""The `progressbot` command: import plans, query actions, read deadlines, manage people,
and run the bot (Slack when configured, else the console mode)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.app import build_service, open_engine, sample_file
from bot.core.clock import FixedClock, SystemClock
from bot.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
people_app = typer.Typer(no_args_is_help=True, help="Owners, their emails and roles.")
app.add_typer(people_app, name="people")

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Act as if today were this date (YYYY-MM-DD).")
]
PlanOpt = Annotated[str | None, typer.Option("--plan", help="Plan name (default: the only plan).")]


class CliError(Exception):
    """Reported as one line on stderr with exit code 1."""


def _clock(today: str | None):
    if not today:
        return SystemClock()
    try:
        day = date.fromisoformat(today)
    except ValueError:
        raise CliError(f"--today needs a date as YYYY-MM-DD, not {today!r}") from None
    return FixedClock(datetime.combine(day, time(9, 0), tzinfo=UTC))


def _emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


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
        _emit_json(result.as_dict())
        return
    from bot.platforms.console.reports import import_summary

    out.print(import_summary(result))


@app.command("actions")
def actions_cmd(
    query: Annotated[
        list[str] | None, typer.Argument(help="Query, e.g. overdue, L4, theme leadership")
    ] = None,
    today: TodayOpt = None,
    as_name: Annotated[
        str | None, typer.Option("--as", help="Ask as this owner (for `mine`).")
    ] = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask about actions with the query language (`progressbot actions help`)."""
    from bot.core.people import Actor
    from bot.platforms.console.render import render
    from handlers.query import handle_query
    from handlers.replies import ActionList, HelpText, Problem

    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = build_service(settings, _clock(today))
    actor = service.actor_for_name(as_name) if as_name else Actor("administrator", is_admin=True)
    reply = handle_query(service, actor, " ".join(query or ["all"]))
    if isinstance(reply, Problem):
        raise CliError(reply.text)
    if as_json:
        if isinstance(reply, HelpText):
            _emit_json({"help": reply.text})
        elif isinstance(reply, ActionList):
            from bot.platforms.console.reports import action_dict

            _emit_json(
                {
                    "query": reply.title,
                    "today": reply.today,
                    "actions": [action_dict(a) for a in reply.actions],
                }
            )
        return
    out.print(render(reply))


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
        _emit_json(data)
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
        _emit_json(data)
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


@people_app.command("list")
def people_list(
    unmatched_only: Annotated[
        bool,
        typer.Option(
            "--unmatched", help="Only those not yet matched to a chat user / unheld roles."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Owners, emails, roles held, and chat matching."""
    from bot.core.people_admin import people_rows, unmatched

    engine = open_engine(Settings())
    rows = unmatched(engine) if unmatched_only else people_rows(engine)
    if as_json:
        _emit_json([r.as_dict() for r in rows])
        return
    from bot.platforms.console.reports import people_table

    out.print(people_table(rows))


@people_app.command("set")
def people_set(
    name: Annotated[str, typer.Argument(help="The person's name")],
    email: Annotated[
        str | None, typer.Option("--email", help="Their email (matches chat users)")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="A role they now hold")] = None,
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="Administrator?")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or change a person; `--role` makes them the holder of a role."""
    from bot.core.people_admin import set_person

    if email is not None and ("@" not in email or " " in email.strip()):
        raise CliError(f"--email: {email!r} is not an email address")
    row = set_person(
        open_engine(Settings()), SystemClock(), name, email=email, role=role, is_admin=admin
    )
    if as_json:
        _emit_json(row.as_dict())
        return
    held = f", holds {', '.join(row.links)}" if row.links else ""
    out.print(f"{row.name} <{row.email or 'no email'}>{held}")


@people_app.command("import")
def people_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns name,email[,role]")],
    as_json: JsonOpt = False,
) -> None:
    """Load people (and the roles they hold) from CSV."""
    from bot.core.people_admin import import_people

    n = import_people(open_engine(Settings()), SystemClock(), file)
    if as_json:
        _emit_json({"people": n})
        return
    out.print(f"Loaded {n} people.")


def _ensure_sample_plan(service) -> None:
    from bot.core.people_admin import import_people
    from bot.io.plan_import import import_plan
    from storage.engine import read_session
    from storage.queries import list_plans

    with read_session(service.engine) as s:
        if list_plans(s):
            return
    import_plan(
        service.engine,
        service.clock,
        sample_file("sample_plan.csv"),
        plan_name="Sample OD plan",
        fy_start_year=2019,
    )
    import_people(service.engine, service.clock, sample_file("sample_people.csv"))


def _console(
    settings: Settings,
    today: str | None,
    script: Path | None,
    echo: bool,
    scheduler: bool = False,
) -> None:
    from bot.platforms.console.adapter import ConsoleSession

    clock = _clock(today or date.today().isoformat())
    service = build_service(settings, clock)
    _ensure_sample_plan(service)
    session = ConsoleSession(service, clock, out)
    snap = service.snapshot()
    out.print(
        f"[bold]progressbot[/] console — plan [bold]{snap.plan.name}[/], "
        f"{len(snap.actions)} actions, today {clock.now().date():%-d %b %Y}. Type `help`."
    )
    jobs = None
    if scheduler:  # nudges, escalations and digests due print as they go out
        from bot.platforms.console.notifier import ConsoleNotifier
        from jobs.scheduler import start_scheduler

        session.notifier = ConsoleNotifier(out)
        jobs = start_scheduler(service, session.notifier, instance_id="console")
    try:
        if script:
            try:
                lines = script.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CliError(f"--script: can't read {script}: {exc.strerror}") from None
            session.run(lines, echo=echo)
        else:
            session.interactive()
    finally:
        if jobs is not None:
            jobs.shutdown(wait=False)


@app.command("run")
def run_cmd(
    today: TodayOpt = None,
    script: Annotated[
        Path | None, typer.Option("--script", help="Drive the console from a file of lines.")
    ] = None,
    console: Annotated[
        bool, typer.Option("--console", help="Console mode even if Slack is configured.")
    ] = False,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Console mode: run the nudge sweep, digest and escalation jobs in the "
            "background (default: on, except when driven by --script).",
        ),
    ] = None,
) -> None:
    """Run the bot: Slack when SLACK_BOT_TOKEN is set, otherwise the console mode."""
    settings = Settings()
    if settings.has_slack and not console:
        from bot.platforms.slack.runner import run_slack

        run_slack(settings)  # starts the scheduler with Slack's notifier
        return
    with_jobs = scheduler if scheduler is not None else script is None
    _console(settings, today, script, echo=script is not None, scheduler=with_jobs)


@app.command("demo")
def demo_cmd(
    today: TodayOpt = "2019-09-16",
    script: Annotated[
        Path | None, typer.Option("--script", help="Drive the console from a file of lines.")
    ] = None,
) -> None:
    """The console mode on a fresh throw-away database with the sample plan."""
    demo_db = Path("data") / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{demo_db}", plan_name="")
    _console(settings, today, script, echo=script is not None)


# -- scheduled work: sweep, digest, away (jobs/) -----------------------------------------------
WhenOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Act as if it were this date (10:00 plan time) or ISO datetime (naive = plan time).",
    ),
]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would go out; send nothing.")]


def _job_service(settings: Settings, when: str | None):
    """The service on a clock at ``when`` (read in the plan's time zone), or the real time."""
    from zoneinfo import ZoneInfo

    if not when:
        return build_service(settings, SystemClock())
    clock = FixedClock(datetime(2000, 1, 1, tzinfo=UTC))
    service = build_service(settings, clock)
    tz = ZoneInfo(service.snapshot().plan.timezone)
    try:
        if len(when.strip()) == 10:
            at = datetime.combine(date.fromisoformat(when.strip()), time(10, 0), tz)
        else:
            at = datetime.fromisoformat(when.strip())
            at = at if at.tzinfo else at.replace(tzinfo=tz)
    except ValueError:
        raise CliError(
            f"--today needs a date (2019-09-16) or an ISO datetime (2019-09-16T09:30), not {when!r}"
        ) from None
    clock.set(at)
    return service


def _notifier(settings: Settings, service):
    """Slack's notifier when Slack is configured, else the console's."""
    if settings.has_slack:
        from bot.platforms.slack.client import make_client
        from bot.platforms.slack.notifier import SlackNotifier
        from bot.platforms.slack.people import SlackPeople

        client = make_client(settings.slack_bot_token, settings.slack_api_base_url)
        return SlackNotifier(client, service, SlackPeople(service, client))
    from sqlalchemy.engine import make_url

    from bot.platforms.console.notifier import ConsoleNotifier

    # Digest charts are saved beside a SQLite database (there is no chat to attach them to).
    url = make_url(settings.database_url)
    charts = None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        charts = Path(url.database).parent / "charts"
    return ConsoleNotifier(out, chart_dir=charts)


@app.command("sweep")
def sweep_cmd(
    today: WhenOpt = None, dry_run: DryOpt = False, plan: PlanOpt = None, as_json: JsonOpt = False
) -> None:
    """Run one nudge sweep now: send the nudges (and escalations) that are due."""
    from jobs.sweep import run_sweep

    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = _job_service(settings, today)
    notifier = None if dry_run else _notifier(settings, service)
    if as_json and notifier is not None and hasattr(notifier, "quiet"):
        notifier.quiet = True  # keep stdout pure JSON
    report = run_sweep(service, notifier, dry_run=dry_run)
    if as_json:
        _emit_json(report.as_dict())
        return
    from bot.platforms.console.notifier import sweep_report_renderable

    out.print(sweep_report_renderable(report))


@app.command("digest")
def digest_cmd(
    today: WhenOpt = None,
    dry_run: DryOpt = False,
    due_only: Annotated[
        bool,
        typer.Option(
            "--due-only", help="Post only if the weekly slot is due (as the scheduler does)."
        ),
    ] = False,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the leadership digest and (unless --dry-run) post it to the plan's channels."""
    from bot.platforms.console.render import render
    from handlers.replies import DigestReply
    from jobs.common import JobContext
    from jobs.digest_job import leadership_channels, run_digest

    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = _job_service(settings, today)
    notifier = None if dry_run else _notifier(settings, service)
    channels = leadership_channels(JobContext.load(service))
    if not channels and not settings.has_slack:
        channels = ["console"]
    if as_json and notifier is not None and hasattr(notifier, "quiet"):
        notifier.quiet = True
    report = run_digest(
        service, notifier, dry_run=dry_run, on_demand=not due_only, channels=channels
    )
    if as_json:
        _emit_json(report.as_dict())
        return
    if dry_run:
        for p in report.posted:
            out.print(f"[bold]would post to {p.channel}[/] ({p.period_key}):")
            out.print(render(DigestReply(p.digest)))
    for line in report.skipped:
        out.print(line, style="dim")
    for channel, error in report.failures:
        err.print(f"failed: {channel}: {error}", markup=False)
    if report.failures:
        raise typer.Exit(1)


@app.command("away")
def away_cmd(
    name: Annotated[str, typer.Argument(help="The person who is away (or back)")],
    text: Annotated[list[str], typer.Argument(help="'until 3 March [deputy NAME]', or 'back'")],
    as_json: JsonOpt = False,
) -> None:
    """Mark a person away until a date (their nudges go to a deputy or wait), or back."""
    from handlers.away import handle_away, handle_back
    from handlers.replies import AwayNotice

    settings = Settings()
    service = build_service(settings, SystemClock())
    actor = service.actor_for_name(name)
    said = " ".join(text).strip()
    if said.lower() == "back":
        reply = handle_back(service, actor)
    else:
        reply = handle_away(service, actor, said.removeprefix("away").strip())
    if not isinstance(reply, AwayNotice):
        raise CliError(getattr(reply, "text", str(reply)))
    if as_json:
        _emit_json(
            {
                "person": reply.person.name,
                "until": reply.until,
                "deputy": reply.deputy.name if reply.deputy else None,
                "ended": reply.ended,
            }
        )
        return
    out.print(reply.text)


def main() -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.core.people_admin import PeopleFileError
    from bot.core.query import QueryError
    from storage.queries import NotFound

    known: tuple[type[BaseException], ...] = (
        CliError,
        NotFound,
        QueryError,
        PeopleFileError,
        ValueError,
    )
    try:
        from bot.io.plan_table import PlanFileError

        known += (PlanFileError,)
    except ImportError:  # pragma: no cover
        pass
    try:
        app(standalone_mode=False)
    except typer.TyperException as exc:  # usage errors: typer prints them as click would
        if hasattr(exc, "show"):
            exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        sys.exit(130)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except known as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        sys.exit(1)
    except SQLAlchemyError as exc:
        err.print(
            f"error: database: {str(exc.orig if hasattr(exc, 'orig') and exc.orig else exc).splitlines()[0]}",
            markup=False,
        )
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, never a traceback
        err.print(f"error: {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
