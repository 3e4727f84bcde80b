"""Block Kit rendering of handler replies: nudges with status buttons, action lists, the
update form, App Home, confirmations. Pure functions returning dicts; no Slack calls.

Everything a user typed goes into plain_text objects (or is escaped in mrkdwn), so it can
never ping @channel or inject formatting or links. Every builder stays inside Slack's Block
Kit limits (50 blocks a message, 100 a view, 3,000 characters a section).
"""

from __future__ import annotations

import json
from datetime import date

from bot.core.digest import NO_UPDATE, colour_of
from bot.core.owing import Owed
from bot.core.statuses import COLOUR_HEX, Colour, Status
from bot.core.when_due import when_due
from handlers.replies import (
    ActionList,
    AskAction,
    AskStatus,
    AwayNotice,
    HelpText,
    Notice,
    Nudge,
    Problem,
    Refusal,
    Reply,
    UpdateStored,
)
from storage.queries import ActionView

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
PAGE_SIZE = 10  # actions per page of an /actions answer

_EMOJI = {
    Colour.BLUE: ":large_blue_circle:",
    Colour.GREEN: ":large_green_circle:",
    Colour.AMBER: ":large_orange_circle:",
    Colour.RED: ":red_circle:",
    Colour.GREY: ":white_circle:",
}
QUICK_STATUSES = (Status.ON_TRACK, Status.COMPLETED, Status.DELAYED)


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: &, < and > are the only control characters. With them
    escaped, "<!channel>" and "<https://…|label>" are shown, not acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = SECTION_LIMIT) -> dict:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": False}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}


def status_label(action: ActionView) -> str:
    label = action.status or NO_UPDATE
    if action.signoff_pending:
        label = "Completed – awaiting sign-off"
    return f"{_EMOJI[colour_of(action.status)]} {label}"


def due_label(action: ActionView, today: date) -> str:
    written = escape(cut(action.deadline_text or "no deadline", 80))
    if action.due_date is None:
        return written
    phrase = when_due(action, today)
    if phrase is None:  # done: a completed action is never "overdue"
        return f"{written} ({action.due_date:%-d %b %Y})"
    text, kind = phrase
    when = f"*{text}*" if kind in ("overdue", "today") else text
    return f"{written} ({action.due_date:%-d %b %Y}, {when})"


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    b = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_LIMIT),
        "action_id": action_id[:255],
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style:
        b["style"] = style
    return b


def status_buttons(action: ActionView, *, extra: dict | None = None) -> dict:
    """On track / Completed / Delayed / Update… for one action (block_id names it)."""
    payload = {"a": action.id, **(extra or {})}
    value = json.dumps(payload, separators=(",", ":"))
    elements = [
        button(
            s.value, f"status:{s.name.lower()}", value, "primary" if s is Status.COMPLETED else None
        )
        for s in QUICK_STATUSES
    ]
    elements.append(button("Update…", "open_form", value))
    return {"type": "actions", "block_id": f"act:{action.id}", "elements": elements}


def action_section(action: ActionView, today: date) -> dict:
    owners = ", ".join(o.name for o in action.owners) or "no owner"
    head = (
        f"*{escape(action.label)}* · {due_label(action, today)} · {status_label(action)}\n"
        f"{escape(cut(action.text, 600))}\n_{escape(cut(owners, 200))} · {escape(cut(action.theme, 120))}_"
    )
    return {"type": "section", "block_id": f"sec:{action.id}", "text": mrkdwn(head)}


# -- nudges ---------------------------------------------------------------------------------


