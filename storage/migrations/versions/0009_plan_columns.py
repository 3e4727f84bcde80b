"""plan: the columns the plan was imported with, in the file's order (for the board report)

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-23 13:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('columns_json', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('columns_json')
