"""reassignment requests; archived plans

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-23 13:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reassignrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_reassignrequest_action_id_action')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['owner.id'], name=op.f('fk_reassignrequest_requested_by_id_owner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reassignrequest')),
    sa.UniqueConstraint('external_id', name=op.f('uq_reassignrequest_external_id'))
    )
    with op.batch_alter_table('reassignrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassignrequest_action_id'), ['action_id'], unique=False)
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('reassignrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassignrequest_action_id'))
    op.drop_table('reassignrequest')
