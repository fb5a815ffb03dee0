"""festivals: the waiting room (staff's switch and rate per festival, each wave's line, shoppers' places, used tickets)

Revision ID: b5d1e7a3c9f4
Revises: a7c3e9f1b2d4
Create Date: 2026-12-02 16:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5d1e7a3c9f4'
down_revision = 'a7c3e9f1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_room', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('waiting_room_rate', sa.Integer(), nullable=False, server_default='600'))
    op.create_table(
        'festival_waiting_lines',
        sa.Column('wave_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('next_slot_ms', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['wave_id'], ['festival_waves.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('wave_id'),
    )
    op.create_table(
        'festival_waiting_places',
        sa.Column('wave_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('shopper_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('admit_at_ms', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['shopper_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['wave_id'], ['festival_waves.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('wave_id', 'shopper_id'),
    )
    op.create_table(
        'festival_spent_tickets',
        sa.Column('ticket_id', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id'),
    )
    with op.batch_alter_table('festival_spent_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_festival_spent_tickets_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('festival_spent_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_festival_spent_tickets_expires_at'))
    op.drop_table('festival_spent_tickets')
    op.drop_table('festival_waiting_places')
    op.drop_table('festival_waiting_lines')
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_column('waiting_room_rate')
        batch_op.drop_column('waiting_room')
