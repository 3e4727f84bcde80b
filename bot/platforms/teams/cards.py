"""Adaptive Card rendering of handler replies, nudges, sign-off requests, escalations and
digests for Teams: the Teams counterpart of bot/platforms/slack/blocks.py. Pure functions
returning card dicts; no Teams calls.

Everything a person typed (commentary, action text, names) goes into RichTextBlock text runs,
which Teams never reads as markdown, so it cannot become a link or formatting. Buttons are
``Action.Execute`` (the reply can replace the card in place); the same data also works when
a client sends it as ``Action.Submit``. Every message is kept under ``MESSAGE_BUDGET`` bytes
counted as Teams counts them (UTF-16), and longer ones are split (``split_cards``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

from bot.core.digest import NO_UPDATE, STATUS_ORDER, Digest, ThemeDigest, colour_of
from bot.core.owing import Owed
from bot.core.replies import group_by_plan
from bot.core.statuses import Colour, Status
from handlers.replies import (
    ActionList,
    AskAction,
    AskStatus,
    AwayNotice,
    EscalationNotice,
    HelpText,
    Notice,
    Nudge,
    Problem,
    Refusal,
    Reply,
    UpdatesStored,
    UpdateStored,
)
from storage.queries import ActionView

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses messages over ~100 KB as UTF-16 and advises under 80 KB; our envelope
# (ids, from, conversation) and JSON escaping take a little more than the card itself.
MESSAGE_BUDGET = 64 * 1024
PAGE_SIZE = 10
QUICK_STATUSES = (Status.ON_TRACK, Status.COMPLETED, Status.DELAYED)
_COLOUR = {  # TextBlock colours closest to BRAG
    Colour.BLUE: "Accent",
    Colour.GREEN: "Good",
    Colour.AMBER: "Warning",
    Colour.RED: "Attention",
    Colour.GREY: "Default",
}
_DOT = {
    Colour.BLUE: "🔵",
    Colour.GREEN: "🟢",
    Colour.AMBER: "🟠",
    Colour.RED: "🔴",
    Colour.GREY: "⚪",
}


# -- building blocks --------------------------------------------------------------------------


def cut(text: str, limit: int) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def plain(
    text: str,
    *,
    limit: int = 2000,
    weight: str | None = None,
    subtle: bool = False,
    size: str | None = None,
    keep_lines: bool = False,
) -> dict:
    """Text shown exactly as written: a TextRun is never parsed as markdown."""
    body = text if keep_lines else cut(text, limit)
    if keep_lines and len(body) > limit:
        body = body[: limit - 1] + "…"
    run: dict = {"type": "TextRun", "text": body or " "}
    if weight:
        run["weight"] = weight
    if subtle:
        run["isSubtle"] = True
    if size:
        run["size"] = size
    return {"type": "RichTextBlock", "inlines": [run]}


def runs(*parts: tuple[str, dict] | str) -> dict:
    """One line of several text runs, e.g. a bold label then plain text."""
    inlines = []
    for p in parts:
        text, style = (p, {}) if isinstance(p, str) else p
        if text:
            inlines.append({"type": "TextRun", "text": text, **style})
    return {"type": "RichTextBlock", "inlines": inlines or [{"type": "TextRun", "text": " "}]}


BOLD = {"weight": "Bolder"}
SUBTLE = {"isSubtle": True}


def card(body: list[dict], actions: list[dict] | None = None) -> dict:
    c = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "msteams": {"width": "Full"},
        "body": body or [plain(" ")],
    }
    if actions:
        c["actions"] = actions
    return c


def execute(title: str, data: dict, *, style: str | None = None) -> dict:
    a = {
        "type": "Action.Execute",
        "title": cut(title, 60),
        "verb": data["k"],
        "data": data,
    }
    if style:
        a["style"] = style
    return a


def status_text(action: ActionView) -> tuple[str, dict]:
    label = action.status or NO_UPDATE
    if action.signoff_pending:
        label = "Completed – awaiting sign-off"
    colour = colour_of(action.status)
    return f"{_DOT[colour]} {label}", {"color": _COLOUR[colour], "weight": "Bolder"}


def due_text(action: ActionView, today: date) -> str:
    written = cut(action.deadline_text or "no deadline", 80)
    if action.due_date is None:
        return written
    days = (action.due_date - today).days
    when = (
        f"{-days} days overdue" if days < 0 else "due today" if days == 0 else f"{days} days left"
    )
    return f"{written} ({action.due_date:%-d %b %Y}, {when})"


def action_summary(action: ActionView, today: date, note: str = "") -> list[dict]:
    owners = ", ".join(o.name for o in action.owners) or "no owner"
    items = [
        runs((action.label, BOLD), f" · {due_text(action, today)} · ", status_text(action)),
        plain(cut(action.text, 600)),
        plain(
            f"{cut(owners, 200)} · {cut(action.theme, 120)}" + (f" · {note}" if note else ""),
            subtle=True,
        ),
    ]
    return items


def update_form(action: ActionView, extra: dict) -> dict:
    """The "Update…" form, opened in place under the action: status, commentary, and the
    new deadline as a date or in words."""
    a = action.id
    current = action.status if action.status in {s.value for s in Status} else None
    choice = {
        "type": "Input.ChoiceSet",
        "id": f"status_{a}",
        "label": "Status",
        "isRequired": True,
        "errorMessage": "Choose a status.",
        "choices": [{"title": s.value, "value": s.value} for s in Status],
    }
    if current:
        choice["value"] = current
    return {
        "type": "Action.ShowCard",
        "title": "Update…",
        "card": {
            "type": "AdaptiveCard",
            "body": [
                choice,
                {
                    "type": "Input.Text",
                    "id": f"commentary_{a}",
                    "label": "What has happened?",
                    "isMultiline": True,
                    "maxLength": 3000,
                },
                {
                    "type": "Input.Date",
                    "id": f"revised_date_{a}",
                    "label": "New deadline (if it has moved)",
                },
                {
                    "type": "Input.Text",
                    "id": f"revised_text_{a}",
                    "label": "…or the new deadline in words",
                    "placeholder": "e.g. end of June 2021, Q3 2021/22",
                    "maxLength": 200,
                },
            ],
            "actions": [execute("Save", {"k": "form", "a": a, **extra}, style="positive")],
        },
    }


def status_buttons(
    action: ActionView,
    extra: dict | None = None,
    *,
    form: bool = True,
    statuses: tuple[Status, ...] = QUICK_STATUSES,
) -> dict:
    extra = extra or {}
    actions = [
        execute(
            s.value,
            {"k": "status", "a": action.id, "s": s.value, **extra},
            style="positive" if s is Status.COMPLETED else None,
        )
        for s in statuses
    ]
    if form:
        actions.append(update_form(action, extra))
    return {"type": "ActionSet", "id": f"act_{action.id}", "actions": actions}


# -- sizes ------------------------------------------------------------------------------------


def size_of(payload: dict) -> int:
    """Bytes as Teams counts a message: its JSON in UTF-16."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def pack(
    head: list[dict],
    groups: Iterable[list[dict]],
    *,
    budget: int = MESSAGE_BUDGET,
    tail: list[dict] | None = None,
) -> list[list[dict]]:
    """Card bodies: ``head`` then as many whole ``groups`` as fit under ``budget`` each; a
    group never splits. ``tail`` closes the last body."""
    tail = tail or []
    fixed = size_of(card(head + tail))
    bodies: list[list[dict]] = [list(head)]
    used = fixed
    for group in groups:
        g = size_of({"g": group})
        if len(bodies[-1]) > len(head if len(bodies) == 1 else []) and used + g > budget:
            bodies.append([])
            used = fixed
        bodies[-1].extend(group)
        used += g
    bodies[-1].extend(tail)
    return bodies


