"""reporting: per-minute counters of product views, add-to-carts and checkout starts; the daily sales roll-up

Revision ID: d4e8a1c6b2f9
Revises: e4b7a2c9d816
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e8a1c6b2f9'
down_revision = "e4b7a2c9d816"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'funnel_counts',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('minute', sa.DateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'step', 'minute'),
    )
    op.create_table(
        'rollup_days',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('zone', 'day'),
    )
    op.create_index(op.f('ix_rollup_days_starts_at'), 'rollup_days', ['starts_at'], unique=False)
    op.create_table(
        'rollup_order_sales',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('gateway', sa.String(length=16), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('gross', sa.Integer(), nullable=False),
        sa.Column('undone', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('zone', 'day', 'currency', 'country_code', 'gateway'),
    )
    op.create_table(
        'rollup_store_sales',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('vendor_orders', sa.Integer(), nullable=False),
        sa.Column('gross', sa.Integer(), nullable=False),
        sa.Column('undone', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('zone', 'day', 'currency', 'store_id'),
    )
    op.create_table(
        'rollup_category_sales',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('undone_units', sa.Integer(), nullable=False),
        sa.Column('gross', sa.Integer(), nullable=False),
        sa.Column('undone', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('zone', 'day', 'currency', 'category_id'),
    )


def downgrade():
    op.drop_table('rollup_category_sales')
    op.drop_table('rollup_order_sales')
    op.drop_table('rollup_store_sales')
    op.drop_index(op.f('ix_rollup_days_starts_at'), table_name='rollup_days')
    op.drop_table('rollup_days')
    op.drop_table('funnel_counts')