def nudge_blocks(
    name: str, items: list[Owed] | tuple[Owed, ...], today: date
) -> tuple[str, list[dict]]:
    """The nudge DM: one section and one row of buttons per action; the text fallback names
    every action so notifications and screen readers say what it is about."""
    count = len(items)
    plural = "s" if count != 1 else ""
    verb = "need" if count != 1 else "needs"
    intro = f"Hello {escape(cut(name, 80))}, {count} action{plural} {verb} an update from you."
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(intro)}]
    # Header + 2 blocks per action + footer must fit in 50.
    room = (MAX_MESSAGE_BLOCKS - 3) // 2
    shown = list(items)[:room]
    for o in shown:
        a = o.action
        section = action_section(a, today)
        section["text"]["text"] = f"{section['text']['text']}\n`{o.reason.value}`"
        blocks.append(section)
        blocks.append(status_buttons(a))
    footer = (
        "Reply in this thread in your own words, e.g. “On track: workshops booked for 12 March”."
    )
    if count > len(shown):
        footer = f"…and {count - len(shown)} more: see `/actions mine`. " + footer
    blocks.append({"type": "context", "elements": [mrkdwn(footer)]})
    refs = ", ".join(o.action.label for o in items)
    text = f"{count} action{'s' if count != 1 else ''} need an update: {cut(refs, 2000)}"
    return text, blocks


def stored_context(action: ActionView, status: str | None, who: str, when: str) -> dict:
    label = "Completed – awaiting sign-off" if action.signoff_pending else (status or "comment")
    return {
        "type": "context",
        "block_id": f"act:{action.id}",
        "elements": [
            mrkdwn(f":white_check_mark: *{escape(label)}* stored by {escape(cut(who, 80))}, {when}")
        ],
    }


def replace_action_row(blocks: list[dict], action_id: int, replacement: dict) -> list[dict]:
    """The nudge message with one action's buttons replaced (edited in place after a click)."""
    out = []
    for b in blocks:
        if b.get("block_id") == f"act:{action_id}":
            out.append(replacement)
        else:
            out.append(b)
    return out


# -- replies --------------------------------------------------------------------------------


def reply_blocks(
    reply: Reply, *, today: date | None = None, page: int = 0, query: str = ""
) -> tuple[str, list[dict]]:
    """Text fallback and blocks for any handler reply."""
    match reply:
        case UpdateStored():
            return stored_blocks(reply)
        case AskStatus():
            a = reply.action
            extra = {"c": cut(reply.commentary, 1500)} if reply.commentary else {}
            if reply.revised_text:
                extra["r"] = cut(reply.revised_text, 200)
            text = f"What is the status of {a.label}?"
            return text, [
                {
                    "type": "section",
                    "text": mrkdwn(
                        f"What is the status of *{escape(a.label)}* — {escape(cut(a.text, 200))}? "
                        "Your comment will be kept."
                    ),
                },
                status_buttons(a, extra=extra),
            ]
        case AskAction():
            if not reply.candidates:
                text = "Which action is that about? Start your message with its reference, e.g. `L4 on track: workshops booked`."
                return text, [{"type": "section", "text": mrkdwn(text)}]
            blocks = [{"type": "section", "text": mrkdwn("Which action is that about?")}]
            note = {"t": cut(reply.text, 1500)}
            for a in reply.candidates[: (MAX_MESSAGE_BLOCKS - 1)]:
                blocks.append(
                    {
                        "type": "section",
                        "block_id": f"pick:{a.id}",
                        "text": mrkdwn(f"*{escape(a.label)}* {escape(cut(a.text, 150))}"),
                        "accessory": button(
                            "This one",
                            "pick_action",
                            json.dumps({"a": a.id, **note}, separators=(",", ":")),
                        ),
                    }
                )
            return "Which action is that about?", blocks
        case Refusal() | Problem() | Notice() | AwayNotice():
            return reply.text, [{"type": "section", "text": mrkdwn(escape(reply.text))}]
        case HelpText():
            return reply.text, [{"type": "section", "text": mrkdwn(f"```{escape(reply.text)}```")}]
        case ActionList():
            return action_list_blocks(reply, page=page, query=query)
        case Nudge():
            return nudge_blocks(reply.person.name, reply.items, reply.today)
    raise TypeError(f"no Block Kit rendering for {type(reply).__name__}")


