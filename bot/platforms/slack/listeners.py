"""Slack listeners: translate Slack's requests into handler calls and replies into Block Kit.

Every listener stores the request in the durable inbox, acknowledges (Slack wants an answer
within 3 seconds) and hands the slow part to the work pool (ack.py), so bolt's threads are
free for the next ack and nothing acknowledged is lost in a crash. The slow parts take the
stored body alone (with the client and a ``respond``), so they run the same after a restart.
A redelivered event is not stored again (the inbox is unique on its event id), and a part
run twice after a crash stores no second update (updates carry the chat event's id).
"""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.people import may_read, read_refusal
from bot.core.service import PlanService
from bot.core.statuses import Status
from bot.foreground import FOREGROUND, stored
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.ack import AfterAck, acked, respond_to
from bot.platforms.slack.admin import admin_command
from bot.platforms.slack.home import publish_home
from bot.platforms.slack.inbound import decode
from bot.platforms.slack.people import SlackPeople
from bot.platforms.slack.report_upload import is_report_request, report_reply
from bot.platforms.slack.signoff import notify_admins, notify_leads
from handlers.conversation import Conversation
from handlers.query import handle_query
from handlers.replies import AskAction, AskStatus, ReassignRequested, UpdatesStored, UpdateStored
from handlers.update import StatusGiven
from storage.chat import nudged_actions
from storage.engine import read_session, write_session
from storage.pending import keep_pending, pending_for

log = logging.getLogger(__name__)
PLATFORM = "slack"


