"""what a payment took, failed passwords per account, payout changes held for staff

`orders.paid_currency` records the currency of what the gateway took (a payment in another currency
than the order's is kept, for the refund). `failed_passwords` counts wrong passwords per account in
the database, so every worker enforces one limit. `stores.payout_*` hold an approved store's
settlements after it changes its payout details, until staff confirm them.

Revision ID: a7c3e9d41b52
Revises: 5cb16fa6dd9b
Create Date: 2026-12-02 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9d41b52'
down_revision = 'a7c3e5d91f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_currency', sa.String(length=3), nullable=False, server_default=''))
    op.create_table(
        'failed_passwords',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_key', sa.String(length=270), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_passwords')),
    )
    op.create_index('ix_failed_passwords_key_at', 'failed_passwords', ['account_key', 'attempted_at'], unique=False)
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payout_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payout_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stores_payout_confirmed_by_id_users'), 'users',
                                    ['payout_confirmed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stores_payout_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('payout_confirmed_by_id')
        batch_op.drop_column('payout_confirmed_at')
        batch_op.drop_column('payout_changed_at')
    op.drop_index('ix_failed_passwords_key_at', table_name='failed_passwords')
    op.drop_table('failed_passwords')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('paid_currency')
