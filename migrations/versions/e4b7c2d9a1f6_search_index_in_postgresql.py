"""search: the index's tables for SEARCH_BACKEND=postgres (documents, term counts, pending refreshes, state)

On PostgreSQL the vectors are tsvector with a GIN index, and the words and Chinese texts have trigram
indexes (pg_trgm, created when missing); on SQLite the same tables are plain and unused.

Revision ID: e4b7c2d9a1f6
Revises: d4e8a1c6b2f9
Create Date: 2026-12-02 13:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e4b7c2d9a1f6'
down_revision = "d4e8a1c6b2f9"
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    vector = postgresql.TSVECTOR() if postgres else sa.Text()
    terms = postgresql.ARRAY(sa.Text()) if postgres else sa.Text()
    op.create_table(
        'search_documents',
        sa.Column('product_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('title', vector, nullable=False),
        sa.Column('body', vector, nullable=False),
        sa.Column('words', terms, nullable=False),
        sa.Column('cjk', sa.Text(), nullable=False),
        sa.Column('length', sa.Integer(), nullable=False),
        sa.Column('languages', sa.String(length=40), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('price', sa.BigInteger(), nullable=False),
        sa.Column('price_band', sa.String(length=16), nullable=False),
        sa.Column('published', sa.BigInteger(), nullable=False),
        sa.Column('campaign', sa.Boolean(), nullable=False),
        sa.Column('in_festival', sa.Boolean(), nullable=False),
        sa.Column('stamp', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('product_id'),
    )
    if postgres:  # the names' vector uncompressed in the row; a toasted row cut down to 256 bytes
        op.execute('ALTER TABLE search_documents SET (toast_tuple_target = 256), ALTER COLUMN title SET STORAGE PLAIN')
    op.create_index('ix_search_documents_body', 'search_documents', ['body'], postgresql_using='gin')
    op.create_index('ix_search_documents_cjk', 'search_documents', ['cjk'], postgresql_using='gin',
                    postgresql_ops={'cjk': _trigram_ops()} if postgres else {})
    op.create_table(
        'search_terms',
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('term', sa.Text(collation='C') if postgres else sa.Text(), nullable=False),
        sa.Column('documents', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'term'),
    )
    op.create_index('ix_search_terms_words_trigram', 'search_terms', ['term'], postgresql_using='gin',
                    postgresql_ops={'term': _trigram_ops()} if postgres else {},
                    postgresql_where=sa.text("kind = 'w'"))
    op.create_table(
        'search_pending',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('product_ids', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'search_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.String(length=16), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('documents', sa.Integer(), nullable=False),
        sa.Column('total_length', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def _trigram_ops():
    """pg_trgm's operator class, named with the schema the extension lives in (it may be outside the
    search path, e.g. created earlier in another schema)."""
    schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )).scalar_one()
    return f'"{schema}".gin_trgm_ops'


def downgrade():
    op.drop_table('search_state')
    op.drop_table('search_pending')
    op.drop_index('ix_search_terms_words_trigram', table_name='search_terms', postgresql_where=sa.text("kind = 'w'"))
    op.drop_table('search_terms')
    op.drop_index('ix_search_documents_cjk', table_name='search_documents')
    op.drop_index('ix_search_documents_body', table_name='search_documents')
    op.drop_table('search_documents')
