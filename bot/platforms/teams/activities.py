"""Teams activities in, handler calls, cards out. Sync code, run on worker threads (the
server hands each activity over from the SDK's event loop).

* install (``installationUpdate`` add, ``conversationUpdate`` with the bot in membersAdded):
  store the conversation reference and match the user; in a team, store the team's channels
  and match its members.
* a message: free text goes to the platform-neutral handlers (what it means is not decided
  here); a message with ``value`` is an ``Action.Submit`` from one of our cards.
* ``adaptiveCard/action`` invoke (``Action.Execute``): the same card actions; the answer is
  the card that replaces the one pressed.

A redelivered activity (same conversation and id) stores nothing twice: messages are
recorded as handled before any work, and every update carries the activity id as its
idempotency key.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.core.people import Actor
from bot.core.service import PlanService, Refused
from bot.foreground import FOREGROUND, stored
from bot.platforms.teams import cards as cd
from bot.platforms.teams.connector import ConnectorError, TeamsConnector, message
from bot.platforms.teams.people import PLATFORM, TeamsPeople, is_personal, tenant_of
from handlers.conversation import Conversation
from handlers.query import handle_query
from handlers.replies import (
    ActionList,
    AskAction,
    AskStatus,
    HelpText,
    Nudge,
    Problem,
    Refusal,
    Reply,
    UpdatesStored,
    UpdateStored,
)
from handlers.update import StatusGiven
from storage.chat import first_delivery
from storage.chat_members import forget_channel, remember_channel
from storage.engine import read_session, write_session
from storage.queries import NotFound

log = logging.getLogger(__name__)
ANSWERS_AT_ONCE = 8  # a burst's clicks answered side by side (handle_statuses)


@dataclass
class CardResult:
    """What a card action produced: the card to put in place of the pressed one (None:
    leave it), and messages to send after."""

    replace: dict | None = None
    send: list[dict] = field(default_factory=list)
    toast: str = ""


class TeamsBot:
    def __init__(self, service: PlanService, connector: TeamsConnector, people: TeamsPeople):
        self.service = service
        self.connector = connector
        self.people = people
        self.conversation = Conversation(service)
        self.notifier = None  # what "digest now" posts through (set by the runtime)

    # -- install --------------------------------------------------------------------------------
    def on_conversation_update(self, act: dict) -> None:
        bot_id = (act.get("recipient") or {}).get("id")
        added = act.get("membersAdded") or []
        removed = act.get("membersRemoved") or []
        data = act.get("channelData") or {}
        event = data.get("eventType")
        if any(m.get("id") == bot_id for m in added):
            self._installed(act)
        elif added and data.get("team"):
            self._team_members(act, added)
        if any(m.get("id") == bot_id for m in removed) and data.get("team"):
            self._uninstalled_team(act)
        if event in ("channelCreated", "channelRenamed", "channelRestored") and data.get("channel"):
            self._remember_channel(act, data["channel"])
        elif event == "channelDeleted" and data.get("channel"):
            with write_session(self.service.engine) as s:
                forget_channel(s, data["channel"]["id"], now=self.service.clock.now())

    def on_installation_update(self, act: dict) -> None:
        action = (act.get("action") or "add").lower()
        if action.startswith("add"):
            self._installed(act)
        elif action.startswith("remove") and (act.get("channelData") or {}).get("team"):
            self._uninstalled_team(act)

    def _installed(self, act: dict) -> None:
        team = (act.get("channelData") or {}).get("team")
        if team:
            self._installed_in_team(act, team)
            return
        if not is_personal(act):
            return  # a group chat: nothing to remember
        actor = self.people.actor(act)
        if actor.person is None:
            text = (
                "Hello! I chase progress updates on the action plan. I can't match you to "
                "anyone in the plan yet: ask the programme office to add your email."
            )
        else:
            text = (
                f"Hello {actor.display_name}! I'll message you here when your actions are "
                "due. Try “mine”, “overdue” or “help”."
            )
        self._send(act, [cd.text_card(text)], text)

    def _installed_in_team(self, act: dict, team: dict) -> None:
        service_url = act["serviceUrl"]
        try:
            channels = self.connector.team_channels(service_url, team["id"])
        except ConnectorError as exc:
            log.warning("can't list the channels of team %s: %s", team.get("name"), exc)
            channels = [{"id": team["id"], "name": None}]
        now = self.service.clock.now()
        with write_session(self.service.engine) as s:
            for c in channels:
                remember_channel(
                    s,
                    channel_id=c["id"],
                    team_id=team["id"],
                    service_url=service_url,
                    now=now,
                    name=c.get("name") or "",
                    team_name=team.get("name") or "",
                    tenant_id=tenant_of(act),
                    service_url_trusted=self.people.trust_service_url,
                )
        try:
            members = self.connector.members(team["id"], service_url)
        except ConnectorError as exc:
            log.warning("can't list the members of team %s: %s", team.get("name"), exc)
            return
        self.people.remember_all(members, service_url=service_url, tenant_id=tenant_of(act))

    def _team_members(self, act: dict, added: list[dict]) -> None:
        accounts = []
        for m in added:
            try:
                looked = self.connector.member(
                    act["conversation"]["id"], act["serviceUrl"], m["id"]
                )
            except ConnectorError:
                looked = None
            accounts.append({**m, **(looked or {})})
        self.people.remember_all(accounts, service_url=act["serviceUrl"], tenant_id=tenant_of(act))

    def _uninstalled_team(self, act: dict) -> None:
        from storage.chat_members import teams_channels

        team_id = act["channelData"]["team"]["id"]
        now = self.service.clock.now()
        with write_session(self.service.engine) as s:
            for c in teams_channels(s):
                if c.team_id == team_id:
                    forget_channel(s, c.channel_id, now=now)

    def _remember_channel(self, act: dict, channel: dict) -> None:
        team = act["channelData"].get("team") or {}
        with write_session(self.service.engine) as s:
            remember_channel(
                s,
                channel_id=channel["id"],
                team_id=team.get("id", ""),
                service_url=act["serviceUrl"],
                now=self.service.clock.now(),
                name=channel.get("name") or "",
                team_name=team.get("name") or "",
                tenant_id=tenant_of(act),
                service_url_trusted=self.people.trust_service_url,
            )

    # -- messages -------------------------------------------------------------------------------
    def on_message(self, act: dict) -> None:
        with write_session(self.service.engine) as s:
            if not first_delivery(s, message_key(act)[:200], now=self.service.clock.now()):
                return  # a redelivery: handled already
        self.handle_message(act)

    def handle_message(self, act: dict) -> None:
        """A message, without the redelivery check: for one the durable inbox stored once
        (server.py), which must run again if a crash cut it short."""
        key = message_key(act)
        actor = self.people.actor(act)
        value = act.get("value")
        if isinstance(value, dict) and value.get("k"):
            self._answer(act, self.card_action(actor, value, act))  # Action.Submit
            return
        text = _strip_mentions(act.get("text") or "")
        if not is_personal(act):
            return  # in channels the bot only posts digests
        from bot.platforms.teams.admin import admin_command

        answer = admin_command(self.service, actor, text, act, notifier=self.notifier)
        if isinstance(answer, dict):  # a card asking the administrator to confirm
            self._send(act, [answer], "Confirm the mapping")
            return
        if answer is not None:
            self._send(act, [cd.text_card(answer)], answer[:200])
            return
        reply = self.interpret(
            actor, text, user_key=act["from"]["id"], external_id=f"teams:msg:{key}"
        )
        self._announce(reply)
        self._send(act, cd.reply_cards(reply, query=text), _fallback(reply))

    def handle_statuses(self, acts: list[dict]) -> None:
        """A burst of status buttons (Action.Submit) taken from the inbox together: the plan
        around their actions read once, the updates stored in one transaction, and only
        then the cards answered, so the last click of 50 is not stored behind 49 round
        trips to the Bot Connector. A click the burst cannot take (its data unreadable, an
        action not found, the same action clicked again: its state may be the earlier
        click's doing) is handled alone afterwards, as ``handle_message`` would."""
        clicked = [_status_click(act) for act in acts]
        shared = self.service.action_snapshots([c[0] for c in clicked if c is not None])
        together, alone, seen = [], [], set()
        for act, click in zip(acts, clicked, strict=True):
            if click is not None and click[0] in shared and click[0] not in seen:
                together.append((act, click))
            else:
                alone.append(act)
            if click is not None:
                seen.add(click[0])
        given = []
        actors = self.people.actors([act for act, _click in together])
        for (act, (a, data)), actor in zip(together, actors, strict=True):
            ext = _click_id(act)
            one = StatusGiven(
                actor,
                a,
                _text(data, "s") or None,
                "button",
                _text(data, "c"),
                _text(data, "r") or None,
                f"{ext}:{a}",
                shared[a][0],
            )
            given.append((one, act["from"]["id"]))
        replies = self.conversation.give_statuses(PLATFORM, given) if given else []
        if not alone:
            stored()  # all stored: what is left is answering (bot/foreground.py)

        def answer(click) -> None:
            (act, (_a, data)), (one, _user), reply = click
            # These clicks are stored: their answers wait, as the sweep does, while other
            # people's requests are being read or stored. A burst that came in two waves
            # stored its second behind the first's 50 answers (and a batch of the burst
            # before, still answering at the Bot Connector's rate): 50 ms, not 20. Not while
            # this run still counts itself (clicks left to run alone): it would wait out the
            # whole hold on itself.
            if not alone:
                FOREGROUND.wait_quiet()
            try:
                self._answer(act, self._after_update(reply, data, one.actor))
            except Exception:  # noqa: BLE001 - stored already; the others still get theirs
                log.exception("Teams: could not answer a status click (the update is stored)")

        # Each answer is a round trip to the Bot Connector (40-50 ms under a sweep): one after
        # another, a burst of 50 took 2.2-2.9 s to answer and ran into the next burst. The
        # clicks are in different conversations, so they are answered side by side (the
        # connector's pacing still holds the app to its 50 a second).
        clicks = list(zip(together, given, replies, strict=True))
        if len(clicks) > 1:
            with ThreadPoolExecutor(min(ANSWERS_AT_ONCE, len(clicks))) as pool:
                list(pool.map(answer, clicks))
        else:
            for click in clicks:
                answer(click)
        for act in alone:
            self.handle_message(act)

    def _answer(self, act: dict, result: CardResult) -> None:
        """A card action's result: the card replaced in place (or sent, when it can't be),
        then any messages. The toast (Teams shows none for a submit) becomes a message only
        when nothing else answers: a card replaced in place already says it, as Slack's one
        message update does, and a second message per click halved how many clicks a burst
        could be answered for at the Bot Connector's 50 sends a second."""
        replaced = False
        if result.replace is not None and act.get("replyToId"):
            try:
                self.connector.update(
                    act["conversation"]["id"],
                    act["serviceUrl"],
                    act["replyToId"],
                    message(result.replace, "Updated"),
                )
                replaced = True
            except ConnectorError as exc:
                log.warning("could not replace the card: %s", exc)
                result.send.insert(0, result.replace)
        elif result.replace is not None:
            result.send.insert(0, result.replace)
        if result.toast and not result.send and not replaced:
            result.send.append(cd.text_card(result.toast))
        self._send(act, result.send, result.toast)

    def interpret(self, actor: Actor, text: str, *, user_key: str, external_id: str) -> Reply:
        """What a chat line means is decided by handlers/conversation.py, not here."""
        return self.conversation.handle(
            actor, text, platform=PLATFORM, user_key=user_key, external_id=external_id
        )

    # -- invokes --------------------------------------------------------------------------------
    def on_execute(self, act: dict) -> dict:
        """The invoke response body for an ``Action.Execute``."""
        value = act.get("value")
        action = value.get("action") if isinstance(value, dict) else None
        action = action if isinstance(action, dict) else {}
        data = dict(action["data"]) if isinstance(action.get("data"), dict) else {}
        verb = action.get("verb")
        data.setdefault("k", verb if isinstance(verb, str) else "")
        actor = self.people.actor(act)
        result = self.card_action(actor, data, act)
        if result.send:
            self._send(act, result.send, result.toast)
        if result.replace is not None:
            return {"statusCode": 200, "type": cd.CARD_CONTENT_TYPE, "value": result.replace}
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": result.toast or "Done.",
        }

    # -- card actions (Action.Submit and Action.Execute alike) ------------------------------
    def card_action(self, actor: Actor, data: dict, act: dict) -> CardResult:
        kind = data.get("k")
        ext = _click_id(act)
        try:
            if kind == "status":
                a = _number(data, "a")
                reply = self.conversation.give_status(
                    actor,
                    a,
                    _text(data, "s") or None,
                    platform=PLATFORM,
                    user_key=act["from"]["id"],
                    commentary=_text(data, "c"),
                    revised_text=_text(data, "r") or None,
                    external_id=f"{ext}:{a}",
                    source="button",
                )
                return self._after_update(reply, data, actor)
            if kind == "form":
                return self._form(actor, data, ext, act["from"]["id"])
            if kind == "pick":
                a = _number(data, "a")
                reply = self.conversation.pick_action(
                    actor,
                    a,
                    _text(data, "t"),
                    platform=PLATFORM,
                    user_key=act["from"]["id"],
                    external_id=f"{ext}:{a}",
                )
                self._announce(reply)
                return CardResult(replace=cd.reply_cards(reply)[0])
            if kind == "page":
                q = _text(data, "q")
                reply = handle_query(self.service, actor, q)
                return CardResult(
                    replace=cd.reply_cards(
                        reply, page=_number(data, "p", low=0) if "p" in data else 0, query=q
                    )[0]
                )
            if kind == "signoff":
                return self._signoff(actor, data)
            if kind == "mapok":
                from bot.platforms.teams.admin import confirm_map

                answer = confirm_map(self.service, actor, data, act)
                return CardResult(replace=cd.text_card(answer), toast=answer[:200])
            if kind == "mapno":
                return CardResult(
                    replace=cd.text_card("Cancelled: nothing was changed."), toast="Cancelled."
                )
            if kind == "undo":
                reply = self.conversation.undo(actor)
                return CardResult(send=[cd.text_card(reply.text)], toast=reply.text[:200])
        except (KeyError, ValueError, TypeError) as exc:
            return CardResult(
                toast=f"That button's data could not be read ({exc}). Nothing was stored."[:300]
            )
        return CardResult(toast=f"Unknown card action {kind!r}. Nothing was stored.")

    def _form(self, actor: Actor, data: dict, ext: str, user_key: str) -> CardResult:
        a = _number(data, "a")
        status = _text(data, f"status_{a}").strip()
        commentary = _text(data, f"commentary_{a}")
        words = _text(data, f"revised_text_{a}").strip()
        picked = _text(data, f"revised_date_{a}").strip()
        if not status:
            return CardResult(
                send=[cd.text_card("Choose a status: nothing was stored.")],
                toast="Choose a status.",
            )
        if words and picked:
            text = "Give the new deadline in words or as a date, not both. Nothing was stored."
            return CardResult(send=[cd.text_card(text)], toast=text)
        reply = self.conversation.give_status(
            actor,
            a,
            status,
            platform=PLATFORM,
            user_key=user_key,
            commentary=commentary,
            revised_text=words or picked or None,
            source="form",
            external_id=f"{ext}:{a}",
        )
        return self._after_update(reply, data, actor)

    def _after_update(self, reply: Reply, data: dict, actor: Actor) -> CardResult:
        self._announce(reply)
        if isinstance(reply, UpdateStored):
            if data.get("n"):
                card = self._rebuilt_nudge(_number(data, "n"), reply.action.id, actor)
                if card is not None:
                    return CardResult(
                        replace=card,
                        send=[cd.stored_card(reply)],
                        toast=f"Stored for {reply.action.label}",
                    )
            return CardResult(
                replace=cd.stored_card(reply), toast=f"Stored for {reply.action.label}"
            )
        # Refused or unreadable: the card stays as it was; say why in a message.
        return CardResult(send=cd.reply_cards(reply), toast=_fallback(reply))

    def _rebuilt_nudge(self, claim_id: int, action_id: int, actor: Actor) -> dict | None:
        """The nudge card part that held ``action_id``, as it reads now: answered actions
        show what was stored instead of their buttons. Only the clicker's own nudge (or one
        to someone they are deputy for) holding that action: a card's nudge id is data the
        client sends, and another person's nudge lists their actions and name."""
        from bot.core.owing import Owed, Reason
        from storage.teams_sent import nudge_contents, updates_since

        with read_session(self.service.engine) as s:
            contents = nudge_contents(s, claim_id)
            if contents is None:
                return None
            ids = [a for a, _ in contents.items]
            mine = actor.owner_ids() | actor.covering_ids
            if contents.person_id not in mine or action_id not in ids:
                return None
            done = updates_since(s, ids, contents.created_at)
            from storage.models import NudgeMessage, Owner
            from storage.queries import plan_snapshot

            person = s.get(Owner, contents.person_id)
            name = person.name if person else ""
            # only the nudge's actions are read, not the whole plan; a nudge can list
            # several plans' actions (jobs/sweep.py), each read from its own plan
            from storage.models import Action, Plan

            plan_ids = sorted({s.get(Action, a).plan_id for a in ids if s.get(Action, a)})
            plan_ids = plan_ids or [s.get(NudgeMessage, claim_id).plan_id]
            snaps = [plan_snapshot(s, p, action_ids=ids) for p in plan_ids]
            plans = tuple((p, s.get(Plan, p).name) for p in plan_ids) if len(snaps) > 1 else ()
        by_id = {a.id: a for snap in snaps for a in snap.actions}
        items, stored = [], {}
        for a_id, reason in contents.items:
            a = by_id.get(a_id)
            if a is None:
                continue
            days = (a.due_date - contents.day).days if a.due_date else None
            items.append(Owed(a, Reason(reason), days, a.status_at))
            if a_id in done:
                u = done[a_id]
                stored[a_id] = cd.stored_line(
                    a, u.status, u.author_name, f"{u.created_at:%-d %b %H:%M} UTC"
                )
        parts = cd.nudge_cards(
            name, items, contents.day, claim_id=claim_id, stored=stored, plans=plans
        )
        for part in parts:
            if f'"a_{action_id}"' in _json(part):
                return part
        return parts[0] if parts else None

    def _signoff(self, actor: Actor, data: dict) -> CardResult:
        confirm = bool(data.get("ok"))
        comment = _text(data, "comment")
        try:
            decision = self.service.decide_signoff(
                actor, _number(data, "s"), confirm=confirm, comment=comment
            )
        except (Refused, NotFound) as exc:
            return CardResult(send=[cd.text_card(str(exc))], toast=str(exc))
        a = decision.action
        verb = "confirmed" if confirm else "returned"
        note = (
            f"{decision.decided_by} confirmed {a.label} as Completed"
            if confirm
            else f"{decision.decided_by} returned {a.label}: {decision.comment}. "
            f"It is open again ({a.status})."
        )
        for person in decision.tell:
            self.tell(person, note)
        return CardResult(
            replace=cd.text_card(f"{a.label} {verb}. {note}"), toast=f"{a.label} {verb}."
        )

    # -- sending --------------------------------------------------------------------------------
    def _announce(self, reply: Reply) -> None:
        """Ask the theme lead(s) to sign off a completion that needs it (each action of a
        reply that named several)."""
        for one in reply.stored if isinstance(reply, UpdatesStored) else (reply,):
            if not (isinstance(one, UpdateStored) and one.signoff is not None):
                continue
            r = one.signoff
            card = cd.signoff_card(r.action, r.owner_name, r.commentary, r.id)
            for lead in r.leads:
                self.deliver(lead, [card], f"{r.owner_name} marked {r.action.label} Completed")

    def tell(self, person, text: str) -> None:
        self.deliver(person, [cd.text_card(text)], text)

    def deliver(self, person, cards: list[dict], text: str) -> list[str]:
        """Cards to a person's 1:1 chat; [] (logged) if the bot can't reach them in Teams."""
        try:
            where = self.people.reach(person)
            if where is None:
                return []
            return [
                self.connector.send(
                    where.conversation_id, where.service_url, message(c, text if i == 0 else "")
                )
                for i, c in enumerate(cards)
            ]
        except ConnectorError as exc:
            log.warning("could not message %s in Teams: %s", person.name, exc)
            return []

    def _send(self, act: dict, cards: list[dict], text: str) -> None:
        for i, c in enumerate(cards):
            try:
                self.connector.send(
                    act["conversation"]["id"], act["serviceUrl"], message(c, text if i == 0 else "")
                )
            except ConnectorError as exc:
                log.warning("reply not delivered: %s", exc)
                return


