"""shipping: store shipping zones and methods, shipping locked on vendor orders, duties notes per country,
shoppers' address books, festivals' free-shipping deal rule

Revision ID: a7c3e9f1b2d4
Revises: b7d3e5f1a2c4
Create Date: 2026-12-02 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = 'b7d3e5f1a2c4'
branch_labels = None
depends_on = None

SHIPPING_COLUMNS = (
    ('shipping_amount', sa.Integer(), '0'),
    ('shipping_price_amount', sa.Integer(), '0'),
    ('shipping_currency', sa.String(length=3), ''),
    ('shipping_kind', sa.String(length=16), ''),
    ('shipping_method', sa.String(length=80), ''),
    ('shipping_tracked', sa.Boolean(), sa.false()),
    ('shipping_min_days', sa.Integer(), '0'),
    ('shipping_max_days', sa.Integer(), '0'),
    ('shipping_free_by', sa.String(length=80), ''),
)


def upgrade():
    op.create_table(
        'shipping_zones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('countries', sa.Text(), nullable=False),
        sa.Column('rest_of_world', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_shipping_zones_store_id_stores'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_zones')),
    )
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipping_zones_store_id'), ['store_id'], unique=False)
    op.create_table(
        'shipping_methods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('carrier', 'pickup', name='methodkind', native_enum=False, length=24),
                  nullable=False),
        sa.Column('carrier', sa.String(length=80), nullable=False),
        sa.Column('tracked', sa.Boolean(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('flat_amount', sa.Integer(), nullable=True),
        sa.Column('weight_bands', sa.JSON(), nullable=False),
        sa.Column('free_over_amount', sa.Integer(), nullable=True),
        sa.Column('min_days', sa.Integer(), nullable=False),
        sa.Column('max_days', sa.Integer(), nullable=False),
        sa.CheckConstraint('flat_amount IS NULL OR flat_amount >= 0', name=op.f('ck_shipping_methods_shipping_flat_not_negative')),
        sa.CheckConstraint('free_over_amount IS NULL OR free_over_amount >= 0',
                           name=op.f('ck_shipping_methods_shipping_free_over_not_negative')),
        sa.CheckConstraint('min_days >= 0 AND max_days >= min_days', name=op.f('ck_shipping_methods_shipping_days_in_order')),
        sa.ForeignKeyConstraint(['zone_id'], ['shipping_zones.id'], name=op.f('fk_shipping_methods_zone_id_shipping_zones'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_methods')),
    )
    with op.batch_alter_table('shipping_methods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipping_methods_zone_id'), ['zone_id'], unique=False)
    op.create_table(
        'duty_notes',
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('payer', sa.Enum('shopper', 'seller', name='dutypayer', native_enum=False, length=24), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_duty_notes_updated_by_id_users')),
        sa.PrimaryKeyConstraint('country_code', name=op.f('pk_duty_notes')),
    )
    op.create_table(
        'saved_addresses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=40), nullable=False),
        sa.Column('recipient_name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('region', sa.String(length=80), nullable=False),
        sa.Column('city', sa.String(length=80), nullable=False),
        sa.Column('address_line', sa.String(length=200), nullable=False),
        sa.Column('postal_code', sa.String(length=16), nullable=False),
        sa.Column('recipient_name_latin', sa.String(length=120), nullable=False),
        sa.Column('region_latin', sa.String(length=80), nullable=False),
        sa.Column('city_latin', sa.String(length=80), nullable=False),
        sa.Column('address_line_latin', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_addresses_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_addresses')),
    )
    with op.batch_alter_table('saved_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_addresses_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        for name, column_type, default in SHIPPING_COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=False, server_default=default))
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('free_shipping', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_column('free_shipping')
    with op.batch_alter_table('vendor_orders', schema=None) as batch_op:
        for name, _type, _default in reversed(SHIPPING_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('saved_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_addresses_user_id'))
    op.drop_table('saved_addresses')
    op.drop_table('duty_notes')
    with op.batch_alter_table('shipping_methods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipping_methods_zone_id'))
    op.drop_table('shipping_methods')
    with op.batch_alter_table('shipping_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipping_zones_store_id'))
    op.drop_table('shipping_zones')
