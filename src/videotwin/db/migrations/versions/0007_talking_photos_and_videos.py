"""talking photos and talking videos: a record table each

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import videotwin.db.types  # noqa: F401 - autogenerate writes videotwin.db.types.UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ("talking_photos", "talking_videos")


def upgrade() -> None:
    for table in TABLES:
        op.create_table(table,
        sa.Column('id', sa.String(length=24), nullable=False),
        sa.Column('owner_id', sa.String(length=24), nullable=False),
        sa.Column('job_id', sa.String(length=24), nullable=False),
        sa.Column('created_at', videotwin.db.types.UTCDateTime(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f(f'fk_{table}_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}'))
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_owner_created', ['owner_id', 'created_at'], unique=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_job_id'), ['job_id'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_job_id'))
            batch_op.drop_index(f'ix_{table}_owner_created')
        op.drop_table(table)
