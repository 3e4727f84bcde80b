"""Lines in a conversation that are not updates: a question about the plan is answered from
it ("when is #38 due?", "who owns V12?", "is #14 mine?", "what is overdue?"), chit-chat
("thanks", "ok", "will do it on Friday") is acknowledged, "I'm away next week" gets an offer
to record the absence. None of them stores anything or leaves a question open, so their
words never end up in a later update."""

from __future__ import annotations

import re

from bot.core.people import Actor, may_read, may_update, owns, read_refusal
from bot.core.refs import RefIndex
from bot.core.service import PlanService
from bot.core.when_due import when_due
from handlers.query import handle_query
from handlers.replies import ActionList, Notice, Refusal, Reply
from storage.engine import read_session
from storage.queries import ActionView, PlanSnapshot, action_updates

AWAY_OFFER = (
    "It sounds as if you will be away. To have your nudges wait (or go to a deputy), say for "
    "example `away until 9 December` or `away until 9 December deputy Alex Smith`; `back` ends "
    "it. Nothing was stored."
)
_QUERY_WORDS = [
    (re.compile(r"\boverdue|\blate\b|\bbehind\b", re.I), "overdue"),
    (
        re.compile(
            r"\bdue\s+(?:soon|next|this\s+(?:week|month))|\bcoming\s+up\b|\bnext\s+due\b", re.I
        ),
        "due soon",
    ),
    (re.compile(r"\b(?:my\s+actions|mine|what\s+do\s+i\s+(?:owe|have))\b", re.I), "mine"),
]


def answer_aside(
    service: PlanService,
    actor: Actor,
    snap: PlanSnapshot,
    text: str,
    kind: str,
    context: tuple[int, ...],
) -> Reply:
    if kind == "chitchat":
        return Notice("👍 Noted — nothing was stored.")
    if kind == "away":
        return Notice(AWAY_OFFER)
    return answer_question(service, actor, snap, text, context)


def answer_question(
    service: PlanService,
    actor: Actor,
    snap: PlanSnapshot,
    text: str,
    context: tuple[int, ...],
) -> Reply:
    """A question answered from the plan: the actions it names (or the nudge's one action),
    with deadline, owner, status and last update; else the query it asks."""
    if not may_read(actor, snap.plan.readers):
        return Refusal(read_refusal(actor))
    index = RefIndex(snap.actions)
    # A question about a reference several plans share is answered for each plan.
    hits = index.find_in(text)
    named = (
        [a for h in hits for a in index.lookup_all(h.written) or [h.action]]
        if snap.plan_names
        else [h.action for h in hits]
    )
    if not named and len(context) == 1:
        named = [a for a in snap.actions if a.id == context[0]]
    if not named:
        for pattern, query in _QUERY_WORDS:
            if pattern.search(text):
                return handle_query(service, actor, query)
        return Notice(
            "I read that as a question but couldn't tell which action it is about. Ask with "
            "its reference (e.g. `when is L4 due?`), or try `help`. Nothing was stored."
        )
    today = service.today(snap)
    lines = [_facts(service, actor, a, today) for a in named[:10]]
    updatable = frozenset(a.id for a in named if may_update(actor, a, snap))
    return ActionList("\n".join(lines), tuple(named[:10]), today, updatable)


def _facts(service: PlanService, actor: Actor, a: ActionView, today) -> str:
    due = a.due_date.strftime("%-d %b %Y") if a.due_date else "no fixed date"
    written = f" ({a.deadline_text})" if a.deadline_text and a.deadline_text != due else ""
    owners = ", ".join(o.name for o in a.owners) or "no owner yet"
    mine = " — yours" if owns(actor, a) else ""
    phrase = when_due(a, today)
    soon = f", {phrase[0]}" if phrase else ""
    plan = f" ({a.theme.split(' › ')[0]})" if " › " in a.theme else ""  # several plans
    head = f"{a.label}{plan}: due {due}{written}{soon}; owner {owners}{mine}"
    head += f"; status {a.status or 'not stated'}"
    with read_session(service.engine) as s:
        updates = action_updates(s, a.id)
    if updates:
        u = updates[-1]
        words = " ".join((u.commentary or "").split())
        words = words if len(words) <= 120 else words[:119] + "…"
        who = u.author_name or "the plan"
        head += f". Last update {u.created_at:%-d %b %Y} by {who}: {u.status or 'comment'}"
        head += f" — {words}" if words else ""
    return head + "."