# Ids are database integers: a number outside them is an error to answer, not to store.
_MAX_ID = 2**31 - 1


def _click_id(act: dict) -> str:
    """A card action's delivery, as the stem of the external ids of what it stores: the same
    for a click handled in a burst (handle_statuses) or alone (card_action), so a
    redelivery taken the other way is still stored once."""
    return f"teams:{act['conversation']['id']}:{act['id']}"[:180]


def is_status_click(value) -> bool:
    """Whether an activity's value is a status button's (the inbox takes those together)."""
    return isinstance(value, dict) and value.get("k") == "status"


def _status_click(act: dict) -> tuple[int, dict] | None:
    """(action id, the button's data) for a readable status click, else None (handled
    alone, it says what could not be read)."""
    value = act.get("value")
    if not is_status_click(value):
        return None
    try:
        for key in ("s", "c", "r"):
            _text(value, key)
        return _number(value, "a"), value
    except (KeyError, ValueError, TypeError):
        return None


def _number(data: dict, key: str, *, low: int = 1) -> int:
    """A card's number (an action, nudge or sign-off id; a page): an int or a string of
    digits within the database's range, else ValueError with a plain reason."""
    value = data[key]
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_ID:
        raise ValueError(f"{key!r} is not a number the bot gave")
    return value


