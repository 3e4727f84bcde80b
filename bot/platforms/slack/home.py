"""The App Home tab: my actions with update buttons, what I updated recently, and plan
totals for administrators."""

from __future__ import annotations

import json
from collections import Counter

from slack_sdk import WebClient

from bot.core.digest import NO_UPDATE, STATUS_ORDER
from bot.core.owing import is_open
from bot.core.people import covers, may_read, owns, read_refusal
from bot.core.service import PlanService
from bot.platforms.slack import blocks as bk
from bot.platforms.slack.people import SlackPeople
from storage.engine import read_session
from storage.queries import NotFound, recent_updates_by

MAX_ACTIONS = 30  # 3 blocks each would pass 100: keep to 2 per action plus headers


def home_view(service: PlanService, people: SlackPeople, user_id: str) -> dict:
    actor = people.actor(user_id)
    blocks: list[dict] = [{"type": "header", "text": bk.plain("Your actions", 150)}]
    try:
        snap = service.snapshot(actor)
    except NotFound as exc:
        blocks.append({"type": "section", "text": bk.mrkdwn(bk.escape(str(exc)))})
        return {"type": "home", "blocks": blocks}
    if not may_read(actor, snap.plan.readers):
        blocks.append({"type": "section", "text": bk.mrkdwn(bk.escape(read_refusal(actor)))})
        return {"type": "home", "blocks": blocks}
    today = service.today(snap)
    mine = [a for a in snap.actions if (owns(actor, a) or covers(actor, a)) and is_open(a)]
    mine.sort(key=lambda a: (a.due_date is None, a.due_date, a.position))
    if actor.person is None:
        blocks.append(
            {
                "type": "section",
                "text": bk.mrkdwn(
                    "I can't match you to an owner in the plan yet: ask the programme office to add your email."
                ),
            }
        )
    elif not mine:
        blocks.append({"type": "section", "text": bk.mrkdwn("You have no open actions. :tada:")})
    for a in mine[:MAX_ACTIONS]:
        section = bk.action_section(a, today)
        section["accessory"] = bk.button("Update…", "open_form", json.dumps({"a": a.id}))
        blocks.append(section)
    if len(mine) > MAX_ACTIONS:
        blocks.append(
            {
                "type": "context",
                "elements": [bk.mrkdwn(f"…and {len(mine) - MAX_ACTIONS} more: `/actions mine`")],
            }
        )
    if actor.person is not None:
        with read_session(service.engine) as s:
            recent = recent_updates_by(s, actor.person.id, limit=5)
        if recent:
            blocks.append({"type": "header", "text": bk.plain("You updated recently", 150)})
            labels = {a.id: a.label for a in snap.actions}
            lines = [
                f"• *{bk.escape(labels.get(u.action_id, '#' + str(u.action_id)))}* "
                f"{bk.escape(u.status or 'comment')} — {u.created_at:%-d %b %Y}"
                for u in recent
            ]
            blocks.append({"type": "section", "text": bk.mrkdwn("\n".join(lines))})
    if actor.is_admin:
        counts = Counter(a.status or NO_UPDATE for a in snap.actions)
        overdue = sum(1 for a in snap.actions if is_open(a) and a.due_date and a.due_date < today)
        parts = [f"{counts[s]} {s}" for s in STATUS_ORDER if counts.get(s)]
        blocks.append({"type": "header", "text": bk.plain(f"Plan: {snap.plan.name}", 150)})
        blocks.append(
            {
                "type": "section",
                "text": bk.mrkdwn(
                    f"{len(snap.actions)} actions · {overdue} overdue\n" + " · ".join(parts)
                ),
            }
        )
    return {"type": "home", "blocks": blocks[: bk.MAX_VIEW_BLOCKS]}


def publish_home(
    service: PlanService, people: SlackPeople, client: WebClient, user_id: str
) -> None:
    client.views_publish(user_id=user_id, view=home_view(service, people, user_id))
