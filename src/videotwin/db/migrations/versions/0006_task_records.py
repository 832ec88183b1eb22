"""task records: avatar videos get a record table; avatars say whether they are system avatars

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types  # noqa: F401 - autogenerate writes videotwin.db.types.UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('avatar_videos',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.String(length=24), nullable=False),
    sa.Column('job_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_avatar_videos_owner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_avatar_videos'))
    )
    with op.batch_alter_table('avatar_videos', schema=None) as batch_op:
        batch_op.create_index('ix_avatar_videos_owner_created', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_avatar_videos_job_id'), ['job_id'], unique=False)
    # Every video made so far: its record has the id it was known by (its job's).
    op.execute("INSERT INTO avatar_videos (id, owner_id, job_id, created_at) "
               "SELECT id, owner_id, id, created_at FROM jobs WHERE kind = 'video.generate'")

    with op.batch_alter_table('video_twins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE video_twins SET system = (SELECT anchors.owner_id IS NULL FROM anchors "
               "WHERE anchors.id = video_twins.anchor_id) "
               "WHERE EXISTS (SELECT 1 FROM anchors WHERE anchors.id = video_twins.anchor_id)")
    with op.batch_alter_table('lipsync_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lipsync_models_job_id'), ['job_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lipsync_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lipsync_models_job_id'))
    with op.batch_alter_table('video_twins', schema=None) as batch_op:
        batch_op.drop_column('system')
    with op.batch_alter_table('avatar_videos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_avatar_videos_job_id'))
        batch_op.drop_index('ix_avatar_videos_owner_created')
    op.drop_table('avatar_videos')
