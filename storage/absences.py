"""Who can be reached: owners' absences (away until a date, with or without a deputy) and the
plan administrators who receive what nobody else holds.

An absence is never deleted: "back" early sets ``cancelled_at``, so the history of who
covered for whom stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine

from storage.engine import read_session, write_session
from storage.models import Absence, Owner
from storage.queries import NotFound, OwnerView, owner_view


@dataclass(frozen=True)
class AbsenceView:
    person_id: int
    starts: date
    until: date  # the last day away (inclusive)
    deputy_id: int | None = None

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.until


def set_absence(
    engine: Engine,
    person_id: int,
    *,
    starts: date,
    until: date,
    deputy_id: int | None,
    now: datetime,
) -> AbsenceView:
    """Record that ``person_id`` is away from ``starts`` to ``until`` (inclusive). An earlier
    absence that overlaps is cancelled: the newest statement of someone's plans wins."""
    if until < starts:
        raise ValueError(f"the return date {until:%-d %b %Y} is before {starts:%-d %b %Y}")
    if deputy_id == person_id:
        raise ValueError("a deputy must be someone else")
    with write_session(engine) as s:
        person = s.get(Owner, person_id)
        if person is None or person.kind != "person":
            raise NotFound(f"no person with id {person_id}")
        if deputy_id is not None:
            deputy = s.get(Owner, deputy_id)
            if deputy is None or deputy.kind != "person":
                raise NotFound("the deputy must be a person, not a role")
        for old in _open(s, [person_id], starts):
            old.cancelled_at = now
            s.add(old)
        s.add(
            Absence(
                person_id=person_id,
                starts=starts,
                until=until,
                deputy_id=deputy_id,
                created_at=now,
            )
        )
    return AbsenceView(person_id, starts, until, deputy_id)


def end_absence(engine: Engine, person_id: int, *, today: date, now: datetime) -> int:
    """ "Back": cancel the person's absences that cover today or later; returns how many."""
    with write_session(engine) as s:
        found = _open(s, [person_id], today)
        for a in found:
            a.cancelled_at = now
            s.add(a)
        return len(found)


def _open(s, person_ids: list[int], on_or_after: date) -> list[Absence]:
    return list(
        s.scalars(
            select(Absence).where(
                Absence.person_id.in_(person_ids),
                Absence.cancelled_at.is_(None),
                Absence.until >= on_or_after,
            )
        )
    )


def people_covered_by(session, deputy_id: int, day: date) -> list[int]:
    """The people whose absence covering ``day`` names ``deputy_id`` as their deputy."""
    return people_covered_by_each(session, [deputy_id], day).get(deputy_id, [])


def people_covered_by_each(session, deputy_ids: Iterable[int], day: date) -> dict[int, list[int]]:
    """``people_covered_by`` for several deputies in one query: deputy id → the people they
    cover on ``day`` (deputies covering nobody are left out)."""
    ids = sorted(set(deputy_ids))
    if not ids:
        return {}
    covered: dict[int, list[int]] = {}
    for deputy_id, person_id in session.execute(
        select(Absence.deputy_id, Absence.person_id).where(
            Absence.deputy_id.in_(ids),
            Absence.cancelled_at.is_(None),
            Absence.starts <= day,
            Absence.until >= day,
        )
    ):
        covered.setdefault(deputy_id, []).append(person_id)
    return covered


def absences_on(engine: Engine, day: date) -> dict[int, AbsenceView]:
    """The absence covering ``day`` for each person away then (the newest if several)."""
    with read_session(engine) as s:
        rows = s.scalars(
            select(Absence)
            .where(
                Absence.cancelled_at.is_(None),
                Absence.starts <= day,
                Absence.until >= day,
            )
            .order_by(Absence.created_at, Absence.id)
        )
        return {a.person_id: AbsenceView(a.person_id, a.starts, a.until, a.deputy_id) for a in rows}


def current_absence(engine: Engine, person_id: int, day: date) -> AbsenceView | None:
    """The person's absence that covers ``day`` or starts later (what "am I away?" reads)."""
    with read_session(engine) as s:
        a = s.scalars(
            select(Absence)
            .where(
                Absence.person_id == person_id,
                Absence.cancelled_at.is_(None),
                Absence.until >= day,
            )
            .order_by(Absence.starts, Absence.id)
        ).first()
    return None if a is None else AbsenceView(a.person_id, a.starts, a.until, a.deputy_id)


def administrators(engine: Engine, emails: Iterable[str] = ()) -> list[OwnerView]:
    """People marked as administrators, or whose email is in ``emails`` (the ADMIN_EMAILS
    setting), by name."""
    wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
    with read_session(engine) as s:
        cond = Owner.is_admin.is_(True)
        if wanted:
            cond = or_(cond, func.lower(Owner.email).in_(wanted))
        rows = s.scalars(select(Owner).where(Owner.kind == "person", cond))
        return sorted((owner_view(o) for o in rows), key=lambda o: (o.name.casefold(), o.id))


def people_by_id(engine: Engine, ids: Iterable[int]) -> dict[int, OwnerView]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with read_session(engine) as s:
        return {o.id: owner_view(o) for o in s.scalars(select(Owner).where(Owner.id.in_(wanted)))}
