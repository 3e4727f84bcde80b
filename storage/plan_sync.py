"""Writes an imported plan into the store: creates it, or updates it in place on re-import.

The caller hands over a fully parsed PlanSpec; everything is written in one transaction, so a
failure leaves the database exactly as it was. Actions are matched by key (their reference,
or a hash of their text), so re-importing the same file reports everything unchanged.
Actions that disappear from the file are archived, never deleted: their history stays.
Owners an administrator assigned by hand (ActionOwner.by_hand) stay through a re-import: the
file not naming them is not the file removing them; where the file names owners of its own,
they come first and the hand-assigned stay beside them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.cache import apply_to_action_cache
from storage.models import (
    Action,
    ActionOwner,
    ActionVersion,
    DeadlineRevision,
    Objective,
    Owner,
    Plan,
    Theme,
    Update,
)


def text_key(text: str) -> str:
    """A stable key for free text: case and whitespace do not matter."""
    norm = " ".join(text.split()).casefold()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


@dataclass
class OwnerSpec:
    name: str
    kind: str  # "person" | "role"
    email: str | None = None  # an owner cell that gave an email: matched to people by it


@dataclass
class DeadlineSpec:
    text: str
    due: date | None
    kind: str
    sure: bool
    steps: list[tuple[str, date | None]] = field(default_factory=list)


@dataclass
class ProgressSpec:
    text: str  # as written in the file: the idempotency fingerprint
    status: str | None
    commentary: str


@dataclass
class ActionSpec:
    text: str
    theme: str
    objective: str
    deadline: DeadlineSpec
    owners: list[OwnerSpec]
    ref: str | None = None
    theme_tags: list[str] = field(default_factory=list)
    progress: ProgressSpec | None = None
    source_row: int = 0
    theme_heading: str = ""  # the theme as the plan writes it (the report's heading)
    owner_text: str = ""  # the owner cell as written (the report's owner cell)

    @property
    def key(self) -> str:
        return f"ref:{self.ref.casefold()}" if self.ref else text_key(self.text)


@dataclass
class PlanSpec:
    name: str
    actions: list[ActionSpec]
    title: str = ""
    organisation: str = ""
    period: str = ""
    fy_start_year: int | None = None
    fy_start_month: int = 4
    timezone: str = "Europe/London"
    # The file's columns in order, as (field, header text); kept for the board report.
    columns: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SyncReport:
    plan_id: int = 0
    plan_created: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    themes_created: int = 0
    objectives_created: int = 0
    owners_created: int = 0
    updates_added: int = 0
    revisions_added: int = 0


def sync_plan(session: Session, spec: PlanSpec, *, now: datetime) -> SyncReport:
    """Create or update ``spec`` in the store. The caller owns the transaction."""
    report = SyncReport()
    plan = session.exec(select(Plan).where(Plan.name == spec.name)).first()
    if plan is None:
        plan = Plan(name=spec.name, created_at=now, updated_at=now)
        report.plan_created = True
    for attr in ("title", "organisation", "period", "fy_start_year", "fy_start_month", "timezone"):
        value = getattr(spec, attr)
        if value not in (None, "") and getattr(plan, attr) != value:
            setattr(plan, attr, value)
            plan.updated_at = now
    if spec.columns:
        columns_json = json.dumps([list(c) for c in spec.columns])
        if plan.columns_json != columns_json:
            plan.columns_json = columns_json
            plan.updated_at = now
    session.add(plan)
    session.flush()
    report.plan_id = plan.id

    themes = _sync_themes(session, plan, spec, report)
    objectives = _sync_objectives(session, themes, spec, report)
    owners = _sync_owners(session, spec, now, report)
    _sync_actions(session, plan, spec, themes, objectives, owners, now, report)
    return report


def _sync_themes(session, plan, spec, report) -> dict[str, Theme]:
    existing = {t.name: t for t in session.exec(select(Theme).where(Theme.plan_id == plan.id))}
    order: dict[str, list[str]] = {}
    headings: dict[str, str] = {}
    for a in spec.actions:
        headings.setdefault(a.theme, a.theme_heading)
        tags = order.setdefault(a.theme, [])
        for tag in a.theme_tags:
            if tag and tag not in tags:
                tags.append(tag)
    for position, (name, tags) in enumerate(order.items()):
        theme = existing.get(name)
        if theme is None:
            theme = Theme(plan_id=plan.id, name=name)
            existing[name] = theme
            report.themes_created += 1
        tag_text = "\n".join(tags)
        heading = headings.get(name) or ""
        if (
            theme.tags != tag_text
            or theme.position != position
            or theme.heading != heading
            or theme.id is None
        ):
            theme.tags, theme.position, theme.heading = tag_text, position, heading
            session.add(theme)
    session.flush()
    return existing


def _sync_objectives(session, themes, spec, report) -> dict[tuple[int, str], Objective]:
    theme_ids = [t.id for t in themes.values()]
    existing = {
        (o.theme_id, o.key): o
        for o in session.exec(select(Objective).where(Objective.theme_id.in_(theme_ids)))
    }
    position = 0
    for a in spec.actions:
        if not a.objective:
            continue
        k = (themes[a.theme].id, text_key(a.objective))
        if k not in existing:
            existing[k] = Objective(theme_id=k[0], key=k[1], text=a.objective, position=position)
            session.add(existing[k])
            report.objectives_created += 1
        position += 1
    session.flush()
    return existing


def _sync_owners(session, spec, now, report) -> dict[str, Owner]:
    wanted = {o.name: o for a in spec.actions for o in a.owners}
    existing = {o.name: o for o in session.exec(select(Owner).where(Owner.name.in_(list(wanted))))}
    for name, o in wanted.items():
        if o.email:
            # An owner written as an email is the person with that email, whatever their name.
            by_email = session.exec(
                select(Owner).where(
                    func.lower(Owner.email) == o.email.lower(), Owner.kind == "person"
                )
            ).first()
            if by_email is not None:
                existing[name] = by_email
                continue
            if name in existing and existing[name].kind == "person":
                if not existing[name].email:
                    existing[name].email = o.email
                    session.add(existing[name])
                continue
            if name in existing:
                # The name is a role's: keep the person apart, named by their email.
                name_for = o.email
                existing[name] = session.exec(
                    select(Owner).where(Owner.name == name_for)
                ).first() or Owner(name=name_for, kind="person", email=o.email, created_at=now)
                session.add(existing[name])
                continue
            existing[name] = Owner(name=name, kind="person", email=o.email, created_at=now)
            session.add(existing[name])
            report.owners_created += 1
            continue
        if name not in existing:
            existing[name] = Owner(name=name, kind=o.kind, created_at=now)
            session.add(existing[name])
            report.owners_created += 1
    session.flush()
    return existing


def _sync_actions(session, plan, spec, themes, objectives, owners, now, report) -> None:
    existing = {a.key: a for a in session.exec(select(Action).where(Action.plan_id == plan.id))}
    ids = [a.id for a in existing.values()]
    owner_links: dict[int, list[int]] = {}
    by_hand: dict[int, list[int]] = {}  # owners an administrator gave, kept by a re-import
    revisions: dict[int, list[str]] = {}
    import_updates: set[str] = set()
    if ids:
        for link in session.exec(
            select(ActionOwner).where(ActionOwner.action_id.in_(ids)).order_by(ActionOwner.position)
        ):
            owner_links.setdefault(link.action_id, []).append(link.owner_id)
            if link.by_hand:
                by_hand.setdefault(link.action_id, []).append(link.owner_id)
        for rev in session.exec(
            select(DeadlineRevision)
            .where(DeadlineRevision.action_id.in_(ids), DeadlineRevision.source == "import")
            .order_by(DeadlineRevision.id)
        ):
            revisions.setdefault(rev.action_id, []).append(rev.text)
        import_updates = set(
            session.exec(
                select(Update.external_id).where(
                    Update.action_id.in_(ids), Update.source == "import"
                )
            )
        )

    seen: set[str] = set()
    pending: list[tuple[Action, Update]] = []  # import updates, cached once they have ids
    new_pairs: list[tuple[Action, ActionSpec]] = []
    for position, a in enumerate(spec.actions):
        key = a.key
        seen.add(key)
        theme_id = themes[a.theme].id
        objective_id = objectives[(theme_id, text_key(a.objective))].id if a.objective else None
        fields = {
            "ref": a.ref,
            "text": a.text,
            "theme_id": theme_id,
            "objective_id": objective_id,
            "position": position,
            "owner_text": a.owner_text,
            "archived_at": None,
        }
        action = existing.get(key)
        # The file's deadline only wins when the file changed it: a revision an owner made in
        # chat must survive re-importing the same spreadsheet.
        if action is None or not _steps_known(a.deadline, revisions.get(action.id, [])):
            fields |= {
                "deadline_text": a.deadline.text,
                "due_date": a.deadline.due,
                "deadline_kind": a.deadline.kind,
                "deadline_sure": a.deadline.sure,
            }
        if action is None:
            action = Action(plan_id=plan.id, key=key, created_at=now, updated_at=now, **fields)
            session.add(action)
            new_pairs.append((action, a))
            report.created += 1
            continue
        hand = by_hand.get(action.id, [])
        # The file's owners first, then those given by hand that the file does not name: the
        # file not naming an owner never takes one an administrator assigned.
        owner_ids = list(dict.fromkeys([owners[o.name].id for o in a.owners] + hand))
        changed = any(getattr(action, k) != v for k, v in fields.items())
        changed |= owner_links.get(action.id, []) != owner_ids
        if changed:
            _keep_versions(session, action, fields, owner_links.get(action.id, []), owner_ids, now)
            for k, v in fields.items():
                setattr(action, k, v)
            action.updated_at = now
            session.add(action)
            _replace_owner_links(session, action.id, owner_ids, set(hand))
            report.updated += 1
        else:
            report.unchanged += 1
        _add_revisions(session, action.id, a.deadline, revisions.get(action.id, []), now, report)
        _add_import_update(session, plan.id, action, a, import_updates, pending, now, report)

    for key, action in existing.items():
        if key not in seen and action.archived_at is None:
            action.archived_at = now
            action.updated_at = now
            session.add(action)
            report.archived += 1

    session.flush()
    for action, a in new_pairs:
        for pos, o in enumerate(a.owners):
            session.add(ActionOwner(action_id=action.id, owner_id=owners[o.name].id, position=pos))
        _add_revisions(session, action.id, a.deadline, [], now, report)
        _add_import_update(session, plan.id, action, a, import_updates, pending, now, report)
    session.flush()
    for action, update in pending:
        apply_to_action_cache(action, update)
        session.add(action)
    session.flush()


_VERSIONED = ("text", "theme_id", "objective_id", "owner_text")


def _keep_versions(session, action: Action, fields: dict, old_owners, new_owners, now) -> None:
    """Before a re-import changes what the plan row says: keep the row as it was (from the
    action's creation, the first time) and as it now is (from ``now``), for the report as
    at a past date."""
    first = session.exec(
        select(ActionVersion.id).where(ActionVersion.action_id == action.id).limit(1)
    ).first()
    if first is None:
        session.add(
            ActionVersion(
                action_id=action.id,
                deadline_text=action.deadline_text,
                owner_ids=",".join(map(str, old_owners)),
                recorded_at=action.created_at,
                **{k: getattr(action, k) for k in _VERSIONED},
            )
        )
    session.add(
        ActionVersion(
            action_id=action.id,
            deadline_text=fields.get("deadline_text", action.deadline_text),
            owner_ids=",".join(map(str, new_owners)),
            recorded_at=now,
            **{k: fields[k] for k in _VERSIONED},
        )
    )


def _replace_owner_links(session, action_id, wanted: list[int], by_hand: set[int]) -> None:
    for link in session.exec(select(ActionOwner).where(ActionOwner.action_id == action_id)):
        session.delete(link)
    session.flush()
    for pos, oid in enumerate(dict.fromkeys(wanted)):
        session.add(
            ActionOwner(action_id=action_id, owner_id=oid, position=pos, by_hand=oid in by_hand)
        )


def _steps(deadline: DeadlineSpec) -> list[tuple[str, date | None]]:
    return deadline.steps or ([(deadline.text, deadline.due)] if deadline.text else [])


def _steps_known(deadline: DeadlineSpec, known: list[str]) -> bool:
    return all(text in known for text, _ in _steps(deadline))


def _add_revisions(session, action_id, deadline: DeadlineSpec, known: list[str], now, report):
    """Append the steps of the deadline chain this action has not had yet (history is kept)."""
    for text, due in _steps(deadline):
        if text in known:
            continue
        session.add(
            DeadlineRevision(
                action_id=action_id, text=text, due_date=due, source="import", recorded_at=now
            )
        )
        known.append(text)
        report.revisions_added += 1


def _add_import_update(session, plan_id, action, a: ActionSpec, known, pending, now, report):
    if a.progress is None or not a.progress.text.strip():
        return
    external_id = f"import:{plan_id}:{action.key}:{text_key(a.progress.text)[:16]}"
    if external_id in known:
        return
    update = Update(
        plan_id=plan_id,
        action_id=action.id,
        author_name="import",
        status=a.progress.status,
        commentary=a.progress.commentary,
        source="import",
        external_id=external_id,
        created_at=now,
    )
    session.add(update)
    known.add(external_id)
    pending.append((action, update))
    report.updates_added += 1
