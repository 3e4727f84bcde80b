"""role aliases: the spellings `people roles merge` folded into a role, so a re-import that
still names "AO" gives its actions to "Accountable Officer"

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 21:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rolealias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["owner.id"], name=op.f("fk_rolealias_role_id_owner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rolealias")),
        sa.UniqueConstraint("name", name=op.f("uq_rolealias_name")),
    )
    op.create_index("ix_rolealias_role_id", "rolealias", ["role_id"])


def downgrade() -> None:
    op.drop_index("ix_rolealias_role_id", table_name="rolealias")
    op.drop_table("rolealias")
