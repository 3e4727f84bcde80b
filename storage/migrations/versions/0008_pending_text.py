"""pending text: a person's words waiting for their answer to the bot's question

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-23 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pendingtext',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('revised_text', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pendingtext'))
    )
    with op.batch_alter_table('pendingtext', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pendingtext_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pendingtext', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pendingtext_created_at'))
    op.drop_table('pendingtext')
