"""the board paper as the office writes it: plan.report_with (the report's extras by
default, its house style), theme.heading and action.owner_text (the theme heading and owner
cell as the plan wrote them)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_with", sa.String(length=200), server_default="", nullable=False)
        )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heading", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_text", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_column("owner_text")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_column("heading")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("report_with")
