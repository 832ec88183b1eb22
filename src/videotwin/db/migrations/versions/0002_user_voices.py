"""user voices

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_voices',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('denoise', sa.Boolean(), nullable=False),
    sa.Column('voice_urls', sa.JSON(), nullable=False),
    sa.Column('base_voice_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_user_voices_owner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_voices'))
    )
    with op.batch_alter_table('user_voices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_voices_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_user_voices_owner_created', ['owner_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_voices', schema=None) as batch_op:
        batch_op.drop_index('ix_user_voices_owner_created')
        batch_op.drop_index(batch_op.f('ix_user_voices_job_id'))

    op.drop_table('user_voices')
