"""The administrator's view of people: who owns what, emails, roles, chat matching, and
loading a people list (name, email, role) from CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.core.clock import Clock
from storage.audit import record
from storage.engine import read_session, write_session
from storage.people import (
    actions_by_owner,
    all_owners,
    assign_role,
    find_by_email,
    find_owner,
    set_chat_identity,
    upsert_person,
)
from storage.people_sync import Reachability, reachability
from storage.queries import current_role_holders

PLATFORMS = ("slack", "teams")
NO_TEAMS_CONVERSATION = "no Teams conversation yet (app not installed for them)"


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
    # platform -> why this person cannot be reached there yet (absent: reachable)
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.kind == "role" or (bool(self.chat_user_id) and not self.unreachable)

    def as_dict(self) -> dict:
        out = {
            "name": self.name,
            "kind": self.kind,
            "email": self.email,
            "chat_user_id": self.chat_user_id,
            "actions": self.actions,
            "roles" if self.kind == "person" else "held_by": self.links,
        }
        if self.kind == "person":
            out["unreachable"] = dict(self.unreachable)
        return out


def why_unreachable(
    platform: str,
    person_id: int,
    email: str | None,
    chat_user_id: str | None,
    reach: Reachability,
) -> str | None:
    """Why a person cannot be reached on ``platform`` yet, or None if they can."""
    if platform == "teams":
        # First contact in Teams needs the app installed for the person (an app setup
        # policy in the Teams admin centre): the bot then stores their conversation.
        return None if person_id in reach.conversations.get("teams", ()) else NO_TEAMS_CONVERSATION
    if person_id in reach.deactivated:
        return "account deactivated: reported, not nudged"
    if chat_user_id:
        return None
    if not email:
        return "no email in the plan: add one with `progressbot people set NAME --email E`"
    if (reach.unmatched_email.get(person_id) or "") == email.strip().casefold():
        return (
            f"nobody in the workspace has {email} "
            "(`progressbot people sync` lists look-alike emails)"
        )
    return "not matched yet: run `progressbot people sync`"


def people_rows(engine: Engine, platforms: tuple[str, ...] = ("slack",)) -> list[PersonRow]:
    """Everyone, with why each person can't yet be reached on each of ``platforms``."""
    with read_session(engine) as s:
        owners = all_owners(s)
        owned = actions_by_owner(s)
        holders = current_role_holders(s)
    reach = reachability(engine)
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
        why: dict[str, str] = {}
        if o.kind == "person":
            for platform in platforms:
                reason = why_unreachable(platform, o.id, o.email, o.chat_user_id, reach)
                if reason:
                    why[platform] = reason
        # A person answers for their own actions and those of the roles they hold (once each).
        actions = owned.get(o.id, set()) | through_roles.get(o.id, set())
        rows.append(PersonRow(o.name, o.kind, o.email, o.chat_user_id, len(actions), links, why))
    return rows


def unmatched(engine: Engine, platforms: tuple[str, ...] = ("slack",)) -> list[PersonRow]:
    """People who cannot yet be reached on one of ``platforms`` (and why), and roles that
    nobody holds."""
    return [
        r
        for r in people_rows(engine, platforms)
        if (r.kind == "person" and r.unreachable) or (r.kind == "role" and not r.links)
    ]


class NeedsConfirmation(ValueError):
    """An administrative change that would move an identity (a person's email or chat user
    changes): described, not done. The caller asks, then calls again with confirmed=True."""

    def __init__(self, changes: list[str]):
        self.changes = changes
        super().__init__(
            "this would change who someone is: " + "; ".join(changes) + ". Nothing was changed."
        )


def _check_email_free(s, email: str | None, person, where: str = "") -> None:
    if not email:
        return
    other = find_by_email(s, email)
    if other is not None and (person is None or other.id != person.id):
        raise ValueError(
            f"{where}{email} is already the email of {other.name}: one email, one person "
            f"(change {other.name}'s first)"
        )


def set_person(
    engine: Engine,
    clock: Clock,
    name: str,
    *,
    email: str | None = None,
    role: str | None = None,
    is_admin: bool | None = None,
    by: str = "command line",
    confirmed: bool = False,
) -> PersonRow:
    """Add the person ``name`` or change their email, role or administrator flag. A person
    is found by name only here, where the administrator names them; changing an email they
    already have (which unlinks the chat user matched by it) needs ``confirmed``."""
    with write_session(engine) as s:
        person = find_owner(s, name)
        if person is not None and person.kind != "person":
            raise ValueError(f"{person.name!r} is a role in the plan; give the person's own name")
        _check_email_free(s, email, person)
        created = person is None
        if person is not None and email is not None and person.email:
            if person.email.casefold() != (email.strip() or "").casefold():
                moved = [f"{person.name}: email {person.email} -> {email.strip() or 'none'}"]
                if person.chat_user_id:
                    moved.append(f"{person.name}: chat user {person.chat_user_id} unlinked")
                if not confirmed:
                    raise NeedsConfirmation(moved)
        now = clock.now()
        if person is None:
            person = upsert_person(s, name, now=now)
        changes = set_chat_identity(s, person, email=email) if email is not None else []
        if is_admin is not None and person.is_admin != is_admin:
            changes.append(f"administrator {person.is_admin} -> {is_admin}")
            person.is_admin = is_admin
            s.add(person)
        if role:
            assign_role(s, role, person, now=now)
        record(
            s,
            actor=by,
            action="people.set",
            subject=person.name,
            subject_owner_id=person.id,
            now=now,
            created=created,
            role=role,
            changes=changes,
        )
        person_name = person.name
    return next(r for r in people_rows(engine) if r.name == person_name)


def import_people(
    engine: Engine,
    clock: Clock,
    path: str | Path,
    *,
    by: str = "command line",
    confirmed: bool = False,
) -> int:
    """Load `name,email,role` rows (role optional; header required). All or nothing. A row
    that would change the email of someone already known needs ``confirmed``; an email that
    belongs to a different person is refused, naming the row."""
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
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, start=2):
        email = (r.get("email") or "").casefold()
        if email and email in seen:
            raise PeopleFileError(
                f"{path.name}: row {i}, column 'email': {r['email']} is also on row {seen[email]}"
            )
        if email:
            seen[email] = i
    now = clock.now()
    with write_session(engine) as s:
        moves: list[str] = []
        for i, r in enumerate(rows, start=2):
            person = find_owner(s, r["name"])
            if person is not None and person.kind != "person":
                raise PeopleFileError(
                    f"{path.name}: row {i}, column 'name': {person.name!r} is a role in the plan"
                )
            try:
                _check_email_free(s, r.get("email"), person, f"{path.name}: row {i}: ")
            except ValueError as exc:
                raise PeopleFileError(str(exc)) from None
            new = r.get("email") or None
            if (
                person is not None
                and new
                and person.email
                and person.email.casefold() != new.casefold()
            ):
                moves.append(f"row {i}: {person.name}: email {person.email} -> {new}")
        if moves and not confirmed:
            raise NeedsConfirmation(moves)
        created = 0
        for r in rows:
            person = find_owner(s, r["name"])
            if person is None:
                person = upsert_person(s, r["name"], now=now)
                created += 1
            if r.get("email"):
                set_chat_identity(s, person, email=r["email"])
            for role in filter(None, (x.strip() for x in r.get("role", "").split(";"))):
                assign_role(s, role, person, now=now)
        record(
            s,
            actor=by,
            action="people.import",
            subject=path.name,
            now=now,
            rows=len(rows),
            created=created,
            email_changes=moves,
        )
    return len(rows)
