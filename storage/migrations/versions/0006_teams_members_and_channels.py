"""Teams: chat members met (conversation references, identity) and team channels; nudge
message ids wide enough for Teams conversation ids

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chatmember',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('aad_object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('service_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_chatmember_owner_id_owner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chatmember')),
    sa.UniqueConstraint('platform', 'user_id', name=op.f('uq_chatmember_platform_user_id'))
    )
    with op.batch_alter_table('chatmember', schema=None) as batch_op:
        batch_op.create_index('ix_chatmember_platform_owner', ['platform', 'owner_id'], unique=False)

    op.create_table('teamschannel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('team_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('service_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('removed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teamschannel')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_teamschannel_channel_id'))
    )

    op.create_table('teamssent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teamssent')),
    sa.UniqueConstraint('kind', 'claim_id', 'part', name=op.f('uq_teamssent_kind_claim_id_part'))
    )

    with op.batch_alter_table('nudgemessage', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=300), existing_nullable=True)
        batch_op.alter_column('message_ts', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=200), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('nudgemessage', schema=None) as batch_op:
        batch_op.alter_column('message_ts', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=64), existing_nullable=True)
        batch_op.alter_column('channel', existing_type=sqlmodel.sql.sqltypes.AutoString(length=300),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=64), existing_nullable=True)
    op.drop_table('teamssent')
    op.drop_table('teamschannel')
    with op.batch_alter_table('chatmember', schema=None) as batch_op:
        batch_op.drop_index('ix_chatmember_platform_owner')
    op.drop_table('chatmember')
