"""video twins and anchors

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types  # noqa: F401 - autogenerate writes videotwin.db.types.UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('anchors',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=True),
    sa.Column('anchor_type', sa.Integer(), nullable=False),
    sa.Column('twin_id', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_anchors_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anchors'))
    )
    with op.batch_alter_table('anchors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anchors_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_anchors_twin_id'), ['twin_id'], unique=False)

    op.create_table('video_twins',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=False),
    sa.Column('anchor_id', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('source_kind', sa.String(length=16), nullable=False),
    sa.Column('source_url', sa.String(length=2048), nullable=False),
    sa.Column('background_image', sa.String(length=2048), nullable=True),
    sa.Column('background_color', sa.String(length=64), nullable=True),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_video_twins_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_twins'))
    )
    with op.batch_alter_table('video_twins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_video_twins_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_video_twins_owner_created', ['owner_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('video_twins', schema=None) as batch_op:
        batch_op.drop_index('ix_video_twins_owner_created')
        batch_op.drop_index(batch_op.f('ix_video_twins_job_id'))

    op.drop_table('video_twins')
    with op.batch_alter_table('anchors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anchors_twin_id'))
        batch_op.drop_index(batch_op.f('ix_anchors_owner_id'))

    op.drop_table('anchors')
