"""conversation state per person and platform (last nudge, open question)

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 13:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversationstate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('user_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('nudged_action_ids', sa.Text(), server_default='', nullable=False),
    sa.Column('pending', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversationstate')),
    sa.UniqueConstraint('platform', 'user_key', name=op.f('uq_conversationstate_platform_user_key'))
    )


def downgrade() -> None:
    op.drop_table('conversationstate')
