"""each action's latest update kept at write time; updates indexed by plan and time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:40:00

- ``update.plan_id`` (backfilled from the action) and ``ix_update_plan_created`` (plan, time,
  action, source): the digest counts a period's updates from the index alone.
- ``latestupdate``: each action's latest update from a person (imports excluded), backfilled
  here by ranking the log once; storage/cache.py keeps it current from now on.
- ``ix_deadlinerevision_source_recorded``: "deadlines revised since T" without a scan.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
    op.execute(
        'UPDATE "update" SET plan_id = '
        '(SELECT action.plan_id FROM action WHERE action.id = "update".action_id)'
    )
    with op.batch_alter_table('update', schema=None) as batch_op:
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_update_plan_id_plan'), 'plan', ['plan_id'], ['id']
        )
        batch_op.create_index(
            'ix_update_plan_created', ['plan_id', 'created_at', 'action_id', 'source'], unique=False
        )

    op.create_table('latestupdate',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('commentary', sa.Text(), server_default='', nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('author_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_latestupdate_action_id_action')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_latestupdate_plan_id_plan')),
    sa.ForeignKeyConstraint(['update_id'], ['update.id'], name=op.f('fk_latestupdate_update_id_update')),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_latestupdate'))
    )
    with op.batch_alter_table('latestupdate', schema=None) as batch_op:
        batch_op.create_index('ix_latestupdate_plan_created', ['plan_id', 'created_at'], unique=False)
    # One ranking of the whole log, now, instead of one per digest from now on.
    op.execute(
        'INSERT INTO latestupdate '
        '(action_id, plan_id, update_id, status, commentary, source, author_name, created_at) '
        'SELECT action_id, plan_id, id, status, commentary, source, author_name, created_at '
        'FROM (SELECT u.*, ROW_NUMBER() OVER '
        '(PARTITION BY u.action_id ORDER BY u.created_at DESC, u.id DESC) AS rn '
        'FROM "update" u WHERE u.source <> \'import\') ranked WHERE rn = 1'
    )

    with op.batch_alter_table('deadlinerevision', schema=None) as batch_op:
        batch_op.create_index(
            'ix_deadlinerevision_source_recorded', ['source', 'recorded_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('deadlinerevision', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlinerevision_source_recorded')
    with op.batch_alter_table('latestupdate', schema=None) as batch_op:
        batch_op.drop_index('ix_latestupdate_plan_created')
    op.drop_table('latestupdate')
    with op.batch_alter_table('update', schema=None) as batch_op:
        batch_op.drop_index('ix_update_plan_created')
        batch_op.drop_constraint(batch_op.f('fk_update_plan_id_plan'), type_='foreignkey')
        batch_op.drop_column('plan_id')
