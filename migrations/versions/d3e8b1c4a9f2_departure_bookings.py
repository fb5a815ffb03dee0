"""tourism: bookings of departures in carts and orders, and their travellers; order lines found by what they hold

Revision ID: d3e8b1c4a9f2
Revises: c7d2a91e5f30
Create Date: 2026-12-02 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3e8b1c4a9f2'
down_revision = 'c7d2a91e5f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('units', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking', sa.String(length=80), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('seats', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('units', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('detail', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_order_lines_booking', ['booking'], unique=False)
        batch_op.create_index('ix_order_lines_offer_hold', ['offer_hold'], unique=False)
    op.create_table(
        'order_travellers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('nationality', sa.String(length=2), nullable=False),
        sa.Column('notes', sa.String(length=300), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['line_id'], ['order_lines.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('line_id', 'position'),
    )
    with op.batch_alter_table('order_travellers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_travellers_line_id'), ['line_id'], unique=False)


def downgrade():
    with op.batch_alter_table('order_travellers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_travellers_line_id'))
    op.drop_table('order_travellers')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_offer_hold')
        batch_op.drop_index('ix_order_lines_booking')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('detail')
        batch_op.drop_column('units')
        batch_op.drop_column('seats')
        batch_op.drop_column('booking')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_column('units')
        batch_op.drop_column('booking')
