"""refunds: a refund row per request, sent through the gateway; refunded amounts on orders and their parts;
ledger reversals per refund

Revision ID: e4b7a2c9d816
Revises: d3e8b1c4a9f2
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7a2c9d816'
down_revision = "d3e8b1c4a9f2"
branch_labels = None
depends_on = None

STATES = ('requested', 'pending', 'to_pay_out', 'succeeded', 'failed')


def upgrade():
    op.create_table(
        'refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('vendor_order_id', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('state', sa.Enum(*STATES, name='refundstate', native_enum=False, length=24), nullable=False),
        sa.Column('gateway', sa.String(length=16), nullable=False),
        sa.Column('payment_reference', sa.String(length=255), nullable=False),
        sa.Column('gateway_payment_id', sa.String(length=255), nullable=False),
        sa.Column('gateway_refund_id', sa.String(length=255), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('paid_out_by_id', sa.Integer(), nullable=True),
        sa.Column('payout_reference', sa.String(length=120), nullable=False),
        sa.Column('shopper_told', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('amount > 0', name=op.f('ck_refunds_refund_amount_positive')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vendor_order_id'], ['vendor_orders.id'],
                                name=op.f('fk_refunds_vendor_order_id_vendor_orders'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_refunds_requested_by_id_users')),
        sa.ForeignKeyConstraint(['paid_out_by_id'], ['users.id'], name=op.f('fk_refunds_paid_out_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_refunds_idempotency_key')),
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_vendor_order_id'), ['vendor_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_gateway_payment_id'), ['gateway_payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_gateway_refund_id'), ['gateway_refund_id'], unique=False)
        batch_op.create_index('ix_refunds_state', ['state'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_amount', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_amount', sa.Integer(), server_default='0', nullable=False))
    # What was marked refunded before refunds sent money cannot be refunded again.
    op.execute("UPDATE vendor_orders SET refunded_amount = subtotal_amount WHERE status = 'refunded'")
    op.execute("UPDATE orders SET refunded_amount = paid_amount WHERE payment_state = 'refunded'")

    with op.batch_alter_table('payable_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payable_entries_refund_id_refunds'), 'refunds', ['refund_id'],
                                    ['id'])
        batch_op.drop_constraint('uq_payable_entries_vendor_order_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payable_entries_refund_id'), ['refund_id'])
        batch_op.create_index('uq_payable_entries_one_sale', ['vendor_order_id'], unique=True,
                              sqlite_where=sa.text("kind = 'sale'"), postgresql_where=sa.text("kind = 'sale'"))


def downgrade():
    with op.batch_alter_table('payable_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_payable_entries_one_sale')
        batch_op.drop_constraint(batch_op.f('uq_payable_entries_refund_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_payable_entries_refund_id_refunds'), type_='foreignkey')
        batch_op.drop_column('refund_id')
    # Partial refunds leave several reversals per part; the old (part, kind) uniqueness keeps the first.
    op.execute("DELETE FROM payable_entries WHERE kind = 'reversal' AND id NOT IN "
               "(SELECT MIN(id) FROM payable_entries WHERE kind = 'reversal' GROUP BY vendor_order_id)")
    with op.batch_alter_table('payable_entries', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_payable_entries_vendor_order_id', ['vendor_order_id', 'kind'])
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        batch_op.drop_column('refunded_amount')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('refunded_amount')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_state')
        batch_op.drop_index(batch_op.f('ix_refunds_gateway_refund_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_gateway_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_vendor_order_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_order_id'))
    op.drop_table('refunds')
