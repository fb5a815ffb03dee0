"""festival themes per language

A festival's theme moves from one column of `festivals` to each of its per-language text rows, like
its name. The existing theme becomes the theme of the festival's original-language text (or of its
English text, or of any text, when the original has none).

Revision ID: 3c1d7e5a9b20
Revises: 5cb16fa6dd9b
Create Date: 2026-12-02 06:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1d7e5a9b20'
down_revision = '8d3f1c2a7b90'
branch_labels = None
depends_on = None

festivals = sa.table('festivals', sa.column('id', sa.Integer), sa.column('theme', sa.String),
                     sa.column('original_language', sa.String))
texts = sa.table('festival_texts', sa.column('id', sa.Integer), sa.column('festival_id', sa.Integer),
                 sa.column('language', sa.String), sa.column('theme', sa.String))


def upgrade():
    with op.batch_alter_table('festival_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=80), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.select(festivals.c.id, festivals.c.theme, festivals.c.original_language)
                              .where(festivals.c.theme != '')).all()
    for festival_id, theme, original in rows:
        languages = dict(connection.execute(sa.select(texts.c.language, texts.c.id)
                                            .where(texts.c.festival_id == festival_id)).all())
        target = languages.get(original) or languages.get('en') or next(iter(languages.values()), None)
        if target is not None:
            connection.execute(texts.update().where(texts.c.id == target).values(theme=theme))
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.drop_column('theme')


def downgrade():
    with op.batch_alter_table('festivals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=80), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.select(festivals.c.id, festivals.c.original_language)).all()
    for festival_id, original in rows:
        themes = dict(connection.execute(sa.select(texts.c.language, texts.c.theme)
                                         .where(texts.c.festival_id == festival_id, texts.c.theme != '')).all())
        theme = themes.get(original) or themes.get('en') or next(iter(themes.values()), '')
        if theme:
            connection.execute(festivals.update().where(festivals.c.id == festival_id).values(theme=theme))
    with op.batch_alter_table('festival_texts', schema=None) as batch_op:
        batch_op.drop_column('theme')
