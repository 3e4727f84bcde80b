"""`away until 3 March @deputy` and `back`, the same on every platform.

The text after the command word is platform-neutral: a return date ("3 March", "3/3/2020",
"2020-03-03", "Friday", "tomorrow") and optionally a deputy, named ("deputy Julie Fellows",
"@Julie Fellows") or as a chat mention the caller resolves (Slack's ``<@U123>``). "Away until
3 March" means away through 3 March: nudges resume on the 4th.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bot.core.people import Actor
from bot.core.query import QueryError, parse_query_date
from bot.core.service import PlanService
from bot.core.text_input import clean_input
from handlers.replies import AwayNotice, Problem, Reply
from storage.queries import NotFound, OwnerView

_DEPUTY = re.compile(r"\s+(?:with\s+)?(?:deputy|cover(?:ed)?\s+by|covering)\s*:?\s+|\s+(?=<@|@)")
_MENTION = re.compile(r"^<@([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
USAGE = "Say e.g. `away until 3 March deputy Julie Fellows` (or `@Julie Fellows`), and `back`."


class AwayTextError(ValueError):
    pass


def parse_away(text: str, today: date) -> tuple[date, str | None]:
    """(last day away, deputy as written or None) from e.g. "until 3 March @deputy"."""
    t = " ".join(text.split())
    t = re.sub(r"^(?:away\s+)?(?:until|till|til|to|through|thru)\s+", "", t, flags=re.I)
    parts = _DEPUTY.split(t, maxsplit=1)
    when = parts[0].strip().rstrip(",")
    deputy = parts[1].strip() if len(parts) > 1 and parts[1].strip() else None
    if not when:
        raise AwayTextError(f"Away until when? {USAGE}")
    until = parse_return_date(when, today)
    if until < today:
        raise AwayTextError(f"{until:%-d %B %Y} has passed. {USAGE}")
    return until, deputy


def parse_return_date(text: str, today: date) -> date:
    """A day as people write it; with no year, the next such day on or after today."""
    t = text.strip().lower().rstrip(".")
    if t == "tonight":
        return today
    try:
        return parse_query_date(t, today, prefer="future")
    except QueryError as exc:
        raise AwayTextError(f"{exc}. {USAGE}") from None


def handle_away(
    service: PlanService,
    actor: Actor,
    text: str,
    *,
    resolve_mention: Callable[[str], OwnerView | None] | None = None,
) -> Reply:
    """Record the actor's absence from the text after `away`."""
    text = clean_input(text)
    if actor.person is None:
        return Problem(_not_a_person(actor))
    try:
        until, deputy_text = parse_away(text, service.today())
    except AwayTextError as exc:
        return Problem(str(exc))
    deputy: OwnerView | None = None
    if deputy_text:
        deputy = _resolve(service, deputy_text, resolve_mention)
        if deputy is None:
            return Problem(
                f"I don't know {deputy_text!r} as a person: give their full name "
                "(see `people`), or leave the deputy out and your nudges will wait."
            )
        if deputy.id == actor.person.id:
            return Problem("Your deputy must be someone else.")
    try:
        service.set_away(actor.person, until, deputy)
    except (ValueError, NotFound) as exc:
        return Problem(str(exc))
    return AwayNotice(actor.person, until, deputy)


def handle_back(service: PlanService, actor: Actor) -> Reply:
    if actor.person is None:
        return Problem(_not_a_person(actor))
    return AwayNotice(actor.person, None, ended=service.end_away(actor.person))


def _not_a_person(actor: Actor) -> str:
    if actor.role_ids:
        return (
            f"Nobody holds {actor.display_name} now, so nobody can be away for it: "
            "give the role to a person first."
        )
    return f"{actor.display_name} is not matched to a person in the plan, so can't be away."


def _resolve(
    service: PlanService, text: str, resolve_mention: Callable[[str], OwnerView | None] | None
) -> OwnerView | None:
    m = _MENTION.match(text.strip())
    if m:
        return resolve_mention(m[1]) if resolve_mention else None
    name = text.strip().lstrip("@").strip()
    try:
        found = service.actor_for_name(name)
    except NotFound:
        return None
    return found.person
