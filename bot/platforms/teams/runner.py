"""Runs the bot in Teams (and in Slack too when SLACK_BOT_TOKEN is set): the Teams endpoint
on TEAMS_PORT, Slack's as `run_slack` serves it, and one scheduler whose notifier reaches
each person on the platform they are matched on."""

from __future__ import annotations

import logging

from bot.app import build_service, run_clock, stop_on_sigterm
from bot.heap import settle
from bot.settings import Settings

log = logging.getLogger(__name__)


def teams_notifier(settings: Settings, service):
    """The Teams notifier without a server (the CLI's sweep and digest); also its runtime,
    which the caller stops when done."""
    from bot.platforms.teams.server import TeamsRuntime

    runtime = TeamsRuntime(settings, service, workers=1)
    return runtime.notifier, runtime


def run_teams(settings: Settings) -> None:
    from bot.platforms.routing import RoutingNotifier
    from bot.platforms.teams.server import TeamsRuntime
    from bot.platforms.teams.trust import check_startup
    from jobs.scheduler import start_scheduler

    check_startup(settings)  # refused settings stop the start before anything is opened
    logging.basicConfig(level=settings.log_level)
    service = build_service(settings, run_clock(settings))
    runtime = TeamsRuntime(settings, service)
    notifier_teams = runtime.notifier
    slack_app = notifier_slack = None
    if settings.has_slack:
        from bot.platforms.slack.app import build_slack
        from bot.platforms.slack.notifier import SlackNotifier

        slack_app, slack_people, slack_after_ack = build_slack(settings, service)
        slack_after_ack.inbox.start_maintenance()  # the durable inbox (slack/ack.py)
        notifier_slack = SlackNotifier(slack_app.client, service, slack_people)
    notifier = RoutingNotifier(service.engine, slack=notifier_slack, teams=notifier_teams)
    runtime.bot.notifier = notifier  # "digest now" reaches Slack channels too
    scheduler = start_scheduler(service, notifier)
    stop_on_sigterm()  # Slack's acknowledged work is finished here too (bot/app.py)
    settle()  # what start-up built lives as long as the process (bot/heap.py)
    runtime.serve()
    try:
        if slack_app is None:
            runtime.wait()
        elif settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Slack: Socket Mode")
            SocketModeHandler(slack_app, settings.slack_app_token).start()
        else:
            from bot.platforms.slack.runner import serve_http

            # As in Slack-only mode: the gate's body cap and replay check, the same threads.
            serve_http(slack_app, settings, service)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown(wait=False)
        runtime.stop()
