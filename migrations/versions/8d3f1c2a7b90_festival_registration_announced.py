"""festival registration announced

Records when approved vendors were e-mailed that a festival's registration opened, so the
announcement goes out once per festival however often the job runs.

Revision ID: 8d3f1c2a7b90
Revises: 5cb16fa6dd9b
Create Date: 2026-12-02 06:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d3f1c2a7b90'
down_revision = '5cb16fa6dd9b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_announced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_column('registration_announced_at')
