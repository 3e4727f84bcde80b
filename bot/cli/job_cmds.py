"""`progressbot sweep`, `digest` and `away`: the scheduled work, run by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.common import (
    CliError,
    JsonOpt,
    PlanOpt,
    TodayOpt,
    cli_text,
    emit_json,
    err,
    out,
    service_for,
)
from bot.settings import Settings

# -- scheduled work: sweep, digest, away (jobs/) -----------------------------------------------
WhenOpt = TodayOpt
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would go out; send nothing.")]
WordsArg = Annotated[
    list[str] | None,
    typer.Argument(help="`dry` (or `preview`): only show what would go out", show_default=False),
]


def _words(command: str, words: list[str] | None, dry_run: bool) -> bool:
    """Whether this is a dry run; any word not understood is refused before anything is sent."""
    from handlers.job_words import JobWordsError, read_job_words

    try:
        read = read_job_words(command, words or [], syntax="cli")
    except JobWordsError as exc:
        raise CliError(str(exc), where=f"progressbot {command}") from None
    if read.days is not None:
        raise CliError(
            f"`progressbot {command}` takes no number of days; the digest covers the time "
            "since the last one. Nothing was sent.",
            where=f"progressbot {command}",
        )
    return dry_run or read.dry_run


def _notifier(settings: Settings, service):
    """Slack's and/or Teams' notifier when configured (each person on the platform they are
    matched on), else the console's."""
    if settings.has_slack or settings.has_teams:
        from bot.platforms.routing import RoutingNotifier

        slack = teams = None
        if settings.has_slack:
            from bot.platforms.slack.client import make_client
            from bot.platforms.slack.notifier import SlackNotifier
            from bot.platforms.slack.people import SlackPeople

            client = make_client(settings.slack_bot_token, settings.slack_api_base_url)
            slack = SlackNotifier(client, service, SlackPeople(service, client))
        if settings.has_teams:
            from bot.platforms.teams.runner import teams_notifier

            teams, _runtime = teams_notifier(settings, service)  # daemon threads end with us
        if teams is None:
            return slack  # Slack alone: exactly as before
        return RoutingNotifier(service.engine, slack=slack, teams=teams)
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
    words: WordsArg = None,
    today: WhenOpt = None,
    dry_run: DryOpt = False,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run one nudge sweep now: send the nudges (and escalations) that are due."""
    from jobs.sweep import run_sweep

    dry_run = _words("sweep", words, dry_run)
    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = service_for(settings, today)
    notifier = None if dry_run else _notifier(settings, service)
    if as_json and notifier is not None and hasattr(notifier, "quiet"):
        notifier.quiet = True  # keep stdout pure JSON
    report = run_sweep(service, notifier, dry_run=dry_run)
    if as_json:
        emit_json(report.as_dict())
        return
    from bot.platforms.console.notifier import sweep_report_renderable

    out.print(sweep_report_renderable(report, service.default_plan().timezone))


@app.command("digest")
def digest_cmd(
    words: WordsArg = None,
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

    dry_run = _words("digest", words, dry_run)
    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = service_for(settings, today)
    notifier = None if dry_run else _notifier(settings, service)
    # Each plan posts to its own channels (None: as the plan says); with no chat platform and
    # no plan naming any, the digest is shown in the console.
    channels = None
    if not (settings.has_slack or settings.has_teams) and not any(
        leadership_channels(JobContext.load(one, lazy=True)) for one in service.each_plan()
    ):
        channels = ["console"]
    if as_json and notifier is not None and hasattr(notifier, "quiet"):
        notifier.quiet = True
    report = run_digest(
        service, notifier, dry_run=dry_run, on_demand=not due_only, channels=channels
    )
    if as_json:
        emit_json(report.as_dict())
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
    today: TodayOpt = None,
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a person away until a date (their nudges go to a deputy or wait), or back."""
    from handlers.away import handle_away, handle_back
    from handlers.replies import AwayNotice

    settings = Settings()
    if plan:
        settings.plan_name = plan
    service = service_for(settings, today)
    actor = service.actor_for_name(name)
    said = " ".join(text).strip()
    if said.lower() == "back":
        reply = handle_back(service, actor)
    else:
        reply = handle_away(service, actor, said.removeprefix("away").strip())
    if not isinstance(reply, AwayNotice):
        raise CliError(getattr(reply, "text", str(reply)))
    from bot.cli.people_cmds import cli_actor
    from storage.audit import record
    from storage.engine import write_session

    with write_session(service.engine) as s:  # recording someone else's absence is an admin act
        record(
            s,
            actor=cli_actor(),
            action="people.away",
            subject=reply.person.name,
            subject_owner_id=reply.person.id,
            now=service.clock.now(),
            until=reply.until,
            deputy=reply.deputy.name if reply.deputy else None,
        )
    if as_json:
        emit_json(
            {
                "person": reply.person.name,
                "until": reply.until,
                "deputy": reply.deputy.name if reply.deputy else None,
                "ended": reply.ended,
            }
        )
        return
    out.print(cli_text(reply.text), markup=False, highlight=False)
