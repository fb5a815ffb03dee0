"""reviews: verified product reviews (texts per language, photos, answer, moderation) and rating aggregates

Products and stores keep the count and the sum of the stars of their shown reviews, and the PostgreSQL search
index keeps each product's mean (in tenths) and count for the "4 stars and up" facet and the rating order.

Revision ID: c9d4f2a8e6b1
Revises: b5d1e7a3c9f4
Create Date: 2026-12-02 16:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9d4f2a8e6b1'
down_revision = 'b5d1e7a3c9f4'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('products', 'stores'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False))
            batch_op.add_column(sa.Column('rating_total', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reviews', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'product_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('state', sa.String(length=24), nullable=False),
        sa.Column('hidden_reason', sa.Text(), nullable=False),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answer_language', sa.String(length=5), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('rating >= 1 AND rating <= 5', name='review_rating_range'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['author_id'], ['users.id']),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('order_line_id', name='uq_product_reviews_line'),
    )
    op.create_index('ix_product_reviews_author_id', 'product_reviews', ['author_id'])
    op.create_index('ix_product_reviews_product_state', 'product_reviews', ['product_id', 'state', 'id'])
    op.create_index('ix_product_reviews_store_state', 'product_reviews', ['store_id', 'state', 'id'])
    op.create_table(
        'review_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['product_reviews.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('review_id', 'language'),
    )
    op.create_table(
        'review_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('rendition_widths', sa.String(length=40), nullable=False),
        sa.Column('fallback_width', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['product_reviews.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('review_id', 'position'),
    )
    op.create_index('ix_review_photos_review_id', 'review_photos', ['review_id'])


def downgrade():
    op.drop_index('ix_review_photos_review_id', table_name='review_photos')
    op.drop_table('review_photos')
    op.drop_table('review_texts')
    op.drop_index('ix_product_reviews_store_state', table_name='product_reviews')
    op.drop_index('ix_product_reviews_product_state', table_name='product_reviews')
    op.drop_index('ix_product_reviews_author_id', table_name='product_reviews')
    op.drop_table('product_reviews')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('reviews')
        batch_op.drop_column('rating')
    for table in ('stores', 'products'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('rating_total')
            batch_op.drop_column('rating_count')
