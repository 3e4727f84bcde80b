"""Matching the plan's people to a chat workspace's members in bulk, by email.

Platform-neutral: an adapter lists the workspace's members (Slack's users.list) as
``Member``s, and ``match_people`` decides, for every person in the plan, whether they are
reachable (an active member with the same email, compared case-insensitively), whose
account is deactivated (reported, never nudged), and who is unmatched. For the unmatched it
also names the members who *look* like them - the same local part at another domain
(``julie.fellows@nhs.net`` against ``julie.fellows@nhs.uk``), the same local part once dots,
hyphens, underscores and a ``+tag`` are ignored, or the same name - so the administrator can
correct the plan's email instead of guessing. Bots and deactivated members are never matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# Slack's own helper has no is_bot flag but is no person either.
NON_PEOPLE_IDS = frozenset({"USLACKBOT"})


@dataclass(frozen=True)
class Member:
    """A workspace member as the platform lists them."""

    user_id: str
    email: str | None
    name: str = ""
    deactivated: bool = False
    is_bot: bool = False

    @property
    def is_person(self) -> bool:
        return not self.is_bot and self.user_id not in NON_PEOPLE_IDS


@runtime_checkable
class Directory(Protocol):
    """A chat workspace's member list (Slack: users.list, paginated, every member)."""

    platform: str

    def members(self) -> Iterable[Member]:
        """Every member, deactivated ones and bots included; raises if the list can't be
        read to the end (a partial list must never be taken for the workspace)."""
        ...


@dataclass(frozen=True)
class PlanPerson:
    """A person in the plan as matching needs them."""

    id: int
    name: str
    email: str | None
    chat_user_id: str | None = None


@dataclass(frozen=True)
class NearMiss:
    person: PlanPerson
    member: Member
    why: str  # "same name before the @, different domain", …

    def describe(self) -> str:
        return f"{self.member.email or 'no email'} ({self.member.name or self.member.user_id}): {self.why}"


@dataclass
class MatchResult:
    matched: list[tuple[PlanPerson, Member]] = field(default_factory=list)
    deactivated: list[tuple[PlanPerson, Member]] = field(default_factory=list)
    unmatched: list[PlanPerson] = field(default_factory=list)  # have an email, nobody has it
    no_email: list[PlanPerson] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    members: int = 0  # members read
    skipped_bots: int = 0
    skipped_deactivated: int = 0  # deactivated members (matched to nobody in the plan or not)

    def near_misses_for(self, person_id: int) -> list[NearMiss]:
        return [n for n in self.near_misses if n.person.id == person_id]


def normal_email(email: str | None) -> str:
    return (email or "").strip().casefold()


def _split(email: str) -> tuple[str, str]:
    local, _, domain = email.rpartition("@")
    return local, domain


def _loose_local(local: str) -> str:
    """The local part with a +tag, dots, hyphens and underscores removed."""
    local = local.split("+", 1)[0]
    return "".join(ch for ch in local if ch not in ".-_'")


def _name_key(name: str) -> str:
    return " ".join(name.casefold().replace(".", " ").split())


def match_people(people: Iterable[PlanPerson], members: Iterable[Member]) -> MatchResult:
    """Match ``people`` to ``members`` (see the module docstring). Linear in both."""
    result = MatchResult()
    active: dict[str, Member] = {}
    gone: dict[str, Member] = {}
    by_id: dict[str, Member] = {}
    by_local: dict[str, list[Member]] = {}
    by_loose: dict[str, list[Member]] = {}
    by_name: dict[str, list[Member]] = {}
    for m in members:
        result.members += 1
        if not m.is_person:
            result.skipped_bots += 1
            continue
        by_id[m.user_id] = m
        email = normal_email(m.email)
        if m.deactivated:
            result.skipped_deactivated += 1
            if email:
                gone.setdefault(email, m)
            continue
        if email:
            active.setdefault(email, m)
            local, _ = _split(email)
            by_local.setdefault(local, []).append(m)
            by_loose.setdefault(_loose_local(local), []).append(m)
        if m.name:
            by_name.setdefault(_name_key(m.name), []).append(m)

    for person in people:
        email = normal_email(person.email)
        if email and email in active:
            result.matched.append((person, active[email]))
            continue
        stored = by_id.get(person.chat_user_id or "")
        if email and email in gone:
            result.deactivated.append((person, gone[email]))
            continue
        if stored is not None and stored.deactivated:
            result.deactivated.append((person, stored))
            continue
        if stored is not None:
            # Matched earlier by id (by hand, or when they wrote to the bot) and still
            # active, though the workspace knows them under another email: keep it.
            result.matched.append((person, stored))
            continue
        (result.unmatched if email else result.no_email).append(person)
        result.near_misses.extend(_near_misses(person, email, by_local, by_loose, by_name))
    return result


def _near_misses(
    person: PlanPerson,
    email: str,
    by_local: dict[str, list[Member]],
    by_loose: dict[str, list[Member]],
    by_name: dict[str, list[Member]],
) -> list[NearMiss]:
    found: dict[str, NearMiss] = {}
    if email:
        local, domain = _split(email)
        for m in by_local.get(local, ()):
            other = _split(normal_email(m.email))[1]
            found.setdefault(
                m.user_id,
                NearMiss(person, m, f"same address at {other} instead of {domain}"),
            )
        for m in by_loose.get(_loose_local(local), ()):
            found.setdefault(
                m.user_id, NearMiss(person, m, "same address but for dots, dashes or a +tag")
            )
    for m in by_name.get(_name_key(person.name), ()):
        found.setdefault(m.user_id, NearMiss(person, m, "same name, different email"))
    return list(found.values())


def summarise(result: MatchResult, *, limit: int = 20) -> list[str]:
    """Lines for a report: who is unmatched, deactivated, and what looks like them."""
    lines: list[str] = []
    for person, member in result.deactivated:
        lines.append(
            f"{person.name} <{person.email or member.email}>: chat account deactivated "
            "(not nudged; give their actions another owner)"
        )
    shown = 0
    for person in [*result.unmatched, *result.no_email]:
        if shown >= limit:
            rest = len(result.unmatched) + len(result.no_email) - shown
            lines.append(f"… and {rest} more (`progressbot people list --unmatched`)")
            break
        shown += 1
        why = (
            f"nobody in the workspace has {person.email}"
            if person.email
            else "no email in the plan"
        )
        hints = result.near_misses_for(person.id)
        hint = "; looks like " + ", ".join(n.describe() for n in hints) if hints else ""
        lines.append(f"{person.name}: {why}{hint}")
    return lines
