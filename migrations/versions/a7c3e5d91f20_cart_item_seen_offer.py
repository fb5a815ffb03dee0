"""cart item seen offer

Records which offer (a festival deal's hold, "deal:<id>") gave the price a shopper last saw on a
cart line, so the cart can say why that price no longer applies (deal ended, sold out, limit used).
Rows already there saw no offer that can be named.

Revision ID: a7c3e5d91f20
Revises: 5cb16fa6dd9b
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5d91f20'
down_revision = '3e7a1c9d4b52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_offer', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_column('seen_offer')
