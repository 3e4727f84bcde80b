"""`/actions report [as at DATE] [theme …] [since DATE] [as xlsx|docx|html|csv]`: the board
report, made after the ack and uploaded with files_upload_v2 to the requester's DM (the
file may hold the whole plan, so it goes to the person who asked, not the channel)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.clock import local_today
from bot.core.query import QueryError
from bot.core.service import PlanService
from bot.platforms.slack import blocks as bk

log = logging.getLogger(__name__)


def is_report_request(text: str) -> bool:
    return text.strip().split(maxsplit=1)[:1] in (["report"], ["Report"], ["REPORT"])


def report_to_dm(service: PlanService, client: WebClient, user_id: str, text: str) -> str:
    """Make the report ``text`` asks for and upload it to ``user_id``'s DM; returns what to
    tell the requester (the error, in one line, when the request cannot be read)."""
    from handlers.report import make_report, parse_report_request

    words = text.strip().split(maxsplit=1)
    try:
        today = local_today(service.clock, service.default_plan().timezone)
        request = parse_report_request(words[1] if len(words) > 1 else "", today)
        made = make_report(service, request)
    except (QueryError, ValueError, LookupError) as exc:
        return str(exc)
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=made.data,
            filename=made.name,
            title=made.report.title,
            initial_comment=made.summary,
        )
    except SlackApiError as exc:
        log.warning("report upload failed: %s", exc.response.get("error"))
        return f"Sorry, Slack refused the report file ({exc.response.get('error')})."
    return f"{made.summary} The file ({made.name}) is in your DM with me."


def report_reply(service: PlanService, client: WebClient, user_id: str, text: str):
    """(fallback text, blocks) for respond()."""
    message = report_to_dm(service, client, user_id, text)
    return message, [{"type": "section", "text": bk.mrkdwn(bk.escape(message)[:2900])}]
