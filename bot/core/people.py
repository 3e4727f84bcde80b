"""Telling people from roles in an owner cell, and who may update an action."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from storage.queries import ActionView, OwnerView, PlanSnapshot

# Words that make an owner a role ("Director of Corporate Affairs", "CSU", "All Directors").
_ROLE_WORDS = re.compile(
    r"\b(director|directors|chair|officer|head|lead|leads|manager|team|board|group|committee|"
    r"csu|ao|cfo|ceo|coo|executive|secretary|nurse|nursing|clinical|deputy|all|new|interim|"
    r"assistant|governance|corporate|finance|workforce|hr|partnerships|quality|medical|"
    r"practice|locality|programme|office|service|services|department|unit|staff|ccg|icb|nhs)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"^(dr\.? |mr\.? |mrs\.? |ms\.? |prof\.? )?[A-Z][a-z'’-]+( [A-Z][a-z'’-]+){1,2}$"
)


def guess_owner_kind(name: str) -> str:
    """ "person" for a name like "Julie Fellows" or "Dr A Rutland", else "role"."""
    text = name.strip()
    if _ROLE_WORDS.search(text):
        return "role"
    if _PERSON.match(text) or re.match(
        r"^(dr\.? |mr\.? |mrs\.? |ms\.? )?[A-Z]\.? [A-Z][a-z]+$", text, re.I
    ):
        return "person"
    return "role"


@dataclass(frozen=True)
class Actor:
    """Someone acting in a conversation: the person (if matched), and what they may do."""

    display_name: str
    person: OwnerView | None = None
    role_ids: frozenset[int] = field(default_factory=frozenset)
    is_admin: bool = False
    # Owners this person is deputy for today (the absent people and the roles they hold):
    # set only while the absence lasts.
    covering_ids: frozenset[int] = field(default_factory=frozenset)
    # Chosen by a role's name ("as Director of Corporate Affairs"): the role, and this is
    # its current holder acting (their own actions and the role's).
    via_role: str | None = None

    @property
    def description(self) -> str:
        """Who this is, saying how a role was resolved."""
        if self.via_role:
            return f"{self.display_name} (holder of {self.via_role})"
        if self.person is None and self.role_ids:
            return f"{self.display_name} (a role nobody holds now)"
        return self.display_name

    def owner_ids(self) -> frozenset[int]:
        return self.role_ids | ({self.person.id} if self.person else set())

    @property
    def is_member(self) -> bool:
        """One of the plan's people (matched to a person, holding a role) or an administrator."""
        return self.person is not None or bool(self.role_ids) or self.is_admin


def owns(actor: Actor, action: ActionView) -> bool:
    ids = actor.owner_ids()
    return any(o.id in ids for o in action.owners)


def covers(actor: Actor, action: ActionView) -> bool:
    """The actor is deputy, today, for an absent owner of ``action``."""
    return any(o.id in actor.covering_ids for o in action.owners)


def may_read(actor: Actor, readers: str) -> bool:
    """The plan's ``readers`` setting: "members" (default) or "workspace"."""
    return readers == "workspace" or actor.is_member


def read_refusal(actor: Actor) -> str:
    return (
        f"Sorry {actor.display_name}, this plan is shared only with the people in it and its "
        "administrators, and I can't match you to anyone in it. Ask the programme office to "
        "add you (by your work email)."
    )


def may_update(actor: Actor, action: ActionView, snapshot: PlanSnapshot) -> bool:
    """Only an owner, the holder of an owning role, the deputy of an absent owner (while the
    absence lasts), the theme lead or an administrator."""
    if actor.is_admin or owns(actor, action) or covers(actor, action):
        return True
    lead = snapshot.themes[action.theme_id].lead
    if lead is None:
        return False
    return lead.id in actor.owner_ids() or any(
        p.id in actor.owner_ids() for p in snapshot.people_for(lead)
    )


def refusal(actor: Actor, action: ActionView) -> str:
    # Someone outside the plan is not told who owns what.
    owners = ", ".join(o.name for o in action.owners) or "no one yet"
    who = f" ({owners})" if actor.is_member else ""
    return (
        f"Sorry {actor.display_name}, only the owners of {action.label}{who}, their deputy "
        "while they are away, the theme lead or an administrator can update it. "
        "Nothing was stored."
    )
