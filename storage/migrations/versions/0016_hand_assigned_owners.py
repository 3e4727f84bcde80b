"""owners given by hand: actionowner.by_hand marks an owner an administrator assigned
(`actions assign`, `owners import`, `/actions assign`) rather than the plan's file, so a
re-import of the plan leaves it in place

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-02 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actionowner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_hand", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("actionowner", schema=None) as batch_op:
        batch_op.drop_column("by_hand")
