"""Administrator verbs of /actions: `people` (who is not matched to a Slack user),
`map ROLE @user` (hand a role to someone; an identity move asks for confirmation first),
`assign REF… @user|ROLE` (give actions an owner: handlers/assign.py), `digest now`."""

from __future__ import annotations

import json
import re

from slack_bolt import App

from bot.core.identity import ChatUser, IdentityConflict, describe, map_chat_user
from bot.core.people import Actor
from bot.core.people_admin import unmatched
from bot.core.service import PlanService
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.ack import AfterAck
from bot.platforms.slack.people import SlackPeople

_MAP = re.compile(r"^map\s+(?P<role>.+?)\s+(?:to\s+)?<@(?P<user>[A-Z0-9]+)(?:\|[^>]*)?>\s*$", re.I)
ADMIN_VERBS = ("people", "map", "digest", "assign")
_MENTION = re.compile(r"<@(?P<user>[A-Z0-9]+)(?:\|[^>]*)?>")


def admin_command(
    service: PlanService, people: SlackPeople, actor: Actor, text: str
) -> tuple[str, list[dict]] | None:
    """The answer to an administrator verb, or None if ``text`` is not one."""
    verb = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if verb not in ADMIN_VERBS:
        return None
    if verb == "digest" and text.strip().lower() != "digest now":
        return None
    if verb == "assign":
        msg = assign_in_slack(service, people, actor, text)
        return msg, [_section(bk.escape(msg))]
    if not actor.is_admin:
        msg = f"Sorry {actor.display_name}, `{verb}` is for administrators of the plan."
        return msg, [_section(bk.escape(msg))]
    if verb == "people":
        rows = unmatched(service.engine)
        if not rows:
            msg = "Everyone is matched to a Slack user and every role has a holder."
            return msg, [_section(msg)]
        lines = [
            f"*{len(rows)} not matched yet* (`progressbot people sync` matches by email; fix "
            "an email with `progressbot people set`, or `/actions map ROLE @user`):"
        ]
        for r in rows[:40]:
            what = (
                "role with no holder"
                if r.kind == "role"
                else r.unreachable.get("slack") or f"no Slack user for {r.email or 'no email'}"
            )
            lines.append(f"• {bk.escape(r.name)} — {bk.escape(what)} ({r.actions} actions)")
        if len(rows) > 40:
            lines.append(f"…and {len(rows) - 40} more")
        text_out = "\n".join(lines)
        return f"{len(rows)} not matched yet", [_section(text_out[:2900])]
    if verb == "map":
        m = _MAP.match(text.strip())
        if not m:
            msg = "Use `/actions map ROLE @user`, e.g. `/actions map Director of Corporate Affairs @jane`."
            return msg, [_section(msg)]
        return map_role(service, people, actor, m.group("role").strip(), m.group("user"))
    # digest now
    from bot.platforms.slack.notifier import SlackNotifier
    from jobs.digest_job import post_digest_now

    result = post_digest_now(service, SlackNotifier(people.client, service, people))
    return result, [_section(bk.escape(result))]


def assign_in_slack(service: PlanService, people: SlackPeople, actor: Actor, text: str) -> str:
    """`/actions assign REF… @user` (or a role's name): the mention is the person behind
    that Slack user id (by id, or the email Slack verified), never the name shown."""
    from handlers.assign import Mentioned, handle_assign

    found = _MENTION.findall(text)
    mentioned = None
    if len(found) > 1:
        return "Name one owner at a time: `/actions assign REF… @person`. Nothing was assigned."
    if found and actor.is_admin:
        person = people.actor(found[0]).person
        mentioned = Mentioned(person.id if person else None, f"@{people.profile(found[0])[1]}")
    elif found:
        mentioned = Mentioned(None, "that user")
    rest = _MENTION.sub(" ", text)
    return handle_assign(service, actor, rest, mentioned=mentioned, by=audit_name(actor))


def audit_name(actor: Actor, user_id: str | None = None) -> str:
    """How the audit trail names someone acting in Slack."""
    uid = user_id or (actor.person.chat_user_id if actor.person else None)
    return f"{actor.display_name} (slack {uid or 'unknown user'})"


def map_role(
    service: PlanService,
    people: SlackPeople,
    actor: Actor,
    role: str,
    user_id: str,
    *,
    confirmed_person_id: int | None = None,
) -> tuple[str, list[dict]]:
    """Hand ``role`` to the person behind Slack user ``user_id``. They are found by user id
    or Slack's verified email only; a mapping that would change an existing person's email or
    Slack user is shown with a Confirm button and done only when an administrator presses it."""
    email, name = people.profile(user_id)
    user = ChatUser(user_id, email, name)
    try:
        result = map_chat_user(
            service.engine,
            service.clock,
            user,
            role,
            by=audit_name(actor),
            confirmed_person_id=confirmed_person_id,
        )
    except (IdentityConflict, ValueError) as exc:
        msg = f"Nothing was changed: {exc}"
        return msg, [_section(bk.escape(msg))]
    mp = result.mapping
    if result.done:
        msg = f"{mp.person_name} now holds {role}."
        if mp.changes:
            msg += f" Changed: {describe(mp)}."
        return msg, [_section(bk.escape(msg))]
    why = (
        f"has {mp.person_name}'s verified email, but {mp.person_name} is already another Slack user"
        if mp.how == "verified email"
        else f"is matched to nobody by Slack user or verified email, only by the name {name!r}"
    )
    msg = (
        f"Confirm: <@{user_id}> {why}; mapping them would change who {mp.person_name} is "
        f"({describe(mp)}). Anyone can set their Slack name to a colleague's: confirm only if "
        f"you know this is {mp.person_name}. Nothing has been changed yet."
    )
    value = json.dumps({"r": role, "u": user_id, "p": mp.person_id}, ensure_ascii=False)
    return msg, [
        _section(bk.escape(msg).replace(f"&lt;@{user_id}&gt;", f"<@{user_id}>")),
        {
            "type": "actions",
            "block_id": "map_confirm",
            "elements": [
                bk.button(f"Confirm: {role} to {mp.person_name}", "map_confirm", value, "danger"),
                bk.button("Cancel", "map_cancel", "{}"),
            ],
        },
    ]


def register_admin(
    app: App, service: PlanService, people: SlackPeople, after_ack: AfterAck
) -> None:
    """The Confirm / Cancel buttons of a `map` that would move an identity."""

    @app.action("map_confirm")
    def on_confirm(ack, body):
        after_ack(ack, "slack.map_confirm", body)

    def confirm_map(body, client, respond):
        user_id = body["user"]["id"]
        actor = people.actor(user_id)
        if not actor.is_admin:
            msg = f"Sorry {actor.display_name}, only an administrator can confirm this. Nothing was changed."
            respond(replace_original=False, response_type="ephemeral", text=msg)
            return
        value = json.loads(body["actions"][0]["value"])
        msg, blocks = map_role(
            service,
            people,
            actor,
            value["r"],
            value["u"],
            confirmed_person_id=value.get("p"),
        )
        respond(replace_original=True, text=msg, blocks=blocks)

    @app.action("map_cancel")
    def on_cancel(ack, body):
        after_ack(ack, "slack.map_cancel", body)

    def cancel(body, client, respond):
        msg = "Cancelled: nothing was changed."
        respond(replace_original=True, text=msg, blocks=[_section(msg)])

    after_ack.work("slack.map_confirm", confirm_map)
    after_ack.work("slack.map_cancel", cancel)


def _section(text: str) -> dict:
    return {"type": "section", "text": bk.mrkdwn(text)}
