"""initial schema

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('coins', sa.Integer(), nullable=False),
    sa.Column('diamonds', sa.Integer(), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('coins >= 0', name=op.f('ck_users_coins_not_negative')),
    sa.CheckConstraint('diamonds >= 0', name=op.f('ck_users_diamonds_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('workers',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('seen_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    op.create_table('credit_entries',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_credit_entries_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entries'))
    )
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_entries_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_credit_entries_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=128), nullable=True),
    sa.Column('lease_expires_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('cost_currency', sa.String(length=16), nullable=False),
    sa.Column('cost_amount', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.Boolean(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('outputs', sa.JSON(), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=False),
    sa.Column('webhook_url', sa.String(length=2048), nullable=True),
    sa.Column('webhook_token', sa.String(length=256), nullable=True),
    sa.Column('webhook_state', sa.String(length=16), nullable=False),
    sa.Column('webhook_result', sa.String(length=255), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('enqueued_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.Column('started_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_jobs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_owner_kind_created', ['owner_id', 'kind', 'created_at'], unique=False)
        batch_op.create_index('ix_jobs_status_lease', ['status', 'lease_expires_at'], unique=False)

    op.create_table('tokens',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('display', sa.String(length=64), nullable=False),
    sa.Column('alias', sa.String(length=128), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', videotwin.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tokens_token_hash'))
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_user_id'))

    op.drop_table('tokens')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_lease')
        batch_op.drop_index('ix_jobs_owner_kind_created')

    op.drop_table('jobs')
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_entries_user_created')
        batch_op.drop_index(batch_op.f('ix_credit_entries_job_id'))

    op.drop_table('credit_entries')
    op.drop_table('workers')
    op.drop_table('users')