# -- nudges -----------------------------------------------------------------------------------


def nudge_cards(
    name: str,
    items: Sequence[Owed],
    today: date,
    *,
    claim_id: int,
    stored: dict[int, str] | None = None,
    budget: int = MESSAGE_BUDGET,
    plans: tuple[tuple[int, str], ...] = (),
) -> list[dict]:
    """The nudge: one container per action with its reason and On track / Completed /
    Delayed / Update…; split into several cards if it would not fit in one message. The
    claim id rides in every button so a submit can rebuild the card it came from;
    ``stored`` (action id → line) shows actions already answered instead of buttons. With
    several plans served (``plans``), a heading per plan opens its first action's group."""
    stored = stored or {}
    count = len(items)
    verb = "need" if count != 1 else "needs"
    head = [
        plain(
            f"Hello {cut(name, 80)}, {count} action{'s' if count != 1 else ''} {verb} an "
            "update from you.",
            weight="Bolder",
            size="Medium",
        ),
    ]
    groups = []
    for plan_name, group in group_by_plan(items, plans):
        for n, o in enumerate(group):
            a = o.action
            body = action_summary(a, today, note=o.reason.value)
            if a.id in stored:
                body.append(runs(("✅ " + stored[a.id], {"color": "Good"})))
            else:
                body.append(status_buttons(a, {"n": claim_id}))
            container = {"type": "Container", "id": f"a_{a.id}", "separator": True, "items": body}
            heading = (
                [plain(plan_name, limit=200, weight="Bolder", size="Medium")]
                if plan_name is not None and n == 0
                else []
            )
            groups.append([*heading, container])
    tail = [
        plain(
            "Or reply here in your own words, e.g. “L4 on track: workshops booked for 12 March”.",
            subtle=True,
        )
    ]
    return [card(b) for b in pack(head, groups, budget=budget, tail=tail)]


