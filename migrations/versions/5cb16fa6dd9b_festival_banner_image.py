"""festival banner image

Replaces `festivals.banner_url` (a typed path) with an uploaded banner processed by the media
pipeline: its content key, size and rendition widths. Old paths cannot become renditions, so they
are dropped: staff upload those banners again.

Revision ID: 5cb16fa6dd9b
Revises: 2afc610501b8
Create Date: 2026-11-28 14:52:55.266101

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.types


# revision identifiers, used by Alembic.
revision = '5cb16fa6dd9b'
down_revision = '2afc610501b8'
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode: SQLite cannot drop a column in place, so Alembic copies the table there.
    # Server defaults fill the rows that already exist ("no banner").
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('banner_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('banner_width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('banner_height', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('banner_widths', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('banner_fallback_width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('banner_url')


def downgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('banner_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.drop_column('banner_fallback_width')
        batch_op.drop_column('banner_widths')
        batch_op.drop_column('banner_height')
        batch_op.drop_column('banner_width')
        batch_op.drop_column('banner_key')
