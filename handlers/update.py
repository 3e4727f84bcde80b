"""Capturing an update: a status button, the form, or a free-text reply such as
"L4 done, signed off by GB" or "slipping to end of June". When the action or the status is
unclear the handler asks (AskAction / AskStatus) instead of guessing."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.people import Actor, covers, may_read, owns, read_refusal
from bot.core.reading import line_kind, split_reply
from bot.core.refs import RefIndex, index_across_plans, leading_refs
from bot.core.service import PlanService, Refused, UpdateGiven
from bot.core.statuses import Status
from bot.core.text_input import TooLong, check_length, clean_input
from bot.core.update_text import commentary_as_written, normalise_reply, parse_update_text
from handlers.aside import answer_aside
from handlers.replies import (
    AskAction,
    AskStatus,
    Problem,
    ReassignRequested,
    Refusal,
    Reply,
    UpdatesStored,
    UpdateStored,
)
from storage.queries import ActionView, NotFound, PlanSnapshot

# A status given by button or form: the action and status are known (the status as a label,
# a revised deadline as the words given). ``snapshot``: the plan around the action, already
# read (a burst of clicks reads it once).
StatusGiven = UpdateGiven


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
    snapshot: PlanSnapshot | None = None,
) -> Reply:
    """A button press or a submitted form (see StatusGiven)."""
    given = StatusGiven(actor, action_ref, status, source, commentary, revised_text,
                        external_id, snapshot)  # fmt: skip
    return handle_statuses(service, [given])[0]


def handle_statuses(service: PlanService, given: list[StatusGiven]) -> list[Reply]:
    """Several (a burst of clicks), stored in one transaction: a reply for each, in order.
    One that cannot be stored (a deadline not read, no such status, refused) says why and
    does not hold back the others."""
    replies: list[Reply | None] = [None] * len(given)
    asks: list[tuple[int, UpdateGiven]] = []
    for i, one in enumerate(given):
        status, revised_text, revised_due = one.status, one.revised_text, None
        if revised_text and revised_text.strip():
            parsed = service.read_deadline(revised_text)
            if parsed.due is None:
                replies[i] = Problem(
                    f"I can't read the revised deadline {revised_text.strip()!r}"
                    f"{': ' + parsed.note if parsed.note else ''}. "
                    "Try a date such as 30/06/2021 or 'end of June 2021'."
                )
                continue
            revised_due, revised_text = parsed.due, revised_text.strip()
        if status is not None:
            try:
                status = Status.from_label(status).value
            except ValueError as exc:
                replies[i] = Problem(str(exc))
                continue
        read = replace(one, status=status, revised_text=revised_text or None,
                       revised_due=revised_due)  # fmt: skip
        asks.append((i, read))
    results = service.record_updates([ask for _i, ask in asks]) if asks else []
    for (i, _ask), stored in zip(asks, results, strict=True):
        if isinstance(stored, Refused):
            replies[i] = Refusal(str(stored))
        elif isinstance(stored, (NotFound, TooLong)):
            replies[i] = Problem(str(stored))
        elif stored.timezone is None:
            replies[i] = UpdateStored(stored.action, stored.update, stored.created,
                                      stored.signoff)  # fmt: skip
        else:
            replies[i] = UpdateStored(stored.action, stored.update, stored.created,
                                      stored.signoff, stored.timezone, in_plan_time=True)  # fmt: skip
    return replies


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
    direct message that names one or more references ("L2. done", "G3 & G4 on track",
    "V5 done, V10 delayed to March"). Each action gets the words said about it; a part the
    bot cannot read is asked about, never guessed; a question is answered and chit-chat
    acknowledged, storing nothing."""
    text = normalise_reply(clean_input(text))
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
        snap = service.snapshot(actor)
    except NotFound as exc:
        return Problem(str(exc))
    if not may_read(actor, snap.plan.readers):
        # Before any reading: the same words whatever the line names, so no prompt, list
        # or error tells someone outside the plan what an action says or that it exists.
        return Refusal(f"{read_refusal(actor)} Nothing was stored.")
    # Several plans: a reference is read in the plans of the nudge answered first, and one
    # that is in several plans is asked about (the plans as the choices), never guessed.
    index, torn = index_across_plans(snap.actions, text, context_action_ids)
    kind = line_kind(text, names_action=bool(index.find_in(text)))
    if kind != "update":
        return answer_aside(service, actor, snap, text, kind, context_action_ids)
    if torn:
        return AskAction(tuple(torn), text, tuple(snap.plan_of(a) or "" for a in torn))
    parts, clean = split_reply(text, index)
    if not clean:
        return Problem(
            "I couldn't tell which of your words are about which action, so nothing was "
            "stored. Send one line per action, e.g. 'V5 done' then 'V10 on track'."
        )
    named = {a.id for p in parts for a in p.actions}
    candidates = _candidates(snap, actor, context_action_ids)
    work: list[tuple[ActionView, str]] = []
    as_written: dict[str, str] = {}  # the words read -> as written, reference kept
    for part in parts:
        if part.written:
            as_written[part.text] = part.written
        if part.rest:
            others = [a for a in candidates if a.id not in named]
            if not others:
                return Problem(
                    f"“{part.text or text}”: I don't know which actions “the rest” are (no "
                    "nudge is waiting for an answer), so nothing was stored. Name them, "
                    "e.g. 'V5 and V10 on track'."
                )
            work.extend((a, part.text) for a in others)
        elif part.actions:
            work.extend((a, part.text) for a in part.actions)
        elif len(candidates) == 1:
            work.append((candidates[0], part.text))
        else:
            return AskAction(tuple(candidates[:20]) or (), text)
    today = service.today(snap)
    readings = []
    for action, words in work:
        plan = snap.plan_rows.get(action.plan_id, snap.plan)  # the action's own plan's year
        parsed = parse_update_text(
            words,
            today=today,
            fy_start_year=plan.fy_start_year,
            fy_start_month=plan.fy_start_month,
            deadline=action.due_date,
        )
        if words in as_written:
            # What is read leaves the reference out; what is stored is the sentence as written.
            kept = commentary_as_written(parsed.commentary, words, as_written[words])
            parsed = replace(parsed, commentary=kept)
        if parsed.problem:
            # A date that cannot be a date: say so and store nothing, not half the reply.
            return Problem(
                f"{parsed.problem}, so nothing was stored. Send the update again with a real "
                "date, e.g. 'pushed back to 28/02/2020' or 'end of February'."
            )
        readings.append((action, parsed))
    if len(readings) == 1 and readings[0][1].reassign:
        return _reassign(service, actor, snap, [readings[0][0]], text, source, external_id)
    if any(p.reassign for _, p in readings):
        return _reassign(
            service, actor, snap, [a for a, p in readings if p.reassign], text, source, external_id
        )
    clear = [(a, p) for a, p in readings if p.status is not None]
    unclear = [(a, p) for a, p in readings if p.status is None]
    asking = _ask(unclear) if unclear else None
    if not clear:
        return asking
    stored: list[UpdateStored] = []
    refused: list[Refusal] = []
    several = len(readings) > 1
    for action, parsed in clear:
        eid = f"{external_id}:{action.id}" if external_id and several else external_id
        revised_text = parsed.revised.text if parsed.revised and parsed.revised.due else None
        try:
            done = service.record_update(
                actor,
                action.id,
                status=parsed.status.value,
                commentary=parsed.commentary,
                source=source,
                revised_text=revised_text,
                revised_due=parsed.revised_due if revised_text else None,
                external_id=eid,
                snapshot=snap,
            )
        except Refused as exc:
            refused.append(Refusal(str(exc)))
            continue
        except TooLong as exc:  # the same words for every action: nothing was stored
            return Problem(str(exc))
        stored.append(UpdateStored(done.action, done.update, done.created, done.signoff))
    if len(readings) == 1:
        return stored[0] if stored else refused[0]
    if not stored and asking is None:
        return refused[0] if len(refused) == 1 else Refusal(" ".join(r.text for r in refused))
    return UpdatesStored(tuple(stored), tuple(refused), asking)