class SlackListeners:
    def __init__(self, app: App, service: PlanService, people: SlackPeople, after_ack: AfterAck):
        self.app = app
        self.service = service
        self.people = people
        self.after_ack = after_ack
        self.conversation = Conversation(service)
        after_ack.work("slack.actions", self._actions)
        after_ack.work("slack.page", self._page)
        after_ack.work("slack.status", self._status_button)
        after_ack.work_many("slack.status", self._status_buttons)
        after_ack.work("slack.pick", self._pick_action)
        after_ack.work("slack.form", self._form_submit)
        after_ack.work("slack.undo", self._undo)
        # Stored and answered by ack.py's middleware before bolt's listeners see them.
        after_ack.event("slack.message", self._message, _is_dm_from_person)
        after_ack.event("slack.home", self._home_opened, _is_home_opened)
        app.command("/actions")(self.on_actions)
        app.action(re.compile(r"^status:"))(self.on_status_button)  # Socket Mode's way in
        after_ack.at_door(re.compile(r"^status:"), "slack.status")  # HTTP mode's
        app.action("open_form")(self.on_open_form)
        app.action("pick_action")(self.on_pick_action)
        app.action("undo_update")(self.on_undo)
        app.action(re.compile(r"^page_"))(self.on_page)
        app.view("update_form")(self.on_form_submit)
        # Other messages (channels, bots, edits) and tabs: answered, nothing to do.
        app.event("message")(_ignore)
        app.event("app_home_opened")(_ignore)
        from bot.platforms.slack.signoff import register_signoff

        register_signoff(app, service, people, after_ack)

    # -- /actions ---------------------------------------------------------------------------
    def on_actions(self, ack, body):
        self.after_ack(ack, "slack.actions", body)

    def _actions(self, command: dict, client: WebClient, respond):
        # Slack's escaping decoded; mentions kept as ids (owner @x, away @deputy, map @user).
        text = decode(command.get("text"), keep_mentions=True).strip()
        actor = self.people.actor(command["user_id"])
        if is_report_request(text):
            # The report is the whole plan: only for those who may read it (plan.readers).
            if not actor.is_member and not self.service.plans(actor):
                respond(response_type="ephemeral", text=bk.fallback(read_refusal(actor)))
                return
            fallback, blocks = report_reply(self.service, client, command["user_id"], text)
            respond(response_type="ephemeral", text=fallback, blocks=blocks)
            return
        admin = admin_command(self.service, self.people, actor, text)
        if admin is not None:
            respond(response_type="ephemeral", text=bk.fallback(admin[0]), blocks=admin[1])
            return
        # `/actions …` is a query, or `away …` / `back` / `owe`: never an update.
        kind, _ = self.conversation.intent(text)
        if kind in ("away", "back", "owe", "help"):
            reply = self.conversation.handle(
                actor,
                text,
                platform=PLATFORM,
                user_key=command["user_id"],
                resolve_mention=self._person_for_user,
            )
        else:
            reply = handle_query(self.service, actor, text)
        fallback, blocks = bk.reply_blocks(reply, query=text)
        respond(response_type="ephemeral", text=fallback, blocks=blocks)

    def _person_for_user(self, user_id: str):
        return self.people.actor(user_id).person

    def _user_name(self, user_id: str) -> str | None:
        return self.people.profile(user_id)[1] or None

    def on_page(self, ack, body):
        self.after_ack(ack, "slack.page", body)

    def _page(self, body, client: WebClient, respond):
        value = json.loads(body["actions"][0]["value"])
        actor = self.people.actor(body["user"]["id"])
        reply = handle_query(self.service, actor, value["q"])
        fallback, blocks = bk.reply_blocks(reply, page=int(value["p"]), query=value["q"])
        respond(replace_original=True, text=fallback, blocks=blocks)

    # -- buttons and the form ---------------------------------------------------------------
    def on_status_button(self, ack, body):
        self.after_ack(ack, "slack.status", body)

    def _status_button(self, body, client: WebClient, respond):
        given = self._status_given(body, respond)
        if given is None:
            return
        reply = self.conversation.give_status(
            given.actor,
            given.action_ref,
            given.status,
            platform=PLATFORM,
            user_key=body["user"]["id"],
            commentary=given.commentary,
            revised_text=given.revised_text,
            source=given.source,
            external_id=given.external_id,
        )
        self._after_click(body, client, respond, reply, given.action_ref)

    def _status_given(self, body, respond, *, actor=None, snapshot=None) -> StatusGiven | None:
        """What a status click gives (None, the person told why, when their kept words are
        gone); ``actor``: already resolved (a burst resolves all its people at once)."""
        act = body["actions"][0]
        status = act["action_id"].split(":", 1)[1].upper()
        value = json.loads(act["value"])
        user_id = body["user"]["id"]
        commentary, revised = value.get("c", ""), value.get("r")
        if "p" in value:  # the person's words were kept server-side
            kept = self._kept(value["p"], user_id, respond)
            if kept is None:
                return None
            commentary, revised = kept.text, kept.revised_text or None
        return StatusGiven(
            actor or self.people.actor(user_id),
            int(value["a"]),
            Status[status].value,
            "button",
            commentary,
            revised,
            f"slack:btn:{act.get('action_ts', '')}:{user_id}:{value['a']}",
            snapshot,
        )

    def _status_buttons(self, bodies: list[dict], client: WebClient) -> None:
        """A burst of status clicks taken from the inbox together: the plan around their
        actions and the people clicking are read once, the updates stored in one
        transaction, and only then are the messages updated, so the last click of 50 is
        not stored behind 49 round trips to Slack. A click the burst cannot take (words
        kept server-side, an action not found, the same action clicked again: its state
        may be the earlier click's doing) runs alone afterwards."""
        ids = [_clicked_action(b) for b in bodies]
        shared = self.service.action_snapshots([i for i in ids if i is not None])
        together, alone, seen = [], [], set()
        for body, action_id in zip(bodies, ids, strict=True):
            (together if action_id in shared and action_id not in seen else alone).append(body)
            seen.add(action_id)
        actors = self.people.actors({b["user"]["id"] for b in together})
        given = []
        for body in together:
            user_id = body["user"]["id"]
            one = self._status_given(
                body, None, actor=actors[user_id], snapshot=shared[_clicked_action(body)][0]
            )
            given.append((one, user_id))
        replies = self.conversation.give_statuses(PLATFORM, given) if given else []
        if not alone:
            stored()  # all stored: what is left is answering (bot/foreground.py)
        for body, (one, _user), reply in zip(together, given, replies, strict=True):
            # Stored: the answers wait, as the sweep does, while other people's requests are
            # being read or stored (a burst's second wave, the next burst), as Teams' do.
            # Not while this run still counts itself (clicks left to run alone): it would
            # wait out the whole hold on itself.
            if not alone:
                FOREGROUND.wait_quiet()
            try:
                self._after_click(body, client, respond_to(body), reply, one.action_ref)
            except Exception:  # noqa: BLE001 - stored already; the others still get theirs
                log.exception("Slack: could not answer a status click (the update is stored)")
        for body in alone:
            self._status_button(body, client, respond_to(body))

    def _announce(self, client: WebClient, reply) -> None:
        """Ask the theme lead to sign off a completion that needs it; pass a reassignment
        request to the administrators."""
        for one in reply.stored if isinstance(reply, UpdatesStored) else (reply,):
            if isinstance(one, UpdateStored) and one.signoff is not None:
                notify_leads(client, self.people, one.signoff)
        if isinstance(reply, ReassignRequested) and reply.created:
            notify_admins(client, self.people, reply)

    def _after_click(self, body, client: WebClient, respond, reply, action_id: int):
        self._announce(client, reply)
        if isinstance(reply, UpdateStored):
            msg = body.get("message") or {}
            channel = (body.get("channel") or body.get("container") or {}).get("id") or (
                body.get("container") or {}
            ).get("channel_id")
            if msg.get("blocks") and channel:
                when = reply.local_time("%-d %b %H:%M %Z")
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
        # Here, not on the work pool: the click's trigger id opens a modal only within 3 s,
        # and the pool may be working through a burst.
        acked(ack)
        value = json.loads(body["actions"][0]["value"])
        actor = self.people.actor(body["user"]["id"])
        snap = self.service.snapshot(actor)
        if not may_read(actor, snap.plan.readers):  # before the id is looked up
            respond(
                response_type="ephemeral",
                replace_original=False,
                text=bk.fallback(read_refusal(actor)),
            )
            return
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

            respond(
                response_type="ephemeral",
                replace_original=False,
                text=bk.fallback(refusal(actor, action)),
            )
            return
        container = body.get("container") or {}
        meta = json.dumps(
            {"a": action.id, "ch": container.get("channel_id"), "ts": container.get("message_ts")}
        )
        client.views_open(
            trigger_id=body["trigger_id"], view=bk.update_modal(action, private_metadata=meta)
        )

    def on_form_submit(self, ack, body, view):
        status, _, revised_text, revised_date = _form_values(view)
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
        self.after_ack(ack, "slack.form", body)

    def _form_submit(self, body, client: WebClient, respond):
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        status, commentary, revised_text, revised_date = _form_values(view)
        user_id = body["user"]["id"]
        actor = self.people.actor(user_id)
        reply = self.conversation.give_status(
            actor,
            int(meta["a"]),
            status,
            platform=PLATFORM,
            user_key=user_id,
            commentary=commentary,
            revised_text=revised_text or revised_date,
            source="form",
            external_id=f"slack:view:{view['id']}:{view.get('hash', '')}",
        )
        self._announce(client, reply)
        fallback, blocks = bk.reply_blocks(reply)
        if isinstance(reply, UpdateStored) and meta.get("ch") and meta.get("ts"):
            self._mark_in_nudge(client, meta["ch"], meta["ts"], reply)
        # A user id as the channel lands in the app's DM with them: no conversations.open.
        client.chat_postMessage(channel=user_id, text=fallback, blocks=blocks)

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
        when = reply.local_time("%-d %b %H:%M %Z")
        row = bk.stored_context(reply.action, reply.update.status, reply.update.author_name, when)
        new_blocks = bk.replace_action_row(msgs[0]["blocks"], reply.action.id, row)
        if new_blocks != msgs[0]["blocks"]:
            client.chat_update(
                channel=channel, ts=ts, text=msgs[0].get("text") or "Updated", blocks=new_blocks
            )

    def on_pick_action(self, ack, body):
        self.after_ack(ack, "slack.pick", body)

    def _pick_action(self, body, client: WebClient, respond):
        value = json.loads(body["actions"][0]["value"])
        user_id = body["user"]["id"]
        text = value.get("t", "")
        if "p" in value:
            kept = self._kept(value["p"], user_id, respond)
            if kept is None:
                return
            text = kept.text
        actor = self.people.actor(user_id)
        reply = self.conversation.pick_action(
            actor,
            int(value["a"]),
            text,
            platform=PLATFORM,
            user_key=user_id,
            source="reply",
            external_id=f"slack:pick:{body['actions'][0].get('action_ts', '')}:{user_id}",
        )
        self._announce(client, reply)
        fallback, blocks = self._render(reply, user_id)
        respond(replace_original=True, text=fallback, blocks=blocks)

    def _render(self, reply, user_id: str, **kw):
        """Block Kit for a reply. Words waiting on the bot's question (which action? which
        status?) are kept server-side and the buttons carry their id: a long or non-ASCII
        comment does not fit in a 2,000-character button value."""
        pending_id = None
        words, revised = "", ""
        if isinstance(reply, UpdatesStored) and reply.asking is not None:
            words, revised = reply.asking.commentary, reply.asking.revised_text or ""
        elif isinstance(reply, AskStatus):
            words, revised = reply.commentary, reply.revised_text or ""
        elif isinstance(reply, AskAction) and reply.candidates:
            words = reply.text
        if words or revised:
            with write_session(self.service.engine) as s:
                pending_id = keep_pending(
                    s, "slack", user_id, words, revised=revised, now=self.service.clock.now()
                )
        return bk.reply_blocks(reply, pending_id=pending_id, **kw)

    def on_undo(self, ack, body):
        self.after_ack(ack, "slack.undo", body)

    def _undo(self, body, client: WebClient, respond):
        """The Undo button: takes back the clicker's own last update (never someone else's)."""
        user_id = body["user"]["id"]
        reply = self.conversation.undo(self.people.actor(user_id))
        respond(response_type="ephemeral", replace_original=False, text=bk.fallback(reply.text))

    def _kept(self, pending_id, user_id: str, respond):
        kept = None
        if str(pending_id).isdigit() and len(str(pending_id)) < 10:  # an id, nothing else
            with read_session(self.service.engine) as s:
                kept = pending_for(s, int(pending_id), "slack", user_id)
        if kept is None:
            respond(
                response_type="ephemeral",
                replace_original=False,
                text="That question has expired (or was asked of someone else): "
                "send your update again.",
            )
        return kept

    # -- messages -----------------------------------------------------------------------------
    def _message(self, body, client: WebClient, respond):
        # No "seen this event?" check here: the inbox stored it once (unique on its event
        # id), and after a crash it must run again; the update's id keeps it stored once.
        event = body["event"]
        channel, user_id = event["channel"], event["user"]
        # Routing reads mentions as ids; an update's words read them as names (inbound.py).
        text = decode(event.get("text"), keep_mentions=True)
        words = decode(event.get("text"), self._user_name)
        thread_ts = event.get("thread_ts")
        actor = self.people.actor(user_id)
        context: tuple[int, ...] = ()
        if thread_ts:
            with read_session(self.service.engine) as s:
                context = nudged_actions(s, channel, thread_ts)
        # `away … deputy <@U1>` and `owner <@U1>` need the mention as an id (a name anyone
        # can set is never used to find people); an update's words read it as a name.
        said = text if self.conversation.intent(text)[0] in ("away", "query") else words
        reply = self.conversation.handle(
            actor,
            said,
            platform=PLATFORM,
            user_key=user_id,
            thread_context=context,
            external_id=f"slack:msg:{channel}:{event['ts']}",
            source="reply",
            resolve_mention=self._person_for_user,
        )
        self._announce(client, reply)
        fallback, blocks = self._render(reply, user_id, query=text)
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts or None, text=fallback, blocks=blocks
        )

    def _home_opened(self, body, client: WebClient, respond):
        publish_home(self.service, self.people, client, body["event"]["user"])


def _is_dm_from_person(event: dict) -> bool:
    """A direct message a person wrote (not a bot's, not an edit or a join)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("bot_id")
        and not event.get("subtype")
        and bool(event.get("user"))
    )


def _is_home_opened(event: dict) -> bool:
    return event.get("type") == "app_home_opened" and event.get("tab") in (None, "home")


def _ignore() -> None:
    """Events bolt should answer and forget."""


def _form_values(view: dict) -> tuple[str | None, str, str, str | None]:
    """The update form's status, commentary, deadline in words and deadline as a date."""
    values = view["state"]["values"]

    def field(block: str, key: str = "value"):
        return (values.get(block, {}).get(block) or {}).get(key)

    status = ((values.get("status", {}).get("status") or {}).get("selected_option") or {}).get(
        "value"
    )
    return (
        status,
        field("commentary") or "",
        field("revised_text") or "",
        field("revised_date", "selected_date"),
    )


def _clicked_action(body: dict) -> int | None:
    """The action id a status click's value names, or None (read alone, it says why)."""
    try:
        value = json.loads(body["actions"][0]["value"])
        return None if "p" in value else int(value["a"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
