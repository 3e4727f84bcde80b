"""Bulk loading of update history (for benchmarks and migrations from old systems): many
rows per statement, then one pass to refresh each action's cached latest status and its
LatestUpdate row (storage/cache.py keeps both current for updates appended one by one)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session

from storage.models import Action, LatestUpdate, Update

CHUNK = 5_000


def bulk_insert_updates(session: Session, rows: Iterable[dict]) -> int:
    """Insert update rows (dicts of Update columns; ``plan_id`` is filled in from the action
    when missing) in chunks; returns how many. Call ``refresh_status_cache`` afterwards."""
    n = 0
    chunk: list[dict] = []
    plans: dict[int, int] = {}

    def flush() -> None:
        unknown = {r["action_id"] for r in chunk if not r.get("plan_id")} - plans.keys()
        if unknown:
            plans.update(
                session.execute(
                    select(Action.id, Action.plan_id).where(Action.id.in_(list(unknown)))
                ).all()
            )
        for r in chunk:
            if not r.get("plan_id"):
                r["plan_id"] = plans[r["action_id"]]
        session.execute(insert(Update), chunk)

    for row in rows:
        chunk.append(dict(row))
        if len(chunk) >= CHUNK:
            flush()
            n += len(chunk)
            chunk = []
    if chunk:
        flush()
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
    refresh_latest_updates(session, plan_id)


def refresh_latest_updates(session: Session, plan_id: int) -> None:
    """Rebuild the plan's LatestUpdate rows from the log: each action's latest update from a
    person (imports excluded), by time then id."""
    ranked = (
        select(
            *(getattr(Update, c) for c in _LATEST_FROM_UPDATE.values()),
            func.row_number()
            .over(
                partition_by=Update.action_id,
                order_by=(Update.created_at.desc(), Update.id.desc()),
            )
            .label("rn"),
        )
        .where(Update.plan_id == plan_id, Update.source != "import")
        .subquery()
    )
    session.execute(delete(LatestUpdate).where(LatestUpdate.plan_id == plan_id))
    session.execute(
        insert(LatestUpdate).from_select(
            list(_LATEST_FROM_UPDATE),
            select(*(ranked.c[c] for c in _LATEST_FROM_UPDATE.values())).where(ranked.c.rn == 1),
        )
    )


# LatestUpdate column <- Update column
_LATEST_FROM_UPDATE = {
    "action_id": "action_id",
    "plan_id": "plan_id",
    "update_id": "id",
    "status": "status",
    "commentary": "commentary",
    "source": "source",
    "author_name": "author_name",
    "created_at": "created_at",
}
