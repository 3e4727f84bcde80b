"""The bot running for real in a test: the Slack app served over HTTP (waitress, as in
production), talking to the Slack Web API stand-in, on a real database, with a fixed clock.

    with SlackBotHarness(engine, today) as bot:
        status, _, _ = bot.post(command_body(text="overdue", user_id="U1"))
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from bot.core.clock import FixedClock
from bot.core.service import PlanService
from bot.platforms.slack.app import build_slack
from bot.platforms.slack.client import make_client
from bot.platforms.slack.http_gate import MAX_BODY_BYTES
from bot.platforms.slack.runner import make_wsgi_app
from bot.settings import Settings
from tests.support.slack_api import SlackStandIn
from tests.support.slack_signing import post_to_bot, signed_headers

SECRET = "test-signing-secret"


class SlackBotHarness:
    def __init__(
        self,
        engine: Engine,
        today: date,
        *,
        standin: SlackStandIn | None = None,
        admin_emails: frozenset[str] = frozenset(),
    ):
        self.engine = engine
        self.clock = FixedClock(datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC))
        self.slack = standin or SlackStandIn()
        self._own_standin = standin is None
        self.admin_emails = admin_emails
        self.server = None
        self.thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> SlackBotHarness:
        from bot.platforms.slack.http_server import http_server

        if self._own_standin:
            self.slack.start()
        settings = Settings(
            _env_file=None,
            slack_bot_token=self.slack.bot_token,
            slack_signing_secret=SECRET,
            slack_api_base_url=self.slack.base_url,
            slack_app_token="",
        )
        self.service = PlanService(self.engine, self.clock, admin_emails=self.admin_emails)
        client = make_client(settings.slack_bot_token, settings.slack_api_base_url)
        self.app, self.people, self.after_ack = build_slack(settings, self.service, client=client)
        self.gate = make_wsgi_app(self.app, SECRET, self.service, self.after_ack.door)
        self.server = http_server(
            self.gate,
            host="127.0.0.1",
            port=0,
            threads=8,
            max_request_body_size=MAX_BODY_BYTES,
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}/slack/events"
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="bot-http")
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            if self.thread is not None and self.thread.is_alive():
                # Closed from inside its own loop (the trigger wakes it): closed from here, the
                # loop would notice only at its next select timeout, a second later.
                self.server.trigger.pull_trigger(self.server.close)
            else:
                self.server.close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.server is not None:
            self.gate.close()
        if self._own_standin:
            self.slack.stop()

    def __enter__(self) -> SlackBotHarness:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def post(self, body: bytes, *, content_type: str | None = None, **kw):
        """Send a signed request to the bot, as Slack does; returns (status, headers, body)."""
        headers = signed_headers(body, SECRET, content_type=content_type)
        return post_to_bot(self.url, body, headers, **kw)

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition"):
        """Work after the ack runs in the background: wait for its effect."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")
