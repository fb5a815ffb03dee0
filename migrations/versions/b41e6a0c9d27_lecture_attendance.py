"""lecture attendance: when a registrant was seen at the lecture

Revision ID: b41e6a0c9d27
Revises: 8f0837ccb19f
Create Date: 2026-12-02 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41e6a0c9d27'
down_revision = '8f0837ccb19f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lecture_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('lecture_registrations', schema=None) as batch_op:
        batch_op.drop_column('attended_at')
