"""Slack listeners: translate Slack's requests into handler calls and replies into Block Kit.

Every listener acknowledges first (Slack wants an answer within 3 seconds) and does the
slow part after. Event retries are recognised by event id and by message, so a redelivered
event never stores a second update.
"""

from __future__ import annotations

import json
import logging
import re
import time

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.service import PlanService
from bot.core.update_text import parse_update_text
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.ack import ACK_GRACE_SECONDS, acked
from bot.platforms.slack.admin import admin_command
from bot.platforms.slack.home import publish_home
from bot.platforms.slack.people import SlackPeople
from bot.platforms.slack.report_upload import is_report_request, report_reply
from bot.platforms.slack.signoff import notify_leads
from handlers.away import handle_away, handle_back
from handlers.query import handle_query
from handlers.replies import UpdateStored
from handlers.update import handle_reply, handle_status
from storage.chat import first_delivery, nudged_actions
from storage.engine import read_session, write_session

log = logging.getLogger(__name__)
_QUERY_HINT = re.compile(
    r"^\s*(what do i owe\??|help|mine|overdue|due\b|theme\b|owner\b|search\b|status\b|all)\s*",
    re.I,
)


class SlackListeners:
    def __init__(self, app: App, service: PlanService, people: SlackPeople):
        self.app = app
        self.service = service
        self.people = people
        app.command("/actions")(self.on_actions)
        app.action(re.compile(r"^status:"))(self.on_status_button)
        app.action("open_form")(self.on_open_form)
        app.action("pick_action")(self.on_pick_action)
        app.action(re.compile(r"^page_"))(self.on_page)
        app.view("update_form")(self.on_form_submit)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home_opened)
        from bot.platforms.slack.signoff import register_signoff

        register_signoff(app, service, people)

    # -- /actions ---------------------------------------------------------------------------
    def on_actions(self, ack, command, respond, client: WebClient):
        acked(ack)
        text = (command.get("text") or "").strip()
        actor = self.people.actor(command["user_id"])
        if is_report_request(text):
            fallback, blocks = report_reply(self.service, client, command["user_id"], text)
            respond(response_type="ephemeral", text=fallback, blocks=blocks)
            return
        admin = admin_command(self.service, self.people, actor, text)
        if admin is not None:
            respond(response_type="ephemeral", text=admin[0], blocks=admin[1])
            return
        reply = self._away(actor, text) or handle_query(self.service, actor, text)
        fallback, blocks = bk.reply_blocks(reply, query=text)
        respond(response_type="ephemeral", text=fallback, blocks=blocks)

    def _away(self, actor, text: str):
        """`away until 3 March @deputy` / `back`, from /actions or a DM; None otherwise."""
        word, _, rest = text.strip().partition(" ")
        if word.lower() == "away":
            return handle_away(self.service, actor, rest, resolve_mention=self._person_for_user)
        if text.strip().lower() in ("back", "i'm back", "i am back"):
            return handle_back(self.service, actor)
        return None

    def _person_for_user(self, user_id: str):
        return self.people.actor(user_id).person

    def on_page(self, ack, body, respond):
        acked(ack)
        value = json.loads(body["actions"][0]["value"])
        actor = self.people.actor(body["user"]["id"])
        reply = handle_query(self.service, actor, value["q"])
        fallback, blocks = bk.reply_blocks(reply, page=int(value["p"]), query=value["q"])
        respond(replace_original=True, text=fallback, blocks=blocks)

    # -- buttons and the form ---------------------------------------------------------------
    def on_status_button(self, ack, body, client: WebClient, respond):
        acked(ack)
        act = body["actions"][0]
        status = act["action_id"].split(":", 1)[1].upper()
        from bot.core.statuses import Status

        value = json.loads(act["value"])
        user_id = body["user"]["id"]
        actor = self.people.actor(user_id)
        reply = handle_status(
            self.service,
            actor,
            int(value["a"]),
            Status[status].value,
            commentary=value.get("c", ""),
            revised_text=value.get("r"),
            source="button",
            external_id=f"slack:btn:{act.get('action_ts', '')}:{user_id}:{value['a']}",
        )
        self._after_click(body, client, respond, reply, int(value["a"]))

    def _announce(self, client: WebClient, reply) -> None:
        """Ask the theme lead to sign off a completion that needs it."""
        if isinstance(reply, UpdateStored) and reply.signoff is not None:
            notify_leads(client, self.people, reply.signoff)

    def _after_click(self, body, client: WebClient, respond, reply, action_id: int):
        self._announce(client, reply)
        if isinstance(reply, UpdateStored):
            msg = body.get("message") or {}
            channel = (body.get("channel") or body.get("container") or {}).get("id") or (
                body.get("container") or {}
            ).get("channel_id")
            if msg.get("blocks") and channel:
                when = reply.update.created_at.strftime("%-d %b %H:%M UTC")
                row = bk.stored_context(
                    reply.action, reply.update.status, reply.update.author_name, when
                )
                new_blocks = bk.replace_action_row(msg["blocks"], action_id, row)
                if new_blocks != msg["blocks"]:
                    client.chat_update(
                        channel=channel,
                        ts=msg["ts"],
                        text=msg.get("text") or "Updated",
                        blocks=new_blocks,
                    )
                    return
        fallback, blocks = bk.reply_blocks(reply)
        respond(response_type="ephemeral", replace_original=False, text=fallback, blocks=blocks)

    def on_open_form(self, ack, body, client: WebClient, respond):
        acked(ack)
        value = json.loads(body["actions"][0]["value"])
        actor = self.people.actor(body["user"]["id"])
        snap = self.service.snapshot()
        action = next((a for a in snap.actions if a.id == int(value["a"])), None)
        if action is None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text="That action is no longer in the plan.",
            )
            return
        if not self.service.can_update(actor, action, snap):
            from bot.core.people import refusal

            respond(response_type="ephemeral", replace_original=False, text=refusal(actor, action))
            return
        container = body.get("container") or {}
        meta = json.dumps(
            {"a": action.id, "ch": container.get("channel_id"), "ts": container.get("message_ts")}
        )
        client.views_open(
            trigger_id=body["trigger_id"], view=bk.update_modal(action, private_metadata=meta)
        )

    def on_form_submit(self, ack, body, view, client: WebClient):
        values = view["state"]["values"]
        meta = json.loads(view.get("private_metadata") or "{}")
        status = ((values.get("status", {}).get("status") or {}).get("selected_option") or {}).get(
            "value"
        )
        commentary = (values.get("commentary", {}).get("commentary") or {}).get("value") or ""
        revised_text = (values.get("revised_text", {}).get("revised_text") or {}).get("value") or ""
        revised_date = (values.get("revised_date", {}).get("revised_date") or {}).get(
            "selected_date"
        )
        errors = {}
        if not status:
            errors["status"] = "Choose a status."
        if revised_text and revised_date:
            errors["revised_date"] = "Give the new deadline in words or as a date, not both."
        if revised_text and not errors:
            parsed = self.service.read_deadline(revised_text)
            if parsed.due is None:
                errors["revised_text"] = (
                    f"Can't read {revised_text!r} as a date; try 30/06/2021 or 'end of June 2021'."
                )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        acked(ack)
        user_id = body["user"]["id"]
        actor = self.people.actor(user_id)
        reply = handle_status(
            self.service,
            actor,
            int(meta["a"]),
            status,
            commentary=commentary,
            revised_text=revised_text or revised_date,
            source="form",
            external_id=f"slack:view:{view['id']}:{view.get('hash', '')}",
        )
        self._announce(client, reply)
        fallback, blocks = bk.reply_blocks(reply)
        dm = self._dm(client, user_id)
        if isinstance(reply, UpdateStored) and meta.get("ch") and meta.get("ts"):
            self._mark_in_nudge(client, meta["ch"], meta["ts"], reply)
        client.chat_postMessage(channel=dm, text=fallback, blocks=blocks)

    def _mark_in_nudge(self, client: WebClient, channel: str, ts: str, reply: UpdateStored):
        """Show the stored update in the nudge the form was opened from."""
        try:
            hist = client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        except SlackApiError:
            return
        msgs = hist.get("messages") or []
        if not msgs or not msgs[0].get("blocks"):
            return
        when = reply.update.created_at.strftime("%-d %b %H:%M UTC")
        row = bk.stored_context(reply.action, reply.update.status, reply.update.author_name, when)
        new_blocks = bk.replace_action_row(msgs[0]["blocks"], reply.action.id, row)
        if new_blocks != msgs[0]["blocks"]:
            client.chat_update(
                channel=channel, ts=ts, text=msgs[0].get("text") or "Updated", blocks=new_blocks
            )

    def on_pick_action(self, ack, body, client: WebClient, respond):
        acked(ack)
        value = json.loads(body["actions"][0]["value"])
        user_id = body["user"]["id"]
        actor = self.people.actor(user_id)
        reply = handle_reply(
            self.service,
            actor,
            value.get("t", ""),
            context_action_ids=(int(value["a"]),),
            source="reply",
            external_id=f"slack:pick:{body['actions'][0].get('action_ts', '')}:{user_id}",
        )
        self._announce(client, reply)
        fallback, blocks = bk.reply_blocks(reply)
        respond(replace_original=True, text=fallback, blocks=blocks)

    # -- messages -----------------------------------------------------------------------------
    def on_message(self, event, body, client: WebClient):
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        time.sleep(ACK_GRACE_SECONDS)  # bolt acked the event before calling us: let it leave
        now = self.service.clock.now()
        with write_session(self.service.engine) as s:
            if not first_delivery(
                s,
                f"slack:{body.get('event_id') or event.get('client_msg_id') or event['ts']}",
                now=now,
            ):
                return
        channel, user_id, text = event["channel"], event["user"], event.get("text", "")
        thread_ts = event.get("thread_ts")
        actor = self.people.actor(user_id)
        context: tuple[int, ...] = ()
        if thread_ts:
            with read_session(self.service.engine) as s:
                context = nudged_actions(s, channel, thread_ts)
        away = None if thread_ts else self._away(actor, text)
        if away is not None:
            reply = away
        elif (
            not thread_ts and _QUERY_HINT.match(text) and not _looks_like_update(text, self.service)
        ):
            query = re.sub(r"^\s*what do i owe\??\s*$", "mine", text, flags=re.I)
            reply = handle_query(self.service, actor, query)
        else:
            reply = handle_reply(
                self.service,
                actor,
                text,
                context_action_ids=context,
                source="reply",
                external_id=f"slack:msg:{channel}:{event['ts']}",
            )
        self._announce(client, reply)
        fallback, blocks = bk.reply_blocks(reply, query=text)
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts or None, text=fallback, blocks=blocks
        )

    def on_home_opened(self, event, client: WebClient):
        if event.get("tab") not in (None, "home"):
            return
        time.sleep(ACK_GRACE_SECONDS)
        publish_home(self.service, self.people, client, event["user"])

    def _dm(self, client: WebClient, user_id: str) -> str:
        return client.conversations_open(users=user_id)["channel"]["id"]


def _looks_like_update(text: str, service: PlanService) -> bool:
    return parse_update_text(text, today=service.today()).status is not None
