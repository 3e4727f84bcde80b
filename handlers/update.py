"""Capturing an update: a status button, the form, or a free-text reply such as
"L4 done, signed off by GB" or "slipping to end of June". When the action or the status is
unclear the handler asks (AskAction / AskStatus) instead of guessing."""

from __future__ import annotations

import re
from datetime import date

from bot.core.people import Actor, owns
from bot.core.service import PlanService, Refused
from bot.core.statuses import Status
from bot.core.text_input import TooLong, check_length, clean_input
from bot.core.update_text import parse_update_text
from handlers.replies import AskAction, AskStatus, Problem, Refusal, Reply, UpdateStored
from storage.queries import ActionView, NotFound, PlanSnapshot

_TOKEN = re.compile(r"[A-Za-z]{1,4}-?\d{1,4}[a-z]?|#\d+")


def handle_status(
    service: PlanService,
    actor: Actor,
    action_ref: str | int,
    status: str | None,
    *,
    commentary: str = "",
    revised_text: str | None = None,
    source: str,
    external_id: str | None = None,
) -> Reply:
    """A button press or a submitted form: the action and status are known."""
    revised_due: date | None = None
    if revised_text and revised_text.strip():
        parsed = service.read_deadline(revised_text)
        if parsed.due is None:
            return Problem(
                f"I can't read the revised deadline {revised_text.strip()!r}"
                f"{': ' + parsed.note if parsed.note else ''}. "
                "Try a date such as 30/06/2021 or 'end of June 2021'."
            )
        revised_due, revised_text = parsed.due, revised_text.strip()
    if status is not None:
        try:
            status = Status.from_label(status).value
        except ValueError as exc:
            return Problem(str(exc))
    try:
        stored = service.record_update(
            actor,
            action_ref,
            status=status,
            commentary=commentary,
            source=source,
            revised_text=revised_text or None,
            revised_due=revised_due,
            external_id=external_id,
        )
    except Refused as exc:
        return Refusal(str(exc))
    except (NotFound, TooLong) as exc:
        return Problem(str(exc))
    return UpdateStored(stored.action, stored.update, stored.created, stored.signoff)


def handle_reply(
    service: PlanService,
    actor: Actor,
    text: str,
    *,
    context_action_ids: tuple[int, ...] = (),
    source: str = "reply",
    external_id: str | None = None,
) -> Reply:
    """A free-text reply, in a nudge's thread (``context_action_ids`` = what it listed) or a
    direct message that names a reference."""
    text = clean_input(text).strip()
    try:
        check_length(text, "A reply")
    except TooLong as exc:
        return Problem(f"{exc} Nothing was stored.")
    if not text:
        return Problem(
            "That message was empty: reply with a status and a comment, e.g. "
            "'On track: workshops booked'."
        )
    try:
        snap = service.snapshot()
    except NotFound as exc:
        return Problem(str(exc))
    action, rest = _find_action(snap, text)
    if action is None:
        candidates = _candidates(snap, actor, context_action_ids)
        if len(candidates) == 1:
            action = candidates[0]
        else:
            return AskAction(tuple(candidates[:20]) or (), text)
    today = service.today(snap)
    parsed = parse_update_text(
        rest,
        today=today,
        fy_start_year=snap.plan.fy_start_year,
        fy_start_month=snap.plan.fy_start_month,
    )
    revised_text = parsed.revised.text if parsed.revised and parsed.revised.due else None
    if parsed.status is None:
        return AskStatus(action, parsed.commentary, revised_text)
    try:
        stored = service.record_update(
            actor,
            action.id,
            status=parsed.status.value,
            commentary=parsed.commentary,
            source=source,
            revised_text=revised_text,
            revised_due=parsed.revised_due if revised_text else None,
            external_id=external_id,
            snapshot=snap,
        )
    except Refused as exc:
        return Refusal(str(exc))
    except TooLong as exc:
        return Problem(str(exc))
    return UpdateStored(stored.action, stored.update, stored.created, stored.signoff)


def _find_action(snap: PlanSnapshot, text: str) -> tuple[ActionView | None, str]:
    """A reference named in the text, and the text without it. Only references that exist in
    the plan count, so "Q2" or "L4" in prose that is not a reference is left alone."""
    refs = {(a.ref or "").casefold(): a for a in snap.actions if a.ref}
    ids = {f"#{a.id}": a for a in snap.actions}
    found: list[tuple[ActionView, re.Match]] = []
    for m in _TOKEN.finditer(text):
        token = m.group(0).casefold()
        a = refs.get(token) or ids.get(token)
        if a is not None and all(a.id != f.id for f, _ in found):
            found.append((a, m))
    if len(found) != 1:
        return None, text
    a, m = found[0]
    before, after = text[: m.start()].strip(), text[m.end() :].strip(" :,-–—.")
    # "Update on L4: done", "Re L4 - done": the words before the reference only say which.
    if re.fullmatch(
        r"(?:(?:an?\s+)?update|re|for|on|about|ref|action)?[\s:,-]*(?:on|for|to)?[\s:,-]*",
        before,
        re.I,
    ):
        before = ""
    return a, f"{before} {after}".strip()


def _candidates(snap: PlanSnapshot, actor: Actor, context: tuple[int, ...]) -> list[ActionView]:
    if context:
        wanted = set(context)
        return [a for a in snap.actions if a.id in wanted]
    from bot.core.owing import is_open

    return [a for a in snap.actions if owns(actor, a) and is_open(a)]