def stored_line(action: ActionView, status: str | None, who: str, when: str) -> str:
    label = "Completed – awaiting sign-off" if action.signoff_pending else (status or "comment")
    return f"{label} stored by {cut(who, 80)}, {when}"


# -- replies ----------------------------------------------------------------------------------


def reply_cards(reply: Reply, *, page: int = 0, query: str = "") -> list[dict]:
    """Cards for any handler reply (usually one)."""
    match reply:
        case UpdateStored():
            return [stored_card(reply)]
        case UpdatesStored():
            cards = [stored_card(one, undo=False) for one in reply.stored]
            if reply.refused:
                cards.append(card([plain(" ".join(r.text for r in reply.refused), limit=4000)]))
            if reply.stored:
                cards[-1] = _with_undo(cards[-1])
            if reply.asking is not None:
                cards.extend(reply_cards(reply.asking))
            return cards
        case AskStatus():
            a = reply.action
            extra = {"c": cut(reply.commentary, 1500)} if reply.commentary else {}
            if reply.revised_text:
                extra["r"] = cut(reply.revised_text, 200)
            later = (
                f" Then I'll ask about {', '.join(reply.later_labels)}."
                if reply.later_labels
                else ""
            )
            if reply.options:
                head = runs(
                    "I read your words about ",
                    (a.label, BOLD),
                    f" two ways. Which did you mean? Nothing is stored until you choose.{later}",
                )
                buttons = status_buttons(
                    a,
                    extra,
                    form=False,
                    statuses=tuple(Status.from_label(o) for o in reply.options),
                )
            else:
                head = runs(
                    "What is the status of ",
                    (a.label, BOLD),
                    f"? Your comment will be kept.{later}",
                )
                buttons = status_buttons(a, extra, form=False)
            return [card([head, plain(cut(a.text, 200), subtle=True), buttons])]
        case AskAction():
            if not reply.candidates:
                return [
                    card(
                        [
                            plain(
                                "Which action is that about? Start your message with its "
                                "reference, e.g. “L4 on track: workshops booked”."
                            )
                        ]
                    )
                ]
            body = [plain(reply.question, weight="Bolder")]
            # A reference in several plans: each choice is a plan, its button named so.
            plans = reply.plan_names or ("",) * len(reply.candidates)
            for a, plan in list(zip(reply.candidates, plans, strict=False))[:20]:
                lead = ((cut(plan, 100), BOLD), " · ") if plan else ()
                body.append(
                    {
                        "type": "Container",
                        "separator": True,
                        "items": [
                            runs(*lead, (a.label, BOLD), " ", cut(a.text, 150)),
                            {
                                "type": "ActionSet",
                                "actions": [
                                    execute(
                                        cut(plan, 60) if plan else "This one",
                                        {"k": "pick", "a": a.id, "t": cut(reply.text, 1500)},
                                    )
                                ],
                            },
                        ],
                    }
                )
            return [card(body)]
        case Refusal() | Problem() | Notice() | AwayNotice():
            return [card([plain(reply.text, limit=4000)])]
        case HelpText():
            return [
                card(
                    [
                        {
                            "type": "RichTextBlock",
                            "inlines": [
                                {"type": "TextRun", "text": reply.text, "fontType": "Monospace"}
                            ],
                        }
                    ]
                )
            ]
        case ActionList():
            return [action_list_card(reply, page=page, query=query)]
        case Nudge():  # "what do I owe?": the nudge you would get, with its buttons
            return nudge_cards(
                reply.person.name, reply.items, reply.today, claim_id=0, plans=reply.plans
            )
    raise TypeError(f"no Adaptive Card rendering for {type(reply).__name__}")


