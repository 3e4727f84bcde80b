"""Runs the Slack bot: Socket Mode when SLACK_APP_TOKEN is set (no public URL needed, the
usual case inside an NHS network), otherwise HTTP on PORT at /slack/events served by
waitress (bolt's own app.start() is a development server). The scheduler runs alongside."""

from __future__ import annotations

import logging

from bot.app import build_service, run_clock, stop_on_sigterm
from bot.heap import settle
from bot.platforms.slack.app import build_slack
from bot.settings import Settings

log = logging.getLogger(__name__)


class SlackSettingsError(Exception):
    """Settings the Slack bot cannot start with; the message says which and why."""


def make_wsgi_app(bolt_app, signing_secret: str | None = None, service=None, door=None):
    """bolt's WSGI handler at /slack/events behind the gate that caps, verifies and dedupes
    requests before bolt parses them (http_gate.py), plus /healthz for monitors. Without
    ``service`` nothing is deduplicated; without ``signing_secret`` the bolt app's own is
    used (the gate refuses to run with none). ``door``: ack.py AfterAck.door, which
    stores the clicks it knows at the gate, without bolt."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from bot.platforms.slack.http_gate import SlackHttpGate

    secret = signing_secret or getattr(bolt_app, "_signing_secret", None) or ""
    return SlackHttpGate(SlackRequestHandler(bolt_app), secret, service, door)


def run_slack(settings: Settings) -> None:
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise SlackSettingsError(
            "HTTP mode needs SLACK_SIGNING_SECRET (Slack app > Basic Information > Signing "
            "Secret) to verify that requests come from Slack; set it, or set SLACK_APP_TOKEN "
            "for Socket Mode"
        )
    logging.basicConfig(level=settings.log_level)
    service = build_service(settings, run_clock(settings))
    app, people, after_ack = build_slack(settings, service)
    # Leases renewed, and what a crashed instance acknowledged taken over: at once too, so a
    # restart finishes what the process before it had acknowledged.
    after_ack.inbox.start_maintenance()
    scheduler = _start_scheduler(settings, service, app.client, people)
    stop_on_sigterm()
    settle()  # what start-up built lives as long as the process (bot/heap.py)
    try:
        if settings.slack_app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Slack: Socket Mode")
            handler = SocketModeHandler(
                app, settings.slack_app_token, ping_interval=settings.slack_socket_ping_seconds
            )
            try:
                handler.start()
            finally:
                handler.close()
        else:
            serve_http(app, settings, service, after_ack.door)
    finally:
        scheduler.shutdown(wait=False)
        log.info("Slack: stopped taking requests; finishing those already acknowledged")


def serve_http(app, settings: Settings, service, door=None) -> None:
    """Serve the bolt app on PORT at /slack/events behind the gate, until stopped
    (``door``: see make_wsgi_app)."""
    from bot.platforms.slack.http_gate import MAX_BODY_BYTES
    from bot.platforms.slack.http_server import http_server

    log.info("Slack: HTTP on %s:%s, path /slack/events", settings.slack_host, settings.port)
    server = http_server(
        make_wsgi_app(app, settings.slack_signing_secret, service, door),
        host=settings.slack_host,
        port=settings.port,
        # waitress refuses a larger body itself (chunked ones included).
        max_request_body_size=MAX_BODY_BYTES,
    )
    try:
        server.run()
    finally:
        server.close()


def _start_scheduler(settings, service, client, people):
    """The nudge sweep, digests and escalation, delivered through Slack; the people sync
    (users.list) at start and once a day."""
    from bot.platforms.slack.notifier import SlackNotifier
    from bot.platforms.slack.people import SlackDirectory
    from jobs.scheduler import start_scheduler

    return start_scheduler(
        service, SlackNotifier(client, service, people), directory=SlackDirectory(client)
    )
