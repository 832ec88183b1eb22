"""caption removals: a record table

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types  # noqa: F401 - autogenerate writes videotwin.db.types.UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('caption_removals',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('source_url', sa.String(length=2048), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_caption_removals_owner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caption_removals'))
    )
    with op.batch_alter_table('caption_removals', schema=None) as batch_op:
        batch_op.create_index('ix_caption_removals_owner_created', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_caption_removals_job_id'), ['job_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('caption_removals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caption_removals_job_id'))
        batch_op.drop_index('ix_caption_removals_owner_created')
    op.drop_table('caption_removals')
