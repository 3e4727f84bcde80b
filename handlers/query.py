"""`/actions …` and "what do I owe?": runs a query for an actor and lists the actions."""

from __future__ import annotations

from bot.core.people import Actor, may_read, may_update, read_refusal
from bot.core.query import HELP, QueryError, parse_query, run_query
from bot.core.service import PlanService
from bot.core.text_input import clean_input
from handlers.replies import ActionList, HelpText, Problem, Refusal, Reply
from storage.queries import NotFound


def handle_query(service: PlanService, actor: Actor, text: str) -> Reply:
    text = clean_input(text)[:2000]  # no query is longer; a pasted essay is not one
    try:
        snap = service.snapshot(actor)  # every plan the actor may read, when several
    except NotFound as exc:
        return Problem(str(exc))
    if not may_read(actor, snap.plan.readers):
        # Before the query is read: its errors name the plan's themes.
        if text.strip().lower().lstrip("/") in ("help", "?"):
            return HelpText(HELP)
        return Refusal(read_refusal(actor))
    today = service.today(snap)
    try:
        query = parse_query(text, actor=actor, today=today, snapshot=snap)
    except QueryError as exc:
        return Problem(f"{exc}. Try `help` for the list of queries.")
    if query.is_help:
        return HelpText(HELP)
    result = run_query(query, snap)
    if query.ref and not result.actions:
        return Problem(f"No action {query.ref} in the plan. Try `search WORDS` to find one.")
    updatable = frozenset(a.id for a in result.actions if may_update(actor, a, snap))
    return ActionList(query.title, tuple(result.actions), today, updatable)
