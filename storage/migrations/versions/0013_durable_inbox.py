"""durable inbox: chat requests kept from their acknowledgement until handled

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:50:00

- ``inboxitem``: every Slack event, command and interaction (and Teams message) the bot
  acknowledges is written here first and handled from here (storage/inbox.py), so a crash
  after the acknowledgement loses nothing; unique on the platform's delivery id.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inboxitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("delivery_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboxitem")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_inboxitem_delivery_key")),
    )
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.create_index("ix_inboxitem_open", ["done_at", "lease_until"], unique=False)
        batch_op.create_index("ix_inboxitem_claimed_open", ["claimed_by", "done_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.drop_index("ix_inboxitem_claimed_open")
        batch_op.drop_index("ix_inboxitem_open")
    op.drop_table("inboxitem")
