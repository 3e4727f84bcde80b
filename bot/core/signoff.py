"""Completion sign-off: where a plan asks for it, "Completed" from an owner waits for the
theme lead's confirmation; a return (with a comment) reopens the action."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.people import Actor
from bot.core.statuses import Status
from storage.queries import ActionView, OwnerView, PlanSnapshot


@dataclass(frozen=True)
class SignOffRequest:
    id: int
    action: ActionView
    owner_name: str
    commentary: str
    leads: tuple[OwnerView, ...]  # who is asked to confirm


@dataclass(frozen=True)
class SignOffDecision:
    action: ActionView
    confirmed: bool
    comment: str
    decided_by: str
    tell: tuple[OwnerView, ...]  # the owners to let know


def is_theme_lead(actor: Actor, action: ActionView, snapshot: PlanSnapshot) -> bool:
    lead = snapshot.themes[action.theme_id].lead
    if lead is None:
        return False
    ids = actor.owner_ids()
    return lead.id in ids or any(p.id in ids for p in snapshot.people_for(lead))


def needs_signoff(
    snapshot: PlanSnapshot, actor: Actor, action: ActionView, status: str | None
) -> bool:
    """Completed by an owner on a plan that asks for sign-off (a lead or an administrator
    completing it is their own sign-off)."""
    return (
        snapshot.plan.signoff_required
        and status == Status.COMPLETED.value
        and not actor.is_admin
        and not is_theme_lead(actor, action, snapshot)
    )


def signoff_leads(
    snapshot: PlanSnapshot, action: ActionView, admins: list[OwnerView]
) -> tuple[OwnerView, ...]:
    lead = snapshot.themes[action.theme_id].lead
    if lead is not None:
        people = snapshot.people_for(lead)
        if people:
            return people
    return tuple(admins)


def reopened_status(previous: str | None) -> str:
    """The status a returned action goes back to: what it was before, else Ongoing."""
    if previous and previous != Status.COMPLETED.value:
        return previous
    return Status.ONGOING.value
