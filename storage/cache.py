"""Keeps what is cached about each action's latest update in step with the append-only log,
in the transaction that appends the update: Action's latest-status columns (read by every
plan snapshot) and the LatestUpdate row (read by the digest's "what changed since")."""

from __future__ import annotations

import functools

from sqlalchemy import and_, or_
from sqlmodel import Session

from storage.engine import dialect_insert_for
from storage.models import Action, LatestUpdate, Update


def apply_to_action_cache(
    action: Action, update: Update, *, supersedes_import: bool = False
) -> None:
    """Fold ``update`` into ``action``'s cache. An update that states no status keeps the
    previous status (a comment is not a change of status) but still counts as a reply.
    ``supersedes_import``: the latest so far is imported progress, and a person's reply
    stored after it is newer whatever the two clocks said (an import stamped by the wall
    clock, replies on a console's `--today`)."""
    late = action.status_at is not None and update.created_at < action.status_at
    if late and not (supersedes_import and update.source != "import"):
        return  # an older update arriving late does not overwrite a newer one
    if update.status:
        action.status = update.status
    action.status_at = update.created_at
    action.last_update_id = update.id
    if update.source != "import":
        action.replied_at = update.created_at
    if update.revised_due is not None or update.revised_deadline_text:
        action.deadline_text = update.revised_deadline_text or action.deadline_text
        action.due_date = update.revised_due
        action.deadline_kind = "fixed" if update.revised_due else action.deadline_kind
        action.deadline_sure = update.revised_due is not None


def latest_row(action: Action, update: Update) -> dict | None:
    """The LatestUpdate row ``update`` offers (None for an import: not a person's)."""
    if update.source == "import":
        return None
    return {
        "action_id": action.id,
        "plan_id": action.plan_id,
        "update_id": update.id,
        "status": update.status,
        "commentary": update.commentary,
        "source": update.source,
        "author_name": update.author_name,
        "created_at": update.created_at,
    }


def upsert_latest(session: Session, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO UPDATE for LatestUpdate rows (dicts of its columns), keeping
    the newer of the held and the offered update; the same statement on SQLite and
    PostgreSQL, the dialect's insert picked by the session's bind."""
    if not rows:
        return
    # Values passed as parameters, not baked into the statement, so it compiles once.
    session.execute(_upsert(session.get_bind().dialect.name, tuple(rows[0])), rows)


@functools.lru_cache(maxsize=8)
def _upsert(dialect: str, columns: tuple[str, ...]):
    """The upsert for these columns, built once: building it cost a click about as much CPU
    as running it (statements are immutable, so one serves every thread)."""
    table = LatestUpdate.__table__
    stmt = dialect_insert_for(dialect, table)
    ex = stmt.excluded
    newer = or_(
        table.c.created_at < ex.created_at,
        and_(table.c.created_at == ex.created_at, table.c.update_id < ex.update_id),
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.action_id],
        set_={c: ex[c] for c in columns if c != "action_id"},
        where=newer,
    )