def stored_blocks(reply: UpdateStored) -> tuple[str, list[dict]]:
    a, u = reply.action, reply.update
    head = "Already stored" if not reply.created else "Stored"
    status = (
        "Completed – awaiting sign-off"
        if a.signoff_pending
        else (u.status or a.status or "comment")
    )
    lines = [f":white_check_mark: {head} for *{escape(a.label)}*: *{escape(status)}*"]
    if u.revised_due:
        lines.append(
            f"Deadline now {u.revised_due:%-d %b %Y} ({escape(cut(u.revised_deadline_text or '', 80))})"
        )
    blocks = [{"type": "section", "text": mrkdwn("\n".join(lines))}]
    if u.commentary:
        blocks.append({"type": "section", "text": plain(u.commentary, 2900)})
    blocks.append(
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"by {escape(cut(u.author_name or 'unknown', 80))}, {reply.local_time()}"
                )
            ],
        }
    )
    return f"{head} for {a.label}: {status}", blocks


def action_list_blocks(
    reply: ActionList, *, page: int = 0, query: str = ""
) -> tuple[str, list[dict]]:
    total = len(reply.actions)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = reply.actions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = f"{reply.title}: {total} action{'s' if total != 1 else ''}"
    if pages > 1:
        title += f" (page {page + 1} of {pages})"
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(f"*{escape(cut(title, 300))}*")}]
    for a in chunk:
        section = action_section(a, reply.today)
        if a.id in reply.updatable_ids:
            section["accessory"] = button("Update…", "open_form", json.dumps({"a": a.id}))
        blocks.append(section)
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                button("‹ Previous", "page_prev", json.dumps({"q": query[:1500], "p": page - 1}))
            )
        if page < pages - 1:
            nav.append(
                button("Next ›", "page_next", json.dumps({"q": query[:1500], "p": page + 1}))
            )
        blocks.append({"type": "actions", "block_id": "pages", "elements": nav})
    if not chunk:
        blocks.append({"type": "context", "elements": [mrkdwn("No actions match.")]})
    return title, blocks


# -- the update form ------------------------------------------------------------------------


def update_modal(
    action: ActionView, *, private_metadata: str, initial_status: str | None = None
) -> dict:
    options = [{"text": plain(s.value, 75), "value": s.value} for s in Status]
    status_select = {
        "type": "static_select",
        "action_id": "status",
        "options": options,
        "placeholder": plain("Choose a status", 150),
    }
    current = initial_status or action.status
    if current in {s.value for s in Status}:
        status_select["initial_option"] = {"text": plain(current, 75), "value": current}
    return {
        "type": "modal",
        "callback_id": "update_form",
        "private_metadata": private_metadata[:3000],
        "title": plain(f"Update {action.label}", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(f"*{escape(action.label)}* {escape(cut(action.text, 500))}"),
            },
            {
                "type": "input",
                "block_id": "status",
                "label": plain("Status", 2000),
                "element": status_select,
            },
            {
                "type": "input",
                "block_id": "commentary",
                "optional": True,
                "label": plain("What has happened?", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "commentary",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            {
                "type": "input",
                "block_id": "revised_text",
                "optional": True,
                "label": plain("New deadline, in words (if it has moved)", 2000),
                "hint": plain("e.g. end of June 2021, 30/06/2021, Q3 2021/22", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "revised_text",
                    "max_length": 200,
                },
            },
            {
                "type": "input",
                "block_id": "revised_date",
                "optional": True,
                "label": plain("…or pick the new date", 2000),
                "element": {"type": "datepicker", "action_id": "revised_date"},
            },
        ],
    }


def signoff_blocks(
    action: ActionView, owner_name: str, commentary: str, signoff_id: int
) -> tuple[str, list[dict]]:
    value = json.dumps({"s": signoff_id, "a": action.id})
    text = f"{owner_name} marked {action.label} Completed: please confirm or return it"
    return text, [
        {
            "type": "section",
            "text": mrkdwn(
                f"*{escape(cut(owner_name, 80))}* marked *{escape(action.label)}* Completed and it needs your sign-off:\n"
                f"{escape(cut(action.text, 500))}"
            ),
        },
        {"type": "section", "text": plain(commentary or "(no comment)", 2900)},
        {
            "type": "actions",
            "block_id": f"signoff:{signoff_id}",
            "elements": [
                button("Confirm", "signoff_confirm", value, "primary"),
                button("Return…", "signoff_return", value, "danger"),
            ],
        },
    ]


def colour_hex(status: str | None) -> str:
    return COLOUR_HEX[colour_of(status)]
