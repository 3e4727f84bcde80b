"""Sign-off in Slack: the theme lead gets Confirm / Return… buttons; Return asks for a
comment in a small form; the owners hear the decision."""

from __future__ import annotations

import json
import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.service import PlanService, Refused
from bot.core.signoff import SignOffRequest
from bot.core.text_input import TooLong
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.ack import AfterAck, acked
from bot.platforms.slack.direct import DirectMessages, Unreachable
from bot.platforms.slack.people import SlackPeople
from handlers.replies import ReassignRequested
from storage.queries import NotFound

log = logging.getLogger(__name__)


def notify_leads(client: WebClient, people: SlackPeople, request: SignOffRequest) -> None:
    """DM each lead who can be reached in Slack (first contact by user id, no DM opened);
    a lead who can't be reached is logged and skipped."""
    text, blocks = bk.signoff_blocks(
        request.action, request.owner_name, request.commentary, request.id
    )
    direct = DirectMessages(people.service, client, people)
    for lead in request.leads:
        try:
            direct.post(lead, text=text, blocks=blocks)
        except Unreachable as exc:
            log.warning("sign-off request for %s not sent: %s", request.action.label, exc)


def notify_admins(client: WebClient, people: SlackPeople, request: ReassignRequested) -> None:
    """DM each administrator reachable in Slack about an owner's reassignment request."""
    text = request.admin_message
    for admin in request.admins:
        user_id = admin.chat_user_id or (
            people.user_for_email(admin.email) if admin.email else None
        )
        if user_id:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=[{"type": "section", "text": bk.mrkdwn(bk.escape(text))}],
            )


def register_signoff(
    app: App, service: PlanService, people: SlackPeople, after_ack: AfterAck
) -> None:
    def decide(
        client: WebClient, user_id: str, signoff_id: int, confirm: bool, comment: str
    ) -> str:
        actor = people.actor(user_id)
        try:
            decision = service.decide_signoff(actor, signoff_id, confirm=confirm, comment=comment)
        except (Refused, NotFound, TooLong) as exc:
            return str(exc)
        a = decision.action
        verb = "confirmed" if confirm else "returned"
        note = (
            f"{decision.decided_by} {verb} {a.label} as Completed"
            if confirm
            else (
                f"{decision.decided_by} returned {a.label}: {decision.comment}. It is open again ({a.status})."
            )
        )
        direct = DirectMessages(service, client, people)
        for person in decision.tell:
            if person.chat_user_id and not person.chat_deactivated:
                direct.post(
                    person,
                    text=bk.fallback(note),
                    blocks=[{"type": "section", "text": bk.mrkdwn(bk.escape(note))}],
                )
        return f"{a.label} {verb}."

    @app.action("signoff_confirm")
    def on_confirm(ack, body):
        after_ack(ack, "slack.signoff_confirm", body)

    def sign_off(body, client: WebClient, respond):
        value = json.loads(body["actions"][0]["value"])
        msg = decide(client, body["user"]["id"], int(value["s"]), True, "")
        respond(
            replace_original=True,
            text=bk.fallback(msg),
            blocks=[{"type": "section", "text": bk.mrkdwn(bk.escape(msg))}],
        )

    @app.action("signoff_return")
    def on_return(ack, body, client: WebClient):
        acked(ack)  # here, not on the work pool: the trigger id opens a modal only within 3 s
        value = body["actions"][0]["value"]
        container = body.get("container") or {}
        meta = json.dumps(
            {
                **json.loads(value),
                "ch": container.get("channel_id"),
                "ts": container.get("message_ts"),
            }
        )
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "signoff_return_form",
                "private_metadata": meta,
                "title": bk.plain("Return action", 24),
                "submit": bk.plain("Return", 24),
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "comment",
                        "label": bk.plain("Why is it not complete?", 200),
                        "element": {
                            "type": "plain_text_input",
                            "action_id": "comment",
                            "multiline": True,
                        },
                    }
                ],
            },
        )

    @app.view("signoff_return_form")
    def on_return_submit(ack, body, view):
        if not _comment(view).strip():
            ack(response_action="errors", errors={"comment": "Say why: the owner will see it."})
            return
        after_ack(ack, "slack.signoff_return", body)

    def give_back(body, client: WebClient, respond):
        view = body["view"]
        comment = _comment(view)
        meta = json.loads(view["private_metadata"])
        msg = decide(client, body["user"]["id"], int(meta["s"]), False, comment)
        if meta.get("ch") and meta.get("ts"):
            client.chat_update(
                channel=meta["ch"],
                ts=meta["ts"],
                text=bk.fallback(msg),
                blocks=[{"type": "section", "text": bk.mrkdwn(bk.escape(msg))}],
            )

    after_ack.work("slack.signoff_confirm", sign_off)
    after_ack.work("slack.signoff_return", give_back)


def _comment(view: dict) -> str:
    return (view["state"]["values"].get("comment", {}).get("comment") or {}).get("value") or ""
