"""vendor sku and latin address

Products get an optional vendor SKU, unique within a store when set; orders keep a Latin-letter
version of a delivery address typed in another script, for the carrier's label.

Revision ID: 3e7a1c9d4b52
Revises: 5cb16fa6dd9b
Create Date: 2026-12-02 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e7a1c9d4b52'
down_revision = '3c1d7e5a9b20'
branch_labels = None
depends_on = None

LATIN_COLUMNS = (('recipient_name_latin', 120), ('region_latin', 80), ('city_latin', 80),
                 ('address_line_latin', 200))


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sku', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint('uq_products_store_sku', ['store_id', 'sku'])
    # Server defaults fill the orders that already exist ("typed in Latin letters").
    with op.batch_alter_table('orders', schema=None) as batch_op:
        for name, length in LATIN_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        for name, _length in reversed(LATIN_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint('uq_products_store_sku', type_='unique')
        batch_op.drop_column('sku')
