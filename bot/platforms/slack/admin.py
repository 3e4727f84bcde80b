"""Administrator verbs of /actions: `people` (who is not matched to a Slack user),
`map ROLE @user` (hand a role to someone), `digest now`."""

from __future__ import annotations

import re

from bot.core.people import Actor
from bot.core.people_admin import set_person, unmatched
from bot.core.service import PlanService
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.people import SlackPeople

_MAP = re.compile(r"^map\s+(?P<role>.+?)\s+(?:to\s+)?<@(?P<user>[A-Z0-9]+)(?:\|[^>]*)?>\s*$", re.I)
ADMIN_VERBS = ("people", "map", "digest")


def admin_command(
    service: PlanService, people: SlackPeople, actor: Actor, text: str
) -> tuple[str, list[dict]] | None:
    """The answer to an administrator verb, or None if ``text`` is not one."""
    verb = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if verb not in ADMIN_VERBS:
        return None
    if verb == "digest" and text.strip().lower() != "digest now":
        return None
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
        user_id = m.group("user")
        email, name = people.profile(user_id)
        holder = people.actor(user_id)
        person_name = holder.person.name if holder.person else name
        row = set_person(
            service.engine,
            service.clock,
            person_name,
            email=email,
            role=m.group("role").strip(),
            chat_user_id=user_id,
        )
        msg = f"{row.name} now holds {m.group('role').strip()}."
        return msg, [_section(bk.escape(msg))]
    # digest now
    from bot.platforms.slack.notifier import SlackNotifier
    from jobs.digest_job import post_digest_now

    result = post_digest_now(service, SlackNotifier(people.client, service, people))
    return result, [_section(bk.escape(result))]


def _section(text: str) -> dict:
    return {"type": "section", "text": bk.mrkdwn(text)}