def _text(data: dict, key: str) -> str:
    """A card's text field: a string or absent, never a list or an object."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{key!r} should be text")
    return value


def message_key(act: dict) -> str:
    """The delivery's id: a redelivered activity has the same one."""
    return f"teams:{act['conversation']['id']}:{act['id']}"


def _strip_mentions(text: str) -> str:
    """Teams puts ``<at>Bot</at>`` in channel messages that mention the bot."""
    return re.sub(r"<at>.*?</at>", "", text).strip()


def _fallback(reply: Reply) -> str:
    if isinstance(reply, UpdateStored):
        return f"Stored for {reply.action.label}"
    if isinstance(reply, UpdatesStored):
        return reply.text[:200]
    if isinstance(reply, Refusal | Problem):
        return reply.text[:200]
    if isinstance(reply, AskAction):
        return reply.question
    if isinstance(reply, AskStatus):
        return f"What is the status of {reply.action.label}?"
    if isinstance(reply, ActionList):
        return f"{reply.title}: {len(reply.actions)} actions"
    if isinstance(reply, HelpText):
        return "What I understand"
    if isinstance(reply, Nudge):
        return f"What you owe: {', '.join(o.action.label for o in reply.items)[:180]}"
    return str(getattr(reply, "text", ""))[:200]


def _json(card: dict) -> str:
    import json

    return json.dumps(card)
