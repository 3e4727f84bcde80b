"""Bulk loading of update history (for benchmarks and migrations from old systems): many
rows per statement, then one pass to refresh each action's cached latest status."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from storage.models import Action, Update

CHUNK = 5_000


def bulk_insert_updates(session: Session, rows: Iterable[dict]) -> int:
    """Insert update rows (dicts of Update columns) in chunks; returns how many."""
    n = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            session.execute(insert(Update), chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        session.execute(insert(Update), chunk)
        n += len(chunk)
    return n


def refresh_status_cache(session: Session, plan_id: int) -> None:
    """Set each action's cached status to its latest update's (by time, then id)."""
    latest = (
        select(Update.action_id, func.max(Update.id).label("uid"))
        .join(Action, Action.id == Update.action_id)
        .where(Action.plan_id == plan_id)
        .group_by(Update.action_id)
        .subquery()
    )
    rows = session.execute(
        select(Update.action_id, Update.id, Update.status, Update.created_at).join(
            latest, latest.c.uid == Update.id
        )
    ).all()
    params = [{"aid": aid, "uid": uid, "st": status, "at": at} for aid, uid, status, at in rows]
    if params:
        from sqlalchemy import bindparam

        stmt = (
            update(Action)
            .where(Action.id == bindparam("aid"))
            .values(
                status=bindparam("st"), status_at=bindparam("at"), last_update_id=bindparam("uid")
            )
        )
        session.connection().execute(stmt, params)
