"""Delivers the scheduled jobs' messages through Slack (the Notifier protocol).

Every message carries its claim id in Slack message metadata, so a sweep that takes over a
claim left by a crashed sweep can look in the conversation and see the message already went
out. A person is reached through bot/platforms/slack/direct.py: their stored DM channel, or
on first contact their user id (no users.lookupByEmail or conversations.open per person);
the DM channel from Slack's reply is stored, and is what the claim records.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.delivery import Delivered, DeliveryError, Kind
from bot.core.service import PlanService
from bot.platforms.slack.blocks import nudge_blocks
from bot.platforms.slack.digest_blocks import digest_messages, escalation_blocks
from bot.platforms.slack.direct import DirectMessages
from bot.platforms.slack.people import SlackPeople
from handlers.conversation import Conversation, person_key
from handlers.replies import DigestReply, EscalationNotice, Nudge
from storage.queries import OwnerView

log = logging.getLogger(__name__)
EVENT_TYPES: dict[str, str] = {
    "nudge": "progressbot_nudge",
    "escalation": "progressbot_escalation",
    "digest": "progressbot_digest",
}
LOOKBACK = timedelta(days=3)  # how far back already_delivered searches a conversation


class SlackNotifier:
    def __init__(self, client: WebClient, service: PlanService, people: SlackPeople):
        self.client = client
        self.service = service
        self.people = people
        self.direct = DirectMessages(service, client, people)

    def _post(
        self,
        kind: Kind,
        claim_id: int,
        channel: str | OwnerView,
        text: str,
        blocks: list[dict],
        **kw,
    ) -> Delivered:
        """Post to a channel, or to a person (first contact by user id, see direct.py)."""
        message = dict(
            text=text,
            blocks=blocks,
            metadata={"event_type": EVENT_TYPES[kind], "event_payload": {"claim_id": claim_id}},
            unfurl_links=False,
            unfurl_media=False,
            **kw,
        )
        try:
            if isinstance(channel, str):
                result = self.client.chat_postMessage(channel=channel, **message)
            else:
                result = self.direct.post(channel, **message)
        except SlackApiError as exc:
            retry = exc.response.headers.get("Retry-After") if exc.response is not None else None
            raise DeliveryError(
                f"Slack refused the {kind}: {exc.response.get('error')}",
                retry_after=float(retry) if retry else None,
            ) from exc
        return Delivered(result["channel"], result["ts"])

    # -- Notifier ---------------------------------------------------------------------------
    def send_nudge(self, recipient: OwnerView, nudge: Nudge, claim_id: int) -> Delivered:
        text, blocks = nudge_blocks(nudge.person.name, nudge.items, nudge.today, nudge.plans)
        delivered = self._post("nudge", claim_id, recipient, text, blocks)
        # A DM reply that names no action is about this nudge (handlers/conversation.py).
        Conversation(self.service).remember_nudge(
            "slack", person_key(recipient), tuple(o.action.id for o in nudge.items)
        )
        return delivered

    def send_escalation(
        self, recipient: OwnerView, notice: EscalationNotice, claim_ids: Sequence[int]
    ) -> Delivered:
        text, blocks = escalation_blocks(notice)
        return self._post("escalation", claim_ids[0], recipient, text, blocks)

    def post_digest(self, channel: str, digest: DigestReply, claim_id: int) -> Delivered:
        messages = digest_messages(digest.digest)
        first_ts = None
        for i, (text, blocks) in enumerate(messages):
            # The first message carries the claim (already_delivered finds it); the rest
            # follow in its thread so a long digest does not flood the channel.
            ts = self._post(
                "digest",
                claim_id,
                channel,
                text,
                blocks,
                **({"thread_ts": first_ts} if first_ts else {}),
            ).message_ts
            first_ts = first_ts or ts
            if i == 0:
                self._attach_chart(channel, digest, ts)
        return Delivered(channel, first_ts)

    def _attach_chart(self, channel: str, digest: DigestReply, thread_ts: str) -> None:
        try:
            from bot.core.digest import render_status_chart

            png = render_status_chart(digest.digest)
        except Exception:  # noqa: BLE001 - a chart is a nicety; the digest text stands alone
            log.exception("could not draw the status chart")
            return
        try:
            self.client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                content=png,
                filename="status-by-theme.png",
                title="Status by theme",
            )
        except SlackApiError as exc:
            log.warning("chart upload failed: %s", exc.response.get("error"))

    def already_delivered(
        self, kind: Kind, claim_id: int, target: OwnerView | str
    ) -> Delivered | None:
        if isinstance(target, str):
            channel = target
        else:
            channel = self.direct.dm_for_lookback(target)
            if channel is None:
                return None  # no Slack user yet: nothing can have been sent
        oldest = (self.service.clock.now() - LOOKBACK).timestamp()
        cursor = None
        while True:
            try:
                page = self.client.conversations_history(
                    channel=channel,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as exc:
                raise DeliveryError(f"can't read {channel}: {exc.response.get('error')}") from exc
            for m in page.get("messages", []):
                meta = m.get("metadata") or {}
                if meta.get("event_type") == EVENT_TYPES[kind] and (
                    (meta.get("event_payload") or {}).get("claim_id") == claim_id
                ):
                    return Delivered(channel, m["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