def _with_undo(c: dict) -> dict:
    """The card with an Undo button (takes back the clicker's own last update)."""
    return {**c, "actions": [*(c.get("actions") or []), execute("Undo", {"k": "undo"})]}


def stored_card(reply: UpdateStored, *, undo: bool = True) -> dict:
    a, u = reply.action, reply.update
    head = "Already stored" if not reply.created else "Stored"
    status = (
        "Completed – awaiting sign-off"
        if a.signoff_pending
        else (u.status or a.status or "comment")
    )
    body = [runs(("✅ " + head + " for ", {}), (a.label, BOLD), ": ", (status, BOLD))]
    if u.revised_due:
        body.append(
            plain(
                f"Deadline now {u.revised_due:%-d %b %Y} ({cut(u.revised_deadline_text or '', 80)})"
            )
        )
    if u.commentary:
        body.append(plain(u.commentary, limit=2900, keep_lines=True))
    body.append(
        plain(
            f"by {cut(u.author_name or 'unknown', 80)}, {u.created_at:%-d %b %Y %H:%M} UTC",
            subtle=True,
        )
    )
    return _with_undo(card(body)) if undo and reply.created else card(body)


def action_list_card(reply: ActionList, *, page: int = 0, query: str = "") -> dict:
    total = len(reply.actions)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = reply.actions[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = f"{reply.title}: {total} action{'s' if total != 1 else ''}"
    if pages > 1:
        title += f" (page {page + 1} of {pages})"
    body = [plain(cut(title, 300), weight="Bolder", size="Medium")]
    for a in chunk:
        items = action_summary(a, reply.today)
        if a.id in reply.updatable_ids:
            items.append({"type": "ActionSet", "actions": [update_form(a, {})]})
        body.append({"type": "Container", "separator": True, "items": items})
    if not chunk:
        body.append(plain("No actions match.", subtle=True))
    if reply.detail is not None:  # one action by its reference: its last update, deadlines
        body.append(plain("\n".join(reply.detail.lines()), limit=2900, keep_lines=True))
    nav = []
    if page > 0:
        nav.append(execute("‹ Previous", {"k": "page", "q": query[:1500], "p": page - 1}))
    if page < pages - 1:
        nav.append(execute("Next ›", {"k": "page", "q": query[:1500], "p": page + 1}))
    return card(body, nav or None)


def text_card(text: str) -> dict:
    return card([plain(text, limit=4000)])


# -- sign-off, escalation ---------------------------------------------------------------------


def signoff_card(action: ActionView, owner_name: str, commentary: str, signoff_id: int) -> dict:
    data = {"s": signoff_id, "a": action.id}
    return card(
        [
            runs(
                (cut(owner_name, 80), BOLD),
                " marked ",
                (action.label, BOLD),
                " Completed and it needs your sign-off:",
            ),
            plain(cut(action.text, 500)),
            plain(commentary or "(no comment)", limit=2900, keep_lines=True, subtle=not commentary),
        ],
        [
            execute("Confirm", {"k": "signoff", "ok": True, **data}, style="positive"),
            {
                "type": "Action.ShowCard",
                "title": "Return…",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [
                        {
                            "type": "Input.Text",
                            "id": "comment",
                            "label": "Why is it not complete? The owner will see this.",
                            "isMultiline": True,
                            "isRequired": True,
                            "errorMessage": "Say why: the owner will see it.",
                            "maxLength": 2000,
                        }
                    ],
                    "actions": [
                        execute(
                            "Return", {"k": "signoff", "ok": False, **data}, style="destructive"
                        )
                    ],
                },
            },
        ],
    )


def escalation_cards(notice: EscalationNotice, *, budget: int = MESSAGE_BUDGET) -> list[dict]:
    n = len(notice.silent)
    head = [
        plain(
            f"Hello {cut(notice.recipient.name, 80)}, {n} owner{'s' if n != 1 else ''} "
            "have not answered their nudges:",
            weight="Bolder",
        )
    ]
    groups = []
    for s in notice.silent:
        refs = ", ".join(a.label for a in s.actions)
        last = f"last reply {s.last_reply:%-d %b %Y}" if s.last_reply else "no reply yet"
        groups.append(
            [
                runs(
                    ("• " + cut(s.person.name, 80), BOLD),
                    f" — {s.nudges} nudges, {last}: {cut(refs, 1500)}",
                )
            ]
        )
    return [card(b) for b in pack(head, groups, budget=budget)]


