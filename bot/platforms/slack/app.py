"""Builds the Slack app from settings: bolt App + Web API client + listeners, and the
durable inbox their work goes through (ack.py)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.service import PlanService
from bot.log_privacy import install as install_log_privacy
from bot.platforms.inbox_worker import InboxWorker
from bot.platforms.slack.ack import AfterAck
from bot.platforms.slack.admin import register_admin
from bot.platforms.slack.client import make_client
from bot.platforms.slack.listeners import SlackListeners
from bot.platforms.slack.people import SlackPeople
from bot.settings import Settings


class SlackParts(NamedTuple):
    app: App
    people: SlackPeople
    after_ack: AfterAck  # its ``inbox``: start_maintenance() when serving, close() after


def build_slack(
    settings: Settings, service: PlanService, *, client: WebClient | None = None
) -> SlackParts:
    from jobs.common import default_instance_id

    install_log_privacy()
    client = client or make_client(settings.slack_bot_token, settings.slack_api_base_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or None,
        # Socket Mode has no signatures to check; HTTP mode must have a secret.
        request_verification_enabled=not settings.slack_app_token,
        logger=logging.getLogger("progressbot.slack"),
        # bolt waits up to 3 s for a listener to get a thread here and call ack(), or answers
        # 404. Listeners only store the request, acknowledge and hand the slow part to the
        # work pool (ack.py), so these threads are free again within milliseconds.
        listener_executor=ThreadPoolExecutor(max_workers=48, thread_name_prefix="slack-listener"),
    )
    people = SlackPeople(service, client)
    after_ack = AfterAck(
        client,
        lambda run, **batch: InboxWorker(
            service.engine,
            service.clock,
            "slack",
            run,
            **batch,
            instance_id=default_instance_id(),
            max_backlog=settings.inbox_max_backlog,
            lease_seconds=settings.inbox_lease_seconds,
        ),
    )
    # Events are stored here, before bolt answers them (it does so before their listener).
    app.middleware(after_ack.events_door)
    SlackListeners(app, service, people, after_ack)
    register_admin(app, service, people, after_ack)
    return SlackParts(app, people, after_ack)
