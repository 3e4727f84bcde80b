"""a plan's actions and their owners read in order from indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 16:40:00

- ``ix_action_plan_position`` (plan, archived, position): the live plan is read in its order
  without sorting 10,000 rows each time (the snapshot behind every digest and query).
- ``ix_actionowner_action_position`` (action, position, owner): each action's owners in order
  from the index alone.
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_action_plan_position', 'action', ['plan_id', 'archived_at', 'position'], unique=False
    )
    op.create_index(
        'ix_actionowner_action_position',
        'actionowner',
        ['action_id', 'position', 'owner_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_actionowner_action_position', table_name='actionowner')
    op.drop_index('ix_action_plan_position', table_name='action')
