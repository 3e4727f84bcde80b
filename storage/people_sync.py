"""Storing what a people sync found: chat user ids of the matched, deactivated accounts,
emails nobody in the workspace has, and one row per sync run ("last synced")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.engine import read_session, write_session
from storage.models import ChatConversation, Owner, PeopleSync


def _normal(email: str | None) -> str:
    return (email or "").strip().casefold()


def plan_people(engine: Engine) -> list[tuple[int, str, str | None, str | None]]:
    """Every person (not role): (id, name, email, chat user id)."""
    with read_session(engine) as s:
        rows = s.execute(
            select(Owner.id, Owner.name, Owner.email, Owner.chat_user_id)
            .where(Owner.kind == "person")
            .order_by(Owner.name)
        )
        return [tuple(r) for r in rows]


@dataclass(frozen=True)
class SyncOutcome:
    """What matching decided, by person id (bot/core/people_match.py decides it)."""

    members: int
    matched: list[tuple[int, str]]  # (person id, user id)
    deactivated: list[tuple[int, str]]
    unmatched: list[int]  # with or without an email
    near_misses: int


@dataclass(frozen=True)
class SyncCounts:
    matched: int
    newly_matched: int
    unmatched: int
    deactivated: int
    near_misses: int
    sync_id: int | None


def apply_sync(
    engine: Engine, platform: str, outcome: SyncOutcome, *, started_at: datetime, now: datetime
) -> SyncCounts:
    """Write ``outcome`` in one transaction, with the run's row. A user id set by hand is
    kept when the sync finds nobody: only a match or a deactivation changes it."""
    ids = (
        {pid for pid, _ in outcome.matched}
        | {pid for pid, _ in outcome.deactivated}
        | set(outcome.unmatched)
    )
    newly = 0
    with write_session(engine) as s:
        owners = {o.id: o for o in s.exec(select(Owner).where(Owner.id.in_(ids)))} if ids else {}
        # One chat user, one person (bot/core/identity.py): a user id another person already
        # holds is never moved by a sync; an administrator settles it with `/actions map`.
        wanted = [u for _, u in (*outcome.matched, *outcome.deactivated)]
        held = _holders(s, wanted)
        for pid, user_id in outcome.matched:
            o = owners.get(pid)
            if o is None or held.get(user_id, pid) != pid:
                continue  # removed while the workspace was being read, or someone else's
            newly += o.chat_user_id != user_id
            o.chat_user_id = user_id
            o.chat_deactivated_at = None
            o.chat_unmatched_email = None
        for pid, user_id in outcome.deactivated:
            o = owners.get(pid)
            if o is None or held.get(user_id, pid) != pid:
                continue
            o.chat_user_id = user_id  # their old messages still map to them
            o.chat_deactivated_at = o.chat_deactivated_at or now
            o.chat_unmatched_email = None
        for pid in outcome.unmatched:
            o = owners.get(pid)
            if o is None:
                continue
            o.chat_deactivated_at = None
            o.chat_unmatched_email = _normal(o.email) or None
        s.add_all(owners.values())
        run = PeopleSync(
            platform=platform,
            started_at=started_at,
            finished_at=now,
            members=outcome.members,
            matched=len(outcome.matched),
            newly_matched=newly,
            unmatched=len(outcome.unmatched),
            deactivated=len(outcome.deactivated),
            near_misses=outcome.near_misses,
        )
        s.add(run)
        s.flush()
        sync_id = run.id
    return SyncCounts(
        len(outcome.matched),
        newly,
        len(outcome.unmatched),
        len(outcome.deactivated),
        outcome.near_misses,
        sync_id,
    )


def _holders(session: Session, user_ids: list[str]) -> dict[str, int]:
    """Chat user id -> the person who already holds it, for those ids that are held."""
    held: dict[str, int] = {}
    for i in range(0, len(user_ids), 500):
        chunk = user_ids[i : i + 500]
        for pid, uid in session.execute(
            select(Owner.id, Owner.chat_user_id).where(Owner.chat_user_id.in_(chunk))
        ):
            held[uid] = pid
    return held


def last_sync(engine: Engine, platform: str) -> PeopleSync | None:
    with read_session(engine) as s:
        run = s.exec(
            select(PeopleSync)
            .where(PeopleSync.platform == platform)
            .order_by(PeopleSync.finished_at.desc(), PeopleSync.id.desc())
            .limit(1)
        ).first()
        return run


def may_look_up(owner: Owner) -> bool:
    """Whether a per-person look-up by email is worth a call: the person has an email that
    no sync or earlier look-up has already found nobody for."""
    email = _normal(owner.email)
    return bool(email) and email != (owner.chat_unmatched_email or "")


def remember_lookup(session: Session, owner: Owner, user_id: str | None) -> None:
    """The outcome of a per-person look-up (the fall-back for someone added between syncs)."""
    if user_id:
        owner.chat_user_id = user_id
        owner.chat_unmatched_email = None
    else:
        owner.chat_unmatched_email = _normal(owner.email) or None
    session.add(owner)


@dataclass(frozen=True)
class Reachability:
    """What people list needs to say why someone cannot be reached."""

    deactivated: frozenset[int]
    unmatched_email: dict[int, str]  # person id -> the email nobody has
    conversations: dict[str, frozenset[int]]  # platform -> people with a stored conversation


def reachability(engine: Engine) -> Reachability:
    with read_session(engine) as s:
        rows = s.execute(
            select(Owner.id, Owner.chat_deactivated_at, Owner.chat_unmatched_email).where(
                Owner.kind == "person"
            )
        ).all()
        convs = s.execute(select(ChatConversation.platform, ChatConversation.owner_id)).all()
    by_platform: dict[str, set[int]] = {}
    for platform, owner_id in convs:
        by_platform.setdefault(platform, set()).add(owner_id)
    return Reachability(
        frozenset(r[0] for r in rows if r[1] is not None),
        {r[0]: r[2] for r in rows if r[2]},
        {k: frozenset(v) for k, v in by_platform.items()},
    )
