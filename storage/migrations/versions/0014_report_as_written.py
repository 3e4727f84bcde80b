"""the board paper as the office writes it: plan.report_with (the report's extras by
default, its house style), theme.heading and action.owner_text (the theme heading and owner
cell as the plan wrote them), and actionversion (an action's plan row as it was before and
after each re-import that changed it, for the report as at a past date)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:15:00
"""

import sqlalchemy as sa
import sqlmodel
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
    op.create_table(
        "actionversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("deadline_text", sa.String(length=500), nullable=False),
        sa.Column("owner_text", sa.Text(), server_default="", nullable=False),
        sa.Column("owner_ids", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_actionversion_action_recorded", "actionversion", ["action_id", "recorded_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_actionversion_action_recorded", table_name="actionversion")
    op.drop_table("actionversion")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_column("owner_text")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_column("heading")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("report_with")
