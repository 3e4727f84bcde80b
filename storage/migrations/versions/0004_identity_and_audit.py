"""identity and people's data: audit table, plan readers, erased people, one open sign-off

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 13:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('subject_owner_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditentry'))
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index('ix_auditentry_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_subject_owner_id'), ['subject_owner_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('readers', sa.String(length=20), server_default='members', nullable=False))

    # One chat user, one person. A chat id on several people is the identity confusion this
    # revision closes: the earliest person keeps it, the others are matched again (by the
    # chat platform's verified email) the next time they are reached.
    op.execute(
        "UPDATE owner SET chat_user_id = NULL WHERE chat_user_id IS NOT NULL AND id NOT IN "
        "(SELECT min_id FROM (SELECT MIN(id) AS min_id FROM owner WHERE chat_user_id IS NOT NULL "
        "GROUP BY chat_user_id) AS keep)"
    )
    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_owner_chat_user_id'))
        batch_op.create_index(batch_op.f('ix_owner_chat_user_id'), ['chat_user_id'], unique=True)

    # Before this revision a second completion could open a second sign-off for the same
    # action; keep the oldest open one and mark the others superseded, then let the index
    # hold the rule.
    op.execute(
        "UPDATE signoff SET decision = 'superseded' WHERE decision IS NULL AND id NOT IN "
        "(SELECT min_id FROM (SELECT MIN(id) AS min_id FROM signoff WHERE decision IS NULL "
        "GROUP BY action_id) AS keep)"
    )
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.create_index(
            'uq_signoff_open_action', ['action_id'], unique=True,
            sqlite_where=sa.text('decision IS NULL'),
            postgresql_where=sa.text('decision IS NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('signoff', schema=None) as batch_op:
        batch_op.drop_index('uq_signoff_open_action')
    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_chat_user_id'))
        batch_op.create_index(batch_op.f('ix_owner_chat_user_id'), ['chat_user_id'], unique=False)
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('readers')
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_subject_owner_id'))
        batch_op.drop_index('ix_auditentry_at')
    op.drop_table('auditentry')
