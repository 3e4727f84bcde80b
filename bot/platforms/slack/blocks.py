"""Block Kit rendering of handler replies: nudges with status buttons, action lists, the
update form, App Home, confirmations. Pure functions returning dicts; no Slack calls.

Everything a user typed goes into plain_text objects (or is escaped in mrkdwn), so it can
never ping @channel or inject formatting or links — in the blocks and in the top-level
fallback `text` too, which drives notifications (`fallback`). Text is cut AFTER escaping
(`esc`, `fit`), never inside an `&amp;`, so a section of `&`s or `<`s still fits Slack's
3,000 characters. Every builder stays inside Slack's Block Kit limits (50 blocks a message,
100 a view, 3,000 characters a section).
"""

from __future__ import annotations

import json
from datetime import date

from bot.core.digest import NO_UPDATE, NOT_STATED, colour_of
from bot.core.owing import Owed
from bot.core.replies import group_by_plan
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
    ReassignRequested,
    Refusal,
    Reply,
    UpdatesStored,
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


def fit(text: str, limit: int) -> str:
    """Already-escaped text cut to ``limit`` characters, never inside an entity."""
    if len(text) <= limit:
        return text
    end = limit - 1
    amp = text.rfind("&", max(0, end - 4), end)
    if amp != -1 and ";" not in text[amp:end]:
        end = amp  # "…&am" would show as broken text: cut before the entity
    return text[:end].rstrip() + "…"


def esc(text: str, limit: int) -> str:
    """What a person or a plan wrote, on one line, escaped for mrkdwn, then cut to fit."""
    return fit(escape(" ".join(text.split())), limit)


def fallback(text: str, limit: int = SECTION_LIMIT) -> str:
    """A message's top-level ``text`` (notifications, screen readers): escaped like the
    blocks, so a plan or a reply holding "<!channel>" or a masked link cannot act."""
    return esc(text, limit) or " "


def plain(text: str, limit: int = SECTION_LIMIT) -> dict:
    # Cut so the text fits even counted as Slack escapes it (& → &amp;).
    shown = cut(text, limit)
    while len(escape(shown)) > limit:
        shown = cut(text, max(2, len(shown) * limit // len(escape(shown))))
    return {"type": "plain_text", "text": shown or " ", "emoji": False}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": fit(text, SECTION_LIMIT) or " "}


def status_label(action: ActionView) -> str:
    label = action.status or (NOT_STATED if action.status_at else NO_UPDATE)
    if action.signoff_pending:
        label = "Completed – awaiting sign-off"
    return f"{_EMOJI[colour_of(action.status)]} {label}"


def due_label(action: ActionView, today: date) -> str:
    written = esc(action.deadline_text or "no deadline", 80)
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


def button_value(fixed: dict, text_fields: dict | None = None) -> str:
    """A button's JSON value within Slack's 2,000 characters: ``fixed`` whole, the text
    fields shortened until it fits — never cut mid-way into invalid JSON (non-ASCII text
    is written as itself, not as 6-character escapes). Text that must not be shortened
    (a person's comment) goes server-side instead (storage/pending.py); its id rides here."""
    fields = {k: v for k, v in (text_fields or {}).items() if v is not None}
    while True:
        value = json.dumps({**fixed, **fields}, separators=(",", ":"), ensure_ascii=False)
        if len(value) <= BUTTON_VALUE_LIMIT or not fields:
            return value
        key = max(fields, key=lambda k: len(fields[k]))
        over = len(value) - BUTTON_VALUE_LIMIT
        fields[key] = fields[key][: max(0, len(fields[key]) - over - 1)]


def status_buttons(
    action: ActionView, *, extra: dict | None = None, statuses: tuple[Status, ...] = QUICK_STATUSES
) -> dict:
    """On track / Completed / Delayed / Update… for one action (block_id names it); the
    readings a reply was torn between when ``statuses`` names them."""
    fixed = {k: v for k, v in (extra or {}).items() if not isinstance(v, str)}
    texts = {k: v for k, v in (extra or {}).items() if isinstance(v, str)}
    value = button_value({"a": action.id, **fixed}, texts)
    elements = [
        button(
            s.value, f"status:{s.name.lower()}", value, "primary" if s is Status.COMPLETED else None
        )
        for s in statuses
    ]
    elements.append(button("Update…", "open_form", value))
    return {"type": "actions", "block_id": f"act:{action.id}", "elements": elements}


def action_section(action: ActionView, today: date, tail: str = "") -> dict:
    """One action in mrkdwn; each part escaped then cut, so the whole fits a section."""
    owners = ", ".join(o.name for o in action.owners) or "no owner"
    head = (
        f"*{esc(action.label, 100)}* · {due_label(action, today)} · {status_label(action)}\n"
        f"{esc(action.text, 2000)}\n_{esc(owners, 200)} · {esc(action.theme, 120)}_{tail}"
    )
    return {"type": "section", "block_id": f"sec:{action.id}", "text": mrkdwn(head)}


# -- nudges ---------------------------------------------------------------------------------


def nudge_blocks(
    name: str,
    items: list[Owed] | tuple[Owed, ...],
    today: date,
    plans: tuple[tuple[int, str], ...] = (),
) -> tuple[str, list[dict]]:
    """The nudge DM: one section and one row of buttons per action; the text fallback names
    every action so notifications and screen readers say what it is about. With several
    plans served (``plans``), the actions sit under a heading per plan."""
    count = len(items)
    plural = "s" if count != 1 else ""
    verb = "need" if count != 1 else "needs"
    intro = f"Hello {esc(name, 80)}, {count} action{plural} {verb} an update from you."
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(intro)}]
    groups = group_by_plan(items, plans)
    # Header + a heading per plan + 2 blocks per action + footer must fit in 50.
    room = (MAX_MESSAGE_BLOCKS - 2 - len(groups) - 1) // 2
    shown = 0
    for plan_name, group in groups:
        if shown >= room:
            break
        if plan_name is not None:
            blocks.append({"type": "header", "text": plain(plan_name, 150)})
        for o in group[: room - shown]:
            a = o.action
            blocks.append(action_section(a, today, tail=f"\n`{o.reason.value}`"))
            blocks.append(status_buttons(a))
            shown += 1
    footer = (
        "Reply in this thread in your own words, e.g. “On track: workshops booked for 12 March”."
    )
    if count > shown:
        footer = f"…and {count - shown} more: see `/actions mine`. " + footer
    blocks.append({"type": "context", "elements": [mrkdwn(footer)]})
    if plans:
        refs = "; ".join(f"{n}: " + ", ".join(o.action.label for o in g) for n, g in groups)
    else:
        refs = ", ".join(o.action.label for o in items)
    text = f"{count} action{'s' if count != 1 else ''} need an update: {cut(refs, 2000)}"
    return fallback(text), blocks


