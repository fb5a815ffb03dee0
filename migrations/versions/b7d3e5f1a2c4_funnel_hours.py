"""reporting: journey counts added up per hour, beside the minutes (a festival's funnel reads hours)

Revision ID: b7d3e5f1a2c4
Revises: f1a7c3e9b2d4
Create Date: 2026-12-02 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e5f1a2c4'
down_revision = 'f1a7c3e9b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'funnel_hours',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'step', 'hour'),
    )
    # The hours of the minutes counted so far (SQLite keeps instants as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff").
    if op.get_bind().dialect.name == 'postgresql':
        hour = "date_trunc('hour', minute)"
    else:
        hour = "strftime('%Y-%m-%d %H:00:00.000000', minute)"
    op.execute(f"INSERT INTO funnel_hours (product_id, step, hour, count) "
               f"SELECT product_id, step, {hour}, SUM(count) FROM funnel_counts GROUP BY product_id, step, {hour}")


def downgrade():
    op.drop_table('funnel_hours')
