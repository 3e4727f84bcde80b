"""Runs the Slack bot: Socket Mode when SLACK_APP_TOKEN is set (no public URL needed, the
usual case inside an NHS network), otherwise HTTP on PORT at /slack/events served by
waitress (bolt's own app.start() is a development server). The scheduler runs alongside."""

from __future__ import annotations

import logging

from bot.app import build_service
from bot.core.clock import SystemClock
from bot.platforms.slack.app import build_slack_app
from bot.settings import Settings

log = logging.getLogger(__name__)


def make_wsgi_app(bolt_app):
    """bolt's WSGI handler at /slack/events plus /healthz for load balancers and monitors."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(bolt_app)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi


def run_slack(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level)
    service = build_service(settings, SystemClock())
    app, people = build_slack_app(settings, service)
    scheduler = _start_scheduler(settings, service, app.client, people)
    try:
        if settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Slack: Socket Mode")
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            from waitress import serve

            log.info("Slack: HTTP on port %s, path /slack/events", settings.port)
            serve(make_wsgi_app(app), host="0.0.0.0", port=settings.port, threads=8)
    finally:
        scheduler.shutdown(wait=False)


def _start_scheduler(settings, service, client, people):
    """The nudge sweep, digests and escalation, delivered through Slack; the people sync
    (users.list) at start and once a day."""
    from bot.platforms.slack.notifier import SlackNotifier
    from bot.platforms.slack.people import SlackDirectory
    from jobs.scheduler import start_scheduler

    return start_scheduler(
        service, SlackNotifier(client, service, people), directory=SlackDirectory(client)
    )
