"""`progressbot people sync`: match the plan's people to the Slack workspace's members in
one pass (users.list), store their user ids, and report who is unmatched or deactivated and
which members' emails look like plan people's (jobs/people_sync.py does the work)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import build_service
from bot.cli.app import people_app
from bot.cli.common import CliError, JsonOpt, emit_json, out
from bot.core.clock import SystemClock
from bot.settings import Settings


@people_app.command("sync")
def people_sync(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; store nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Match people to Slack users by email in bulk (users.list); report the unmatched."""
    from slack_sdk.errors import SlackApiError

    from bot.platforms.slack.client import make_client
    from bot.platforms.slack.people import SlackDirectory
    from jobs.people_sync import run_people_sync

    settings = Settings()
    if not settings.has_slack:
        raise CliError("people sync needs SLACK_BOT_TOKEN (scopes users:read, users:read.email)")
    service = build_service(settings, SystemClock())
    directory = SlackDirectory(make_client(settings.slack_bot_token, settings.slack_api_base_url))
    try:
        report = run_people_sync(service, directory, dry_run=dry_run)
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else str(exc)
        hint = (
            ": add the users:read and users:read.email scopes and reinstall the app"
            if error == "missing_scope"
            else ""
        )
        raise CliError(f"Slack refused users.list: {error}{hint}; nothing was changed") from exc
    if as_json:
        emit_json({**report.as_dict(), "pages": directory.pages})
        return
    out.print(report.headline(), highlight=False)
    for line in report.lines:
        out.print(f"  {line}", highlight=False, markup=False)
    if dry_run:
        out.print("Dry run: nothing was stored.", highlight=False)