# -- digests ----------------------------------------------------------------------------------

LIST_LIMIT = 25


def _counts_runs(counts) -> list:
    parts: list = []
    for s in STATUS_ORDER:
        if counts.get(s):
            colour = colour_of(s if s != NO_UPDATE else None)
            parts.append((f"{_DOT[colour]} {s} {counts[s]}   ", {}))
    return parts


def _theme_groups(td: ThemeDigest, digest: Digest) -> list[list[dict]]:
    groups = [
        [
            {
                "type": "Container",
                "separator": True,
                "items": [
                    plain(
                        cut(f"{td.theme.name} — {td.total} actions", 150),
                        weight="Bolder",
                        size="Medium",
                    ),
                    runs(*_counts_runs(td.counts))
                    if td.counts
                    else plain("no actions", subtle=True),
                ],
            },
        ]
    ]

    def listing(title: str, lines: list[dict]) -> None:
        if not lines:
            return
        groups.append([plain(title, weight="Bolder")])
        for line in lines[:LIST_LIMIT]:
            groups.append([line])
        if len(lines) > LIST_LIMIT:
            groups.append([plain(f"…and {len(lines) - LIST_LIMIT} more", subtle=True)])

    changes = []
    for c in td.changes:
        if c.kind == "slipped":
            old = f"{c.old_due:%-d %b %Y}" if c.old_due else "?"
            new = f"{c.new_due:%-d %b %Y}" if c.new_due else cut(c.new_deadline_text, 60)
            changes.append(runs(("• " + c.action.label, BOLD), f" deadline {old} → {new}"))
        else:
            verb = "completed" if c.kind == "completed" else (c.status or "comment")
            note = f" — {c.summary}" if c.commentary else ""
            changes.append(runs(("• " + c.action.label, BOLD), f" {verb}{note}"))
    listing(f"Changed since the last digest ({len(changes)})", changes)
    listing(
        f"Overdue ({len(td.overdue)})",
        [
            runs(("• " + a.label, BOLD), f" {cut(a.text, 90)} (due {a.due_date:%-d %b %Y})")
            for a in td.overdue
        ],
    )
    listing(
        f"Due in the next {digest.horizon_days} days ({len(td.due_next)})",
        [
            runs(("• " + a.label, BOLD), f" {cut(a.text, 90)} (due {a.due_date:%-d %b %Y})")
            for a in td.due_next
        ],
    )
    return groups


def digest_title(digest: Digest) -> str:
    title = digest.title or digest.plan_name
    since = f" since {digest.since:%-d %b %Y}" if digest.since else ""
    return f"{title}: progress digest for {digest.today:%-d %b %Y}{since}"


def digest_cards(digest: Digest, *, budget: int = MESSAGE_BUDGET) -> list[dict]:
    """The digest as cards, each under the size budget: totals first, then each theme."""
    head = [
        plain(cut(digest_title(digest), 150), weight="Bolder", size="Large"),
        runs((f"{digest.total} actions", BOLD), f" · {digest.new_updates} new updates"),
        runs(*_counts_runs(digest.counts)),
    ]
    groups: list[list[dict]] = []
    for td in digest.themes:
        groups.extend(_theme_groups(td, digest))
    if digest.silent:
        groups.append([plain("Not replied to their nudges", weight="Bolder", size="Medium")])
        for p, acts in digest.silent:
            groups.append(
                [
                    runs(
                        ("• " + cut(p.name, 80), BOLD),
                        ": " + cut(", ".join(a.label for a in acts), 1000),
                    )
                ]
            )
    bodies = pack(head, groups, budget=budget)
    if len(bodies) > 1:
        for i, b in enumerate(bodies[1:], start=2):
            b.insert(
                0,
                plain(f"{cut(digest_title(digest), 120)} (part {i} of {len(bodies)})", subtle=True),
            )
    return [card(b) for b in bodies]


def chart_card(png: bytes, title: str = "Status by theme") -> dict:
    import base64

    return card(
        [
            plain(title, weight="Bolder"),
            {
                "type": "Image",
                "url": "data:image/png;base64," + base64.b64encode(png).decode(),
                "altText": title,
                "size": "Stretch",
            },
        ]
    )
