"""`/actions assign REF… @person` (or a role's name) in chat, for administrators: the words
read, the rights checked, the assignment made (bot/core/assign.py), the answer in plain words.

The platform adapter finds the person an @mention names by the mentioned account's chat id
(never by the name shown in the mention) and hands over their owner id, or ``None`` when the
account is matched to nobody in the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.assign import AssignError, assign, find_actions
from bot.core.people import Actor
from bot.core.refs import looks_like_ref
from bot.core.service import PlanService
from bot.core.text_input import clean_input
from storage.queries import NotFound

USAGE = (
    "Use `assign REF… @person` or `assign REF… ROLE`, e.g. `assign L4 L5 @Jane Smith` or "
    "`assign G2 to Director of Workforce`."
)


@dataclass(frozen=True)
class Mentioned:
    """The @mention in the request: the person it resolved to (None: matched to nobody)."""

    owner_id: int | None
    shown: str  # how to name the mention back ("@Jane Smith")


def is_assign(text: str) -> bool:
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower().lstrip("/") == "assign"


def handle_assign(
    service: PlanService,
    actor: Actor,
    text: str,
    *,
    mentioned: Mentioned | None,
    by: str,
    slash: str = "/actions ",
) -> str:
    """``text`` is the request with the mention taken out ("assign L4 L5"); the answer is
    always a sentence: what was assigned, or why nothing was."""
    if not actor.is_admin:
        return (
            f"Sorry {actor.display_name}, `assign` is for administrators of the plan. "
            "Nothing was assigned."
        )
    words = clean_input(text).split()[1:]
    refs = []
    while words and (_is_ref(words[0]) or words[0] in (",", "and", "&")):
        token = words.pop(0).strip(",")
        if token not in ("", "and", "&"):
            refs.append(token)
    if words and words[0].lower() == "to":
        words.pop(0)
    owner_name = " ".join(words).strip()
    if not refs or (mentioned is None and not owner_name) or (mentioned and owner_name):
        return USAGE.replace("`assign", f"`{slash}assign")
    if mentioned is not None and mentioned.owner_id is None:
        return (
            f"I can't tell who {mentioned.shown} is in the plan: their chat account is not "
            "matched to anyone yet (matching is by the email the chat platform verified; "
            "`progressbot people set NAME --email E`, or name a role instead). "
            "Nothing was assigned."
        )
    try:
        snap = service.snapshot()
        actions = find_actions(snap, refs)
        owner = mentioned.owner_id if mentioned is not None else owner_name
        done = assign(
            service.engine,
            service.clock,
            snap,
            [(a, owner) for a in actions],
            by=by,
            how="chat assign",
        )
    except (AssignError, NotFound) as exc:
        text = str(exc)
        return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
    return " ".join(d.text(chat=True) for d in done)


def _is_ref(word: str) -> bool:
    """A reference ("L4", "1.2") or an action's ``#id`` (ids grow past a reference's digits)."""
    word = word.strip(",")
    return looks_like_ref(word) or re.fullmatch(r"#\d{1,12}", word) is not None
