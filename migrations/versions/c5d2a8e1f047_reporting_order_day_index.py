"""reporting: orders are read by the day they were placed

Revision ID: c5d2a8e1f047
Revises: c7d2e5a1f3b8
Create Date: 2026-12-02 10:25:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5d2a8e1f047'
down_revision = 'c7d2e5a1f3b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_created_at')