def _ask(unclear: list) -> AskStatus:
    """One question about the first part the bot could not read; the others wait their turn."""
    (action, parsed), rest = unclear[0], unclear[1:]

    def revised(p) -> str:
        return p.revised.text if p.revised and p.revised.due else ""

    return AskStatus(
        action,
        parsed.commentary,
        revised(parsed) or None,
        tuple(s.value for s in parsed.options),
        tuple((a.id, p.commentary, revised(p)) for a, p in rest),
        tuple(a.label for a, _ in rest),
    )


def _reassign(service, actor, snap, actions, text, source, external_id) -> Reply:
    """Pass "no longer my action" to the administrators, for the actions the actor owns."""
    replies = []
    for action in actions:
        if not service.can_update(actor, action, snap):
            from bot.core.people import refusal

            return Refusal(refusal(actor, action))
        eid = f"{external_id}:{action.id}" if external_id and len(actions) > 1 else external_id
        req_id, created, admins = service.request_reassign(
            actor, action, text, source=source, external_id=eid
        )
        replies.append(ReassignRequested(action, actor.display_name, text, admins, req_id, created))
    return replies[0]


def find_actions(snap: PlanSnapshot, text: str) -> tuple[list[ActionView], str]:
    """The actions a reply is about and the text without their references: the references
    that open it ("G3 & G4 done", "✅ V14. done", "Re L4 -"), else the one reference it
    names anywhere (never a bare number there). Only references in the plan count, so "Q2"
    or "L4" in prose that is no reference is left alone."""
    hits = RefIndex(snap.actions).find_in(text)
    chosen = leading_refs(text, hits)
    if not chosen:
        named = [h for h in hits if not h.written.strip(".)").replace(".", "").isdigit()]
        if len(named) != 1:
            return [], text
        chosen = named
    opener = text[: chosen[0].start]
    tail = text[chosen[-1].end :]
    if _INTRO.fullmatch(opener):
        # Only introduces the reference ("Update on L4:"); keep any emoji ("✅ V14 done").
        opener = "".join(ch for ch in opener if not ch.isascii() and not ch.isspace())
    tail = _LIST_TAIL.sub("", tail)
    return [h.action for h in chosen], f"{opener} {tail}".strip()


_INTRO = re.compile(
    r"[\W_]*(?:(?:an?\s+)?updates?|re|for|on|about|ref|actions?)?[\W_]*(?:on|for|to)?[\W_]*",
    re.I,
)
# What joins the references to the status: "L2.: done", "G3 & G4 - both done".
_LIST_TAIL = re.compile(r"^[\s:,\-–—.)]*(?:(?:are\s+)?(?:both|all|each)\b)?[\s:,\-–—]*", re.I)


def _candidates(snap: PlanSnapshot, actor: Actor, context: tuple[int, ...]) -> list[ActionView]:
    if context:
        wanted = set(context)
        return [a for a in snap.actions if a.id in wanted]
    from bot.core.owing import is_open

    return [a for a in snap.actions if (owns(actor, a) or covers(actor, a)) and is_open(a)]
