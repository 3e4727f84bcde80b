"""chat event ids stored as hashes (erasure: no chat identifiers inside event ids)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 17:00:00

A chat event id often embeds who sent it (``slack:msg:<DM channel>:<ts>``,
``slack:btn:<ts>:<user>:<action>``, ``teams:<conversation>:<activity>``). From this revision
on only ``<platform>#<sha256 of the id>`` is stored (storage/chat.py ``event_key``), which
is all de-duplication compares. This rewrites the ids already stored in the processed-events
table and in the external ids of updates and reassignment requests that came from chat
(``slack:…`` / ``teams:…``; import fingerprints carry no identifiers and stay as they are).
No schema change. Downgrade leaves the hashes: they cannot be turned back into ids, and an
older release simply stops recognising those events as already seen.
"""

import hashlib

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000


def _key(event_id: str) -> str:
    # The same as storage.chat.event_key at this revision (copied: a migration must not
    # change meaning if that function ever does).
    platform = event_id.split(":", 1)[0] if ":" in event_id else ""
    platform = platform if platform.isalnum() and len(platform) <= 10 else "chat"
    return f"{platform}#{hashlib.sha256(event_id.encode()).hexdigest()}"


def _rehash(conn, table: str, key_col: str, id_col: str) -> None:
    t = sa.table(table, sa.column(key_col), sa.column(id_col))
    col, ident = t.c[key_col], t.c[id_col]
    chat = sa.or_(col.like("slack:%"), col.like("teams:%"))
    last = None
    while True:
        q = sa.select(ident, col).where(chat).order_by(ident).limit(BATCH)
        if last is not None:
            q = q.where(ident > last)
        rows = conn.execute(q).all()
        if not rows:
            return
        for row_id, raw in rows:
            conn.execute(sa.update(t).where(ident == row_id).values({key_col: _key(raw)}))
        last = rows[-1][0]


def upgrade() -> None:
    conn = op.get_bind()
    # The processed-events table is keyed by the id itself.
    _rehash(conn, "processedevent", "event_id", "event_id")
    _rehash(conn, "update", "external_id", "id")
    _rehash(conn, "reassignrequest", "external_id", "id")


def downgrade() -> None:
    pass
