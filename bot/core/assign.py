"""Giving actions owners by hand, where the plan's file names none (or not the right one).

The programme office assigns from the command line (`progressbot actions assign REF…
--owner NAME`, `progressbot owners import FILE.csv`) or in chat (`/actions assign REF
@person`). Everything one request asks is checked first: an unknown reference or owner is
refused naming it, and nothing is written; otherwise it is all written in one transaction
with its audit entries.

Decisions, as a programme officer would expect them:
- An owner is *added* beside those the action has; `replace` makes them its only owner.
- A name nobody has yet is created, a person or a role guessed the way the import guesses
  ("Julie Fellows" a person, "Director of Workforce" a role): offices assign roles long
  before they know who holds them, and the answer says a new owner was made. A name that is
  only a look-alike of a known one ("Julie Fellow", "Directors of Workforce") is refused
  with the known name, since a typo would otherwise make an owner nobody is.
- Assignments are marked as given by hand, so a re-import keeps them (storage/plan_sync.py).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.people import guess_owner_kind
from bot.core.refs import RefIndex
from storage.assign import (
    add_owners,
    erased_named,
    live_action_ids,
    name_key,
    new_owner,
    owners_by_name,
)
from storage.audit import record
from storage.engine import write_session
from storage.models import Owner
from storage.people import role_holder
from storage.queries import ActionView, PlanSnapshot

MAX_NAME = 300


class AssignError(ValueError):
    """The request could not be done; nothing was written. The message says why."""


@dataclass
class Assigned:
    """One owner given to some actions."""

    owner: str
    kind: str  # "person" | "role"
    created: bool = False  # a new owner was made for this
    holder: str | None = None  # a role's holder now
    added: list[str] = field(default_factory=list)  # labels of actions now theirs
    already: list[str] = field(default_factory=list)  # labels they owned before
    removed: list[tuple[str, str]] = field(default_factory=list)  # (label, owner) taken off

    def as_dict(self) -> dict:
        return {
            "owner": self.owner,
            "kind": self.kind,
            "created": self.created,
            "holder": self.holder,
            "assigned": self.added,
            "already": self.already,
            "removed": [{"action": a, "owner": o} for a, o in self.removed],
        }

    def text(self, *, chat: bool = False) -> str:
        parts = []
        if self.added:
            parts.append(f"{_labels(self.added)} now owned by {self.owner}.")
        if self.already:
            parts.append(f"{self.owner} already owned {_labels(self.already)}.")
        if self.removed:
            gone = "; ".join(f"{o} from {a}" for a, o in self.removed)
            parts.append(f"Taken off: {gone}.")
        if self.created:
            parts.append(f"{self.owner} is new: added as a {self.kind}.")
        if self.kind == "role":
            if self.holder:
                parts.append(f"{self.holder} holds {self.owner} and will be nudged.")
            else:
                how = (
                    f"`/actions map {self.owner} @someone`"
                    if chat
                    else f'`progressbot people set NAME --role "{self.owner}"`'
                )
                parts.append(f"Nobody holds {self.owner} yet, so nobody is nudged: {how}.")
        return " ".join(parts)


def _labels(labels: Sequence[str]) -> str:
    return (
        ", ".join(labels)
        if len(labels) <= 12
        else f"{', '.join(labels[:12])} and {len(labels) - 12} more"
    )


def find_actions(snapshot: PlanSnapshot, refs: Sequence[str]) -> list[ActionView]:
    """The actions ``refs`` name (a reference however written, or ``#id``), each once, in
    order; every reference that names none is refused together."""
    index = RefIndex(snapshot.actions)
    found: dict[int, ActionView] = {}
    unknown = []
    for ref in (r for raw in refs for r in re.split(r"[,\s]+", raw) if r):
        holders = index.lookup_all(ref)
        if len(holders) > 1:
            # Plans side by side may each have an "L2": never pick one for the officer.
            which = "; ".join(
                f"#{a.id} in {snapshot.plan_names.get(a.plan_id, 'another plan')}" for a in holders
            )
            raise AssignError(
                f"{ref} is in {len(holders)} plans ({which}): name the plan (--plan NAME) or "
                "the action by its #id; nothing was assigned"
            )
        action = holders[0] if holders else None
        if action is None:
            unknown.append(ref)
        else:
            found.setdefault(action.id, action)
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        raise AssignError(
            f"no action {names} in "
            + (
                f"the plan {snapshot.plan.name!r}"
                if len(snapshot.plan_names) <= 1
                else f"the plans loaded ({', '.join(snapshot.plan_names.values())})"
            )
            + "; nothing was assigned"
        )
    if not found:
        raise AssignError("name at least one action by its reference (or #id)")
    return list(found.values())


def assign(
    engine,
    clock,
    snapshot: PlanSnapshot,
    pairs: Sequence[tuple[ActionView, str | int]],
    *,
    replace: bool = False,
    by: str,
    how: str = "actions assign",
    dry_run: bool = False,
) -> list[Assigned]:
    """Give each (action, owner) pair's owner to its action — an owner by name, or by owner
    id (a chat mention resolved to its person) — all in one transaction, audited. Raises
    AssignError naming the first owner that cannot be used; then nothing is written. With
    ``replace`` each action's owners become exactly those the pairs give it. ``dry_run``
    does it all and rolls it back: what would be done, every check made."""
    now = clock.now()
    results: dict[int, Assigned] = {}
    try:
        _assign(engine, now, snapshot, pairs, results, replace, by, how, dry_run)
    except _RolledBack:
        pass
    return list(results.values())


class _RolledBack(Exception):
    """Raised inside the transaction of a dry run, so nothing of it is kept."""


def _assign(engine, now, snapshot, pairs, results, replace, by, how, dry_run) -> None:
    with write_session(engine) as s:
        # Several plans read together: each action is checked in its own plan.
        plans = set(snapshot.plan_names) or {snapshot.plan.id}
        live = live_action_ids(s, plans, {a.id for a, _ in pairs})
        gone = [a.label for a, _ in pairs if a.id not in live]
        if gone:
            raise AssignError(f"{', '.join(gone)} is no longer in the plan; nothing was assigned")
        by_name = owners_by_name(s)
        known = {_fold(o.name): o.name for o in by_name.values()}  # before this request
        owners = {
            key: _owner(s, key, now, by_name, known) for key in dict.fromkeys(o for _, o in pairs)
        }
        names = {o.id: o.name for o in by_name.values()}
        changes = add_owners(s, [(a.id, owners[key][0].id) for a, key in pairs], replace=replace)
        for (action, key), change in zip(pairs, changes, strict=True):
            owner, created = owners[key]
            one = results.get(owner.id)
            if one is None:
                holder = role_holder(s, owner.id) if owner.kind == "role" else None
                one = results[owner.id] = Assigned(
                    owner.name, owner.kind, created, holder.name if holder else None
                )
            (one.added if change.added else one.already).append(action.label)
            one.removed.extend((action.label, _name_of(s, o, names)) for o in change.removed)
        for owner_id, one in results.items():
            # One entry per owner and request: an owners file of 2,000 rows is 2,000 lines
            # of the trail otherwise, and the entry lists every action anyway.
            record(
                s,
                actor=by,
                action="actions.assign",
                subject=one.owner,
                subject_owner_id=owner_id,
                now=now,
                plan=", ".join(
                    sorted(
                        {snapshot.plan_names.get(a.plan_id, snapshot.plan.name) for a, _ in pairs}
                    )
                ),
                how=how,
                replace=replace,
                **one.as_dict(),
            )
        if dry_run:
            raise _RolledBack


def _name_of(s, owner_id: int, names: dict[int, str]) -> str:
    if owner_id not in names:
        owner = s.get(Owner, owner_id)
        names[owner_id] = owner.name if owner is not None else f"owner #{owner_id}"
    return names[owner_id]


def _owner(s, key: str | int, now, by_name: dict, known: dict[str, str]) -> tuple[Owner, bool]:
    if isinstance(key, int):
        owner = s.get(Owner, key)
        if owner is None or owner.erased_at is not None:
            raise AssignError("that person is not in the plan any more; nothing was assigned")
        return owner, False
    name = " ".join(key.split())
    if not name:
        raise AssignError("name the owner: a person's name or a role")
    if len(name) > MAX_NAME:
        raise AssignError(f"an owner's name is at most {MAX_NAME} characters")
    owner = by_name.get(name_key(name))
    if owner is not None:
        return owner, False
    if erased_named(s, name):
        raise AssignError(f"{name!r} was erased; nothing was assigned")
    like = _look_alike(name, known)
    if like is not None:
        raise AssignError(
            f"nobody is called {name!r}, but {like!r} is: did you mean them? Nothing was "
            f"assigned (to add {name!r} as someone new: `progressbot people set`)"
        )
    owner = by_name[name_key(name)] = new_owner(s, name, guess_owner_kind(name), now=now)
    return owner, True


def _look_alike(name: str, folded: dict[str, str]) -> str | None:
    """A known owner's name (``folded``: by its folded form) that ``name`` is probably a
    slip for ("Julie Fellow", "Directors of Workforce"); names apart by a number ("Area 1",
    "Area 2") are not."""
    wanted = _fold(name)
    digits = re.findall(r"\d+", wanted)
    for near in difflib.get_close_matches(wanted, folded.keys(), n=3, cutoff=0.88):
        if re.findall(r"\d+", near) == digits:
            return folded[near]
    return None


def _fold(name: str) -> str:
    return re.sub(r"[^\w]+", " ", name.casefold()).strip()
