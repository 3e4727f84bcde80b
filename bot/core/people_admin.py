"""The administrator's view of people: who owns what, emails, roles, chat matching, and
loading a people list (name, email, role) from CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.clock import Clock
from storage.engine import read_session, write_session
from storage.people import actions_by_owner, all_owners, assign_role, upsert_person
from storage.queries import current_role_holders


class PeopleFileError(ValueError):
    """A people CSV that cannot be used; the message names the row and column."""


@dataclass
class PersonRow:
    name: str
    kind: str
    email: str | None
    chat_user_id: str | None
    actions: int
    links: list[str] = field(default_factory=list)  # roles held (person) / holders (role)

    @property
    def matched(self) -> bool:
        return self.kind == "role" or bool(self.chat_user_id)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "email": self.email,
            "chat_user_id": self.chat_user_id,
            "actions": self.actions,
            "roles" if self.kind == "person" else "held_by": self.links,
        }


def people_rows(engine: Engine) -> list[PersonRow]:
    with read_session(engine) as s:
        owners = all_owners(s)
        owned = actions_by_owner(s)
        holders = current_role_holders(s)
    names = {o.id: o.name for o in owners}
    held: dict[int, list[str]] = {}
    through_roles: dict[int, set[int]] = {}  # person id -> actions owned by roles they hold
    for role_id, people in holders.items():
        for p in people:
            held.setdefault(p.id, []).append(names[role_id])
            through_roles.setdefault(p.id, set()).update(owned.get(role_id, ()))
    rows = []
    for o in owners:
        links = (
            held.get(o.id, []) if o.kind == "person" else [p.name for p in holders.get(o.id, ())]
        )
        # A person answers for their own actions and those of the roles they hold (once each).
        actions = owned.get(o.id, set()) | through_roles.get(o.id, set())
        rows.append(PersonRow(o.name, o.kind, o.email, o.chat_user_id, len(actions), links))
    return rows


def unmatched(engine: Engine) -> list[PersonRow]:
    """People with no chat user yet, and roles that nobody holds."""
    return [
        r
        for r in people_rows(engine)
        if (r.kind == "person" and not r.chat_user_id) or (r.kind == "role" and not r.links)
    ]


def set_person(
    engine: Engine,
    clock: Clock,
    name: str,
    *,
    email: str | None = None,
    role: str | None = None,
    chat_user_id: str | None = None,
    is_admin: bool | None = None,
) -> PersonRow:
    with write_session(engine) as s:
        person = upsert_person(
            s, name, now=clock.now(), email=email, chat_user_id=chat_user_id, is_admin=is_admin
        )
        if role:
            assign_role(s, role, person, now=clock.now())
    return next(r for r in people_rows(engine) if r.name == person.name)


def import_people(engine: Engine, clock: Clock, path: str | Path) -> int:
    """Load `name,email,role` rows (role optional; header required). All or nothing."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            if "name" not in header:
                raise PeopleFileError(f"{path.name}: row 1: no 'name' column (found {header})")
            rows = [
                {(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PeopleFileError(f"{path.name}: can't read it as a UTF-8 CSV file ({exc})") from exc
    for i, r in enumerate(rows, start=2):
        if not r.get("name"):
            raise PeopleFileError(f"{path.name}: row {i}, column 'name': empty")
        email = r.get("email", "")
        if email and ("@" not in email or " " in email):
            raise PeopleFileError(
                f"{path.name}: row {i}, column 'email': {email!r} is not an email"
            )
    with write_session(engine) as s:
        for r in rows:
            person = upsert_person(s, r["name"], now=clock.now(), email=r.get("email") or None)
            for role in filter(None, (x.strip() for x in r.get("role", "").split(";"))):
                assign_role(s, role, person, now=clock.now())
    return len(rows)