def stored_context(action: ActionView, status: str | None, who: str, when: str) -> dict:
    label = "Completed – awaiting sign-off" if action.signoff_pending else (status or "comment")
    return {
        "type": "context",
        "block_id": f"act:{action.id}",
        "elements": [
            mrkdwn(f":white_check_mark: *{esc(label, 100)}* stored by {esc(who, 80)}, {when}")
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
    reply: Reply,
    *,
    today: date | None = None,
    page: int = 0,
    query: str = "",
    pending_id: int | None = None,
) -> tuple[str, list[dict]]:
    """Text fallback (escaped like the blocks) and blocks for any handler reply.
    ``pending_id`` names the reply's text kept server-side (storage/pending.py): an
    AskStatus / AskAction button then carries the id, not the text."""
    text, blocks = _reply_blocks(reply, page=page, query=query, pending_id=pending_id)
    return fallback(text), blocks


def _reply_blocks(
    reply: Reply, *, page: int, query: str, pending_id: int | None
) -> tuple[str, list[dict]]:
    match reply:
        case UpdateStored():
            return stored_blocks(reply)
        case UpdatesStored():
            ask: list[dict] = []
            if reply.asking is not None:
                ask = _reply_blocks(reply.asking, page=0, query="", pending_id=pending_id)[1]
            room = MAX_MESSAGE_BLOCKS - 2 - len(reply.refused[:1]) - len(ask)
            blocks = []
            for one in reply.stored:
                more = stored_blocks(one, undo=False)[1]
                if len(blocks) + len(more) > room:
                    break
                blocks.extend(more)
            for refused in reply.refused[:1]:
                blocks.append({"type": "section", "text": mrkdwn(escape(cut(refused.text, 2900)))})
            if reply.stored:
                blocks.append(undo_block())
            blocks.extend(ask)
            return cut(reply.text, 3000), blocks[:MAX_MESSAGE_BLOCKS]
        case ReassignRequested():
            return reply.message, [{"type": "section", "text": mrkdwn(escape(reply.message))}]
        case AskStatus():
            a = reply.action
            if pending_id is not None:
                extra: dict = {"p": pending_id}
            else:
                extra = {"c": reply.commentary} if reply.commentary else {}
                if reply.revised_text:
                    extra["r"] = cut(reply.revised_text, 200)
            text = reply.question
            later = (
                f" Then I'll ask about {esc(', '.join(reply.later_labels), 300)}."
                if reply.later_labels
                else ""
            )
            if reply.options:
                ask = (
                    f"I read your words about *{esc(a.label, 100)}* — {esc(a.text, 400)} — "
                    f"two ways. Which did you mean? Nothing is stored until you choose.{later}"
                )
                options = tuple(Status.from_label(o) for o in reply.options)
                buttons = status_buttons(a, extra=extra, statuses=options)
            else:
                ask = (
                    f"What is the status of *{esc(a.label, 100)}* — {esc(a.text, 600)}? "
                    f"Your comment will be kept.{later}"
                )
                buttons = status_buttons(a, extra=extra)
            return text, [{"type": "section", "text": mrkdwn(ask)}, buttons]
        case AskAction():
            if not reply.candidates:
                text = "Which action is that about? Start your message with its reference, e.g. `L4 on track: workshops booked`."
                return text, [{"type": "section", "text": mrkdwn(text)}]
            blocks = [{"type": "section", "text": mrkdwn(esc(reply.question, 300))}]
            note = {"p": pending_id} if pending_id is not None else {"t": reply.text}
            # A reference in several plans: each choice is a plan, its button named so.
            plans = reply.plan_names or ("",) * len(reply.candidates)
            for a, plan in list(zip(reply.candidates, plans, strict=False))[
                : (MAX_MESSAGE_BLOCKS - 1)
            ]:
                fixed = {"a": a.id, **{k: v for k, v in note.items() if k == "p"}}
                head = f"*{esc(plan, 100)}* · " if plan else ""
                blocks.append(
                    {
                        "type": "section",
                        "block_id": f"pick:{a.id}",
                        "text": mrkdwn(f"{head}*{esc(a.label, 100)}* {esc(a.text, 150)}"),
                        "accessory": button(
                            cut(plan, 75) if plan else "This one",
                            "pick_action",
                            button_value(fixed, {k: v for k, v in note.items() if k == "t"}),
                        ),
                    }
                )
            return reply.question, blocks
        case Refusal() | Problem() | Notice() | AwayNotice():
            return reply.text, [{"type": "section", "text": mrkdwn(escape(reply.text))}]
        case HelpText():
            return reply.text, [{"type": "section", "text": mrkdwn(f"```{escape(reply.text)}```")}]
        case ActionList():
            return action_list_blocks(reply, page=page, query=query)
        case Nudge():
            return nudge_blocks(reply.person.name, reply.items, reply.today, reply.plans)
    raise TypeError(f"no Block Kit rendering for {type(reply).__name__}")


def undo_block() -> dict:
    """The Undo button under a stored update (takes back the clicker's last update)."""
    return {
        "type": "actions",
        "block_id": "undo",
        "elements": [button("Undo", "undo_update", "{}")],
    }


def stored_blocks(reply: UpdateStored, *, undo: bool = True) -> tuple[str, list[dict]]:
    a, u = reply.action, reply.update
    head = "Already stored" if not reply.created else "Stored"
    status = (
        "Completed – awaiting sign-off"
        if a.signoff_pending
        else (u.status or a.status or "comment")
    )
    lines = [f":white_check_mark: {head} for *{esc(a.label, 100)}*: *{esc(status, 100)}*"]
    if u.revised_due:
        lines.append(
            f"Deadline now {u.revised_due:%-d %b %Y} ({esc(u.revised_deadline_text or '', 80)})"
        )
    blocks = [{"type": "section", "text": mrkdwn("\n".join(lines))}]
    if u.commentary:
        blocks.append({"type": "section", "text": plain(u.commentary, 2900)})
    blocks.append(
        {
            "type": "context",
            "elements": [mrkdwn(f"by {esc(u.author_name or 'unknown', 80)}, {reply.local_time()}")],
        }
    )
    if undo and reply.created:
        blocks.append(undo_block())
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
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(f"*{esc(title, 300)}*")}]
    for a in chunk:
        section = action_section(a, reply.today)
        if a.id in reply.updatable_ids:
            section["accessory"] = button("Update…", "open_form", json.dumps({"a": a.id}))
        blocks.append(section)
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                button("‹ Previous", "page_prev", button_value({"p": page - 1}, {"q": query}))
            )
        if page < pages - 1:
            nav.append(button("Next ›", "page_next", button_value({"p": page + 1}, {"q": query})))
        blocks.append({"type": "actions", "block_id": "pages", "elements": nav})
    if not chunk:
        blocks.append({"type": "context", "elements": [mrkdwn("No actions match.")]})
    if reply.detail is not None:  # one action by its reference: its last update, deadlines
        blocks.append({"type": "section", "text": plain("\n".join(reply.detail.lines()), 2900)})
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
                "text": mrkdwn(f"*{esc(action.label, 100)}* {esc(action.text, 2000)}"),
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
    return fallback(text), [
        {
            "type": "section",
            "text": mrkdwn(
                f"*{esc(owner_name, 80)}* marked *{esc(action.label, 100)}* Completed and it needs your sign-off:\n"
                f"{esc(action.text, 2000)}"
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
