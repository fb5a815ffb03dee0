"""festivals: festival seats of an experience deal on each departure

Revision ID: f1a7c3e9b2d4
Revises: e4b7c2d9a1f6
Create Date: 2026-12-02 16:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a7c3e9b2d4'
down_revision = 'e4b7c2d9a1f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'festival_deal_departures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deal_id', sa.Integer(), nullable=False),
        sa.Column('departure_id', sa.Integer(), nullable=False),
        sa.Column('sold', sa.Integer(), nullable=False),
        sa.CheckConstraint('sold >= 0', name='deal_departure_sold_not_negative'),
        sa.ForeignKeyConstraint(['deal_id'], ['festival_deals.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['departure_id'], ['experience_departures.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('deal_id', 'departure_id'),
    )
    with op.batch_alter_table('festival_deal_departures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festival_deal_departures_departure_id'), ['departure_id'], unique=False)


def downgrade():
    with op.batch_alter_table('festival_deal_departures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_festival_deal_departures_departure_id'))
    op.drop_table('festival_deal_departures')
