"""`/actions …` and "what do I owe?": runs a query for an actor and lists the actions."""

from __future__ import annotations

from bot.core.people import Actor, may_read, may_update, read_refusal
from bot.core.query import HELP, QueryError, parse_query, run_query
from bot.core.service import PlanService
from bot.core.text_input import clean_input
from handlers.replies import (
    ActionDetail,
    ActionList,
    DeadlineStep,
    HelpText,
    Problem,
    Refusal,
    Reply,
)
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
    detail = None
    if query.ref and len(result.actions) == 1:
        detail = action_detail(service, result.actions[0].id, snap.plan.timezone)
    return ActionList(query.title, tuple(result.actions), today, updatable, detail)


def action_detail(service: PlanService, action_id: int, timezone: str) -> ActionDetail:
    """One action's last update and every deadline it has had, with when and who."""
    from storage.engine import read_session
    from storage.models import Action, Update
    from storage.queries import deadline_revisions

    with read_session(service.engine) as s:
        row = s.get(Action, action_id)
        last = s.get(Update, row.last_update_id) if row and row.last_update_id else None
        revisions = deadline_revisions(s, action_id)
        authors = {
            u.id: u.author_name or "unknown"
            for u in (s.get(Update, r.update_id) for r in revisions if r.update_id)
            if u is not None
        }
    steps = tuple(
        DeadlineStep(
            r.text,
            r.due_date,
            r.recorded_at,
            "the plan (import)" if r.source == "import" else authors.get(r.update_id, "unknown"),
        )
        for r in revisions
    )
    if last is None:
        return ActionDetail(None, "", None, "", "", steps, timezone)
    return ActionDetail(
        last.status, last.commentary, last.created_at, last.author_name or "unknown",
        last.source, steps, timezone,
    )  # fmt: skip
