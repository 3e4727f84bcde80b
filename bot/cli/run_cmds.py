"""`progressbot run` and `demo`: the bot in Slack, or the console mode with the sample plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import sample_file
from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, TodayOpt, emit_json_line, out, service_for
from bot.settings import Settings


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
    as_json: bool = False,
) -> None:
    import sys

    from bot.platforms.console.adapter import ConsoleSession

    lines: list[str] | None = None
    if script:  # read first: a missing file is an error before anything else is shown
        try:
            lines = script.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CliError(
                f"--script: can't read {script}: {exc.strerror}", where="--script"
            ) from None
    # Real time unless --today: replies, imports and sweeps all stamp this one clock.
    service = service_for(settings, today)
    clock = service.clock
    _ensure_sample_plan(service)
    session = ConsoleSession(service, clock, out, json_out=sys.stdout if as_json else None)
    snap = service.snapshot()
    # One console serves every plan loaded (PLAN_NAME only narrows it to one).
    names = list(snap.plan_names.values()) or [snap.plan.name]
    if as_json:
        emit_json_line(
            {
                "plan": ", ".join(names),
                "plans": names,
                "actions": len(snap.actions),
                "today": service.today(snap),
            }
        )
    else:
        which = f"plan [bold]{names[0]}[/]" if len(names) == 1 else f"{len(names)} plans"
        out.print(
            f"[bold]progressbot[/] console — {which}, "
            f"{len(snap.actions)} actions, today {service.today(snap):%-d %b %Y}. Type `help`."
        )
    jobs = None
    if scheduler:  # nudges, escalations and digests due print as they go out
        from bot.platforms.console.notifier import ConsoleNotifier
        from jobs.scheduler import start_scheduler

        session.notifier = ConsoleNotifier(out)
        jobs = start_scheduler(service, session.notifier, instance_id="console")
    try:
        if lines is not None:
            session.run(lines, echo=echo)
        elif as_json:  # lines from stdin, one JSON answer a line
            session.run(sys.stdin, echo=False)
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
    plan: Annotated[
        str | None,
        typer.Option("--plan", help="Serve only this plan (default: every plan loaded)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the bot: Teams when TEAMS_CLIENT_ID is set, Slack when SLACK_BOT_TOKEN is set
    (both in one process when both are), otherwise the console mode. One bot serves every
    plan loaded (`--plan` / PLAN_NAME: only that one).
    With --json (console mode) each input line, from --script or stdin, is answered with one
    JSON object: the line, the kinds of reply, whether it was understood, and the text."""
    settings = Settings()
    if plan:
        settings.plan_name = plan
    if settings.has_teams and not console:
        from bot.platforms.teams.runner import run_teams

        run_teams(settings)  # serves Slack too when configured; one scheduler for both
        return
    if settings.has_slack and not console:
        if as_json:
            raise CliError(
                "--json needs the console mode: add --console (Slack answers in Slack)",
                where="progressbot run --json",
            )
        from bot.platforms.slack.runner import SlackSettingsError, run_slack

        try:
            run_slack(settings)  # starts the scheduler with Slack's notifier
        except SlackSettingsError as exc:
            raise CliError(str(exc)) from None
        return
    with_jobs = scheduler if scheduler is not None else (script is None and not as_json)
    _console(settings, today, script, echo=script is not None, scheduler=with_jobs, as_json=as_json)


@app.command("demo")
def demo_cmd(
    today: TodayOpt = "2019-09-16",
    script: Annotated[
        Path | None, typer.Option("--script", help="Drive the console from a file of lines.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The console mode on a fresh throw-away database with the sample plan (--json: as
    for `run`)."""
    demo_db = Path("data") / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{demo_db}", plan_name="")
    _console(settings, today, script, echo=script is not None, as_json=as_json)
